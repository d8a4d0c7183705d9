"""Where a change's milliseconds go, in process (issue 12): no sockets, no driver.

Run from the checkout: ``.venv/bin/python bench/commit_cost.py [--ops 300] [--rounds 3]``.

One app per process on a real SQLite file in a temporary folder, with
``SQLITE_SYNCHRONOUS=FULL`` (the default) or ``NORMAL``, a canvas and ten
participants joined through the Flask-SocketIO test client. In alternating
rounds, one process each (so a busy machine's neighbours fall on both alike), one
participant sends ``note:add`` operations one after another; each is timed whole
(the test client's emit to the ack) and in parts: reading the sender again (in the
change's own write transaction), ``board.apply`` (the canvas with its workshop, the
seq UPDATE, the end position, the note and its event, and the commit) and queuing
the broadcast. The test client encodes and decodes every packet for every
recipient, which a real server does once: the whole is an upper bound. Then
``canvas:join`` of a canvas of at least 450 notes is timed (the join burst's server
work), and a participant's dots on one note in an open round, put and taken back in
turn (``vote:add``, ``vote:remove``: a dot-voting moment's work).

``floor``: the same writes of a ``note:add`` (the seq UPDATE, the end position, the note
and its event, in one ``BEGIN IMMEDIATE`` ... ``COMMIT``) through the ``sqlite3`` module
alone, on a file of its own with the same settings: what a durable change costs on this
disk with no application around it. The rest of ``board.apply`` is the application's
Python (the ORM, the rules). ``floor_paced``: the same, one transaction every ``--pace``
seconds (default 0.5: one writer at 2 operations a second, as in ``fanout.py``'s room of
ten). A machine that idles between changes pays more for each disk sync than one that
commits back to back (on a virtual machine, several times more), and that is what a
quiet room pays: its median and 95th percentile are the least a durable change adds to
a room of ten's latency, whatever the application does. Prints medians per setting
(and the paced floor's 95th percentile); the last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import wrap_timed  # noqa: E402  (bench/, this script's folder)

from facilitator import board, create_app  # noqa: E402
from facilitator.config import TestConfig  # noqa: E402
from facilitator.extensions import db, socketio  # noqa: E402
from facilitator.live import handlers  # noqa: E402
from tests.conftest import World  # noqa: E402

PARTS: dict[str, list[float]] = {}


def timed(owner, name: str, label: str) -> None:
    """Wrap ``owner.name`` so that each call's duration lands in PARTS[label] (cleared after the warm-up)."""
    wrap_timed(owner, name, lambda milliseconds: PARTS.setdefault(label, []).append(milliseconds))


def setup(folder: Path, mode: str):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / f'{mode}.db'}",
                     SOCKET_RATE_PER_SECOND=1_000_000, SOCKET_BURST=1_000_000, SQLITE_SYNCHRONOUS=mode)
    with app.app_context():
        db.create_all()
    world = World(app, template_id="lean-canvas", email=f"{mode.lower()}@example.org")
    writer = world.socket(world.join("Ana"))
    others = [world.socket(world.join(f"P{i}")) for i in range(9)]
    return world, writer, others


def add(writer, i: int) -> float:
    started = time.perf_counter()
    ack = writer.emit("note:add", {"op_id": uuid.uuid4().hex, "block": "problem",
                                   "text": f"Idea {i}: " + "x" * 30, "color": "yellow"}, callback=True)
    assert ack["ok"], ack
    return (time.perf_counter() - started) * 1000


def one_setting(mode: str, ops: int, paced_ops: int = 0, pace: float = 0.5) -> dict[str, list[float]]:
    """One process, one app: ``ops`` note:add timed whole and in parts, then 15 canvas:join."""
    timed(handlers, "current_actor", "actor")
    timed(board, "apply", "apply")
    timed(handlers, "broadcast", "broadcast")
    world, writer, others = setup(Path(tempfile.mkdtemp(prefix="lienzo-commit-cost-")), mode)
    for i in range(20):  # warm-up, not counted
        add(writer, i)
    PARTS.clear()
    figures: dict[str, list[float]] = {"total": [add(writer, i) for i in range(ops)]}
    figures.update(PARTS)
    for other in others:
        other.get_received()
    while len(writer.emit("canvas:join", {"canvas_id": world.canvas_id}, callback=True)["notes"]) < 450:
        for i in range(50):
            add(writer, i)
    joins = []
    for i in range(15):
        client = socketio.test_client(world.app, auth={"token": world.join(f"J{i}")})
        started = time.perf_counter()
        ack = client.emit("canvas:join", {"canvas_id": world.canvas_id}, callback=True)
        joins.append((time.perf_counter() - started) * 1000)
        assert ack["ok"], ack
        figures["canvas_join_notes"] = [len(ack["notes"])]
        client.disconnect()
    figures["canvas_join"] = joins
    figures["vote"] = dots(world, writer, ops)
    figures["floor"] = floor(Path(tempfile.mkdtemp(prefix="lienzo-commit-floor-")) / "floor.db", mode, ops)
    if paced_ops:
        figures["floor_paced"] = floor(Path(tempfile.mkdtemp(prefix="lienzo-commit-floor-")) / "paced.db", mode,
                                       paced_ops, pace)
    return figures


def dots(world: World, voter, ops: int) -> list[float]:
    """``ops`` dots on one note of the canvas, put and taken back in turn, each timed to its ack."""
    facilitator = world.socket(world.seat())
    ack = facilitator.emit("vote:open", {"op_id": uuid.uuid4().hex, "canvas_id": world.canvas_id, "budget": 50,
                                         "max_per_note": 50, "allow_own": True}, callback=True)
    assert ack["ok"], ack
    note_id = voter.emit("canvas:join", {"canvas_id": world.canvas_id}, callback=True)["notes"][0]["id"]
    times = []
    for i in range(20 + ops):
        started = time.perf_counter()
        ack = voter.emit("vote:add" if i % 2 == 0 else "vote:remove", {"op_id": uuid.uuid4().hex,
                                                                       "note_id": note_id}, callback=True)
        assert ack["ok"], ack
        if i >= 20:  # warm-up, not counted
            times.append((time.perf_counter() - started) * 1000)
        if i % 50 == 0:
            for client in (voter, facilitator):
                client.get_received()
    return times


def floor(path: Path, mode: str, ops: int, pace: float = 0.0) -> list[float]:
    """A note:add's writes through sqlite3 alone, timed per transaction, ``pace`` seconds
    apart (see the docstring)."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", f"synchronous={mode}", "foreign_keys=ON"):
        connection.execute(f"PRAGMA {pragma}")
    connection.executescript(
        "CREATE TABLE canvas (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL);"
        "CREATE TABLE note (id TEXT PRIMARY KEY, canvas_id INTEGER REFERENCES canvas(id), block TEXT, text TEXT,"
        " position REAL, created_at TEXT);"
        "CREATE INDEX ix_note_canvas ON note (canvas_id);"
        "CREATE TABLE event (id INTEGER PRIMARY KEY, canvas_id INTEGER REFERENCES canvas(id), seq INTEGER,"
        " type TEXT, data TEXT, op_id TEXT, UNIQUE (canvas_id, seq), UNIQUE (op_id));"
        "INSERT INTO canvas VALUES (1, 0);")
    times = []
    for i in range(20 + ops):
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("UPDATE canvas SET seq = seq + 1 WHERE id = 1")
        position = (connection.execute("SELECT max(position) FROM note WHERE canvas_id = 1 AND block = 'problem'")
                    .fetchone()[0] or 0) + 1
        note_id = str(uuid.uuid4())
        text = f"Idea {i}: " + "x" * 30
        connection.execute("INSERT INTO note VALUES (?, 1, 'problem', ?, ?, datetime('now'))",
                           (note_id, text, position))
        connection.execute("INSERT INTO event (canvas_id, seq, type, data, op_id) "
                           "VALUES (1, (SELECT seq FROM canvas WHERE id = 1), 'note.added', ?, ?)",
                           (json.dumps({"id": note_id, "text": text, "position": position}), uuid.uuid4().hex))
        connection.execute("COMMIT")
        if i >= 20:  # warm-up, not counted
            times.append((time.perf_counter() - started) * 1000)
        if pace:
            time.sleep(pace)
    connection.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=300, help="operations per setting and round (default 300)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--paced-ops", type=int, default=40,
                        help="paced floor: transactions per setting and round (default 40; 0: none)")
    parser.add_argument("--pace", type=float, default=0.5, help="paced floor: seconds between them (default 0.5)")
    parser.add_argument("--mode", choices=("NORMAL", "FULL"), help=argparse.SUPPRESS)  # one round, in a child
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(one_setting(args.mode, args.ops, args.paced_ops, args.pace)))
        return
    figures: dict[str, dict[str, list[float]]] = {"NORMAL": {}, "FULL": {}}
    for round_ in range(args.rounds):  # one process per setting and round (one Flask-SocketIO per process)
        for mode in ("NORMAL", "FULL") if round_ % 2 == 0 else ("FULL", "NORMAL"):
            out = subprocess.run([sys.executable, __file__, "--mode", mode, "--ops", str(args.ops),
                                  "--paced-ops", str(args.paced_ops), "--pace", str(args.pace)], cwd=ROOT,
                                 capture_output=True, text=True, timeout=1800, check=True).stdout
            for label, values in json.loads(out.splitlines()[-1]).items():
                figures[mode].setdefault(label, []).extend(values)
    summary = {mode: {label: round(statistics.median(values), 2) for label, values in parts.items()}
               for mode, parts in figures.items()}
    for mode, parts in summary.items():
        paced = figures[mode].get("floor_paced")
        if paced:
            parts["floor_paced_p95"] = round(sorted(paced)[max(0, round(0.95 * len(paced)) - 1)], 2)
        print(f"SQLITE_SYNCHRONOUS={mode}: note:add median {parts['total']} ms (actor {parts['actor']}, "
              f"board.apply {parts['apply']}, broadcast {parts['broadcast']}); the same writes through sqlite3 "
              f"alone {parts['floor']} ms; canvas:join of {int(parts['canvas_join_notes'])} notes "
              f"{parts['canvas_join']} ms; a dot put or taken back {parts['vote']} ms")
        if paced:
            print(f"    the same writes through sqlite3 alone, one every {args.pace:g} s: median "
                  f"{parts['floor_paced']} ms, 95th percentile {parts['floor_paced_p95']} ms ({len(paced)} of them)")
    print(json.dumps({"bench": "commit_cost", "ops": args.ops, "rounds": args.rounds, "pace_s": args.pace,
                      "cpus": os.cpu_count(),
                      "medians_ms": summary}))


if __name__ == "__main__":
    main()
