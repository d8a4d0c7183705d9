"""A workshop at the size of a real one, for tests, browser tests and screenshots.

- ``build(app)``: the demo workshop of facilitator/demo.py (60 people at 10
  tables, 150 notes on the first canvas), built through the board on ``app``.
- ``real_size_server(workdir)``: a real server (``python wsgi.py``) on a fresh
  SQLite database holding that workshop.
- ``PeopleOnline``: N real socket.io clients, each joined to its table's canvas,
  so the pages show "60 people online" as they would in the room.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path

import socketio
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

from facilitator import catalog_of, create_app
from facilitator.config import TestConfig
from facilitator.demo import DemoWorkshop, Seat, build_demo_workshop
from facilitator.extensions import db
from facilitator.models import Facilitator

from .servers import PASSWORD, ServerProcess

EMAIL = "lucia@example.org"
NAME = "Lucía Facilitadora"
TIMEOUT = 20.0


def build(app, email: str = EMAIL, **options) -> DemoWorkshop:
    """The demo workshop on ``app``'s database, run by a new facilitator (password: servers.PASSWORD)."""
    with app.app_context():
        facilitator = Facilitator(email=email, name=NAME, password_hash=generate_password_hash(PASSWORD))
        db.session.add(facilitator)
        db.session.commit()
        return build_demo_workshop(facilitator, catalog_of(app), **options)


def build_file(path: Path, **options) -> DemoWorkshop:
    """Build the demo workshop into a new SQLite file (schema by the migrations, as a server's),
    checkpointed so the file alone holds everything and can be copied."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        upgrade()
    demo = build(app, **options)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return demo


def copy_database(source: Path, target: Path) -> None:
    """Put a built database where an app (whose engine is closed) will read it."""
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)


@contextmanager
def real_size_server(workdir: Path, built: tuple[Path, DemoWorkshop] | None = None,
                     env: dict[str, str] | None = None, **options) -> Iterator[tuple[ServerProcess, DemoWorkshop]]:
    """A real server on a SQLite database holding the demo workshop; stopped on leaving.

    ``built``: a file made by ``build_file`` and its workshop, to start from a copy
    (else it is built here, with ``options``)."""
    server = ServerProcess(workdir, env=env)
    if built is None:
        built = workdir / "built.db", None
        built = built[0], build_file(built[0], **options)
    database, demo = built
    copy_database(database, workdir / "instance" / "lienzo.db")
    server.start()
    try:
        yield server, demo
    finally:
        server.stop()


class PeopleOnline:
    """Real socket.io clients, one per seat, each in its table's canvas; closed by ``close``.

    python-socketio's threaded client over WebSocket: two threads per person,
    all in this process; connected a few at a time."""

    def __init__(self, url: str, seats: list[Seat], parallel: int = 6):
        self.url = url
        self.seats = seats
        self.clients: list[socketio.Client] = []
        self._lock = threading.Lock()
        try:
            with ThreadPoolExecutor(max_workers=parallel) as pool:
                list(pool.map(self._connect, seats))
        except BaseException:
            self.close()
            raise

    def _connect(self, seat: Seat) -> None:
        client = socketio.Client(reconnection=False)
        with self._lock:
            self.clients.append(client)
        client.connect(self.url, auth={"token": seat.token, "lang": "es"}, transports=["websocket"],
                       wait_timeout=TIMEOUT)
        ack = client.call("canvas:join", {"canvas_id": seat.canvas_id, "last_seq": None}, timeout=TIMEOUT)
        if not ack.get("ok"):
            raise RuntimeError(f"{seat.name} could not open canvas {seat.canvas_id}: {ack}")

    @property
    def connected(self) -> int:
        return sum(1 for client in self.clients if client.connected)

    def close(self) -> None:
        for client in self.clients:
            with suppress(Exception):  # one failure must not keep the others open
                client.disconnect()
        self.clients = []

    def __enter__(self) -> PeopleOnline:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
