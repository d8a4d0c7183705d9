"""Dot voting: a round per canvas with a budget of dots per participant.

Tallies stay secret while the round is open (not even facilitators see who
voted what, only how many have voted); closing the round publishes them and
notes carry their votes from then on.

A dot goes to a note or to a stack (a cluster). A stack counts as one item in the
results: its own dots plus those of the notes in it, which are then not ranked
apart.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session

from ..db import db
from ..models import Canvas, Cluster, Note, Vote, VotingRound, utcnow
from . import rows, rules, serialize
from .actors import Actor
from .errors import BoardError
from .log import CANVAS, Change, record, record_on_canvas
from .rows import CanvasView
from .schemas import CastVote, CloseVote, OpenVote


def current_round(canvas_id: int) -> VotingRound | None:
    """The open round, else the last closed one, else None."""
    return db.session.scalar(select(VotingRound).filter_by(canvas_id=canvas_id)
                             .order_by(VotingRound.status.desc(), VotingRound.id.desc()).limit(1))


def open_round(canvas_id: int) -> VotingRound | None:
    return db.session.scalar(select(VotingRound).filter_by(canvas_id=canvas_id, status="open"))


def last_closed_round(canvas_id: int) -> VotingRound | None:
    return db.session.scalar(select(VotingRound).filter_by(canvas_id=canvas_id, status="closed")
                             .order_by(VotingRound.id.desc()).limit(1))


def tallies(round_: VotingRound) -> dict[str, int]:
    """Votes per note in a round (deleted notes left out)."""
    rows = db.session.execute(
        select(Vote.note_id, func.count(Vote.id)).join(Note, Note.id == Vote.note_id)
        .where(Vote.round_id == round_.id, Note.deleted_at.is_(None)).group_by(Vote.note_id)).all()
    return {note_id: count for note_id, count in rows}


def stack_tallies(round_: VotingRound) -> dict[str, int]:
    """Dots given to stacks themselves in a round, by stack id (a string, as JSON keys are)."""
    rows = db.session.execute(
        select(Vote.cluster_id, func.count(Vote.id)).where(Vote.round_id == round_.id, Vote.cluster_id.is_not(None))
        .group_by(Vote.cluster_id)).all()
    return {str(cluster_id): count for cluster_id, count in rows}


def results(round_: VotingRound, notes: dict[str, int], stacks: dict[str, int]) -> list[dict]:
    """The ranking of a round, most votes first: each stack as one item (its dots and its
    notes' dots) and each note outside a stack, e.g. ``[{"stack": 4, "votes": 7},
    {"note": "…", "votes": 3}]``. Items without votes are left out."""
    canvas_id = round_.canvas_id
    members = dict(db.session.execute(select(Note.id, Note.cluster_id).where(
        Note.canvas_id == canvas_id, Note.deleted_at.is_(None), Note.cluster_id.is_not(None))).all())
    live_stacks = set(db.session.scalars(select(Cluster.id).filter_by(canvas_id=canvas_id)))
    totals = {cluster_id: stacks.get(str(cluster_id), 0) for cluster_id in live_stacks}
    items = []
    for note_id, count in notes.items():
        if members.get(note_id) in totals:
            totals[members[note_id]] += count
        else:
            items.append({"note": note_id, "votes": count})
    items += [{"stack": cluster_id, "votes": count} for cluster_id, count in totals.items() if count > 0]
    return sorted(items, key=lambda item: (-item["votes"], "stack" not in item,
                                           str(item.get("stack", item.get("note")))))


def canvas_tallies(canvas_id: int) -> dict[str, int] | None:
    """Published votes of the canvas (from its last closed round), or None."""
    closed = last_closed_round(canvas_id)
    return tallies(closed) if closed is not None else None


def note_data(note: Note, published: dict[str, int] | None = ...) -> dict:  # type: ignore[assignment]
    """A note's full data, with its published votes (``published``: the canvas's tallies,
    when many notes are serialised; without it, this note's alone are counted, not the
    whole canvas's, as every change of a note after a vote needs them)."""
    if published is ...:
        return serialize.note(note, _published_votes(note))
    return serialize.note(note, None if published is None else published.get(note.id, 0))


def _published_votes(note: Note) -> int | None:
    """A note's dots in the canvas's last closed round, or None if no round was closed."""
    closed = last_closed_round(note.canvas_id)
    if closed is None:
        return None
    if note.deleted_at is not None:
        return 0  # as tallies() leaves deleted notes out
    return db.session.scalar(select(func.count(Vote.id)).where(Vote.round_id == closed.id, Vote.note_id == note.id))


def round_data(round_: VotingRound) -> dict:
    return {"id": round_.id, "status": round_.status, "budget": round_.budget, "max_per_note": round_.max_per_note,
            "allow_own": round_.allow_own, "blocks": round_.blocks, "opened_at": serialize.iso(round_.opened_at),
            "closed_at": serialize.iso(round_.closed_at)}


def voters(round_: VotingRound) -> int:
    """How many people have put at least one dot in this round."""
    return _voters(round_)


_vote = Vote.__table__
_note = Note.__table__
# Built once (rows.py says why); run on the session, or on a change's connection.
_VOTERS = select(func.count(func.distinct(_vote.c.participant_id))).where(_vote.c.round_id == bindparam("round_id"))
_MINE = (select(_vote.c.note_id, func.count(_vote.c.id)).join(_note, _note.c.id == _vote.c.note_id)
         .where(_vote.c.round_id == bindparam("round_id"), _vote.c.participant_id == bindparam("participant_id"),
                _note.c.deleted_at.is_(None))
         .group_by(_vote.c.note_id))
_MINE_STACKS = (select(_vote.c.cluster_id, func.count(_vote.c.id))
                .where(_vote.c.round_id == bindparam("round_id"), _vote.c.participant_id == bindparam("participant_id"),
                       _vote.c.cluster_id.is_not(None))
                .group_by(_vote.c.cluster_id))


def _voters(round_: VotingRound | Row, on: Session | Connection | None = None) -> int:
    return (on or db.session).execute(_VOTERS, {"round_id": round_.id}).scalar()


def _mine(round_: VotingRound | Row, participant_id: int | None,
          on: Session | Connection | None = None) -> dict[str, int]:
    if participant_id is None:
        return {}
    rows = (on or db.session).execute(_MINE, {"round_id": round_.id, "participant_id": participant_id}).all()
    return {note_id: count for note_id, count in rows}


def _mine_stacks(round_: VotingRound | Row, participant_id: int | None,
                 on: Session | Connection | None = None) -> dict[str, int]:
    if participant_id is None:
        return {}
    rows = (on or db.session).execute(_MINE_STACKS, {"round_id": round_.id, "participant_id": participant_id}).all()
    return {str(cluster_id): count for cluster_id, count in rows}


def state_for(canvas_id: int, viewer: Actor) -> dict | None:
    """The voting state of a canvas as ``viewer`` may know it."""
    round_ = current_round(canvas_id)
    if round_ is None:
        return None
    state = {"round": round_data(round_), "voters": _voters(round_)}
    if round_.status == "closed":
        state["tallies"] = tallies(round_)
        state["stack_tallies"] = stack_tallies(round_)
        state["results"] = results(round_, state["tallies"], state["stack_tallies"])
    elif not viewer.is_projector:
        mine, mine_stacks = _mine(round_, viewer.participant_id), _mine_stacks(round_, viewer.participant_id)
        state.update(mine=mine, mine_stacks=mine_stacks,
                     remaining=round_.budget - sum(mine.values()) - sum(mine_stacks.values()))
    return state


def _ranking(counts: dict[str, int]) -> list[str]:
    return [note_id for note_id, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def open_vote(actor: Actor, op: OpenVote) -> Change:
    """Open a round on the canvas (or on chosen blocks)."""

    def check() -> None:
        rules.require_facilitator(actor)
        canvas = rules.canvas_for(actor, op.canvas_id)
        for block in op.blocks or ():
            rules.check_block(canvas, block)

    def apply(canvas: Canvas) -> dict:
        rules.check_workshop_open(canvas.workshop)
        if open_round(canvas.id) is not None:
            raise BoardError("invalid", _l("A vote is already open on this canvas. Close it first."))
        if op.max_per_note > op.budget:
            raise BoardError("invalid", _l("The maximum per note cannot exceed the votes per person."),
                             field="max_per_note")
        round_ = VotingRound(canvas_id=canvas.id, blocks=list(op.blocks) if op.blocks else None, budget=op.budget,
                             max_per_note=op.max_per_note, allow_own=op.allow_own, status="open", opened_at=utcnow())
        db.session.add(round_)
        db.session.flush()
        return {"round": round_data(round_), "voters": 0}

    return record(actor, CANVAS, op.canvas_id, op.op_id, "vote.opened", apply, check)


def close_vote(actor: Actor, op: CloseVote) -> Change:
    """Close the open round and publish its tallies and ranking."""

    def check() -> None:
        rules.require_facilitator(actor)
        rules.canvas_for(actor, op.canvas_id)

    def apply(canvas: Canvas) -> dict:
        round_ = open_round(canvas.id)
        if round_ is None:
            raise BoardError("invalid", _l("No vote is open on this canvas."))
        round_.status = "closed"
        round_.closed_at = utcnow()
        counts, stacks = tallies(round_), stack_tallies(round_)
        return {"round": round_data(round_), "voters": _voters(round_), "tallies": counts,
                "ranking": _ranking(counts), "stack_tallies": stacks, "results": results(round_, counts, stacks)}

    return record(actor, CANVAS, op.canvas_id, op.op_id, "vote.closed", apply, check)


_round = VotingRound.__table__
_OPEN_ROUND = select(_round).where(_round.c.canvas_id == bindparam("canvas_id"), _round.c.status == "open")
_STACK = select(Cluster.__table__).where(Cluster.__table__.c.id == bindparam("cluster_id"))
_INSERT_VOTE = insert(_vote)
_ONE_OF_MINE = (select(_vote.c.id).where(_vote.c.round_id == bindparam("round_id"),
                                         _vote.c.participant_id == bindparam("participant_id"),
                                         _vote.c.note_id.is_not_distinct_from(bindparam("note_id")),
                                         _vote.c.cluster_id.is_not_distinct_from(bindparam("cluster_id")))
                .limit(1))
_DELETE_VOTE = delete(_vote).where(_vote.c.id == bindparam("vote_id"))


def _target(connection: Connection, canvas: CanvasView, op: CastVote, actor: Actor) -> tuple[Row | None, Row | None]:
    """The note or the stack a dot is for: exactly one of them."""
    if (op.note_id is None) == (op.cluster_id is None):
        raise BoardError("invalid", _l("A vote names a note or a stack."), field="note_id")
    if op.note_id is not None:
        note = rows.note_with_author(connection, op.note_id)
        rules.check_note_of(canvas, note, actor)
        return note, None
    stack = connection.execute(_STACK, {"cluster_id": op.cluster_id}).first()
    rules.check_cluster_of(canvas, stack)
    return None, stack


def _vote(actor: Actor, canvas_id: int, op: CastVote, adding: bool) -> Change:
    """Put one dot on a note or a stack, or take one back: the hot path of a vote, so it
    reads and writes through SQLAlchemy Core (log.record_on_canvas)."""

    def apply(connection: Connection, canvas: CanvasView) -> dict:
        rules.require_taking_part(actor)
        rules.check_workshop_open(canvas.workshop)
        rules.check_phase_allows(actor, canvas, "vote")
        round_ = connection.execute(_OPEN_ROUND, {"canvas_id": canvas.id}).first()
        if round_ is None:
            raise BoardError("invalid", _l("No vote is open on this canvas."))
        note, stack = _target(connection, canvas, op, actor)
        block = note.block if note is not None else stack.block
        if round_.blocks and block not in round_.blocks:
            raise BoardError("invalid", _l("This note is not part of the vote."))
        mine = _mine(round_, actor.participant_id, connection)
        mine_stacks = _mine_stacks(round_, actor.participant_id, connection)
        key, counts = (note.id, mine) if note is not None else (str(stack.id), mine_stacks)
        given = counts.get(key, 0)
        target = {"note_id": note.id if note is not None else None,
                  "cluster_id": stack.id if stack is not None else None}
        if adding:
            # A stack is no one's own: it gathers what several people wrote.
            if note is not None and not round_.allow_own and note.author_id == actor.participant_id:
                raise BoardError("forbidden", _l("In this vote you cannot vote for your own notes."))
            if sum(mine.values()) + sum(mine_stacks.values()) >= round_.budget:
                raise BoardError("invalid", _l("You have used all your votes. Take one back to vote again."))
            if given >= round_.max_per_note:
                raise BoardError("invalid", _l("This note already has the most votes you can give it."))
            connection.execute(_INSERT_VOTE, {"round_id": round_.id, "participant_id": actor.participant_id,
                                              "created_at": utcnow(), **target})
            counts[key] = given + 1
        else:
            vote_id = connection.execute(_ONE_OF_MINE, {"round_id": round_.id,
                                                        "participant_id": actor.participant_id, **target}).scalar()
            if vote_id is None:
                raise BoardError("invalid", _l("You have no vote on this note to take back."))
            connection.execute(_DELETE_VOTE, {"vote_id": vote_id})
            if given > 1:
                counts[key] = given - 1
            else:
                counts.pop(key, None)
        return {"round_id": round_.id, "note_id": op.note_id, "cluster_id": op.cluster_id, "mine": mine,
                "mine_stacks": mine_stacks, "remaining": round_.budget - sum(mine.values()) - sum(mine_stacks.values()),
                "voters": _voters(round_, connection)}

    event_type = "vote.cast" if adding else "vote.withdrawn"
    return record_on_canvas(actor, canvas_id, op.op_id, event_type, apply)


def cast_vote(actor: Actor, canvas_id: int, op: CastVote) -> Change:
    """Put one dot on a note or a stack."""
    return _vote(actor, canvas_id, op, adding=True)


def withdraw_vote(actor: Actor, canvas_id: int, op: CastVote) -> Change:
    """Take one dot back from a note or a stack."""
    return _vote(actor, canvas_id, op, adding=False)
