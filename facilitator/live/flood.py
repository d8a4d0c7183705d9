"""A per-participant budget of socket messages (a token bucket).

A person clicking and typing never comes near it; a script that floods a
canvas gets ``rate_limited`` answers, cheaply, before any database work, so
everyone else is not slowed. Kept in this process's memory: with sticky
sessions a participant's sockets live on one process.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class MessageBudget:
    """``allow(key)`` spends one message of ``key``'s budget, if it has one left."""

    def __init__(self, burst: int, per_second: float, clock=time.monotonic) -> None:
        self.burst = burst
        self.per_second = per_second
        self.clock = clock
        self._buckets: dict[object, _Bucket] = {}
        self._lock = threading.Lock()

    def allow(self, key: object) -> bool:
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(self.burst, now)
                if len(self._buckets) > 50_000:
                    self._forget_full(now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.per_second)
            bucket.stamp = now
            if bucket.tokens < 1:
                return False
            bucket.tokens -= 1
            return True

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled: they hold nothing worth keeping."""
        for key in [k for k, b in self._buckets.items()
                    if b.tokens + (now - b.stamp) * self.per_second >= self.burst]:
            del self._buckets[key]
