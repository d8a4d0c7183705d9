"""Who is on which canvas right now, and who is editing which note.

``Presence`` keeps it in this process's memory: it is about open connections,
which live and die with the process. One person may have several tabs
(sockets) open. With several processes, ``shared_presence.RedisPresence``
shares it through Redis, on top of this one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Seat:
    sid: str
    canvas_id: int
    person: dict
    editing: str | None = None
    badge: dict | None = None  # how others see this person editing (anonymous canvases hide the name)


class Presence:
    """A registry of sockets by canvas; every method is thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seats: dict[str, Seat] = {}

    def canvas_of(self, sid: str) -> int | None:
        seat = self._seats.get(sid)
        return seat.canvas_id if seat else None

    def _count(self, canvas_id: int, person_id: int) -> int:
        return sum(1 for s in self._seats.values() if s.canvas_id == canvas_id and s.person["id"] == person_id)

    def enter(self, sid: str, canvas_id: int, person: dict) -> bool:
        """Seat a socket on a canvas (leave the one it was on first).

        Returns True when it is the person's only socket on that canvas.
        """
        with self._lock:
            self._seats[sid] = Seat(sid, canvas_id, person)
            return self._count(canvas_id, person["id"]) == 1

    def leave(self, sid: str) -> tuple[Seat | None, bool]:
        """Unseat a socket; returns its seat and whether the person has no socket left there."""
        with self._lock:
            seat = self._seats.pop(sid, None)
            if seat is None:
                return None, False
            return seat, self._count(seat.canvas_id, seat.person["id"]) == 0

    def set_editing(self, sid: str, note_id: str | None, badge: dict) -> Seat | None:
        with self._lock:
            seat = self._seats.get(sid)
            if seat is not None:
                seat.editing, seat.badge = note_id, badge
            return seat

    def seats(self) -> list[Seat]:
        """Every seat of this process (a copy)."""
        with self._lock:
            return [Seat(**vars(seat)) for seat in self._seats.values()]

    def people(self, canvas_id: int) -> list[dict]:
        """Everyone on the canvas, once each, in the order they arrived."""
        with self._lock:
            seen: dict[int, dict] = {}
            for seat in self._seats.values():
                if seat.canvas_id == canvas_id:
                    seen.setdefault(seat.person["id"], seat.person)
            return list(seen.values())

    def editing(self, canvas_id: int) -> list[dict]:
        """Notes being edited on the canvas: ``{"note_id", "by"}`` pairs."""
        with self._lock:
            return [{"note_id": s.editing, "by": s.badge} for s in self._seats.values()
                    if s.canvas_id == canvas_id and s.editing]
