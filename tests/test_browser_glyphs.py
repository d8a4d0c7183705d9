"""Every character the pages may show has a glyph in the fonts of a plain machine.

The raised hand (✋) and the padlock were emoji, which a machine without an emoji font
(many venue laptops, the Chromium of these tests) draws as empty boxes. Icons are now
drawn (static/css/lienzo.css, ``--icon-*``). This test reads every character of the
stylesheets, scripts, templates, canvas templates and the Spanish catalogue, and asks a
real Chromium, with the pages' own font stacks, which of them it cannot draw."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .browser_support import missing_glyphs

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    *sorted((ROOT / "static" / "css").glob("*.css")),
    *sorted((ROOT / "static" / "js").glob("*.js")),
    *sorted((ROOT / "templates").glob("*.html")),
    *sorted((ROOT / "canvases").glob("*.toml")),
    ROOT / "facilitator" / "translations" / "es" / "LC_MESSAGES" / "messages.po",
]


def font_stacks() -> set[str]:
    """Every font-family the stylesheets use."""
    return {match.strip() for path in (ROOT / "static" / "css").glob("*.css")
            for match in re.findall(r"font-family:\s*([^;}]+)", path.read_text(encoding="utf-8"))}


def test_every_character_of_the_pages_has_a_glyph(browser):
    chars = sorted({ch for path in SOURCES for ch in path.read_text(encoding="utf-8") if ord(ch) > 127})
    assert "é" in chars and "“" in chars  # the sources were read
    page = browser.new_page()
    try:
        found = {}
        for stack in font_stacks():
            page.set_content(f"<body style='font-family: {stack}'>x</body>")
            missing = missing_glyphs(page, chars)
            if missing:
                found[stack] = [f"{ch} U+{ord(ch):04X}" for ch in missing]
        # The check itself finds a character no font has here.
        assert missing_glyphs(page, ["\u270b", "a"]) == ["\u270b"]
    finally:
        page.close()
    assert not found, f"characters drawn as empty boxes: {found}"
