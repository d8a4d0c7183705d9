"""Hostile input, through real sockets, against one real server process.

Hypothesis sends thousands of random and malformed messages (wrong types,
missing and extra fields, huge strings, deep nesting, NaN and enormous
numbers, lone surrogates, NUL bytes, unknown and reserved event names, ids
of another workshop's notes, canvases and participants) from the participants,
the facilitator's seat and the projector screen of workshop A, with real
python-socketio clients over websocket. Raw engine.io/socket.io frames over a
raw websocket cover what that client cannot send: invalid UTF-8, malformed
packets, binary attachments, oversized frames.

Each message must be answered with an ack (an ``ok`` one, or an error with a
documented code) and must not disconnect its sender. After every message the
database is compared with the one before it: a refused message changes
nothing at all; an accepted operation changes only workshop A, by exactly its
own event. Workshop B, whose people are connected the whole time, is never
changed and never hears of A's traffic, nor A of B's data. At the end the
server still serves everyone and its log has no traceback and no error.

``LIENZO_FUZZ_MESSAGES`` (default 3000) sets how many random messages are sent;
``LIENZO_FUZZ_MESSAGES_POSTGRESQL`` (default 1000) how many in the same run on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest
import requests
import socketio
import websocket
from hypothesis import HealthCheck, Phase, assume, example, given, settings
from hypothesis import strategies as st

from facilitator.board import CODES, OPERATIONS
from facilitator.board.schemas import COLORS, Editing, JoinCanvas, Resync

from . import services
from .servers import ServerProcess
from .waiting import STALL

pytestmark = pytest.mark.server

TIMEOUT = STALL  # generous waits for a loaded machine (tests/waiting.py)
MESSAGES = int(os.environ.get("LIENZO_FUZZ_MESSAGES", "3000"))
MESSAGES_POSTGRESQL = int(os.environ.get("LIENZO_FUZZ_MESSAGES_POSTGRESQL", "1000"))
# Every random message stays under this many bytes on the wire, so that it is
# judged by its content; oversized frames have a raw test of their own.
MAX_FRAME = 15_000
SECRET = "SECRETO-B"  # in every text of workshop B: must never reach workshop A

BLOCKS = ("problem", "alternatives", "population", "early", "value", "solution", "channels", "funding", "costs",
          "indicators", "legitimacy")
FIELDS: dict[str, tuple[str, ...]] = {
    **{name: tuple(schema.model_fields) for name, (schema, _handler) in OPERATIONS.items()},
    "canvas:join": tuple(JoinCanvas.model_fields),
    "canvas:resync": tuple(Resync.model_fields),
    "note:editing": tuple(Editing.model_fields),
    "canvas:leave": (),
    "workshop:watch": (),
    "workshop:state": (),
}
READ_ONLY = frozenset(FIELDS) - frozenset(OPERATIONS)
FACILITATOR_ONLY = frozenset(OPERATIONS) - {"note:add", "note:edit", "note:move", "note:color", "note:delete",
                                            "vote:add", "vote:remove", "status:set",
                                            # participants in a phase that allows grouping
                                            "note:stack", "note:unstack", "stack:rename"}
RESERVED_NAMES = ("connect", "disconnect", "connect_error", "*", "__disconnect_final", "message", "json", "")


# ---- the database, read directly (the server's SQLite file, read-only) ----------------------------------


class Database:
    """Snapshots of every row of every table, to tell what a message changed."""

    # How each table's rows belong to a workshop: (column, parent table) or "id" for the workshop itself.
    OWNER: ClassVar[dict] = {"workshop": "id", "workshop_facilitator": "workshop_id", "canvas": "workshop_id",
             "participant": "workshop_id", "event": "workshop_id", "note": ("canvas_id", "canvas"),
             "cluster": ("canvas_id", "canvas"), "voting_round": ("canvas_id", "canvas"),
             "vote": ("round_id", "voting_round"), "webhook_delivery": "workshop_id",
             "commitment": "workshop_id"}
    # A facilitator's account data, no workshop's: one-time links, own canvas templates, own recipes.
    SHARED: ClassVar[set] = {"alembic_version", "facilitator", "account_link", "own_template", "saved_recipe"}

    def __init__(self, location: Path | str):
        """A SQLite file (read-only), or a PostgreSQL URL."""
        if isinstance(location, Path):
            self.connection = sqlite3.connect(f"file:{location}?mode=ro", uri=True, timeout=TIMEOUT,
                                              isolation_level=None)
            self.tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        else:
            import psycopg

            self.connection = psycopg.connect(location, autocommit=True)
            self.tables_sql = ("SELECT table_name FROM information_schema.tables "
                               "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")

    def close(self) -> None:
        self.connection.close()

    def snapshot(self) -> dict[str, tuple[tuple[str, ...], list[tuple]]]:
        tables = [name for (name,) in self.connection.execute(self.tables_sql).fetchall()]
        unknown = set(tables) - set(self.OWNER) - self.SHARED
        assert not unknown, f"new tables {unknown}: tell Database.OWNER whose rows they hold"
        result = {}
        for table in tables:
            cursor = self.connection.execute(f'SELECT * FROM "{table}"')
            rows = [tuple(json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v for v in row)
                    for row in cursor.fetchall()]
            result[table] = (tuple(c[0] for c in cursor.description), sorted(rows, key=repr))
        return result

    def owned(self, snapshot: dict, workshop_id: int) -> dict[str, list[tuple]]:
        """The rows of one workshop, table by table."""
        ids: dict[str, set] = {}
        result = {}
        for table in ("workshop", "workshop_facilitator", "canvas", "participant", "event", "note", "cluster",
                      "voting_round", "vote"):
            columns, rows = snapshot[table]
            owner = self.OWNER[table]
            if isinstance(owner, tuple):
                column, parent = owner
                index = columns.index(column)
                mine = [r for r in rows if r[index] in ids[parent]]
            else:
                index = columns.index(owner)
                mine = [r for r in rows if r[index] == workshop_id]
            ids[table] = {r[columns.index("id")] for r in mine} if "id" in columns else set()
            result[table] = mine
        return result

    @staticmethod
    def without(snapshot: dict, rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
        """Every row not in ``rows`` (the rest of the database)."""
        return {table: [r for r in snapshot[table][1] if r not in set(rows.get(table, ()))] for table in snapshot}

    def rows(self, snapshot: dict, table: str) -> list[dict]:
        columns, rows = snapshot[table]
        return [dict(zip(columns, r, strict=True)) for r in rows]


def differences(before: dict, after: dict) -> str:
    """Which tables changed, with their row counts, for assertion messages."""
    changed = []
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table), after.get(table)
        old_rows = old[1] if isinstance(old, tuple) else old
        new_rows = new[1] if isinstance(new, tuple) else new
        if old_rows != new_rows:
            gone = [r for r in old_rows or [] if r not in (new_rows or [])][:2]
            came = [r for r in new_rows or [] if r not in (old_rows or [])][:2]
            changed.append(f"{table}: {len(old_rows or [])} -> {len(new_rows or [])} rows; gone {gone}; new {came}")
    return "; ".join(changed) or "nothing"


# ---- the people ------------------------------------------------------------------------------------------


class Peer:
    """A real socket.io client over websocket that records every event it gets."""

    def __init__(self, server: ServerProcess, token: str, label: str, participant_id: int | None):
        self.label = label
        self.token = token
        self.participant_id = participant_id
        self.events: list[tuple[str, tuple]] = []
        self._lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", self._record)
        self.sio.connect(server.url, auth={"token": token}, transports=["websocket"], wait_timeout=TIMEOUT)

    def _record(self, event: str, *args) -> None:
        with self._lock:
            self.events.append((event, args))

    def take_events(self) -> list[tuple[str, tuple]]:
        with self._lock:
            taken, self.events = self.events, []
        return taken

    def call(self, name: str, *args):
        return self.sio.call(name, tuple(args), timeout=TIMEOUT)

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()


def page_boot(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="boot">(.*?)</script>', html, re.S)
    assert match, "no boot data in the page"
    return json.loads(match.group(1))


@dataclass
class Arena:
    server: ServerProcess
    db: Database
    a: dict  # workshop A: ids of everything in it
    b: dict  # workshop B (the victims)
    senders: dict[str, Peer]
    spares: list[tuple[str, int]]  # tokens and ids of A's participants not yet used as senders
    listeners: list[Peer]  # B's people, connected throughout
    baseline_b: dict  # B's rows after seeding
    b_peer_ids: set = field(default_factory=set)
    sent: int = 0
    accepted: list[tuple[str, str]] = field(default_factory=list)  # (name, op_id) of operations that took effect
    codes: dict[str, int] = field(default_factory=dict)

    def peers(self) -> list[Peer]:
        return [*self.senders.values(), *self.listeners]


def join(server: ServerProcess, code: str, name: str, institution: str = "") -> tuple[str, int]:
    answer = requests.post(server.url + "/api/join", json={"code": code, "name": name, "institution": institution},
                           timeout=TIMEOUT)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    return body["token"], body["participant"]["id"]


def seat(server: ServerProcess, http: requests.Session, workshop_id: int) -> tuple[str, int]:
    body = http.post(f"{server.url}/api/workshops/{workshop_id}/seat", timeout=TIMEOUT).json()
    return body["token"], body["participant"]["id"]


def ok(ack) -> dict:
    assert isinstance(ack, dict) and ack.get("ok") is True, ack
    return ack


def op(**fields) -> dict:
    return {"op_id": uuid.uuid4().hex, **fields}


@contextmanager
def running_arena(workdir: Path, database_url: str | None = None):
    """A server (on SQLite, or on PostgreSQL at ``database_url``) with both workshops and their people."""
    # The message budget of the security work (when present) is raised so that the random
    # messages reach the validation and the rules; a rate_limited answer is accepted anyway.
    env = {"SOCKET_BURST": "1000000", "SOCKET_RATE_PER_SECOND": "1000000"}
    if database_url:
        env["DATABASE_URL"] = database_url
    server = ServerProcess(workdir, env=env).prepare()
    server.create_facilitator("ana@example.org", "Ana Facilitadora")
    server.create_facilitator("bruno@example.org", "Bruno Facilitador")
    server.start()
    made: list[Peer] = []
    db = Database(Path(workdir / "instance" / "lienzo.db") if database_url is None else database_url)
    try:
        yield build_arena(server, db, made)
    finally:
        for peer in made:
            peer.close()
        server.stop()
        db.close()


@pytest.fixture(scope="module")
def arena(tmp_path_factory):
    with running_arena(tmp_path_factory.mktemp("hostile")) as arena:
        yield arena


def build_arena(server: ServerProcess, db: Database, made: list[Peer]) -> Arena:
    def peer(token: str, label: str, participant_id: int | None) -> Peer:
        made.append(Peer(server, token, label, participant_id))
        return made[-1]

    # Workshop B first, full of things worth stealing, its people connected throughout.
    b = server.seed(email="bruno@example.org", title=f"Taller {SECRET}", canvases=2)
    b_token, b_id = join(server, b["code"], f"Victima {SECRET}", f"Institución {SECRET}")
    b_seat, b_seat_id = seat(server, b["http"], b["workshop_id"])
    victim = peer(b_token, "B participant", b_id)
    b_facilitator = peer(b_seat, "B facilitator", b_seat_id)
    ok(victim.call("canvas:join", {"canvas_id": b["canvas_ids"][0]}))
    b_notes = [ok(victim.call("note:add", op(block="problem", text=f"nota {SECRET} {i}")))["event"]["data"]["id"]
               for i in range(3)]
    ok(b_facilitator.call("canvas:join", {"canvas_id": b["canvas_ids"][0]}))
    b_notes.append(ok(b_facilitator.call("note:add", op(block="value", text=f"facilitación {SECRET}")))
                   ["event"]["data"]["id"])
    cluster = ok(b_facilitator.call("cluster:create", op(canvas_id=b["canvas_ids"][0], block="problem",
                                                         title=f"grupo {SECRET}", note_ids=b_notes[:2])))
    b_cluster = cluster["event"]["data"]["cluster"]["id"]
    ok(b_facilitator.call("vote:open", op(canvas_id=b["canvas_ids"][0])))
    ok(victim.call("vote:add", op(note_id=b_notes[3])))
    ok(b_facilitator.call("vote:close", op(canvas_id=b["canvas_ids"][0])))
    ok(b_facilitator.call("canvas:hidden", op(canvas_id=b["canvas_ids"][0], value=True)))
    b_notes.append(ok(victim.call("note:add", op(block="costs", text=f"oculta {SECRET}")))["event"]["data"]["id"])
    ok(b_facilitator.call("workshop:watch", {}))

    # Workshop A: two participants, the facilitator's seat, the projector, some notes and a group.
    a = server.seed(email="ana@example.org", title="Taller A", canvases=2)
    tokens = [join(server, a["code"], name, "Municipalidad") for name in ("Ana", "Ben", "Caro", "Dani", "Eva")]
    a_seat, a_seat_id = seat(server, a["http"], a["workshop_id"])
    room = a["http"].get(f"{server.url}/f/workshops/{a['workshop_id']}/room", timeout=TIMEOUT)
    projector_token = page_boot(room.text)["projector_url"].rsplit("/p/", 1)[1]
    senders = {"p1": peer(tokens[0][0], "participant 1", tokens[0][1]),
               "p2": peer(tokens[1][0], "participant 2", tokens[1][1]),
               "facilitator": peer(a_seat, "facilitator seat", a_seat_id),
               "projector": peer(projector_token, "projector", None)}
    for name in ("p1", "p2", "facilitator", "projector"):
        ok(senders[name].call("canvas:join", {"canvas_id": a["canvas_ids"][0]}))
    a_notes = [ok(senders[who].call("note:add", op(block=block, text=text)))["event"]["data"]["id"]
               for who, block, text in (("p1", "problem", "Colas"), ("p1", "solution", "Ventanilla"),
                                        ("p2", "problem", "Papeles"), ("facilitator", "value", "Valor"))]
    a_cluster = ok(senders["facilitator"].call("cluster:create", op(
        canvas_id=a["canvas_ids"][0], block="problem", title="Esperas", note_ids=[a_notes[0], a_notes[2]])))
    a_cluster = a_cluster["event"]["data"]["cluster"]["id"]

    snapshot = db.snapshot()
    for listener in (victim, b_facilitator):
        listener.take_events()
    return Arena(
        server=server, db=db,
        a={"workshop_id": a["workshop_id"], "canvas_ids": a["canvas_ids"], "notes": a_notes,
           "clusters": [a_cluster], "participants": [p for _t, p in tokens] + [a_seat_id], "code": a["code"],
           "http": a["http"], "projector": projector_token},
        b={"workshop_id": b["workshop_id"], "canvas_ids": b["canvas_ids"], "notes": b_notes,
           "clusters": [b_cluster], "participants": [b_id, b_seat_id], "code": b["code"]},
        senders=senders, spares=tokens[2:], listeners=[victim, b_facilitator],
        baseline_b=db.owned(snapshot, b["workshop_id"]))


# ---- checking one exchange -------------------------------------------------------------------------------


def check_ack(ack, name: str) -> None:
    """An ack is one object: ok, or an error with a documented code and a message."""
    assert isinstance(ack, dict), f"{name}: the ack is not an object: {ack!r}"
    if ack.get("ok") is True:
        return
    assert ack.get("ok") is False, ack
    error = ack.get("error")
    assert isinstance(error, dict) and error.get("code") in CODES, ack
    assert error["code"] != "unavailable", f"{name}: 'unavailable' with a healthy database: {ack}"
    assert isinstance(error.get("message"), str) and error["message"].strip(), ack
    if error["code"] == "conflict":
        assert name == "note:edit", ack


def check_no_leak(arena: Arena, what: str, value) -> None:
    """Nothing of workshop B in what A's people get."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    assert SECRET not in text, f"{what} carries workshop B's data: {text[:500]}"
    for note_id in arena.b["notes"]:
        assert note_id not in text, f"{what} names a note of workshop B: {text[:500]}"


def check_events(arena: Arena) -> None:
    """A's peers heard only of A; B's people heard nothing at all of A's traffic."""
    a_canvases = set(arena.a["canvas_ids"])
    for peer in arena.senders.values():
        for event, args in peer.take_events():
            check_no_leak(arena, f"event {event!r} to {peer.label}", args)
            data = args[0] if args else None
            if event in ("change", "change:private", "presence", "editing"):
                assert data["canvas_id"] in a_canvases, (peer.label, event, data)
            elif event in ("workshop", "workshop:private"):
                assert data["workshop_id"] == arena.a["workshop_id"], (peer.label, event, data)
            else:
                assert event in ("session:ended", "resync", "workshop:links", "projector:moved"), (
                    peer.label, event, data)
    for listener in arena.listeners:
        heard = listener.take_events()
        assert heard == [], f"{listener.label} of workshop B heard: {heard[:3]}"


def wait_until(condition, timeout: float = TIMEOUT, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


class Referee:
    """Sends one message and judges its ack and what it did to the database."""

    def __init__(self, arena: Arena):
        self.arena = arena
        self.before = arena.db.snapshot()

    def exchange(self, who: str, name: str, args: tuple):
        arena = self.arena
        if who == "projector" and not arena.senders[who].sio.connected:
            self.reconnect_projector()  # a closing or a new code ended its socket
        sender = arena.senders[who]
        try:
            ack = sender.call(name, *args)
        except socketio.exceptions.TimeoutError:
            pytest.fail(f"no ack within {TIMEOUT}s for {name!r} from {sender.label}: {args!r:.300}")
        arena.sent += 1
        assert sender.sio.connected, f"{sender.label} was disconnected by {name!r} {args!r:.300}"
        check_ack(ack, name)
        code = "ok" if ack["ok"] else ack["error"]["code"]
        arena.codes[code] = arena.codes.get(code, 0) + 1
        check_no_leak(arena, f"the ack of {name!r}", ack)

        after = arena.db.snapshot()
        before, self.before = self.before, after
        if not ack["ok"] or name not in OPERATIONS:
            assert after == before, (f"{name!r} from {sender.label} answered {code} but changed the database: "
                                     f"{differences(before, after)}; message {args!r:.300}")
            return ack
        self.accepted(sender, name, args, ack, before, after)
        return ack

    def accepted(self, sender: Peer, name: str, args: tuple, ack: dict, before: dict, after: dict) -> None:
        """An accepted operation: its own event in workshop A, nothing anywhere else."""
        arena, db = self.arena, self.arena.db
        payload = args[0]
        assert ack["event"]["op_id"] == payload["op_id"], ack
        a_before, a_after = db.owned(before, arena.a["workshop_id"]), db.owned(after, arena.a["workshop_id"])
        outside_before, outside_after = db.without(before, a_before), db.without(after, a_after)
        assert outside_after == outside_before, (
            f"{name!r} changed rows outside workshop A: {differences(outside_before, outside_after)}")
        new_events = [e for e in db.rows(after, "event") if e not in db.rows(before, "event")]
        if not new_events:  # a repeated op_id: the original ack again, nothing applied
            assert after == before, differences(before, after)
            return
        assert sender.participant_id is not None, f"the projector changed something with {name!r}"
        assert name not in FACILITATOR_ONLY or sender is arena.senders["facilitator"], (
            f"{sender.label} was allowed {name!r}: {ack}")
        (event,) = new_events
        assert (event["actor_id"], event["op_id"]) == (sender.participant_id, payload["op_id"]), event
        assert event["workshop_id"] == arena.a["workshop_id"], event
        assert event["seq"] == ack["seq"] and event["type"] == ack["event"]["type"], (event, ack)
        arena.accepted.append((name, payload["op_id"]))
        if name == "participant:remove":
            self.replace_removed(ack["event"]["data"]["id"])
        if name in ("workshop:new_code", "workshop:close"):
            self.projector_ended(name, ack)

    def projector_ended(self, name: str, ack: dict) -> None:
        """A new code or a closing ends the projector's socket (as the protocol says): wait for it, keep the
        new code and projector link. The projector connects again when it is next picked to send."""
        arena = self.arena
        peer = arena.senders["projector"]
        assert wait_until(lambda: not peer.sio.connected), f"the projector stayed connected after {name!r}"
        for event, args in peer.take_events():
            check_no_leak(arena, f"event {event!r} to the projector", args)
        if name == "workshop:new_code":
            arena.a["code"] = ack["links"]["code"]
            arena.a["projector"] = ack["links"]["projector_url"].rsplit("/p/", 1)[1]

    def reconnect_projector(self) -> None:
        """The projector on its current link, on A's first canvas (reopening A first: a closed workshop's
        projector link is refused)."""
        arena = self.arena
        arena.senders["facilitator"].call("workshop:reopen", op())
        arena.senders["facilitator"].take_events()
        projector = Peer(arena.server, arena.a["projector"], "projector", None)
        ok(projector.call("canvas:join", {"canvas_id": arena.a["canvas_ids"][0]}))
        arena.senders["projector"] = projector
        self.before = arena.db.snapshot()

    def replace_removed(self, participant_id: int) -> None:
        """A facilitator removed one of the senders (as the protocol says, it is disconnected): take a spare."""
        arena = self.arena
        for key, peer in list(arena.senders.items()):
            if peer.participant_id != participant_id:
                continue
            assert wait_until(lambda p=peer: not p.sio.connected), f"{peer.label} was removed but stays connected"
            # Its disconnection records when it was last seen: wait for that write.
            settled = wait_until(lambda: self._last_seen(participant_id) is not None)
            assert settled, "the removed participant's disconnection was not recorded"
            peer.take_events()
            replacement = None
            while replacement is None:
                token, spare_id = arena.spares.pop(0) if arena.spares else self._newcomer()
                try:
                    replacement = Peer(arena.server, token, peer.label, spare_id)
                except socketio.exceptions.ConnectionError:
                    continue  # removed meanwhile too
            arena.senders[key] = replacement
            ok(replacement.call("canvas:join", {"canvas_id": arena.a["canvas_ids"][0]}))
        self.before = arena.db.snapshot()

    def _newcomer(self) -> tuple[str, int]:
        """Someone new joins A (reopened first if the random messages closed it)."""
        arena = self.arena
        arena.senders["facilitator"].call("workshop:reopen", op())
        arena.senders["facilitator"].take_events()
        return join(arena.server, arena.a["code"], "Recién llegado")

    def _last_seen(self, participant_id: int):
        rows = self.arena.db.rows(self.arena.db.snapshot(), "participant")
        return next(r["last_seen_at"] for r in rows if r["id"] == participant_id)


# ---- what Hypothesis sends -------------------------------------------------------------------------------


def nested(depth: int, kind: str):
    value: object = "fondo"
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


def frame_size(name: str, args: tuple) -> int:
    return len(json.dumps([name, *args], separators=(",", ":")))


SURROGATES = st.integers(0xD800, 0xDFFF).map(chr)
ODD_CHARACTERS = st.sampled_from(["\x00", "\u202e", "\ufeff", "\n", "\r", "\t", "\u2028", "\\", '"', "'", "<", "&"])
TEXT = st.text(st.one_of(st.characters(), SURROGATES, ODD_CHARACTERS), max_size=40)
PAYLOADS_OF_NOTE = st.sampled_from([
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "{{7*7}}", "${7*7}", "' OR 1=1 --",
    "%s%s%n", "../../etc/passwd", "\x00", "a\x00b", "\ud800", "\udfff", "🙂", "", " ", "\u202egnp.exe",
])


def huge_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda ch, n: ch * n, st.sampled_from(["x", " ", "\x00", "<"]), st.integers(1000, 2500)),
        st.builds(lambda ch, n: ch * n, st.sampled_from(["ñ", "🙂", "\ud800"]), st.integers(80, 1100)),
        st.sampled_from([80, 81, 119, 120, 121, 199, 200, 201, 999, 1000, 1001]).map(lambda n: "a" * n),
    )


def hostile() -> st.SearchStrategy:
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.integers(-(2**70), 2**70),
        st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**53, 2**53 + 1, 2**63, 2**64, -(2**63) - 1, 10**120]),
        st.floats(), st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0, 1e308, 5e-324, 1.5]),
        TEXT, PAYLOADS_OF_NOTE, huge_text(),
    )
    return st.one_of(
        scalars,
        st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12),
        st.builds(nested, st.integers(1, 300), st.sampled_from(["list", "dict"])),
    )


def mostly(usual: st.SearchStrategy, odd: st.SearchStrategy, odds: float = 1 / 7) -> st.SearchStrategy:
    """``usual``, and ``odd`` about ``odds`` of the time (st.one_of would pick each half the time)."""
    return st.integers(0, 999).flatmap(lambda x: odd if x >= 1000 - odds * 1000 else usual)


def field_values(arena: Arena) -> dict[str, st.SearchStrategy]:
    """Plausible values for each field (ids of A and of B among them), or hostile ones."""
    a, b = arena.a, arena.b
    bad = hostile()
    uuids = st.one_of(st.uuids().map(str), st.uuids().map(lambda u: str(u).upper()), st.uuids().map(lambda u: u.hex),
                      st.sampled_from(["00000000-0000-0000-0000-000000000000", "{" + str(uuid.uuid4()) + "}"]))
    note_ids = st.one_of(st.sampled_from(a["notes"]), st.sampled_from(b["notes"]), uuids)
    ints = st.one_of(st.integers(-3, 30), st.integers(), st.sampled_from([2**31, 2**53, 2**53 + 1, 2**63]))
    flags = st.booleans()

    def either(good: st.SearchStrategy) -> st.SearchStrategy:
        return mostly(good, bad)

    blocks = st.one_of(st.sampled_from(BLOCKS), st.from_regex(r"[a-z][a-z0-9_]{0,39}", fullmatch=True),
                       st.sampled_from(["Problem", "problem ", "x" * 41, "1abc"]))
    return {
        "op_id": either(mostly(st.uuids().map(lambda u: u.hex), st.sampled_from(
            ["otra-vez", "a", "x" * 64, "x" * 65, "con espacio", "ñ", ""]))),
        "note_id": either(note_ids),
        "note_ids": either(st.lists(note_ids, min_size=0, max_size=6)),
        "onto": either(note_ids),
        "canvas_id": either(st.one_of(st.sampled_from(a["canvas_ids"]), st.sampled_from(b["canvas_ids"]), ints,
                                      st.none())),
        "cluster_id": either(st.one_of(st.sampled_from(a["clusters"]), st.sampled_from(b["clusters"]), ints,
                                       st.none())),
        "into": either(st.one_of(st.sampled_from(a["clusters"]), st.sampled_from(b["clusters"]), ints)),
        "participant_id": either(st.one_of(st.sampled_from(a["participants"]), st.sampled_from(b["participants"]),
                                           ints)),
        "block": either(st.one_of(blocks, st.none())),
        "blocks": either(st.one_of(st.lists(blocks, max_size=5), st.none())),
        "text": either(st.one_of(TEXT, PAYLOADS_OF_NOTE, huge_text())),
        "title": either(st.one_of(TEXT, PAYLOADS_OF_NOTE, huge_text())),
        "color": either(st.one_of(st.sampled_from(COLORS), st.sampled_from(["YELLOW", "red", "#fff", ""]))),
        "version": either(st.one_of(st.integers(1, 4), ints)),
        "index": either(st.one_of(st.integers(0, 5), ints, st.none())),
        "seconds": either(st.one_of(st.integers(-3700, 21700), ints)),
        "budget": either(st.one_of(st.integers(0, 51), ints)),
        "max_per_note": either(st.one_of(st.integers(0, 51), ints)),
        "last_seq": either(st.one_of(st.integers(-1, 60), ints, st.none())),
        "action": either(st.sampled_from(["pause", "resume", "stop", "adjust", "PAUSE", "restart"])),
        "mode": either(st.sampled_from(["join", "canvas", "results", "timer", "votes", ""])),
        "projectors": either(st.sampled_from(["move", "disconnect", "keep", "MOVE", ""])),
        **{flag: either(flags) for flag in ("locked", "value", "editing", "ready", "hand", "hands", "allow_own",
                                            "lock_on_end")},
    }


def messages(arena: Arena) -> st.SearchStrategy[tuple[str, str, tuple]]:
    values = field_values(arena)
    bad = hostile()
    known = st.sampled_from(sorted(FIELDS))
    unknown = st.one_of(st.sampled_from(RESERVED_NAMES), TEXT,
                        st.sampled_from(["note:ADD", "note:add ", "canvas:join\x00", "note:add\ud800", "Note:Add",
                                         "canvas:*", "workshop:delete", "admin", "__proto__", "x" * 5000]))

    @st.composite
    def payload(draw, name: str):
        fields = FIELDS.get(name) or FIELDS[draw(known)]
        data = {}
        for name_ in fields:
            if draw(st.integers(0, 19)) < 19:  # now and then a field is missing
                data[name_] = draw(values.get(name_, bad))
        if draw(st.integers(0, 19)) == 19:  # and now and then one is not expected
            data[draw(st.one_of(TEXT, st.sampled_from(fields or ("op_id",))))] = draw(bad)
        return data

    @st.composite
    def message(draw):
        who = draw(st.sampled_from(["p1", "p2", "facilitator", "projector"]))
        name = draw(mostly(known, unknown, 1 / 5))
        shape = draw(st.integers(0, 19))  # Hypothesis draws small numbers more often: the usual shape first
        if shape < 16:
            args: tuple = (draw(payload(name)),)
        elif shape < 18:
            args = (draw(bad),)
        elif shape < 19:
            args = (draw(payload(name)), draw(bad))
        else:
            args = ()
        assume(frame_size(name, args) <= MAX_FRAME)
        return who, name, args

    return message()


# ---- the tests -------------------------------------------------------------------------------------------


def test_thousands_of_random_and_malformed_messages_are_each_answered_and_refused_cleanly(arena):
    fuzz(arena, MESSAGES)


def fuzz(arena: Arena, count: int) -> None:
    referee = Referee(arena)
    started = time.monotonic()
    a, b = arena.a, arena.b

    @settings(max_examples=count, deadline=None, database=None, phases=(Phase.explicit, Phase.generate),
              suppress_health_check=list(HealthCheck))
    @given(messages(arena))
    @example(("p1", "connect", ({"token": "x" * 20},)))
    @example(("p1", "disconnect", ({},)))
    @example(("p1", "*", ("not-a-sid", {})))
    @example(("facilitator", "participant:remove", ({"op_id": "quitar", "participant_id": b["participants"][0]},)))
    @example(("facilitator", "participant:remove", ({"op_id": "quitar-a", "participant_id": a["participants"][0]},)))
    @example(("facilitator", "cluster:create", ({"op_id": "mezcla", "canvas_id": a["canvas_ids"][0], "block": "problem",
                                                "title": "mezcla", "note_ids": [a["notes"][0], b["notes"][0]]},)))
    @example(("p1", "note:edit", ({"op_id": "ajena", "note_id": b["notes"][0], "text": "mía", "version": 1},)))
    @example(("p1", "canvas:join", ({"canvas_id": b["canvas_ids"][0]},)))
    @example(("p2", "note:add", ({"op_id": "larga", "block": "problem", "text": "x" * 1001},)))
    @example(("projector", "canvas:lock", ({"op_id": "proyector", "canvas_id": a["canvas_ids"][0], "locked": True},)))
    @example(("facilitator", "workshop:new_code", ({"op_id": "codigo-nuevo"},)))  # the projector moves
    @example(("projector", "canvas:join", ({"canvas_id": a["canvas_ids"][0]},)))
    @example(("facilitator", "workshop:close", ({"op_id": "cerrar"},)))  # the projector is ended
    @example(("projector", "workshop:state", ({},)))
    def run(message):
        who, name, args = message
        referee.exchange(who, name, args)
        check_events(arena)

    run()
    elapsed = time.monotonic() - started
    print(f"\nhostile input: {arena.sent} messages in {elapsed:.1f} s; answers {arena.codes}; "
          f"{len(arena.accepted)} operations took effect: {sorted({n for n, _ in arena.accepted})}")
    assert arena.sent >= count
    assert arena.sent - arena.codes.get("ok", 0) > arena.sent * 0.7, "the messages should be mostly refusals"
    if count >= 1000 and not arena.codes.get("rate_limited"):  # they reached past the shapes, to the rules
        assert {"invalid", "too_large", "forbidden", "not_found"} <= set(arena.codes), arena.codes
    check_log(arena)


def check_log(arena: Arena) -> None:
    assert arena.server.process.poll() is None, "the server died"
    log = arena.server.log()
    assert "Traceback" not in log and "unexpected error" not in log and " ERROR " not in log, log[-5000:]


@pytest.mark.postgres
def test_the_same_on_postgresql(tmp_path):
    """Fewer messages, on PostgreSQL, whose integers are narrower than SQLite's."""
    url = services.create_database()
    try:
        with running_arena(tmp_path, url) as arena:
            fuzz(arena, MESSAGES_POSTGRESQL)
            the_server_answers_everyone_and_b_is_untouched(arena)
    finally:
        services.drop_database(url)


# Raw frames: what a socket.io client library cannot send.


class RawSocket:
    """An engine.io v4 websocket spoken by hand, connected to the default namespace."""

    def __init__(self, arena: Arena, token: str):
        url = arena.server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = websocket.create_connection(url, timeout=TIMEOUT)
        opened = self.ws.recv()
        assert opened.startswith("0{"), opened
        self.ws.send("40" + json.dumps({"token": token}))
        connected = self.ws.recv()
        assert connected.startswith("40{"), connected
        self.next_id = 900

    def send(self, frame: str | bytes) -> None:
        if isinstance(frame, bytes):
            self.ws.send_bytes(frame)
        else:
            self.ws.send(frame)

    def send_invalid_utf8(self, frame: bytes) -> None:
        """A text frame whose bytes are not UTF-8 (websocket-client would not make one)."""
        self.ws.send_frame(websocket.ABNF(1, 0, 0, 0, websocket.ABNF.OPCODE_TEXT, 1, frame))

    def acks_until(self, ack_id: int) -> list:
        """Every ack received until the one with ``ack_id`` (answering pings on the way)."""
        acks = []
        while True:
            frame = self.ws.recv()
            if frame == "2":
                self.ws.send("3")
                continue
            match = re.match(r"43(\d+)(.*)", frame, re.S)
            if not match:
                continue  # an event (presence, change...)
            acks.append((int(match.group(1)), json.loads(match.group(2))))
            if int(match.group(1)) == ack_id:
                return acks

    def still_answers(self) -> list:
        """Send workshop:state and return every ack up to its own, which must be ok."""
        self.next_id += 1
        self.send(f'42{self.next_id}["workshop:state",{{}}]')
        acks = self.acks_until(self.next_id)
        assert acks[-1][1][0]["ok"] is True, acks[-1]
        return acks[:-1]

    def closed_by_server(self) -> bool:
        try:
            while True:
                frame = self.ws.recv()
                if frame in ("", None):
                    return True
        except (websocket.WebSocketConnectionClosedException, websocket.WebSocketProtocolException,
                ConnectionError, OSError):
            return True
        except websocket.WebSocketTimeoutException:
            return False

    def close(self) -> None:
        self.ws.close()


def settled_snapshot(db: Database) -> dict:
    """A snapshot once the server has stopped writing (a closed socket records when it was last seen)."""
    previous = db.snapshot()
    while True:
        time.sleep(0.15)
        current = db.snapshot()
        if current == previous:
            return current
        previous = current


MALFORMED = [
    # (what, frame, answered with an invalid ack when it carries an id)
    ("JSON cut short", '42{id}["note:add",', True),
    ("an object instead of a list", '42{id}{{"a":1}}', True),
    ("an empty event", "42{id}[]", True),
    ("a number as the event name", "42{id}[1,{{}}]", True),
    ("a list as the event name", "42{id}[[1],{{}}]", True),
    ("null as the event name", "42{id}[null,{{}}]", True),
    ("a string instead of a list", '42{id}"canvas:join"', True),
    ("the reserved event connect", '42{id}["connect",1,{{"token":"x"}}]', True),
    ("the reserved event disconnect", '42{id}["disconnect",{{}}]', True),
    ("the catch-all name with another sid", '42{id}["*","someone-else",{{}}]', True),
    ("an integer of 200 digits", '42{id}["canvas:join",{{"canvas_id":' + "9" * 200 + "}}]", True),
    ("NaN and Infinity", '42{id}["canvas:join",{{"canvas_id":NaN,"last_seq":-Infinity}}]', True),
    ("7,000 nested lists (under the 16 KB message limit)", '42{id}["note:add",' + "[" * 7000 + "]" * 7000 + "]", True),
    ("a lone surrogate escaped", '42{id}["note:add",{{"op_id":"s","block":"problem","text":"\\ud800"}}]', True),
    ("an escaped NUL", '42{id}["note:add",{{"op_id":"n","block":"problem","text":"a\\u0000b"}}]', True),
    ("two payloads", '42{id}["workshop:state",{{}},{{}}]', True),
    ("an unknown socket.io packet type", "49", False),
    ("a CONNECT_ERROR from the client", '44{{"message":"x"}}', False),
    ("an ack for nothing", "43123[{{}}]", False),
    ("an event to a namespace never joined", '42/admin,{id}["workshop:state",{{}}]', False),
    ("an engine.io message with no socket.io packet", "4", False),
    ("an engine.io base64 message", "bAAEC", False),
    ("an unknown engine.io packet type", "9hola", False),
]


@pytest.mark.parametrize("what, frame, answered", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_packet_is_refused_without_harm(arena, what, frame, answered):
    token, _ = raw_participant(arena)
    raw = RawSocket(arena, token)
    try:
        before = settled_snapshot(arena.db)
        raw.next_id += 1
        raw.send(frame.format(id=raw.next_id))
        extra = raw.still_answers()
        if answered:
            assert [ack_id for ack_id, _ in extra] == [raw.next_id - 1], extra
            (answer,) = extra[0][1]
            assert answer["ok"] is False and answer["error"]["code"] == "invalid", answer
        else:
            assert extra == [], extra
        assert arena.db.snapshot() == before, differences(before, arena.db.snapshot())
    finally:
        raw.close()
    check_events(arena)


_raw_people: dict = {}


def raw_participant(arena: Arena) -> tuple[str, int]:
    """One participant of A for the raw tests (made once)."""
    if "token" not in _raw_people:
        arena.senders["facilitator"].call("workshop:reopen", op())  # the random messages may have closed it
        token, participant_id = join(arena.server, arena.a["code"], "Raw")
        _raw_people.update(token=token, id=participant_id)
    return _raw_people["token"], _raw_people["id"]


def test_binary_attachments_are_refused_and_never_piled_up(arena):
    token, _ = raw_participant(arena)
    raw = RawSocket(arena, token)
    try:
        before = settled_snapshot(arena.db)
        # One attachment in place of the text, then a packet announcing a million attachments
        # (python-socketio would keep every frame that follows waiting for them).
        raw.send('451-901["note:add",{"op_id":"bin","block":"problem","text":{"_placeholder":true,"num":0}}]')
        raw.send(b"\x00\x01\xfe\xff")
        raw.send('451000000-902["note:add",{"_placeholder":true,"num":999999}]')
        for _ in range(3):
            raw.send(b"\x00" * 1000)
        raw.send('451-903["note:add",{"_placeholder":true,"num":"cero"}]')
        raw.send(b"\x00")
        raw.next_id = 903
        extra = raw.still_answers()
        assert sorted(ack_id for ack_id, _ in extra) == [901, 902, 903], extra
        assert all(body[0]["error"]["code"] == "invalid" for _, body in extra), extra
        assert arena.db.snapshot() == before
    finally:
        raw.close()


def test_invalid_utf8_and_oversized_frames_close_only_that_connection(arena):
    token, _ = raw_participant(arena)
    for send in (lambda raw: raw.send_invalid_utf8(b'42["note:add",{"text":"\xff\xfe\xc3"}]'),
                 lambda raw: raw.send('42["note:add",{"text":"' + "x" * 70_000 + '"}]'),
                 lambda raw: raw.send(b"4" + b"\x00" * 70_000)):
        raw = RawSocket(arena, token)
        try:
            send(raw)
            assert raw.closed_by_server(), "the server kept a connection that broke the websocket rules or limits"
        finally:
            raw.close()
    # Everyone else is still served.
    for peer in arena.peers():
        ok(peer.call("workshop:state", {}))
    check_events(arena)


def test_a_broken_engine_io_frame_gets_no_traceback_back(arena):
    """Before: eventlet's WSGI server (debug on by default) sent the Python traceback of
    an engine.io frame it could not parse to the client, paths and code included."""
    token, _ = raw_participant(arena)
    for frame in ("x-no-es-un-paquete", ""):
        raw = RawSocket(arena, token)
        try:
            raw.send(frame)
            raw.ws.sock.settimeout(3)
            received = b""
            try:
                while chunk := raw.ws.sock.recv(65536):
                    received += chunk
            except OSError:  # the timeout, or the server closing
                pass
            assert b"Traceback" not in received and b".py" not in received, received[:300]
        finally:
            raw.close()
    for peer in arena.peers():
        ok(peer.call("workshop:state", {}))


# The same over HTTP: malformed bodies, huge ids and hostile files answer 4xx, never 500.

HUGE = "9" * 30
JSON = {"Content-Type": "application/json"}


def http_cases(arena: Arena) -> list[tuple[str, str, dict]]:
    a, code = arena.a, arena.a["code"].encode()
    return [
        ("post", "/api/join", {"data": b"[" * 100_000 + b"]" * 100_000, "headers": JSON}),
        ("post", "/api/join", {"data": b'{"code": "' + code + b'", "name": "a", "x": ' + b"[" * 5000 + b"]" * 5000
                               + b"}", "headers": JSON}),
        ("post", "/api/join", {"data": b'{"code": "\\ud800' + code + b'", "name": "Ana"}', "headers": JSON}),
        ("post", "/api/join", {"data": b'{"code": ' + b"9" * 5000 + b', "name": "Ana"}', "headers": JSON}),
        ("post", "/api/join", {"data": b"\xff\xfe\x00", "headers": JSON}),
        ("post", "/api/login", {"data": b'{"email": "\\ud800@x.org", "password": "\\udfff"}', "headers": JSON}),
        ("post", "/api/login", {"data": b'{"email": "a\\u0000@x.org", "password": "x"}', "headers": JSON}),
        ("post", "/api/workshops", {"data": b'{"title": "\\ud800"}', "headers": JSON}),
        ("get", f"/api/canvases/{2**31}", {}),
        ("get", f"/api/canvases/{HUGE}", {}),
        ("get", f"/api/workshops/{HUGE}", {}),
        ("get", f"/c/{HUGE}", {}),
        ("get", f"/c/{2**31}/layout.css", {}),
        ("get", f"/f/workshops/{HUGE}", {}),
        ("get", f"/f/workshops/{HUGE}/room", {}),
        ("get", f"/f/workshops/{a['workshop_id']}/canvases/{HUGE}", {}),
        ("get", f"/f/workshops/{a['workshop_id']}/canvases/{2**31}/export.pdf", {}),
        ("get", f"/f/workshops/{HUGE}/export/json", {}),
        ("get", "/j/%00%ED%A0%80", {}),
        ("get", "/p/p." + "9" * 150 + ".x.y", {}),
    ]


def test_hostile_http_requests_get_a_refusal_not_a_crash(arena):
    http = arena.a["http"]
    token, _ = raw_participant(arena)
    for method, path, options in http_cases(arena):
        headers = {"Authorization": f"Bearer {token}", **options.pop("headers", {})} if path.startswith(
            "/api/canvases") else options.pop("headers", {})
        answer = getattr(http, method)(arena.server.url + path, headers=headers, timeout=TIMEOUT,
                                       allow_redirects=False, **options)
        assert 400 <= answer.status_code < 500, (method, path, answer.status_code, answer.text[:300])
    check_log(arena)


def test_a_hostile_workshop_file_is_refused_not_a_crash(arena):
    """Importing: the file a facilitator got from elsewhere may be anything."""
    http, workshop_id = arena.a["http"], arena.a["workshop_id"]
    exported = http.get(f"{arena.server.url}/f/workshops/{workshop_id}/export/json", timeout=TIMEOUT)
    assert exported.status_code == 200
    def changed(change) -> bytes:
        data = json.loads(exported.text)
        change(data)
        return json.dumps(data).encode()  # ASCII, with NUL and lone surrogates as \u escapes

    def add_note(text: str):
        at = datetime.now(UTC).isoformat()
        return lambda data: data["canvases"][0]["notes"].append(
            {"ref": "n9999999", "block": "problem", "text": text, "color": "yellow", "created_at": at,
             "updated_at": at})

    def template(*path: str, value: str):
        def change(data):
            node = data["templates"][0]["template"]
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
        return change

    files = {
        "nested": b"[" * 100_000 + b"]" * 100_000,
        "huge number": b'{"format": "lienzo.workshop", "version": ' + b"9" * 5000 + b"}",
        "NUL in a note": changed(add_note("Co\x00las")),
        "a lone surrogate in a note": changed(add_note("\ud800")),
        "a lone surrogate in the title": changed(lambda data: data["workshop"].update(title="Taller \ud800")),
        "NUL in a name": changed(lambda data: data["workshop"].update(facilitators=["B\x00en"])),
        "a javascript: link as the template's source": changed(template("credit", "source",
                                                                         value="javascript:alert(1)")),
        "a javascript: link as the template's licence": changed(template("credit", "licence_url",
                                                                          value=" JavaScript:alert(1)")),
        "a lone surrogate in the template's name": changed(template("name", "es", value="\udfff")),
    }
    assert changed(add_note("válida")) != exported.content
    def send(content: bytes):
        page = http.get(f"{arena.server.url}/f/", timeout=TIMEOUT).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return http.post(f"{arena.server.url}/f/workshops/import", data={"csrf_token": csrf},
                         files={"file": ("taller.json", content, "application/json")}, timeout=TIMEOUT,
                         allow_redirects=False)

    before = settled_snapshot(arena.db)
    for what, content in files.items():
        answer = send(content)
        assert answer.status_code == 400, (what, answer.status_code, answer.text[:300])
    assert arena.db.snapshot() == before
    # The same file with an ordinary note is imported (so each refusal above was its payload's).
    assert send(changed(add_note("válida"))).status_code == 302
    check_log(arena)


def test_afterwards_the_server_answers_everyone_and_b_is_untouched(arena):
    the_server_answers_everyone_and_b_is_untouched(arena)


def the_server_answers_everyone_and_b_is_untouched(arena: Arena) -> None:
    db = arena.db
    assert db.owned(settled_snapshot(db), arena.b["workshop_id"]) == arena.baseline_b
    check_events(arena)
    for peer in arena.peers():
        ok(peer.call("workshop:state", {}))
    victim, b_facilitator = arena.listeners
    assert ok(victim.call("canvas:resync", {"last_seq": None}))["mode"] == "snapshot"
    assert ok(b_facilitator.call("workshop:watch", {}))["canvases"]

    # A fresh participant of B joins and writes; A's facilitator still writes in A.
    token, participant_id = join(arena.server, arena.b["code"], "Recién llegada")
    fresh = Peer(arena.server, token, "fresh", participant_id)
    try:
        ok(fresh.call("canvas:join", {"canvas_id": arena.b["canvas_ids"][1]}))
        assert ok(fresh.call("note:add", op(block="problem", text="sigo aquí")))["seq"] >= 1
    finally:
        fresh.close()
    facilitator = arena.senders["facilitator"]
    facilitator.call("workshop:reopen", op())  # in case the random messages closed it
    ok(facilitator.call("canvas:join", {"canvas_id": arena.a["canvas_ids"][1]}))
    ok(facilitator.call("note:add", op(block="problem", text="y yo también")))

    check_log(arena)
