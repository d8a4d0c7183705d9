"""A big export never stalls the room: the real eventlet server, real socket.io
clients, and the 3,000-note workshop's report rendered meanwhile.

With the worker processes (the default) a note reaches a second client within
a fraction of a second while the report renders; rendered in the server
(``EXPORT_WORKERS=0``, how every export ran before), the same measure sees the
room stop for as long as the render takes, which is what the first test
guards against. A SIGTERM during an export stops the server within its grace,
the export fails as "stopping" and no worker process is left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import socketio

from .servers import PASSWORD, ROOT, ServerProcess
from .test_server import Peer, op
from .waiting import CAP, wait_until

pytestmark = pytest.mark.server

# The workshop of bench/export.py, written into the server's database, with our facilitator added.
BIG = """
import random, sys
from facilitator import create_app
from facilitator.extensions import db
from facilitator.models import Facilitator, Workshop
from bench.export import build
app = create_app()
with app.app_context():
    workshop_id = build(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), random.Random(7))
    workshop = db.session.get(Workshop, workshop_id)
    workshop.facilitators.append(db.session.scalar(db.select(Facilitator).filter_by(email="ana@example.org")))
    db.session.commit()
    print(workshop_id, workshop.canvases[0].id, workshop.code)
"""


def big_workshop(server: ServerProcess, participants: int = 150, canvases: int = 15,
                 notes: int = 3000) -> tuple[int, int, str]:
    done = subprocess.run([sys.executable, "-c", BIG, str(participants), str(canvases), str(notes)], cwd=ROOT,
                          env=server.env, capture_output=True, text=True, timeout=CAP, check=True)
    workshop_id, canvas_id, code = done.stdout.split()[-3:]
    return int(workshop_id), int(canvas_id), code


def facilitator_session(server: ServerProcess) -> requests.Session:
    http = requests.Session()
    http.post(server.url + "/api/login", json={"email": "ana@example.org", "password": PASSWORD},
              timeout=30).raise_for_status()
    return http


def export_until_ready(http: requests.Session, url: str) -> dict:
    """Ask for an export as the page's script does, and poll its state until it ends."""
    state = http.get(url, headers={"Accept": "application/json"}, timeout=CAP).json()
    while state["state"] == "working":
        time.sleep(0.2)
        state = http.get(url.split("/f/")[0] + state["status_url"], headers={"Accept": "application/json"},
                         timeout=CAP).json()
    return state


class Arrivals:
    """When each note's ``change`` came off a second client's socket, by its text."""

    def __init__(self, peer: Peer):
        self.at: dict[str, float] = {}
        receive = peer.sio.eio._receive_packet

        def stamped(pkt):
            if isinstance(pkt.data, str) and pkt.data.startswith('2["change",'):
                change = json.loads(pkt.data[1:])[1]
                if change.get("type") == "note.added":
                    self.at[change["data"]["text"]] = time.monotonic()
            return receive(pkt)

        peer.sio.eio._receive_packet = stamped


@pytest.mark.parametrize(("workers", "stalls"), [("2", False), ("0", True)], ids=["worker", "in-server"])
def test_a_note_reaches_another_client_while_the_big_report_renders(tmp_path, workers, stalls):
    server = ServerProcess(tmp_path, env={"EXPORT_WORKERS": workers, "EXPORT_WAIT": "0.2",
                                          "RATELIMIT_JOINS": "1000 per minute"}).prepare(facilitator=True)
    workshop_id, canvas_id, code = big_workshop(server)
    server.start()
    try:
        writer, reader = (Peer(server, server.join(code, name), name) for name in ("Escribe", "Lee"))
        writer.join(canvas_id), reader.join(canvas_id)
        arrivals = Arrivals(reader)
        http = facilitator_session(server)
        # Warm up: the first export loads the fonts (in the worker, or in the server).
        assert export_until_ready(http, server.url + f"/f/workshops/{workshop_id}/export/csv")["state"] == "ready"
        sent: dict[str, float] = {}
        acks: list[dict] = []
        stop, dropped = threading.Event(), threading.Event()

        def write() -> None:
            i = 0
            while not stop.is_set():
                text = f"nota en vivo {i}"
                sent[text] = time.monotonic()
                try:
                    acks.append(writer.call_op("note:add", op(block="problem", text=text)))
                except socketio.exceptions.DisconnectedError:  # the stalled server let the heartbeat lapse
                    dropped.set()
                    return
                i += 1
                time.sleep(0.05)

        thread = threading.Thread(target=write, daemon=True)
        thread.start()
        time.sleep(1)
        started = time.monotonic()
        state = export_until_ready(http, server.url + f"/f/workshops/{workshop_id}/export/report-pdf")
        finished = time.monotonic()
        time.sleep(1)
        stop.set()
        thread.join(CAP)
        assert state["state"] == "ready"
        assert http.get(server.url + state["file_url"], timeout=CAP).content.startswith(b"%PDF")
        assert finished - started > 1.0, "the report rendered too fast to say anything"
        all_arrived = wait_until(lambda: all(text in arrivals.at for text in sent))
        during = [arrivals.at[text] - at for text, at in sent.items()
                  if started <= at <= finished and text in arrivals.at]
        # Also the note sent just before the stall, whose delivery waited for the whole render.
        late = max((arrivals.at[text] - at for text, at in sent.items() if at <= finished and text in arrivals.at),
                   default=0.0)
        print(f"\nexport {finished - started:.2f} s; {len(during)} notes sent meanwhile; "
              f"slowest delivery {late * 1000:.0f} ms; all arrived: {all_arrived}")
        took = finished - started
        assert acks and all(ack["ok"] for ack in acks), acks
        if stalls:
            # Without the worker the room waits for (about) the whole render; on a busy machine a
            # render long enough to outlast the reader's heartbeat even drops its connection.
            assert late > took / 2 or not all_arrived or dropped.is_set()
        else:
            assert all_arrived and not dropped.is_set()
            # The room never waited for the render: a busy 2-core machine still delays a delivery a little.
            assert len(during) >= 5 and late < min(1.0, took / 4)
    finally:
        server.stop()


def test_sigterm_during_an_export_stops_its_workers_and_the_export_fails_cleanly(tmp_path):
    server = ServerProcess(tmp_path, env={"EXPORT_WORKERS": "2", "EXPORT_WAIT": "0.2", "SHUTDOWN_GRACE": "3"})
    server.prepare(facilitator=True)
    workshop_id, _canvas_id, _code = big_workshop(server, participants=60, canvases=10, notes=2000)
    server.start()
    try:
        pid = server.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        assert wait_until(lambda: len(children.read_text().split()) == 2)
        workers = [int(p) for p in children.read_text().split()]
        http = facilitator_session(server)
        first = http.get(server.url + f"/f/workshops/{workshop_id}/export/report-pdf",
                         headers={"Accept": "application/json"}, timeout=CAP).json()
        assert first["state"] == "working"
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=CAP) == 0
        for worker in workers:
            assert wait_until(lambda w=worker: not os.path.exists(f"/proc/{w}"), stall=5, cap=5), worker
        assert "Traceback" not in server.log()
    finally:
        server.stop()
