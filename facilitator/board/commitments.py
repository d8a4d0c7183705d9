"""Commitments: the facilitator turns a canvas's most-voted notes or groups into
what will be done, by whom, by when and how it will be measured, with the room
watching on the projector.

Commitments belong to the workshop (they may come from any of its canvases), so
their changes are workshop events: every event carries the whole public state
(as every workshop event does) plus the whole list of commitments, so a page
replaces its list when the event's ``version`` is newer. Commitments are public
to the room: a note still hidden by silent writing cannot become one.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..db import db
from ..models import Canvas, Cluster, Commitment, Note, Workshop, utcnow
from . import rules, voting
from .actors import Actor
from .errors import BoardError
from .log import Change
from .schemas import AddCommitment, CommitmentFields, DeleteCommitment, EditCommitment, MoveCommitment
from .serialize import iso
from .session import facilitator_op

# The statuses in order of progress, and their names on pages and in exports.
STATUS_NAMES = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "at_risk": _l("At risk"),
    "done": _l("Completed"),
}
STATUSES = tuple(STATUS_NAMES)
# How many commitments a workshop may hold (each event carries them all).
MAX_COMMITMENTS = 100


def status_name(status: str) -> str:
    """A status in the current language (an unknown one, from an old file, as stored)."""
    return str(STATUS_NAMES.get(status, status))


def data(commitment: Commitment, canvas_names: dict[int, str] | None = None) -> dict:
    """A commitment as plain data: what events, pages, exports and the Decidim file read."""
    if canvas_names is None:
        canvas = db.session.get(Canvas, commitment.canvas_id) if commitment.canvas_id is not None else None
        canvas_name = canvas.name if canvas is not None else None
    else:
        canvas_name = canvas_names.get(commitment.canvas_id)
    return {
        "id": commitment.id,
        "canvas_id": commitment.canvas_id,
        "canvas_name": canvas_name,
        "source": {"kind": commitment.source_kind, "id": commitment.source_id, "text": commitment.source_text,
                   "votes": commitment.source_votes},
        "title": commitment.title,
        "responsible": commitment.responsible,
        "co_responsible": list(commitment.co_responsible or []),
        "due": commitment.due_date.isoformat() if commitment.due_date else None,
        "indicator": commitment.indicator,
        "status": commitment.status,
        "position": commitment.position,
        "created_at": iso(commitment.created_at),
        "updated_at": iso(commitment.updated_at),
    }


def commitments_of(workshop_id: int, canvas_ids: list[int] | None = None) -> list[dict]:
    """A workshop's commitments in their order, as plain dicts (see ``data``);
    ``canvas_ids`` keeps those made from these canvases only."""
    rows = db.session.scalars(select(Commitment).filter_by(workshop_id=workshop_id)
                              .order_by(Commitment.position, Commitment.id)).all()
    names = dict(db.session.execute(select(Canvas.id, Canvas.name).filter_by(workshop_id=workshop_id)).all())
    return [data(c, names) for c in rows if canvas_ids is None or c.canvas_id in canvas_ids]


def institutions_of(workshop: Workshop) -> list[str]:
    """The institutions the workshop's participants gave, to offer as responsible ones
    (typed ones stay possible): sorted, each once."""
    seen = {p.institution for p in workshop.participants if p.institution}
    return sorted(seen, key=lambda name: (name.casefold(), name))


def _commitment(actor: Actor, commitment_id: int) -> Commitment:
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None or commitment.workshop_id != actor.workshop_id:
        raise BoardError("not_found", _l("This commitment does not exist."))
    return commitment


def _title(value: str) -> str:
    value = value.strip()
    if not value:
        raise BoardError("invalid", _l("Say what will be done."), field="title")
    return value


def _apply_fields(commitment: Commitment, op: CommitmentFields) -> None:
    if op.title is not None:
        commitment.title = _title(op.title)
    if op.responsible is not None:
        commitment.responsible = op.responsible
    if op.co_responsible is not None:
        commitment.co_responsible = list(dict.fromkeys(op.co_responsible))
    if op.due is not None:
        commitment.due_date = date.fromisoformat(op.due)
    if op.indicator is not None:
        commitment.indicator = op.indicator.strip()
    if op.status is not None:
        commitment.status = op.status


def _source(actor: Actor, canvas: Canvas, op: AddCommitment) -> tuple[str, str, str, int | None]:
    """(kind, id, text, votes) of the note or group the commitment comes from."""
    if (op.note_id is None) == (op.cluster_id is None):
        raise BoardError("invalid", _l("Name one note or one group to turn into a commitment."), field="note_id")
    published = voting.canvas_tallies(canvas.id)  # None: no vote closed on this canvas yet
    if op.note_id is not None:
        note = rules.note_for(canvas, op.note_id)
        if note.hidden:
            raise BoardError("invalid", _l("Reveal this note before turning it into a commitment: "
                                           "the room would see it."), field="note_id")
        return "note", note.id, note.text, None if published is None else published.get(note.id, 0)
    cluster = db.session.get(Cluster, op.cluster_id)
    if cluster is None or cluster.canvas_id != canvas.id:
        raise BoardError("not_found", _l("This group does not exist."))
    members = db.session.scalars(select(Note.id).where(Note.cluster_id == cluster.id,
                                                       Note.deleted_at.is_(None))).all()
    votes = None if published is None else sum(published.get(note_id, 0) for note_id in members)
    return "cluster", str(cluster.id), cluster.title, votes


def _with_list(workshop: Workshop, commitment_id: int) -> dict:
    return {"commitment_id": commitment_id, "commitments": commitments_of(workshop.id)}


def add_commitment(actor: Actor, op: AddCommitment) -> Change:
    """Turn a note or a group of a canvas into a commitment, at the end of the list.
    Its title starts as the note's text (or the group's title) unless one is given."""

    def change(workshop: Workshop) -> dict:
        canvas = rules.canvas_for(actor, op.canvas_id)
        count = db.session.scalar(select(func.count(Commitment.id)).filter_by(workshop_id=workshop.id))
        if count >= MAX_COMMITMENTS:
            raise BoardError("too_large", _l("A workshop holds at most %(max)s commitments.", max=MAX_COMMITMENTS))
        kind, source_id, text, votes = _source(actor, canvas, op)
        last = db.session.scalar(select(func.max(Commitment.position)).filter_by(workshop_id=workshop.id))
        now = utcnow()
        commitment = Commitment(workshop_id=workshop.id, canvas_id=canvas.id, source_kind=kind, source_id=source_id,
                                source_text=text, source_votes=votes, title=_title(op.title or text),
                                responsible="", co_responsible=[], indicator="", status="planned",
                                position=last + 1 if last is not None else 0, created_at=now, updated_at=now)
        _apply_fields(commitment, op)
        db.session.add(commitment)
        db.session.flush()
        return _with_list(workshop, commitment.id)

    return facilitator_op(actor, op, "commitment.added", change)


def edit_commitment(actor: Actor, op: EditCommitment) -> Change:
    """Change what a commitment says (fields left out stay as they are)."""

    def change(workshop: Workshop) -> dict:
        commitment = _commitment(actor, op.commitment_id)
        if op.clear_due and op.due is not None:
            raise BoardError("invalid", _l("Give a due date or clear it, not both."), field="due")
        _apply_fields(commitment, op)
        if op.clear_due:
            commitment.due_date = None
        commitment.updated_at = utcnow()
        db.session.flush()
        return _with_list(workshop, commitment.id)

    return facilitator_op(actor, op, "commitment.edited", change)


def delete_commitment(actor: Actor, op: DeleteCommitment) -> Change:
    """Remove a commitment (the note or group it came from stays)."""

    def change(workshop: Workshop) -> dict:
        commitment = _commitment(actor, op.commitment_id)
        db.session.delete(commitment)
        db.session.flush()
        return _with_list(workshop, op.commitment_id)

    return facilitator_op(actor, op, "commitment.deleted", change)


def move_commitment(actor: Actor, op: MoveCommitment) -> Change:
    """Put a commitment at another place of the list (the order the room reads and the
    exports keep); the others close up around it and positions become 0, 1, 2..."""

    def change(workshop: Workshop) -> dict:
        commitment = _commitment(actor, op.commitment_id)
        ordered = [c for c in db.session.scalars(select(Commitment).filter_by(workshop_id=workshop.id)
                                                 .order_by(Commitment.position, Commitment.id))
                   if c.id != commitment.id]
        if op.position > len(ordered):
            raise BoardError("invalid", _l("There is no position %(position)s: the list goes from 0 to %(last)s.",
                                           position=op.position, last=len(ordered)), field="position")
        ordered.insert(op.position, commitment)
        for index, row in enumerate(ordered):
            row.position = index
        db.session.flush()
        return _with_list(workshop, commitment.id)

    return facilitator_op(actor, op, "commitment.moved", change)
