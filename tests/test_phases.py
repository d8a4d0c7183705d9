"""Running a workshop by a recipe over the live protocol: choosing it, next and previous
phase applied to every table (or the chosen ones) as control operations in the log, and
what participants may do in each phase, refused on the server with a clear ack."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from facilitator.extensions import db
from facilitator.models import Canvas, Event, Note, Workshop

from .conftest import World, ok, op, received, refused

RECIPE = "public-policy-lean-canvas-90"


@pytest.fixture
def tables(app):
    """Three tables of the Public Policy Lean Canvas; the facilitator, Ana at table 1, Ben at table 2."""
    world = World(app, canvases=3)
    fac = world.socket(world.seat())
    ana = world.socket(world.join("Ana", "MEF"), world.canvas_ids[0])
    ben = world.socket(world.join("Ben", "PCM"), world.canvas_ids[1])
    for s in (fac, ana, ben):
        s.get_received()
    return world, fac, ana, ben


def canvases(app, world) -> list[Canvas]:
    with app.app_context():
        rows = [db.session.get(Canvas, c) for c in world.canvas_ids]
        for row in rows:
            db.session.expunge(row)
        return rows


def events(app, world) -> list[tuple[int | None, str]]:
    with app.app_context():
        return [(e.canvas_id, e.type) for e in db.session.scalars(
            select(Event).where(Event.workshop_id == world.workshop_id).order_by(Event.id))]


def recipe(app, world) -> dict | None:
    with app.app_context():
        return db.session.get(Workshop, world.workshop_id).recipe


def test_choosing_a_recipe_is_a_workshop_event_with_its_agenda(app, tables):
    world, fac, ana, _ben = tables
    refused(fac, "recipe:choose", op(recipe_id="no-such-recipe"), "invalid")
    refused(ana, "recipe:choose", op(recipe_id=RECIPE), "forbidden")
    assert recipe(app, world) is None and events(app, world) == []
    ack = ok(fac, "recipe:choose", op(recipe_id=RECIPE))
    state = ack["event"]["data"]["recipe"]
    assert ack["event"]["type"] == "workshop.recipe"
    assert state["phase"] is None and len(state["agenda"]) == 7
    assert state["agenda"][0]["name"]["es"] == "Problema: escritura en silencio"
    assert received(ana, "workshop")[-1]["data"]["recipe"]["id"] == RECIPE
    # Nothing was applied to a table yet: choosing is not starting.
    assert all(not c.hidden and c.timer is None for c in canvases(app, world))
    ok(fac, "recipe:choose", op(recipe_id=None))
    assert recipe(app, world) is None


def test_next_phase_without_a_recipe_or_beyond_its_ends_is_refused(app, tables):
    world, fac, _ana, _ben = tables
    refused(fac, "phase:next", op(), "invalid")
    ok(fac, "recipe:choose", op(recipe_id=RECIPE))
    refused(fac, "phase:previous", op(), "invalid")
    for _ in range(7):
        ok(fac, "phase:next", op())
    before = events(app, world)
    ack = refused(fac, "phase:next", op(), "invalid")
    assert "last phase" in ack["error"]["message"] or "última" in ack["error"]["message"]
    assert events(app, world) == before


def test_the_whole_arc_drives_every_table_through_the_existing_controls(app, tables):
    world, fac, ana, ben = tables
    t1, t2, t3 = world.canvas_ids
    ok(fac, "recipe:choose", op(recipe_id=RECIPE))
    start = len(events(app, world))

    # 1. Silent writing, anonymous, on the problem, 8 minutes that lock when up.
    ack = ok(fac, "phase:next", op(from_phase=-1))
    assert ack["event"]["type"] == "workshop.phase"
    assert ack["event"]["data"]["phase_tables"] == [t1, t2, t3]
    assert ack["event"]["data"]["recipe"]["phase"] == 0
    for canvas in canvases(app, world):
        assert canvas.hidden and canvas.anonymous
        assert canvas.timer["duration_ms"] == 8 * 60_000 and canvas.timer["lock_on_end"]
    logged = events(app, world)[start:]
    assert logged[0] == (None, "workshop.phase")
    for table in (t1, t2, t3):  # one ordinary control event per setting and table
        assert {(table, "canvas.hidden"), (table, "canvas.anonymous"), (table, "canvas.timer")} <= set(logged)
    assert sum(1 for e in logged if e == (None, "workshop.focus")) == 3
    with app.app_context():
        assert db.session.get(Workshop, world.workshop_id).focus == {
            "tables": {str(t): "problem" for t in (t1, t2, t3)}}
    # Participants see the changes as they happen (the controls reach their table).
    assert any(c["type"] == "canvas.hidden" for c in received(ana))
    secret = ok(ana, "note:add", op(block="problem", text="Colas largas en el hospital"))["event"]["data"]
    refused(ana, "note:move", op(note_id=secret["id"], block="population"), "locked")

    # 2. Reveal and group: the hidden notes are shown; no new notes.
    ok(fac, "phase:next", op(from_phase=0))
    with app.app_context():
        assert db.session.get(Note, secret["id"]).hidden is False
    assert all(not c.hidden for c in canvases(app, world))
    ack = refused(ana, "note:add", op(block="problem", text="tarde"), "locked")
    assert "Revelar y agrupar" in ack["error"]["message"]
    ok(ana, "note:move", op(note_id=secret["id"], block="alternatives"))

    # 3. The vote: a round with the recipe's budget on the problem block.
    ok(fac, "phase:next", op(from_phase=1))
    opened = [c for c in received(ben) if c["type"] == "vote.opened"]
    assert len(opened) == 1, "Ben's table saw its vote open"
    assert opened[0]["data"]["round"]["budget"] == 3 and opened[0]["data"]["round"]["blocks"] == ["problem"]
    refused(ana, "note:add", op(block="problem"), "locked")
    mine = ok(fac, "note:add", op(block="problem", text="nota de la facilitadora"))  # facilitators may
    refused(ana, "note:edit", op(note_id=secret["id"], text="x", version=2), "locked")
    ok(ana, "vote:add", op(note_id=mine["event"]["data"]["id"]))

    # 4. Population and value: the vote is closed and published; problem blocks locked.
    ok(fac, "phase:next", op(from_phase=2))
    assert any(c["type"] == "vote.closed" for c in received(ana))
    for canvas in canvases(app, world):
        assert sorted(canvas.locked_blocks) == ["alternatives", "problem"]
    refused(ana, "note:add", op(block="problem"), "locked")
    ok(ana, "note:add", op(block="population", text="Personas mayores"))
    refused(ana, "vote:add", op(note_id=mine["event"]["data"]["id"]), "locked")

    # Back to the vote: the locks go, a new round opens, adding is refused again.
    ok(fac, "phase:previous", op(from_phase=3))
    for canvas in canvases(app, world):
        assert canvas.locked_blocks == []
    assert any(c["type"] == "vote.opened" for c in received(ana))
    refused(ana, "note:add", op(block="population"), "locked")
    ok(ana, "vote:add", op(note_id=mine["event"]["data"]["id"]))


def test_a_phase_can_go_to_chosen_tables_only(app, tables):
    world, fac, ana, ben = tables
    t1, t2, _t3 = world.canvas_ids
    ok(fac, "recipe:choose", op(recipe_id=RECIPE))
    ack = ok(fac, "phase:next", op(canvas_ids=[t1]))
    assert ack["event"]["data"]["recipe"]["tables"] == {str(t1): 0}
    c1, c2, c3 = canvases(app, world)
    assert c1.hidden and not c2.hidden and not c3.hidden and c2.timer is None
    # Ben's table follows no phase yet: nothing of the recipe limits him.
    note = ok(ben, "note:add", op(block="problem"))["event"]["data"]
    ok(ben, "note:move", op(note_id=note["id"], block="population"))
    first = ok(ana, "note:add", op(block="problem"))["event"]["data"]
    refused(ana, "note:move", op(note_id=first["id"], block="population"), "locked")
    # A canvas the recipe does not run on (another workshop's is not even found).
    refused(fac, "phase:next", op(canvas_ids=[t2, 999_999]), "not_found")
    assert recipe(app, world)["phase"] == 0


def test_a_canvas_of_another_template_is_not_driven(app):
    world = World(app, template_id="lean-canvas", canvases=1)
    fac = world.socket(world.seat())
    ok(fac, "recipe:choose", op(recipe_id=RECIPE))
    ack = refused(fac, "phase:next", op(), "invalid")
    assert ack["error"]["message"]
    ack = refused(fac, "phase:next", op(canvas_ids=[world.canvas_id]), "invalid")
    assert ack["field"] == "canvas_ids"
    assert recipe(app, world)["phase"] is None


def test_a_step_from_a_phase_the_room_has_left_is_refused_not_doubled(app, tables):
    world, fac, _ana, _ben = tables
    other = world.socket(world.seat())
    ok(fac, "recipe:choose", op(recipe_id=RECIPE))
    ok(fac, "phase:next", op(from_phase=-1))
    before = events(app, world)
    refused(other, "phase:next", op(from_phase=-1), "conflict")  # both clicked "next" on the same screen
    assert events(app, world) == before and recipe(app, world)["phase"] == 0


def test_a_retried_phase_change_does_nothing_twice(app, tables):
    world, fac, _ana, _ben = tables
    ok(fac, "recipe:choose", op(recipe_id=RECIPE))
    step = op(from_phase=-1)
    first = ok(fac, "phase:next", step)
    before = events(app, world)
    again = ok(fac, "phase:next", step)
    assert again["event"]["version"] == first["event"]["version"]
    assert events(app, world) == before and recipe(app, world)["phase"] == 0


def test_a_page_loaded_mid_phase_shows_that_phase(app, tables):
    world, fac, _ana, _ben = tables
    ok(fac, "recipe:choose", op(recipe_id=RECIPE))
    ok(fac, "phase:next", op())
    ok(fac, "phase:next", op())
    late = world.socket(world.join("Caro"), world.canvas_ids[2])
    state = late.join_ack["workshop"]["recipe"]
    assert state["phase"] == 1 and state["tables"][str(world.canvas_ids[2])] == 1
    phase = state["phases"]["1"]
    assert phase["name"]["es"] == "Revelar y agrupar"
    assert phase["instruction"]["en"].startswith("Read everyone's notes")
    assert phase["allow"] == ["edit", "move", "group"]
    assert state["started_at"] > 0 and [p["minutes"] for p in state["agenda"]][:2] == [8, 10]
    assert set(state["phases"]) == {"1"}  # only the phases in play travel with every event


def test_a_phase_never_ends_anonymity(app):
    world = World(app, template_id="culture-design-canvas", canvases=2)
    fac = world.socket(world.seat())
    ok(fac, "recipe:choose", op(recipe_id="culture-design-session"))
    for _ in range(5):  # the last phase does not ask for anonymity
        ok(fac, "phase:next", op())
    assert all(c.anonymous for c in canvases(app, world))
    with app.app_context():
        assert db.session.scalar(select(func.count(Event.id)).where(Event.type == "canvas.anonymous")) == 2


def test_the_refusal_names_the_phase_in_the_language_of_the_connection(app, tables):
    world, fac, _ana, _ben = tables
    ok(fac, "recipe:choose", op(recipe_id=RECIPE))
    ok(fac, "phase:next", op())
    ok(fac, "phase:next", op())
    from facilitator.extensions import socketio

    eve = socketio.test_client(app, auth={"token": world.join("Eve"), "lang": "en"})
    assert eve.emit("canvas:join", {"canvas_id": world.canvas_id}, callback=True)["ok"]
    ack = refused(eve, "note:add", op(block="problem"), "locked")
    assert "Reveal and group" in ack["error"]["message"] and "no notes are added" in ack["error"]["message"]
