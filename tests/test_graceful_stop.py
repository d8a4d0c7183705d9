"""SIGTERM is a graceful stop: a restart during a workshop loses no ack.

A real server process and real socket.io clients that add notes in a loop.
SIGTERM arrives mid-stream; every message sent before it must get its ack
(applied, or refused with ``unavailable`` and retried after the restart by its
``op_id``), the clients must be told to reconnect, and the process must exit
with 0 within its grace period.
"""

from __future__ import annotations

import signal
import threading
import time
import uuid

import pytest
import requests
import socketio

from . import services
from .servers import ServerProcess, writers_started
from .test_server import Peer, api_snapshot, op
from .waiting import wait_until

pytestmark = pytest.mark.server

GRACE = 3


class Sent:
    """One operation: when it was sent and what came back."""

    def __init__(self, payload: dict):
        self.payload = payload
        self.sent_at = time.monotonic()
        self.ack: dict | None = None
        self.acked_at: float | None = None
        self.failure: str | None = None  # no ack: timed out or the connection was gone


class Writer:
    """A participant adding notes one after the other, as fast as the acks come."""

    def __init__(self, server: ServerProcess, token: str, canvas_id: int, name: str):
        self.token, self.name = token, name
        self.peer = Peer(server, token, name)
        self.peer.join(canvas_id)
        self.told_to_reconnect = threading.Event()
        self.peer.sio.on("server:restarting", lambda *_: self.told_to_reconnect.set())
        self.sent: list[Sent] = []

    def run(self, stop: threading.Event) -> None:
        i = 0
        while not stop.is_set():
            record = Sent(op(block="problem", text=f"{self.name} nota {i}", note_id=str(uuid.uuid4())))
            self.sent.append(record)
            try:
                record.ack = self.peer.sio.call("note:add", record.payload, timeout=GRACE + 5)
                record.acked_at = time.monotonic()
            except socketio.exceptions.SocketIOError as error:
                record.failure = type(error).__name__
                return
            if not record.ack["ok"]:
                return  # refused: the server is stopping
            i += 1


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_sigterm_mid_stream_acks_every_message_sent_before_it_and_exits_within_the_grace(database, tmp_path):
    env = {"SHUTDOWN_GRACE": str(GRACE), "LOG_LEVEL": "INFO", "RESYNC_MAX_EVENTS": "100000"}
    if database == "postgresql":
        env["DATABASE_URL"] = services.create_database()
    server = ServerProcess(tmp_path, env=env).prepare()
    try:
        server.create_facilitator()
        server.start()
        canvas_id, writers, stop, threads = writers_started(server, Writer, 10)
        sent = lambda: sum(len(w.sent) for w in writers)  # noqa: E731
        assert wait_until(lambda: sent() >= 100, progress=sent), sent()  # slow on a busy machine, not stuck

        signalled_at = time.monotonic()
        server.process.send_signal(signal.SIGTERM)  # mid-stream
        code = server.process.wait(timeout=GRACE + 10)
        took = time.monotonic() - signalled_at
        stop.set()
        for thread in threads:
            thread.join(timeout=GRACE + 10)

        records = [r for w in writers for r in w.sent]
        before = [r for r in records if r.sent_at < signalled_at]
        assert len(before) >= 100
        in_flight = [r for r in before if r.acked_at is None or r.acked_at > signalled_at]
        assert in_flight  # the stop came mid-stream
        print(f"sent before SIGTERM: {len(before)}, in flight at SIGTERM: {len(in_flight)}, acked ok among them: "
              f"{sum(1 for r in in_flight if r.ack and r.ack['ok'])}, refused unavailable: "
              f"{sum(1 for r in records if r.ack and not r.ack['ok'])}, stop took {took:.2f} s")
        unanswered = [r.failure for r in before if r.ack is None]
        assert not unanswered, f"{len(unanswered)} messages sent before SIGTERM got no ack: {unanswered}"
        assert code == 0, server.log()[-3000:]
        assert took < GRACE + 2, f"the process took {took:.1f} s to stop"
        for r in records:
            assert r.ack is None or r.ack["ok"] or r.ack["error"]["code"] == "unavailable", r.ack
        assert all(w.told_to_reconnect.is_set() for w in writers)
        assert "Traceback" not in server.log(), server.log()[-3000:]

        server.start()  # back: every operation not acked as applied is retried, by its op_id
        retried = {}
        for w in writers:
            w.peer.close()
            again = Peer(server, w.token, w.name + " again")
            again.join(canvas_id)
            for r in w.sent:
                if not (r.ack and r.ack["ok"]):
                    ack = again.call("note:add", r.payload)
                    assert ack["ok"], ack
                    retried[r.payload["op_id"]] = ack
            again.close()
        acked = [r for r in records if r.ack and r.ack["ok"]]
        snapshot = api_snapshot(server, canvas_id, writers[0].token)
        texts = sorted(n["text"] for n in snapshot["notes"])
        assert texts == sorted(r.payload["text"] for r in records)  # all there, once each
        for r in acked:  # what was acked before the stop is kept as acked
            assert r.payload["op_id"] not in retried
        reader = Peer(server, writers[0].token, "reader")
        log = reader.join(canvas_id, last_seq=0)
        reader.close()
        op_ids = [e["op_id"] for e in log["events"]]
        assert len(op_ids) == len(set(op_ids)) == len(records)
    finally:
        server.stop()
        if database == "postgresql":
            services.drop_database(env["DATABASE_URL"])


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_an_idle_server_stops_at_once(signum, tmp_path):
    """With nothing to do, eventlet's hub sleeps in epoll for up to a minute, and a Python signal
    handler waits for it: a service manager's SIGTERM (or Ctrl+C) must wake it (wsgi.watch_signals)."""
    server = ServerProcess(tmp_path, env={"SHUTDOWN_GRACE": str(GRACE), "LOG_LEVEL": "INFO"}).prepare().start()
    try:
        signalled_at = time.monotonic()
        server.process.send_signal(signum)
        code = server.process.wait(timeout=90)  # bounded well beyond the hub's longest sleep (60 s)
        took = time.monotonic() - signalled_at
        assert code == 0, server.log()[-3000:]
        assert f"{signal.Signals(signum).name}: stopping" in server.log()
        assert took < GRACE + 2, f"the idle server took {took:.1f} s to stop"
    finally:
        server.stop()


def test_a_long_polling_client_that_stopped_polling_does_not_hold_the_stop_up(tmp_path):
    """Closing a connection sends what is queued for it first; a long-polling client that no
    longer polls (a phone asleep) never takes it. The stop must still end, and cleanly."""
    server = ServerProcess(tmp_path, env={"SHUTDOWN_GRACE": str(GRACE), "LOG_LEVEL": "INFO"}).prepare().start()
    try:
        handshake = requests.get(f"{server.url}/socket.io/?EIO=4&transport=polling", timeout=30)
        assert handshake.status_code == 200 and '"sid"' in handshake.text  # then it never polls again
        signalled_at = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        code = server.process.wait(timeout=90)
        took = time.monotonic() - signalled_at
        assert code == 0, server.log()[-3000:]
        assert "stopped in" in server.log()
        assert took < GRACE + 5, f"the server took {took:.1f} s to stop"
    finally:
        server.stop()
