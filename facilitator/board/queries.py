"""Reading a canvas or a workshop as a given viewer may see it: snapshots,
missed events, the live state of controls, the facilitator's roster."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import bindparam, func, select

from ..db import db
from ..models import Canvas, Event, Note, Participant, Workshop
from . import commitments, rows, rules, serialize, session, visibility
from .actors import Actor
from .controls import clusters_of
from .log import envelope
from .voting import canvas_tallies, state_for

_CANVAS_NOTES = (rows.NOTES_WITH_AUTHORS
                 .where(Note.canvas_id == bindparam("canvas_id"), Note.deleted_at.is_(None))
                 .order_by(Note.block, Note.position, Note.created_at))


def _notes(canvas: Canvas, viewer: Actor) -> list[dict]:
    """The canvas's notes as ``viewer`` may see them, read as columns with their authors
    in one statement rather than as rows: the same data (serialize.note), at a fraction of
    the cost, which a room opening the canvas at once pays once per person (issue 12)."""
    published = canvas_tallies(canvas.id)
    authors: dict[int, dict] = {}
    notes = []
    for row in db.session.execute(_CANVAS_NOTES, {"canvas_id": canvas.id}):
        author = authors.get(row.author_id)
        if author is None:
            author = authors[row.author_id] = rows.author_of(row)
        votes = None if published is None else published.get(row.id, 0)
        notes.append(visibility.note_for(serialize.note(row, votes, dict(author)), canvas, viewer))
    return notes


def canvas_state(canvas: Canvas, viewer: Actor) -> dict:
    """Controls, voting and groups of a canvas, as ``viewer`` may know them."""
    return {"controls": serialize.controls(canvas), "voting": state_for(canvas.id, viewer),
            "clusters": clusters_of(canvas.id)}


def _read_one_moment() -> None:
    """End any transaction and begin one whose reads all see the same moment.

    The ``seq`` a reply names and the notes or events it carries must match:
    read in separate snapshots, a change committed between the two reads would
    be in the reply above its ``seq`` (and applied twice by a client), or its
    ``seq`` counted without its content. PostgreSQL's default READ COMMITTED
    takes a snapshot per statement, so the transaction asks for REPEATABLE
    READ (a read-only one is never refused for it). SQLite in WAL mode keeps
    one snapshot per transaction from its first read. Ending the transaction
    also drops rows read earlier (before the caller joined a room, say).
    Nothing may be pending: callers only read.
    """
    db.session.commit()
    db.session.expire_all()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


_OP_ID_AT = select(Event.op_id).where(Event.canvas_id == bindparam("canvas_id"), Event.seq == bindparam("seq"))


def _op_id_at(canvas_id: int, seq: int) -> str | None:
    """The ``op_id`` of the canvas's event numbered ``seq`` (None before the first)."""
    return db.session.execute(_OP_ID_AT, {"canvas_id": canvas_id, "seq": seq}).scalar() if seq else None


def snapshot(actor: Actor, canvas_id: int) -> dict:
    """The canvas as it is now: its notes and the ``seq`` they reflect (read at one moment),
    with the ``op_id`` of the event at that ``seq``, which the client names when it comes back."""
    _read_one_moment()
    canvas = rules.canvas_for(actor, canvas_id)
    return {"mode": "snapshot", "canvas": serialize.canvas(canvas), "seq": canvas.seq,
            "last_op_id": _op_id_at(canvas.id, canvas.seq), "notes": _notes(canvas, actor),
            **canvas_state(canvas, actor)}


def sync(actor: Actor, canvas_id: int, last_seq: int | None, last_op_id: str | None = None) -> dict:
    """What a client that has seen up to ``last_seq`` needs to catch up.

    Missed events in order when they are few; a snapshot when the client is new,
    far behind, or ahead of the server, or when its event at ``last_seq`` is not the
    server's (``last_op_id`` differs): its data came from elsewhere, e.g. changes it
    was sent just before a power cut took them from the disk, whose numbers others'
    changes then took. The ``seq`` and the events are read at one moment, and no
    event above that ``seq`` is sent: later ones reach the client live.
    """
    _read_one_moment()
    canvas = rules.canvas_for(actor, canvas_id)
    limit = current_app.config["RESYNC_MAX_EVENTS"]
    if (last_seq is None or last_seq > canvas.seq or canvas.seq - last_seq > limit
            or (last_op_id is not None and last_seq > 0 and _op_id_at(canvas.id, last_seq) != last_op_id)):
        return snapshot(actor, canvas_id)
    rows = db.session.execute(
        select(Event, Participant).join(Participant, Participant.id == Event.actor_id)
        .where(Event.canvas_id == canvas.id, Event.seq > last_seq, Event.seq <= canvas.seq).order_by(Event.seq)
    ).all()
    events = visibility.events_for([envelope(event, serialize.person(who)) for event, who in rows], canvas, actor,
                                   last_seq)
    return {"mode": "events", "canvas": serialize.canvas(canvas), "seq": canvas.seq, "events": events,
            **canvas_state(canvas, actor)}


def workshop_state(actor: Actor) -> dict:
    """The workshop's live state (timer, focus, status, projector) and its version;
    a facilitator also learns which institutions name someone on anonymous canvases.
    Facilitators and the projector get the commitments (participants' pages show none),
    and facilitators the participants' institutions, offered as responsible ones."""
    workshop = db.session.get(Workshop, actor.workshop_id)
    state = {"version": workshop.version, **session.state(workshop)}
    if actor.is_facilitator:
        state["lone_institutions"] = visibility.lone_institutions(workshop)
        state["institutions"] = commitments.institutions_of(workshop)
    if actor.is_facilitator or actor.is_projector:
        state["commitments"] = commitments.commitments_of(workshop.id)
    return state


def my_status(actor: Actor) -> dict | None:
    if actor.participant_id is None:
        return None
    return session.status_of(db.session.get(Participant, actor.participant_id))


def roster(actor: Actor) -> list[dict]:
    """Everyone who joined the workshop, with ready / hand / removed (facilitators only)."""
    rules.require_facilitator(actor)
    participants = db.session.scalars(select(Participant).filter_by(workshop_id=actor.workshop_id)
                                      .order_by(Participant.id)).all()
    return [{**session.status_of(p), "last_seen_at": serialize.iso(p.last_seen_at or p.joined_at)}
            for p in participants]


def canvas_ids(actor: Actor) -> list[int]:
    """The ids of the workshop's canvases (facilitators only), to follow them before reading them."""
    rules.require_facilitator(actor)
    return list(db.session.scalars(select(Canvas.id).filter_by(workshop_id=actor.workshop_id)))


def overview(actor: Actor) -> list[dict]:
    """Every canvas of the workshop with its notes, for the control room (facilitators only)."""
    rules.require_facilitator(actor)
    canvases = db.session.scalars(select(Canvas).filter_by(workshop_id=actor.workshop_id)
                                  .order_by(Canvas.position, Canvas.id)).all()
    return [snapshot(actor, canvas.id) | {"blocks": [b["id"] for b in canvas.template["blocks"]]}
            for canvas in canvases]


def note_counts(canvas_id: int) -> dict[str, int]:
    rows = db.session.execute(select(Note.block, func.count(Note.id)).where(
        Note.canvas_id == canvas_id, Note.deleted_at.is_(None)).group_by(Note.block)).all()
    return dict(rows)
