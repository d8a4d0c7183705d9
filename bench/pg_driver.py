"""Which PostgreSQL driver cooperates with eventlet? Prints figures.

    python bench/pg_driver.py [--url postgresql://127.0.0.1/postgres] [--seconds 1]

Each driver runs in its own eventlet-patched subprocess (as ``wsgi.py`` does):

- **stall**: one green thread runs ``SELECT pg_sleep(S)`` while another
  issues ``SELECT 1`` in a loop and a third ticks every 10 ms. A driver that
  blocks the hub freezes both for the whole slow query: few quick queries,
  a tick lag close to S.
- **writes**: 20 green threads each commit 50 transactions shaped like a
  note being added (``UPDATE canvas ... RETURNING seq``, ``INSERT`` event,
  ``COMMIT``) on one canvas, through a SQLAlchemy pool of 10 connections:
  throughput, latency, and whether the seq came out gapless and unique.

A scratch database ``lienzo_bench_<random>`` is created and dropped.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import subprocess
import sys

VARIANTS = {
    "psycopg (default wait)": ("postgresql+psycopg", {}),
    "psycopg + PSYCOPG_WAIT_FUNC=wait_select": ("postgresql+psycopg", {"PSYCOPG_WAIT_FUNC": "wait_select"}),
    "pg8000": ("postgresql+pg8000", {}),
}

CHILD = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import eventlet
eventlet.monkey_patch()
from sqlalchemy import create_engine, text

url, slow = sys.argv[1], float(sys.argv[2])
engine = create_engine(url, pool_size=10, max_overflow=0, pool_pre_ping=True)

def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")

with engine.begin() as c:  # warm the pool and the server
    c.execute(text("SELECT 1"))

# stall
quick, ticks, running = [], [], [True]
def slow_query():
    with engine.connect() as c:
        c.execute(text("SELECT pg_sleep(:s)"), {"s": slow})
    running[0] = False
def quick_queries():
    with engine.connect() as c:
        while running[0]:
            t = time.perf_counter()
            c.execute(text("SELECT 1"))
            quick.append(time.perf_counter() - t)
            eventlet.sleep(0.005)
def ticker():
    while running[0]:
        t = time.perf_counter()
        eventlet.sleep(0.01)
        ticks.append(time.perf_counter() - t - 0.01)
started = time.perf_counter()
pool = eventlet.GreenPool()
pool.spawn(quick_queries); pool.spawn(ticker); eventlet.sleep(0.05)
pool.spawn(slow_query)
pool.waitall()
stall = {"slow_query_s": time.perf_counter() - started, "quick_queries": len(quick),
         "quick_p50_ms": percentile(quick, 0.5) * 1000, "quick_max_ms": max(quick or [0]) * 1000,
         "tick_lag_max_ms": max(ticks or [0]) * 1000}

# writes
with engine.begin() as c:
    c.execute(text("DROP TABLE IF EXISTS bench_event, bench_canvas"))
    c.execute(text("CREATE TABLE bench_canvas (id int primary key, seq int not null)"))
    c.execute(text("CREATE TABLE bench_event (id serial primary key, canvas_id int, seq int, data text, "
                   "UNIQUE (canvas_id, seq))"))
    c.execute(text("INSERT INTO bench_canvas VALUES (1, 0)"))
latencies = []
def writer(n):
    for i in range(50):
        t = time.perf_counter()
        with engine.begin() as c:
            seq = c.execute(text("UPDATE bench_canvas SET seq = seq + 1 WHERE id = 1 RETURNING seq")).scalar_one()
            c.execute(text("INSERT INTO bench_event (canvas_id, seq, data) VALUES (1, :seq, :d)"),
                      {"seq": seq, "d": f"writer {n} note {i}"})
        latencies.append(time.perf_counter() - t)
started = time.perf_counter()
for n in range(20):
    pool.spawn(writer, n)
pool.waitall()
elapsed = time.perf_counter() - started
with engine.connect() as c:
    seqs = [r[0] for r in c.execute(text("SELECT seq FROM bench_event ORDER BY seq"))]
writes = {"transactions": len(latencies), "per_second": len(latencies) / elapsed,
          "p50_ms": percentile(latencies, 0.5) * 1000, "p95_ms": percentile(latencies, 0.95) * 1000,
          "gapless": seqs == list(range(1, len(latencies) + 1))}
print(json.dumps({"stall": stall, "writes": writes}))
"""


def admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://127.0.0.1/postgres"),
                        help="a database to connect to for creating the scratch database")
    parser.add_argument("--seconds", type=float, default=1.0, help="length of the slow query")
    args = parser.parse_args()
    name = f"lienzo_bench_{secrets.token_hex(4)}"
    admin(args.url, f"CREATE DATABASE {name}")
    base = args.url.rsplit("/", 1)[0].split("://", 1)[1]
    if "@" not in base:  # pg8000 needs the user named
        base = f"{getpass.getuser()}@{base}"
    try:
        print(f"slow query: pg_sleep({args.seconds}); writes: 20 green threads x 50 transactions, pool of 10\n")
        print(f"{'driver':42} {'quick queries':>13} {'quick max':>10} {'hub lag max':>12} "
              f"{'writes/s':>9} {'p50':>7} {'p95':>7}  gapless")
        for label, (scheme, env) in VARIANTS.items():
            result = subprocess.run([sys.executable, "-c", CHILD, f"{scheme}://{base}/{name}", str(args.seconds)],
                                    env={**os.environ, **env}, capture_output=True, text=True, timeout=300)
            if result.returncode != 0:
                print(f"{label:42} failed: {result.stderr.strip().splitlines()[-1:]}")
                continue
            figures = json.loads(result.stdout)
            s, w = figures["stall"], figures["writes"]
            print(f"{label:42} {s['quick_queries']:>13} {s['quick_max_ms']:>8.0f}ms {s['tick_lag_max_ms']:>10.0f}ms "
                  f"{w['per_second']:>9.0f} {w['p50_ms']:>5.1f}ms {w['p95_ms']:>5.1f}ms  {w['gapless']}")
    finally:
        admin(args.url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
