"""Every text a user sees is translated: Spanish complete, catalogs compiled."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "facilitator" / "translations"
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}
METHODS = [("facilitator/**.py", "python"), ("templates/**.html", "jinja2")]


def source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def spanish_catalog():
    with open(TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale="es")


def test_every_visible_text_has_a_spanish_translation():
    catalog = spanish_catalog()
    missing = sorted(m for m in source_messages() if not catalog.get(m) or not catalog.get(m).string)
    assert missing == [], f"untranslated (run `make translations`, then translate): {missing[:20]}"
    fuzzy = sorted(m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.fuzzy)
    assert fuzzy == [], f"fuzzy translations to review: {fuzzy[:20]}"


def test_placeholders_survive_translation():
    for message in spanish_catalog():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = {p for text in ids for p in _placeholders(text)}
        for text in strings:
            assert _placeholders(text) <= wanted and (not wanted or _placeholders(text)), (message.id, text)


def _placeholders(text: str) -> set[str]:
    import re

    return set(re.findall(r"%\((\w+)\)[sd]", text))


def test_compiled_catalog_matches_the_po_file():
    catalog = spanish_catalog()
    with open(TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        compiled = read_mo(io.BytesIO(handle.read()))
    def plain(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    expected = {plain(m.id): plain(m.string) for m in catalog if m.id and m.string and not m.fuzzy}
    got = {plain(m.id): plain(m.string) for m in compiled if m.id}
    assert got == expected, "messages.mo is stale: run `make translations`"
