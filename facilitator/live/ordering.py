"""One lock per workshop around commit-then-broadcast, so that this process
emits each canvas's events in ``seq`` order (and workshop events in version
order). Clients still reorder, since several processes may write at once."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

_guard = threading.Lock()
_locks: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)


@contextmanager
def workshop_lock(workshop_id: int) -> Iterator[None]:
    with _guard:
        lock = _locks[workshop_id]
    with lock:
        yield
