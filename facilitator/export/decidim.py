"""The hand-off to Decidim: a file that Decidim's admin *Import proposals from a
file* accepts, holding each canvas's most-voted notes and groups and the
workshop's commitments, one proposal each (docs/export-format.md, "Decidim").

Decidim (0.30, the decidim-proposals import) reads a CSV (``;``-separated),
JSON or XLSX file whose columns are named ``<field>/<locale>``; it requires
``title/<locale>`` and ``body/<locale>`` for the organization's default
locale and refuses a file with an empty title or body. We write the
workshop's language as the locale, no other column (Decidim's optional
``taxonomies/ids`` and ``scope/id`` name ids of the receiving installation,
which Lienzo cannot know), and never an author's name: proposals are public.
"""

from __future__ import annotations

import csv
import io
import json

from flask_babel import gettext as _
from flask_babel import ngettext

from . import labels
from .data import CanvasData, NoteData, WorkshopData

DECIDIM_VERSION = "0.30"
FIELDS = ("title", "body")  # in the order of the file's columns
TOP_PER_CANVAS = 5  # a canvas gives its 5 most-voted notes or groups (more when tied at the 5th place)
TITLE_LIMIT = 150  # Decidim's proposal form takes titles of up to 150 characters


def columns(language: str) -> list[str]:
    """The file's columns for a workshop in ``language``: ["title/es", "body/es"]."""
    return [f"{name}/{language}" for name in FIELDS]


def title_of(text: str, limit: int = TITLE_LIMIT) -> str:
    """A proposal title from a note's text: its first line, cut at a word with "…" past ``limit``."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    if len(line) <= limit:
        return line
    head = line[:limit - 1]
    cut = head.rsplit(" ", 1)[0] if " " in head[limit // 2:] else head
    return cut.rstrip(" ,.;:") + "…"


def _context(canvas: CanvasData, block: str, votes: int) -> str:
    return " · ".join([canvas.name, canvas.block_title(block), labels.votes(votes)])


def _candidates(canvas: CanvasData) -> list[tuple[int, int, dict[str, str]]]:
    """(votes, board order, proposal) for every group and every note outside a group that got
    dots in the canvas's last closed round."""
    if not canvas.rounds:
        return []
    tallies = canvas.rounds[-1].tallies
    found = []
    grouped: set[str] = set()
    for group in canvas.clusters:
        members = [n for n in group.notes if not n.hidden]
        grouped.update(n.id for n in group.notes)
        votes = sum(tallies.get(n.id, 0) for n in members)
        if votes and members:
            lines = "\n".join(f"- {n.text.strip()}" for n in members if n.text.strip())
            body = "\n\n".join([ngettext("A group of %(num)d note:", "A group of %(num)d notes:", len(members)), lines,
                                _context(canvas, group.block, votes)])
            found.append((votes, min(n.order for n in members), {"title": title_of(group.title), "body": body}))
    for note in canvas.notes:
        votes = tallies.get(note.id, 0)
        if note.id in grouped or note.hidden or not votes or not note.text.strip():
            continue
        found.append((votes, note.order, _note_proposal(canvas, note, votes)))
    return found


def _note_proposal(canvas: CanvasData, note: NoteData, votes: int) -> dict[str, str]:
    return {"title": title_of(note.text), "body": note.text.strip() + "\n\n" + _context(canvas, note.block, votes)}


def most_voted(canvas: CanvasData, top: int = TOP_PER_CANVAS) -> list[dict[str, str]]:
    """The canvas's most-voted groups and notes, most first, ties in board order; every one
    tied with the ``top``-th is kept (a rank, not a count, decides)."""
    ranked = sorted(_candidates(canvas), key=lambda item: (-item[0], item[1]))
    kept = []
    for place, (votes, _order, proposal) in enumerate(ranked):
        if place >= top and votes != ranked[top - 1][0]:
            break
        kept.append(proposal)
    return kept


def commitment_proposal(commitment: dict) -> dict[str, str] | None:
    """A commitment (``board.commitments.data``) as a proposal: what will be done as the
    title, then who answers for it, by when and how it is measured; None when it says nothing."""
    title = (commitment.get("title") or "").strip()
    if not title:
        return None
    facts = [_("Commitment")]
    if commitment.get("responsible"):
        facts.append(_("Responsible: %(name)s", name=commitment["responsible"]))
    if commitment.get("co_responsible"):
        facts.append(_("Co-responsible: %(names)s", names=", ".join(commitment["co_responsible"])))
    if commitment.get("due"):
        facts.append(_("By: %(date)s", date=commitment["due"]))
    lines = [title, " · ".join(facts)]
    if (commitment.get("indicator") or "").strip():
        lines.append(_("Indicator: %(text)s", text=commitment["indicator"].strip()))
    return {"title": title_of(title), "body": "\n\n".join(lines)}


def proposals(workshop: WorkshopData, commitments: list[dict]) -> list[dict[str, str]]:
    """Every proposal of the file, canvas by canvas, then the commitments (call in the workshop's language)."""
    found = [p for canvas in workshop.canvases for p in most_voted(canvas)]
    found += [p for p in map(commitment_proposal, commitments) if p is not None]
    return found


def rows(workshop: WorkshopData, commitments: list[dict]) -> list[dict[str, str]]:
    """The file's records: each a dict of the columns, in the columns' order."""
    keys = columns(workshop.language)
    return [dict(zip(keys, (p[name] for name in FIELDS), strict=True)) for p in proposals(workshop, commitments)]


def json_bytes(workshop: WorkshopData, commitments: list[dict]) -> bytes:
    """A JSON array of flat objects. Decidim's reader takes the first object's keys as the
    columns and every object's values in that order, so all share the same keys in the same order."""
    return json.dumps(rows(workshop, commitments), ensure_ascii=False, indent=1).encode("utf-8")


def csv_bytes(workshop: WorkshopData, commitments: list[dict]) -> bytes:
    """``;``-separated UTF-8 without a byte-order mark (Decidim reads the first header as
    written: a mark would make it "\\ufefftitle/es" and the file would be refused)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(columns(workshop.language))
    writer.writerows(list(record.values()) for record in rows(workshop, commitments))
    return out.getvalue().encode("utf-8")
