"""Configuration read from the environment (and an optional ``.env``).

Defaults suit the embedded mode: SQLite in the instance folder, one process.
"""

import os
from datetime import timedelta

DEV_SECRET_KEY = "dev-only-secret-change-me"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


class Config:
    """Settings for a real run; every value can come from an environment variable."""

    LIENZO_ENV = os.environ.get("LIENZO_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    DEBUG = _bool("FLASK_DEBUG", False)

    # None means: SQLite file in the instance folder (filled in by create_app).
    # postgres:// and postgresql:// URLs use psycopg 3 (see database.py).
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or None
    # PostgreSQL only: connections per process (pool plus overflow), how long a
    # request waits for one, how long connecting and one statement may take.
    DATABASE_POOL_SIZE = _int("DATABASE_POOL_SIZE", 10)
    DATABASE_MAX_OVERFLOW = _int("DATABASE_MAX_OVERFLOW", 10)
    DATABASE_POOL_TIMEOUT = _int("DATABASE_POOL_TIMEOUT", 10)
    DATABASE_CONNECT_TIMEOUT = _int("DATABASE_CONNECT_TIMEOUT", 5)
    DATABASE_STATEMENT_TIMEOUT_MS = _int("DATABASE_STATEMENT_TIMEOUT_MS", 30000)
    # PostgreSQL only: seconds any round trip (a query, a commit, the pool's
    # ping) may wait for an answer before ``unavailable``; it also bounds what a
    # frozen server or network costs (0: no client-side deadline).
    DATABASE_RESPONSE_TIMEOUT = float(os.environ.get("DATABASE_RESPONSE_TIMEOUT") or 5)
    # SQLite only: when a commit reaches the disk (database.py, docs/deploy.md).
    # FULL (the default): the disk is synced before every acknowledgement, so an
    # acknowledged note survives even a power cut; NORMAL (WAL): it survives the
    # process's death (kill -9, a crash) but the last ones may be lost if the
    # machine itself loses power or the OS crashes, for a few ms less per change.
    SQLITE_SYNCHRONOUS = (os.environ.get("SQLITE_SYNCHRONOUS") or "FULL").strip().upper()
    # SQLite at FULL: a change sent over a socket reaches the room as soon as it is
    # committed, and the disk is synced after that, before the sender's ack (database.py).
    # false: the sync comes first, and the room waits for it.
    SQLITE_SYNC_AFTER_BROADCAST = _bool("SQLITE_SYNC_AFTER_BROADCAST", True)

    # The async mode is always explicit: wsgi.py sets eventlet, tests use threading.
    SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE", "threading")
    SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None
    # The Redis channel, and the prefix of the keys kept there (presence, ordering
    # locks): processes that serve the same workshops share it.
    SOCKETIO_CHANNEL = os.environ.get("SOCKETIO_CHANNEL") or "lienzo"
    # Seconds after which the presence of a process that stopped beating is dropped.
    PRESENCE_TTL = _int("PRESENCE_TTL", 15)
    # On SIGTERM (a restart, a deploy), seconds ``python wsgi.py`` waits for the
    # messages and requests in progress to finish before it tells every client
    # to reconnect and exits; keep it under systemd's TimeoutStopSec.
    SHUTDOWN_GRACE = float(os.environ.get("SHUTDOWN_GRACE") or 5)
    # Browsers offer permessage-deflate; bench/fanout.py measured it as a net
    # loss for our small messages, so it is declined unless asked for.
    WEBSOCKET_COMPRESSION = _bool("WEBSOCKET_COMPRESSION", False)

    BABEL_DEFAULT_LOCALE = "es"
    LANGUAGES = ("es", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = timedelta(days=60)
    WTF_CSRF_TIME_LIMIT = None

    # Protocol limits.
    RESYNC_MAX_EVENTS = _int("RESYNC_MAX_EVENTS", 500)
    # The largest socket message the protocol needs (a 1,000-character note, a
    # group of 200 notes) is under 10 KB; anything bigger is refused unread.
    SOCKET_MAX_MESSAGE_BYTES = _int("SOCKET_MAX_MESSAGE_BYTES", 16 * 1024)
    # Messages per participant: a burst, then a steady rate per second; beyond
    # it the answer is ``rate_limited`` (a person never comes close).
    SOCKET_BURST = _int("SOCKET_BURST", 60)
    SOCKET_RATE_PER_SECOND = _int("SOCKET_RATE_PER_SECOND", 20)
    MAX_NOTES_PER_CANVAS = _int("MAX_NOTES_PER_CANVAS", 2000)
    MAX_PARTICIPANTS_PER_WORKSHOP = _int("MAX_PARTICIPANTS_PER_WORKSHOP", 500)
    # Other sites allowed to open Socket.IO connections (comma-separated origins,
    # e.g. when the app is served under a second hostname). Default: only our own.
    SOCKETIO_ALLOWED_ORIGINS = [o.strip() for o in os.environ.get("SOCKETIO_ALLOWED_ORIGINS", "").split(",")
                                if o.strip()] or None

    # HTTP rate limits (Flask-Limiter). A room of 150 behind one public IP must
    # be able to join within a minute, typos and all, while guessing codes stays
    # slow: only failed attempts count towards the strict limits, and a right
    # code gets in past RATELIMIT_JOIN_FAILURES (views/limits.py). Use
    # redis://... when several processes serve the app.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
    # Off: views/limits.py puts Retry-After (rounded up) on 429 answers only.
    RATELIMIT_HEADERS_ENABLED = False
    # Every limit of a request is looked at, so a wrong code refused by one limit still counts in the other.
    RATELIMIT_FAIL_ON_FIRST_BREACH = False
    RATELIMIT_JOIN_FAILURES = os.environ.get("RATELIMIT_JOIN_FAILURES") or "30 per minute"
    RATELIMIT_JOIN_GUESSES = os.environ.get("RATELIMIT_JOIN_GUESSES") or "300 per hour"
    RATELIMIT_JOINS = os.environ.get("RATELIMIT_JOINS") or "600 per minute"
    RATELIMIT_LOGIN_FAILURES = os.environ.get("RATELIMIT_LOGIN_FAILURES") or "10 per minute;50 per hour"
    # Opening a one-time account link (an invitation, a password reset) that does not work:
    # a wrong, used or expired token counts like a wrong password (views/accounts.py).
    RATELIMIT_LINK_FAILURES = os.environ.get("RATELIMIT_LINK_FAILURES") or "10 per minute;50 per hour"

    # How long one-time account links work (facilitator/accounts.py): invitations (to make an
    # account, or to co-facilitate a workshop) and password resets.
    INVITE_LINK_HOURS = _int("INVITE_LINK_HOURS", 7 * 24)
    RESET_LINK_MINUTES = _int("RESET_LINK_MINUTES", 60)

    # Uploads: no request body above MAX_CONTENT_LENGTH; workshop files to import up to IMPORT_MAX_BYTES.
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 32 * 1024 * 1024)
    IMPORT_MAX_BYTES = _int("IMPORT_MAX_BYTES", 16 * 1024 * 1024)

    # Exports are rendered by this many worker processes (export/pool.py), never on the
    # event loop that carries every workshop's notes; 0 renders in the server itself
    # (the test suite's default). A request waits EXPORT_WAIT seconds for its file and
    # otherwise answers with a progress page; a worker silent for EXPORT_TIMEOUT seconds is
    # replaced and its export fails.
    EXPORT_WORKERS = _int("EXPORT_WORKERS", 2)
    EXPORT_WAIT = float(os.environ.get("EXPORT_WAIT") or 2)
    EXPORT_TIMEOUT = float(os.environ.get("EXPORT_TIMEOUT") or 300)

    # The webhook (export/webhook.py): when a workshop is closed, its JSON file is posted to
    # WEBHOOK_URL, signed with HMAC-SHA256 under WEBHOOK_SECRET; off unless both are set.
    # Network errors and 5xx answers are tried again after WEBHOOK_RETRY_DELAY seconds,
    # doubling each time, WEBHOOK_ATTEMPTS attempts in all; each waits WEBHOOK_TIMEOUT seconds.
    WEBHOOK_URL = os.environ.get("WEBHOOK_URL") or None
    WEBHOOK_SECRET = os.environ.get("WEBHOOK_SECRET") or None
    WEBHOOK_ATTEMPTS = _int("WEBHOOK_ATTEMPTS", 5)
    WEBHOOK_RETRY_DELAY = float(os.environ.get("WEBHOOK_RETRY_DELAY") or 30)
    WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT") or 10)

    # The time zone of the times that exports show people (IANA name); JSON stays in UTC.
    TIMEZONE = os.environ.get("TIMEZONE") or "UTC"

    # Public URL used in join links when the app runs behind a proxy.
    PUBLIC_URL = os.environ.get("PUBLIC_URL") or None
    # Where this installation publishes its source (the AGPL's section 13); unset: the
    # running code itself, as /source.tar.gz (views/about.py).
    SOURCE_URL = os.environ.get("SOURCE_URL") or None
    # How many proxies (e.g. 1 for nginx) set X-Forwarded-For/-Proto/-Host that
    # Lienzo should believe; 0 trusts none (the app is reached directly).
    PROXY_COUNT = _int("PROXY_COUNT", 0)


class TestConfig(Config):
    """Settings for the test suite: in-memory friendly, no CSRF tokens in forms."""

    TESTING = True
    LIENZO_ENV = "testing"
    SECRET_KEY = "test-secret"
    SOCKETIO_ASYNC_MODE = "threading"
    SOCKETIO_MESSAGE_QUEUE = None
    WTF_CSRF_ENABLED = False
    RESYNC_MAX_EVENTS = 50
    # Exports render in the test process and the request waits for them (tests/test_export_worker.py
    # runs the worker processes).
    EXPORT_WORKERS = 0
    EXPORT_WAIT = 120.0
