"""The Open Government commitment sheet (canvases/ogp-commitment.toml), filled from
each commitment the workshop made, for the report to draw like any canvas: its
name, dates, lead agency, the commitment itself, co-responsible institutions and
completion come from the commitment; the blocks a workshop does not settle (the
problem's data, milestones, OGP values...) stay empty for the team to complete."""

from __future__ import annotations

from flask_babel import gettext as _

from ..models import utcnow
from . import labels
from .data import BlockData, Byline, CanvasData, NoteData, WorkshopData, ogp_template

NOBODY = Byline(ref=None, name=None, institution=None)


def _values(number: int, commitment: dict) -> dict[str, list[str]]:
    """What goes in each block of the sheet, by block id."""
    indicator = [_("Indicator: %(text)s", text=commitment["indicator"])] if commitment["indicator"] else []
    return {
        "name": [labels.commitment_heading(number, commitment)],
        "dates": [_("Due date: %(date)s", date=labels.due(commitment["due"]))],
        "lead_agency": [commitment["responsible"]] if commitment["responsible"] else [],
        "problem": [_("From the workshop: %(text)s", text=labels.commitment_source(commitment))],
        "commitment": [commitment["title"], *indicator],
        "contacts": [", ".join(commitment["co_responsible"])] if commitment["co_responsible"] else [],
        "completion": [labels.commitment_status(commitment["status"])],
    }


def sheets(workshop: WorkshopData) -> list[CanvasData]:
    """One filled OGP commitment sheet per commitment (none if the catalog lacks the sheet)."""
    template = ogp_template()
    if template is None:
        return []
    language, now, out = workshop.language, utcnow(), []
    for number, commitment in enumerate(workshop.commitments, start=1):
        values = _values(number, commitment)
        blocks = []
        for block in template.blocks:
            notes = [NoteData(id=f"c{commitment['id']}-{block.id}-{i}", block=block.id, text=text, color="yellow",
                              author=NOBODY, votes=None, created_at=now, updated_at=now, hidden=False,
                              cluster_id=None, order=i)
                     for i, text in enumerate(values.get(block.id, []))]
            blocks.append(BlockData(block.id, block.title.get(language), block.question.get(language), block.inside,
                                    notes))
        out.append(CanvasData(
            id=-commitment["id"], name=_("Commitment %(number)s", number=number), template=template,
            template_data={}, anonymous=False, hidden=False, locked=False, locked_blocks=[], editable_by_all=False,
            blocks=blocks, clusters=[], rounds=[], language=language))
    return out
