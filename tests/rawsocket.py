"""A minimal Socket.IO client over a raw websocket (Engine.IO 4), for floods.

python-socketio's client spends most of its time on its own machinery, so it
cannot send as fast as a hostile script can; this one writes ``42<id>[...]``
frames straight onto the websocket, reads acks on a thread of its own and
records, for every message, when it was sent and when (and how) it was answered.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field

import websocket


@dataclass
class Sent:
    event: str
    sent: float
    answered: float | None = None
    ack: dict | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def code(self) -> str | None:
        """``"ok"``, the error code, or None while unanswered."""
        if self.ack is None:
            return None
        return "ok" if self.ack.get("ok") else (self.ack.get("error") or {}).get("code", "?")


class RawSocket:
    """One authenticated Socket.IO connection on the default namespace."""

    def __init__(self, base_url: str, token: str, timeout: float = 20.0):
        url = base_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = websocket.create_connection(url, timeout=timeout, enable_multithread=True)
        self.messages: dict[int, Sent] = {}
        self.events: list[tuple[float, str, object]] = []
        self._ids = itertools.count(1)
        self.sent = 0
        self.answered = 0
        self._send_lock = threading.Lock()
        self.closed = threading.Event()
        opening = self.ws.recv()
        if not opening.startswith("0"):
            raise RuntimeError(f"unexpected engine.io opening {opening!r}")
        self.ws.send("40" + json.dumps({"token": token}))
        while True:
            frame = self.ws.recv()
            if frame.startswith("40"):
                break
            if frame.startswith("44"):
                raise RuntimeError(f"connection refused: {frame}")
            if frame == "2":
                self.ws.send("3")
        self.ws.settimeout(None)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def emit(self, event: str, data: object) -> Sent:
        """Send ``event`` with an ack id; returns its record at once (no waiting)."""
        number = next(self._ids)
        record = self.messages[number] = Sent(event, time.monotonic())
        frame = f"42{number}" + json.dumps([event, data])
        with self._send_lock:
            record.sent = time.monotonic()
            self.ws.send(frame)
            self.sent += 1
        return record

    def call(self, event: str, data: object, timeout: float = 30.0) -> dict:
        """Send and wait for the ack."""
        record = self.emit(event, data)
        if not record.done.wait(timeout):
            raise TimeoutError(f"no ack for {event} within {timeout} s")
        return record.ack

    def unanswered(self) -> int:
        return self.sent - self.answered

    def _read(self) -> None:
        try:
            while True:
                frame = self.ws.recv()
                now = time.monotonic()
                if not frame:
                    break
                if frame == "2":
                    with self._send_lock:
                        self.ws.send("3")
                elif frame.startswith("43"):
                    body = frame[2:]
                    digits = len(body) - len(body.lstrip("0123456789"))
                    record = self.messages.get(int(body[:digits]))
                    if record is not None:
                        payload = json.loads(body[digits:])
                        record.ack = payload[0] if payload else {}
                        record.answered = now
                        self.answered += 1
                        record.done.set()
                elif frame.startswith("42"):
                    name, *args = json.loads(frame[2:])
                    self.events.append((now, name, args[0] if args else None))
                elif frame.startswith("41") or frame == "1":
                    break
        except Exception:  # the connection ended: closed says so
            pass
        finally:
            self.closed.set()

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self._reader.join(timeout=5)
