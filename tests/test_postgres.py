"""PostgreSQL: URLs, driver, migrations, and the seq under writers that do not
share a process (each with its own engine and pool, as two servers would)."""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import select

from facilitator import board, create_app
from facilitator.config import TestConfig
from facilitator.database import normalize_url
from facilitator.extensions import db
from facilitator.models import Event

from . import services
from .conftest import World
from .servers import ROOT


@pytest.mark.parametrize("url", ["postgres://u:p@db.example:5432/lienzo", "postgresql://u:p@db.example:5432/lienzo"])
def test_postgres_urls_use_psycopg(url):
    assert normalize_url(url) == "postgresql+psycopg://u:p@db.example:5432/lienzo"


def test_other_urls_are_left_alone():
    for url in ("sqlite:////tmp/x.db", "postgresql+pg8000://u@h/d", None):
        assert normalize_url(url) == url


def test_the_eventlet_entry_point_makes_psycopg_wait_cooperatively():
    """Under eventlet, psycopg's default wait blocks in C and freezes every green thread."""
    probe = "import wsgi, psycopg.waiting as w; print(w.wait.__name__)"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wait_select"


@pytest.fixture
def fresh_database():
    url = services.create_database()
    yield url
    services.drop_database(url)


@pytest.mark.postgres
def test_migrations_build_exactly_the_models_schema_on_postgresql(fresh_database):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=fresh_database)
    with app.app_context():
        assert db.engine.dialect.name == "postgresql" and db.engine.driver == "psycopg"
        assert db.engine.pool._pre_ping
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []
        db.engine.dispose()


@pytest.mark.postgres
def test_two_engines_writing_one_canvas_at_once_get_a_gapless_unique_seq(fresh_database):
    """The UPDATE ... RETURNING on the canvas row serialises writers that share
    nothing but the database."""
    apps = [create_app(TestConfig, SQLALCHEMY_DATABASE_URI=fresh_database) for _ in range(2)]
    with apps[0].app_context():
        db.create_all()
    world = World(apps[0])
    tokens = [world.join(f"Persona {i}") for i in range(4)]
    per_writer = 40
    start = threading.Barrier(len(tokens))
    acks: list[int] = []
    errors: list[BaseException] = []

    def write(app, token: str) -> None:
        try:
            with app.app_context():
                who = board.resolve_token(token)
                db.session.rollback()
                start.wait(timeout=10)
                for i in range(per_writer):
                    change = board.apply(who, world.canvas_id, "note:add",
                                         {"op_id": uuid.uuid4().hex, "block": "problem", "text": f"{token[:4]} {i}"})
                    acks.append(change.seq)
                db.session.remove()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(apps[i % 2], token)) for i, token in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    total = per_writer * len(tokens)
    assert sorted(acks) == list(range(1, total + 1))
    with apps[1].app_context():
        seqs = db.session.scalars(select(Event.seq).where(Event.canvas_id == world.canvas_id).order_by(Event.seq))
        assert list(seqs) == list(range(1, total + 1))
    for app in apps:
        with app.app_context():
            db.engine.dispose()
