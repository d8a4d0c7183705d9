"""The change log: ``seq`` allocation, event rows and ``op_id`` idempotency.

A change is applied in one transaction that (1) takes the canvas's next
``seq`` with an UPDATE, which also serialises writers on that canvas, (2)
applies the change and (3) records its Event. A refused change rolls back,
so no ``seq`` is ever skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..database import begin_write
from ..extensions import db
from ..models import Canvas, Event, utcnow
from .actors import Actor
from .errors import BoardError
from .serialize import iso


@dataclass(frozen=True)
class Change:
    """A committed change, as broadcast; ``replayed`` marks a repeated ``op_id``."""

    canvas_id: int
    seq: int
    envelope: dict
    replayed: bool = False

    def ack(self) -> dict:
        return {"ok": True, "seq": self.seq, "event": self.envelope}


def envelope(event: Event, actor: dict) -> dict:
    """The single shape every canvas change travels in."""
    return {
        "canvas_id": event.canvas_id,
        "seq": event.seq,
        "type": event.type,
        "data": event.data,
        "actor": actor,
        "op_id": event.op_id,
        "at": iso(event.created_at),
    }


def _replay(actor: Actor, op_id: str) -> Change | None:
    event = db.session.scalar(select(Event).filter_by(actor_id=actor.participant_id, op_id=op_id))
    if event is None:
        return None
    return Change(event.canvas_id, event.seq, envelope(event, actor.public()), replayed=True)


def record(actor: Actor, canvas_id: int, op_id: str, event_type: str,
           apply: Callable[[Canvas], dict], check: Callable[[], object] | None = None) -> Change:
    """Apply one change under a fresh ``seq`` and commit it with its Event.

    A repeated ``op_id`` is answered with its original result before anything
    else. ``check`` then runs cheap read-only checks before any lock is taken.
    ``apply`` runs inside the transaction after the canvas row is locked; it
    returns the event's data or raises BoardError to refuse (nothing is kept).
    """
    db.session.rollback()  # end any read snapshot before taking the write lock
    replayed = _replay(actor, op_id)
    if replayed is None and check is not None:
        try:
            check()
        finally:
            db.session.rollback()
    db.session.rollback()
    if replayed is not None:
        return replayed
    try:
        begin_write()
        seq = db.session.execute(
            update(Canvas).where(Canvas.id == canvas_id).values(seq=Canvas.seq + 1).returning(Canvas.seq)
        ).scalar_one()
        canvas = db.session.get(Canvas, canvas_id, populate_existing=True)
        data = apply(canvas)
        event = Event(canvas_id=canvas_id, seq=seq, type=event_type, data=data,
                      actor_id=actor.participant_id, op_id=op_id, created_at=utcnow())
        db.session.add(event)
        db.session.commit()
    except BoardError:
        db.session.rollback()
        raise
    except IntegrityError:
        # The same op_id committed concurrently (another tab, a retry racing
        # its original): answer with the original result.
        db.session.rollback()
        replayed = _replay(actor, op_id)
        if replayed is None:
            raise
        return replayed
    except BaseException:
        db.session.rollback()
        raise
    return Change(canvas_id, seq, envelope(event, actor.public()))
