"""Shared fixtures: a real app on a real SQLite file (or, for the modules
marked ``backends``, on PostgreSQL too), and helpers to set up a workshop and
its participants through the domain core."""

from __future__ import annotations

import uuid
from contextlib import nullcontext
from functools import cache

import pytest
from flask import has_app_context
from werkzeug.security import generate_password_hash

from facilitator import catalog_of, create_app
from facilitator.board.schemas import JoinWorkshop, NewCanvases, NewWorkshop
from facilitator.board.workshops import add_canvases, create_workshop, join_workshop
from facilitator.config import TestConfig
from facilitator.extensions import db, socketio
from facilitator.models import Facilitator, Workshop

from . import services

PASSWORD = "correct horse battery"
BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc):
    """Run the tests of modules marked ``backends`` once per database."""
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("backends"):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def postgres_suite_url():
    """One PostgreSQL database for the in-process suite; emptied before each test."""
    url = services.create_database()
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield url
    services.drop_database(url)


def _empty_all_tables() -> None:
    names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    db.session.execute(db.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory):
    """An empty SQLite database with the models' tables, made once per run (per xdist worker):
    each test's ``app`` starts from a copy of it, which costs a file copy instead of a
    ``create_all`` (a dozen DDL statements, each committed with ``synchronous=FULL``)."""
    path = tmp_path_factory.mktemp("schema") / "empty.db"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    return path


def sqlite_app(path, schema, **config):
    """A test app on a new SQLite file at ``path``, a copy of the empty ``schema``."""
    from .real_size import copy_database

    copy_database(schema, path)
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", **config)


def close_app(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path, backend, request):
    if backend == "postgresql":
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=request.getfixturevalue("postgres_suite_url"))
        with app.app_context():
            _empty_all_tables()
    else:
        app = sqlite_app(tmp_path / "test.db", request.getfixturevalue("sqlite_schema"))
    yield app
    close_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@cache
def password_hash(password: str = PASSWORD) -> str:
    """The app's own (scrypt) hash of ``password``, made once per run: a hash costs ~0.2 s of
    CPU and the suite makes facilitators by the hundred, all with one password. Logging in
    still checks it in full; only the salt is shared, which no test looks at."""
    return generate_password_hash(password)


def make_facilitator(email: str = "ana@example.org", name: str = "Ana Facilitadora") -> Facilitator:
    facilitator = Facilitator(email=email, name=name, password_hash=password_hash())
    db.session.add(facilitator)
    db.session.commit()
    return facilitator


class World:
    """A workshop with canvases and participants, built through the board."""

    def __init__(self, app, template_id: str = "public-policy-lean-canvas", canvases: int = 1,
                 email: str = "ana@example.org"):
        self.app = app
        with app.app_context():
            facilitator = make_facilitator(email=email)
            workshop = create_workshop(facilitator, NewWorkshop(title="Comunidad de práctica"))
            created = add_canvases(catalog_of(app), workshop,
                                   NewCanvases(template_id=template_id, name="Mesa", count=canvases))
            self.facilitator_id = facilitator.id
            self.workshop_id = workshop.id
            self.code = workshop.code
            self.canvas_ids = [c.id for c in created]
        self.sockets: list = []  # every test client of ``socket``, for ``disconnect``

    @property
    def canvas_id(self) -> int:
        return self.canvas_ids[0]

    def join(self, name: str, institution: str = "") -> str:
        with self.app.app_context() if not has_app_context() else nullcontext():
            db.session.rollback()
            _participant, token = join_workshop(JoinWorkshop(code=self.code, name=name, institution=institution))
            return token

    def seat(self) -> str:
        """The facilitator's seat token in this workshop."""
        from facilitator.board.workshops import facilitator_seat

        with self.app.app_context() if not has_app_context() else nullcontext():
            db.session.rollback()
            _actor, token = facilitator_seat(db.session.get(Facilitator, self.facilitator_id),
                                             db.session.get(Workshop, self.workshop_id))
            return token

    def socket(self, token: str, canvas_id: int | None = None, last_seq: int | None = None):
        """A Flask-SocketIO test client, joined to a canvas."""
        client = socketio.test_client(self.app, auth={"token": token})
        assert client.is_connected()
        ack = client.emit("canvas:join", {"canvas_id": canvas_id or self.canvas_id, "last_seq": last_seq},
                          callback=True)
        assert ack["ok"], ack
        client.join_ack = ack
        self.sockets.append(client)
        return client

    def disconnect(self) -> None:
        """Disconnect every socket this world opened (an app shared by many tests keeps no
        one online from an earlier test)."""
        for client in self.sockets:
            if client.is_connected():
                client.disconnect()


@pytest.fixture
def world(app):
    return World(app)


def op(**fields) -> dict:
    """An operation's payload, with an ``op_id`` of its own."""
    return {"op_id": uuid.uuid4().hex, **fields}


def ok(client, name: str, payload: dict) -> dict:
    """Send ``name`` from a test client and return its ack, which must say ok."""
    ack = client.emit(name, payload, callback=True)
    assert ack["ok"], (name, ack)
    return ack


def refused(client, name: str, payload: dict, code: str) -> dict:
    """Send ``name`` and return its ack, which must refuse with ``code`` and say why."""
    ack = client.emit(name, payload, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == code, (name, ack)
    assert ack["error"]["message"]
    return ack


def received(client, name: str = "change") -> list:
    """The args of every ``name`` event the test client got since the last call."""
    return [m["args"][0] for m in client.get_received() if m["name"] == name]


# ---- real-browser tests (tests/test_browser*.py) -------------------------------


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the run (per xdist worker; Debian's, through Playwright):
    each test opens its own contexts (``open_page``), which share nothing, so a launch
    per module bought nothing but its start-up time."""
    from .browser_support import CHROMIUM_ARGS, chromium_path, unavailable

    path = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the [dev] extra installs it
        unavailable("Playwright for Python is missing: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def open_page(browser):
    """Open pages in fresh browser contexts (each its own person); fail on any script error."""
    from .browser_support import PageErrors
    from .waiting import BROWSER_MS

    contexts, watchers = [], []

    def open_(expect_console: tuple[str, ...] = (), **options):
        context = browser.new_context(locale="es-ES", **options)
        context.set_default_timeout(BROWSER_MS)  # generous: a loaded machine is slow, not stuck
        contexts.append(context)
        page = context.new_page()
        watchers.append(PageErrors(page, expect_console))
        return page

    yield open_
    for context in contexts:
        context.close()
    errors = [error for watcher in watchers for error in watcher.errors]
    assert not errors, errors


# ---- the real-size workshop (tests/real_size.py) --------------------------------


@pytest.fixture(scope="session")
def real_size_file(tmp_path_factory):
    """The demo workshop (60 people, 10 tables, 150 notes) built once per test run into a
    SQLite file; the fixtures below start from copies of it."""
    from .real_size import build_file

    path = tmp_path_factory.mktemp("real-size") / "lienzo.db"
    return path, build_file(path)


@pytest.fixture
def real_size(app, backend, tmp_path, request):
    """The real-size workshop on the test app (``app``'s database): a copy of the one built
    for the run on SQLite, built afresh on PostgreSQL. Returns facilitator/demo.py's DemoWorkshop;
    the facilitator logs in with real_size.EMAIL and PASSWORD."""
    from .real_size import build, copy_database

    if backend == "postgresql":
        return build(app)
    path, demo = request.getfixturevalue("real_size_file")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    copy_database(path, tmp_path / "test.db")
    return demo


@pytest.fixture(scope="module")
def real_size_server(tmp_path_factory, real_size_file):
    """A real server (python wsgi.py) holding a copy of the real-size workshop: ``(server, demo)``."""
    from .real_size import real_size_server as start

    with start(tmp_path_factory.mktemp("real-size-server"), built=real_size_file) as started:
        yield started


@pytest.fixture(scope="module")
def people_online(real_size_server):
    """Every participant of the real-size workshop connected, each in its table's canvas."""
    from .real_size import PeopleOnline

    server, demo = real_size_server
    with PeopleOnline(server.url, demo.seats) as people:
        yield people
