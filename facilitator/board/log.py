"""The change log: sequence numbers, event rows and ``op_id`` idempotency.

A change is applied in one transaction that (1) takes the next number with an
UPDATE on its canvas (``seq``) or its workshop (``version``), which also
serialises writers there, (2) applies the change and (3) records its Event. A
refused change rolls back, so no ``seq`` is ever skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..database import begin_write, in_write
from ..db import db
from ..models import Canvas, Event, Workshop, utcnow
from . import rows, rules, visibility
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
    own: dict | None = None  # what the actor is answered, when it is less than ``envelope``
    # Changes made on the back of this one, to broadcast after it (a phase's controls per table).
    follow: tuple[Change, ...] = ()

    @property
    def canvas_id(self) -> int | None:
        return self.target_id if self.scope == CANVAS else None

    @property
    def redacted(self) -> bool:
        return self.public != self.envelope

    def ack(self) -> dict:
        return {"ok": True, "seq": self.seq, "event": self.envelope if self.own is None else self.own}


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
    full = envelope(event, actor.public())
    canvas = db.session.get(Canvas, event.canvas_id) if scope == CANVAS else None
    return Change(scope, target, event.workshop_id, event.seq, full, replayed=True,
                  own=visibility.for_its_actor(full, canvas, actor, event.seq))


def _lock(scope: str, target_id: int) -> Canvas | Workshop | None:
    """Read the canvas or workshop row, locking it until the transaction ends
    (FOR UPDATE on PostgreSQL; on SQLite the write transaction already holds
    the database), so its counter and its state are ours alone.

    The row is read as it is now, also when the session already holds it: the
    actor was resolved before the write began (a facilitator's workshop among
    it), and another message may have changed that row since. A canvas comes
    with its workshop, read in the same statement and as fresh (its state, e.g.
    closed, a timer or the phase, decides what the change may do); only the
    canvas row is locked."""
    if scope == CANVAS:
        statement = (select(Canvas).options(joinedload(Canvas.workshop, innerjoin=True))
                     .where(Canvas.id == target_id).with_for_update(of=Canvas))
    else:
        statement = select(Workshop).where(Workshop.id == target_id).with_for_update()
    return db.session.scalars(statement.execution_options(populate_existing=True)).unique().one_or_none()


def _begin() -> None:
    """Begin the change's write transaction, or carry on in the one the caller began
    (the socket layer reads the sender in it, live/handlers.py)."""
    if not in_write():
        db.session.commit()  # end any read snapshot (nothing is pending) before taking the write lock
        begin_write()


def record(actor: Actor, scope: str, target_id: int, op_id: str, event_type: str,
           apply: Callable[[Canvas | Workshop], dict], check: Callable[[], object] | None = None) -> Change:
    """Apply one change under a fresh number and commit it with its Event.

    All in one write transaction: ``check`` runs the checks that need no lock;
    ``apply`` runs after the canvas or workshop row is locked, on that row, and
    returns the event's data or raises BoardError to refuse (nothing is kept).

    A repeated ``op_id`` is answered with its original result. It is looked up
    only when the change does not go through (refused, or its Event meets the
    unique ``(actor_id, op_id)``), not before every change: a retry is rare,
    and the lookup was one of the few statements every change paid for
    (bench/README.md, issue 12). A retry applied again is rolled back whole.
    """
    _begin()
    try:
        target = _lock(scope, target_id)
        if check is not None:
            check()
        if target is None:
            raise BoardError("not_found", _l("This canvas does not exist."))
        if scope == CANVAS:
            target.seq = number = target.seq + 1
        else:
            target.version = number = target.version + 1
        data = apply(target)
        workshop_id = target.workshop_id if scope == CANVAS else target.id
        event = Event(canvas_id=target_id if scope == CANVAS else None, workshop_id=workshop_id, seq=number,
                      type=event_type, data=data, actor_id=actor.participant_id, op_id=op_id, created_at=utcnow())
        db.session.add(event)
        db.session.flush()
        audience = visibility.audience(event, actor, target if scope == CANVAS else None)
        db.session.commit()
    except (BoardError, IntegrityError) as error:
        return _refused_or_replayed(actor, op_id, error)
    except BaseException:
        db.session.rollback()
        raise
    return _recorded(actor, scope, target_id, workshop_id, event, audience)


def record_on_canvas(actor: Actor, canvas_id: int, op_id: str, event_type: str,
                     apply: Callable[[Connection, rows.CanvasView], dict]) -> Change:
    """``record`` for the note operations, read and written through SQLAlchemy Core.

    The same transaction, numbering, refusals and replays as ``record``, with the
    canvas read as a ``rows.CanvasView`` (its ``seq`` already the new number) and
    ``apply`` writing through the transaction's connection. The hot path of a room
    at work: every note added, edited or moved comes this way (rows.py says why).
    """
    _begin()
    try:
        connection = db.session.connection()
        canvas = rows.lock_canvas(connection, canvas_id)
        rules.check_canvas_of(actor, canvas)
        number = canvas.seq + 1
        connection.execute(_NEXT_SEQ, {"canvas_id": canvas_id, "number": number})
        canvas = replace(canvas, seq=number)
        data = apply(connection, canvas)
        event = Event(canvas_id=canvas_id, workshop_id=canvas.workshop_id, seq=number, type=event_type, data=data,
                      actor_id=actor.participant_id, op_id=op_id, created_at=utcnow())
        connection.execute(_INSERT_EVENT, {name: getattr(event, name) for name in _EVENT_FIELDS})
        audience = visibility.audience(event, actor, canvas)
        db.session.commit()
        db.session.expire_all()  # rows this session loaded before were changed behind its back
    except (BoardError, IntegrityError) as error:
        return _refused_or_replayed(actor, op_id, error)
    except BaseException:
        db.session.rollback()
        raise
    return _recorded(actor, CANVAS, canvas_id, canvas.workshop_id, event, audience)


# Built once (rows.py says why).
_NEXT_SEQ = (update(Canvas.__table__).where(Canvas.__table__.c.id == bindparam("canvas_id"))
             .values(seq=bindparam("number")))
_INSERT_EVENT = insert(Event.__table__)
_EVENT_FIELDS = ("canvas_id", "workshop_id", "seq", "type", "data", "actor_id", "op_id", "created_at")


def _refused_or_replayed(actor: Actor, op_id: str, error: BoardError | IntegrityError) -> Change:
    """After a refusal or an IntegrityError: roll back, and answer a repeated ``op_id``
    with its original result, whatever the change would meet now (a retry, another tab,
    a retry racing its original); otherwise raise ``error``."""
    db.session.rollback()
    replayed = _replay(actor, op_id)
    if replayed is None:
        raise error
    return replayed


def _recorded(actor: Actor, scope: str, target_id: int, workshop_id: int, event: Event,
              audience: visibility.Audience) -> Change:
    """The Change of a committed event, with who may see what of it."""
    full = envelope(event, actor.public())
    return Change(scope, target_id, workshop_id, event.seq, full, public=audience.public(full),
                  private_to=audience.private_to, private_to_facilitators=audience.facilitators,
                  own=audience.for_actor(full))
