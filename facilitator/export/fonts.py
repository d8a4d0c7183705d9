"""The fonts of the PDF exports: Noto Sans, with Noto fallbacks for every script people type.

fpdf2's built-in fonts are Latin-1 only. The text is set in Noto Sans (regular, bold,
italic), and a character Noto Sans lacks is taken from a fallback font: Noto Sans
Symbols (arrows), Noto Emoji (monochrome, so it prints), Noto Sans Arabic, Hebrew and
the other scripts, and Noto Sans CJK for Chinese, Japanese and Korean. The files come
from two maintained PyPI packages that ship Noto as Noto publishes it (OFL-1.1):
``manimgx-fonts`` (6.7 MB: Noto Sans, Emoji, Symbols and 19 scripts) and
``manimgx-fonts-cjk`` (33 MB: the variable Noto Sans CJK collection; the smallest
maintained CJK package with a Python API to find it). ``pip install`` (``make
install``) brings both; no system font is read.

The files are variable fonts. fpdf2 embeds static ones, so the weights we use are
instanced once with fontTools and kept in a cache folder (``LIENZO_FONT_CACHE``, by
default ``lienzo-fonts-<uid>`` in the temporary folder): Noto Sans Bold once per machine.
The CJK collection is too large to instance whole on each machine (minutes), so a
document with CJK text gets a subset of the characters it uses, instanced at the
regular weight (a few seconds the first time, then from the cache).

Right-to-left and joined scripts are shaped by HarfBuzz (``uharfbuzz``) through
fpdf2's text shaping, which also orders bidirectional lines for display.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import logging
import os
import tempfile
import unicodedata
from pathlib import Path

FAMILY = "NotoSans"
STYLES = ("", "B", "I")

# fontTools logs every subset and instance at INFO: 80 lines per PDF in the server log.
for _name in ("fontTools", "fpdf.fonts", "fpdf.output"):
    logging.getLogger(_name).setLevel(logging.WARNING)

# (family, file, first code point of a character it is for): the fallbacks, in the order
# fpdf2 tries them. Only those a document needs are added to it.
FALLBACKS = (
    ("NotoSymbols", "NotoSansSymbols[wght].ttf"),
    ("NotoEmoji", "NotoEmoji[wght].ttf"),
    ("NotoArabic", "NotoSansArabic[wght].ttf"),
    ("NotoHebrew", "NotoSansHebrew[wght].ttf"),
    ("NotoArmenian", "NotoSansArmenian[wght].ttf"),
    ("NotoGeorgian", "NotoSansGeorgian[wght].ttf"),
    ("NotoDevanagari", "NotoSansDevanagari[wght].ttf"),
    ("NotoBengali", "NotoSansBengali[wght].ttf"),
    ("NotoTamil", "NotoSansTamil[wght].ttf"),
    ("NotoTelugu", "NotoSansTelugu[wght].ttf"),
    ("NotoThai", "NotoSansThai[wght].ttf"),
    ("NotoEthiopic", "NotoSansEthiopic[wght].ttf"),
)
CJK_FAMILY = "NotoCJK"
CJK_FACE = 2  # Noto Sans CJK SC in the collection: simplified Chinese shapes; it has kana and hangul too
# Symbols none of the fonts has, drawn as their nearest neighbour rather than dropped.
SUBSTITUTES = {"✓": "✔", "✗": "✘", "★": "⭐", "☆": "⭐"}
MISSING = "\ufffd"  # what a character no font has becomes: a visible mark


class FontMissing(RuntimeError):
    """The font packages are not installed."""


def _folder(package: str) -> Path:
    try:
        module = __import__(package)
    except ImportError as error:
        raise FontMissing(f"The PDF exports need the {package.replace('_', '-')} package: install Lienzo's "
                          "dependencies (make install, or pip install -e .).") from error
    return Path(module.__file__).parent


def _cache() -> Path:
    user = f"-{os.getuid()}" if hasattr(os, "getuid") else ""  # one user's folder is not another's to write
    folder = Path(os.environ.get("LIENZO_FONT_CACHE") or Path(tempfile.gettempdir()) / f"lienzo-fonts{user}")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "0"


def _save(font, path: Path) -> Path:
    """Write atomically: two processes may build the same instance at once."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=path.suffix)
    os.close(fd)
    font.save(tmp)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path


@functools.cache
def _bold() -> Path:
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    path = _cache() / f"NotoSans-Bold-{_version('manimgx-fonts')}.ttf"
    if not path.is_file():
        font = TTFont(_folder("manimgx_fonts") / "NotoSans[wght].ttf")
        instancer.instantiateVariableFont(font, {"wght": 700}, inplace=True, static=True)
        _save(font, path)
    return path


@functools.cache
def font_files() -> dict[str, Path]:
    """Style ("", "B", "I") -> static TTF of Noto Sans."""
    folder = _folder("manimgx_fonts")
    return {"": folder / "NotoSans[wght].ttf", "B": _bold(), "I": folder / "NotoSans-Italic[wght].ttf"}


@functools.cache
def coverage(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(path, lazy=True).getBestCmap())


def is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (0x2E80 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF or 0xF900 <= code <= 0xFAFF
            or 0xFF00 <= code <= 0xFFEF or 0x20000 <= code <= 0x3FFFF)


@functools.lru_cache(maxsize=64)
def cjk_subset(chars: frozenset[str]) -> Path:
    """Noto Sans CJK regular holding just ``chars`` (and what shaping them needs)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    key = hashlib.sha256("".join(sorted(chars)).encode()).hexdigest()[:20]
    path = _cache() / f"NotoSansCJK-{CJK_FACE}-{_version('manimgx-fonts-cjk')}-{key}.ttf"
    if not path.is_file():
        font = TTFont(_folder("manimgx_fonts_cjk") / "NotoSansCJK-VF.otf.ttc", fontNumber=CJK_FACE, lazy=True)
        options = subset.Options()
        options.layout_features = ["*"]
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(text="".join(chars))
        subsetter.subset(font)
        instancer.instantiateVariableFont(font, {"wght": 400}, inplace=True, static=True)
        _to_truetype(font)
        _save(font, path)
    return path


def _to_truetype(font) -> None:
    """CFF outlines to TrueType ones (fontTools' otf2ttf recipe): fpdf2 embeds every font
    as TrueType, and a CFF font so embedded is a file viewers call invalid."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 1 if field == "maxZones" else 0)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    for table in ("CFF ", "CFF2", "VORG"):
        if table in font:
            del font[table]
    font.sfntVersion = "\x00\x01\x00\x00"


@functools.cache
def _all_covered() -> frozenset[int]:
    folder = _folder("manimgx_fonts")
    return coverage(font_files()[""]).union(*(coverage(folder / name) for _family, name in FALLBACKS))


def _has_glyph(ch: str) -> bool:
    return (ord(ch) in _all_covered() or ch in "\n\t " or is_cjk(ch)
            or unicodedata.category(ch) in ("Mn", "Me", "Cf"))


def needs_shaping(line: str) -> bool:
    """Whether HarfBuzz must set the line: right-to-left and joined scripts, Indic and
    Southeast Asian ones, combining marks. Other lines skip it (it costs ~4 ms a line)."""
    return any(0x0590 <= ord(ch) <= 0x1CFF or 0xFB1D <= ord(ch) <= 0xFEFC or unicodedata.category(ch) in ("Mn", "Mc")
               for ch in line)


@functools.lru_cache(maxsize=4096)
def printable_glyphs(text: str) -> str:
    """``text`` with the characters no font of ours has turned into a neighbour or a visible mark."""
    return "".join(ch if _has_glyph(ch) else SUBSTITUTES.get(ch, MISSING) for ch in text)


def add_fonts(pdf, text: str = "") -> list[str]:
    """Register Noto Sans (regular, bold, italic) on an FPDF document, and the fallbacks
    the characters of ``text`` need. Returns the fallback families."""
    for style, path in font_files().items():
        pdf.add_font(FAMILY, style, str(path))
    main = coverage(font_files()[""])
    needed = {ch for ch in printable_glyphs(text) if ord(ch) not in main}
    folder = _folder("manimgx_fonts")
    families = []
    for family, name in FALLBACKS:
        path = folder / name
        if needed and any(ord(ch) in coverage(path) for ch in needed):
            pdf.add_font(family, "", str(path))
            families.append(family)
    cjk = frozenset(ch for ch in needed if is_cjk(ch))
    if cjk:
        pdf.add_font(CJK_FAMILY, "", str(cjk_subset(cjk)))
        families.append(CJK_FAMILY)
    if families:  # Noto Sans last: the fallback of lines set in a script's own font
        pdf.set_fallback_fonts([*families, FAMILY], exact_match=False)
    return families
