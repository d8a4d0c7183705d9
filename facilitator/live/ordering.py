"""One lock per canvas around commit-then-broadcast, so that this process
emits a canvas's events in ``seq`` order. (Clients still reorder, since
several processes may write to one canvas.)"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

_guard = threading.Lock()
_locks: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)


@contextmanager
def canvas_lock(canvas_id: int) -> Iterator[None]:
    with _guard:
        lock = _locks[canvas_id]
    with lock:
        yield
