"""The domain core against a real SQLite database: rules, seq, idempotency."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from facilitator import board
from facilitator.board.schemas import JoinWorkshop, parse
from facilitator.board.workshops import CODE_ALPHABET, join_workshop, new_code, normalize_code
from facilitator.extensions import db
from facilitator.models import Canvas, Event, Note, Workshop

from .conftest import World

pytestmark = pytest.mark.backends


def actor(token: str) -> board.Actor:
    return board.resolve_token(token)


def add(who, canvas_id, text="Idea", block="problem", **extra):
    return board.apply(who, canvas_id, "note:add", {"op_id": uuid.uuid4().hex, "block": block, "text": text, **extra})


def counts():
    return (db.session.scalar(select(func.count(Note.id))), db.session.scalar(select(func.count(Event.id))))


def test_join_code_has_no_look_alikes(ctx):
    for bad in "0O1IL":
        assert bad not in CODE_ALPHABET
    codes = {new_code() for _ in range(200)}
    assert all(len(c) == 6 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert len(codes) > 190
    assert normalize_code(" ab-c d2 ") == "ABCD2"


def test_seq_is_consecutive_and_events_are_recorded(world, ctx):
    ana = actor(world.join("Ana"))
    changes = [add(ana, world.canvas_id, f"nota {i}") for i in range(5)]
    assert [c.seq for c in changes] == [1, 2, 3, 4, 5]
    events = db.session.scalars(select(Event).order_by(Event.seq)).all()
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].data["text"] == "nota 0"
    assert changes[0].envelope["type"] == "note.added"
    assert changes[0].envelope["actor"]["name"] == "Ana"


def test_repeated_op_id_is_applied_once_with_the_original_result(world, ctx):
    ana = actor(world.join("Ana"))
    payload = {"op_id": "op-1", "block": "problem", "text": "una vez"}
    first = board.apply(ana, world.canvas_id, "note:add", payload)
    again = board.apply(ana, world.canvas_id, "note:add", payload)
    assert again.replayed and not first.replayed
    assert again.ack() == first.ack()
    assert counts() == (1, 1)


def test_a_retry_is_answered_with_its_original_result_whatever_it_would_meet_now(world, ctx):
    """The op_id is looked up only when a change does not go through (log.record): a retry
    that would now be refused, or would apply again, gets its original answer all the same,
    and nothing more is written."""
    ana, bea = actor(world.join("Ana")), actor(world.join("Bea"))
    note = add(ana, world.canvas_id, "primera")
    note_id = note.envelope["data"]["id"]
    edit = {"op_id": "edit-1", "note_id": note_id, "text": "segunda", "version": 1}
    first_edit = board.apply(ana, world.canvas_id, "note:edit", edit)
    moved = {"op_id": "move-1", "note_id": note_id, "block": "solution"}
    first_move = board.apply(ana, world.canvas_id, "note:move", moved)
    board.apply(ana, world.canvas_id, "note:move", {"op_id": "move-2", "note_id": note_id, "block": "problem"})
    before = counts()
    again_edit = board.apply(ana, world.canvas_id, "note:edit", edit)  # version 1 is stale now: no conflict
    again_move = board.apply(ana, world.canvas_id, "note:move", moved)  # would apply again: it does not
    assert again_edit.replayed and again_edit.ack() == first_edit.ack()
    assert again_move.replayed and again_move.ack() == first_move.ack()
    assert counts() == before
    assert db.session.get(Note, note_id).block == "problem"
    with pytest.raises(board.BoardError) as refused:  # someone else's op_id is not a retry of Ana's
        board.apply(bea, world.canvas_id, "note:edit", edit)
    assert refused.value.code in ("forbidden", "conflict")
    assert counts() == before


def test_a_note_id_already_taken_is_refused_and_changes_nothing(world, ctx):
    ana, bea = actor(world.join("Ana")), actor(world.join("Bea"))
    note_id = str(uuid.uuid4())
    add(ana, world.canvas_id, "mía", note_id=note_id)
    before = counts()
    seq = db.session.get(Canvas, world.canvas_id).seq
    for who in (ana, bea):  # a new op_id with a taken id, by its author or anyone else
        with pytest.raises(board.BoardError) as refused:
            add(who, world.canvas_id, "otra", note_id=note_id)
        assert refused.value.code == "invalid" and refused.value.extra["field"] == "note_id"
    db.session.expire_all()
    assert counts() == before
    assert db.session.get(Note, note_id).text == "mía"
    assert db.session.get(Canvas, world.canvas_id).seq == seq


def test_a_change_reads_its_workshop_and_canvas_as_they_are_when_it_writes(app, world):
    """The actor is resolved before the write begins; a facilitator's workshop row comes
    with it. Another message (a second tab, a co-facilitator) may change that row meanwhile:
    the change must number and check against the row as it is now, not as read (it used
    to take a workshop version already used, and fail as ``unavailable``)."""
    seat = world.seat()
    with app.app_context():
        first = board.resolve_token(seat)  # this session now holds the workshop row
        with app.app_context():  # another message, its own session, meanwhile
            other = board.resolve_token(seat)
            board.apply(other, None, "focus:set", {"op_id": uuid.uuid4().hex, "block": "problem"})
            board.apply(other, world.canvas_id, "note:add", {"op_id": uuid.uuid4().hex, "block": "problem"})
            board.apply(other, None, "workshop:close", {"op_id": uuid.uuid4().hex})
            db.session.remove()
        with pytest.raises(board.BoardError) as refused:  # checked against the workshop as closed now
            board.apply(first, world.canvas_id, "note:add", {"op_id": uuid.uuid4().hex, "block": "problem"})
        assert refused.value.code == "locked"
        reopened = board.apply(first, None, "workshop:reopen", {"op_id": uuid.uuid4().hex})
        assert reopened.seq == 3
        assert board.apply(first, world.canvas_id, "note:add", {"op_id": uuid.uuid4().hex, "block": "problem"}).seq == 2
        db.session.remove()


def test_refused_operations_change_nothing_and_skip_no_seq(world, ctx):
    ana = actor(world.join("Ana"))
    add(ana, world.canvas_id)
    before = counts()
    bad_payloads = [
        ({"op_id": "a", "block": "nowhere"}, "invalid"),
        ({"op_id": "b", "block": "problem", "text": "x" * 1001}, "too_large"),
        ({"op_id": "c", "block": "problem", "text": 5}, "invalid"),
        ({"op_id": "d"}, "invalid"),
        ({"op_id": "e", "block": "problem", "color": "black"}, "invalid"),
        ({"op_id": "f", "block": "problem", "extra": 1}, "invalid"),
        ({"op_id": "g" * 65, "block": "problem"}, "invalid"),
        ({"op_id": "h", "block": "problem", "text": "a\x00b"}, "invalid"),
        ({"op_id": "i", "block": "problem", "text": "\ud800"}, "invalid"),
        ("not an object", "invalid"),
    ]
    for payload, code in bad_payloads:
        with pytest.raises(board.BoardError) as refused:
            board.apply(ana, world.canvas_id, "note:add", payload)
        assert refused.value.code == code, payload
    assert counts() == before
    assert add(ana, world.canvas_id).seq == 2


def test_text_of_exactly_1000_characters_is_accepted(world, ctx):
    ana = actor(world.join("Ana"))
    change = add(ana, world.canvas_id, "ñ" * 1000)
    assert len(change.envelope["data"]["text"]) == 1000


def test_stale_version_is_a_conflict_carrying_the_current_note(world, ctx):
    ana = actor(world.join("Ana"))
    note = add(ana, world.canvas_id, "v1").envelope["data"]
    board.apply(ana, world.canvas_id, "note:edit", {"op_id": "e1", "note_id": note["id"], "text": "v2", "version": 1})
    with pytest.raises(board.BoardError) as refused:
        board.apply(ana, world.canvas_id, "note:edit",
                    {"op_id": "e2", "note_id": note["id"], "text": "mine", "version": 1})
    assert refused.value.code == "conflict"
    assert refused.value.to_ack()["note"]["text"] == "v2"
    assert refused.value.to_ack()["note"]["version"] == 2
    assert db.session.get(Note, note["id"]).text == "v2"


def test_moves_and_colours_do_not_bump_the_text_version(world, ctx):
    ana = actor(world.join("Ana"))
    note = add(ana, world.canvas_id).envelope["data"]
    board.apply(ana, world.canvas_id, "note:move", {"op_id": "m", "note_id": note["id"], "block": "costs"})
    board.apply(ana, world.canvas_id, "note:color", {"op_id": "c", "note_id": note["id"], "color": "blue"})
    edited = board.apply(ana, world.canvas_id, "note:edit",
                         {"op_id": "e", "note_id": note["id"], "text": "ok", "version": 1})
    data = edited.envelope["data"]
    assert (data["block"], data["color"], data["text"], data["version"]) == ("costs", "blue", "ok", 2)


def test_move_to_an_index_orders_notes(world, ctx):
    ana = actor(world.join("Ana"))
    a, b, c = (add(ana, world.canvas_id, t).envelope["data"]["id"] for t in "abc")
    board.apply(ana, world.canvas_id, "note:move", {"op_id": "m", "note_id": c, "block": "problem", "index": 0})
    snap = board.snapshot(ana, world.canvas_id)
    assert [n["text"] for n in snap["notes"] if n["block"] == "problem"] == ["c", "a", "b"]
    board.apply(ana, world.canvas_id, "note:move", {"op_id": "m2", "note_id": c, "block": "problem", "index": 1})
    snap = board.snapshot(ana, world.canvas_id)
    assert [n["text"] for n in snap["notes"] if n["block"] == "problem"] == ["a", "c", "b"]
    assert {a, b} <= {n["id"] for n in snap["notes"]}


def test_participants_change_only_their_own_notes(world, ctx):
    ana, ben = actor(world.join("Ana")), actor(world.join("Ben"))
    note = add(ana, world.canvas_id).envelope["data"]
    before = counts()
    for name, payload in [
        ("note:edit", {"op_id": "1", "note_id": note["id"], "text": "x", "version": 1}),
        ("note:move", {"op_id": "2", "note_id": note["id"], "block": "costs"}),
        ("note:color", {"op_id": "3", "note_id": note["id"], "color": "pink"}),
        ("note:delete", {"op_id": "4", "note_id": note["id"]}),
    ]:
        with pytest.raises(board.BoardError) as refused:
            board.apply(ben, world.canvas_id, name, payload)
        assert refused.value.code == "forbidden"
    assert counts() == before


def test_facilitator_seat_can_change_any_note(app, world, ctx):
    from facilitator.board.workshops import facilitator_seat
    from facilitator.models import Facilitator

    ana = actor(world.join("Ana"))
    note = add(ana, world.canvas_id).envelope["data"]
    seat, token = facilitator_seat(db.session.get(Facilitator, world.facilitator_id),
                                   db.session.get(Workshop, world.workshop_id))
    assert seat.is_facilitator and board.resolve_token(token) == seat
    board.apply(seat, world.canvas_id, "note:delete", {"op_id": "d", "note_id": note["id"]})
    assert board.snapshot(ana, world.canvas_id)["notes"] == []


def test_other_workshop_cannot_read_or_write(app, ctx):
    first = World(app, email="a@example.org")
    second = World(app, email="b@example.org")
    ana = actor(first.join("Ana"))
    outsider = actor(second.join("Eve"))
    note = add(ana, first.canvas_id).envelope["data"]
    for call in (
        lambda: board.snapshot(outsider, first.canvas_id),
        lambda: board.sync(outsider, first.canvas_id, 0),
        lambda: add(outsider, first.canvas_id),
        lambda: board.apply(outsider, second.canvas_id, "note:delete", {"op_id": "x", "note_id": note["id"]}),
    ):
        with pytest.raises(board.BoardError) as refused:
            call()
        assert refused.value.code == "not_found"
    assert counts() == (1, 1)


def test_sync_returns_missed_events_or_a_snapshot(app, world, ctx):
    ana = actor(world.join("Ana"))
    for i in range(10):
        add(ana, world.canvas_id, f"n{i}")
    missed = board.sync(ana, world.canvas_id, 7)
    assert missed["mode"] == "events" and [e["seq"] for e in missed["events"]] == [8, 9, 10]
    assert board.sync(ana, world.canvas_id, 10)["events"] == []
    assert board.sync(ana, world.canvas_id, None)["mode"] == "snapshot"
    assert board.sync(ana, world.canvas_id, 99)["mode"] == "snapshot"  # ahead of the server
    limit = app.config["RESYNC_MAX_EVENTS"]
    for i in range(limit):
        add(ana, world.canvas_id, f"m{i}")
    far = board.sync(ana, world.canvas_id, 1)
    assert far["mode"] == "snapshot" and len(far["notes"]) == 10 + limit and far["seq"] == 10 + limit


def test_deleted_notes_leave_the_snapshot_but_stay_in_the_database(world, ctx):
    ana = actor(world.join("Ana"))
    note = add(ana, world.canvas_id).envelope["data"]
    board.apply(ana, world.canvas_id, "note:delete", {"op_id": "d", "note_id": note["id"]})
    assert board.snapshot(ana, world.canvas_id)["notes"] == []
    assert db.session.get(Note, note["id"]).deleted_at is not None
    with pytest.raises(board.BoardError) as refused:
        board.apply(ana, world.canvas_id, "note:edit", {"op_id": "e", "note_id": note["id"], "text": "x",
                                                        "version": 1})
    assert refused.value.code == "not_found"


def test_join_validation(world, ctx):
    with pytest.raises(board.BoardError) as refused:
        join_workshop(parse(JoinWorkshop, {"code": world.code, "name": "x" * 81}))
    assert refused.value.code == "too_large"
    with pytest.raises(board.BoardError) as refused:
        join_workshop(parse(JoinWorkshop, {"code": world.code, "name": "   "}))
    assert refused.value.code == "invalid"
    with pytest.raises(board.BoardError) as refused:
        join_workshop(parse(JoinWorkshop, {"code": "ZZZZZZ", "name": "Ana"}))
    assert refused.value.code == "not_found"
    participant, _token = join_workshop(parse(JoinWorkshop, {"code": world.code.lower(), "name": "  Ana   María "}))
    assert participant.name == "Ana María"


def test_closed_workshop_refuses_joins_and_changes(world, ctx):
    ana = actor(world.join("Ana"))
    note = add(ana, world.canvas_id).envelope["data"]
    db.session.get(Workshop, world.workshop_id).status = "closed"
    db.session.commit()
    with pytest.raises(board.BoardError) as refused:
        board.apply(ana, world.canvas_id, "note:delete", {"op_id": "d", "note_id": note["id"]})
    assert refused.value.code == "locked"
    with pytest.raises(board.BoardError):
        join_workshop(parse(JoinWorkshop, {"code": world.code, "name": "Late"}))
    assert board.snapshot(ana, world.canvas_id)["notes"][0]["id"] == note["id"]


def test_bad_tokens_are_refused(world, ctx):
    for token in (None, "", "short", "x" * 300, "f.1.bad", 42, "a" * 43):
        with pytest.raises(board.BoardError) as refused:
            board.resolve_token(token)
        assert refused.value.code == "forbidden"
