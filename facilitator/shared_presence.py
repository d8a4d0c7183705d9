"""Presence shared by several processes through Redis.

Each process keeps its own sockets in an in-memory ``Presence`` (which
answers alone while Redis is away) and mirrors them into Redis:

- ``<prefix>:seats:<canvas_id>``: a hash, socket id -> the seat as JSON
  (person, editing note and badge, arrival time, and the process's id);
- ``<prefix>:canvases``: the canvases that have seats;
- ``<prefix>:hosts:<process id>``: the process's heartbeat, a key that expires
  after ``PRESENCE_TTL`` seconds unless the process renews it.

The other keys expire too (after four times that) unless a live process
renews them, so nothing is left behind once every process is gone.

Seats of a process whose heartbeat expired (it was killed, or lost its host)
do not count, and a janitor in every live process removes them and tells the
canvas who left. Each heartbeat also writes this process's seats again, so
presence heals by itself after Redis restarts empty.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable

from .presence import Presence, Seat

log = logging.getLogger(__name__)

# The end of _ENTER and _LEAVE: how many seats `person` still has on the canvas
# (KEYS[1]) in processes whose heartbeat key (`hosts` prefix + host) is alive.
_COUNT_LIVE_SEATS = """
local count = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 2, #all, 2 do
  local seat = cjson.decode(all[i])
  if tostring(seat['person']['id']) == person and redis.call('EXISTS', hosts .. seat['host']) == 1 then
    count = count + 1
  end
end
return count
"""

# Seat the socket, renew our heartbeat, and count the person's live seats on the canvas.
_ENTER = """
local person, hosts = ARGV[3], ARGV[4]
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[5])
redis.call('EXPIRE', KEYS[1], 4 * tonumber(ARGV[7]))
redis.call('EXPIRE', KEYS[2], 4 * tonumber(ARGV[7]))
redis.call('SET', hosts .. ARGV[6], '1', 'EX', tonumber(ARGV[7]))
""" + _COUNT_LIVE_SEATS

# Unseat the socket and count the person's live seats left on the canvas.
_LEAVE = """
local person, hosts = ARGV[2], ARGV[3]
redis.call('HDEL', KEYS[1], ARGV[1])
""" + _COUNT_LIVE_SEATS

# Remove the seats of dead processes; return them and the ids of people still present.
_REAP = """
local removed, present, alive = {}, {}, {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local seat = cjson.decode(all[i + 1])
  if redis.call('EXISTS', ARGV[1] .. seat['host']) == 0 then
    redis.call('HDEL', KEYS[1], all[i])
    table.insert(removed, all[i + 1])
  else
    present[tostring(seat['person']['id'])] = true
  end
end
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[2]) end
for id, _ in pairs(present) do table.insert(alive, id) end
return {removed, alive}
"""

StaleHandler = Callable[[int, dict, str | None, dict | None, bool], None]


class RedisPresence:
    """The same interface as ``Presence``, shared across processes."""

    def __init__(self, client, prefix: str, ttl: int, spawn: Callable, sleep: Callable,
                 on_stale: StaleHandler | None = None):
        self.client = client
        self.prefix = prefix
        self.ttl = max(3, ttl)
        self.host = uuid.uuid4().hex
        self.local = Presence()
        self._spawn, self._sleep = spawn, sleep
        self.on_stale = on_stale
        self._arrivals: dict[str, float] = {}  # when each of our sockets arrived (presence lists keep that order)
        self._beating = False
        self._down = False
        self._retry_at = 0.0
        self._enter = client.register_script(_ENTER)
        self._leave = client.register_script(_LEAVE)
        self._reap = client.register_script(_REAP)

    # Keys and encoding --------------------------------------------------------

    def _seats_key(self, canvas_id: int) -> str:
        return f"{self.prefix}:seats:{canvas_id}"

    @property
    def _canvases_key(self) -> str:
        return f"{self.prefix}:canvases"

    @property
    def _hosts_prefix(self) -> str:
        return f"{self.prefix}:hosts:"

    def _encode(self, seat: Seat, arrived: float | None = None) -> str:
        return json.dumps({"person": seat.person, "editing": seat.editing, "badge": seat.badge, "host": self.host,
                           "t": arrived if arrived is not None else time.time()})

    def _paused(self) -> bool:
        """Shortly after a failure, answer from memory (a vanished Redis host costs a connect timeout)."""
        return time.monotonic() < self._retry_at

    def _failed(self, error: Exception) -> None:
        self._retry_at = time.monotonic() + 1.0
        if not self._down:
            log.error("presence cannot reach Redis (%s): showing this process's sockets only until it is back", error)
        self._down = True

    def _recovered(self) -> None:
        self._retry_at = 0.0
        if self._down:
            log.warning("presence reaches Redis again")
        self._down = False

    # The Presence interface ---------------------------------------------------

    def canvas_of(self, sid: str) -> int | None:
        return self.local.canvas_of(sid)

    def enter(self, sid: str, canvas_id: int, person: dict) -> bool:
        first_here = self.local.enter(sid, canvas_id, person)
        self._start_heartbeat()
        self._arrivals[sid] = arrived = time.time()
        if self._paused():
            return first_here
        try:
            count = self._enter(keys=[self._seats_key(canvas_id), self._canvases_key],
                                args=[sid, self._encode(Seat(sid, canvas_id, person), arrived), str(person["id"]),
                                      self._hosts_prefix, canvas_id, self.host, self.ttl])
        except Exception as error:
            self._failed(error)
            return first_here
        self._recovered()
        return count == 1

    def leave(self, sid: str) -> tuple[Seat | None, bool]:
        seat, gone_here = self.local.leave(sid)
        self._arrivals.pop(sid, None)
        if seat is None or self._paused():
            return seat, gone_here
        try:
            count = self._leave(keys=[self._seats_key(seat.canvas_id)],
                                args=[sid, str(seat.person["id"]), self._hosts_prefix])
        except Exception as error:
            self._failed(error)
            return seat, gone_here
        self._recovered()
        return seat, count == 0

    def set_editing(self, sid: str, note_id: str | None, badge: dict) -> Seat | None:
        seat = self.local.set_editing(sid, note_id, badge)
        if seat is not None and not self._paused():
            try:
                self.client.hset(self._seats_key(seat.canvas_id), sid, self._encode(seat, self._arrivals.get(sid)))
            except Exception as error:
                self._failed(error)
        return seat

    def _live_seats(self, canvas_id: int) -> list[dict] | None:
        """The canvas's seats in live processes, in arrival order; None if Redis is away."""
        if self._paused():
            return None
        try:
            seats = [json.loads(v) for v in self.client.hgetall(self._seats_key(canvas_id)).values()]
            hosts = sorted({s["host"] for s in seats})
            alive = dict(zip(hosts, self.client.mget([self._hosts_prefix + h for h in hosts]), strict=True)) \
                if hosts else {}
        except Exception as error:
            self._failed(error)
            return None
        self._recovered()
        return sorted((s for s in seats if alive.get(s["host"]) is not None), key=lambda s: s["t"])

    def people(self, canvas_id: int) -> list[dict]:
        seats = self._live_seats(canvas_id)
        if seats is None:
            return self.local.people(canvas_id)
        seen: dict[int, dict] = {}
        for seat in seats:
            seen.setdefault(seat["person"]["id"], seat["person"])
        return list(seen.values())

    def editing(self, canvas_id: int) -> list[dict]:
        seats = self._live_seats(canvas_id)
        if seats is None:
            return self.local.editing(canvas_id)
        return [{"note_id": s["editing"], "by": s["badge"]} for s in seats if s["editing"]]

    # Heartbeat and janitor ----------------------------------------------------

    def _start_heartbeat(self) -> None:
        if not self._beating:
            self._beating = True
            self._spawn(self._heartbeat_loop)

    def _heartbeat_loop(self) -> None:
        while True:
            try:
                self.beat()
            except Exception as error:
                self._failed(error)
            self._sleep(self.ttl / 3)

    def beat(self) -> None:
        """Renew this process's heartbeat, write its seats again, and clear dead processes' seats."""
        seats = self.local.seats()
        pipe = self.client.pipeline(transaction=False)
        pipe.set(self._hosts_prefix + self.host, "1", ex=self.ttl)
        for seat in seats:
            pipe.hset(self._seats_key(seat.canvas_id), seat.sid, self._encode(seat, self._arrivals.get(seat.sid)))
            pipe.expire(self._seats_key(seat.canvas_id), 4 * self.ttl)
            pipe.sadd(self._canvases_key, seat.canvas_id)
        if seats:
            pipe.expire(self._canvases_key, 4 * self.ttl)
        pipe.execute()
        self._recovered()
        for canvas_id in self.client.smembers(self._canvases_key):
            self.reap(int(canvas_id))

    def reap(self, canvas_id: int) -> None:
        removed, present = self._reap(keys=[self._seats_key(canvas_id), self._canvases_key],
                                      args=[self._hosts_prefix, canvas_id])
        present = {int(p) for p in present}
        announced: set[int] = set()
        for raw in removed:
            seat = json.loads(raw)
            person_id = seat["person"]["id"]
            gone = person_id not in present and person_id not in announced
            announced.add(person_id)
            log.info("dropped a stale seat of %s on canvas %s (its process stopped beating)", person_id, canvas_id)
            if self.on_stale is not None:
                self.on_stale(canvas_id, seat["person"], seat["editing"], seat["badge"], gone)
