"""Two real server processes sharing PostgreSQL and a Redis message queue,
with real python-socketio clients on each (docs/deploy.md's set-up in small).

Every process delivers the events of both in ``seq`` order: the order is read
off the wire (python-socketio's client runs each event handler in a thread of
its own, so the handlers' order proves nothing).
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from . import services
from .servers import ServerProcess, start_together
from .test_server import TIMEOUT, Peer, api_snapshot, apply_events, by_id, concurrently, op
from .waiting import STALL, wait_until

pytestmark = [pytest.mark.server, pytest.mark.postgres, pytest.mark.redis]


def cluster_env(database_url: str, channel: str, **extra: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "SOCKETIO_MESSAGE_QUEUE": services.REDIS_URL,
            "SOCKETIO_CHANNEL": channel, "PRESENCE_TTL": "3", **extra}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Processes A and B on one PostgreSQL database and one Redis channel."""
    database_url, channel = services.create_database(), services.redis_channel()
    env = cluster_env(database_url, channel)
    a = ServerProcess(tmp_path_factory.mktemp("lienzo-a"), env=env).prepare(facilitator=True)
    b = ServerProcess(tmp_path_factory.mktemp("lienzo-b"), env=env)
    try:
        start_together(a, b)
        yield a, b
    finally:
        a.stop()
        b.stop()
        services.drop_database(database_url)


class WirePeer(Peer):
    """A Peer that also records every server event in the order it came off the socket."""

    def __init__(self, server: ServerProcess, token: str, name: str = ""):
        self.wire: list[tuple[str, dict]] = []
        self._wire_lock = threading.Condition()
        super().__init__(server, token, name)
        eio = self.sio.eio
        receive = eio._receive_packet

        def recording(pkt):
            data = pkt.data
            if isinstance(data, str) and data.startswith("2["):  # a socket.io EVENT on "/"
                name, *args = json.loads(data[1:])
                with self._wire_lock:
                    self.wire.append((name, args[0] if args else None))
                    self._wire_lock.notify_all()
            return receive(pkt)

        eio._receive_packet = recording

    def events(self, name: str) -> list[dict]:
        with self._wire_lock:
            return [payload for event, payload in self.wire if event == name]

    def wait_for(self, predicate, stall: float = STALL) -> bool:
        """Wait until ``predicate(self)``, as long as packets keep arriving (tests/waiting.py)."""
        return wait_until(lambda: predicate(self), progress=lambda: self.received, stall=stall, wake=self._wire_lock)


@pytest.fixture
def connect(cluster):
    made: list[WirePeer] = []

    def make(server: ServerProcess, token: str, name: str = "") -> WirePeer:
        peer = WirePeer(server, token, name)
        made.append(peer)
        return peer

    yield make
    for peer in made:
        peer.close()


def test_every_event_reaches_every_client_once_in_order_while_both_processes_write(cluster, connect):
    a, b = cluster
    workshop = a.seed()
    canvas_id = workshop["canvas_ids"][0]
    peers = [connect(server, server.join(workshop["code"], f"{label}{i}"), f"{label}{i}")
             for label, server in (("A", a), ("B", b)) for i in range(3)]
    for peer in peers:
        peer.join(canvas_id)
    per_client = 15

    def burst(peer: Peer) -> list[dict]:
        acks = concurrently(*[lambda i=i: peer.call_op("note:add", op(block="problem", text=f"{peer.name} {i}"))
                              for i in range(per_client)])
        mine = [ack["event"]["data"] for ack in acks if ack["ok"]]
        edits = [peer.call_op("note:edit", op(note_id=note["id"], text=note["text"] + " (editada)", version=1))
                 for note in mine[:3]]
        return acks + edits

    with ThreadPoolExecutor(max_workers=len(peers)) as pool:
        acks = [ack for result in pool.map(burst, peers) for ack in result]
    assert all(ack["ok"] for ack in acks), [ack for ack in acks if not ack["ok"]][:3]
    total = len(acks)
    assert sorted(ack["seq"] for ack in acks) == list(range(1, total + 1))
    acked = {ack["seq"]: ack["event"] for ack in acks}

    # A last change after all the others: each process relays events in seq order, so once a client
    # has it, anything extra (a duplicate) from before would already be on its wire.
    last = peers[0].call("note:add", op(block="problem", text="la última"))
    assert last["ok"] and last["seq"] == total + 1, last
    acked[last["seq"]] = last["event"]
    total += 1

    expected = by_id(api_snapshot(a, canvas_id, peers[0].token)["notes"])
    assert expected == by_id(api_snapshot(b, canvas_id, peers[0].token)["notes"])
    for peer in peers:
        assert peer.wait_for(lambda p: any(e["seq"] == total for e in p.events("change"))), \
            (peer.name, len(peer.events("change")))
        wire = peer.events("change")
        assert [e["seq"] for e in wire] == list(range(1, total + 1)), peer.name  # once each, in order, no gap
        assert wire == [acked[seq] for seq in range(1, total + 1)], peer.name
        assert apply_events({}, wire) == expected, peer.name
    for server in (a, b):
        assert "Traceback" not in server.log(), server.log()[-3000:]


def test_controls_presence_editing_and_removal_cross_processes(cluster, connect):
    a, b = cluster
    workshop = a.seed()
    canvas_id = workshop["canvas_ids"][0]
    seat = workshop["http"].post(f"{a.url}/api/workshops/{workshop['workshop_id']}/seat", timeout=TIMEOUT).json()
    facilitator = connect(a, seat["token"], "Facilitadora on A")
    facilitator.join(canvas_id)
    ana = connect(b, b.join(workshop["code"], "Ana"), "Ana on B")
    ana_ack = ana.join(canvas_id)
    ben = connect(a, a.join(workshop["code"], "Ben"), "Ben on A")
    ben_ack = ben.join(canvas_id)

    # Presence: each join ack lists the people of both processes; arrivals are announced across.
    assert {p["name"] for p in ana_ack["presence"]} == {"Ana", "Ana Facilitadora"}
    assert {p["name"] for p in ben_ack["presence"]} == {"Ana", "Ben", "Ana Facilitadora"}
    assert ana.wait_for(lambda p: any(e.get("joined", {}).get("name") == "Ben" for e in p.events("presence")))

    # Editing indicator from B reaches A, and a join on A lists it.
    note = ana.call("note:add", op(block="problem", text="Colas"))["event"]["data"]
    assert ana.call("note:editing", {"note_id": note["id"], "editing": True})["ok"]
    assert ben.wait_for(lambda p: any(e["note_id"] == note["id"] and e["editing"] for e in p.events("editing")))
    assert [e["note_id"] for e in ben.call("canvas:join", {"canvas_id": canvas_id, "last_seq": None})["editing"]] \
        == [note["id"]]

    # A lock set through A refuses a participant on B; the workshop timer set on A reaches B.
    assert facilitator.call("canvas:lock", op(canvas_id=canvas_id, locked=True))["ok"]
    refused = ana.call("note:add", op(block="problem", text="bloqueada"))
    assert refused["ok"] is False and refused["error"]["code"] == "locked", refused
    assert facilitator.call("canvas:lock", op(canvas_id=canvas_id, locked=False))["ok"]
    assert ana.call("note:add", op(block="problem", text="otra vez abierta"))["ok"]
    started = facilitator.call("timer:start", op(seconds=300))
    assert started["ok"], started
    assert ana.wait_for(lambda p: any(e["type"] == "workshop.timer" for e in p.events("workshop")))
    timer = next(e for e in ana.events("workshop") if e["type"] == "workshop.timer")["data"]["timer"]
    assert timer == started["event"]["data"]["timer"]

    # Removing Ana (connected to B) from A: told, disconnected, announced as gone.
    removed = facilitator.call("participant:remove", op(participant_id=ana_ack["me"]["id"]))
    assert removed["ok"], removed
    assert ana.wait_for(lambda p: p.events("session:ended"))
    assert wait_until(lambda: not ana.sio.connected)
    assert ben.wait_for(lambda p: any(e.get("left", {}).get("name") == "Ana" for e in p.events("presence")))
    assert {p["name"] for p in ben.call("canvas:join", {"canvas_id": canvas_id})["presence"]} == {
        "Ben", "Ana Facilitadora"}


def test_the_seats_of_a_killed_process_are_cleared_and_announced(cluster, connect):
    """Last in the module: it kills B (and starts it again)."""
    a, b = cluster
    workshop = a.seed()
    canvas_id = workshop["canvas_ids"][0]
    ben = connect(a, a.join(workshop["code"], "Ben"), "Ben on A")
    ben.join(canvas_id)
    caro = connect(b, b.join(workshop["code"], "Caro"), "Caro on B")
    note = caro.join(canvas_id) and caro.call("note:add", op(block="problem", text="x"))["event"]["data"]
    assert caro.call("note:editing", {"note_id": note["id"], "editing": True})["ok"]
    assert ben.wait_for(lambda p: any(e["note_id"] == note["id"] for e in p.events("editing")))
    assert "Caro" in {p["name"] for p in ben.call("canvas:join", {"canvas_id": canvas_id})["presence"]}

    b.kill()
    killed = time.monotonic()
    assert ben.wait_for(lambda p: any(e.get("left", {}).get("name") == "Caro" for e in p.events("presence"))), \
        ben.wire
    assert time.monotonic() - killed < 10  # a promise, not a wait: PRESENCE_TTL=3 plus a heartbeat
    assert any(e["note_id"] == note["id"] and not e["editing"] for e in ben.events("editing"))
    assert {p["name"] for p in ben.call("canvas:join", {"canvas_id": canvas_id})["presence"]} == {"Ben"}
    b.start()
    assert requests.get(b.url + "/", timeout=TIMEOUT).status_code == 200
