"""The facilitator's cockpit over the live protocol: locks, silent writing,
anonymity, voting, timers, focus, ready and hands, moderation."""

from __future__ import annotations

import json

import pytest

from facilitator import board
from facilitator.extensions import db, socketio
from facilitator.models import Event, Note, Vote

from .conftest import World, ok, op, received, refused

pytestmark = pytest.mark.backends

SECRET = "Propuesta secreta número 7"


@pytest.fixture
def room(world):
    """A facilitator and two participants on the same canvas."""
    fac = world.socket(world.seat())
    ana = world.socket(world.join("Ana", "MEF"))
    ben = world.socket(world.join("Ben", "PCM"))
    for s in (fac, ana, ben):
        s.get_received()
    return fac, ana, ben


def everything(client) -> str:
    """All a test client received, as one string, to search for leaks."""
    return json.dumps(client.get_received(), ensure_ascii=False)


# Every message only a facilitator may send, with a valid payload for this world.
def facilitator_messages(world, note_id, participant_id):
    canvas = world.canvas_id
    return [
        ("vote:open", op(canvas_id=canvas, budget=3, max_per_note=2)),
        ("vote:close", op(canvas_id=canvas)),
        ("canvas:lock", op(canvas_id=canvas, locked=True)),
        ("canvas:lock", op(canvas_id=canvas, locked=True, block="problem")),
        ("canvas:hidden", op(canvas_id=canvas, value=True)),
        ("canvas:reveal", op(canvas_id=canvas)),
        ("canvas:anonymous", op(canvas_id=canvas, value=True)),
        ("canvas:editable", op(canvas_id=canvas, value=True)),
        ("cluster:create", op(canvas_id=canvas, block="problem", title="Colas", note_ids=[note_id])),
        ("cluster:rename", op(canvas_id=canvas, cluster_id=1, title="x")),
        ("cluster:dissolve", op(canvas_id=canvas, cluster_id=1)),
        ("note:cluster", op(canvas_id=canvas, note_id=note_id, cluster_id=None)),
        ("timer:start", op(seconds=300)),
        ("timer:start", op(canvas_id=canvas, seconds=300, lock_on_end=True)),
        ("timer:change", op(action="stop")),
        ("focus:set", op(canvas_id=canvas, block="problem")),
        ("focus:table", op(canvas_id=canvas, block="problem")),
        ("projector:show", op(mode="canvas", canvas_id=canvas)),
        ("status:reset", op()),
        ("participant:remove", op(participant_id=participant_id)),
        ("workshop:institutions", op(value=False)),
        ("workshop:new_code", op()),
        ("workshop:close", op()),
        ("workshop:reopen", op()),
    ]


def test_every_facilitator_message_from_a_participant_is_forbidden_and_changes_nothing(app, world, room):
    _fac, ana, ben = room
    note = ok(ana, "note:add", op(block="problem", text="mía"))["event"]["data"]
    with app.app_context():
        before = (db.session.scalar(db.select(db.func.count(Event.id))), board.snapshot(
            board.resolve_token(world.seat()), world.canvas_id))
    ben_id = ben.join_ack["me"]["id"]
    for name, payload in facilitator_messages(world, note["id"], ben_id):
        refused(ana, name, payload, "forbidden")
    with app.app_context():
        after = (db.session.scalar(db.select(db.func.count(Event.id))), board.snapshot(
            board.resolve_token(world.seat()), world.canvas_id))
    assert after == before
    assert ben.emit("note:add", op(block="problem"), callback=True)["ok"]  # Ben was not removed


def test_hidden_notes_never_reach_another_participant_before_the_reveal(world, room):
    fac, ana, ben = room
    ok(fac, "canvas:hidden", op(canvas_id=world.canvas_id, value=True))
    ok(ana, "note:add", op(block="problem", text=SECRET))
    note = ok(ana, "note:add", op(block="problem", text="borrador"))["event"]["data"]
    ok(ana, "note:edit", op(note_id=note["id"], text=SECRET + " (editada)", version=1))
    ok(ana, "note:move", op(note_id=note["id"], block="population"))
    # Ben reconnects and resyncs: still nothing.
    late = world.socket(world.join("Caro"))
    resync = ben.emit("canvas:resync", {"last_seq": 0}, callback=True)
    snapshot = ben.emit("canvas:resync", {"last_seq": None}, callback=True)
    ben_saw = everything(ben) + json.dumps([resync, snapshot, late.join_ack], ensure_ascii=False)
    assert SECRET not in ben_saw and "borrador" not in ben_saw and "Ana" not in json.dumps(snapshot["notes"])
    assert "MEF" not in json.dumps(snapshot["notes"])
    hidden = [n for n in snapshot["notes"] if n.get("hidden")]
    assert {n["block"] for n in hidden} == {"problem", "population"} and len(hidden) == 2
    # The author and the facilitator do see the text.
    assert SECRET in everything(fac)
    assert SECRET in json.dumps(ana.emit("canvas:resync", {"last_seq": None}, callback=True), ensure_ascii=False)
    # Ben cannot reach the hidden note by id either.
    refused(ben, "note:editing", {"note_id": note["id"], "editing": True}, "not_found")
    ok(fac, "canvas:reveal", op(canvas_id=world.canvas_id))
    revealed = everything(ben)
    assert SECRET in revealed and SECRET + " (editada)" in revealed
    notes = ben.emit("canvas:resync", {"last_seq": None}, callback=True)["notes"]
    assert sorted(n["text"] for n in notes) == sorted([SECRET, SECRET + " (editada)"])
    assert all(n["author"]["name"] == "Ana" for n in notes)


def test_hidden_mode_gives_everyone_the_same_gapless_seq(world, room):
    fac, ana, ben = room
    ok(fac, "canvas:hidden", op(canvas_id=world.canvas_id, value=True))
    for i in range(3):
        ok(ana, "note:add", op(block="problem", text=f"s{i}"))
    seqs = [e["seq"] for e in received(ben)]
    assert seqs == [1, 2, 3, 4]
    private = received(fac, "change:private")
    assert [e["data"]["text"] for e in private] == ["s0", "s1", "s2"]


def test_anonymous_canvas_keeps_authors_from_other_participants(world, room):
    fac, ana, ben = room
    ok(fac, "canvas:anonymous", op(canvas_id=world.canvas_id, value=True))
    note = ok(ana, "note:add", op(block="problem", text="sin nombre"))["event"]["data"]
    ok(ana, "note:editing", {"note_id": note["id"], "editing": True})
    ben_saw = everything(ben) + json.dumps(ben.emit("canvas:resync", {"last_seq": None}, callback=True))
    assert "sin nombre" in ben_saw and '"name": "Ana"' not in ben_saw
    assert "MEF" in ben_saw  # the workshop shows institutions on anonymous canvases by default
    mine = ana.emit("canvas:resync", {"last_seq": None}, callback=True)["notes"][0]
    assert mine["author"]["name"] == "Ana"


def test_ending_anonymity_gives_everyone_the_authors_back(world, room):
    """Someone who saw the notes only while the canvas was anonymous learns their authors when it ends,
    without reloading; a note still hidden by silent writing stays hidden."""
    fac, ana, ben = room
    ok(fac, "canvas:anonymous", op(canvas_id=world.canvas_id, value=True))
    ok(ana, "note:add", op(block="problem", text="visible"))
    ok(fac, "canvas:hidden", op(canvas_id=world.canvas_id, value=True))
    ok(ana, "note:add", op(block="problem", text="en silencio"))
    ben.get_received()
    ok(fac, "canvas:anonymous", op(canvas_id=world.canvas_id, value=False))
    [event] = [e for e in received(ben) if e["type"] == "canvas.anonymous"]
    by_text = {n.get("text"): n for n in event["data"]["notes"]}
    assert by_text["visible"]["author"]["name"] == "Ana"
    assert "en silencio" not in json.dumps(event, ensure_ascii=False)
    assert [n for n in event["data"]["notes"] if n.get("hidden")] != []
    # Turning anonymity on sends no notes: clients stop showing the names they hold.
    ok(fac, "canvas:anonymous", op(canvas_id=world.canvas_id, value=True))
    [event] = [e for e in received(ben) if e["type"] == "canvas.anonymous"]
    assert "notes" not in event["data"]


def test_the_workshop_decides_whether_anonymous_canvases_show_institutions(world, room):
    fac, ana, ben = room
    ok(fac, "canvas:anonymous", op(canvas_id=world.canvas_id, value=True))
    ok(ana, "note:add", op(block="problem", text="antes"))
    ben.get_received()
    ok(fac, "workshop:institutions", op(value=False))
    [event] = received(ben, "workshop")
    assert event["type"] == "workshop.institutions" and event["data"]["anonymous_shows_institution"] is False
    ok(ana, "note:add", op(block="problem", text="después"))
    ben_saw = everything(ben) + json.dumps(ben.emit("canvas:resync", {"last_seq": None}, callback=True))
    assert "antes" in ben_saw and "después" in ben_saw and "MEF" not in ben_saw and '"Ana"' not in ben_saw
    assert ben.emit("workshop:state", {}, callback=True)["workshop"]["anonymous_shows_institution"] is False
    mine = ana.emit("canvas:resync", {"last_seq": None}, callback=True)["notes"]
    assert {n["author"]["institution"] for n in mine} == {"MEF"}  # the author still sees herself whole
    # Back on: the institution shows again, also for notes written while it was off.
    ok(fac, "workshop:institutions", op(value=True))
    notes = ben.emit("canvas:resync", {"last_seq": None}, callback=True)["notes"]
    assert [(n["author"]["name"], n["author"]["institution"]) for n in notes] == [(None, "MEF"), (None, "MEF")]


def test_a_locked_block_refuses_participants_and_accepts_the_facilitator(world, room):
    fac, ana, _ben = room
    note = ok(ana, "note:add", op(block="solution", text="antes"))["event"]["data"]
    ok(fac, "canvas:lock", op(canvas_id=world.canvas_id, locked=True, block="problem"))
    refused(ana, "note:add", op(block="problem"), "locked")
    refused(ana, "note:move", op(note_id=note["id"], block="problem"), "locked")
    ok(ana, "note:add", op(block="solution", text="otro bloque"))
    ok(fac, "note:add", op(block="problem", text="facilitadora"))
    ok(fac, "canvas:lock", op(canvas_id=world.canvas_id, locked=True))
    refused(ana, "note:edit", op(note_id=note["id"], text="x", version=1), "locked")
    refused(ana, "note:delete", op(note_id=note["id"]), "locked")
    ok(fac, "note:edit", op(note_id=note["id"], text="moderada", version=1))
    ok(fac, "canvas:lock", op(canvas_id=world.canvas_id, locked=False))
    refused(ana, "note:add", op(block="problem"), "locked")  # the block lock stays
    ok(ana, "note:add", op(block="costs"))


def test_timer_that_locks_when_time_is_up(app, world, room):
    fac, ana, _ben = room
    started = ok(fac, "timer:start", op(canvas_id=world.canvas_id, seconds=60, lock_on_end=True))
    timer = started["event"]["data"]["controls"]["timer"]
    assert timer["state"] == "running" and timer["ends_at"] - timer["duration_ms"] > 0
    ok(ana, "note:add", op(block="problem"))
    ok(fac, "timer:change", op(canvas_id=world.canvas_id, action="adjust", seconds=-120))
    refused(ana, "note:add", op(block="problem"), "locked")
    ok(fac, "note:add", op(block="problem"))
    ok(fac, "timer:change", op(canvas_id=world.canvas_id, action="stop"))
    ok(ana, "note:add", op(block="problem"))


def test_workshop_timer_pause_resume_and_page_load_mid_session(world, room):
    fac, _ana, ben = room
    ok(fac, "timer:start", op(seconds=600))
    update = received(ben, "workshop")[-1]
    assert update["type"] == "workshop.timer" and update["data"]["timer"]["state"] == "running"
    ok(fac, "timer:change", op(action="adjust", seconds=60))
    paused = ok(fac, "timer:change", op(action="pause"))["event"]["data"]["timer"]
    assert paused["state"] == "paused" and 655_000 < paused["remaining_ms"] <= 660_000
    late = world.socket(world.join("Dani"))
    assert late.join_ack["workshop"]["timer"] == paused
    resumed = ok(fac, "timer:change", op(action="resume"))["event"]["data"]["timer"]
    assert resumed["state"] == "running" and "ends_at" in resumed


def test_state_survives_a_reload_locks_hidden_voting_focus(world, room):
    fac, _ana, _ben = room
    ok(fac, "canvas:lock", op(canvas_id=world.canvas_id, locked=True, block="costs"))
    ok(fac, "canvas:hidden", op(canvas_id=world.canvas_id, value=True))
    ok(fac, "vote:open", op(canvas_id=world.canvas_id, budget=4, max_per_note=2))
    ok(fac, "focus:set", op(canvas_id=world.canvas_id, block="problem"))
    page = world.socket(world.join("Eva")).join_ack
    assert page["controls"]["locked_blocks"] == ["costs"] and page["controls"]["hidden"] is True
    assert page["voting"]["round"]["status"] == "open" and page["voting"]["remaining"] == 4
    assert page["workshop"]["focus"]["block"] == "problem"


def test_dot_voting_budget_limits_secrecy_and_results(app, world, room):
    fac, ana, ben = room
    a1 = ok(ana, "note:add", op(block="problem", text="A1"))["event"]["data"]["id"]
    b1 = ok(ben, "note:add", op(block="problem", text="B1"))["event"]["data"]["id"]
    b2 = ok(ben, "note:add", op(block="costs", text="B2"))["event"]["data"]["id"]
    ok(fac, "vote:open", op(canvas_id=world.canvas_id, budget=3, max_per_note=2, blocks=["problem"]))
    refused(ana, "vote:add", op(note_id=a1), "forbidden")  # own note
    refused(ana, "vote:add", op(note_id=b2), "invalid")  # block not in the vote
    first = ok(ana, "vote:add", op(note_id=b1))
    assert first["event"]["data"]["remaining"] == 2
    ok(ana, "vote:add", op(note_id=b1))
    refused(ana, "vote:add", op(note_id=b1), "invalid")  # max per note
    ok(ben, "vote:add", op(note_id=a1))
    ok(ben, "vote:add", op(note_id=a1))
    ok(ben, "vote:remove", op(note_id=a1))
    ok(ben, "vote:add", op(note_id=a1))
    ok(fac, "vote:close", op(canvas_id=world.canvas_id))
    refused(ana, "vote:add", op(note_id=b1), "invalid")  # closed


def test_a_changed_note_carries_its_own_published_votes(world, room):
    """A note's change reports its dots of the last closed round (counted for that note
    alone, voting.note_data): none before any round closes, its own after, a new note 0."""
    fac, ana, ben = room
    a1 = ok(ana, "note:add", op(block="problem", text="A1"))["event"]["data"]
    assert a1["votes"] is None
    b1 = ok(ben, "note:add", op(block="problem", text="B1"))["event"]["data"]["id"]
    ok(fac, "vote:open", op(canvas_id=world.canvas_id, budget=3, max_per_note=2))
    ok(ben, "vote:add", op(note_id=a1["id"]))
    ok(ben, "vote:add", op(note_id=a1["id"]))
    ok(ana, "vote:add", op(note_id=b1))
    ok(fac, "vote:close", op(canvas_id=world.canvas_id))
    edited = ok(ana, "note:edit", op(note_id=a1["id"], text="A1 bis", version=1))["event"]["data"]
    assert edited["votes"] == 2
    assert ok(ben, "note:color", op(note_id=b1, color="blue"))["event"]["data"]["votes"] == 1
    assert ok(ana, "note:add", op(block="problem", text="A2"))["event"]["data"]["votes"] == 0


def test_facilitators_run_the_vote_but_do_not_vote_or_mark_themselves(app, world, room):
    fac, ana, _ben = room
    note = ok(ana, "note:add", op(block="problem", text="votable"))["event"]["data"]["id"]
    ok(fac, "vote:open", op(canvas_id=world.canvas_id, budget=3, max_per_note=3))
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count(Event.id)))
    refused(fac, "vote:add", op(note_id=note), "forbidden")
    refused(fac, "vote:remove", op(note_id=note), "forbidden")
    refused(fac, "status:set", op(ready=True, hand=True), "forbidden")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Event.id))) == before
        assert db.session.scalar(db.select(db.func.count(Vote.id))) == 0
    assert ok(fac, "vote:close", op(canvas_id=world.canvas_id))["event"]["data"]["voters"] == 0


def test_vote_over_budget_is_refused(world, room):
    fac, ana, ben = room
    notes = [ok(ben, "note:add", op(block="problem", text=f"n{i}"))["event"]["data"]["id"] for i in range(3)]
    ok(fac, "vote:open", op(canvas_id=world.canvas_id, budget=2, max_per_note=1))
    ok(ana, "vote:add", op(note_id=notes[0]))
    ok(ana, "vote:add", op(note_id=notes[1]))
    over = refused(ana, "vote:add", op(note_id=notes[2]), "invalid")
    assert "votos" in over["error"]["message"]  # in Spanish, the default language (now translated)


def test_tallies_are_not_sent_while_the_round_is_open(app, world, room):
    fac, ana, ben = room
    note = ok(ben, "note:add", op(block="problem", text="popular"))["event"]["data"]["id"]
    ok(fac, "vote:open", op(canvas_id=world.canvas_id, budget=3, max_per_note=3))
    for s in (fac, ana, ben):
        s.get_received()
    ok(ana, "vote:add", op(note_id=note))
    ok(ana, "vote:add", op(note_id=note))
    for watcher in (fac, ben):
        events = [m["args"][0] for m in watcher.get_received() if m["name"].startswith("change")]
        assert [e["data"] for e in events] == [{"round_id": events[0]["data"]["round_id"], "voters": 1}] * 2
        assert all(e["actor"] is None for e in events)
    facilitator_view = fac.emit("canvas:resync", {"last_seq": 0}, callback=True)
    assert "tallies" not in facilitator_view["voting"] and facilitator_view["voting"]["voters"] == 1
    assert "mine" not in json.dumps(facilitator_view["events"][-1])
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Vote.id))) == 2
    closed = ok(fac, "vote:close", op(canvas_id=world.canvas_id))["event"]["data"]
    assert closed["tallies"] == {note: 2} and closed["ranking"] == [note]
    assert received(ben)[-1]["data"]["tallies"] == {note: 2}
    after = ben.emit("canvas:resync", {"last_seq": None}, callback=True)
    assert after["notes"][0]["votes"] == 2 and after["voting"]["tallies"] == {note: 2}


def test_focus_ready_hands_and_reset(world, room):
    fac, ana, ben = room
    ok(fac, "focus:set", op(canvas_id=world.canvas_id, block="problem"))
    focus = received(ana, "workshop")[-1]["data"]["focus"]
    assert focus == {"canvas_id": world.canvas_id, "block": "problem", "canvas_name": "Mesa"}
    ben.get_received()
    ok(ana, "status:set", op(ready=True))
    ok(ben, "status:set", op(hand=True))
    status = [e["data"] for e in received(fac, "workshop:private")]
    assert [(s["name"], s["ready"], s["hand"]) for s in status] == [("Ana", True, False), ("Ben", False, True)]
    ben_got = ben.get_received()
    assert [m["name"] for m in ben_got] == ["workshop:private"]  # Ana's status is not Ben's business
    assert ben_got[0]["args"][0]["data"]["hand"] is True
    ok(fac, "status:reset", op())
    roster = fac.emit("workshop:watch", {}, callback=True)["roster"]
    assert not any(p["ready"] or p["hand"] for p in roster)
    refused(ana, "focus:set", op(canvas_id=world.canvas_id), "forbidden")


def test_removed_participant_is_disconnected_and_cannot_come_back(app, world, room):
    fac, _ana, _ben = room
    token = world.join("Intrusa")
    intruder = world.socket(token)
    participant_id = intruder.join_ack["me"]["id"]
    ok(fac, "participant:remove", op(participant_id=participant_id))
    assert not intruder.is_connected()
    assert not socketio.test_client(app, auth={"token": token}).is_connected()
    refused(fac, "participant:remove", op(participant_id=fac.join_ack["me"]["id"]), "invalid")


def test_closed_workshop_is_read_only_but_viewable(world, room):
    fac, ana, ben = room
    ok(ana, "note:add", op(block="problem", text="final"))
    ok(fac, "workshop:close", op())
    assert received(ben, "workshop")[-1]["data"]["status"] == "closed"
    refused(ana, "note:add", op(block="problem"), "locked")
    refused(fac, "note:add", op(block="problem"), "locked")
    assert ben.emit("canvas:resync", {"last_seq": None}, callback=True)["notes"][0]["text"] == "final"
    ok(fac, "workshop:reopen", op())
    ok(ana, "note:add", op(block="problem"))


def test_clusters_group_notes_of_one_block(world, room):
    fac, ana, ben = room
    a = ok(ana, "note:add", op(block="problem", text="colas"))["event"]["data"]["id"]
    b = ok(ben, "note:add", op(block="problem", text="filas"))["event"]["data"]["id"]
    c = ok(ben, "note:add", op(block="costs", text="otro"))["event"]["data"]["id"]
    refused(fac, "cluster:create", op(canvas_id=world.canvas_id, block="problem", title="x", note_ids=[a, c]),
            "invalid")
    cluster = ok(fac, "cluster:create", op(canvas_id=world.canvas_id, block="problem", title="Esperas",
                                           note_ids=[a, b]))["event"]["data"]["cluster"]
    ok(fac, "cluster:rename", op(canvas_id=world.canvas_id, cluster_id=cluster["id"], title="Tiempos de espera"))
    state = ben.emit("canvas:resync", {"last_seq": None}, callback=True)
    assert state["clusters"] == [{"id": cluster["id"], "block": "problem", "title": "Tiempos de espera"}]
    assert {n["id"] for n in state["notes"] if n["cluster_id"] == cluster["id"]} == {a, b}
    ok(ana, "note:move", op(note_id=a, block="costs"))
    state = ben.emit("canvas:resync", {"last_seq": None}, callback=True)
    assert [n["id"] for n in state["notes"] if n["cluster_id"]] == [b]
    ok(fac, "cluster:dissolve", op(canvas_id=world.canvas_id, cluster_id=cluster["id"]))
    assert ben.emit("canvas:resync", {"last_seq": None}, callback=True)["clusters"] == []


def test_control_room_watches_every_canvas(app):
    world = World(app, canvases=3)
    fac = socketio.test_client(app, auth={"token": world.seat()})
    watch = fac.emit("workshop:watch", {}, callback=True)
    assert [c["canvas"]["name"] for c in watch["canvases"]] == ["Mesa 1", "Mesa 2", "Mesa 3"]
    ana = world.socket(world.join("Ana"), canvas_id=world.canvas_ids[2])
    fac.get_received()
    ok(ana, "note:add", op(block="problem", text="mesa tres"))
    events = received(fac)
    assert events[0]["canvas_id"] == world.canvas_ids[2] and events[0]["data"]["text"] == "mesa tres"
    assert [p["name"] for p in fac.emit("workshop:watch", {}, callback=True)["canvases"][2]["presence"]] == ["Ana"]
    participant = world.socket(world.join("Ben"))
    refused(participant, "workshop:watch", {}, "forbidden")


def test_facilitator_edits_and_deletes_any_note(world, room):
    fac, ana, _ben = room
    note = ok(ana, "note:add", op(block="problem", text="con error"))["event"]["data"]
    ok(fac, "note:edit", op(note_id=note["id"], text="corregida", version=1))
    ok(fac, "note:delete", op(note_id=note["id"]))


def test_note_hidden_flag_is_stored(app, world, room):
    fac, ana, _ben = room
    ok(fac, "canvas:hidden", op(canvas_id=world.canvas_id, value=True))
    note = ok(ana, "note:add", op(block="problem", text="x"))["event"]["data"]
    with app.app_context():
        assert db.session.get(Note, note["id"]).hidden is True
    ok(fac, "canvas:reveal", op(canvas_id=world.canvas_id))
    with app.app_context():
        assert db.session.get(Note, note["id"]).hidden is False
