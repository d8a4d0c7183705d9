"""The Unicode font of the PDF exports: DejaVu Sans.

fpdf2's built-in fonts are Latin-1 only. DejaVu Sans covers every Latin-script
language, Greek, Cyrillic and the symbols people type (€ ° ± “ ” – … • → ✓ ★),
in regular, bold and oblique. We take its TTF files from matplotlib's wheel,
which has shipped them as its default font for years (``mpl-data/fonts/ttf``),
so a fresh machine gets them with ``pip install``; matplotlib itself is never
imported. A system copy of DejaVu (Debian's ``fonts-dejavu-core``, Fedora's
``dejavu-sans-fonts``) is used when matplotlib is missing.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

FAMILY = "DejaVu"
FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
SYSTEM_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu-sans-fonts", "/usr/share/fonts/dejavu",
               "/usr/share/fonts/TTF", "/usr/local/share/fonts/dejavu")


class FontMissing(RuntimeError):
    """No copy of DejaVu Sans could be found."""


def _candidates() -> list[Path]:
    found = []
    spec = importlib.util.find_spec("matplotlib")
    for location in (spec.submodule_search_locations or []) if spec else []:
        found.append(Path(location) / "mpl-data" / "fonts" / "ttf")
    return found + [Path(d) for d in SYSTEM_DIRS]


@functools.cache
def font_files() -> dict[str, Path]:
    """Style ("", "B", "I") -> TTF path of DejaVu Sans."""
    for folder in _candidates():
        paths = {style: folder / name for style, name in FILES.items()}
        if all(path.is_file() for path in paths.values()):
            return paths
    raise FontMissing("The PDF exports need the DejaVu Sans font. Install Lienzo's dependencies "
                      "(pip install -e . brings matplotlib, which ships it) or the system package "
                      "fonts-dejavu-core.")


def add_fonts(pdf) -> None:
    """Register DejaVu Sans (regular, bold, oblique) on an FPDF document."""
    for style, path in font_files().items():
        pdf.add_font(FAMILY, style, str(path))
