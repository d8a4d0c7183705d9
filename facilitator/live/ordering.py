"""One lock per workshop around commit-then-broadcast, so that events go out
in ``seq`` order (and workshop events in version order).

In one process a lock in memory is enough. With several processes sharing a
Redis message queue, the lock is also taken in Redis (``SET NX PX``, released
only by its holder), so that no process publishes a later ``seq`` while
another is still between committing an earlier one and publishing it; the
queue then hands every process the events in ``seq`` order. If Redis is
unreachable the process keeps going on its own lock (its own sockets still get
order; clients reorder the rest by ``seq``, as the protocol says).

A lock whose holder died must not hold the workshop up for long, so its
lifetime is short: ``LOCK_TTL_MS``, about the longest real hold (a commit and
a publish take milliseconds) plus a wide margin. A live holder whose operation
runs longer (a slow database) keeps its lock: one renewer per process extends
every lock it holds every ``RENEW_EVERY_S``. A process killed with SIGKILL
stops renewing, and its lock is free within ``LOCK_TTL_MS``.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

LOCK_TTL_MS = 1000
RENEW_EVERY_S = LOCK_TTL_MS / 4000
LOCK_WAIT_S = 5.0
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

_guard = threading.Lock()
_locks: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)


class RedisOrdering:
    """The cross-process part of the workshop lock."""

    def __init__(self, client, prefix: str):
        self.client = client
        self.prefix = prefix
        self._release = client.register_script(_RELEASE)
        self._renew = client.register_script(_RENEW)
        self._held: dict[str, str] = {}  # key -> token of the locks this process holds now
        self._renewing = False
        self._held_guard = threading.Lock()
        self._down = False
        self._retry_at = 0.0  # after a failure, skip Redis for a second (a vanished host costs a connect timeout)

    def _acquire(self, key: str, token: str) -> bool:
        if time.monotonic() < self._retry_at:
            return False
        deadline = time.monotonic() + LOCK_WAIT_S
        pause = 0.001
        while True:
            try:
                if self.client.set(key, token, nx=True, px=LOCK_TTL_MS):
                    if self._down:
                        log.warning("ordering locks in Redis work again")
                        self._down = False
                    return True
            except Exception as error:
                self._retry_at = time.monotonic() + 1.0
                if not self._down:
                    log.error("cannot take the ordering lock in Redis (%s): ordering within this process only",
                              error)
                    self._down = True
                return False
            if time.monotonic() > deadline:
                log.warning("waited %.0f s for the ordering lock %s; going on without it", LOCK_WAIT_S, key)
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.01)

    def _keep_alive(self, key: str, token: str) -> None:
        """Renew the lock while it is held; start the renewer if it is not running."""
        with self._held_guard:
            self._held[key] = token
            if self._renewing:
                return
            self._renewing = True
        threading.Thread(target=self._renew_held, name="ordering-renewer", daemon=True).start()

    def _let_go(self, key: str) -> None:
        with self._held_guard:
            self._held.pop(key, None)

    def _renew_held(self) -> None:
        """Extend every lock held here, every RENEW_EVERY_S, until none is held (then stop)."""
        while True:
            time.sleep(RENEW_EVERY_S)
            with self._held_guard:
                held = list(self._held.items())
                if not held:
                    self._renewing = False
                    return
            for key, token in held:
                try:
                    self._renew(keys=[key], args=[token, LOCK_TTL_MS])
                except Exception as error:  # Redis away: the lock expires; ordering goes on locally
                    log.debug("could not renew the ordering lock %s (%s)", key, error)

    @contextmanager
    def hold(self, workshop_id: int) -> Iterator[None]:
        key, token = f"{self.prefix}:order:{workshop_id}", uuid.uuid4().hex
        acquired = self._acquire(key, token)
        if acquired:
            self._keep_alive(key, token)
        try:
            yield
        finally:
            if acquired:
                self._let_go(key)
                try:
                    self._release(keys=[key], args=[token])
                except Exception as error:
                    log.warning("could not release the ordering lock %s (%s); it expires by itself", key, error)


@contextmanager
def workshop_lock(workshop_id: int, shared: RedisOrdering | None = None) -> Iterator[None]:
    with _guard:
        lock = _locks[workshop_id]
    with lock:
        if shared is None:
            yield
        else:
            with shared.hold(workshop_id):
                yield
