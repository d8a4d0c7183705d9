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
from .waiting import BROWSER_MS, STALL

EMAIL = "lucia@example.org"
NAME = "Lucía Facilitadora"
TIMEOUT = STALL  # generous on a busy machine (tests/waiting.py)


def build(app, email: str = EMAIL, **options) -> DemoWorkshop:
    """The demo workshop on ``app``'s database, run by a new facilitator (password: servers.PASSWORD)."""
    with app.app_context():
        # The first account of a new server is its administrator (accounts.py): so is this one.
        facilitator = Facilitator(email=email, name=NAME, password_hash=generate_password_hash(PASSWORD),
                                  is_admin=True)
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


# ---- the pages of a real-size workshop, as each person opens them ---------------

# The four sizes of issue 11: a projector or large screen, two laptops, a phone.
SIZES: dict[str, dict] = {
    "1920x1080": {"viewport": {"width": 1920, "height": 1080}},
    "1280x800": {"viewport": {"width": 1280, "height": 800}},
    "1280x720": {"viewport": {"width": 1280, "height": 720}},
    "375x812": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
}
LAPTOP, PHONE = "1280x800", "375x812"


class Visit:
    """Opens every page of one real-size workshop in a browser, as the right person.

    Logs the facilitator in and lets one participant join once; later contexts
    reuse those cookies, so each size is the same people and the workshop keeps
    its 60 participants (plus the one in the browser)."""

    def __init__(self, browser, server: ServerProcess, demo: DemoWorkshop):
        from .browser_support import log_in

        self.browser, self.server, self.demo = browser, server, demo
        self.url = server.url
        context = browser.new_context(locale="es-ES")
        try:
            page = context.new_page()
            log_in(page, self.url, EMAIL, PASSWORD)
            self.facilitator_state = context.storage_state()
            page.goto(f"{self.url}/f/workshops/{demo.workshop_id}/room")
            self.projector_url = page.get_by_role("link", name="Abrir la pantalla del proyector").get_attribute("href")
        finally:
            context.close()
        context = browser.new_context(locale="es-ES")
        try:
            page = context.new_page()
            # With ten tables, joining ends on the list of canvases (/w/<code>), not on one canvas.
            page.goto(f"{self.url}/j/{demo.code}")
            page.fill("#name", "Marta Quiroga Lagos")
            page.fill("#institution", "Municipalidad de Puerto Claro")
            page.click("main form button[type=submit]")
            page.wait_for_url(f"**/w/{demo.code}")
            self.participant_state = context.storage_state()
        finally:
            context.close()
        self.pages = {
            "home": (None, self.home), "join": (None, self.join), "login": (None, self.login),
            "tables": (self.participant_state, self.tables),
            "canvas": (self.participant_state, self.canvas),
            "canvas-block": (self.participant_state, self.canvas_block),
            "control-room": (self.facilitator_state, self.control_room),
            "projector": (None, self.projector),
            "dashboard": (self.facilitator_state, self.dashboard),
            "workshop": (self.facilitator_state, self.workshop),
            "recipe-start": (self.facilitator_state, self.recipe_start),
            "commitments": (self.facilitator_state, self.commitments),
            "people": (self.facilitator_state, self.people),
            "canvas-editor": (self.facilitator_state, self.canvas_editor),
            "canvas-editor-edit": (self.facilitator_state, self.canvas_editor_edit),
        }

    def open(self, name: str, size: str, watch=None, **options):
        """A new page in a new context of ``size``, showing page ``name`` when it is ready.
        ``watch(page)`` runs before it loads (e.g. browser_support.PageErrors).
        Returns (context, page); the caller closes the context."""
        state, show = self.pages[name]
        context = self.browser.new_context(locale="es-ES", storage_state=state, **SIZES[size], **options)
        context.set_default_timeout(BROWSER_MS)
        page = context.new_page()
        if watch is not None:
            watch(page)
        try:
            show(page)
        except BaseException:
            context.close()
            raise
        return context, page

    def home(self, page) -> None:
        page.goto(self.url + "/")

    def join(self, page) -> None:
        page.goto(f"{self.url}/j/{self.demo.code}")

    def tables(self, page) -> None:
        page.goto(f"{self.url}/w/{self.demo.code}")

    def login(self, page) -> None:
        page.goto(self.url + "/f/login")

    def dashboard(self, page) -> None:
        page.goto(self.url + "/f/")

    def workshop(self, page) -> None:
        page.goto(f"{self.url}/f/workshops/{self.demo.workshop_id}")

    def recipe_start(self, page) -> None:
        page.goto(self.url + "/f/recipes/start")

    def commitments(self, page) -> None:
        page.goto(f"{self.url}/f/workshops/{self.demo.workshop_id}/commitments")

    def people(self, page) -> None:
        page.goto(self.url + "/f/people")

    def canvas_editor(self, page) -> None:
        page.goto(self.url + "/f/canvases/")

    def canvas_editor_edit(self, page) -> None:
        """The editor on a copy of the Public Policy Lean Canvas, its previews drawn."""
        page.goto(self.url + "/f/canvases/")
        with page.expect_navigation():
            page.click("form[action$='/copy/public-policy-lean-canvas'] button")
        page.wait_for_selector("#editor-form")

    def canvas(self, page) -> None:
        from .browser_support import wait_connected

        page.goto(f"{self.url}/c/{self.demo.canvas_id}")
        wait_connected(page, timeout=BROWSER_MS)
        page.wait_for_function("(n) => document.querySelectorAll('.sheet li.note').length >= n",
                               arg=len(self.demo.note_ids))

    def canvas_block(self, page) -> None:
        """On a phone: the canvas, then its densest block opened from the list of blocks."""
        self.canvas(page)
        block = page.evaluate("""() => [...document.querySelectorAll('.sheet .block')]
            .map(b => [b.dataset.block, b.querySelectorAll(':scope > ul.notes > li.note').length])
            .sort((a, b) => b[1] - a[1])[0][0]""")
        page.click(f".block-index-item[data-block='{block}']")
        page.wait_for_selector(".canvas-page[data-view='block']")

    def control_room(self, page) -> None:
        page.goto(f"{self.url}/f/workshops/{self.demo.workshop_id}/room")
        page.wait_for_selector("#control-room[data-ready='true']")
        page.wait_for_selector("#connection[data-state='connected']")

    def projector(self, page) -> None:
        page.goto(self.projector_url)
        page.wait_for_selector("#projector[data-mode='canvas']")
        page.wait_for_function("(n) => document.querySelectorAll('#projector-sheet li.note').length >= n",
                               arg=len(self.demo.note_ids))
