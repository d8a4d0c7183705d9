"""Where the data folders (canvases, templates, static) live.

In a source checkout they sit next to the package; ``pip install .`` puts them
under ``<prefix>/share/lienzo``. ``LIENZO_ROOT`` overrides both.
"""

import os
import sys
from pathlib import Path

_PACKAGE_PARENT = Path(__file__).resolve().parent.parent


def data_root() -> Path:
    """Return the folder holding ``canvases/``, ``templates/`` and ``static/``."""
    override = os.environ.get("LIENZO_ROOT")
    if override:
        return Path(override)
    for candidate in (_PACKAGE_PARENT, Path(sys.prefix) / "share" / "lienzo"):
        if (candidate / "canvases").is_dir() and (candidate / "templates").is_dir():
            return candidate
    return _PACKAGE_PARENT


def data_dir(name: str) -> Path:
    """Return one of the data folders by name."""
    return data_root() / name
