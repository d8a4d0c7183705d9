"""The change log: sequence numbers, event rows and ``op_id`` idempotency.

A change is applied in one transaction that (1) takes the next number with an
UPDATE on its canvas (``seq``) or its workshop (``version``), which also
serialises writers there, (2) applies the change and (3) records its Event. A
refused change rolls back, so no ``seq`` is ever skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..database import begin_write
from ..extensions import db
from ..models import Canvas, Event, Workshop, utcnow
from . import visibility
from .actors import Actor
from .errors import BoardError
from .serialize import iso

CANVAS = "canvas"
WORKSHOP = "workshop"


@dataclass(frozen=True)
class Change:
    """A committed change and who may see what of it.

    ``envelope`` is the whole event (for the actor's ack and privileged
    viewers); ``public`` is what everyone else in the scope gets (None: no one
    else); ``private_to`` and ``private_to_facilitators`` name who gets the
    whole envelope when ``public`` differs from it.
    """

    scope: str
    target_id: int
    workshop_id: int
    seq: int
    envelope: dict
    public: dict | None = None
    private_to: tuple[int, ...] = ()
    private_to_facilitators: bool = False
    replayed: bool = False

    @property
    def canvas_id(self) -> int | None:
        return self.target_id if self.scope == CANVAS else None

    @property
    def redacted(self) -> bool:
        return self.public != self.envelope

    def ack(self) -> dict:
        return {"ok": True, "seq": self.seq, "event": self.envelope}


def envelope(event: Event, actor: dict | None) -> dict:
    """The single shape every change travels in (``seq`` for a canvas, ``version`` for a workshop)."""
    base = {"canvas_id": event.canvas_id, "seq": event.seq} if event.canvas_id is not None else {
        "workshop_id": event.workshop_id, "version": event.seq}
    return {**base, "type": event.type, "data": event.data, "actor": actor, "op_id": event.op_id,
            "at": iso(event.created_at)}


def _replay(actor: Actor, op_id: str) -> Change | None:
    event = db.session.scalar(select(Event).filter_by(actor_id=actor.participant_id, op_id=op_id))
    if event is None:
        return None
    scope, target = (CANVAS, event.canvas_id) if event.canvas_id is not None else (WORKSHOP, event.workshop_id)
    return Change(scope, target, event.workshop_id, event.seq, envelope(event, actor.public()), replayed=True)


def _next_number(scope: str, target_id: int) -> int:
    model, column = (Canvas, Canvas.seq) if scope == CANVAS else (Workshop, Workshop.version)
    return db.session.execute(
        update(model).where(model.id == target_id).values({column: column + 1}).returning(column)
    ).scalar_one()


def record(actor: Actor, scope: str, target_id: int, op_id: str, event_type: str,
           apply: Callable[[Canvas | Workshop], dict], check: Callable[[], object] | None = None) -> Change:
    """Apply one change under a fresh number and commit it with its Event.

    A repeated ``op_id`` is answered with its original result before anything
    else. ``check`` then runs cheap read-only checks before any lock is taken.
    ``apply`` runs inside the transaction, after the canvas or workshop row is
    locked, on that row; it returns the event's data or raises BoardError to
    refuse (nothing is kept).
    """
    db.session.rollback()  # end any read snapshot before taking the write lock
    replayed = _replay(actor, op_id)
    try:
        if replayed is None and check is not None:
            check()
    finally:
        db.session.rollback()
    if replayed is not None:
        return replayed
    try:
        begin_write()
        number = _next_number(scope, target_id)
        target = db.session.get(Canvas if scope == CANVAS else Workshop, target_id, populate_existing=True)
        data = apply(target)
        workshop_id = target.workshop_id if scope == CANVAS else target.id
        event = Event(canvas_id=target_id if scope == CANVAS else None, workshop_id=workshop_id, seq=number,
                      type=event_type, data=data, actor_id=actor.participant_id, op_id=op_id, created_at=utcnow())
        db.session.add(event)
        db.session.flush()
        audience = visibility.audience(event, actor, target)
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
    full = envelope(event, actor.public())
    change = Change(scope, target_id, workshop_id, number, full, full)
    return replace(change, public=audience.public(full), private_to=audience.private_to,
                   private_to_facilitators=audience.facilitators)
