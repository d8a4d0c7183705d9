"""How an event reaches the sockets of every process.

One process: python-socketio's in-memory manager, plus ``disconnect_room``.

Several processes (``SOCKETIO_MESSAGE_QUEUE=redis://...``): python-socketio's
RedisManager, changed where it falls short of our promises:

1. **Order.** The stock manager delivers to its own process's sockets at
   once and publishes for the others, so an event of another process that was
   committed (and published) earlier can reach this process's sockets later.
   Here every emit goes through Redis, its own process included: each process
   delivers in the order Redis received the messages, which the ordering lock
   (ordering.py, held from commit to publish) makes ``seq`` order.
2. **Redis away.** While this process's subscription is down, or a publish
   fails, it delivers to its own sockets directly (and logs the outage once):
   it keeps serving its own clients. The stock manager retries each publish,
   logging two errors per message. When a publish goes through again, the
   other processes' sockets are sent ``resync``: they missed what was not
   published.
3. **Coming back.** The stock subscriber doubles its wait between attempts up
   to 60 s; here it is capped at 2 s. Once subscribed again the process sends
   its sockets ``resync``: pub/sub keeps no history, so they may have missed
   events of other processes and catch up by ``seq``.
4. **Timeouts.** Publishing uses a connection with connect and read timeouts;
   the subscription uses another with TCP keepalives and no read timeout (an
   idle subscription would otherwise be dropped every few seconds).

``disconnect_room`` ends every socket in a room, in whatever process it is
connected (a removed participant, a projector screen after a new join code), after
the events emitted to it before.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time

import socketio
from flask import Flask
from socketio.packet import Packet

log = logging.getLogger(__name__)

DISCONNECT_ROOM = "lienzo:disconnect_room"
RESUBSCRIBE_MAX_WAIT = 2.0
PUBLISH_PAUSE = 1.0  # after a failed publish, deliver locally for this long before trying Redis again
RESYNC = {"method": "emit", "event": "resync", "data": [{"reason": "queue"}], "binary": False, "namespace": "/",
          "room": None, "skip_sid": None, "callback": None}


def keepalive_options() -> dict:
    """TCP keepalive for Redis connections: notice a vanished server in about a minute."""
    options = {}
    for name, value in (("TCP_KEEPIDLE", 30), ("TCP_KEEPINTVL", 10), ("TCP_KEEPCNT", 3)):
        if hasattr(socket, name):
            options[getattr(socket, name)] = value
    return {"socket_keepalive": True, "socket_keepalive_options": options}


def redis_client(url: str, **options):
    """A Redis client for commands (publish, presence, locks): bounded waits."""
    import redis

    settings = {"socket_connect_timeout": 2, "socket_timeout": 2, "retry_on_timeout": False,
                **keepalive_options(), **options}
    return redis.Redis.from_url(url, **settings)


class LocalManager(socketio.Manager):
    """The in-memory manager of one process, with ``disconnect_room``."""

    def disconnect_room(self, room: str, namespace: str = "/") -> None:
        for sid, _eio_sid in list(self.get_participants(namespace, room)):
            self.server.disconnect(sid, namespace=namespace)


class RedisQueueManager(socketio.RedisManager):
    """python-socketio's Redis manager, ordered and tolerant of Redis going away (see the module doc)."""

    name = "lienzo-redis"

    def __init__(self, url: str, channel: str):
        super().__init__(url, channel=channel)
        self.subscribed = False
        self._publish_down = False
        self._retry_publish_at = 0.0

    # Publishing ---------------------------------------------------------------

    def _redis_connect(self) -> None:
        self.redis = redis_client(self.redis_url)
        self.connected = True

    def _publish(self, data: dict) -> int | None:
        """Publish once; None when Redis is unreachable (the caller then serves its own sockets)."""
        if time.monotonic() < self._retry_publish_at:
            return None
        try:
            if not self.connected:
                self._redis_connect()
            receivers = self.redis.publish(self.channel, self.json.dumps(data))
        except Exception as error:
            self.connected = False
            self._retry_publish_at = time.monotonic() + PUBLISH_PAUSE
            if not self._publish_down:
                log.error("cannot publish to Redis (%s): other processes miss this one's events until it is back",
                          error)
            self._publish_down = True
            return None
        if self._publish_down:
            # Events published nowhere meanwhile: tell the other processes' sockets to catch up.
            log.warning("publishing to Redis again: asking the other processes' sockets to resync")
            self._publish_down = False
            self._publish(RESYNC | {"host_id": self.host_id})
        return receivers

    def emit(self, event, data, namespace=None, room=None, skip_sid=None, callback=None, to=None, **kwargs):
        if kwargs.get("ignore_queue") or callback is not None or not self.subscribed \
                or Packet.data_is_binary([data]):
            # The stock path: this process's sockets now, the others through Redis.
            return super().emit(event, data, namespace=namespace, room=to or room, skip_sid=skip_sid,
                                callback=callback, **kwargs)
        message = {"method": "emit", "event": event, "data": list(data) if isinstance(data, tuple) else [data],
                   "binary": False, "namespace": namespace or "/", "room": to or room, "skip_sid": skip_sid,
                   "callback": None, "host_id": self.host_id, "loopback": True}
        if self._publish(message) is None:
            self._handle_emit(message)  # Redis is away: serve this process's own sockets
        return None

    def disconnect_room(self, room: str, namespace: str = "/") -> None:
        """Through Redis for this process's sockets too, so that they first get what was
        emitted to them before (a projector's new link, ``session:ended``); at once while
        Redis is away, as those emits were then delivered at once too."""
        message = {"method": DISCONNECT_ROOM, "room": room, "namespace": namespace, "host_id": self.host_id}
        if self.subscribed and self._publish(message) is not None:
            return  # this process's sockets too, when it comes back (see _handled_here)
        self._disconnect_local(room, namespace)
        if not self.subscribed:  # the others still hear of it, if Redis takes the message
            self._publish({**message, "done_here": True})

    def _disconnect_local(self, room: str, namespace: str) -> None:
        for sid, _eio_sid in list(self.get_participants(namespace, room)):
            self.server.disconnect(sid, namespace=namespace, ignore_queue=True)

    # Subscribing --------------------------------------------------------------

    def _subscribe(self):
        pubsub = redis_client(self.redis_url, socket_timeout=None).pubsub()
        pubsub.subscribe(self.channel)
        return pubsub

    def _listen(self):
        """Messages for python-socketio's listening thread; handles our own additions itself."""
        wait, ever_subscribed, pubsub = 0.25, False, None
        while True:
            try:
                pubsub = self._subscribe()
                for message in pubsub.listen():
                    if message["type"] == "subscribe":
                        wait = 0.25
                        self.subscribed = True
                        self._retry_publish_at = 0.0  # Redis is back: publish again now
                        if ever_subscribed:
                            log.warning("subscribed to Redis again: asking this process's sockets to resync")
                            socketio.Manager.emit(self, "resync", {"reason": "queue"}, namespace="/")
                        ever_subscribed = True
                    elif message["type"] == "message":
                        data = self._decode(message["data"])
                        if data is not None and self._handled_here(data):
                            continue
                        if data is not None:
                            yield data
            except Exception as error:
                self.subscribed = False
                log.error("lost the Redis subscription (%s); retrying in %.2f s (meanwhile this process serves "
                          "only its own sockets)", error, wait)
                if pubsub is not None:
                    with contextlib.suppress(Exception):  # the connection is already broken
                        pubsub.close()
                time.sleep(wait)
                wait = min(wait * 2, RESUBSCRIBE_MAX_WAIT)

    def _decode(self, raw) -> dict | None:
        try:
            data = self.json.loads(raw)
        except ValueError:
            return None
        return data if isinstance(data, dict) and "method" in data else None

    def _handled_here(self, data: dict) -> bool:
        """Our own looped-back emits and room disconnects; the rest goes to python-socketio."""
        try:
            if data["method"] == "emit" and data.get("host_id") == self.host_id:
                if data.get("loopback"):
                    self._handle_emit(data)
                return True
            if data["method"] == DISCONNECT_ROOM:
                if not (data.get("done_here") and data.get("host_id") == self.host_id):
                    self._disconnect_local(data["room"], data.get("namespace") or "/")
                return True
        except Exception:
            log.exception("could not deliver a message from Redis")
            return True
        return False


def make_manager(app: Flask) -> socketio.Manager:
    """The client manager for this app's configuration."""
    url = app.config.get("SOCKETIO_MESSAGE_QUEUE")
    if not url:
        return LocalManager()
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise SystemExit(f"Lienzo cannot start: SOCKETIO_MESSAGE_QUEUE must be a redis:// URL, not {url!r}.")
    return RedisQueueManager(url, channel=app.config["SOCKETIO_CHANNEL"])


def disconnect_room(manager: socketio.Manager, room: str) -> None:
    """End every socket in ``room``, in every process."""
    manager.disconnect_room(room, "/")
