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

    # The async mode is always explicit: wsgi.py sets eventlet, tests use threading.
    SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE", "threading")
    SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None
    # The Redis channel, and the prefix of the keys kept there (presence, ordering
    # locks): processes that serve the same workshops share it.
    SOCKETIO_CHANNEL = os.environ.get("SOCKETIO_CHANNEL") or "lienzo"
    # Seconds after which the presence of a process that stopped beating is dropped.
    PRESENCE_TTL = _int("PRESENCE_TTL", 15)
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

    # Uploads: no request body above MAX_CONTENT_LENGTH; workshop files to import up to IMPORT_MAX_BYTES.
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 32 * 1024 * 1024)
    IMPORT_MAX_BYTES = _int("IMPORT_MAX_BYTES", 16 * 1024 * 1024)

    # Public URL used in join links when the app runs behind a proxy.
    PUBLIC_URL = os.environ.get("PUBLIC_URL") or None
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
