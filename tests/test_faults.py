"""Faults survived: a server killed mid-write, the database dropping its
connections or refusing new ones, Redis going away and coming back.

Real server processes and real python-socketio clients, as in test_server.py.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import socketio

from . import services
from .servers import ServerProcess, free_port, start_together, writers_started
from .test_cluster import WirePeer
from .test_server import TIMEOUT, Peer, api_snapshot, apply_events, by_id, connect_error_body, op
from .waiting import STALL, wait_until

pytestmark = [pytest.mark.server, pytest.mark.faults]


def contiguous(seqs) -> int:
    """The highest seq up to which nothing is missing (what a client reconnects with)."""
    last = 0
    for seq in sorted(set(seqs)):
        if seq != last + 1:
            break
        last = seq
    return last


class Writer:
    """A participant adding notes in a loop, keeping what was acked and what was not."""

    def __init__(self, server: ServerProcess, token: str, canvas_id: int, name: str):
        self.server, self.token, self.canvas_id, self.name = server, token, canvas_id, name
        self.peer = Peer(server, token, name)
        self.peer.join(canvas_id)
        self.acked: list[dict] = []
        self.pending: dict | None = None  # sent, never acked

    def run(self, stop: threading.Event) -> None:
        i = 0
        while not stop.is_set():
            payload = op(block="problem", text=f"{self.name} nota {i}", note_id=str(uuid.uuid4()))
            self.pending = payload
            try:  # waits while the server answers anything; a killed server drops the socket
                ack = self.peer.call_op("note:add", payload)
            except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError,
                    socketio.exceptions.DisconnectedError):
                return
            assert ack["ok"], ack
            self.acked.append(ack["event"])
            self.pending = None
            i += 1

    def state(self) -> tuple[int, dict]:
        """What this client knows: its last contiguous seq and the notes up to it."""
        events = sorted({e["seq"]: e for e in self.peer.changes + self.acked}.values(), key=lambda e: e["seq"])
        last = contiguous(e["seq"] for e in events)
        return last, apply_events({}, [e for e in events if e["seq"] <= last])


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_sigkill_while_twenty_clients_write_loses_no_acked_note_and_retries_apply_once(database, tmp_path):
    env = {"RESYNC_MAX_EVENTS": "100000"}
    if database == "postgresql":
        env["DATABASE_URL"] = services.create_database()
    server = ServerProcess(tmp_path, env=env).prepare(facilitator=True)
    try:
        server.start()
        canvas_id, writers, stop, threads = writers_started(server, Writer, 20)
        acks = lambda: sum(len(w.acked) for w in writers)  # noqa: E731
        assert wait_until(lambda: acks() >= 100, progress=acks), acks()
        server.kill()  # SIGKILL in the middle of the writes
        stop.set()
        for thread in threads:
            thread.join(timeout=STALL)
        acked = [event for w in writers for event in w.acked]
        assert len(acked) >= 100
        for w in writers:
            w.peer.close()

        server.start()
        retried: dict[str, dict] = {}
        for w in writers:  # reconnect with the last seq, then retry the unacked operation once
            w.last, w.notes = w.state()
            w.back = Peer(server, w.token, w.name + " again")
            sync = w.back.join(canvas_id, last_seq=w.last)
            assert sync["mode"] == "events", sync["mode"]
            w.notes, w.last = apply_events(w.notes, sync["events"]), sync["seq"]
            if w.pending is not None:
                ack = w.back.call("note:add", w.pending)
                assert ack["ok"], ack
                retried[w.pending["op_id"]] = ack["event"]
        for w in writers:  # once everyone has retried: catch up by seq
            caught_up = w.back.call("canvas:resync", {"last_seq": w.last})
            assert caught_up["mode"] == "events"
            w.final = apply_events(w.notes, caught_up["events"])
            w.back.close()

        reader = Peer(server, writers[0].token, "reader")
        log = reader.join(canvas_id, last_seq=0)
        reader.close()
        snapshot = by_id(api_snapshot(server, canvas_id, writers[0].token)["notes"])
        events = log["events"]
        assert [e["seq"] for e in events] == list(range(1, log["seq"] + 1))  # gapless
        op_ids = [e["op_id"] for e in events]
        assert len(op_ids) == len(set(op_ids))  # no operation applied twice
        assert {e["op_id"] for e in acked} | set(retried) == set(op_ids)
        for event in acked:  # every acked note survived, as acked
            assert snapshot[event["data"]["id"]]["text"] == event["data"]["text"]
        assert all(e["type"] == "note.added" for e in events) and len(snapshot) == len(events)
        for w in writers:  # every client ends with exactly the server's state
            assert w.final == snapshot, w.name
        assert "Traceback" not in server.log(), server.log()[-3000:]
    finally:
        server.stop()
        if database == "postgresql":
            services.drop_database(env["DATABASE_URL"])


@pytest.mark.postgres
def test_database_dropping_and_refusing_connections_answers_unavailable_then_recovers(tmp_path):
    url = services.create_database()
    name = services.database_name(url)
    terminate = (f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                 f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")
    server = ServerProcess(tmp_path, env={"DATABASE_URL": url, "DATABASE_CONNECT_TIMEOUT": "2"}).prepare(
        facilitator=True)
    try:
        server.start()
        workshop = server.seed()
        canvas_id = workshop["canvas_ids"][0]
        ana = Peer(server, server.join(workshop["code"], "Ana"), "Ana")
        ana.join(canvas_id)
        assert ana.call("note:add", op(block="problem", text="antes"))["ok"]

        # Every connection of the app killed: the pool notices before use; nobody sees an error.
        services.admin(terminate)
        assert ana.call("note:add", op(block="problem", text="después del corte"))["ok"]

        # The database refuses connections for a moment: an error ack, quickly, and a 503.
        services.admin(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false")
        services.admin(terminate)
        try:
            payload = op(block="problem", text="durante la caída")
            started = time.monotonic()
            refused = ana.call("note:add", payload)
            assert time.monotonic() - started < 5
            assert refused["ok"] is False and refused["error"]["code"] == "unavailable", refused
            assert refused["error"]["message"]
            api = requests.get(f"{server.url}/api/canvases/{canvas_id}",
                               headers={"Authorization": f"Bearer {ana.token}"}, timeout=TIMEOUT)
            assert api.status_code == 503 and api.json()["error"]["code"] == "unavailable", api.text
            page = requests.get(f"{server.url}/f/login", timeout=TIMEOUT)
            assert page.status_code in (200, 503)  # a page that needs no database may still answer
            dashboard = workshop["http"].get(f"{server.url}/f/", timeout=TIMEOUT)
            assert dashboard.status_code == 503, dashboard.status_code
            assert "Traceback" not in dashboard.text and "psycopg" not in dashboard.text
            newcomer, errors = socketio.Client(reconnection=False), []
            newcomer.on("connect_error", errors.append)
            with pytest.raises(socketio.exceptions.ConnectionError):
                newcomer.connect(server.url, auth={"token": ana.token}, transports=["websocket"],
                                 wait_timeout=TIMEOUT)
            newcomer.disconnect()
            assert [connect_error_body(e)["code"] for e in errors] == ["unavailable"], errors
        finally:
            services.admin(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true")

        # Back: the same op_id goes through, once.
        again = ana.call("note:add", payload)
        assert again["ok"], again
        assert ana.call("note:add", payload) == again
        texts = [n["text"] for n in api_snapshot(server, canvas_id, ana.token)["notes"]]
        assert sorted(texts) == sorted(["antes", "después del corte", "durante la caída"])
        assert server.process.poll() is None
        assert "Traceback" not in server.log(), server.log()[-3000:]
        assert "database unavailable" in server.log()
        ana.close()
    finally:
        server.stop()
        services.drop_database(url)


class PrivateRedis:
    """A redis-server of the test's own on a free port, killed and restarted at will."""

    def __init__(self, workdir: Path):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            services.require("redis-server binary", "redis://127.0.0.1:1", 1)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_until(lambda: services.reachable(self.url, self.port)), "redis-server did not start"

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@contextmanager
def two_processes_on_private_redis(tmp_path: Path, channel: str, **extra: str):
    """Processes A and B on a fresh PostgreSQL database and a Redis of the test's own, which the
    test may kill and restart; yields (a, b, redis) and stops everything afterwards."""
    redis_server = PrivateRedis(tmp_path)
    redis_server.start()
    url = services.create_database()
    env = {"DATABASE_URL": url, "SOCKETIO_MESSAGE_QUEUE": redis_server.url, "SOCKETIO_CHANNEL": channel, **extra}
    a = ServerProcess(tmp_path / "a", env=env)
    b = ServerProcess(tmp_path / "b", env=env)
    try:
        a.prepare(facilitator=True)
        start_together(a, b)
        yield a, b, redis_server
    finally:
        a.stop()
        b.stop()
        redis_server.kill()
        services.drop_database(url)


@pytest.mark.postgres
@pytest.mark.redis
def test_redis_going_away_keeps_each_process_serving_its_own_and_reconnects(tmp_path):
    with two_processes_on_private_redis(tmp_path, "faults", PRESENCE_TTL="3") as (a, b, redis_server):
        workshop = a.seed()
        canvas_id = workshop["canvas_ids"][0]
        ana = WirePeer(a, a.join(workshop["code"], "Ana"), "Ana on A")
        ben = WirePeer(a, a.join(workshop["code"], "Ben"), "Ben on A")
        caro = WirePeer(b, b.join(workshop["code"], "Caro"), "Caro on B")
        for peer in (ana, ben, caro):
            peer.join(canvas_id)
        assert ana.call("note:add", op(block="problem", text="uno"))["ok"]
        assert caro.wait_for(lambda p: [e["seq"] for e in p.events("change")] == [1])

        redis_server.kill()
        started = time.monotonic()
        during = ana.call("note:add", op(block="problem", text="dos, sin Redis"))
        assert during["ok"], during
        assert time.monotonic() - started < 3
        assert ben.wait_for(lambda p: [e["seq"] for e in p.events("change")] == [1, 2])  # same process: served
        dan = WirePeer(a, a.join(workshop["code"], "Dan"), "Dan on A")  # joining still works
        assert "Dan" in {p["name"] for p in dan.join(canvas_id)["presence"]}
        assert wait_until(lambda: "Redis" in a.log()), a.log()
        assert a.process.poll() is None and b.process.poll() is None

        redis_server.start()  # the same port, empty
        assert wait_until(lambda: "subscribed to Redis again" in a.log() and "subscribed to Redis again" in b.log()), \
            (a.log(), b.log())
        # B's sockets missed seq 2 while Redis was away: they are told to resync, and catch up by seq.
        assert caro.wait_for(lambda p: p.events("resync"))
        caught_up = caro.call("canvas:resync", {"last_seq": 1})
        assert [e["seq"] for e in caught_up["events"]] == [2]
        after = ana.call("note:add", op(block="problem", text="tres, con Redis"))
        assert after["ok"] and after["seq"] == 3
        assert caro.wait_for(lambda p: [e["seq"] for e in p.events("change")][-1:] == [3])
        assert ben.wait_for(lambda p: [e["seq"] for e in p.events("change")] == [1, 2, 3])
        # Presence heals once the heartbeat has written the seats into the new Redis again.
        assert wait_until(lambda: {p["name"] for p in caro.call("canvas:join", {"canvas_id": canvas_id})[
            "presence"]} >= {"Ana", "Ben", "Caro", "Dan"})
        for peer in (ana, ben, caro, dan):
            peer.close()
        for server in (a, b):
            assert "Traceback" not in server.log(), server.log()[-3000:]
