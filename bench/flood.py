"""Flood benchmark: does one participant's flood slow anyone else down?

Run from the checkout, with the project's venv::

    .venv/bin/python bench/flood.py                  # 30 s quiet + 30 s flooded, 3-second slices (~1.5 min)
    .venv/bin/python bench/flood.py --duration 10    # a quicker look (~40 s)

What it does: starts the real server (``python wsgi.py``: eventlet, SQLite in a
temporary folder, ``tests/servers.py``) on 127.0.0.1, creates a workshop with
one canvas and joins two participants through the JSON API. Both open the
canvas over raw websockets (``tests/rawsocket.py``). The *bystander* sends
``note:add`` and ``note:edit`` of its own last note alternately, ``--rate``
per second on a fixed schedule (a turn is skipped while the previous
operation is unanswered), and times each from send to ack. The *flooder*, a
process of its own, sends ``note:add`` as fast as it can (at most ``--window``
unanswered) during every other ``--slice``-second slice and is silent in the
others, so a shared machine's neighbours fall on both halves alike; each
flood starts with a full budget (the server refills it in a quiet slice of 3 s).

It prints the bystander's latency (p50, p95, p99, max, in ms) in the quiet and
in the flooded slices and the flooded/quiet ratios (the aim: p99 ratio under
2), then per flood what the flooder sent, how many of its messages were
accepted, refused ``rate_limited`` or otherwise answered, against the budget
counted at arrival (``SOCKET_BURST`` + ``SOCKET_RATE_PER_SECOND`` x the time
from the flood's first send until the answer to the first refusal after its
last accepted message: refusals are answered as they are read, in order, so by
then every accepted one had been read; a loaded server reads a flood's tail
after its slice ended). The last line is one
JSON object with all of it. Everything it starts stops on the way out.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.rawsocket import RawSocket  # noqa: E402
from tests.servers import ServerProcess  # noqa: E402

BURST, RATE = 60, 20  # the defaults of SOCKET_BURST and SOCKET_RATE_PER_SECOND


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def summary(latencies: list[float]) -> dict:
    ms = [x * 1000 for x in latencies]
    return {"n": len(ms), "p50": percentile(ms, 50), "p95": percentile(ms, 95), "p99": percentile(ms, 99),
            "max": max(ms) if ms else math.nan, "mean": statistics.fmean(ms) if ms else math.nan}


def flood(args: argparse.Namespace) -> None:
    """The flooder's process: flood in odd slices, then print its counts as JSON."""
    client = RawSocket(args.url, args.token)
    assert client.call("canvas:join", {"canvas_id": args.canvas})["ok"]
    floods = []
    for index in range(args.slices):
        start, end = args.t0 + index * args.slice, args.t0 + (index + 1) * args.slice
        if index % 2 == 0:
            time.sleep(max(0.0, end - time.monotonic()))
            continue
        time.sleep(max(0.0, start - time.monotonic()))
        first = len(client.messages)
        while time.monotonic() < end:
            if client.unanswered() >= args.window:
                time.sleep(0.0005)
                continue
            client.emit("note:add", {"op_id": uuid.uuid4().hex, "block": "problem", "text": "flood"})
        floods.append((first, len(client.messages)))
    deadline = time.monotonic() + 60
    while client.unanswered() and time.monotonic() < deadline:
        time.sleep(0.05)
    records = list(client.messages.values())
    report = []
    for first, last in floods:
        flood_ = records[first:last]
        codes = [m.code for m in flood_]
        # Read in order: every message accepted had been read (and counted) by the time the
        # first refusal after the last of them was answered (refusals are answered as read).
        last_ok = max((i for i, code in enumerate(codes) if code == "ok"), default=-1)
        later = [m.answered for m in flood_[last_ok + 1:] if m.code == "rate_limited"]
        read_by = later[0] if later else max((m.answered for m in flood_ if m.answered), default=flood_[0].sent)
        read_within = read_by - flood_[0].sent
        report.append({"sent": last - first, "ok": codes.count("ok"), "rate_limited": codes.count("rate_limited"),
                       "unanswered": codes.count(None),
                       "other": sum(1 for c in codes if c not in ("ok", "rate_limited", None)),
                       "read_within": read_within, "budget": BURST + RATE * read_within})
    client.close()
    print(json.dumps(report), flush=True)


def bystander(client: RawSocket, t0: float, slices: int, slice_: float, rate: float, warmup: float) -> tuple:
    """Operations on a fixed schedule until the last slice ends; (slice index, latency) of each."""
    period, note, turn = 1.0 / rate, None, 0
    pending, samples, skipped = None, [], [0, 0]  # turns skipped in quiet and in flooded slices
    next_at, end = t0 - warmup, t0 + slices * slice_
    while True:
        time.sleep(max(0.0, next_at - time.monotonic()))
        if pending is not None and pending.ack is not None:
            index = math.floor((pending.sent - t0) / slice_)
            if 0 <= index < slices:
                samples.append((index, pending.answered - pending.sent))
            if pending.ack.get("ok"):
                data = pending.ack["event"]["data"]
                note = {"id": data["id"], "version": data["version"]}
            pending = None
        if time.monotonic() >= end:
            break
        if pending is not None:
            index = math.floor((time.monotonic() - t0) / slice_)
            if 0 <= index < slices:
                skipped[index % 2] += 1
        else:
            turn += 1
            op_id = uuid.uuid4().hex
            if note is None or turn % 2:
                pending = client.emit("note:add", {"op_id": op_id, "block": "problem", "text": f"idea {turn}"})
            else:
                pending = client.emit("note:edit", {"op_id": op_id, "note_id": note["id"], "text": f"idea {turn}",
                                                    "version": note["version"]})
        next_at += period
    if pending is not None and pending.done.wait(30):
        index = math.floor((pending.sent - t0) / slice_)
        if 0 <= index < slices:
            samples.append((index, pending.answered - pending.sent))
    return samples, skipped


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of quiet and of flood, each")
    parser.add_argument("--slice", type=float, default=3.0, help="seconds per turn")
    parser.add_argument("--rate", type=float, default=10.0, help="bystander operations per second")
    parser.add_argument("--window", type=int, default=500, help="flooder: most messages unanswered at once")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--flooder", nargs=5, metavar=("URL", "TOKEN", "CANVAS", "T0", "SLICES"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.flooder:
        url, token, canvas, t0, slices = args.flooder
        flood(argparse.Namespace(url=url, token=token, canvas=int(canvas), t0=float(t0), slices=int(slices),
                                 slice=args.slice, window=args.window))
        return 0

    slices = 2 * max(1, round(args.duration / args.slice))
    with tempfile.TemporaryDirectory(prefix="lienzo-flood-") as work:
        server = ServerProcess(Path(work), env={"MAX_NOTES_PER_CANVAS": "1000000"})
        server.prepare().start()
        flooder = None
        try:
            world = server.seed()
            canvas = world["canvas_ids"][0]
            client = RawSocket(server.url, server.join(world["code"], "Ana"))
            assert client.call("canvas:join", {"canvas_id": canvas})["ok"]
            t0 = time.monotonic() + args.warmup + 1.0
            flooder = subprocess.Popen(
                [sys.executable, __file__, "--slice", str(args.slice), "--window", str(args.window), "--flooder",
                 server.url, server.join(world["code"], "Script"), str(canvas), repr(t0), str(slices)],
                stdout=subprocess.PIPE, text=True)
            samples, skipped = bystander(client, t0, slices, args.slice, args.rate, args.warmup)
            out, _ = flooder.communicate(timeout=120)
            floods = json.loads(out.strip().splitlines()[-1])
            client.close()
        finally:
            if flooder is not None and flooder.poll() is None:
                flooder.kill()
                flooder.wait(timeout=10)
            server.stop()

    quiet = summary([s for i, s in samples if i % 2 == 0])
    flooded = summary([s for i, s in samples if i % 2 == 1])
    ratio = {k: flooded[k] / quiet[k] for k in ("p50", "p95", "p99", "max") if quiet[k]}
    quiet["skipped"], flooded["skipped"] = skipped
    print(f"bystander latency, send -> ack (ms); {args.rate:g} op/s; {slices // 2} quiet and "
          f"{slices // 2} flooded slices of {args.slice:g} s; skip: turns skipped, the previous op unanswered")
    print(f"{'':8} {'n':>5} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8} {'skip':>5}")
    for name, row in (("quiet", quiet), ("flooded", flooded)):
        print(f"{name:8} {row['n']:>5} {row['p50']:>8.1f} {row['p95']:>8.1f} {row['p99']:>8.1f} {row['max']:>8.1f} "
              f"{row['skipped']:>5}")
    print(f"{'ratio':8} {'':>5} {ratio['p50']:>8.2f} {ratio['p95']:>8.2f} {ratio['p99']:>8.2f} {ratio['max']:>8.2f}")
    print(f"flooder, per flood of {args.slice:g} s: read = from the first send until the server had read (and "
          f"counted) the last accepted message, in s; budget = {BURST} + {RATE}/s x read")
    for flood_ in floods:
        print(f"  sent {flood_['sent']:>7}  accepted {flood_['ok']:>4}  budget {flood_['budget']:>6.1f}  "
              f"read {flood_['read_within']:>5.2f}  rate_limited {flood_['rate_limited']:>7}  "
              f"other {flood_['other']:>3}  unanswered {flood_['unanswered']:>3}")
    aim = ratio["p99"] < 2 and all(f["ok"] <= f["budget"] + 1 and not f["unanswered"] for f in floods)
    print("aim (p99 ratio under 2; every flood answered, none beyond its budget):", "met" if aim else "NOT met")
    print(json.dumps({"quiet": quiet, "flooded": flooded, "ratio": ratio, "floods": floods, "aim_met": aim}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
