"""Classic XSS payloads typed into every text people can type, then every page
that shows them opened in a real headless Chromium: no script runs, no markup
is made of them, and they read exactly as typed.

The payloads go in the way people put them: the workshop title and the
canvas names through the facilitator's forms, names and institutions through
the join page, notes on the canvas page, a group title in the control room.
Each payload that could run calls ``alert`` (caught as a dialog) or sets
``window.__xss``. The pages' security headers are checked on the way, and on
the export downloads.
"""

from __future__ import annotations

import re

import pytest

from .browser_support import PageErrors, add_note, log_in, notes, wait_connected, wait_for_note
from .servers import PASSWORD, ServerProcess

pytestmark = pytest.mark.browser

EMAIL = "xss@example.org"

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(1)>'
JS_URL = "javascript:alert(1)"
TEMPLATE = "{{7*7}}"
TEXTAREA = "</textarea><script>alert(1)</script>"
ATTRIBUTE = "' onmouseover='alert(1)' x='"
ATTRIBUTE_DQ = '" onmouseover="alert(1)" x="'
MARKDOWN = "[x](javascript:alert(1))"
FLAG = '<img src=x onerror="window.__xss=1">'
NOTE_PAYLOADS = [SCRIPT, IMG, SVG, JS_URL, TEMPLATE, TEXTAREA, ATTRIBUTE, ATTRIBUTE_DQ, MARKDOWN, FLAG,
                 "<iframe srcdoc='<script>parent.__xss=1</script>'></iframe>",
                 "<a href=javascript:alert(1)>enlace</a>", "&lt;b&gt;no es negrita&lt;/b&gt; &amp;"]

TITLE = f"Taller {SCRIPT}{SVG}{TEMPLATE}{TEXTAREA}{FLAG}"  # ≤ 200
CANVAS = f"Mesa {IMG}{TEMPLATE}"  # ≤ 80
CANVAS_2 = f"Mesa 2 {ATTRIBUTE_DQ}"
NAME_1 = f"Ana {SCRIPT}{IMG}"  # ≤ 80
NAME_2 = f"Bea {SVG}{ATTRIBUTE}"
INSTITUTION_1 = f"{TEXTAREA}{ATTRIBUTE_DQ}{MARKDOWN}"  # ≤ 120
INSTITUTION_2 = f"{JS_URL} {FLAG}"
GROUP = f"Grupo {SVG}{FLAG}"  # ≤ 120


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # The downloads are checked as files: each request may wait for its file as long as a loaded
    # machine needs (the progress page of a long export is test_browser_exports' subject).
    process = ServerProcess(tmp_path_factory.mktemp("xss"), env={"EXPORT_WAIT": "120"}).prepare()
    process.create_facilitator(EMAIL, "Facilitadora")
    process.start()
    try:
        yield process
    finally:
        process.stop()


# ---- watching a page -------------------------------------------------------------------------------------

WATCH = """
window.__xss = undefined;
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__violations.push(e.violatedDirective + ' ' + (e.sample || e.blockedURI)));
"""

INJECTED_JS = r"""() => {
  const found = [];
  for (const node of document.querySelectorAll('*')) {
    for (const attribute of node.attributes) {
      if (attribute.name.startsWith('on')) found.push(`${node.tagName} ${attribute.name}=${attribute.value}`);
    }
    const tag = node.tagName.toLowerCase();
    // Data, not code: boot JSON and the import map (whose hash the CSP names).
    const data = ['application/json', 'importmap'].includes(node.type);
    if (tag === 'script' && !node.src && !data) found.push('inline script');
    if (['iframe', 'object', 'embed', 'frame'].includes(tag)) found.push(tag);
    if (tag === 'img' && node.getAttribute('src') === 'x') found.push('img src=x');
    if (node.hasAttribute('srcdoc')) found.push(`${tag} srcdoc`);
    for (const name of ['href', 'src', 'action', 'formaction', 'xlink:href']) {
      const value = (node.getAttribute(name) || '').replace(/\s/g, '').toLowerCase();
      if (value.startsWith('javascript:')) found.push(`${tag} ${name}=${value}`);
    }
  }
  return found;
}"""

# What a person reads: text nodes outside <script> and <style>, and the values of form fields.
TEXT_JS = """() => {
  const parts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.closest('script, style')) parts.push(node.nodeValue);
  }
  for (const field of document.querySelectorAll('input, textarea, option')) parts.push(field.value);
  parts.push(document.title);
  return parts.join('\\n');
}"""


class Watched:
    """One person's browser tab, watched for anything a payload could make run."""

    def __init__(self, page):
        self.page = page
        self.dialogs: list[str] = []
        self.page.context.add_init_script(WATCH)  # every page of the context, popups too
        self.page.on("dialog", self._dialog)

    @classmethod
    def open(cls, open_page, **options) -> Watched:
        return cls(open_page(**options))

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def check(self, *expected: str) -> None:
        """Nothing ran or was made of the payloads, and each expected text reads as typed."""
        page = self.page
        page.wait_for_timeout(150)  # a chance for an onerror or onload to fire
        assert self.dialogs == [], (page.url, self.dialogs)
        assert page.evaluate("() => window.__xss") is None, page.url
        assert page.evaluate("() => window.__violations") == [], page.url
        assert page.evaluate(INJECTED_JS) == [], page.url
        text = page.evaluate(TEXT_JS)
        missing = [value for value in expected if value not in text]
        assert missing == [], (page.url, missing)


def check_headers(response, what: str) -> None:
    headers = {name.lower(): value for name, value in response.headers.items()}
    policy = {d.strip().split(" ")[0]: d.strip() for d in headers.get("content-security-policy", "").split(";")
              if d.strip()}
    assert policy.get("default-src") == "default-src 'self'", (what, headers)
    # Our own scripts, and inline only what is named by its hash (the import map: facilitator/assets.py).
    script_src = policy.get("script-src", "")
    assert re.fullmatch(r"script-src 'self'( 'sha256-[A-Za-z0-9+/]+=*')*", script_src), (what, headers)
    assert policy.get("frame-ancestors") == "frame-ancestors 'none'", (what, headers)
    assert policy.get("base-uri") == "base-uri 'self'", (what, headers)
    assert "unsafe" not in headers["content-security-policy"], (what, headers)
    assert headers.get("x-content-type-options") == "nosniff", (what, headers)
    assert headers.get("referrer-policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin",
                                              "strict-origin"), (what, headers)
    assert headers.get("x-frame-options") == "DENY", (what, headers)


def visit(person: Watched, url: str, ready: str | None = None) -> None:
    """Open a page, check its headers, wait until its script has drawn it."""
    response = person.page.goto(url)
    assert response is not None and response.ok, (url, response and response.status)
    check_headers(response, url)
    if ready:
        person.page.wait_for_selector(ready)


# ---- the journey -----------------------------------------------------------------------------------------


def join(person: Watched, base_url: str, code: str, name: str, institution: str, canvas: str) -> None:
    """The join page by hand: name and institution, then the chosen canvas."""
    visit(person, f"{base_url}/j/{code}")
    person.page.fill("#name", name)
    person.page.fill("#institution", institution)
    person.page.click("main form button[type=submit]")
    person.page.wait_for_url("**/w/*")
    person.check(TITLE, CANVAS, CANVAS_2, name)
    person.page.locator("a.canvas-link").filter(has_text=canvas).click()
    person.page.wait_for_url("**/c/*")
    wait_connected(person.page)


def test_payloads_in_every_text_run_nowhere_and_read_as_typed(server, open_page):
    base = server.url
    facilitator = Watched.open(open_page, viewport={"width": 1400, "height": 1000})
    log_in(facilitator.page, base, EMAIL, PASSWORD)

    # The facilitator's forms: the workshop's title, two canvases.
    visit(facilitator, f"{base}/f/workshops/new")
    facilitator.page.fill("#title", TITLE)
    facilitator.page.click("main form button[type=submit]")
    facilitator.page.wait_for_url(re.compile(r".*/f/workshops/\d+$"))
    workshop_url = facilitator.page.url
    workshop_id = int(workshop_url.rsplit("/", 1)[1])
    for name in (CANVAS, CANVAS_2):
        facilitator.page.select_option("#template_id", "public-policy-lean-canvas")
        facilitator.page.fill("#name", name)
        facilitator.page.locator("form", has=facilitator.page.locator("#template_id")).locator(
            "button[type=submit]").click()
        facilitator.page.wait_for_url(workshop_url)
    code = facilitator.page.text_content(".big-code").strip()
    facilitator.check(TITLE, CANVAS, CANVAS_2)

    # Two participants join through the join page; the second sees the first's institution suggested.
    ana = Watched.open(open_page)
    join(ana, base, code, NAME_1, INSTITUTION_1, CANVAS)
    bea = Watched.open(open_page)
    visit(bea, f"{base}/j/{code}")
    assert INSTITUTION_1 in bea.page.eval_on_selector_all("#institution-list option", "os => os.map(o => o.value)")
    bea.check(TITLE, INSTITUTION_1)
    join(bea, base, code, NAME_2, INSTITUTION_2, CANVAS)

    # Ana writes every payload as a note; Bea reads them, with Ana's name, as text.
    for payload in NOTE_PAYLOADS:
        add_note(ana.page, "problem", payload)
    for payload in NOTE_PAYLOADS:
        wait_for_note(bea.page, payload, "problem", timeout=5_000)
    shown = {n["text"]: n for n in notes(bea.page)}
    for payload in NOTE_PAYLOADS:
        assert NAME_1 in shown[payload]["author"], shown[payload]
    assert [n["text"] for n in notes(ana.page)] == NOTE_PAYLOADS  # her own, in text fields
    for person in (ana, bea):
        person.page.wait_for_function("() => document.querySelector('#presence').dataset.count === '2'")
        person.check(TITLE, CANVAS, NAME_1, NAME_2, *NOTE_PAYLOADS)
        assert person.page.text_content(".workshop-title") == TITLE
        assert person.page.text_content(".canvas-title .canvas-name") == CANVAS

    # The control room: cards, people online, the people table; a group titled with a payload.
    visit(facilitator, f"{base}/f/workshops/{workshop_id}/room", "#connection[data-state='connected']")
    room = facilitator.page
    canvas_id = int(ana.page.url.rsplit("/", 1)[1])
    card = room.locator(f".room-card[data-canvas-id='{canvas_id}']")
    card.locator(".people-online").filter(has_text=NAME_1).wait_for()
    room.locator("#room-people").filter(has_text=INSTITUTION_2).wait_for()
    card.get_by_text("Temporizador, votación y grupos").click()
    groups = card.get_by_role("group", name="Grupos de notas")
    groups.get_by_label("Título del grupo").fill(GROUP)
    groups.get_by_label(SCRIPT, exact=True).check()
    groups.get_by_label(IMG, exact=True).check()
    groups.get_by_role("button", name="Agrupar las notas elegidas").click()
    bea.page.locator(".cluster-head").filter(has_text=GROUP).wait_for()
    facilitator.check(TITLE, CANVAS, CANVAS_2, NAME_1, NAME_2, INSTITUTION_1, INSTITUTION_2, GROUP, *NOTE_PAYLOADS)
    for person in (ana, bea):
        person.check(GROUP, *NOTE_PAYLOADS)

    # The projector: its join screen, the canvas, then the results of a vote on the payloads.
    with room.expect_popup() as opened:
        room.get_by_role("link", name="Abrir la pantalla del proyector").click()
    projector = Watched(opened.value)
    projector_errors = PageErrors(projector.page)
    projector.page.wait_for_selector("#projector-join:not([hidden])")
    projector.check(TITLE)
    assert projector.page.text_content(".projector-title") == TITLE
    card.get_by_role("button", name="Mostrar en el proyector").click()
    projector.page.wait_for_selector("#projector-canvas:not([hidden]) li.note >> nth=5")
    projector.check(CANVAS, NAME_1, *NOTE_PAYLOADS)
    assert projector.page.text_content("#projector-canvas-name") == CANVAS
    # Anonymous: the projector shows the institution instead of the name.
    card.get_by_role("button", name="Anónimo").click()
    projector.page.locator("#projector-sheet .note-author").filter(has_text=INSTITUTION_1).first.wait_for()
    projector.check(INSTITUTION_1, *NOTE_PAYLOADS)
    card.get_by_role("button", name="Anónimo").click()

    card.get_by_label("Votos por persona").fill("3")
    card.get_by_role("button", name="Abrir una votación").click()
    bea.page.locator("#vote-text").filter(has_text="le quedan 3 de 3 votos").wait_for()
    for payload in (TEXTAREA, MARKDOWN, FLAG):
        note_id = next(n["id"] for n in notes(bea.page) if n["text"] == payload)
        votes = f"li.note[data-note-id='{note_id}'] .note-votes"
        # On the board a dense block counts some notes: they are voted on in the block opened in full.
        if not bea.page.locator(f"li.note[data-note-id='{note_id}']").is_visible():
            block = bea.page.get_attribute(f"li.note[data-note-id='{note_id}']", "data-block")
            bea.page.click(f".block[data-block='{block}'] > .block-head .block-open")
        bea.page.locator(votes).get_by_role("button", name="Votar por esta nota").click()
        # The vote is counted (the board may refit meanwhile and fold the note again: attached, not visible).
        bea.page.wait_for_selector(f"{votes}[data-mine='1'][aria-busy='false']", state="attached")
    card.get_by_role("button", name="Cerrar la votación").click()
    card.get_by_role("button", name="Mostrar los resultados en el proyector").click()
    projector.page.wait_for_selector("#projector-results:not([hidden]) .result >> nth=2")
    results = projector.page.eval_on_selector_all("#projector-ranking .result-text", "rs => rs.map(r => r.textContent)")
    assert sorted(results) == sorted([TEXTAREA, MARKDOWN, FLAG]), results
    projector.check(CANVAS, TEXTAREA, MARKDOWN, FLAG)
    check_headers(projector.page.request.get(projector.page.url), "projector")
    assert projector_errors.errors == []
    for person in (ana, bea, facilitator):
        person.check(TEXTAREA, MARKDOWN, FLAG)

    # The facilitator's other pages: the dashboard, the workshop, a canvas opened from there.
    visit(facilitator, f"{base}/f/")
    facilitator.check(TITLE)
    visit(facilitator, workshop_url)
    facilitator.check(TITLE, CANVAS, CANVAS_2)
    assert facilitator.page.text_content("main h1") == TITLE
    visit(facilitator, f"{base}/f/workshops/{workshop_id}/canvases/{canvas_id}", ".canvas-page[data-ready='true']")
    facilitator.page.wait_for_selector("#connection[data-state='connected']")
    facilitator.check(TITLE, CANVAS, NAME_1, GROUP, *NOTE_PAYLOADS)
    # A participant coming back to the join page is greeted by name.
    visit(ana, f"{base}/j/{code}")
    ana.check(TITLE, NAME_1, INSTITUTION_1, INSTITUTION_2)

    # The downloads: safe headers, and the Markdown report keeps the payloads as plain text.
    for fmt in ("report-pdf", "report-md", "pdf", "xlsx", "csv", "json"):
        answer = facilitator.page.request.get(f"{base}/f/workshops/{workshop_id}/export/{fmt}")
        assert answer.ok, (fmt, answer.status)
        check_headers(answer, fmt)
        assert answer.headers["content-disposition"].startswith("attachment"), answer.headers
        if fmt == "report-md":
            # Every < and every ] of what people wrote is escaped: no HTML, no link.
            unescaped = re.findall(r"(?<!\\)(<(?:script|img|svg|iframe|a )|\]\(javascript:)", answer.text())
            assert unescaped == [], unescaped
    for query in ("", "?size=a4"):
        answer = facilitator.page.request.get(
            f"{base}/f/workshops/{workshop_id}/canvases/{canvas_id}/export.pdf{query}")
        assert answer.ok and answer.headers["content-disposition"].startswith("attachment"), answer.headers
        check_headers(answer, f"canvas pdf {query}")
