"""The workshop's ordering lock in a real Redis: a dead holder blocks the
others at most the lock's short lifetime; a live holder keeps it for as long
as its operation runs."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from facilitator.live import ordering
from facilitator.live.ordering import LOCK_TTL_MS, RedisOrdering

from . import services
from .servers import ROOT

pytestmark = pytest.mark.redis

HOLD_AND_WAIT = """
import sys, time
import redis
from facilitator.live.ordering import RedisOrdering
locks = RedisOrdering(redis.Redis.from_url(sys.argv[1]), sys.argv[2])
with locks.hold(7):
    print("held", flush=True)
    time.sleep(60)
"""


def client():
    import redis

    return redis.Redis.from_url(services.REDIS_URL, socket_timeout=2)


def test_a_holder_killed_with_sigkill_delays_the_next_operation_at_most_the_lock_lifetime():
    prefix = services.redis_channel()
    redis_client = client()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_AND_WAIT, services.REDIS_URL, prefix], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        dead_token = redis_client.get(f"{prefix}:order:7")
        assert dead_token is not None
        holder.kill()  # dies holding the lock: it is never released
        holder.wait(timeout=10)
        killed_at = time.monotonic()

        survivor = RedisOrdering(redis_client, prefix)
        with survivor.hold(7):
            waited = time.monotonic() - killed_at
            mine = redis_client.get(f"{prefix}:order:7")
        assert mine is not None and mine != dead_token  # taken, not gone without it
        # An operation holds the lock for milliseconds: a dead holder may cost about a second, not 5.
        assert waited <= 1.5, f"waited {waited:.2f} s for a dead holder's lock"
        assert LOCK_TTL_MS <= 1000
        assert not survivor._down
    finally:
        if holder.poll() is None:
            holder.kill()
        redis_client.delete(f"{prefix}:order:7")


def test_a_live_holder_keeps_the_lock_while_its_operation_runs_longer_than_the_lifetime():
    prefix = services.redis_channel()
    redis_client = client()
    first, second = RedisOrdering(redis_client, prefix), RedisOrdering(redis_client, prefix)
    held = threading.Event()
    released_at: list[float] = []
    slow = 3 * LOCK_TTL_MS / 1000

    def slow_operation() -> None:
        with first.hold(9):
            held.set()
            time.sleep(slow)  # a slow database: three lifetimes
            released_at.append(time.monotonic())

    thread = threading.Thread(target=slow_operation)
    thread.start()
    try:
        assert held.wait(timeout=10)
        with second.hold(9):
            acquired_at = time.monotonic()
        thread.join(timeout=10)
        assert released_at and acquired_at >= released_at[0], "the lock was taken from a live holder"
        assert not first._held and not second._held
    finally:
        thread.join(timeout=10)
        redis_client.delete(f"{prefix}:order:9")


def test_the_renewer_stops_when_nothing_is_held():
    prefix = services.redis_channel()
    locks = RedisOrdering(client(), prefix)
    with locks.hold(11):
        assert locks._renewing
    deadline = time.monotonic() + 10
    while locks._renewing and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not locks._renewing
    assert ordering.RENEW_EVERY_S < LOCK_TTL_MS / 1000 / 2
