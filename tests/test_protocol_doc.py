"""Points of docs/protocol.md that an outside client found unclear, each pinned to
what the server does (the doc's "Acks", "Votes", "Text length" and join-code parts)."""

from __future__ import annotations

import pytest

from .conftest import ok, op, received

pytestmark = pytest.mark.backends


def test_field_sits_beside_error_not_inside_it(world):
    ana = world.socket(world.join("Ana"))
    refused = ana.emit("note:add", op(block="problem", text="x" * 1001), callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == "too_large", refused
    assert refused["field"] == "text"
    assert set(refused["error"]) == {"code", "message"}


def test_an_edit_based_on_a_version_ahead_of_the_server_gets_conflict_and_changes_nothing(world):
    ana = world.socket(world.join("Ana"))
    note = ok(ana, "note:add", op(block="problem", text="Colas largas"))["event"]["data"]
    ahead = ana.emit("note:edit", op(note_id=note["id"], text="otra", version=note["version"] + 5), callback=True)
    assert ahead["ok"] is False and ahead["error"]["code"] == "conflict", ahead
    assert ahead["note"]["text"] == "Colas largas" and ahead["note"]["version"] == note["version"]
    snapshot = ana.emit("canvas:resync", {"last_seq": None}, callback=True)
    assert [(n["text"], n["version"]) for n in snapshot["notes"]] == [("Colas largas", 1)]


def test_a_message_sent_without_an_ack_callback_is_still_applied(world):
    ana = world.socket(world.join("Ana"))
    ben = world.socket(world.join("Ben"))
    ben.get_received()
    ana.emit("note:add", op(block="problem", text="sin callback"))  # no callback: no ack comes back
    assert [e["data"]["text"] for e in received(ben)] == ["sin callback"]
    snapshot = ben.emit("canvas:resync", {"last_seq": None}, callback=True)
    assert [n["text"] for n in snapshot["notes"]] == ["sin callback"]


def test_vote_closed_lets_a_client_reach_the_snapshot_by_giving_unlisted_notes_zero(world):
    fac = world.socket(world.seat())
    ana = world.socket(world.join("Ana"))
    ben = world.socket(world.join("Ben"))
    voted = ok(ana, "note:add", op(block="problem", text="votada"))["event"]["data"]["id"]
    ok(ana, "note:add", op(block="problem", text="sin votos"))
    ok(ana, "note:add", op(block="solution", text="fuera de la ronda"))
    ok(fac, "vote:open", op(canvas_id=world.canvas_id, budget=3, max_per_note=3, blocks=["problem"]))
    ok(ben, "vote:add", op(note_id=voted))
    ok(ben, "vote:add", op(note_id=voted))
    mine = {n["id"]: dict(n) for n in ben.emit("canvas:resync", {"last_seq": None}, callback=True)["notes"]}
    assert {n["votes"] for n in mine.values()} == {None}  # before any round closed
    ben.get_received()

    ok(fac, "vote:close", op(canvas_id=world.canvas_id))
    (closed,) = [e for e in received(ben) if e["type"] == "vote.closed"]
    assert closed["data"]["tallies"] == {voted: 2}  # only notes with dots are listed
    for note in mine.values():  # the rule the doc states
        note["votes"] = closed["data"]["tallies"].get(note["id"], 0)
    snapshot = ben.emit("canvas:resync", {"last_seq": None}, callback=True)
    assert {n["id"]: n["votes"] for n in snapshot["notes"]} == {i: n["votes"] for i, n in mine.items()}
    assert sorted(n["votes"] for n in snapshot["notes"]) == [0, 0, 2]


def test_text_length_is_counted_in_unicode_code_points_not_utf16_units(world):
    ana = world.socket(world.join("Ana"))
    emoji = "\N{GRINNING FACE}"  # one code point, two UTF-16 units (JavaScript's .length is 2)
    accepted = ana.emit("note:add", op(block="problem", text=emoji * 1000), callback=True)
    assert accepted["ok"], accepted
    refused = ana.emit("note:add", op(block="problem", text=emoji * 1001), callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == "too_large" and refused["field"] == "text"


def test_a_join_code_is_matched_in_any_case_with_spaces_and_dashes_left_out(world, client):
    typed = f"  {world.code[:3].lower()}-{world.code[3:].lower()} "
    joined = client.post("/api/join", json={"code": typed, "name": "Ana"})
    assert joined.status_code == 201, joined.get_json()
    assert joined.get_json()["workshop"]["code"] == world.code
    wrong = client.post("/api/join", json={"code": f" {world.code[:5].lower()} ", "name": "Ana"})
    assert wrong.status_code == 404
