"""The socket messages in progress, so that a stopping process can let them
finish (and ack) before it closes its connections, and refuse new ones.

A message refused while stopping gets the ``unavailable`` ack: nothing was
applied, and clients retry it (by ``op_id``) once reconnected. wsgi.py drives
the stop; see docs/deploy.md.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import Any


class InFlight:
    """A count of the units of work in progress, and whether new ones are still taken."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self.count = 0
        self.stopping = False

    def begin(self) -> bool:
        """Start one unit of work; False once stopping (then do not call ``end``)."""
        with self._guard:
            if self.stopping:
                return False
            self.count += 1
            return True

    def end(self) -> None:
        with self._guard:
            self.count -= 1

    def stop(self) -> None:
        """Take no new work from now on."""
        with self._guard:
            self.stopping = True

    def wait_idle(self, timeout: float, sleep: Callable[[float], Any] = time.sleep) -> bool:
        """Wait (polling, so green threads run) until nothing is in progress; False if the time ran out."""
        deadline = time.monotonic() + timeout
        while self.count > 0:
            if time.monotonic() >= deadline:
                return False
            sleep(0.01)
        return True


# One per process: the process is what stops.
messages = InFlight()


def tracked(handler: Callable[..., dict], refusal: Callable[[], dict]) -> Callable[..., dict]:
    """Count a socket handler's calls as in flight; once stopping, answer ``refusal()`` instead."""

    @functools.wraps(handler)
    def wrapped(*args: Any) -> dict:
        if not messages.begin():
            return refusal()
        try:
            return handler(*args)
        finally:
            messages.end()

    return wrapped
