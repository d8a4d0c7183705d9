"""The licence page and the running installation's source code.

Lienzo is under the GNU AGPL, version 3 or later: whoever uses it over a network
may get the source of the version they use (section 13). ``SOURCE_URL`` names
where an installation publishes it; without it, this installation sends its own
files as a tar.gz, so a changed copy offers its changes too.
"""

from __future__ import annotations

import io
import tarfile
import threading
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, url_for

bp = Blueprint("about", __name__)

ROOT = Path(__file__).resolve().parents[2]
# What the source archive holds: what is needed to build, run and change Lienzo.
SOURCE_PARTS = ("facilitator", "canvases", "recipes", "templates", "static", "tools", "docs", "bench", "tests",
                "LICENSE", "README.md", "setup.cfg", "pyproject.toml", "Makefile", "wsgi.py", "babel.cfg",
                "ruff.toml", "package.json", "package-lock.json")
# Built from package-lock.json and static/js at set-up, or made by running: not source.
SKIPPED = {"__pycache__", "vendor", "node_modules", ".pytest_cache", ".ruff_cache", "results"}

_archive: bytes | None = None
_archive_lock = threading.Lock()


def source_url() -> str:
    """Where this installation's source can be had: the setting, or our own archive."""
    return current_app.config.get("SOURCE_URL") or url_for("about.source")


def licence_text() -> str | None:
    path = ROOT / "LICENSE"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _files() -> list[Path]:
    found: list[Path] = []
    for part in SOURCE_PARTS:
        path = ROOT / part
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(p for p in sorted(path.rglob("*"))
                         if p.is_file() and not SKIPPED.intersection(p.relative_to(ROOT).parts)
                         and p.suffix not in {".pyc", ".pyo"})
    return found


def source_archive() -> bytes:
    """The source as a gzipped tar, made once per process (the files do not change while it runs)."""
    global _archive
    with _archive_lock:
        if _archive is None:
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
                for path in _files():
                    tar.add(path, arcname=f"lienzo/{path.relative_to(ROOT).as_posix()}", recursive=False)
            _archive = buffer.getvalue()
        return _archive


@bp.get("/licence")
def licence():
    return render_template("licence.html", has_text=licence_text() is not None)


@bp.get("/licence.txt")
def licence_file():
    text = licence_text()
    if text is None:
        abort(404)
    return Response(text, mimetype="text/plain")


@bp.get("/source.tar.gz")
def source():
    if not (ROOT / "facilitator").is_dir():
        abort(404)
    return Response(source_archive(), mimetype="application/gzip",
                    headers={"Content-Disposition": "attachment; filename=lienzo-source.tar.gz"})
