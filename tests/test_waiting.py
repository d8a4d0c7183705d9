"""The tests' one way of waiting (tests/waiting.py): on progress, with a cap."""

from __future__ import annotations

import threading
import time

from .waiting import wait_until


def test_a_wait_keeps_going_while_progress_is_made_past_the_stall_bound():
    count = [0]
    stop = threading.Event()

    def tick() -> None:  # progress every 50 ms, the goal reached after 2 s or more: beyond the stall bound
        while not stop.is_set() and count[0] < 40:
            time.sleep(0.05)
            count[0] += 1

    worker = threading.Thread(target=tick)
    worker.start()
    try:
        started = time.monotonic()
        assert wait_until(lambda: count[0] >= 40, progress=lambda: count[0], stall=1, cap=60)
        assert time.monotonic() - started >= 1
    finally:
        stop.set()
        worker.join()


def test_a_wait_without_progress_fails_after_the_stall_bound():
    started = time.monotonic()
    assert not wait_until(lambda: False, progress=lambda: 0, stall=0.2, cap=30)
    assert 0.2 <= time.monotonic() - started < 10


def test_the_cap_ends_a_wait_even_while_progress_is_made():
    clock = time.monotonic
    started = clock()
    assert not wait_until(lambda: False, progress=clock, stall=10, cap=0.3)
    assert 0.3 <= clock() - started < 10


def test_a_condition_wakes_the_wait_at_once():
    arrived = threading.Condition()
    box: list[int] = []

    def deliver() -> None:
        with arrived:
            box.append(1)
            arrived.notify_all()

    threading.Timer(0.05, deliver).start()
    assert wait_until(lambda: box, stall=30, wake=arrived)
