"""Where one socket message's time goes in the running server, in a quiet room (issue 12).

Run from the checkout: ``.venv/bin/python bench/message_steps.py [--ops 600] [--pace 0.06]``
(about a minute; ``--synchronous NORMAL`` for the setting without a disk sync per ack).

``commit_cost.py`` times the steps in process, back to back, where the CPU's caches are warm
and the disk is busy. A room of ten sends a change every half second: between two changes
the machine idles, and each step costs more (on a virtual machine, several times more). So
this starts the real server (``wsgi.py``: eventlet, SQLite in a temporary folder), with
timers wrapped around the steps of a message (this file, run with ``--serve``, wraps them
and then serves as ``wsgi.py`` does), seeds one canvas with ``1 + --listeners``
participants, and has one of them send ``note:add`` and ``note:edit`` in turn over a real
socket.io websocket, one at a time, ``--pace`` seconds apart. The same load then goes to
``bare_server.py`` (Flask-SocketIO that only rebroadcasts), the reference.

Prints, for Lienzo, each step's mean per message in ms:

- ``message``: the whole message inside Flask-SocketIO (its request context included);
- ``language``, ``write_begin`` (the workshop's write transaction: a pool connection and
  ``BEGIN IMMEDIATE``), ``sender`` (reading the sender again), ``apply`` (``board.apply``:
  the rules, the statements and the commit), ``broadcast`` (queuing the change's frames),
  ``settle`` (the disk sync after the broadcast, under FULL; its thread's wait included);
- within ``apply``: ``commit`` (the ORM's) and ``sqlite_commit`` (the driver's, with the
  disk sync under FULL);

and for both servers the CPU time per message (``/proc``, the frames' sending included) and
the ack's p50 and p90 as the client saw it (the client is Python, slower than the page's).
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

STEP_LINE = "MESSAGE_STEPS "
STEPS = ("message", "language", "write_begin", "sender", "apply", "commit", "sqlite_commit", "broadcast", "settle")


def serve() -> None:
    """The server side: wrap the steps, print the means every 100 messages, serve as wsgi.py."""
    sys.path.insert(0, str(ROOT))
    import wsgi  # noqa: I001 - first: it monkey-patches eventlet, as when it is run

    import flask_socketio
    from sqlalchemy.engine import default
    from sqlalchemy.orm import Session

    from facilitator import board
    from facilitator.live import handlers
    from timing import wrap_timed  # bench/, this script's folder

    totals: dict[str, float] = {}
    messages = [0]

    def timed(owner, attribute: str, step: str) -> None:
        def record(milliseconds: float) -> None:
            totals[step] = totals.get(step, 0.0) + milliseconds
            if step == "message":
                messages[0] += 1
                if messages[0] % 100 == 0:
                    means = {name: round(total / messages[0], 3) for name, total in totals.items()}
                    print(STEP_LINE + json.dumps({"messages": messages[0], "mean_ms": means}), flush=True)

        wrap_timed(owner, attribute, record)

    timed(flask_socketio.SocketIO, "_handle_event", "message")
    for attribute, step in (("_speak", "language"), ("begin_write", "write_begin"), ("current_actor", "sender"),
                            ("broadcast", "broadcast"), ("settle", "settle")):
        timed(handlers, attribute, step)  # looked up as module globals by the handlers
    timed(board, "apply", "apply")
    timed(Session, "commit", "commit")
    timed(default.DefaultDialect, "do_commit", "sqlite_commit")
    wsgi.main()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drive(server, lienzo: bool, args: argparse.Namespace) -> dict:
    """One writer and ``--listeners`` others on one canvas; ``--ops`` changes, one at a time."""
    import socketio

    clients = []
    if lienzo:
        canvas_ids, tokens = server.seed(1, 1 + args.listeners)
    delivered = threading.Semaphore(0)
    for i in range(1 + args.listeners):
        client = socketio.Client()
        if i > 0:
            client.on("change", lambda *_: delivered.release())
        if lienzo:
            client.connect(server.url, transports=["websocket"], auth={"token": tokens[i]})
            answer = client.call("canvas:join", {"canvas_id": canvas_ids[0]}, timeout=60)
        else:
            client.connect(server.url, transports=["websocket"])
            answer = client.call("join", {"room": "bench"}, timeout=60)
        if not answer.get("ok"):
            raise SystemExit(f"could not open the canvas: {answer}")
        clients.append(client)
    writer, note, acks = clients[0], None, []
    warmup = min(50, args.ops // 5)
    for k in range(args.ops):
        if k == warmup:
            cpu_before = cpu_seconds(server.process.pid)
        text = f"Idea {k}: " + "x" * (20 + k % 20)
        started = time.perf_counter()
        if not lienzo:
            answer = writer.call("msg", {"room": "bench", "op_id": uuid.uuid4().hex, "data": {"text": text}},
                                 timeout=60)
        elif note is not None and k % 2:
            answer = writer.call("note:edit", {"op_id": uuid.uuid4().hex, "note_id": note["id"], "text": text,
                                               "version": note["version"]}, timeout=60)
        else:
            answer = writer.call("note:add", {"op_id": uuid.uuid4().hex, "block": "problem", "text": text,
                                              "color": "yellow"}, timeout=60)
        elapsed = (time.perf_counter() - started) * 1000
        if not answer.get("ok"):
            raise SystemExit(f"a change was refused: {answer}")
        for _ in range(args.listeners):  # every other participant has it before the next one goes
            if not delivered.acquire(timeout=60):
                raise SystemExit("a change never reached a participant")
        if lienzo:
            note = answer["event"]["data"]
        if k >= warmup:
            acks.append(elapsed)
        time.sleep(args.pace)
    cpu = (cpu_seconds(server.process.pid) - cpu_before) / len(acks) * 1000
    for client in clients:
        client.disconnect()
    acks.sort()
    return {"ack_p50_ms": round(statistics.median(acks), 2), "ack_p90_ms": round(acks[int(0.9 * len(acks))], 2),
            "server_cpu_ms_per_message": round(cpu, 2), "messages": len(acks)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=600, help="changes sent to each server (default 600)")
    parser.add_argument("--pace", type=float, default=0.06,
                        help="seconds between one change's last delivery and the next change (default 0.06; "
                             "Lienzo lets a socket send 20 a second)")
    parser.add_argument("--listeners", type=int, default=9, help="other participants on the canvas (default 9)")
    parser.add_argument("--synchronous", choices=("FULL", "NORMAL"), default="FULL", help="Lienzo's SQLITE_SYNCHRONOUS")
    parser.add_argument("--sync-first", action="store_true",
                        help="SQLITE_SYNC_AFTER_BROADCAST=false: the disk synced before the broadcast")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the server side, in a child
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    if args.ops < 10:
        parser.error("--ops must be at least 10")
    sys.path.insert(0, str(BENCH))
    import fanout  # the servers, started, seeded and stopped as the fan-out bench does

    workdir = Path(tempfile.mkdtemp(prefix="lienzo-message-steps-"))
    if args.sync_first and args.synchronous == "NORMAL":
        parser.error("--sync-first is about FULL's sync: NORMAL has none to move")
    # fanout.VARIANT_ENV's names
    variant = "normal" if args.synchronous == "NORMAL" else "sync-first" if args.sync_first else "lienzo"
    lienzo = fanout.LienzoServer(workdir, compression=False, name=variant)
    lienzo.command = lambda: [sys.executable, __file__, "--serve"]
    results = {}
    try:
        lienzo.start().prepare()
        results["lienzo"] = drive(lienzo, True, args)
    finally:
        lienzo.stop()
    lines = [line[len(STEP_LINE):] for line in lienzo.log_path.read_text().splitlines() if line.startswith(STEP_LINE)]
    if not lines:
        raise SystemExit(f"the server printed no step times (its log: {lienzo.log_path})")
    results["lienzo"]["steps_mean_ms"] = json.loads(lines[-1])["mean_ms"]
    bare = fanout.BareServer(workdir, compression=False)
    try:
        bare.start()
        results["bare"] = drive(bare, False, args)
    finally:
        bare.stop()
    steps = results["lienzo"]["steps_mean_ms"]
    print(f"Lienzo (SQLITE_SYNCHRONOUS={args.synchronous}), mean per message (the canvas:join ones too), ms: "
          + ", ".join(f"{name} {steps[name]}" for name in STEPS if name in steps))
    for name, figures in results.items():
        print(f"{name}: server CPU {figures['server_cpu_ms_per_message']} ms a message; ack p50 "
              f"{figures['ack_p50_ms']} ms, p90 {figures['ack_p90_ms']} ms ({figures['messages']} messages, "
              f"{args.pace:g} s apart, {args.listeners} others on the canvas)")
    print(json.dumps({"bench": "message_steps", "synchronous": args.synchronous, "sync_first": args.sync_first,
                      "pace_s": args.pace,
                      "cpus": os.cpu_count(), **results}))
    shutil.rmtree(workdir, ignore_errors=True)  # kept when something failed: the server logs are there


if __name__ == "__main__":
    main()
