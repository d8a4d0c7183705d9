"""Reading a canvas: the full snapshot, or the events a client missed."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Event, Note, Participant
from . import rules, serialize
from .actors import Actor
from .log import envelope


def _notes(canvas_id: int) -> list[dict]:
    notes = db.session.scalars(
        select(Note).where(Note.canvas_id == canvas_id, Note.deleted_at.is_(None))
        .options(selectinload(Note.author)).order_by(Note.block, Note.position, Note.created_at)
    ).all()
    return [serialize.note(n) for n in notes]


def snapshot(actor: Actor, canvas_id: int) -> dict:
    """The canvas as it is now: its notes and the ``seq`` they reflect."""
    canvas = rules.canvas_for(actor, canvas_id)
    return {"mode": "snapshot", "canvas": serialize.canvas(canvas), "seq": canvas.seq, "notes": _notes(canvas.id)}


def sync(actor: Actor, canvas_id: int, last_seq: int | None) -> dict:
    """What a client that has seen up to ``last_seq`` needs to catch up.

    Missed events in order when they are few; a snapshot when the client is new,
    far behind, or ahead of the server (its data came from elsewhere).
    """
    canvas = rules.canvas_for(actor, canvas_id)
    limit = current_app.config["RESYNC_MAX_EVENTS"]
    if last_seq is None or last_seq > canvas.seq or canvas.seq - last_seq > limit:
        return snapshot(actor, canvas_id)
    rows = db.session.execute(
        select(Event, Participant).join(Participant, Participant.id == Event.actor_id)
        .where(Event.canvas_id == canvas.id, Event.seq > last_seq).order_by(Event.seq)
    ).all()
    events = [envelope(event, serialize.person(who)) for event, who in rows]
    return {"mode": "events", "canvas": serialize.canvas(canvas), "seq": canvas.seq, "events": events}
