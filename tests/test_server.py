"""The live protocol against the real server (``python wsgi.py`` on eventlet),
through real python-socketio clients over loopback (see docs/protocol.md).

The Flask-SocketIO test client in test_live.py runs handlers one at a time;
here messages really race, on one module-scoped server process.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import socketio

from .servers import ROOT, ServerProcess, running_server
from .waiting import CAP, STALL, wait_until

pytestmark = pytest.mark.server

RESYNC_MAX_EVENTS = 20
TIMEOUT = STALL  # one HTTP request or connection: generous, for a loaded machine (tests/waiting.py)
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("lienzo-server"), facilitator=True,
                        env={"RESYNC_MAX_EVENTS": str(RESYNC_MAX_EVENTS)}) as process:
        yield process


@pytest.fixture
def workshop(server):
    """A fresh workshop with one canvas, so every test counts ``seq`` from 1."""
    return server.seed()


def op(**fields) -> dict:
    return {"op_id": uuid.uuid4().hex, **fields}


class Peer:
    """One real socket.io client (websocket only) that records every ``change``
    in the order it came off the socket.

    python-engineio's client runs each message's handler in a thread of its
    own, so handlers may see events out of order; the recording therefore
    happens where packets are read, before any handler runs. It also counts
    every socket.io packet received (events and acks): the progress that the
    waits go by (tests/waiting.py).
    """

    def __init__(self, server: ServerProcess, token: str, name: str = ""):
        self.name = name
        self.token = token
        self.changes: list[dict] = []
        self.received = 0
        self._arrived = threading.Condition()
        self.sio = socketio.Client(reconnection=False)
        receive = self.sio.eio._receive_packet

        def recording(pkt):
            if isinstance(pkt.data, str):
                with self._arrived:
                    self.received += 1
                    if pkt.data.startswith('2["change",'):
                        self.changes.append(json.loads(pkt.data[1:])[1])
                    self._arrived.notify_all()
            return receive(pkt)

        self.sio.eio._receive_packet = recording
        self.sio.connect(server.url, auth={"token": token}, transports=["websocket"], wait_timeout=TIMEOUT)
        self.join_ack: dict | None = None

    def call(self, event: str, data) -> dict:
        """Send with an ack callback and wait for the ack as long as the server keeps sending
        this client something (other acks, events); DisconnectedError if the socket drops."""
        answers: list = []

        def acked(*args) -> None:
            with self._arrived:
                answers.append(args[0] if args else None)
                self._arrived.notify_all()

        self.sio.emit(event, data, callback=acked)
        wait_until(lambda: answers or not self.sio.connected, progress=lambda: self.received, wake=self._arrived)
        if answers:
            return answers[0]
        if not self.sio.connected:
            raise socketio.exceptions.DisconnectedError(f"{self.name}: disconnected before the ack of {event}")
        raise socketio.exceptions.TimeoutError(f"{self.name}: no ack of {event}, and nothing else, for {STALL}s")

    def call_op(self, event: str, data: dict) -> dict:
        """An operation sent as docs/protocol.md tells a client to: on ``unavailable`` (a loaded
        server ran out of time for the database), again with the same ``op_id``."""
        ack = self.call(event, data)
        while not ack["ok"] and ack["error"]["code"] == "unavailable":
            ack = self.call(event, data)
        return ack

    def join(self, canvas_id: int, last_seq: int | None = None) -> dict:
        ack = self.call("canvas:join", {"canvas_id": canvas_id, "last_seq": last_seq})
        assert ack["ok"], ack
        self.join_ack = ack
        return ack

    def flush(self) -> dict:
        """A round trip: every change queued to this socket before it has arrived once it returns."""
        ack = self.call("canvas:resync", {"last_seq": None})
        assert ack["ok"] and ack["mode"] == "snapshot", ack
        return ack

    def wait_changes(self, count: int) -> list[dict]:
        wait_until(lambda: len(self.changes) >= count, progress=lambda: len(self.changes), wake=self._arrived)
        with self._arrived:
            return list(self.changes)

    def seqs(self) -> list[int]:
        return [e["seq"] for e in self.changes]

    def notes(self) -> dict[str, dict]:
        """The canvas as this client sees it after applying its events in order."""
        return apply_events({}, self.changes)

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()


def apply_events(notes: dict[str, dict], events: Iterable[dict]) -> dict[str, dict]:
    notes = dict(notes)
    for event in events:
        if event["type"] == "note.deleted":
            notes.pop(event["data"]["id"])
        else:
            notes[event["data"]["id"]] = event["data"]
    return notes


@pytest.fixture
def peers(server):
    """Makes connected (not yet joined) peers; disconnects them all afterwards."""
    made: list[Peer] = []

    def make(token: str, name: str = "") -> Peer:
        peer = Peer(server, token, name)
        made.append(peer)
        return peer

    yield make
    for peer in made:
        peer.close()


def trio(server, workshop, peers) -> list[Peer]:
    clients = [peers(server.join(workshop["code"], name), name) for name in ("Ana", "Ben", "Caro")]
    for client in clients:
        client.join(workshop["canvas_ids"][0])
    return clients


def concurrently(*calls: Callable[[], dict]) -> list[dict]:
    """Run the calls at once from threads (released together) and return their results in order."""
    start = threading.Barrier(len(calls))

    def run(fn):
        start.wait(timeout=CAP)
        return fn()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def api_snapshot(server: ServerProcess, canvas_id: int, token: str) -> dict:
    answer = requests.get(f"{server.url}/api/canvases/{canvas_id}", headers={"Authorization": f"Bearer {token}"},
                          timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    return answer.json()


def by_id(notes: Iterable[dict]) -> dict[str, dict]:
    return {n["id"]: n for n in notes}


def test_every_change_from_three_clients_reaches_all_with_consecutive_seq(server, workshop, peers):
    ana, ben, caro = trio(server, workshop, peers)
    canvas_id = workshop["canvas_ids"][0]

    added = concurrently(lambda: ana.call("note:add", op(block="problem", text="Colas largas", color="pink")),
                         lambda: ben.call("note:add", op(block="population", text="Adultos mayores")),
                         lambda: caro.call("note:add", op(block="problem", text="Trámites en papel")))
    assert all(a["ok"] for a in added), added
    assert sorted(a["seq"] for a in added) == [1, 2, 3]
    mine = {peer.name: ack["event"]["data"]["id"] for peer, ack in zip((ana, ben, caro), added, strict=True)}

    changed = concurrently(
        lambda: ana.call("note:edit", op(note_id=mine["Ana"], text="Colas largas en ventanilla", version=1)),
        lambda: ben.call("note:move", op(note_id=mine["Ben"], block="alternatives")),
        lambda: caro.call("note:color", op(note_id=mine["Caro"], color="green")),
    )
    assert all(a["ok"] for a in changed), changed
    assert sorted(a["seq"] for a in changed) == [4, 5, 6]

    # Another participant's note is refused and costs no seq.
    refused = ben.call("note:edit", op(note_id=mine["Ana"], text="no es mía", version=2))
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden", refused

    last = concurrently(
        lambda: ana.call("note:delete", op(note_id=mine["Ana"])),
        lambda: ben.call("note:edit", op(note_id=mine["Ben"], text="Personas mayores de 65", version=1)),
        lambda: caro.call("note:move", op(note_id=mine["Caro"], block="population", index=0)),
    )
    assert all(a["ok"] for a in last), last
    assert sorted(a["seq"] for a in last) == [7, 8, 9]

    token = ana.token
    expected = by_id(api_snapshot(server, canvas_id, token)["notes"])
    assert set(expected) == {mine["Ben"], mine["Caro"]}
    assert expected[mine["Ben"]]["block"] == "alternatives"
    assert expected[mine["Ben"]]["text"] == "Personas mayores de 65" and expected[mine["Ben"]]["version"] == 2
    assert expected[mine["Caro"]]["block"] == "population" and expected[mine["Caro"]]["color"] == "green"

    acked = {a["seq"]: a["event"] for a in added + changed + last}
    for peer in (ana, ben, caro):
        peer.flush()
        assert peer.seqs() == list(range(1, 10)), (peer.name, peer.seqs())
        assert peer.changes == [acked[seq] for seq in range(1, 10)], peer.name
        assert peer.notes() == expected, peer.name
    assert [e["type"] for e in ana.changes].count("note.deleted") == 1
    assert {e["actor"]["name"] for e in ana.changes} == {"Ana", "Ben", "Caro"}


def test_ninety_concurrent_adds_are_all_acked_and_arrive_everywhere_in_seq_order(server, workshop, peers):
    clients = trio(server, workshop, peers)
    per_client = 30

    def burst(peer: Peer) -> list[dict]:
        # Every call at once from its own thread, none waiting for another's ack.
        return concurrently(*[lambda i=i: peer.call_op("note:add", op(block="problem", text=f"{peer.name} {i}"))
                              for i in range(per_client)])

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        acks = [ack for result in pool.map(burst, clients) for ack in result]
    assert all(a["ok"] for a in acks), [a for a in acks if not a["ok"]][:3]
    total = per_client * len(clients)
    assert sorted(a["seq"] for a in acks) == list(range(1, total + 1))

    for peer in clients:
        peer.wait_changes(total)
        peer.flush()
        # One process emits in seq order, so the order on the wire is seq order.
        assert peer.seqs() == list(range(1, total + 1)), peer.name
    snapshot = api_snapshot(server, workshop["canvas_ids"][0], clients[0].token)
    assert snapshot["seq"] == total
    assert clients[0].notes() == by_id(snapshot["notes"])
    assert sorted(n["position"] for n in snapshot["notes"]) == [float(i) for i in range(1, total + 1)]


def test_a_repeated_op_id_is_applied_once_and_answered_with_the_original_ack(server, workshop, peers):
    ana, ben, caro = trio(server, workshop, peers)
    payload = op(block="problem", text="Una sola vez")
    first = ana.call("note:add", payload)
    assert first["ok"] and first["seq"] == 1
    assert ana.call("note:add", payload) == first

    # The same person's second tab retrying the same op_id at the same time as the first.
    tab = peers(ana.token, "Ana tab 2")
    tab.join(workshop["canvas_ids"][0])
    retry = op(note_id=first["event"]["data"]["id"], color="blue")
    results = concurrently(*[lambda who=who: who.call("note:color", retry) for who in (ana, tab, ana, tab)])
    assert all(r == results[0] for r in results), results
    assert results[0]["ok"] and results[0]["seq"] == 2

    for peer in (ben, caro):
        peer.flush()
        assert peer.seqs() == [1, 2], (peer.name, peer.seqs())
    tab.flush()
    assert tab.seqs() == [2]  # it joined after the first change
    snapshot = api_snapshot(server, workshop["canvas_ids"][0], ben.token)
    assert snapshot["seq"] == 2
    assert [(n["text"], n["color"]) for n in snapshot["notes"]] == [("Una sola vez", "blue")]


def test_concurrent_edits_of_one_version_one_wins_the_other_gets_conflict(server, workshop, peers):
    ana, ben, _caro = trio(server, workshop, peers)
    note = ana.call("note:add", op(block="problem", text="v1"))["event"]["data"]
    tab = peers(ana.token, "Ana tab 2")
    tab.join(workshop["canvas_ids"][0])
    results = concurrently(lambda: ana.call("note:edit", op(note_id=note["id"], text="desde tab 1", version=1)),
                           lambda: tab.call("note:edit", op(note_id=note["id"], text="desde tab 2", version=1)))
    winners = [r for r in results if r["ok"]]
    losers = [r for r in results if not r["ok"]]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0]["error"]["code"] == "conflict"
    assert losers[0]["note"] == winners[0]["event"]["data"]
    assert winners[0]["seq"] == 2 and winners[0]["event"]["data"]["version"] == 2
    ben.flush()
    assert ben.seqs() == [1, 2]
    assert ben.notes()[note["id"]]["text"] == winners[0]["event"]["data"]["text"]


def test_reconnect_with_last_seq_gets_exactly_the_missed_events_or_a_snapshot(server, workshop, peers):
    ana, ben, caro = trio(server, workshop, peers)
    canvas_id = workshop["canvas_ids"][0]
    for i in range(3):
        assert ana.call("note:add", op(block="problem", text=f"antes {i}"))["ok"]
    caro.flush()
    last_seq = caro.seqs()[-1]
    assert last_seq == 3
    seen = caro.notes()
    caro.close()

    for i in range(4):
        assert ben.call("note:add", op(block="solution", text=f"mientras {i}"))["ok"]
    back = peers(caro.token, "Caro again")
    sync = back.join(canvas_id, last_seq=last_seq)
    assert sync["mode"] == "events" and sync["seq"] == 7
    assert [e["seq"] for e in sync["events"]] == [4, 5, 6, 7]
    assert [e["data"]["text"] for e in sync["events"]] == [f"mientras {i}" for i in range(4)]
    assert ben.flush() and sync["events"] == ben.changes[3:]
    assert apply_events(seen, sync["events"]) == by_id(api_snapshot(server, canvas_id, caro.token)["notes"])
    back.close()

    # Exactly RESYNC_MAX_EVENTS behind still gets events; one more gets a snapshot.
    for i in range(RESYNC_MAX_EVENTS):
        assert ben.call("note:add", op(block="costs", text=f"lejos {i}"))["ok"]
    seq = 7 + RESYNC_MAX_EVENTS
    edge = peers(caro.token, "Caro edge")
    at_limit = edge.join(canvas_id, last_seq=seq - RESYNC_MAX_EVENTS)
    assert at_limit["mode"] == "events" and len(at_limit["events"]) == RESYNC_MAX_EVENTS
    edge.close()
    far = peers(caro.token, "Caro far")
    snapshot = far.join(canvas_id, last_seq=last_seq)
    assert snapshot["mode"] == "snapshot" and snapshot["seq"] == seq
    assert by_id(snapshot["notes"]) == by_id(api_snapshot(server, canvas_id, caro.token)["notes"])
    assert len(snapshot["notes"]) == seq
    ahead = far.call("canvas:resync", {"last_seq": seq + 5})
    assert ahead["ok"] and ahead["mode"] == "snapshot"


def test_joining_while_others_write_misses_nothing(server, workshop, peers):
    """The socket joins the room before the state is read: the join ack plus the
    live changes above the ack's seq cover every seq, with no gap."""
    ana, _ben, caro = trio(server, workshop, peers)
    canvas_id = workshop["canvas_ids"][0]
    caro.close()
    started, joined = threading.Event(), threading.Event()

    def write() -> int:
        """Add notes until well after the join; returns how many."""
        count = after = 0
        while after < 10 and count < 500:
            assert ana.call("note:add", op(block="problem", text=f"n{count}"))["ok"]
            count += 1
            after += joined.is_set()
            if count == 5:
                started.set()
        return count

    with ThreadPoolExecutor(max_workers=1) as pool:
        done = pool.submit(write)
        assert wait_until(started.is_set, progress=lambda: ana.received)
        back = peers(caro.token, "Caro back")
        sync = back.join(canvas_id, last_seq=0)
        joined.set()
        writes = done.result(timeout=CAP)
    back.flush()
    assert 5 <= sync["seq"] < writes, "the join did not overlap the writes"
    if sync["mode"] == "events":
        assert [e["seq"] for e in sync["events"]] == list(range(1, sync["seq"] + 1))
        state = apply_events({}, sync["events"])
    else:
        state = by_id(sync["notes"])
    live = [e for e in back.changes if e["seq"] > sync["seq"]]
    assert [e["seq"] for e in live] == list(range(sync["seq"] + 1, writes + 1))
    assert apply_events(state, live) == by_id(api_snapshot(server, canvas_id, caro.token)["notes"])


def connect_error_body(payload: dict) -> dict:
    """The ``{"code", "message"}`` of a refused connection.

    socket.io clients expose a CONNECT_ERROR packet's ``message`` as the error's
    text and its ``data`` as ``err.data``; accept the body in either place.
    """
    return payload["data"] if isinstance(payload.get("data"), dict) else payload


def test_a_bad_token_is_refused_and_the_server_keeps_serving(server, workshop, peers):
    ana = peers(server.join(workshop["code"], "Ana"), "Ana")
    ana.join(workshop["canvas_ids"][0])
    refusals = []
    for auth in ({"token": "not-a-real-token"}, {}, None):
        refused = socketio.Client(reconnection=False)
        errors = []
        refused.on("connect_error", errors.append)
        with pytest.raises(socketio.exceptions.ConnectionError):
            refused.connect(server.url, auth=auth, transports=["websocket"], wait_timeout=TIMEOUT)
        assert not refused.connected
        refused.disconnect()
        assert len(errors) == 1, errors
        refusals.append(errors[0])

    ack = ana.call("note:add", op(block="problem", text="sigo aquí"))
    assert ack["ok"] and ack["seq"] == 1
    assert requests.get(f"{server.url}/api/canvases/{workshop['canvas_ids'][0]}",
                        headers={"Authorization": "Bearer not-a-real-token"}, timeout=TIMEOUT).status_code == 403

    # docs/protocol.md: the client's connect_error carries {"code": "forbidden", "message": "..."}.
    for payload in refusals:
        body = connect_error_body(payload)
        assert body.get("code") == "forbidden", payload
        assert isinstance(body.get("message"), str) and body["message"], payload


NODELAY_PROBE = """
import socket, sys
import wsgi
import eventlet

def probe(listener):
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    value = accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    for s in (accepted, client, listener):
        s.close()
    return value

print(probe(wsgi.make_listener("127.0.0.1", 0)), probe(eventlet.listen(("127.0.0.1", 0))))
"""


def test_accepted_sockets_have_tcp_nodelay():
    # In a subprocess, so that eventlet's monkey-patching never touches this pytest process.
    result = subprocess.run([sys.executable, "-c", NODELAY_PROBE], cwd=ROOT, capture_output=True, text=True,
                            timeout=CAP)
    assert result.returncode == 0, result.stderr
    ours, plain = (int(v) for v in result.stdout.split())
    assert ours != 0
    assert plain == 0  # the probe can tell: a plain eventlet listener leaves Nagle on


def websocket_handshake(url: str) -> tuple[str, dict[str, str], bytes]:
    """A raw engine.io websocket upgrade offering permessage-deflate, as browsers do.

    Returns the status line, the response headers (lower-case names) and the
    bytes that followed them.
    """
    host, port = url.removeprefix("http://").split(":")
    key = base64.b64encode(os.urandom(16)).decode()
    request = ("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
               f"Host: {host}:{port}\r\n"
               "Upgrade: websocket\r\n"
               "Connection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\n"
               "Sec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
               "\r\n")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as s:
        s.sendall(request.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            assert chunk, f"connection closed during the handshake: {data!r}"
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        if len(rest) < 2:
            rest += s.recv(4096)
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    expected_accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
    assert headers.get("sec-websocket-accept") == expected_accept, headers
    return status, headers, rest


def test_websocket_compression_is_declined_by_default_and_accepted_when_enabled(server, tmp_path):
    status, headers, first_frame = websocket_handshake(server.url)
    assert status.split()[1] == "101", status
    assert "sec-websocket-extensions" not in headers, headers
    # The engine.io open packet follows, uncompressed: FIN + text, RSV1 clear, payload "0{...".
    assert first_frame[0] == 0x81 and first_frame[2:4] == b"0{", first_frame[:8]

    # Same database (already migrated), a second process with compression on.
    compressing = ServerProcess(Path(server.workdir), env={"RESYNC_MAX_EVENTS": str(RESYNC_MAX_EVENTS),
                                                           "WEBSOCKET_COMPRESSION": "true"})
    try:
        compressing.start()
        status, headers, first_frame = websocket_handshake(compressing.url)
        assert status.split()[1] == "101", status
        assert headers.get("sec-websocket-extensions", "").startswith("permessage-deflate"), headers
        assert first_frame[0] & 0x40, "RSV1 (compressed) should be set on the first message"
    finally:
        compressing.stop()
    assert "Traceback" not in compressing.log(), compressing.log()


def test_pages_and_static_files_answer_from_the_eventlet_server(server, workshop):
    assert requests.get(server.url + "/", timeout=TIMEOUT).status_code == 200
    static = sorted(p for p in (ROOT / "static").rglob("*") if p.is_file())
    assert static, "no static file to serve: run `make vendor`"
    for path in static[:3]:
        answer = requests.get(f"{server.url}/static/{path.relative_to(ROOT / 'static').as_posix()}", timeout=TIMEOUT)
        assert answer.status_code == 200, path
        assert answer.content == path.read_bytes()
    layout = requests.get(f"{server.url}/c/{workshop['canvas_ids'][0]}/layout.css", timeout=TIMEOUT)
    assert layout.status_code == 200 and layout.headers["Content-Type"].startswith("text/css"), layout.headers
    assert requests.get(f"{server.url}/c/999999/layout.css", timeout=TIMEOUT).status_code == 404


def test_the_server_log_holds_no_traceback(server):
    """Last in the module: nothing the tests above did made the server fail."""
    assert server.process.poll() is None, server.log()
    log = server.log()
    assert "Traceback" not in log and " ERROR " not in log, log[-5000:]
