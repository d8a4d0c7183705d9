"""Stacks over the live protocol: a participant stacks a note onto another, names the stack
and takes a note out, only in a phase that allows grouping (refused otherwise, changing
nothing); the facilitator always, and alone merges duplicates; dots go to stacks and the
results count a stack as one item."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from facilitator.extensions import db
from facilitator.models import Cluster, Event, Note, Vote

from .conftest import World, ok, op, received, refused

RECIPE = "public-policy-lean-canvas-90"  # phase 0 silent writing, 1 "Reveal and group", 2 vote


@pytest.fixture
def room(app):
    """One table: the facilitator, Ana and Ben, and three notes of the problem block (two by Ana)."""
    world = World(app)
    fac = world.socket(world.seat())
    ana = world.socket(world.join("Ana", "MEF"))
    ben = world.socket(world.join("Ben", "PCM"))
    notes = [ok(who, "note:add", op(block="problem", text=text))["event"]["data"]["id"]
             for who, text in ((ana, "Colas largas en la ventanilla"), (ana, "Esperas"), (ben, "Trámites lentos"))]
    for s in (fac, ana, ben):
        s.get_received()
    return world, fac, ana, ben, notes


def state(app, world) -> tuple[dict, dict, int]:
    """Each note's stack, each stack's title, and how many events the canvas has."""
    with app.app_context():
        db.session.rollback()
        members = dict(db.session.execute(select(Note.id, Note.cluster_id).filter_by(canvas_id=world.canvas_id)).all())
        titles = dict(db.session.execute(select(Cluster.id, Cluster.title).filter_by(canvas_id=world.canvas_id)).all())
        count = db.session.scalar(select(func.count(Event.id)).filter_by(canvas_id=world.canvas_id))
        return members, titles, count


def to_grouping(fac, phases: int = 2) -> None:
    ok(fac, "recipe:choose", op(recipe_id=RECIPE))
    for _ in range(phases):
        ok(fac, "phase:next", op())


STACKING = [
    ("note:stack", lambda n: op(note_id=n[1], onto=n[0])),
    ("note:unstack", lambda n: op(note_id=n[2])),
    ("stack:rename", lambda n: op(cluster_id=n[3], title="Colas")),
]


def _with_a_stack(app, world, fac, notes) -> list:
    """``notes`` plus the id of a stack (the facilitator stacks the third note onto the first)."""
    ack = ok(fac, "note:stack", op(note_id=notes[2], onto=notes[0]))
    return [*notes, ack["event"]["data"]["clusters"][0]["id"]]


@pytest.mark.parametrize("name,payload", STACKING, ids=[n for n, _ in STACKING])
def test_a_participant_may_not_stack_outside_a_grouping_phase(app, room, name, payload):
    world, fac, ana, _ben, notes = room
    notes = _with_a_stack(app, world, fac, notes)
    before = state(app, world)
    # No recipe: grouping stays the facilitator's.
    ack = refused(ana, name, payload(notes), "forbidden")
    assert "fase" in ack["error"]["message"]  # "only in a phase that allows it", in Spanish
    assert state(app, world) == before
    # A phase that does not allow it (silent writing): refused, naming the phase.
    to_grouping(fac, phases=1)
    before = state(app, world)
    ack = refused(ana, name, payload(notes), "locked")
    assert "Problema: escritura en silencio" in ack["error"]["message"]
    assert state(app, world) == before


@pytest.mark.parametrize("name,payload", STACKING, ids=[n for n, _ in STACKING])
def test_a_participant_may_stack_in_a_grouping_phase(app, room, name, payload):
    world, fac, ana, ben, notes = room
    notes = _with_a_stack(app, world, fac, notes)
    to_grouping(fac)
    ben.get_received()
    ack = ok(ana, name, payload(notes))
    assert ack["event"]["type"].startswith("stack.")
    assert received(ben)[-1]["seq"] == ack["seq"]


def test_stack_rename_and_take_out(app, room):
    world, fac, ana, ben, (a1, a2, b1) = room
    to_grouping(fac)
    ana.get_received()
    # Ana drops Ben's note onto hers: a new stack of the two, named after hers.
    ack = ok(ana, "note:stack", op(note_id=b1, onto=a1))
    data = ack["event"]["data"]
    stack = data["clusters"][0]
    assert stack["title"] == "Colas largas en la ventanilla" and stack["block"] == "problem"
    assert data["members"] == {a1: stack["id"], b1: stack["id"]} and data["dissolved"] == []
    assert received(ben)[-1]["data"] == data
    # Ben drops another onto a stacked note: it joins the stack.
    data = ok(ben, "note:stack", op(note_id=a2, onto=b1))["event"]["data"]
    assert data["members"] == {a2: stack["id"]}
    ok(ben, "stack:rename", op(cluster_id=stack["id"], title="Esperas y colas"))
    members, titles, _ = state(app, world)
    assert titles == {stack["id"]: "Esperas y colas"}
    assert members == {a1: stack["id"], a2: stack["id"], b1: stack["id"]}
    # Taking two out: the stack left with one note dissolves.
    ok(ana, "note:unstack", op(note_id=a2))
    data = ok(ana, "note:unstack", op(note_id=a1))["event"]["data"]
    assert data["dissolved"] == [stack["id"]] and data["members"] == {a1: None, b1: None}
    members, titles, _ = state(app, world)
    assert titles == {} and set(members.values()) == {None}
    # The snapshot shows stacks.
    stack = ok(ana, "note:stack", op(note_id=a2, onto=a1, title="Esperas"))["event"]["data"]["clusters"][0]
    snapshot = ok(ben, "canvas:resync", {"last_seq": None})
    assert snapshot["clusters"] == [stack]
    assert {n["id"]: n["cluster_id"] for n in snapshot["notes"]}[a2] == stack["id"]


def test_bad_stacking_is_refused_and_changes_nothing(app, room):
    world, fac, ana, _ben, (a1, a2, b1) = room
    to_grouping(fac)
    ok(ana, "note:stack", op(note_id=a2, onto=a1))
    other = ok(fac, "note:add", op(block="solution", text="otra"))["event"]["data"]["id"]
    before = state(app, world)
    refused(ana, "note:stack", op(note_id=a1, onto=a1), "invalid")
    refused(ana, "note:stack", op(note_id=a1, onto=a2), "invalid")  # already together
    refused(ana, "note:stack", op(note_id=other, onto=a1), "invalid")  # another block
    refused(ana, "note:stack", op(note_id=b1, onto="00000000-0000-4000-8000-000000000000"), "not_found")
    refused(ana, "note:unstack", op(note_id=b1), "invalid")  # in no stack
    refused(ana, "stack:rename", op(cluster_id=999_999, title="x"), "not_found")
    refused(ana, "stack:rename", op(cluster_id=1, title=""), "invalid")
    assert state(app, world) == before


def test_a_locked_block_or_closed_workshop_refuses_stacking(app, room):
    world, fac, ana, _ben, (a1, a2, _b1) = room
    to_grouping(fac)
    ok(fac, "canvas:lock", op(canvas_id=world.canvas_id, locked=True, block="problem"))
    before = state(app, world)
    refused(ana, "note:stack", op(note_id=a2, onto=a1), "locked")
    assert state(app, world) == before
    ok(fac, "note:stack", op(note_id=a2, onto=a1))  # the facilitator still groups


def test_hidden_notes_are_not_stacked(app, room):
    world, fac, ana, ben, (a1, _a2, _b1) = room
    ok(fac, "canvas:hidden", op(canvas_id=world.canvas_id, value=True))
    secret = ok(ana, "note:add", op(block="problem", text="secreta"))["event"]["data"]["id"]
    refused(fac, "note:stack", op(note_id=secret, onto=a1), "invalid")
    refused(ben, "note:stack", op(note_id=a1, onto=secret), "not_found")


def test_stacking_on_an_anonymous_canvas_names_no_one(app, room):
    world, fac, ana, ben, (a1, a2, _b1) = room
    ok(fac, "canvas:anonymous", op(canvas_id=world.canvas_id, value=True))
    to_grouping(fac)
    ben.get_received()
    ack = ok(ana, "note:stack", op(note_id=a2, onto=a1))
    assert ack["event"]["actor"]["name"] == "Ana"  # the sender knows who it is
    public = received(ben)[-1]
    assert public["actor"] is None and public["data"] == ack["event"]["data"]


def test_the_facilitator_merges_duplicates(app, room):
    world, fac, ana, _ben, (a1, a2, b1) = room
    a3 = ok(ana, "note:add", op(block="problem", text="Colas"))["event"]["data"]["id"]
    one = ok(fac, "note:stack", op(note_id=a2, onto=a1))["event"]["data"]["clusters"][0]["id"]
    two = ok(fac, "note:stack", op(note_id=a3, onto=b1))["event"]["data"]["clusters"][0]["id"]
    to_grouping(fac)
    before = state(app, world)
    refused(ana, "stack:merge", op(cluster_id=two, into=one), "forbidden")  # even in a grouping phase
    refused(fac, "stack:merge", op(cluster_id=one, into=one), "invalid")
    refused(fac, "stack:merge", op(into=one), "invalid")
    assert state(app, world) == before
    data = ok(fac, "stack:merge", op(cluster_id=two, into=one))["event"]["data"]
    assert data["dissolved"] == [two] and data["members"] == {b1: one, a3: one}
    members, titles, _ = state(app, world)
    assert set(titles) == {one} and set(members.values()) == {one}
    # A single note into a stack, too.
    ok(fac, "note:unstack", op(note_id=b1))
    data = ok(fac, "stack:merge", op(note_id=b1, into=one))["event"]["data"]
    assert data["members"] == {b1: one}


def _vote_round(fac, world) -> None:
    ok(fac, "vote:open", op(canvas_id=world.canvas_id, budget=5, max_per_note=3))


def test_votes_go_to_stacks_and_results_count_a_stack_as_one(app, room):
    world, fac, ana, ben, (a1, a2, b1) = room
    stack = ok(fac, "note:stack", op(note_id=a2, onto=a1))["event"]["data"]["clusters"][0]["id"]
    _vote_round(fac, world)
    # Ben: two dots on the stack, one on Ana's note inside it; Ana: one on Ben's note.
    ack = ok(ben, "vote:add", op(cluster_id=stack))
    assert ack["event"]["data"]["mine_stacks"] == {str(stack): 1} and ack["event"]["data"]["remaining"] == 4
    ok(ben, "vote:add", op(cluster_id=stack))
    ok(ben, "vote:add", op(note_id=a1))
    ok(ana, "vote:add", op(note_id=b1))
    refused(ben, "vote:add", op(note_id=a1, cluster_id=stack), "invalid")
    refused(ben, "vote:add", op(), "invalid")
    refused(ben, "vote:add", op(cluster_id=999_999), "not_found")
    refused(fac, "vote:add", op(cluster_id=stack), "forbidden")
    ok(ben, "vote:add", op(cluster_id=stack))
    refused(ben, "vote:add", op(cluster_id=stack), "invalid")  # at most 3 per item
    ok(ben, "vote:remove", op(cluster_id=stack))
    mine = ok(ben, "canvas:resync", {"last_seq": None})["voting"]
    assert mine["mine_stacks"] == {str(stack): 2} and mine["remaining"] == 2
    closed = ok(fac, "vote:close", op(canvas_id=world.canvas_id))["event"]["data"]
    assert closed["stack_tallies"] == {str(stack): 2}
    assert closed["tallies"] == {a1: 1, b1: 1}
    assert closed["results"] == [{"stack": stack, "votes": 3}, {"note": b1, "votes": 1}]
    snapshot = ok(ana, "canvas:resync", {"last_seq": None})["voting"]
    assert snapshot["results"] == closed["results"] and snapshot["stack_tallies"] == closed["stack_tallies"]


def test_a_stack_that_dissolves_hands_its_dots_on(app, room):
    world, fac, ana, ben, (a1, a2, b1) = room
    a3 = ok(ana, "note:add", op(block="problem", text="Colas"))["event"]["data"]["id"]
    one = ok(fac, "note:stack", op(note_id=a2, onto=a1))["event"]["data"]["clusters"][0]["id"]
    two = ok(fac, "note:stack", op(note_id=a3, onto=b1))["event"]["data"]["clusters"][0]["id"]
    _vote_round(fac, world)
    ok(ben, "vote:add", op(cluster_id=one))
    ok(ana, "vote:add", op(cluster_id=two))
    ok(fac, "stack:merge", op(cluster_id=two, into=one))  # two's dot goes to one
    ok(fac, "note:unstack", op(note_id=a1))
    ok(fac, "note:unstack", op(note_id=b1))
    ok(fac, "note:unstack", op(note_id=a2))  # one is left with a3 alone: its dots go to a3
    with app.app_context():
        db.session.rollback()
        assert db.session.scalar(select(func.count(Cluster.id))) == 0
        dots = db.session.execute(select(Vote.note_id, Vote.cluster_id)).all()
    assert sorted(dots) == [(a3, None), (a3, None)]
