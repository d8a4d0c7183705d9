"""Operations on sticky notes: add, edit, move, recolour, delete."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..db import db
from ..models import Canvas, Note, Participant, utcnow
from . import rules, visibility
from .actors import Actor
from .errors import BoardError
from .log import CANVAS, Change, record
from .schemas import AddNote, DeleteNote, EditNote, MoveNote, RecolorNote
from .voting import note_data


def _end_position(canvas: Canvas, block: str, exclude: str | None = None) -> float:
    query = select(func.max(Note.position)).where(
        Note.canvas_id == canvas.id, Note.block == block, Note.deleted_at.is_(None))
    if exclude is not None:
        query = query.where(Note.id != exclude)
    highest = db.session.scalar(query)
    return (highest or 0.0) + 1.0


def _position_at(canvas: Canvas, block: str, index: int, moving: str) -> float:
    """A position that puts a note at ``index`` among the block's other notes."""
    positions = db.session.scalars(
        select(Note.position).where(Note.canvas_id == canvas.id, Note.block == block,
                                    Note.deleted_at.is_(None), Note.id != moving).order_by(Note.position)
    ).all()
    if index >= len(positions):
        return (positions[-1] if positions else 0.0) + 1.0
    before = positions[index - 1] if index > 0 else positions[0] - 2.0
    return (before + positions[index]) / 2.0


def _check(actor: Actor, canvas_id: int, *blocks: str) -> None:
    canvas = rules.canvas_for(actor, canvas_id)
    for block in blocks:
        rules.check_block(canvas, block)
    rules.check_can_write(actor, canvas, *blocks)


def add_note(actor: Actor, canvas_id: int, op: AddNote) -> Change:
    """Add a note at the end of a block. The client may choose the note's id
    (a UUID), so it can keep working on a note it added while offline. During
    silent writing the note is hidden from the other participants."""
    note_id = op.note_id or str(uuid.uuid4())

    def apply(canvas: Canvas) -> dict:
        rules.check_can_write(actor, canvas, op.block)
        rules.check_phase_allows(actor, canvas, "add")
        rules.check_room_for_a_note(canvas)
        now = utcnow()
        note = Note(id=note_id, canvas_id=canvas.id, block=op.block, text=op.text, color=op.color,
                    position=_end_position(canvas, op.block), version=1, hidden=canvas.hidden,
                    author=db.session.get(Participant, actor.participant_id), created_at=now, updated_at=now)
        db.session.add(note)
        try:
            db.session.flush()
        except IntegrityError:  # the id is taken (a retry of this op_id is answered by record)
            raise BoardError("invalid", _l("A note with this id already exists."), field="note_id") from None
        return note_data(note)

    return record(actor, CANVAS, canvas_id, op.op_id, "note.added", apply, lambda: _check(actor, canvas_id, op.block))


def _change_note(actor: Actor, canvas_id: int, op_id: str, note_id: str, event_type: str, change,
                 blocks: tuple[str, ...] = (), action: str = "edit") -> Change:
    def apply(canvas: Canvas) -> dict:
        note = rules.note_for(canvas, note_id, actor)
        rules.check_can_write(actor, canvas, note.block, *blocks)
        rules.check_phase_allows(actor, canvas, action)
        rules.check_can_change_note(actor, canvas, note)
        change(canvas, note)
        note.updated_at = utcnow()
        db.session.flush()
        return note_data(note)

    return record(actor, CANVAS, canvas_id, op_id, event_type, apply, lambda: _check(actor, canvas_id, *blocks))


def edit_note(actor: Actor, canvas_id: int, op: EditNote) -> Change:
    """Replace a note's text, if it is still at the version the client edited."""

    def change(canvas: Canvas, note: Note) -> None:
        if note.version != op.version:
            raise BoardError("conflict", _l("Someone else changed this note meanwhile. Your text is kept."),
                             note=visibility.note_for(note_data(note), canvas, actor))
        note.text = op.text
        note.version += 1

    return _change_note(actor, canvas_id, op.op_id, op.note_id, "note.edited", change)


def move_note(actor: Actor, canvas_id: int, op: MoveNote) -> Change:
    """Move a note to a block (last writer wins), at ``index`` or at the end.
    Leaving its block takes it out of its cluster."""

    def change(canvas: Canvas, note: Note) -> None:
        if note.block != op.block:
            note.cluster_id = None
        if op.index is None:
            if note.block != op.block:
                note.position = _end_position(canvas, op.block, exclude=note.id)
        else:
            note.position = _position_at(canvas, op.block, op.index, note.id)
        note.block = op.block

    return _change_note(actor, canvas_id, op.op_id, op.note_id, "note.moved", change, (op.block,), "move")


def recolor_note(actor: Actor, canvas_id: int, op: RecolorNote) -> Change:
    """Change a note's colour (last writer wins)."""

    def change(canvas: Canvas, note: Note) -> None:
        note.color = op.color

    return _change_note(actor, canvas_id, op.op_id, op.note_id, "note.recolored", change)


def delete_note(actor: Actor, canvas_id: int, op: DeleteNote) -> Change:
    """Delete a note. It is kept in the database, marked deleted, so nothing is truly lost."""

    def apply(canvas: Canvas) -> dict:
        note = rules.note_for(canvas, op.note_id, actor)
        rules.check_can_write(actor, canvas, note.block)
        rules.check_phase_allows(actor, canvas, "edit")
        rules.check_can_change_note(actor, canvas, note)
        note.deleted_at = utcnow()
        # ``hidden`` lets visibility withhold who deleted a hidden note (its author, most often).
        return {"id": note.id, "block": note.block, "hidden": note.hidden}

    return record(actor, CANVAS, canvas_id, op.op_id, "note.deleted", apply, lambda: _check(actor, canvas_id))
