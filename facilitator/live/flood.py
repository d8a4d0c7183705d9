"""Fairness between participants: a budget of socket messages, spent as they
arrive, and one message at a time per participant.

A person clicking and typing never comes near the budget (a token bucket); a
script that floods a canvas gets ``rate_limited`` answers at once, from the
connection's reading loop, before anything is queued and without any database
work. Counting when a message is handled instead would let the bucket refill
while a flood waits in line, and the flood in line would hold the database and
the workshop's ordering lock away from everyone else.

The messages within budget wait in a line of their sender's own and are
handled one after another (python-socketio would give each its own green
thread): however many a participant sends at once, at most one of them is
being handled, so another participant's message waits for at most one of
theirs. The real client sends one operation at a time anyway (outbox.js), and
a participant's messages are now also handled in the order they were sent.

Kept in this process's memory: with sticky sessions a participant's sockets
live on one process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from socketio import packet

log = logging.getLogger(__name__)

READ_SLICE = 0.002  # seconds a connection's reading loop may run before it lets others run


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


class Admission:
    """Stands in for python-socketio's ``Server._handle_event`` (a private method:
    the only point where a decoded event of a known client passes before it is
    given a thread of its own) to spend the budget at arrival and queue per sender.

    The budget's key is the participant (all their tabs together), or the socket
    for a projector screen; the participant is read from the socket's session,
    which Flask-SocketIO keeps in the connection's environ once connected.
    """

    def __init__(self, socketio: Any, budget: MessageBudget, refusal: Callable[[], dict]) -> None:
        self.socketio = socketio  # Flask-SocketIO's object: its context for ``refusal``
        self.server = socketio.server
        self.budget = budget
        self.refusal = refusal
        self._original = self.server._handle_event
        self._lines: dict[object, deque] = {}
        self._lock = threading.Lock()
        self._reader = threading.local()  # per reading loop (a green thread under eventlet)

    def install(self) -> Admission:
        self.server._handle_event = self.arrive
        return self

    def key(self, eio_sid: str, sid: str) -> object:
        session = (self.server.environ.get(eio_sid) or {}).get("saved_session") or {}
        return session.get("participant_id") or ("socket", sid)

    def arrive(self, eio_sid: str, namespace: str | None, id: int | None, data: list) -> None:
        """One event, as it is read from the connection."""
        server, namespace = self.server, namespace or "/"
        sid = server.manager.sid_from_eio_sid(eio_sid, namespace)
        if sid is None or not server.manager.is_connected(sid, namespace):
            self._original(eio_sid, namespace, id, data)  # python-socketio ignores it (and says so)
            return
        key = self.key(eio_sid, sid)
        if not self.budget.allow(key):
            self._refuse(eio_sid, sid, namespace, id)
        elif not server.async_handlers:  # Flask-SocketIO's test client: everything inline
            server._handle_event_internal(server, sid, eio_sid, data, namespace, id)
        else:
            with self._lock:
                line = self._lines.get(key)
                first = line is None
                if first:
                    line = self._lines[key] = deque()
                line.append((sid, eio_sid, data, namespace, id))
            if first:
                server.start_background_task(self._drain, key)
        self._take_turns()

    def _take_turns(self) -> None:
        """A connection whose bytes keep coming would be read on and on without a
        pause (a green socket only yields when it has nothing to read): after
        ``READ_SLICE`` seconds of reading, let the other connections and handlers
        have their turn. Reading is cheap: in each turn a flood's reader refuses
        many messages, while a line handles one."""
        now = time.monotonic()
        since = getattr(self._reader, "since", None)
        if since is None or now - since > READ_SLICE:
            self.server.sleep(0)
            self._reader.since = time.monotonic()

    def _drain(self, key: object) -> None:
        """Handle a sender's messages one after another, until its line is empty."""
        server = self.server
        try:
            while True:
                with self._lock:
                    line = self._lines[key]
                    if not line:
                        del self._lines[key]
                        return
                    sid, eio_sid, data, namespace, id = line.popleft()
                if not server.manager.is_connected(sid, namespace):
                    continue  # the socket is gone: nobody would get the ack
                try:
                    server._handle_event_internal(server, sid, eio_sid, data, namespace, id)
                except Exception:
                    log.exception("unexpected error handling %r from sid %s", data[0] if data else None, sid)
                # A handler may well never yield (SQLite blocks the process): without
                # this pause a line would be handled to its end before anyone else.
                server.sleep(0)
        except BaseException:
            # Killed (the process stopping): a line left behind would never be handled
            # again. Its messages go unanswered; clients send them again, by op_id.
            with self._lock:
                self._lines.pop(key, None)
            raise

    def _refuse(self, eio_sid: str, sid: str, namespace: str, id: int | None) -> None:
        """Answer ``rate_limited`` now, without a thread, a queue or the database."""
        if id is None:
            return
        environ = self.server.environ.get(eio_sid)
        ack = environ.get("lienzo.over_budget") if environ is not None else None
        if ack is None:
            # Worded once per connection, in its Flask context (so in its language).
            ack = self.socketio._handle_event(self.refusal, "rate_limited", namespace, sid)
            if environ is not None:
                environ["lienzo.over_budget"] = ack
        self.server._send_packet(eio_sid, self.server.packet_class(packet.ACK, namespace=namespace, id=id,
                                                                     data=[ack]))
