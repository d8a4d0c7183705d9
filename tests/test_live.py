"""The live protocol through the Flask-SocketIO test client (see docs/protocol.md)."""

from __future__ import annotations

import uuid

import pytest

from facilitator.extensions import socketio

from .conftest import World, op, received

pytestmark = pytest.mark.backends


@pytest.fixture
def trio(world):
    sockets = [world.socket(world.join(name)) for name in ("Ana", "Ben", "Caro")]
    for s in sockets:
        s.get_received()
    return sockets


def test_connection_without_a_valid_token_is_refused(app, world):
    for auth in (None, {}, {"token": "nope-nope-nope"}, {"token": 5}, "string"):
        client = socketio.test_client(app, auth=auth)
        assert not client.is_connected()


def test_every_change_reaches_everyone_with_consecutive_seq(world, trio):
    ana, ben, _caro = trio
    ack = ana.emit("note:add", op(block="problem", text="Colas largas", color="pink"), callback=True)
    assert ack["ok"] and ack["seq"] == 1
    note_id = ack["event"]["data"]["id"]
    steps = [
        (ben, "note:add", op(block="population", text="Adultos mayores")),
        (ana, "note:edit", op(note_id=note_id, text="Colas largas en ventanilla", version=1)),
        (ana, "note:move", op(note_id=note_id, block="alternatives")),
        (ana, "note:color", op(note_id=note_id, color="green")),
        (ana, "note:delete", op(note_id=note_id)),
    ]
    for sender, name, payload in steps:
        result = sender.emit(name, payload, callback=True)
        assert result["ok"], (name, result)
    for client in trio:
        events = received(client)
        assert [e["seq"] for e in events] == [1, 2, 3, 4, 5, 6]
        assert [e["type"] for e in events] == ["note.added", "note.added", "note.edited", "note.moved",
                                               "note.recolored", "note.deleted"]
        assert events[2]["data"]["text"] == "Colas largas en ventanilla"
        assert events[3]["data"]["block"] == "alternatives"
        assert events[4]["data"]["color"] == "green"
        assert events[1]["actor"]["name"] == "Ben"


def test_repeated_op_id_is_applied_once(world, trio):
    ana, ben, _ = trio
    payload = op(block="problem", text="Una sola vez")
    first = ana.emit("note:add", payload, callback=True)
    again = ana.emit("note:add", payload, callback=True)
    assert again == first
    assert len(received(ben)) == 1
    snapshot = ben.emit("canvas:resync", {"last_seq": None}, callback=True)
    assert [n["text"] for n in snapshot["notes"]] == ["Una sola vez"]


def test_stale_version_gets_conflict_and_others_see_nothing(world, trio):
    ana, ben, _ = trio
    note = ana.emit("note:add", op(block="problem", text="v1"), callback=True)["event"]["data"]
    assert ana.emit("note:edit", op(note_id=note["id"], text="v2", version=1), callback=True)["ok"]
    received(ben)
    refused = ana.emit("note:edit", op(note_id=note["id"], text="typed offline", version=1), callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == "conflict"
    assert refused["note"]["text"] == "v2" and refused["note"]["version"] == 2
    assert received(ben) == []


def test_bad_messages_get_error_acks_and_the_server_keeps_serving(world, trio):
    ana, ben, _ = trio
    cases = [
        ("note:add", op(block="nowhere"), "invalid"),
        ("note:add", op(block="problem", text="x" * 1001), "too_large"),
        ("note:add", {"block": "problem"}, "invalid"),
        ("note:add", op(block=["problem"]), "invalid"),
        ("note:edit", op(note_id=str(uuid.uuid4()), text="x", version=1), "not_found"),
        ("note:edit", op(note_id="../../etc", text="x", version=1), "invalid"),
        ("note:move", op(note_id=str(uuid.uuid4()), block="problem", index=-1), "invalid"),
        ("canvas:join", {"canvas_id": "1"}, "invalid"),
        ("canvas:join", {"canvas_id": 999999}, "not_found"),
        ("note:editing", {"note_id": str(uuid.uuid4()), "editing": True}, "not_found"),
    ]
    for name, payload, code in cases:
        ack = ana.emit(name, payload, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == code, (name, payload, ack)
        assert isinstance(ack["error"]["message"], str) and ack["error"]["message"]
    assert ana.emit("note:add", "just a string", callback=True)["error"]["code"] == "invalid"
    assert ana.emit("note:add", op(block="problem"), op(block="problem"), callback=True)["error"]["code"] == "invalid"
    assert received(ben) == []
    assert ben.emit("note:add", op(block="problem", text="still fine"), callback=True)["seq"] == 1


def test_a_message_before_joining_a_canvas_is_refused(world):
    client = socketio.test_client(world.app, auth={"token": world.join("Ana")})
    ack = client.emit("note:add", op(block="problem"), callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid"


def test_participant_of_another_workshop_can_neither_read_nor_change(app, world, trio):
    ana = trio[0]
    note = ana.emit("note:add", op(block="problem", text="privado"), callback=True)["event"]["data"]
    other = World(app, email="otra@example.org")
    eve = other.socket(other.join("Eve"))
    join = eve.emit("canvas:join", {"canvas_id": world.canvas_id}, callback=True)
    assert join["ok"] is False and join["error"]["code"] == "not_found"
    # Eve's own canvas does not hold Ana's note, so she cannot reach it from there either.
    for name, payload in [("note:edit", op(note_id=note["id"], text="x", version=1)),
                          ("note:delete", op(note_id=note["id"]))]:
        assert eve.emit(name, payload, callback=True)["error"]["code"] == "not_found"
    assert all(e["data"].get("text") != "x" for e in received(ana))
    assert received(eve) == []
    resync = trio[1].emit("canvas:resync", {"last_seq": None}, callback=True)
    assert [n["text"] for n in resync["notes"]] == ["privado"]


def test_reconnect_with_last_seq_gets_exactly_the_missed_events(world, trio):
    ana, ben, caro = trio
    for i in range(3):
        ana.emit("note:add", op(block="problem", text=f"antes {i}"), callback=True)
    seen = received(caro)
    last_seq = seen[-1]["seq"]
    token = world.join("Caro again")  # a fresh identity is fine: resync is per canvas
    caro.disconnect()
    for i in range(4):
        ben.emit("note:add", op(block="solution", text=f"mientras {i}"), callback=True)
    back = world.socket(token, last_seq=last_seq)
    sync = back.join_ack
    assert sync["mode"] == "events"
    assert [e["seq"] for e in sync["events"]] == [4, 5, 6, 7]
    assert [e["data"]["text"] for e in sync["events"]] == [f"mientras {i}" for i in range(4)]
    assert sync["seq"] == 7


def test_presence_and_editing_indicators(world, trio):
    ana, ben, _caro = trio
    assert {p["name"] for p in ben.join_ack["presence"]} >= {"Ana", "Ben"}
    note = ana.emit("note:add", op(block="problem", text="x"), callback=True)["event"]["data"]
    received(ben)
    assert ana.emit("note:editing", {"note_id": note["id"], "editing": True}, callback=True)["ok"]
    editing = received(ben, "editing")
    assert editing == [{"canvas_id": world.canvas_id, "note_id": note["id"], "by": editing[0]["by"],
                        "editing": True}]
    assert editing[0]["by"]["name"] == "Ana"
    late = world.socket(world.join("Dani"))
    assert late.join_ack["editing"][0]["note_id"] == note["id"]
    joined = received(ben, "presence")
    assert joined[-1]["joined"]["name"] == "Dani"
    ana.disconnect()
    messages = ben.get_received()
    assert {"name": "editing", "args": [{"canvas_id": world.canvas_id, "note_id": note["id"],
                                         "by": editing[0]["by"], "editing": False}], "namespace": "/"} in messages
    left = [m["args"][0] for m in messages if m["name"] == "presence"]
    assert left and left[-1]["left"]["name"] == "Ana"


def test_two_tabs_of_one_person_count_once(world):
    token = world.join("Ana")
    ben = world.socket(world.join("Ben"))
    first = world.socket(token)
    received(ben, "presence")
    second = world.socket(token)
    assert received(ben, "presence") == []
    assert [p["name"] for p in second.join_ack["presence"]].count("Ana") == 1
    first.disconnect()
    assert received(ben, "presence") == []
    second.disconnect()
    assert received(ben, "presence")[-1]["left"]["name"] == "Ana"


def test_switching_canvas_leaves_the_previous_room(app):
    world = World(app, canvases=2)
    ana = world.socket(world.join("Ana"), canvas_id=world.canvas_ids[0])
    ben = world.socket(world.join("Ben"), canvas_id=world.canvas_ids[0])
    assert ben.emit("canvas:join", {"canvas_id": world.canvas_ids[1]}, callback=True)["ok"]
    received(ben)
    ana.emit("note:add", op(block="problem", text="solo mesa 1"), callback=True)
    assert received(ben) == []


def test_removed_participant_is_refused_from_the_next_message(app, world, trio):
    from datetime import UTC, datetime

    from facilitator.extensions import db
    from facilitator.models import Participant

    ana = trio[0]
    with app.app_context():
        participant = db.session.scalars(db.select(Participant).filter_by(name="Ana")).one()
        participant.removed_at = datetime.now(UTC)
        db.session.commit()
    ack = ana.emit("note:add", op(block="problem"), callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"


def test_a_client_whose_last_event_is_not_the_servers_gets_the_canvas_whole(world, trio):
    """A power cut may take from the disk the last changes a client was sent, and others'
    changes may then take their numbers: coming back, the client names the ``op_id`` of
    its last event, and when the server's event at that ``seq`` is another, it gets a
    snapshot instead of the events after it (it would keep the lost change and miss the
    new one). A client that names none is answered as before."""
    ana, ben, _caro = trio
    first = ana.emit("note:add", op(block="problem", text="Una"), callback=True)
    second = ana.emit("note:add", op(block="problem", text="Dos"), callback=True)
    seq, op_id = second["seq"], second["event"]["op_id"]
    for name, extra in (("canvas:resync", {}), ("canvas:join", {"canvas_id": world.canvas_id})):
        same = ben.emit(name, {**extra, "last_seq": seq, "last_op_id": op_id}, callback=True)
        assert same["ok"] and same["mode"] == "events" and same["events"] == [], name
        behind = ben.emit(name, {**extra, "last_seq": first["seq"], "last_op_id": first["event"]["op_id"]},
                          callback=True)
        assert behind["mode"] == "events" and [e["op_id"] for e in behind["events"]] == [op_id], name
        lost = ben.emit(name, {**extra, "last_seq": seq, "last_op_id": uuid.uuid4().hex}, callback=True)
        assert lost["ok"] and lost["mode"] == "snapshot", name
        assert lost["seq"] == seq and lost["last_op_id"] == op_id, name
        assert sorted(n["text"] for n in lost["notes"]) == ["Dos", "Una"], name
        unnamed = ben.emit(name, {**extra, "last_seq": seq}, callback=True)
        assert unnamed["mode"] == "events" and unnamed["events"] == [], name
    empty = ben.emit("canvas:resync", {"last_seq": None}, callback=True)
    assert empty["mode"] == "snapshot" and empty["last_op_id"] == op_id
    bad = ben.emit("canvas:resync", {"last_seq": seq, "last_op_id": "not an op id"}, callback=True)
    assert bad["ok"] is False and bad["error"]["code"] == "invalid"
