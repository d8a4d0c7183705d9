"""Helpers for the real-browser tests: find Debian's Chromium, drive the pages
the way a person does, and read what the canvas shows."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .waiting import STALL

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    """Debian's Chromium (or $CHROMIUM); skip when missing, except on CI where it must be there."""
    candidate = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if Path(candidate).is_file() and os.access(candidate, os.X_OK):
        return candidate
    unavailable(f"Chromium not found at {candidate!r}: install Debian's 'chromium' package "
                "or set CHROMIUM to its path to run the browser tests")


def unavailable(reason: str):
    """Skip a browser test that cannot run here; on CI (CI=true) it must run, so fail."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


class PageErrors:
    """Script errors and failed requests a page met (the test fails on any).

    ``expected``: texts of console errors about Socket.IO requests that the test
    causes on purpose (see REFUSED_POLL)."""

    def __init__(self, page, expected: tuple[str, ...] = ()):
        self.errors: list[str] = []
        self.expected = expected
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if url.endswith("/favicon.ico"):
            return
        if "/socket.io/" in url and "net::ERR_" in message.text:
            return  # the server is down on purpose: the page reconnects
        if "/socket.io/" in url and any(text in message.text for text in self.expected):
            return
        self.errors.append(f"console: {message.text} ({url})")


# A connection refused by the server (its database is down) may end with a 400
# for one long-polling request: socket.io-client handles the refusal a tick
# after the response that carried it, so it has already asked for the next
# poll when it closes the session, and that poll may reach the server after the
# close. Harmless (the page reconnects with a new session); only the tests that
# make the server refuse connections expect it.
REFUSED_POLL = ("the server responded with a status of 400 (BAD REQUEST)",)


def join_by_code(page, base_url: str, code: str, name: str, institution: str = "") -> None:
    """The participant's path: home page → code → name and institution → the canvas."""
    page.goto(base_url + "/")
    page.fill("#code", code.lower())
    page.click("main form button[type=submit]")
    page.wait_for_url("**/j/*")
    page.fill("#name", name)
    page.fill("#institution", institution)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/c/*")
    wait_connected(page)


def wait_connected(page, timeout: float | None = None) -> None:
    """Wait until the page is ready and connected (``timeout`` None: the context's generous default)."""
    page.wait_for_selector(".canvas-page[data-ready='true']", timeout=timeout)
    page.wait_for_selector("#connection[data-state='connected']", timeout=timeout)


NOTES_JS = """() => [...document.querySelectorAll('.sheet li.note')].map(li => {
  const text = li.querySelector('.note-text');
  return {id: li.dataset.noteId, block: li.closest('ul.notes').dataset.block,
          text: text.tagName === 'TEXTAREA' ? text.value : text.textContent,
          author: li.querySelector('.note-author').textContent,
          status: li.querySelector('.note-status').dataset.status || '',
          editable: text.tagName === 'TEXTAREA', ghost: li.classList.contains('is-ghost')};
})"""


def notes(page) -> list[dict]:
    """The notes the page shows, in page order: id, block, text, author, status, editable."""
    return page.evaluate(NOTES_JS)


def wait_for_note(page, text: str, block: str | None = None, timeout: float | None = None) -> None:
    """Wait until a note with exactly this text is shown (in ``block`` if given)."""
    page.wait_for_function(
        """([text, block]) => [...document.querySelectorAll('.sheet li.note')].some(li => {
             const node = li.querySelector('.note-text');
             const value = node.tagName === 'TEXTAREA' ? node.value : node.textContent;
             return value === text && (!block || li.closest('ul.notes').dataset.block === block);
           })""",
        arg=[text, block], timeout=timeout)


def add_note(page, block: str, text: str) -> str:
    """Click the block's "+", type, leave the note; returns the new note's id."""
    before = {n["id"] for n in notes(page)}
    page.click(f".block[data-block='{block}'] > .add-note")
    page.wait_for_function("() => document.activeElement && document.activeElement.matches('textarea.note-text')")
    page.keyboard.type(text)
    page.keyboard.press("Escape")  # to the note's menu button: the text is committed on blur
    (new,) = [n["id"] for n in notes(page) if n["id"] not in before]
    return new


def wait_saved(page, note_id: str, timeout: float | None = None) -> None:
    """Wait until the note has no operation left in the outbox."""
    page.wait_for_function(
        """(id) => {
             const li = document.querySelector(`li.note[data-note-id="${id}"]`);
             const queued = Object.keys(localStorage).filter(k => k.startsWith('lienzo:outbox:'))
               .flatMap(k => JSON.parse(localStorage.getItem(k)).ops);
             return li && !queued.some(op => op.payload.note_id === id);
           }""",
        arg=note_id, timeout=timeout)


def server_notes(server, canvas_id: int, token: str) -> list[dict]:
    """The canvas's notes as the server has them (through the JSON API)."""
    import requests

    answer = requests.get(f"{server.url}/api/canvases/{canvas_id}",
                          headers={"Authorization": f"Bearer {token}"}, timeout=STALL)
    answer.raise_for_status()
    return answer.json()["notes"]


def log_in(page, base_url: str, email: str, password: str) -> None:
    """The facilitator's path: the login form, then the dashboard."""
    page.goto(base_url + "/f/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/f/")


def open_control_room(open_page, base_url: str, email: str, password: str, workshop_id: int):
    """The facilitator's path to a workshop's control room, on a 1400×1000 page: log in,
    open the room, wait until it is ready and connected. Returns the page."""
    room = open_page(viewport={"width": 1400, "height": 1000})
    log_in(room, base_url, email, password)
    room.goto(f"{base_url}/f/workshops/{workshop_id}/room")
    room.wait_for_selector("#control-room[data-ready='true']")
    room.wait_for_selector("#connection[data-state='connected']")
    return room


def open_projector_from(room):
    """Open the projector screen with the control room's link; returns it once it shows how to join."""
    with room.expect_popup() as opened:
        room.get_by_role("link", name="Abrir la pantalla del proyector").click()
    projector = opened.value
    projector.wait_for_selector("#projector-join:not([hidden])")
    return projector


def shown_texts(page) -> list[str]:
    """The texts of the notes a canvas page shows, in page order."""
    return [n["text"] for n in notes(page)]


# ---- checks at real size (tests/test_browser_real_size.py) ----------------------

AXE_SCRIPT = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[dict]:
    """What axe-core (from the npm registry, installed by ``npm ci``) finds wrong on the page:
    one entry per rule, with its impact and the first few elements at fault. Every rule
    of axe's default set runs; the page's CSP is not in the way (Playwright evaluates
    the script through the debugging protocol)."""
    if not AXE_SCRIPT.is_file():
        unavailable(f"axe-core is missing at {AXE_SCRIPT}: run `npm ci` (the Makefile's vendor step does)")
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    return page.evaluate("""async () => {
        const results = await window.axe.run(document, {resultTypes: ['violations']});
        return results.violations.map(v => ({id: v.id, impact: v.impact, count: v.nodes.length,
                                              targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")


def assert_no_axe_violations(page) -> None:
    """axe-core finds nothing, of any impact."""
    found = axe_violations(page)
    assert not found, "axe-core: " + "; ".join(
        f"{v['id']} ({v['impact']}, {v['count']}×: {', '.join(v['targets'])})" for v in found)


def sideways_overflow(page) -> int:
    """How many CSS pixels the page is wider than its viewport (0: no sideways scroll)."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def assert_no_sideways_scroll(page) -> None:
    """The page does not scroll sideways at its viewport's width."""
    overflow = sideways_overflow(page)
    if overflow > 0:
        wide = page.evaluate("""() => {
            const limit = document.documentElement.clientWidth;
            return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > limit + 1)
              .filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= limit + 1)
              .slice(0, 5).map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}` +
                `${e.classList.length ? '.' + [...e.classList].join('.') : ''}`);
        }""")
        raise AssertionError(f"the page scrolls sideways by {overflow} px; too wide: {wide}")


def assert_no_page_scroll(page) -> None:
    """The whole page fits its viewport: no scrolling in either direction."""
    height = page.evaluate("() => document.documentElement.scrollHeight - document.documentElement.clientHeight")
    assert height <= 0 and sideways_overflow(page) <= 0, (
        f"the page is {height} px taller and {sideways_overflow(page)} px wider than the screen")


BOXES_JS = """(selector) => [...document.querySelectorAll(selector)].map(e => {
  const r = e.getBoundingClientRect();
  let hidden = false;  // clipped away by an ancestor that hides its overflow
  for (let a = e.parentElement; a; a = a.parentElement) {
    const s = getComputedStyle(a);
    if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
    const c = a.getBoundingClientRect();
    if (r.top < c.top - 0.5 || r.bottom > c.bottom + 0.5 || r.left < c.left - 0.5 || r.right > c.right + 0.5) {
      hidden = true; break;
    }
  }
  const style = getComputedStyle(e);
  return {text: (e.innerText || '').trim().slice(0, 40), top: r.top, left: r.left, bottom: r.bottom, right: r.right,
          shown: r.width > 0 && r.height > 0 && style.visibility !== 'hidden' && !hidden};
})"""


def boxes_outside_viewport(page, selector: str) -> list[dict]:
    """The elements matching ``selector`` that a person cannot see without scrolling:
    outside the viewport, clipped by an ancestor, or not rendered."""
    size = page.viewport_size
    return [box for box in page.evaluate(BOXES_JS, selector)
            if not box["shown"] or box["top"] < -0.5 or box["left"] < -0.5
            or box["bottom"] > size["height"] + 0.5 or box["right"] > size["width"] + 0.5]


def assert_boxes_inside_viewport(page, selector: str, expected: int | None = None) -> None:
    """Every element matching ``selector`` lies whole inside the viewport (and, with
    ``expected``, there are that many of them)."""
    count = page.locator(selector).count()
    if expected is not None:
        assert count == expected, f"{count} elements match {selector!r}, not {expected}"
    outside = boxes_outside_viewport(page, selector)
    assert not outside, (f"{len(outside)} of {count} {selector!r} are not inside the "
                         f"{page.viewport_size['width']}×{page.viewport_size['height']} viewport, "
                         f"e.g. {outside[:3]}")


def small_targets(page, selector: str, minimum: float = 44) -> list[dict]:
    """Visible elements matching ``selector`` smaller than ``minimum`` CSS px in width or height.

    A checkbox or radio button is also hit through its label (a tap there ticks it), so its
    target is the larger of its own box and its labels'."""
    return page.evaluate("""([selector, minimum]) => [...document.querySelectorAll(selector)]
        .map(e => [e, [e, ...(['checkbox', 'radio'].includes(e.type) && e.labels ? e.labels : [])]
          .map(t => t.getBoundingClientRect())
          .reduce((best, r) => Math.min(r.width, r.height) > Math.min(best.width, best.height) ? r : best)])
        .filter(([e, r]) => r.width > 0 && r.height > 0
          && e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().height > 0)
        .filter(([e, r]) => r.width < minimum || r.height < minimum)
        .map(([e, r]) => ({text: (e.innerText || e.getAttribute('aria-label') || '').trim().slice(0, 30),
                           width: Math.round(r.width), height: Math.round(r.height)}))""", [selector, minimum])


def assert_touch_targets(page, selector: str = "button, a[href], input, select, textarea, summary",
                         minimum: float = 44) -> None:
    """Every visible control is at least ``minimum``×``minimum`` CSS px (a finger's size)."""
    small = small_targets(page, selector, minimum)
    assert not small, f"{len(small)} targets under {minimum}×{minimum} px, e.g. {small[:5]}"


# Draw each character as the page's font would and compare it with a code point no font
# has (plane 16's last): the same pixels mean the browser drew its "missing glyph" box.
GLYPHS_JS = """(chars) => {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 48;
  const context = canvas.getContext('2d', {willReadFrequently: true});
  const family = getComputedStyle(document.body).fontFamily;
  const draw = (text) => {
    context.clearRect(0, 0, 48, 48);
    context.font = `32px ${family}`;
    context.fillText(text, 4, 36);
    return context.getImageData(0, 0, 48, 48).data.join(',');
  };
  const missing = draw('\\u{10FFFD}');
  return chars.filter((ch) => draw(ch) === missing);
}"""

SHOWN_CHARS_JS = """() => {
  const shown = [document.body.innerText];
  for (const element of document.querySelectorAll('*')) {
    for (const pseudo of ['::before', '::after']) {
      const content = getComputedStyle(element, pseudo).content;
      if (content && content.startsWith('"')) shown.push(content);
    }
  }
  return [...new Set([...shown.join('')])].filter((ch) => ch.codePointAt(0) > 127);
}"""


def missing_glyphs(page, chars: list[str] | None = None) -> list[str]:
    """The characters (those ``page`` shows, in its text and its CSS ``content``, or ``chars``)
    that no font of this browser has: they would show as empty boxes."""
    if chars is None:
        chars = page.evaluate(SHOWN_CHARS_JS)
    return page.evaluate(GLYPHS_JS, chars)


def fetch_export(page, url: str):
    """GET an export as the browser would, with the page's session. An export that takes
    longer than the server's EXPORT_WAIT answers with its progress page (a loaded machine
    makes any PDF long): then its state is followed, while it progresses, to the file."""
    from .waiting import wait_until

    answer = page.request.get(url)
    if answer.ok and "/exports/" in answer.url and answer.headers["content-type"].startswith("text/html"):
        status_url = answer.url.split("?")[0]
        state: dict = {}

        def ready() -> bool:
            state.update(page.request.get(status_url, headers={"Accept": "application/json"}).json())
            return state["state"] != "working"

        assert wait_until(ready, progress=lambda: (state.get("done"), state.get("total"))), state
        assert state["state"] == "ready", state
        answer = page.request.get(state["file_url"] if "://" in state["file_url"]
                                  else url.split("/f/")[0] + state["file_url"])
    return answer
