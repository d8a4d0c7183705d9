"""Operations on sticky notes: add, edit, move, recolour, delete.

The hot path of a room at work, so they read and write through SQLAlchemy Core
(``log.record_on_canvas``, ``rows``) under the same rules as every other change.
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from ..models import Note, Vote, utcnow
from . import rows, rules, serialize, visibility
from .actors import Actor
from .errors import BoardError
from .log import Change, record_on_canvas
from .rows import CanvasView
from .schemas import AddNote, DeleteNote, EditNote, MoveNote, RecolorNote

_note = Note.__table__
_vote = Vote.__table__


_LIVE_IN_BLOCK = (_note.c.canvas_id == bindparam("canvas_id"), _note.c.block == bindparam("block"),
                  _note.c.deleted_at.is_(None))
# Built once (rows.py says why).
_END = select(func.max(_note.c.position)).where(*_LIVE_IN_BLOCK)
_END_WITHOUT = _END.where(_note.c.id != bindparam("exclude"))
_POSITIONS = select(_note.c.position).where(*_LIVE_IN_BLOCK, _note.c.id != bindparam("exclude")).order_by(
    _note.c.position)
_INSERT_NOTE = insert(_note)
_UPDATE_NOTE = update(_note).where(_note.c.id == bindparam("note_id"))  # SET: the columns given
_NOTE_DOTS = select(func.count(_vote.c.id)).where(_vote.c.round_id == bindparam("round_id"),
                                                   _vote.c.note_id == bindparam("note_id"))


def _end_position(connection: Connection, canvas: CanvasView, block: str, exclude: str | None = None) -> float:
    where = {"canvas_id": canvas.id, "block": block}
    highest = connection.execute(_END if exclude is None else _END_WITHOUT,
                                 where if exclude is None else {**where, "exclude": exclude}).scalar()
    return (highest or 0.0) + 1.0


def _position_at(connection: Connection, canvas: CanvasView, block: str, index: int, moving: str) -> float:
    """A position that puts a note at ``index`` among the block's other notes."""
    positions = connection.execute(_POSITIONS, {"canvas_id": canvas.id, "block": block,
                                                "exclude": moving}).scalars().all()
    if index >= len(positions):
        return (positions[-1] if positions else 0.0) + 1.0
    before = positions[index - 1] if index > 0 else positions[0] - 2.0
    return (before + positions[index]) / 2.0


def _check(actor: Actor, canvas: CanvasView, *blocks: str) -> None:
    for block in blocks:
        rules.check_block(canvas, block)
    rules.check_can_write(actor, canvas, *blocks)


def _published_votes(connection: Connection, canvas: CanvasView, note: SimpleNamespace) -> int | None:
    """A note's dots in the canvas's last closed round, or None if no round was closed
    (as ``voting.note_data`` counts them)."""
    if canvas.closed_round_id is None:
        return None
    if note.deleted_at is not None:
        return 0  # as voting.tallies leaves deleted notes out
    return connection.execute(_NOTE_DOTS, {"round_id": canvas.closed_round_id, "note_id": note.id}).scalar()


def add_note(actor: Actor, canvas_id: int, op: AddNote) -> Change:
    """Add a note at the end of a block. The client may choose the note's id
    (a UUID), so it can keep working on a note it added while offline. During
    silent writing the note is hidden from the other participants."""
    note_id = op.note_id or str(uuid.uuid4())
    author = actor.person

    def apply(connection: Connection, canvas: CanvasView) -> dict:
        _check(actor, canvas, op.block)
        rules.check_phase_allows(actor, canvas, "add")
        rules.check_room_for_a_note(canvas)
        now = utcnow()
        note = SimpleNamespace(id=note_id, canvas_id=canvas.id, block=op.block, text=op.text, color=op.color,
                               position=_end_position(connection, canvas, op.block), version=1,
                               author_id=actor.participant_id, created_at=now, updated_at=now, deleted_at=None,
                               hidden=canvas.hidden, cluster_id=None)
        try:
            connection.execute(_INSERT_NOTE, vars(note))
        except IntegrityError:  # the id is taken (a retry of this op_id is answered by record_on_canvas)
            raise BoardError("invalid", _l("A note with this id already exists."), field="note_id") from None
        return serialize.note(note, None if canvas.closed_round_id is None else 0, author)  # no dots yet

    return record_on_canvas(actor, canvas_id, op.op_id, "note.added", apply)


def _change_note(actor: Actor, canvas_id: int, op_id: str, note_id: str, event_type: str, change,
                 blocks: tuple[str, ...] = (), action: str = "edit") -> Change:
    """Change one note: ``change(connection, canvas, note)`` checks what is asked against the
    note as it is and returns the columns to write."""

    def apply(connection: Connection, canvas: CanvasView) -> dict:
        _check(actor, canvas, *blocks)
        note = rows.note_with_author(connection, note_id)
        rules.check_note_of(canvas, note, actor)
        rules.check_can_write(actor, canvas, note.block, *blocks)
        rules.check_phase_allows(actor, canvas, action)
        rules.check_can_change_note(actor, canvas, note)
        values = {**change(connection, canvas, note), "updated_at": utcnow()}
        connection.execute(_UPDATE_NOTE, {**values, "note_id": note.id})
        changed = SimpleNamespace(**{**note._asdict(), **values})
        return serialize.note(changed, _published_votes(connection, canvas, changed), rows.author_of(note))

    return record_on_canvas(actor, canvas_id, op_id, event_type, apply)


def edit_note(actor: Actor, canvas_id: int, op: EditNote) -> Change:
    """Replace a note's text, if it is still at the version the client edited."""

    def change(connection: Connection, canvas: CanvasView, note: Row) -> dict:
        if note.version != op.version:
            current = serialize.note(note, _published_votes(connection, canvas, note), rows.author_of(note))
            raise BoardError("conflict", _l("Someone else changed this note meanwhile. Your text is kept."),
                             note=visibility.note_for(current, canvas, actor))
        return {"text": op.text, "version": note.version + 1}

    return _change_note(actor, canvas_id, op.op_id, op.note_id, "note.edited", change)


def move_note(actor: Actor, canvas_id: int, op: MoveNote) -> Change:
    """Move a note to a block (last writer wins), at ``index`` or at the end.
    Leaving its block takes it out of its cluster."""

    def change(connection: Connection, canvas: CanvasView, note: Row) -> dict:
        values: dict = {"block": op.block}
        if note.block != op.block:
            values["cluster_id"] = None
        if op.index is not None:
            values["position"] = _position_at(connection, canvas, op.block, op.index, note.id)
        elif note.block != op.block:
            values["position"] = _end_position(connection, canvas, op.block, exclude=note.id)
        return values

    return _change_note(actor, canvas_id, op.op_id, op.note_id, "note.moved", change, (op.block,), "move")


def recolor_note(actor: Actor, canvas_id: int, op: RecolorNote) -> Change:
    """Change a note's colour (last writer wins)."""
    return _change_note(actor, canvas_id, op.op_id, op.note_id, "note.recolored",
                        lambda connection, canvas, note: {"color": op.color})


def delete_note(actor: Actor, canvas_id: int, op: DeleteNote) -> Change:
    """Delete a note. It is kept in the database, marked deleted, so nothing is truly lost."""

    def apply(connection: Connection, canvas: CanvasView) -> dict:
        _check(actor, canvas)
        note = rows.note_with_author(connection, op.note_id)
        rules.check_note_of(canvas, note, actor)
        rules.check_can_write(actor, canvas, note.block)
        rules.check_phase_allows(actor, canvas, "edit")
        rules.check_can_change_note(actor, canvas, note)
        connection.execute(_UPDATE_NOTE, {"deleted_at": utcnow(), "note_id": note.id})
        # ``hidden`` lets visibility withhold who deleted a hidden note (its author, most often).
        return {"id": note.id, "block": note.block, "hidden": note.hidden}

    return record_on_canvas(actor, canvas_id, op.op_id, "note.deleted", apply)
