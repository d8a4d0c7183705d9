"""Exports of a workshop's results: canvas PDFs, the workshop report (PDF and
Markdown), XLSX, CSV and JSON, and the hand-off to Decidim (decidim.py), all
rendered from one read model (data.py) in the workshop's language, plus the
import of JSON files (importing.py) and the closed-workshop webhook (webhook.py).

Layers: this package reads through the board (visibility, voting) and the
models; views and the CLI call ``render``. It knows nothing of HTTP.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from ..board.actors import Actor
from ..models import Canvas, Workshop
from . import decidim, jsonfile, labels, markdown, pdf, report, sheets
from .data import read_workshop

SIZES = pdf.SIZES
FORMATS = {  # name -> (extension, MIME type)
    "pdf": ("pdf", "application/pdf"),
    "report-pdf": ("pdf", "application/pdf"),
    "report-md": ("md", "text/markdown"),  # Flask adds "; charset=utf-8" to text/* types
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("csv", "text/csv"),
    "json": ("json", "application/json"),
    "decidim-csv": ("csv", "text/csv"),
    "decidim-json": ("json", "application/json"),
}
# The workshop report is written for people outside the workshop: it leaves out
# notes not yet revealed unless asked to hold them. Every other file holds them, marked.
REPORTS = ("report-pdf", "report-md")
# The hand-off files to Decidim become public proposals: never a note not yet revealed.
HANDOFF = ("decidim-csv", "decidim-json")


@dataclass(frozen=True)
class Export:
    content: bytes
    filename: str
    mimetype: str


def slug(text: str, limit: int = 60) -> str:
    """ASCII file-name slug: "Comunidad de práctica" -> "comunidad-de-practica"; past
    ``limit`` characters it ends at the last whole word (one longer word is cut)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    full = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(full) > limit:
        head = full[:limit + 1]
        full = head[:head.rindex("-")] if "-" in head else full[:limit]
    return full.strip("-") or "lienzo"


def filename(workshop: Workshop, fmt: str, canvas: Canvas | None = None) -> str:
    parts = [slug(workshop.title)]
    if workshop.date:
        parts.append(workshop.date.isoformat())
    if canvas is not None:
        parts.append(slug(canvas.name, 40))
    elif fmt.startswith("report"):
        parts.append("report" if workshop.language == "en" else "informe")
    elif fmt in HANDOFF:
        parts.append("decidim")
    return "-".join(parts) + "." + FORMATS[fmt][0]


def render(workshop: Workshop, fmt: str, *, canvas: Canvas | None = None, size: str | None = None,
           viewer: Actor | None = None, pause: Callable[[], None] | None = None,
           unrevealed: bool | None = None) -> Export:
    """One export of ``workshop`` (or of one of its canvases, for "pdf") as ``viewer``
    (by default a facilitator) may have it, in the workshop's language.

    ``unrevealed`` says whether a report holds the notes silent writing still hides
    (by default it leaves them out and says how many); it is for reports only.
    ``pause`` is called between canvases: under eventlet, the views pass a zero
    sleep so a big report never holds the other connections for long.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    if size is not None and size not in SIZES:
        raise ValueError(f"unknown paper size {size!r}")
    if unrevealed is not None and fmt not in REPORTS:
        raise ValueError(f"only the report leaves out notes not yet revealed, not {fmt!r}")
    keep = bool(unrevealed) if fmt in REPORTS else fmt not in HANDOFF
    with labels.in_language(workshop.language):
        data = read_workshop(workshop, viewer, [canvas.id] if canvas is not None else None, unrevealed=keep)
        if fmt == "pdf":
            content, _marks = pdf.canvas_pdf(data, size or "a3", pause)
        elif fmt == "report-pdf":
            content, _marks = report.report_pdf(data, size or "a4", pause)
        elif fmt == "report-md":
            content = markdown.report_md(data)
        elif fmt == "xlsx":
            content = sheets.xlsx(data, pause)
        elif fmt == "csv":
            content = sheets.csv_bytes(data)
        elif fmt == "decidim-csv":
            content = decidim.csv_bytes(data, data.commitments)
        elif fmt == "decidim-json":
            content = decidim.json_bytes(data, data.commitments)
        else:
            content = jsonfile.json_bytes(data)
    return Export(content, filename(workshop, fmt, canvas), FORMATS[fmt][1])
