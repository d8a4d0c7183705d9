"""Focus for every table at once (issue 11, item 3): ``focus:table`` invites the people
of one table to a block of their own canvas. The control room sends it once per table,
so the log holds one event per table; the board refuses a block a canvas does not have
and a canvas outside the workshop, changing nothing.

Against the domain core on a real database, then over the live protocol with the
Flask-SocketIO test client."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from facilitator import board, catalog_of
from facilitator.board.schemas import NewCanvases
from facilitator.board.workshops import add_canvases
from facilitator.extensions import db
from facilitator.models import Event, Workshop

from .conftest import World, received

pytestmark = pytest.mark.backends


def op(**fields) -> dict:
    return {"op_id": uuid.uuid4().hex, **fields}


@pytest.fixture
def tables(app) -> World:
    """Three tables on the Public Policy Lean Canvas and a fourth on the Empathy Map
    (which has no block "problem")."""
    world = World(app, canvases=3)
    with app.app_context():
        workshop = db.session.get(Workshop, world.workshop_id)
        (empathy,) = add_canvases(catalog_of(app), workshop,
                                  NewCanvases(template_id="empathy-map", name="Mapa", count=1))
        world.canvas_ids.append(empathy.id)
    return world


def focus_now(world: World):
    db.session.rollback()
    return db.session.get(Workshop, world.workshop_id).focus


def workshop_events() -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.canvas_id.is_(None)).order_by(Event.seq)))


def test_each_table_gets_its_block_with_one_event_per_table(tables, ctx):
    host = board.resolve_token(tables.seat())
    first, second, third, empathy = tables.canvas_ids
    changes = [board.apply(host, None, "focus:table", op(canvas_id=canvas, block="problem"))
               for canvas in (first, second, third)]
    changes.append(board.apply(host, None, "focus:table", op(canvas_id=empathy, block="pains")))
    assert focus_now(tables) == {"tables": {str(first): "problem", str(second): "problem",
                                            str(third): "problem", str(empathy): "pains"}}
    # One workshop event per table, numbered in turn, each carrying the whole state so far.
    events = workshop_events()
    assert [e.type for e in events] == ["workshop.focus"] * 4
    assert [c.seq for c in changes] == [e.seq for e in events] == sorted({e.seq for e in events})
    assert events[0].data["focus"] == {"tables": {str(first): "problem"}}
    assert changes[-1].envelope["data"]["focus"] == focus_now(tables)

    # Ending one table's focus leaves the others; ending the last leaves no focus at all.
    board.apply(host, None, "focus:table", op(canvas_id=second, block=None))
    assert focus_now(tables) == {"tables": {str(first): "problem", str(third): "problem", str(empathy): "pains"}}
    for canvas in (first, third, empathy):
        board.apply(host, None, "focus:table", op(canvas_id=canvas, block=None))
    assert focus_now(tables) is None


def test_a_block_the_canvas_lacks_or_a_canvas_outside_the_workshop_changes_nothing(app, tables, ctx):
    host = board.resolve_token(tables.seat())
    first, _second, _third, empathy = tables.canvas_ids
    board.apply(host, None, "focus:table", op(canvas_id=first, block="solution"))
    before = (focus_now(tables), db.session.scalar(select(func.count(Event.id))))
    other = World(app, email="otra@example.org")

    refusals = [
        (op(canvas_id=empathy, block="problem"), "invalid", "block"),  # the Empathy Map has no "problem"
        (op(canvas_id=first, block="no_such_block"), "invalid", "block"),
        (op(canvas_id=other.canvas_id, block="problem"), "not_found", None),  # another workshop's canvas
        (op(canvas_id=2**31 - 1, block="problem"), "not_found", None),
        (op(canvas_id=first), "invalid", "block"),  # the block must be named (null to end)
        (op(canvas_id=first, block="Problema"), "invalid", "block"),  # ids, not titles
    ]
    for payload, code, field in refusals:
        with pytest.raises(board.BoardError) as refused:
            board.apply(host, None, "focus:table", payload)
        assert refused.value.code == code, (payload, refused.value.code)
        assert refused.value.extra.get("field") == field, payload
        if code == "invalid" and payload.get("block") == "problem":
            assert "problem" in str(refused.value.message)  # says which block is missing
        assert (focus_now(tables), db.session.scalar(select(func.count(Event.id)))) == before, payload

    # A participant may not; a closed workshop changes no more.
    ana = board.resolve_token(tables.join("Ana"))
    with pytest.raises(board.BoardError) as refused:
        board.apply(ana, first, "focus:table", op(canvas_id=first, block="problem"))
    assert refused.value.code == "forbidden"
    board.apply(host, None, "workshop:close", op())
    closed = (focus_now(tables), db.session.scalar(select(func.count(Event.id))))
    with pytest.raises(board.BoardError) as refused:
        board.apply(host, None, "focus:table", op(canvas_id=first, block="problem"))
    assert refused.value.code == "locked"
    assert (focus_now(tables), db.session.scalar(select(func.count(Event.id)))) == closed


def test_a_place_for_everyone_and_the_tables_focus_replace_each_other(tables, ctx):
    host = board.resolve_token(tables.seat())
    first, second, *_ = tables.canvas_ids
    board.apply(host, None, "focus:set", op(canvas_id=first, block="value"))
    assert focus_now(tables)["canvas_id"] == first
    board.apply(host, None, "focus:table", op(canvas_id=second, block="problem"))
    assert focus_now(tables) == {"tables": {str(second): "problem"}}
    board.apply(host, None, "focus:set", op(canvas_id=first, block="value"))
    assert focus_now(tables) == {"canvas_id": first, "block": "value", "canvas_name": "Mesa 1"}
    board.apply(host, None, "focus:table", op(canvas_id=first, block=None))  # ending it at a table ends the place too
    assert focus_now(tables) is None
    # The old way still clears everything.
    board.apply(host, None, "focus:table", op(canvas_id=second, block="problem"))
    board.apply(host, None, "focus:set", op())
    assert focus_now(tables) is None


def test_a_repeated_op_id_is_applied_once(tables, ctx):
    host = board.resolve_token(tables.seat())
    first, second, *_ = tables.canvas_ids
    payload = op(canvas_id=first, block="problem")
    original = board.apply(host, None, "focus:table", payload)
    board.apply(host, None, "focus:table", op(canvas_id=second, block="problem"))
    again = board.apply(host, None, "focus:table", payload)
    assert again.replayed and again.ack() == original.ack()
    assert [e.op_id for e in workshop_events()].count(payload["op_id"]) == 1


# ---- over the live protocol ------------------------------------------------------------


def test_the_people_of_each_table_hear_their_block_and_a_refusal_is_heard_by_no_one(tables):
    first, second, third, empathy = tables.canvas_ids
    room = tables.socket(tables.seat())
    assert room.emit("workshop:watch", {}, callback=True)["ok"]
    ana = tables.socket(tables.join("Ana"), first)
    ben = tables.socket(tables.join("Ben"), second)
    cleo = tables.socket(tables.join("Cleo"), third)
    for client in (room, ana, ben, cleo):
        client.get_received()

    acks = [room.emit("focus:table", op(canvas_id=canvas, block="problem"), callback=True)
            for canvas in (first, second)]
    assert all(ack["ok"] for ack in acks), acks
    assert [ack["event"]["type"] for ack in acks] == ["workshop.focus"] * 2
    both = {"tables": {str(first): "problem", str(second): "problem"}}
    for client in (ana, ben, cleo, room):
        events = received(client, "workshop")
        assert [e["data"]["focus"] for e in events] == [{"tables": {str(first): "problem"}}, both]
        assert [e["version"] for e in events] == [ack["event"]["version"] for ack in acks]

    # A block the Empathy Map lacks: an error ack naming the field, and nothing is broadcast.
    refused = room.emit("focus:table", op(canvas_id=empathy, block="problem"), callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == "invalid", refused
    assert refused["field"] == "block" and "problem" in refused["error"]["message"]
    refused = room.emit("focus:table", op(canvas_id=first, block="problem", extra=True), callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == "invalid", refused
    assert not any(received(client, "workshop") for client in (ana, ben, cleo, room))
    # A participant is refused too.
    refused = ana.emit("focus:table", op(canvas_id=first, block="solution"), callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden"

    # Someone opening the canvas later gets the tables' focus in the join ack.
    late = tables.socket(tables.join("Dora"), second)
    assert late.join_ack["workshop"]["focus"] == both
