"""A reply's ``seq`` and its content come from one moment (docs/protocol.md,
"Resync"): a change committed while a join or resync is being read is either
in the reply (at or below its ``seq``) or reaches the client live, never
both and never neither. Each test commits a change from another thread in
exactly the window between two reads of the server, on SQLite and on
PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import event

from facilitator import board
from facilitator.extensions import db, socketio
from facilitator.live import handlers

from .conftest import received

pytestmark = pytest.mark.backends


def op(**fields) -> dict:
    return {"op_id": uuid.uuid4().hex, **fields}


def in_another_thread(work: Callable[[], object]) -> object:
    """Run ``work`` on its own thread (its own app context and session) and wait for it."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed back to the test below
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the other writer did not finish"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def add_note_elsewhere(app, token: str, canvas_id: int, text: str) -> int:
    """Commit a note through the board from another thread; its seq."""

    def work() -> int:
        with app.app_context():
            try:
                actor = board.resolve_token(token)
                return board.apply(actor, canvas_id, "note:add", op(block="problem", text=text)).seq
            finally:
                db.session.remove()

    return in_another_thread(work)


class Window:
    """Run ``action`` once, on this thread, just before the first statement that reads ``table``."""

    def __init__(self, app, table: str, action: Callable[[], object]):
        self.app, self.marker, self.action = app, f"FROM {table} ", action
        self.thread = threading.get_ident()
        self.fired = False

    def __enter__(self) -> Window:
        with self.app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)

    def _before(self, conn, cursor, statement: str, parameters, context, executemany) -> None:
        if self.fired or threading.get_ident() != self.thread or self.marker not in statement + " ":
            return
        self.fired = True
        self.action()


@pytest.fixture
def pair(app, world):
    """Ana writes (joined), Ben follows (joined); two notes already on the canvas."""
    ana_token, ben_token = world.join("Ana"), world.join("Ben")
    ana = world.socket(ana_token)
    for text in ("uno", "dos"):
        assert ana.emit("note:add", op(block="problem", text=text), callback=True)["ok"]
    ben = world.socket(ben_token)
    ben.get_received()
    return ana_token, ben


def test_a_resync_never_carries_an_event_above_its_seq(app, world, pair):
    ana_token, ben = pair
    with Window(app, "event", lambda: add_note_elsewhere(app, ana_token, world.canvas_id, "tres")) as window:
        ack = ben.emit("canvas:resync", {"last_seq": 1}, callback=True)
    assert window.fired and ack["ok"] and ack["mode"] == "events"
    assert all(e["seq"] <= ack["seq"] for e in ack["events"]), ack
    assert [e["seq"] for e in ack["events"]] == list(range(2, ack["seq"] + 1))
    # The change committed in the window reaches the client by the next resync.
    again = ben.emit("canvas:resync", {"last_seq": ack["seq"]}, callback=True)
    assert [e["data"]["text"] for e in again["events"]] == (["tres"] if ack["seq"] == 2 else [])


def test_a_snapshot_holds_exactly_the_notes_of_its_seq(app, world, pair):
    ana_token, ben = pair
    with Window(app, "note", lambda: add_note_elsewhere(app, ana_token, world.canvas_id, "tres")) as window:
        ack = ben.emit("canvas:resync", {"last_seq": None}, callback=True)
    assert window.fired and ack["ok"] and ack["mode"] == "snapshot"
    # Every note.added so far is a note: the snapshot's notes are those of its seq.
    assert len(ack["notes"]) == ack["seq"], ack


@pytest.mark.parametrize("last_seq", [None, 0])
def test_a_change_committed_while_a_canvas_opens_is_in_the_ack_or_arrives_live(app, world, pair, monkeypatch,
                                                                             last_seq):
    """The change lands after the server checked the canvas and before the
    socket is in the canvas's room, so it is not sent live: the ack must hold it."""
    ana_token, _ben = pair
    carla = socketio.test_client(app, auth={"token": world.join("Carla")})
    real_join_room = handlers.join_room
    fired: list[int] = []

    def join_room_late(room, *args, **kwargs):
        if room == f"canvas:{world.canvas_id}" and not fired:
            fired.append(add_note_elsewhere(app, ana_token, world.canvas_id, "tres"))
        return real_join_room(room, *args, **kwargs)

    monkeypatch.setattr(handlers, "join_room", join_room_late)
    ack = carla.emit("canvas:join", {"canvas_id": world.canvas_id, "last_seq": last_seq}, callback=True)
    assert fired == [3] and ack["ok"], ack
    assert ack["seq"] == 3
    live = [e["seq"] for e in received(carla)]
    if last_seq is None:
        assert [n["text"] for n in ack["notes"]] == ["uno", "dos", "tres"]
    else:
        assert [e["seq"] for e in ack["events"]] == [1, 2, 3]
    assert live == []
    carla.disconnect()


def test_a_change_committed_while_the_control_room_opens_is_in_the_overview_or_arrives_live(app, world, pair,
                                                                                          monkeypatch):
    ana_token, _ben = pair
    room = socketio.test_client(app, auth={"token": world.seat()})
    real_join_room = handlers.join_room
    fired: list[int] = []

    def join_room_late(name, *args, **kwargs):
        if name == f"canvas:{world.canvas_id}" and not fired:
            fired.append(add_note_elsewhere(app, ana_token, world.canvas_id, "tres"))
        return real_join_room(name, *args, **kwargs)

    monkeypatch.setattr(handlers, "join_room", join_room_late)
    ack = room.emit("workshop:watch", {}, callback=True)
    assert fired == [3] and ack["ok"], ack
    (canvas,) = ack["canvases"]
    live = [e["data"]["text"] for e in received(room)]
    assert [n["text"] for n in canvas["notes"]] + live == ["uno", "dos", "tres"]
    assert canvas["seq"] == 3 - len(live)
    room.disconnect()


def test_resyncs_read_while_many_write_never_go_above_their_seq(app, world):
    """The same, with no hook: writers and readers on threads of their own, each
    with its own connection, as many server workers would be."""
    writers, per_writer = 6, 30
    tokens = [world.join(f"Persona {i}") for i in range(writers + 2)]
    done = threading.Event()
    failures: list = []
    replies = {"events": 0, "snapshot": 0}

    def write(token: str) -> None:
        with app.app_context():
            try:
                actor = board.resolve_token(token)
                for i in range(per_writer):
                    board.apply(actor, world.canvas_id, "note:add", op(block="problem", text=f"{i}"))
            except BaseException as error:
                failures.append(("writer", repr(error)))
            finally:
                db.session.remove()

    def read(token: str, behind: int) -> None:
        with app.app_context():
            try:
                check(board.resolve_token(token), behind)
            except BaseException as error:
                failures.append(("reader", repr(error)))
            finally:
                db.session.remove()

    def check(actor, behind: int) -> None:
        while not done.is_set():
            since = max(0, board.sync(actor, world.canvas_id, None)["seq"] - behind)
            reply = board.sync(actor, world.canvas_id, since)
            replies[reply["mode"]] += 1
            if reply["mode"] == "events" and [e["seq"] for e in reply["events"]] != list(
                    range(since + 1, reply["seq"] + 1)):
                failures.append((since, reply["seq"], [e["seq"] for e in reply["events"]]))
            snap = board.sync(actor, world.canvas_id, None)
            if len(snap["notes"]) != snap["seq"]:  # every event so far added one note
                failures.append(("snapshot", snap["seq"], len(snap["notes"])))

    readers = [threading.Thread(target=read, args=(tokens[writers + i], 2 + i)) for i in range(2)]
    threads = [threading.Thread(target=write, args=(token,)) for token in tokens[:writers]]
    for thread in readers + threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    done.set()
    for thread in readers:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in readers + threads)
    assert replies["events"] > 10
    assert failures == []
