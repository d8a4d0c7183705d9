"""The real PostgreSQL and Redis the service-backed tests use.

Each test run makes its own databases (``lienzo_test_<random>``) and Redis
channel, and drops the databases afterwards, so runs on one machine never meet.
Without the services the tests skip with the reason; under ``CI=true`` they
fail instead (``.ci/run`` starts the services).
"""

from __future__ import annotations

import os
import secrets
import socket
from urllib.parse import urlsplit

import pytest

POSTGRES_URL = os.environ.get("LIENZO_TEST_POSTGRES", "postgresql://127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("LIENZO_TEST_REDIS", "redis://127.0.0.1:6379/0")


def reachable(url: str, default_port: int) -> bool:
    """A quick TCP probe of the service's port."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=0.5):
            return True
    except OSError:
        return False


def require(name: str, url: str, default_port: int) -> None:
    if reachable(url, default_port):
        return
    reason = f"{name} is not reachable at {urlsplit(url).netloc or url} (set LIENZO_TEST_{name.upper()} to use another)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; under CI=true it must run: .ci/run starts it", pytrace=False)
    pytest.skip(reason)


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as connection:
        connection.execute(sql)


def create_database() -> str:
    """A new empty database; returns its URL (postgresql://, as a user would write it)."""
    require("postgres", POSTGRES_URL, 5432)
    name = f"lienzo_test_{secrets.token_hex(5)}"
    _admin(f"CREATE DATABASE {name}")
    parts = urlsplit(POSTGRES_URL)
    return parts._replace(path=f"/{name}").geturl()


def drop_database(url: str) -> None:
    _admin(f"DROP DATABASE IF EXISTS {urlsplit(url).path.lstrip('/')} WITH (FORCE)")


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def admin(sql: str) -> None:
    """Run one statement as the administrator (e.g. pg_terminate_backend)."""
    _admin(sql)


def redis_channel() -> str:
    """A fresh channel name, which also prefixes every key Lienzo keeps in Redis."""
    require("redis", REDIS_URL, 6379)
    return f"lienzo-test-{secrets.token_hex(5)}"
