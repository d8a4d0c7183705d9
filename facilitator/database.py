"""Engine set-up that the domain core relies on.

SQLite: WAL so readers never wait for a writer, a busy timeout, foreign keys,
and explicit transactions, so a write can start with BEGIN IMMEDIATE and never
fail half-way on a stale read snapshot. ``SQLITE_SYNCHRONOUS`` chooses when a
commit reaches the disk. FULL (the default): the WAL is synced before every
commit returns (and so before its ack), for power-loss durability at a few ms
per change: "never losing a note" holds even for a machine that loses power.
NORMAL (a choice, for a host with a UPS or a disposable workshop): a commit is written to the WAL
file (in the OS's cache) before it returns, and the WAL is synced to the disk
at each checkpoint; a committed, acknowledged change survives the process being
killed (kill -9, a crash), never a corrupt file, but the changes committed since
the last sync may be lost if the OS crashes or the machine loses power. The
fsync it saves was the largest single cost of a change's trip (bench/README.md,
issue 12).

With FULL (or EXTRA), a change that comes from a socket does not wait for the disk
before it reaches the room (``SQLITE_SYNC_AFTER_BROADCAST``, on by default): its
transaction commits at NORMAL (written to the WAL, visible, safe from the process's
death), the socket layer broadcasts it and lets its frames go out, and ``settle``
then syncs the WAL file before the sender's ack, one sync for every change committed
before it began. So the ack still means "on the disk", and the room no longer waits
for the disk. Every other commit (pages, the CLI) syncs before it returns, as FULL
does. docs/deploy.md says what the broadcast before the sync gives up on a power cut.

PostgreSQL needs none of this: the
row lock taken by the ``seq`` UPDATE serialises writers on a canvas. It gets
instead a pool that tests its connections before use (so a restarted server
or a killed backend costs one reconnect, not an error), and timeouts and TCP
keepalives so that a lost server turns into an ``unavailable`` answer within
seconds instead of a request that hangs.

None of the server-side timeouts help when the server or the network between
freezes (the connection stays open, no byte comes back), and TCP keepalives
take minutes, or never fire when a proxy in between keeps answering TCP. So
every round trip to PostgreSQL has a client-side deadline,
``DATABASE_RESPONSE_TIMEOUT``: past it, the connection is closed (its state is
unknown) and the caller gets an ``OperationalError``, which the socket handlers
and views turn into ``unavailable`` and a 503.
"""

from __future__ import annotations

import logging
import os
import threading
from weakref import WeakSet

from flask import Flask, g, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from .db import db

log = logging.getLogger(__name__)

_WRITE = "lienzo_write"
_SYNC_LATER = "lienzo_sync_later"  # execution option: this write's disk sync is made by ``settle``
_WAL = "lienzo_wal"  # a SQLite connection's info: its WAL file, when its syncs may come after the commit
_LEVEL = "lienzo_synchronous"  # a SQLite connection's info: its PRAGMA synchronous now
_OWED = "lienzo_sync_owed"  # on ``g``: [the WAL file that ``settle`` must sync, its ticket (below)]
_configured: WeakSet = WeakSet()


SQLITE_SYNCHRONOUS_MODES = ("NORMAL", "FULL", "EXTRA")


def sqlite_synchronous(value: str | None) -> str:
    """The ``PRAGMA synchronous`` level asked for; OFF is refused (a crash could corrupt the file)."""
    mode = (value or "FULL").strip().upper()
    if mode not in SQLITE_SYNCHRONOUS_MODES:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNCHRONOUS_MODES)}, not {value!r}")
    return mode


def _configure_sqlite(engine: Engine, synchronous: str = "FULL", sync_after_broadcast: bool = True) -> None:
    sync_later = sync_after_broadcast and synchronous != "NORMAL"  # at NORMAL there is no sync to move

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        journal = cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        record.info[_LEVEL] = synchronous
        if sync_later and str(journal).lower() == "wal":
            main = next((row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main"), "")
            if main:  # a file, not a database in memory
                record.info[_WAL] = main + "-wal"
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        options = connection.get_execution_options()
        # The level is chosen per transaction, before it begins: NORMAL only for a write
        # whose sync ``settle`` makes; every other commit syncs as configured.
        level = "NORMAL" if options.get(_SYNC_LATER) and _WAL in connection.info else synchronous
        if connection.info.get(_LEVEL) != level:
            connection.exec_driver_sql(f"PRAGMA synchronous={level}")
            connection.info[_LEVEL] = level
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(_WRITE, False) else "BEGIN")


# The driver for postgres:// and postgresql:// URLs: psycopg 3, which under
# eventlet waits through select() (wsgi.py sets PSYCOPG_WAIT_FUNC=wait_select)
# and so lets other green threads run during a query; bench/pg_driver.py.
POSTGRES_DRIVER = "postgresql+psycopg"


def _deadline_connection(timeout: float):
    """A psycopg connection class whose every wait for the server ends after ``timeout`` seconds.

    psycopg runs each round trip (a query, a commit, the pool's ping) through
    ``Connection.wait``, which takes a timeout but is given none; this class
    gives it one. The wait goes through the same wait function (select under
    eventlet), so other green threads run meanwhile.
    """
    import psycopg

    class Connection(psycopg.Connection):
        response_timeout: float | None = timeout

        def wait(self, gen, interval=None, timeout=None):
            limit = timeout if timeout is not None else self.response_timeout
            options = {} if interval is None else {"interval": interval}
            try:
                return super().wait(gen, timeout=limit, **options)
            except psycopg.errors.OperationalError as error:
                if timeout is None and type(error).__name__ == "_WaitTimeout":
                    # Mid-protocol with no answer: the connection cannot be used again.
                    self.close()
                    message = f"PostgreSQL did not answer within {limit:g} s (DATABASE_RESPONSE_TIMEOUT)"
                    log.warning("%s: connection closed", message)
                    raise psycopg.OperationalError(message) from None
                raise

    return Connection


def normalize_url(url: str | None) -> str | None:
    """Map ``postgres://`` (Heroku-style) and ``postgresql://`` URLs to the chosen driver."""
    if not url:
        return url
    scheme, sep, rest = url.partition("://")
    if sep and scheme in ("postgres", "postgresql"):
        return f"{POSTGRES_DRIVER}://{rest}"
    return url


def engine_options(url: str, config) -> dict:
    """Pool and connection settings for the URL's database.

    Error messages never carry the statement's values (tokens' hashes, what
    people wrote): ``hide_parameters``.
    """
    if make_url(url).get_backend_name() != "postgresql":
        return {"hide_parameters": True}
    statement_ms = int(config.get("DATABASE_STATEMENT_TIMEOUT_MS", 30000))
    options = {"hide_parameters": True, "pool_pre_ping": True, "pool_size": int(config.get("DATABASE_POOL_SIZE", 10)),
               "max_overflow": int(config.get("DATABASE_MAX_OVERFLOW", 10)),
               "pool_timeout": int(config.get("DATABASE_POOL_TIMEOUT", 10)), "pool_recycle": 1800}
    if make_url(url).get_driver_name() == "psycopg":
        # libpq settings: give up connecting after a few seconds; probe an idle
        # connection after 30 s and drop it after 3 lost probes; let no
        # statement, lock wait or forgotten transaction hold a canvas for long.
        options["connect_args"] = {
            "connect_timeout": int(config.get("DATABASE_CONNECT_TIMEOUT", 5)),
            "application_name": "lienzo",
            "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
            "tcp_user_timeout": 30000,
            "options": f"-c statement_timeout={statement_ms} -c lock_timeout={min(statement_ms, 10000)} "
                       "-c idle_in_transaction_session_timeout=60000",
        }
    return options


def configure(app: Flask) -> None:
    """Normalise the database URL and fill in engine options (before Flask-SQLAlchemy reads them)."""
    url = normalize_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**engine_options(url, app.config),
                                               **(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})}


def _configure_psycopg(engine: Engine, response_timeout: float) -> None:
    connection_class = _deadline_connection(response_timeout)

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect, _record, cargs, cparams):
        return connection_class.connect(*cargs, **cparams)


def init_app(app: Flask) -> None:
    """Attach the engine listeners once the engine exists."""
    with app.app_context():
        engine = db.engine
        if engine in _configured:
            return
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine, sqlite_synchronous(app.config.get("SQLITE_SYNCHRONOUS")),
                              bool(app.config.get("SQLITE_SYNC_AFTER_BROADCAST", True)))
        elif engine.dialect.driver == "psycopg" and float(app.config.get("DATABASE_RESPONSE_TIMEOUT", 5)) > 0:
            _configure_psycopg(engine, float(app.config["DATABASE_RESPONSE_TIMEOUT"]))
        _configured.add(engine)


def in_write() -> bool:
    """Whether the session is inside a transaction begun by ``begin_write``."""
    return db.session().in_transaction() and bool(db.session.connection().get_execution_options().get(_WRITE))


def begin_write(sync_later: bool = False) -> None:
    """Start the session's transaction as a write transaction.

    Call with no transaction open. On SQLite this takes the write lock at once.
    ``sync_later``: the commit may return before the disk is synced (SQLite at FULL,
    ``SQLITE_SYNC_AFTER_BROADCAST``); the caller must then call ``settle`` before it
    tells anyone the change is saved. Refusals and replays owe the sync too: a replay's
    "ok" must not come before its original's data is on the disk.
    """
    connection = db.session.connection(execution_options={_WRITE: True, _SYNC_LATER: True} if sync_later
                                       else {_WRITE: True})
    wal = connection.info.get(_WAL) if sync_later else None
    if wal is not None:
        setattr(g, _OWED, [wal, _syncs.ticket(wal)])


class _Syncs:
    """Group commit for the syncs ``settle`` makes: one sync of the WAL file covers every
    commit written before it began. Each sync gets the next number when it begins; a
    commit's ticket is how many had begun just after it. A finished sync numbered above
    a ticket began after that commit, so its data is on the disk and its own sync can be
    skipped. Under load, the commits of the messages handled while one waits for its
    turn share one sync instead of queuing one each."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._begun: dict[str, int] = {}
        self._finished: dict[str, int] = {}  # the highest number of a sync that succeeded

    def ticket(self, wal: str) -> int:
        with self._guard:
            return self._begun.get(wal, 0)

    def sync(self, wal: str, ticket: int) -> None:
        with self._guard:
            if self._finished.get(wal, 0) > ticket:
                return
            number = self._begun[wal] = self._begun.get(wal, 0) + 1
        _sync_file(wal)  # outside the guard: under threads, a commit may start the next sync meanwhile
        with self._guard:
            self._finished[wal] = max(self._finished.get(wal, 0), number)


_syncs = _Syncs()


@event.listens_for(Session, "after_commit")
def _after_commit(_session) -> None:
    """A commit in a context that owes a sync moves its ticket past it."""
    owed = g.get(_OWED) if has_app_context() else None
    if owed is not None:
        owed[1] = _syncs.ticket(owed[0])


def settle() -> None:
    """Sync to the disk what this context committed with ``begin_write(sync_later=True)``,
    unless a sync that began after the commit already did.

    The socket layer calls it once the change's frames are out (live/handlers.py). A
    failed sync raises ``OperationalError``, which the socket layer answers
    ``unavailable``: the client retries, and the retry is answered from the Event after
    a sync that worked.
    """
    owed = g.pop(_OWED, None)
    if owed is None:
        return
    try:
        _syncs.sync(*owed)
    except OSError as error:
        raise OperationalError("fsync of the SQLite WAL", None, error) from error


def _sync_file(path: str) -> None:
    """fsync one file: what SQLite at FULL does to the WAL file before its commit returns.
    A file that does not exist has nothing unsynced (the last connection checkpointed it
    into the database, synced, and removed it)."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def database_failed(error: SQLAlchemyError, where: str) -> None:
    """Log a failed database call and reset the session, so the caller can answer ``unavailable``.

    An unreachable or restarting database (or a timeout) is an operational
    event: one line in the log. Anything else is a bug: with its traceback.
    """
    operational = isinstance(error, OperationalError | PoolTimeout)  # PoolTimeout: every connection busy too long
    if operational or (isinstance(error, DBAPIError) and error.connection_invalidated):
        orig = getattr(error, "orig", None)
        first_line = (str(orig) if orig is not None else str(error)).strip().splitlines()[:1]
        log.warning("database unavailable in %s: %s", where, first_line[0] if first_line else type(error).__name__)
    else:
        log.error("database error in %s", where, exc_info=error)
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.invalidate()
