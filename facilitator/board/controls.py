"""The facilitator's controls on a canvas: locks, silent writing and reveal,
anonymity, editing by all, clusters, and the canvas's own timer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..db import db
from ..models import Canvas, Cluster, Note
from . import rules, serialize, timers
from .actors import Actor
from .errors import BoardError
from .log import CANVAS, Change, record
from .schemas import (
    ClusterNote,
    CreateCluster,
    DissolveCluster,
    RenameCluster,
    Reveal,
    SetFlag,
    SetLock,
    TimerChange,
    TimerStart,
)
from .voting import canvas_tallies, note_data


def _facilitator_check(actor: Actor, canvas_id: int, block: str | None = None):
    def check() -> None:
        rules.require_facilitator(actor)
        canvas = rules.canvas_for(actor, canvas_id)
        if block is not None:
            rules.check_block(canvas, block)

    return check


def _control(actor: Actor, op, event_type: str, change, block: str | None = None) -> Change:
    def apply(canvas: Canvas) -> dict:
        rules.check_workshop_open(canvas.workshop)
        extra = change(canvas) or {}
        return {"controls": serialize.controls(canvas), **extra}

    return record(actor, CANVAS, op.canvas_id, op.op_id, event_type, apply,
                  _facilitator_check(actor, op.canvas_id, block))


def set_lock(actor: Actor, op: SetLock) -> Change:
    """Lock or unlock a canvas, or one block of it, for participants."""

    def change(canvas: Canvas) -> None:
        if op.block is None:
            canvas.locked = op.locked
        else:
            blocks = [b for b in (canvas.locked_blocks or []) if b != op.block]
            canvas.locked_blocks = [*blocks, op.block] if op.locked else blocks

    return _control(actor, op, "canvas.locked", change, op.block)


def set_hidden(actor: Actor, op: SetFlag) -> Change:
    """Start silent writing (new notes hidden from the other participants).
    Turning it off does not reveal what was written; ``reveal`` does."""

    def change(canvas: Canvas) -> None:
        canvas.hidden = op.value

    return _control(actor, op, "canvas.hidden", change)


def _live_notes(canvas: Canvas, hidden_only: bool = False) -> list[Note]:
    query = select(Note).filter_by(canvas_id=canvas.id).where(Note.deleted_at.is_(None))
    if hidden_only:
        query = query.filter_by(hidden=True)
    return list(db.session.scalars(query.order_by(Note.block, Note.position)))


def reveal(actor: Actor, op: Reveal) -> Change:
    """End silent writing and show every hidden note to everyone."""

    def change(canvas: Canvas) -> dict:
        canvas.hidden = False
        notes = _live_notes(canvas, hidden_only=True)
        published = canvas_tallies(canvas.id)
        for note in notes:
            note.hidden = False
        db.session.flush()
        return {"notes": [note_data(n, published) for n in notes]}

    return _control(actor, op, "canvas.revealed", change)


def set_anonymous(actor: Actor, op: SetFlag) -> Change:
    """Hide (or show again) who wrote each note, for the other participants and the exports.

    Ending anonymity sends the canvas's notes again: whoever saw them only while it was
    anonymous never received their authors (hidden notes stay redacted, as always)."""

    def change(canvas: Canvas) -> dict | None:
        ending = canvas.anonymous and not op.value
        canvas.anonymous = op.value
        if not ending:
            return None
        published = canvas_tallies(canvas.id)
        return {"notes": [note_data(n, published) for n in _live_notes(canvas)]}

    return _control(actor, op, "canvas.anonymous", change)


def set_editable_by_all(actor: Actor, op: SetFlag) -> Change:
    """Let every participant edit, move and recolour any (visible) note."""

    def change(canvas: Canvas) -> None:
        canvas.notes_editable_by_all = op.value

    return _control(actor, op, "canvas.editable", change)


def next_timer(current: dict | None, op: TimerStart | TimerChange) -> dict | None:
    """The timer after a start or a change (pause, resume, stop, add or remove time)."""
    now = timers.now_ms()
    if isinstance(op, TimerStart):
        return timers.start(op.seconds, op.lock_on_end, now)
    if op.action == "stop":
        return None
    if current is None:
        raise BoardError("invalid", _l("No timer is running."))
    if op.action == "pause":
        return timers.pause(current, now)
    if op.action == "resume":
        return timers.resume(current, now)
    return timers.adjust(current, op.seconds, now)


def set_canvas_timer(actor: Actor, op: TimerStart | TimerChange) -> Change:
    """Start, change or stop the canvas's own countdown."""

    def change(canvas: Canvas) -> None:
        canvas.timer = next_timer(canvas.timer, op)

    return _control(actor, op, "canvas.timer", change)


_cluster = rules.cluster_for


def _cluster_data(cluster: Cluster) -> dict:
    return serialize.cluster(cluster)


def create_cluster(actor: Actor, op: CreateCluster) -> Change:
    """Group notes of one block that say the same thing under a title."""

    def apply(canvas: Canvas) -> dict:
        rules.check_workshop_open(canvas.workshop)
        notes = [rules.note_for(canvas, note_id) for note_id in dict.fromkeys(op.note_ids)]
        if any(n.block != op.block for n in notes):
            raise BoardError("invalid", _l("Only notes of the same block can be grouped."), field="note_ids")
        cluster = Cluster(canvas_id=canvas.id, block=op.block, title=op.title)
        db.session.add(cluster)
        db.session.flush()
        for note in notes:
            note.cluster_id = cluster.id
        return {"cluster": _cluster_data(cluster), "note_ids": [n.id for n in notes]}

    return record(actor, CANVAS, op.canvas_id, op.op_id, "cluster.created", apply,
                  _facilitator_check(actor, op.canvas_id, op.block))


def rename_cluster(actor: Actor, op: RenameCluster) -> Change:
    def apply(canvas: Canvas) -> dict:
        rules.check_workshop_open(canvas.workshop)
        cluster = _cluster(canvas, op.cluster_id)
        cluster.title = op.title
        return {"cluster": _cluster_data(cluster)}

    return record(actor, CANVAS, op.canvas_id, op.op_id, "cluster.renamed", apply,
                  _facilitator_check(actor, op.canvas_id))


def dissolve_cluster(actor: Actor, op: DissolveCluster) -> Change:
    """Undo a group; its notes stay where they are."""

    def apply(canvas: Canvas) -> dict:
        rules.check_workshop_open(canvas.workshop)
        cluster = _cluster(canvas, op.cluster_id)
        for note in db.session.scalars(select(Note).filter_by(cluster_id=cluster.id)):
            note.cluster_id = None
        db.session.delete(cluster)
        return {"cluster_id": op.cluster_id}

    return record(actor, CANVAS, op.canvas_id, op.op_id, "cluster.dissolved", apply,
                  _facilitator_check(actor, op.canvas_id))


def cluster_note(actor: Actor, op: ClusterNote) -> Change:
    """Put a note into a group of its block, or take it out (``cluster_id`` null)."""

    def apply(canvas: Canvas) -> dict:
        rules.check_workshop_open(canvas.workshop)
        note = rules.note_for(canvas, op.note_id)
        if op.cluster_id is not None and _cluster(canvas, op.cluster_id).block != note.block:
            raise BoardError("invalid", _l("Only notes of the same block can be grouped."), field="cluster_id")
        note.cluster_id = op.cluster_id
        db.session.flush()
        return note_data(note)

    return record(actor, CANVAS, op.canvas_id, op.op_id, "note.clustered", apply,
                  _facilitator_check(actor, op.canvas_id))


def clusters_of(canvas_id: int) -> list[dict]:
    return [_cluster_data(c) for c in db.session.scalars(select(Cluster).filter_by(canvas_id=canvas_id)
                                                         .order_by(Cluster.id))]
