"""A timer wrapped around a function in place, for the benches that time an app's steps.

It imports nothing of the app, so ``message_steps.py`` can wrap the running server's
steps after eventlet has patched it, and ``commit_cost.py`` those of an app in process.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def wrap_timed(owner: object, attribute: str, record: Callable[[float], None]) -> None:
    """Replace ``owner.attribute`` so that every call, also one that raises, ends with
    ``record(milliseconds)``. Callers that look the attribute up when they call it see the wrapper."""
    inner = getattr(owner, attribute)

    def wrapped(*args, **kwargs):
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            record((time.perf_counter() - started) * 1000)

    setattr(owner, attribute, wrapped)
