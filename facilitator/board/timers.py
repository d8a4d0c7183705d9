"""Countdown timers as plain data: the server stores and broadcasts an end
time once; clients count down locally against the server's clock.

A timer is ``None`` (stopped) or a dict::

    {"state": "running", "ends_at": <ms since epoch>, "duration_ms": ..., "lock_on_end": bool}
    {"state": "paused", "remaining_ms": ..., "duration_ms": ..., "lock_on_end": bool}
"""

from __future__ import annotations

import time

MAX_MS = 6 * 60 * 60 * 1000  # six hours


def now_ms() -> int:
    return int(time.time() * 1000)


def start(seconds: int, lock_on_end: bool, now: int) -> dict:
    duration = seconds * 1000
    return {"state": "running", "ends_at": now + duration, "duration_ms": duration, "lock_on_end": lock_on_end}


def remaining(timer: dict | None, now: int) -> int:
    """Milliseconds left (0 once the time is up)."""
    if timer is None:
        return 0
    if timer["state"] == "paused":
        return timer["remaining_ms"]
    return max(0, timer["ends_at"] - now)


def adjust(timer: dict, seconds: int, now: int) -> dict:
    """Add (or, with a negative number, remove) time; never below zero."""
    left = min(MAX_MS, max(0, remaining(timer, now) + seconds * 1000))
    changed = {**timer, "duration_ms": max(0, timer["duration_ms"] + seconds * 1000)}
    if timer["state"] == "paused":
        return {**changed, "remaining_ms": left}
    return {**changed, "ends_at": now + left}


def pause(timer: dict, now: int) -> dict:
    if timer["state"] == "paused":
        return timer
    kept = {k: v for k, v in timer.items() if k != "ends_at"}
    return {**kept, "state": "paused", "remaining_ms": remaining(timer, now)}


def resume(timer: dict, now: int) -> dict:
    if timer["state"] == "running":
        return timer
    kept = {k: v for k, v in timer.items() if k != "remaining_ms"}
    return {**kept, "state": "running", "ends_at": now + timer["remaining_ms"]}


def locks_now(timer: dict | None, now: int) -> bool:
    """True once a running "lock when time is up" timer has run out."""
    return bool(timer and timer.get("lock_on_end") and timer["state"] == "running" and now >= timer["ends_at"])
