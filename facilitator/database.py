"""Engine set-up that the domain core relies on.

SQLite: WAL so readers never wait for a writer, a busy timeout, foreign keys,
and explicit transactions, so a write can start with BEGIN IMMEDIATE and never
fail half-way on a stale read snapshot. PostgreSQL needs none of this: the
row lock taken by the ``seq`` UPDATE serialises writers on a canvas.
"""

from __future__ import annotations

from weakref import WeakSet

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db

_WRITE = "lienzo_write"
_configured: WeakSet = WeakSet()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        immediate = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def init_app(app: Flask) -> None:
    """Attach the engine listeners once the engine exists."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite" and engine not in _configured:
            _configure_sqlite(engine)
            _configured.add(engine)


def begin_write() -> None:
    """Start the session's transaction as a write transaction.

    Call with no transaction open. On SQLite this takes the write lock at once.
    """
    db.session.connection(execution_options={_WRITE: True})
