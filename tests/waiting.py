"""Waiting in tests on progress, not on the clock.

A busy machine (a CI runner sharing its cores) makes everything slower, but it
keeps making progress: acks and events keep arriving, only later. So the tests
never fail on a short fixed deadline. They wait while something is still
happening, fail after ``STALL`` seconds in which nothing happened at all, and
give up in any case after ``CAP`` seconds, so a real hang still ends the run.

Both bounds can be raised for a very slow machine with ``LIENZO_TEST_STALL`` and
``LIENZO_TEST_CAP`` (seconds). Bounds that are promises of the product itself
(an ``unavailable`` answer "within seconds", a dead process's seats cleared
after its TTL) stay in the tests that check them; these are only for waiting.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Hashable

STALL = float(os.environ.get("LIENZO_TEST_STALL", "30"))
CAP = float(os.environ.get("LIENZO_TEST_CAP", "300"))
# Playwright takes milliseconds; a page that shows nothing new for STALL seconds has stalled.
BROWSER_MS = STALL * 1000
INTERVAL = 0.02


def wait_until(predicate: Callable[[], object], *, progress: Callable[[], Hashable] | None = None,
               stall: float = STALL, cap: float = CAP, wake: threading.Condition | None = None) -> bool:
    """True as soon as ``predicate()`` is true; False once nothing has progressed for ``stall``
    seconds (``progress()``, e.g. a count of received events, kept the same value), or after
    ``cap`` seconds in all. Without ``progress``, ``stall`` is a plain (generous) deadline.

    ``wake`` is a Condition notified when something arrives, to re-check at once instead
    of on the next poll.
    """
    started = last_change = time.monotonic()
    seen = progress() if progress is not None else None
    while True:
        if predicate():
            return True
        now = time.monotonic()
        if progress is not None:
            current = progress()
            if current != seen:
                seen, last_change = current, now
        if now - last_change >= stall or now - started >= cap:
            return bool(predicate())
        if wake is not None:
            with wake:
                wake.wait(INTERVAL)
        else:
            time.sleep(INTERVAL)

