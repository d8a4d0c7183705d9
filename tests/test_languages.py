"""One language at a time: every page and every export, rendered in Spanish and in
English, shows no text of the other language; token clients (scripts on the socket
or the JSON API) hear the workshop's language unless they chose one.

The texts of each language come from the Spanish catalog (msgids are English,
msgstrs Spanish) and from the canvas templates (es/en). A text shared by both
languages ("PDF", "Lean Canvas") tells nothing and is left out; so are pieces
shorter than MIN_PIECE characters, which could be ordinary words of either.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import load_workbook
from pypdf import PdfReader

from facilitator import catalog_of
from facilitator.board.actors import projector_token
from facilitator.extensions import db, socketio
from facilitator.models import Canvas, Cluster, Note, Participant, Workshop

from .conftest import PASSWORD, World
from .export_world import build, make_app

ROOT = Path(__file__).resolve().parent.parent
PO_FILE = ROOT / "facilitator" / "translations" / "es" / "LC_MESSAGES" / "messages.po"
LANGS = ("es", "en")
OTHER = {"es": "en", "en": "es"}
MIN_PIECE = 12
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
KEYWORDS = {"_", "gettext", "_l", "lazy_gettext", "ngettext", "lazy_ngettext"}


# ---------------------------------------------------------------------------
# The texts of each language


def _catalog_pairs() -> list[tuple[str, str]]:
    """(English, Spanish) for every translated message, plural forms included."""
    with open(PO_FILE, "rb") as handle:
        catalog = read_po(handle, locale="es")
    pairs = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        if isinstance(message.id, str):
            pairs.append((message.id, message.string))
        else:
            singular, plural = message.id
            strings = list(message.string)
            pairs.append((singular, strings[0]))
            pairs += [(plural, text) for text in strings[1:]]
    return pairs


def _localized(value, found: list[tuple[str, str]]) -> None:
    """Every {es, en} pair in a template's data."""
    if isinstance(value, dict):
        if set(value) == {"es", "en"} and all(isinstance(v, str) for v in value.values()):
            found.append((value["en"], value["es"]))
        else:
            for item in value.values():
                _localized(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _localized(item, found)


def source_messages() -> list[tuple[str, str]]:
    """(where, msgid) of every literal text the Python code translates, f-strings
    included (where the extractor does not look), and of the templates."""
    found = []
    for path in sorted((ROOT / "facilitator").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS):
                continue
            for argument in node.args[:2 if node.func.id.endswith("ngettext") else 1]:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    found.append((f"{path.relative_to(ROOT)}:{node.lineno}", argument.value))
    for filename, line, message, _comments, _context in extract_from_dir(
            str(ROOT / "templates"), [("**.html", "jinja2")], keywords={"_": None, "gettext": None,
                                                                        "ngettext": (1, 2)}):
        texts = message if isinstance(message, tuple) else (message,)
        found += [(f"templates/{filename}:{line}", text) for text in texts]
    return found


def language_texts(app) -> dict[str, set[str]]:
    """The texts each language owns: what a page in the other language must not show.
    English also has what the code says and the catalog lacks (never translated)."""
    pairs = _catalog_pairs()
    for template in catalog_of(app):
        _localized(template.model_dump(), pairs)
    texts = {"en": {en for en, _es in pairs}, "es": {es for _en, es in pairs}}
    texts["en"] |= {text for _where, text in source_messages()}
    return texts


def pieces(text: str) -> list[str]:
    """The literal parts of a message between its placeholders, long enough to be telling."""
    parts = (" ".join(part.split()) for part in PLACEHOLDER.split(text))
    return [part for part in parts if len(part) >= MIN_PIECE]


def _finder(words: set[str]) -> re.Pattern:
    alternatives = sorted(words, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in alternatives) + r")(?!\w)")


class Languages:
    """For each language: a pattern that finds texts only that language has."""

    def __init__(self, app):
        texts = language_texts(app)
        own = {lang: "\n".join(" ".join(t.split()) for t in texts[lang]) for lang in LANGS}
        self.only: dict[str, set[str]] = {}
        for lang in LANGS:
            shared = texts[lang] & texts[OTHER[lang]]
            candidates = {p for t in texts[lang] - shared for p in pieces(t)}
            # A piece that also occurs in a text of the other language tells the two apart not at all.
            mixed = {p for p in candidates if p in own[OTHER[lang]]}
            self.only[lang] = candidates - mixed
        self.finders = {lang: _finder(self.only[lang]) for lang in LANGS}

    def found(self, lang: str, text: str) -> list[str]:
        """The texts of ``lang`` that occur in ``text``."""
        return sorted({m.group(0) for m in self.finders[lang].finditer(" ".join(text.split()))})


# ---------------------------------------------------------------------------
# What a person sees


class _Visible(HTMLParser):
    """The text of a page a person can see or hear: text nodes, labels and titles in
    attributes, and the strings of the JSON boot data the page's scripts show."""

    SPOKEN = frozenset({"title", "alt", "placeholder", "aria-label", "aria-description", "aria-roledescription",
                        "label", "content"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.lang: str | None = None
        self._script: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag in ("script", "style"):
            self._script = attrs.get("type") if tag == "script" else "style"
        if tag == "input" and attrs.get("type") in ("submit", "button"):
            self.parts.append(attrs.get("value") or "")
        self.parts += [value for name, value in attrs.items() if name in self.SPOKEN and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._script = None

    def handle_data(self, data):
        if self._script is None:
            self.parts.append(data)
        elif self._script == "application/json":
            self.parts += list(_strings_in(json.loads(data)))


def _strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item)


def visible(html: str) -> tuple[str | None, str]:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return parser.lang, "\n".join(parser.parts)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def xlsx_text(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content), read_only=True)
    texts = []
    for sheet in book.worksheets:
        texts.append(sheet.title)
        for row in sheet.iter_rows(values_only=True):
            texts += [str(value) for value in row if value is not None]
    return "\n".join(texts)


def csv_text(content: bytes) -> str:
    return "\n".join(" | ".join(row) for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))))


# ---------------------------------------------------------------------------
# The workshop: the export test's finished session (hidden notes, votes, groups,
# an anonymous canvas, continuation pages), seen in each language.


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("languages"))
    results = build(app)
    with app.app_context():
        people = db.session.scalars(db.select(Participant)).all()
        user_texts = {db.session.get(Workshop, results.workshop_id).title,
                      *db.session.scalars(db.select(Canvas.name)), *db.session.scalars(db.select(Note.text)),
                      *db.session.scalars(db.select(Cluster.title)),
                      *[p.name for p in people], *[p.institution for p in people if p.institution]}
    return app, results, Languages(app), user_texts


def set_language(app, workshop_id: int, language: str) -> None:
    with app.app_context():
        db.session.get(Workshop, workshop_id).language = language
        db.session.commit()


def without(text: str, user_texts: set[str]) -> str:
    """The text with what people wrote taken out: a note may be in any language."""
    for written in sorted(user_texts, key=len, reverse=True):
        text = text.replace(written, "\n")
    return text


def check(languages: Languages, lang: str, what: str, text: str) -> None:
    foreign = languages.found(OTHER[lang], text)
    assert foreign == [], f"{what} in {lang} shows texts of {OTHER[lang]}: {foreign[:8]}"
    assert languages.found(lang, text), f"{what} in {lang} shows no text of {lang} at all"


def check_page(done, lang: str, client, url: str, status: int = 200, method: str = "get", **kwargs) -> None:
    _app, _results, languages, user_texts = done
    answer = getattr(client, method)(url, **kwargs)
    assert answer.status_code == status, (url, answer.status_code)
    page_lang, text = visible(answer.text)
    assert page_lang == lang, f"{url}: <html lang={page_lang!r}>, expected {lang!r}"
    check(languages, lang, url, without(text, user_texts))


def participant(app, code: str, name: str, lang: str | None = None):
    """A fresh browser that chose ``lang`` (or nothing) and joined the workshop."""
    client = app.test_client()
    if lang:
        client.get(f"/lang/{lang}")
    assert client.post(f"/j/{code}", data={"name": name}).status_code == 302
    return client


def facilitator(app, lang: str | None = None):
    client = app.test_client()
    if lang:
        client.get(f"/lang/{lang}")
    assert client.post("/f/login", data={"email": "ana@example.org", "password": PASSWORD}).status_code == 302
    return client


# ---------------------------------------------------------------------------
# The tests


def test_the_language_texts_are_telling(done):
    """The check can only fail if each language has texts of its own to look for."""
    _app, _results, languages, _user = done
    assert len(languages.only["es"]) > 400 and len(languages.only["en"]) > 400
    assert "Anonymous canvas: authors are not named." in languages.only["en"]
    assert languages.found("es", "Lienzo anónimo: las notas no muestran nombres.")
    assert not languages.found("es", "Anonymous canvas: notes show no names.")


@pytest.mark.parametrize("lang", LANGS)
def test_pages_of_a_workshop_speak_its_language(done, lang):
    """No one chose a language: every page of the workshop speaks the workshop's."""
    app, results, _languages, _user = done
    set_language(app, results.workshop_id, lang)
    code = results.world.code
    browser = app.test_client()
    check_page(done, lang, browser, f"/j/{code}")
    check_page(done, lang, browser, f"/j/{code}", status=400, method="post", data={"name": ""})
    browser = participant(app, code, f"Visita {lang}")
    check_page(done, lang, browser, f"/w/{code}")
    for canvas_id in (results.lean, results.empathy):
        check_page(done, lang, browser, f"/c/{canvas_id}")
    with app.app_context():
        token = projector_token(db.session.get(Workshop, results.workshop_id))
    check_page(done, lang, app.test_client(), f"/p/{token}")
    host = facilitator(app)
    for canvas_id in (results.lean, results.empathy):
        check_page(done, lang, host, f"/f/workshops/{results.workshop_id}/canvases/{canvas_id}")
    check_page(done, lang, host, f"/f/workshops/{results.workshop_id}/room")


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_speaks_the_language_the_person_chose(done, lang):
    """The person chose ``lang`` with the switch; the workshop is in the other one."""
    app, results, _languages, _user = done
    set_language(app, results.workshop_id, OTHER[lang])
    code, workshop = results.world.code, results.workshop_id
    browser = app.test_client()
    browser.get(f"/lang/{lang}")
    check_page(done, lang, browser, "/")
    check_page(done, lang, browser, f"/j/{code}")
    check_page(done, lang, browser, f"/j/{code}", status=400, method="post", data={"name": "n" * 81})
    check_page(done, lang, browser, "/j/ZZZZZZ", status=404)
    check_page(done, lang, browser, "/no-such-page", status=404)
    check_page(done, lang, browser, "/c/2000000", status=404)
    check_page(done, lang, browser, "/f/logout", status=405)
    browser = participant(app, code, f"Elige {lang}", lang)
    check_page(done, lang, browser, f"/w/{code}")
    for canvas_id in (results.lean, results.empathy):
        check_page(done, lang, browser, f"/c/{canvas_id}")
    with app.app_context():
        token = projector_token(db.session.get(Workshop, workshop))
    check_page(done, lang, browser, f"/p/{token}")
    check_page(done, lang, browser, "/p/not-a-projector-link", status=404)

    host = app.test_client()
    host.get(f"/lang/{lang}")
    check_page(done, lang, host, "/f/login")
    check_page(done, lang, host, "/f/login", status=401, method="post",
               data={"email": "ana@example.org", "password": "wrong password"})
    host = facilitator(app, lang)
    check_page(done, lang, host, "/f/")
    check_page(done, lang, host, "/f/workshops/new")
    check_page(done, lang, host, "/f/workshops/new", status=400, method="post", data={"title": ""})
    check_page(done, lang, host, f"/f/workshops/{workshop}")
    check_page(done, lang, host, f"/f/workshops/{workshop}/canvases/{results.lean}")
    check_page(done, lang, host, f"/f/workshops/{workshop}/room")
    check_page(done, lang, host, f"/f/workshops/{workshop}/export/nothing", status=404)
    check_page(done, lang, host, f"/f/workshops/{workshop}/export/pdf?size=a0", status=400)
    check_page(done, lang, host, "/f/workshops/9999999", status=404)


EXPORTS = {
    "report-pdf": pdf_text, "report-md": lambda content: content.decode("utf-8"), "pdf": pdf_text,
    "xlsx": xlsx_text, "csv": csv_text,
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("fmt", sorted(EXPORTS))
def test_every_export_speaks_the_workshop_language(done, lang, fmt):
    """Exports follow the workshop's language, whatever the facilitator's page speaks."""
    app, results, languages, user_texts = done
    set_language(app, results.workshop_id, lang)
    host = facilitator(app, OTHER[lang])
    answer = host.get(f"/f/workshops/{results.workshop_id}/export/{fmt}")
    assert answer.status_code == 200
    check(languages, lang, fmt, without(EXPORTS[fmt](answer.data), user_texts))
    if fmt == "pdf":  # one canvas on A4: its continuation pages
        answer = host.get(f"/f/workshops/{results.workshop_id}/canvases/{results.lean}/export.pdf?size=a4")
        check(languages, lang, "canvas pdf", without(pdf_text(answer.data), user_texts))


def test_every_translatable_text_is_in_the_catalog():
    """Texts in f-strings or other places the extractor cannot see would stay English."""
    known = {en for en, _es in _catalog_pairs()}
    missing = [f"{where}: {text!r}" for where, text in source_messages() if text not in known]
    assert missing == [], missing


# ---------------------------------------------------------------------------
# Token clients: the socket and the JSON API


def _spanish(text: str) -> str:
    return dict(_catalog_pairs())[text]


@pytest.fixture
def english_world(app):
    world = World(app)
    set_language(app, world.workshop_id, "en")
    return world


def _socket_refusals(app, auth: dict) -> list[str]:
    client = socketio.test_client(app, auth=auth)
    assert client.is_connected()
    unknown = client.emit("no:such-message", {}, callback=True)
    wrong = client.emit("canvas:join", {"canvas_id": 2_000_000}, callback=True)
    client.disconnect()
    return [unknown["error"]["message"], wrong["error"]["message"]]


def test_socket_errors_follow_the_workshop_language_or_the_clients_choice(app, english_world):
    token = english_world.join("Script")
    english = _socket_refusals(app, {"token": token})
    assert english[0] == "This message is not part of the protocol."
    assert english[1] != _spanish(english[1])  # an English msgid with a Spanish translation
    spanish = _socket_refusals(app, {"token": token, "lang": "es"})
    assert spanish == [_spanish(text) for text in english]


def test_api_errors_to_a_token_follow_the_workshop_language(app, client, english_world):
    token = english_world.join("Script")
    answer = client.get("/api/canvases/2000000", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 404
    message = answer.get_json()["error"]["message"]
    assert message in {en for en, _es in _catalog_pairs()} and message != _spanish(message)
    chosen = client.get("/api/canvases/2000000?lang=es", headers={"Authorization": f"Bearer {token}"})
    assert chosen.get_json()["error"]["message"] == _spanish(message)
    joined = client.post("/api/join", json={"code": english_world.code, "name": "n" * 81})
    assert joined.status_code == 400
    assert joined.get_json()["error"]["message"] == 'The field “name” is too long.'


def test_a_removed_participant_is_told_in_the_workshop_language(app, english_world):
    token = english_world.join("Quitada")
    watcher = english_world.socket(token)
    host = socketio.test_client(app, auth={"token": english_world.seat(), "lang": "es"})
    with app.app_context():
        participant_id = db.session.scalar(db.select(Participant.id).filter_by(name="Quitada"))
    ack = host.emit("participant:remove", {"op_id": "remove-1", "participant_id": participant_id}, callback=True)
    assert ack["ok"], ack
    # The server closed the watcher's socket right after: read what it had received.
    ended = [packet["args"][0] for packet in watcher.queue if packet["name"] == "session:ended"]
    with app.test_request_context(), force_locale("en"):
        assert ended[0]["message"] == _("The facilitator removed you from this workshop.")


# ---------------------------------------------------------------------------
# The scripts: every text they show comes from the page's boot data


def _script_keys(path: Path) -> set[str]:
    """The text keys a script asks i18n.js for by name."""
    return set(re.findall(r"\btn?\(\s*\"([a-z0-9_]+)\"", path.read_text(encoding="utf-8")))


def _boot_strings(html: str) -> set[str]:
    match = re.search(r'<script type="application/json" id="boot">(.*?)</script>', html, re.S)
    return set(json.loads(match.group(1))["strings"])


def test_every_text_a_script_shows_is_in_its_pages_boot_data(done):
    """A key missing from the boot data shows an empty text, in no language."""
    app, results, _languages, _user = done
    scripts = ROOT / "static" / "js"
    host = facilitator(app)
    with app.app_context():
        token = projector_token(db.session.get(Workshop, results.workshop_id))
    pages = {"canvas.js": f"/f/workshops/{results.workshop_id}/canvases/{results.lean}",
             "control-room.js": f"/f/workshops/{results.workshop_id}/room", "projector.js": f"/p/{token}"}
    sent = {script: _boot_strings(host.get(url).text) for script, url in pages.items()}
    for script in pages:  # a page's own script asks only for what that page sends
        missing = _script_keys(scripts / script) - sent[script]
        assert missing == set(), f"{script} asks for texts {pages[script]} does not send: {sorted(missing)}"
    # The shared modules: what they ask for is sent by some page (a page uses only its part).
    wanted = {key for path in scripts.glob("*.js") for key in _script_keys(path)}
    assert len(wanted) > 150
    missing = wanted - set().union(*sent.values())
    assert missing == set(), f"the scripts ask for texts no page sends: {sorted(missing)}"
