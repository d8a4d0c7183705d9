"""Fan-out benchmark: how fast does a change reach everyone on a canvas?

Run from the checkout, with the project's venv and Node.js 20 (``npm ci`` done)::

    .venv/bin/python bench/fanout.py                      # N = 10, 50, 150; 30 s each; no compression (~5 min)
    .venv/bin/python bench/fanout.py --compression both   # also with permessage-deflate, interleaved (~9 min)
    .venv/bin/python bench/fanout.py --quick              # sanity run: N = 10, 50; 5 s each (~1 min)
    .venv/bin/python bench/fanout.py --cluster            # also 1 and 2 processes on PostgreSQL + Redis (~8 min)
    .venv/bin/python bench/fanout.py --exports            # the room of 150 with and without a facilitator
                                                          # downloading the 3,000-note report in a loop (~4 min)
    .venv/bin/python bench/fanout.py --variants lienzo,normal --ramp --join-burst 150   # issue 12 (~12 min)

Every run also measures a bare Node socket.io 4.8 server (``bench/bare_server.mjs``,
``socket.to(room).emit``) in the same slices; each Lienzo row gets its ratio to both
bare stacks, and issue 12's aims are checked as ratios (bench/README.md). ``--ramp``
steps the writers' rate up and reports each stack's highest sustained deliveries/s;
``--join-burst COUNT`` times COUNT people joining within 10 s, from ``POST /api/join``
to the ``canvas:join`` ack (``bench/join_burst.mjs``).

What it does: starts the real server (``python wsgi.py``: eventlet, SQLite in a
temporary instance folder) and the bare stack (``bench/bare_server.py``:
Flask-SocketIO on eventlet that only rebroadcasts, served with the same socket
options) as subprocesses on 127.0.0.1, one pair per compression setting
(``WEBSOCKET_COMPRESSION`` false and/or true; the clients always offer
permessage-deflate, as browsers do). It seeds each Lienzo through the JSON API
(one canvas per N; ``/api/join`` gives each participant a token) and for each
N runs ``bench/driver.mjs``, a Node.js socket.io-client driver holding N
websocket connections to every server in one process. 10% of the
participants (at least one) alternate ``note:add`` and ``note:edit`` (their
own last note, at its current ``version``) at 2 operations per second each;
against the bare stack they send a message of the same shape and size. After a short warm-up on each
server (checked for loss, not timed), the load takes turns between the
servers in ``--slice`` second slices until each has had ``--duration`` seconds,
so that whatever else a shared machine is doing meanwhile falls on all of them
alike (with ``--compression both`` that includes the compressed and the plain
servers, so their comparison is fair too); then the driver waits a bounded time
for every ack and every delivery.

With ``--cluster`` (or ``--variants``), Lienzo is also measured as it runs beyond one
process: ``pg1``, one process on PostgreSQL with the Redis message queue, and
``pg2``, two processes on one PostgreSQL database and one Redis channel, with
the participants alternating between them, so that every change reaches half
the room through the other process, by way of Redis. Each gets a fresh
database (created on ``--postgres-url``, dropped at the end) and its own
channel on ``--redis-url``. They take their turns with the others.

What it prints, for each compression setting and N, and for every stack:

- fan-out latency p50/p95/p99/max (ms): from the writer's send until every
  OTHER participant has received the matching ``change`` (matched by op_id);
- ack p99 (ms): writer's send until its ack (for Lienzo: after the commit);
- delivered/s: ``change`` events received by other participants per second,
  against the expected ``writers x rate x (N - 1)``;
- lost: events that never reached a participant (missing after the drain
  time); err: operations refused or never acknowledged, and disconnects; skip:
  operations a writer did not send because its previous one was still
  unacknowledged one period (500 ms) later;
- CPU use of the driver (the load generator; % of one core, with its event-loop
  delay p99), of the server process, and of everything else on the machine
  ("other": a shared machine's neighbours disturb the figures; a warning says
  so, and ``--wait-quiet SECONDS`` waits for a quiet moment before each N),
  over each stack's measured slices;
- each Lienzo variant's figures as a ratio to the bare stack's (with ``--cluster`` also
  2 processes over 1), and whether the aim holds at
  the largest N: p99 under 25 ms, at most 1.5x the bare p99, nothing lost,
  no operation refused or skipped.

The last line printed is one JSON object with all of those figures.

With ``--exports`` it measures something else, on one Lienzo server (the
embedded default, export workers as configured; ``--export-workers`` sets
``EXPORT_WORKERS``): the room of the largest N works on its canvas while,
in alternate phases, a facilitator downloads the report PDF of a 3,000-note
workshop (bench/export.py's: 15 canvases, 150 participants) in a loop, as
the page's script does (ask, poll the progress, fetch the file). Phases
alternate quiet / exports ``--rounds`` times, each a driver run of
``--duration`` seconds, so the machine's other load falls on both alike. It
prints each phase's row, the exports completed and their time, and the aim:
the room's p99 with exports running within 1.5x of its p99 without (medians
over the rounds), nothing lost.

Every wait is bounded, and every process it starts is stopped on the way out
(finally and atexit, also on Ctrl+C or SIGTERM; on Linux the children also die
with this process if it is killed outright).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PASSWORD = "bench password 1234"
TEMPLATE = "lean-canvas"
BLOCK = "problem"
AIM_P99_MS = 25.0
AIM_RATIO = 1.5
DRIVER_CPU_WARN_PCT = 70.0
OTHER_CPU_WARN_PCT = 30.0

_children: list[subprocess.Popen] = []


# --- processes -----------------------------------------------------------------------------------

def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: ask the kernel to SIGKILL this child when the benchmark dies, even by SIGKILL."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def spawn(args: list[str], **kwargs) -> subprocess.Popen:
    """Start a child in its own process group, remembered so that stop_all() ends it."""
    preexec = _die_with_parent if sys.platform.startswith("linux") else None
    process = subprocess.Popen(args, start_new_session=True, preexec_fn=preexec, **kwargs)
    _children.append(process)
    return process


def stop(process: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM the child's process group, then SIGKILL it if it lingers."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=grace)
    if process in _children:
        _children.remove(process)


def stop_all() -> None:
    for process in list(reversed(_children)):
        stop(process)


def _on_signal(signum, _frame) -> None:
    raise SystemExit(128 + signum)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(process: subprocess.Popen, url: str, log_path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited early; its log:\n{log_path.read_text(errors='replace')}")
        try:
            if requests.get(url + "/", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url}: server did not answer within {timeout:.0f} s; see {log_path}")


class Server:
    """A server subprocess on 127.0.0.1 with its log in the work folder."""

    name = "server"

    def __init__(self, workdir: Path, compression: bool):
        self.workdir = workdir
        self.compression = compression
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"{self.name}-{'deflate' if compression else 'plain'}-{self.port}.log"
        self.process: subprocess.Popen | None = None
        self.env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(self.port), "LOG_LEVEL": "WARNING",
                    "PYTHONUNBUFFERED": "1", "WEBSOCKET_COMPRESSION": "true" if compression else "false"}

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> Server:
        with open(self.log_path, "ab") as log:
            self.process = spawn(self.command(), cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                 stdout=log, stderr=subprocess.STDOUT)
        wait_until_up(self.process, self.url, self.log_path)
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


class LienzoServer(Server):
    """The real thing: ``python wsgi.py``, on a fresh SQLite database in its own instance folder, or,
    given ``shared`` (a PostgreSQL database URL, the Redis URL and a channel), on those."""

    name = "lienzo"

    def __init__(self, workdir: Path, compression: bool, name: str = "lienzo",
                 shared: tuple[str, str, str] | None = None):
        self.name = name
        super().__init__(workdir, compression)
        instance = workdir / f"instance-{name}-{'deflate' if compression else 'plain'}-{self.port}"
        instance.mkdir(parents=True, exist_ok=True)
        self.env.update({"INSTANCE_PATH": str(instance), "SECRET_KEY": "bench-secret-key-not-for-production",
                         "LIENZO_ENV": "development"})
        for variable in ("DATABASE_URL", "SOCKETIO_MESSAGE_QUEUE", "SOCKETIO_CHANNEL", "SQLITE_SYNCHRONOUS",
                         "SQLITE_SYNC_AFTER_BROADCAST"):
            self.env.pop(variable, None)
        self.env.update(VARIANT_ENV.get(name, {}))
        if shared is not None:
            database_url, queue_url, channel = shared
            self.env.update({"DATABASE_URL": database_url, "SOCKETIO_MESSAGE_QUEUE": queue_url,
                             "SOCKETIO_CHANNEL": channel})

    def command(self) -> list[str]:
        return [sys.executable, "wsgi.py"]

    def flask(self, *args: str, stdin: str | None = None) -> None:
        subprocess.run([sys.executable, "-m", "flask", "--app", "facilitator", *args], cwd=ROOT, env=self.env,
                       input=stdin, capture_output=True, text=True, timeout=120, check=True)

    def prepare(self) -> LienzoServer:
        self.flask("db", "upgrade")
        self.flask("create-facilitator", "--email", "bench@example.org", "--name", "Bench",
                   "--password-stdin", stdin=PASSWORD + "\n")
        return self

    def seed(self, canvases: int, participants: int) -> tuple[list[int], list[str]]:
        """One workshop with ``canvases`` canvases and ``participants`` joined participants."""
        http = requests.Session()
        answer = http.post(self.url + "/api/login", json={"email": "bench@example.org", "password": PASSWORD},
                           timeout=10)
        answer.raise_for_status()
        workshop = http.post(self.url + "/api/workshops", json={"title": "Fan-out bench"}, timeout=10)
        workshop.raise_for_status()
        workshop = workshop.json()["workshop"]
        created = http.post(self.url + f"/api/workshops/{workshop['id']}/canvases",
                            json={"template_id": TEMPLATE, "name": "Mesa", "count": canvases}, timeout=10)
        created.raise_for_status()
        canvas_ids = [c["id"] for c in created.json()["canvases"]]
        tokens = []
        joiner = requests.Session()
        for i in range(participants):
            answer = joiner.post(self.url + "/api/join", json={"code": workshop["code"], "name": f"Participante {i}"},
                                 timeout=10)
            answer.raise_for_status()
            tokens.append(answer.json()["token"])
        self.code = workshop["code"]
        return canvas_ids, tokens


class BareServer(Server):
    name = "bare"

    def command(self) -> list[str]:
        return [sys.executable, str(BENCH / "bare_server.py")]


class NodeBareServer(Server):
    """The bare Node stack: socket.io 4.8 with its defaults, ``socket.to(room).emit`` (bare_server.mjs)."""

    name = "node"
    executable = "node"

    def command(self) -> list[str]:
        return [self.executable, str(BENCH / "bare_server.mjs")]


# --- deployments of Lienzo -------------------------------------------------------------------------

VARIANTS = {
    # name: (processes, on PostgreSQL + Redis?, what it is)
    "lienzo": (1, False, "Lienzo, 1 process on SQLite (the embedded default: FULL, the disk synced after the "
                         "broadcast and before the ack)"),
    "sync-first": (1, False, "Lienzo, 1 process on SQLite with SQLITE_SYNC_AFTER_BROADCAST=false (the disk synced "
                             "before the broadcast, the server waiting for it)"),
    "normal": (1, False, "Lienzo, 1 process on SQLite with SQLITE_SYNCHRONOUS=NORMAL (no disk sync per ack: "
                         "an acked change survives kill -9, not a power cut)"),
    "pg1": (1, True, "Lienzo, 1 process on PostgreSQL with the Redis message queue"),
    "pg2": (2, True, "Lienzo, 2 processes on one PostgreSQL database and one Redis channel; "
                     "participants alternate between them"),
}


VARIANT_ENV = {"normal": {"SQLITE_SYNCHRONOUS": "NORMAL"}, "sync-first": {"SQLITE_SYNC_AFTER_BROADCAST": "false"}}


class Services:
    """PostgreSQL databases and Redis channels made for this run, removed at the end."""

    def __init__(self, postgres_url: str, redis_url: str):
        self.postgres_url = postgres_url
        self.redis_url = redis_url
        self.databases: list[str] = []
        self.channels: list[str] = []

    def check(self) -> str | None:
        """Why the cluster variants cannot run here, or None."""
        try:
            import psycopg
            import redis
        except ImportError as error:
            return f"the cluster mode needs psycopg and redis ({error}): run `make install-dev`"
        try:
            with psycopg.connect(self.postgres_url, connect_timeout=5) as connection:
                connection.execute("SELECT 1")
        except psycopg.Error as error:
            return f"PostgreSQL at {self.postgres_url} (see --postgres-url): {str(error).strip()}"
        try:
            redis.Redis.from_url(self.redis_url, socket_connect_timeout=5).ping()
        except redis.RedisError as error:
            return f"Redis at {self.redis_url} (see --redis-url): {error}"
        return None

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.postgres_url, autocommit=True, connect_timeout=5) as connection:
            connection.execute(sql)

    def make(self) -> tuple[str, str, str]:
        """A new empty database, and a new channel (which also prefixes Lienzo's keys in Redis)."""
        tag = secrets.token_hex(4)
        database = f"lienzo_bench_{tag}"
        self._admin(f"CREATE DATABASE {database}")
        self.databases.append(database)
        channel = f"lienzo-bench-{tag}"
        self.channels.append(channel)
        return urlsplit(self.postgres_url)._replace(path=f"/{database}").geturl(), self.redis_url, channel

    def clean(self) -> None:
        for database in self.databases:
            with contextlib.suppress(Exception):
                self._admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        if self.channels:
            with contextlib.suppress(Exception):
                import redis

                client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=5)
                for channel in self.channels:
                    keys = list(client.scan_iter(f"{channel}*"))
                    if keys:
                        client.delete(*keys)
        self.databases.clear()
        self.channels.clear()


class Deployment:
    """One variant of Lienzo for one compression setting: one or more processes on one database."""

    def __init__(self, variant: str, workdir: Path, compression: bool, services: Services | None):
        count, shared, _ = VARIANTS[variant]
        self.variant = variant
        self.shared = services.make() if shared else None
        self.servers = [LienzoServer(workdir, compression, variant, self.shared) for _ in range(count)]

    @property
    def first(self) -> LienzoServer:
        return self.servers[0]

    def start(self) -> Deployment:
        self.first.prepare()  # migrations and the facilitator, once per database
        for server in self.servers:
            server.start()
        return self

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def describe(self) -> str:
        return ", ".join(f"{server.url} (pid {server.process.pid})" for server in self.servers if server.process)

    def target(self, label: str, seed: tuple[list[int], list[str]], n: int, index: int) -> dict:
        canvas_ids, tokens = seed
        return {"name": f"{self.variant}-{label}", "mode": "lienzo", "url": self.first.url,
                "urls": [server.url for server in self.servers],
                "server_pid": self.first.process.pid, "server_pids": [server.process.pid for server in self.servers],
                "tokens": tokens[:n], "canvas_id": canvas_ids[index], "block": BLOCK}


def source_version() -> dict:
    """The commit being measured, and whether the server's code differs from it (read-only git calls)."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=10).stdout.strip() or None
        changed = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "facilitator", "wsgi.py"], cwd=ROOT,
                                 env=env, capture_output=True, timeout=10).returncode == 1
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "server_code_changed": None}
    return {"commit": commit, "server_code_changed": changed if commit else None}


# --- one measurement -------------------------------------------------------------------------------

def machine_busy_ticks() -> int | None:
    """CPU ticks the whole machine spent busy since boot (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, *rest = fields
    return user + nice + system + irq + softirq + (rest[0] if rest else 0)


def wait_for_quiet(limit: float, threshold_pct: float = 25.0, window: float = 3.0) -> str | None:
    """Wait (at most ``limit`` s) until the machine spends under ``threshold_pct`` % of one core on
    other work during ``window`` seconds; our servers are idle meanwhile. Says how it went."""
    if limit <= 0 or machine_busy_ticks() is None:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    started = time.monotonic()
    while True:
        before = machine_busy_ticks()
        time.sleep(window)
        busy_pct = 100.0 * (machine_busy_ticks() - before) / tick / window
        waited = time.monotonic() - started
        if busy_pct < threshold_pct:
            return f"quiet ({busy_pct:.0f}% of a core busy) after {waited:.0f} s"
        if waited >= limit:
            return f"still busy ({busy_pct:.0f}% of a core) after {waited:.0f} s; measuring anyway"


def run_driver(node: str, config: dict, timeout: float) -> dict:
    """Run driver.mjs with ``config``; its progress goes to our stderr, its JSON result is returned."""
    process = spawn([node, str(BENCH / "driver.mjs")], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=None, text=True)
    try:
        out, _ = process.communicate(json.dumps(config), timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(process, grace=2)
        raise RuntimeError(f"driver did not finish within {timeout:.0f} s") from None
    finally:
        stop(process, grace=2)
    lines = [line for line in out.splitlines() if line.strip()]
    if not lines:
        raise RuntimeError(f"driver printed nothing (exit status {process.returncode})")
    result = json.loads(lines[-1])
    if "error" in result:
        raise RuntimeError(f"driver failed: {result['error']}")
    return result


def writers_for(n: int, fraction: float) -> int:
    return max(1, round(n * fraction))


class Stack:
    """Everything measured for one compression setting: the bare server and Lienzo's variants."""

    def __init__(self, bare: BareServer, deployments: dict[str, Deployment], node: NodeBareServer | None = None):
        self.bare = bare
        self.node = node
        self.deployments = deployments
        self.seeds: dict[str, tuple[list[int], list[str]]] = {}


Stacks = dict[str, Stack]


def measure(node: str, stacks: Stacks, n: int, args: argparse.Namespace, index: int) -> dict:
    """One driver run for room size ``n``: every server connected, the load taking turns between them.

    ``stacks`` maps a compression label ("off", "on") to its servers; the targets are named
    "bare-off", "lienzo-off", "pg1-off", ... The order rotates from one N to the next.
    """
    targets = []
    for label, stack in stacks.items():
        targets.append({"name": f"bare-{label}", "mode": "bare", "url": stack.bare.url,
                        "server_pid": stack.bare.process.pid, "room": f"room-{index}"})
        targets.append({"name": f"node-{label}", "mode": "bare", "url": stack.node.url,
                        "server_pid": stack.node.process.pid, "room": f"room-{index}"})
        for variant, deployment in stack.deployments.items():
            targets.append(deployment.target(label, stack.seeds[variant], n, index))
    shift = index % len(targets)
    targets = targets[shift:] + targets[:shift]
    config = {
        "targets": targets,
        "n": n,
        "writers": writers_for(n, args.writers),
        "rate": args.rate,
        "warmup": args.warmup,
        "duration": args.duration,
        "slice": args.slice,
        "drain": args.drain,
        "settle": 1.0,
        "ack_timeout": 10,
        "connect_timeout": 60,
        "clk_tck": os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100,
    }
    if args.dump_dir is not None:
        args.dump_dir.mkdir(parents=True, exist_ok=True)
        config["dump"] = str(args.dump_dir / f"n{n}")
    budget = 120 + len(targets) * (n * 0.5 + args.warmup + args.duration) + args.drain
    config["hard_limit"] = budget - 5
    return run_driver(node, config, timeout=budget)


# --- report ----------------------------------------------------------------------------------------

def lost_count(result: dict) -> int:
    """Events that did not reach a participant: deliveries missing after the drain time."""
    return result["lost"]["deliveries"]


def error_count(result: dict) -> int:
    """Operations refused or never acknowledged, and clients that were disconnected."""
    lost = result["lost"]
    return lost["ack_error_count"] + lost["unacked"] + lost["disconnects"]


def skipped_count(result: dict) -> int:
    """Operations a writer could not send: its previous one was still unacknowledged a period later."""
    return result["lost"]["skipped_backlog"]


def ratio(ours: float | None, bare: float | None) -> float | None:
    if ours is None or not bare:
        return None
    return round(ours / bare, 2)


def fmt(value: float | None, width: int = 6, digits: int = 1) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.{digits}f}"


HEADER = (f"{'N':>4} {'stack':<10} {'wr':>3} {'ops':>5} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6} {'ack99':>6}"
          f" {'deliv/s':>8} {'expect':>7} {'lost':>5} {'err':>4} {'skip':>4} {'drvCPU':>7} {'loop99':>7}"
          f" {'srvCPU':>7} {'other':>7} {'zip':>4}")


def other_cpu(result: dict) -> float | None:
    return (result.get("machine") or {}).get("other_pct")


def row(result: dict) -> str:
    f = result["fanout_ms"]
    return (f"{result['n']:>4} {result['mode']:<10} {result['writers']:>3} {result['ops_measured']:>5}"
            f" {fmt(f['p50'])} {fmt(f['p95'])} {fmt(f['p99'])} {fmt(f['max'])} {fmt(result['ack_ms']['p99'])}"
            f" {result['delivered_per_s']:>8} {result['expected_per_s']:>7} {lost_count(result):>5}"
            f" {error_count(result):>4} {skipped_count(result):>4}"
            f" {fmt(result['driver']['cpu_pct'], 6)}% {fmt(result['driver']['loop_delay_p99_ms'], 7)}"
            f" {fmt(result['server']['cpu_pct'], 6)}% {fmt(other_cpu(result), 6)}%"
            f" {result['compressed_connections']:>4}")


def brief(result: dict) -> dict:
    """The figures of one stack at one N that go into the final JSON line."""
    return {
        "writers": result["writers"],
        "ops_measured": result["ops_measured"],
        "measured_s": result["measured_s"],
        "fanout_ms": result["fanout_ms"],
        "delivery_ms": {k: result["delivery_ms"][k] for k in ("p50", "p99")},
        "ack_ms": {k: result["ack_ms"][k] for k in ("p50", "p95", "p99")},
        "delivered_per_s": result["delivered_per_s"],
        "expected_per_s": result["expected_per_s"],
        "lost_events": lost_count(result),
        "errors": error_count(result),
        "skipped_ops": skipped_count(result),
        "detail": result["lost"],
        "driver_cpu_pct": result["driver"]["cpu_pct"],
        "driver_loop_delay_p99_ms": result["driver"]["loop_delay_p99_ms"],
        "server_cpu_pct": result["server"]["cpu_pct"],
        "machine": result.get("machine"),
        "compressed_connections": result["compressed_connections"],
    }


def compare(ours: dict, bare: dict) -> dict:
    """Ratios of two driver results (or of two ``brief`` figures, which keep the same keys)."""
    return {
        "p50": ratio(ours["fanout_ms"]["p50"], bare["fanout_ms"]["p50"]),
        "p95": ratio(ours["fanout_ms"]["p95"], bare["fanout_ms"]["p95"]),
        "p99": ratio(ours["fanout_ms"]["p99"], bare["fanout_ms"]["p99"]),
        "delivered_per_s": ratio(ours["delivered_per_s"], bare["delivered_per_s"]),
    }



def report_n(n: int, label: str, results: dict, variants: list[str]) -> dict:
    """Print one compression setting's rows for room size ``n``; return its figures for the JSON line.

    The figures hold "bare", and per variant its figures and its "ratio" to bare ("lienzo" and
    "ratio" for the SQLite default, as before; "pg1", "pg1_ratio", ... with ``--cluster``)."""
    theirs = results[f"bare-{label}"]
    node = results[f"node-{label}"]
    figures: dict = {"bare": brief(theirs), "node": brief(node)}
    print(row(theirs), flush=True)
    print(row(node), flush=True)
    for variant in variants:
        ours = results[f"{variant}-{label}"]
        figures[variant] = brief(ours)
        figures["ratio" if variant == "lienzo" else f"{variant}_ratio"] = r = compare(ours, theirs)
        figures["ratio_node" if variant == "lienzo" else f"{variant}_ratio_node"] = rn = compare(ours, node)
        print(row(ours), flush=True)
        print(f"{'':>4} ratio {variant}/bare Flask-SocketIO ({label}): p50 {r['p50']}x  p95 {r['p95']}x  "
              f"p99 {r['p99']}x  delivered/s {r['delivered_per_s']}x", flush=True)
        print(f"{'':>4} ratio {variant}/bare Node ({label}):            p50 {rn['p50']}x  p95 {rn['p95']}x  "
              f"p99 {rn['p99']}x  delivered/s {rn['delivered_per_s']}x", flush=True)
    if "pg1" in variants and "pg2" in variants:
        one, two = figures["pg1"], figures["pg2"]
        figures["pg2_over_pg1"] = r = compare(two, one)
        print(f"{'':>4} 2 processes / 1 process ({label}): p50 {r['p50']}x  p95 {r['p95']}x  p99 {r['p99']}x  "
              f"delivered/s {r['delivered_per_s']}x", flush=True)
    for result in (theirs, node, *(results[f"{variant}-{label}"] for variant in variants)):
        stack = result["mode"]
        if result["driver"]["cpu_pct"] > DRIVER_CPU_WARN_PCT:
            print(f"{'':>4} warning: the driver used {result['driver']['cpu_pct']}% of a core "
                  f"during the {stack} slices: it may be part of the latency", flush=True)
        other = other_cpu(result)
        if other is not None and other > OTHER_CPU_WARN_PCT:
            if stack.startswith("pg"):
                print(f"{'':>4} note: other programs used {other}% of a core during the {stack} slices; "
                      "that includes PostgreSQL and Redis, which this variant works through", flush=True)
            else:
                print(f"{'':>4} warning: other programs used {other}% of a core during the {stack} slices: "
                      "figures are disturbed", flush=True)
        if lost_count(result) or error_count(result) or skipped_count(result):
            print(f"{'':>4} {stack}: {json.dumps(result['lost'])}", flush=True)
    return figures


def run_all(node: str, labels: list[str], variants: list[str], args: argparse.Namespace, workdir: Path,
            services: Services | None) -> dict:
    """Start the bare server and Lienzo's variants per compression label, then measure every N with all."""
    stacks: Stacks = {}
    try:
        for label in labels:
            compression = label == "on"
            bare = BareServer(workdir, compression)
            bare_node = NodeBareServer(workdir, compression)
            stacks[label] = stack = Stack(bare, {}, bare_node)
            bare.start()
            bare_node.start()
            print(f"compression {label} (servers {'accept' if compression else 'decline'} permessage-deflate): "
                  f"bare Flask-SocketIO {bare.url} (pid {bare.process.pid}), bare Node socket.io {bare_node.url} "
                  f"(pid {bare_node.process.pid})", flush=True)
            for variant in variants:
                deployment = Deployment(variant, workdir, compression, services)
                stack.deployments[variant] = deployment
                deployment.start()
                print(f"  {variant}: {VARIANTS[variant][2]}: {deployment.describe()}", flush=True)
        canvases = len(args.ns) + (len(args.ramp_rates) if args.ramp else 0)
        for stack in stacks.values():
            for variant, deployment in stack.deployments.items():
                stack.seeds[variant] = deployment.first.seed(canvases=canvases, participants=max(args.ns))
        print(f"{max(args.ns)} participants joined each Lienzo deployment\n", flush=True)
        print(HEADER, flush=True)
        runs: dict[str, dict] = {label: {} for label in labels}
        for index, n in enumerate(args.ns):
            quiet = wait_for_quiet(args.wait_quiet)
            if quiet:
                print(f"{'':>4} (N = {n}: machine {quiet})", flush=True)
            measured = measure(node, stacks, n, args, index)
            for label in labels:
                runs[label][str(n)] = {**report_n(n, label, measured["results"], variants),
                                       "order": measured["order"]}
        if args.ramp:
            args.extra["ramp"] = ramp(node, stacks, args)
        if args.join_burst:
            args.extra["join_burst"] = join_burst(node, stacks, args)
        return runs
    except Exception:
        logs = [str(server.log_path) for stack in stacks.values()
                for server in (stack.bare, stack.node, *(s for d in stack.deployments.values() for s in d.servers))
                if server is not None]
        print(f"(server logs: {', '.join(logs)})", file=sys.stderr, flush=True)
        raise
    finally:
        for stack in stacks.values():
            stack.bare.stop()
            if stack.node is not None:
                stack.node.stop()
            for deployment in stack.deployments.values():
                deployment.stop()


RAMP_P99_MS = 100.0
RAMP_KEEP_UP = 0.95  # deliveries/s at least this share of the expected rate


def sustained(result: dict) -> bool:
    """A stack keeps up at a rate: p99 within RAMP_P99_MS, nothing lost, refused or skipped,
    and deliveries at (nearly) the expected rate."""
    p99 = result["fanout_ms"]["p99"]
    return (p99 is not None and p99 <= RAMP_P99_MS and lost_count(result) == 0 and error_count(result) == 0
            and skipped_count(result) == 0 and result["delivered_per_s"] >= RAMP_KEEP_UP * result["expected_per_s"])


def ramp(node: str, stacks: Stacks, args: argparse.Namespace) -> dict:
    """The throughput ramp: the writers' rate stepped up (all stacks taking turns in the same slices,
    on a canvas of its own) until every stack's p99 passes RAMP_P99_MS or its deliveries fall behind;
    the highest sustained deliveries/s per stack."""
    n = args.ramp_n
    best: dict[str, float] = {}
    steps = []
    failed: set[str] = set()
    print(f"\n== throughput ramp at N = {n}, {writers_for(n, args.writers)} writers, "
          f"{args.ramp_duration:g} s per stack and step; sustained = p99 <= {RAMP_P99_MS:g} ms, nothing lost/"
          f"refused/skipped, deliveries >= {RAMP_KEEP_UP:.0%} of expected ==", flush=True)
    print(HEADER, flush=True)
    for step_index, rate in enumerate(args.ramp_rates):
        step_args = argparse.Namespace(**{**vars(args), "rate": rate, "duration": args.ramp_duration,
                                          "dump_dir": None})
        # a canvas of its own per step (MAX_NOTES_PER_CANVAS)
        measured = measure(node, stacks, n, step_args, len(args.ns) + step_index)["results"]
        step = {"rate": rate}
        for name, result in measured.items():
            ok = sustained(result)
            print(f"{row(result)}  {'sustained' if ok else 'NOT sustained'} @ {rate:g} op/s/writer", flush=True)
            step[name] = {**brief(result), "sustained": ok}
            if ok:
                best[name] = max(best.get(name, 0.0), result["delivered_per_s"])
            else:
                failed.add(name)
        steps.append(step)
        if failed >= set(measured):
            break
    label = next(iter(stacks))
    variants = list(stacks[label].deployments)
    ratios = {v: {"bare": ratio(best.get(f"{v}-{label}"), best.get(f"bare-{label}")),
                  "node": ratio(best.get(f"{v}-{label}"), best.get(f"node-{label}"))} for v in variants}
    print("highest sustained deliveries/s: " + ", ".join(f"{k} {v:g}" for k, v in best.items()), flush=True)
    for v, r in ratios.items():
        print(f"  {v}: {r['bare']}x bare Flask-SocketIO, {r['node']}x bare Node "
              f"(aim >= {AIM12_THROUGHPUT:g}x bare Flask-SocketIO: "
              f"{'MET' if (r['bare'] or 0) >= AIM12_THROUGHPUT else 'NOT MET'})", flush=True)
    return {"n": n, "steps": steps, "best_delivered_per_s": best, "ratios": ratios}


def join_burst(node: str, stacks: Stacks, args: argparse.Namespace) -> dict:
    """``--join-burst`` people join the (first) Lienzo within ``--burst-window`` s and open a canvas:
    p95 from POST /api/join to the canvas:join ack. On the canvas of the largest N (with the notes its
    run left) when the workshop has room for them, else on a fresh workshop's empty canvas."""
    stack = next(iter(stacks.values()))
    variant, deployment = next(iter(stack.deployments.items()))
    server = deployment.first
    canvas_ids, tokens = stack.seeds[variant]
    if len(tokens) + args.join_burst <= 500:
        code, canvas_id, where = server.code, canvas_ids[args.ns.index(max(args.ns))], f"the N = {max(args.ns)} canvas"
    else:
        canvas_ids, _ = server.seed(canvases=1, participants=0)
        code, canvas_id, where = server.code, canvas_ids[0], "a fresh workshop's empty canvas"
    config = {"url": server.url, "code": code, "canvas_id": canvas_id, "count": args.join_burst,
              "window": args.burst_window, "timeout": 30}
    process = spawn([node, str(BENCH / "join_burst.mjs")], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    text=True)
    try:
        out, _ = process.communicate(json.dumps(config), timeout=args.burst_window + 120)
    finally:
        stop(process, grace=2)
    result = json.loads([line for line in out.splitlines() if line.strip()][-1])
    print(f"\n== join burst: {args.join_burst} people join {variant} within {args.burst_window:g} s and open "
          f"{where}: POST /api/join -> canvas:join ack p50 {result['ms']['p50']} ms, p95 {result['ms']['p95']} ms, "
          f"max {result['ms']['max']} ms; {result['ok']} ok, {result['failures']} failed {result['errors'] or ''}",
          flush=True)
    return {**result, "variant": variant, "canvas": where}


AIM12_P99_BARE = 1.2
AIM12_P99_NODE = 2.5
AIM12_P50_BARE_N10 = 2.0
AIM12_THROUGHPUT = 0.7


def aims_against_bare(runs: dict, ns: list[int], variant: str = "lienzo") -> dict:
    """Issue 12's aims, as ratios in this run: at N = 10, 50, 150 p99 <= 1.2x bare Flask-SocketIO
    and <= 2.5x bare Node; at N = 10 p50 <= 2x bare Flask-SocketIO."""
    key_b = "ratio" if variant == "lienzo" else f"{variant}_ratio"
    key_n = "ratio_node" if variant == "lienzo" else f"{variant}_ratio_node"
    out = {}
    for n in ns:
        if n not in (10, 50, 150):
            continue
        figures = runs[str(n)]
        rb, rn = figures[key_b], figures[key_n]
        checks = {"p99_vs_bare": (rb["p99"], AIM12_P99_BARE), "p99_vs_node": (rn["p99"], AIM12_P99_NODE)}
        if n == 10:
            checks["p50_vs_bare"] = (rb["p50"], AIM12_P50_BARE_N10)
        out[str(n)] = {k: {"ratio": r, "aim": a, "met": r is not None and r <= a} for k, (r, a) in checks.items()}
        out[str(n)]["nothing_lost"] = figures[variant]["lost_events"] == 0 and figures[variant]["errors"] == 0
    return out


def verdict(runs: dict, n: int, variant: str = "lienzo") -> dict:
    ours, theirs = runs[str(n)][variant], runs[str(n)]["bare"]
    p99 = ours["fanout_ms"]["p99"]
    r = runs[str(n)]["ratio" if variant == "lienzo" else f"{variant}_ratio"]["p99"]
    lost = ours["lost_events"]
    failures = ours["errors"] + ours["skipped_ops"]
    p99_ok = p99 is not None and p99 < AIM_P99_MS
    ratio_ok = r is not None and r <= AIM_RATIO
    return {"n": n, "p99_ms": p99, "bare_p99_ms": theirs["fanout_ms"]["p99"], "ratio_p99": r,
            "lost_events": lost, "errors_and_skipped": failures, "p99_ok": p99_ok, "ratio_ok": ratio_ok,
            "met": p99_ok and ratio_ok and lost == 0 and failures == 0}


# --- main ------------------------------------------------------------------------------------------

# --- exports running while the room works (--exports) ---------------------------------------------

BIG_WORKSHOP = """
import random, sys
from werkzeug.security import generate_password_hash
from facilitator import create_app
from facilitator.extensions import db
from facilitator.models import Facilitator
from bench.export import build
app = create_app()
with app.app_context():
    workshop_id = build(150, 15, 3000, random.Random(7))
    facilitator = db.session.scalar(db.select(Facilitator).filter_by(email="bench@example.org"))
    facilitator.password_hash = generate_password_hash(sys.argv[1])
    db.session.commit()
    print(workshop_id)
"""


class ExportLoop:
    """A facilitator downloading one export again and again, as the page's script does."""

    def __init__(self, server: LienzoServer, workshop_id: int, fmt: str = "report-pdf"):
        self.server = server
        self.url = f"{server.url}/f/workshops/{workshop_id}/export/{fmt}"
        self.http = requests.Session()
        self.http.post(server.url + "/api/login", json={"email": "bench@example.org", "password": PASSWORD},
                       timeout=30).raise_for_status()
        self.running = False
        self.durations: list[float] = []
        self.failures = 0
        self._thread = None

    def _once(self) -> None:
        started = time.monotonic()
        json_only = {"Accept": "application/json"}
        state = self.http.get(self.url, headers=json_only, timeout=120).json()
        while state["state"] == "working":
            time.sleep(0.25)
            state = self.http.get(self.server.url + state["status_url"], headers=json_only, timeout=120).json()
        if state["state"] != "ready":
            self.failures += 1
            return
        content = self.http.get(self.server.url + state["file_url"], timeout=120).content
        if not content.startswith(b"%PDF"):
            self.failures += 1
            return
        self.durations.append(time.monotonic() - started)

    def _run(self) -> None:
        while self.running:
            try:
                self._once()
            except (requests.RequestException, ValueError):
                self.failures += 1
                time.sleep(0.5)

    def start(self) -> None:
        import threading

        self.durations, self.failures, self.running = [], 0, True
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> dict:
        self.running = False
        if self._thread is not None:
            self._thread.join(180)
        done = sorted(self.durations)
        return {"exports": len(done), "failures": self.failures,
                "seconds_mean": round(sum(done) / len(done), 2) if done else None,
                "seconds_max": round(done[-1], 2) if done else None}


def measure_room(node: str, target: dict, n: int, args: argparse.Namespace, index: int) -> dict:
    config = {"targets": [target], "n": n, "writers": writers_for(n, args.writers), "rate": args.rate,
              "warmup": args.warmup, "duration": args.duration, "slice": args.duration, "drain": args.drain,
              "settle": 1.0, "ack_timeout": 10, "connect_timeout": 60,
              "clk_tck": os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100}
    if args.dump_dir is not None:
        args.dump_dir.mkdir(parents=True, exist_ok=True)
        config["dump"] = str(args.dump_dir / f"exports-{index}")
    budget = 120 + n * 0.5 + args.warmup + args.duration + args.drain
    config["hard_limit"] = budget - 5
    return run_driver(node, config, timeout=budget)["results"][target["name"]]


def median(values: list[float]) -> float | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else round((values[middle - 1] + values[middle]) / 2, 1)


def run_exports(node: str, args: argparse.Namespace, workdir: Path) -> dict:
    """The room's fan-out with and without a facilitator downloading the big report, alternately."""
    n = max(args.ns)
    server = LienzoServer(workdir, compression=False)
    if args.export_workers is not None:
        server.env["EXPORT_WORKERS"] = str(args.export_workers)
    try:
        server.flask("db", "upgrade")
        built = subprocess.run([sys.executable, "-c", BIG_WORKSHOP, PASSWORD], cwd=ROOT, env=server.env,
                               capture_output=True, text=True, timeout=600, check=True)
        workshop_id = int(built.stdout.split()[-1])
        server.start()
        print(f"lienzo {server.url} (pid {server.process.pid}), EXPORT_WORKERS="
              f"{server.env.get('EXPORT_WORKERS', 'default')}; the report of workshop {workshop_id} "
              f"(3,000 notes, 15 canvases) is downloaded in a loop during the 'exports' phases", flush=True)
        canvas_ids, tokens = server.seed(canvases=1, participants=n)
        target = {"name": "room", "mode": "lienzo", "url": server.url, "urls": [server.url],
                  "server_pid": server.process.pid, "server_pids": [server.process.pid], "tokens": tokens,
                  "canvas_id": canvas_ids[0], "block": BLOCK}
        loop = ExportLoop(server, workshop_id)
        print(f"{'phase':<8} {HEADER}  exports (mean s, failures)", flush=True)
        phases: list[dict] = []
        for index in range(args.rounds * 2):
            kind = ("quiet", "exports")[index % 2] if (index // 2) % 2 == 0 else ("exports", "quiet")[index % 2]
            if kind == "exports":
                loop.start()
                time.sleep(1)  # the first export is under way when the room starts
            result = measure_room(node, target, n, args, index)
            exports = loop.stop() if kind == "exports" else None
            phases.append({"phase": kind, **brief(result), "exports": exports})
            extra = f"  {exports['exports']} ({exports['seconds_mean']} s, {exports['failures']})" if exports else ""
            print(f"{kind:<8} {row(result)}{extra}", flush=True)
    except Exception:
        print(f"(server log: {server.log_path})", file=sys.stderr, flush=True)
        raise
    finally:
        server.stop()
    quiet = median([p["fanout_ms"]["p99"] for p in phases if p["phase"] == "quiet"])
    busy = median([p["fanout_ms"]["p99"] for p in phases if p["phase"] == "exports"])
    r = ratio(busy, quiet)
    lost = sum(p["lost_events"] + p["errors"] for p in phases)
    exports_done = sum(p["exports"]["exports"] for p in phases if p["exports"])
    skipped = sum(p["skipped_ops"] for p in phases)
    met = r is not None and r <= AIM_RATIO and lost == 0 and exports_done > 0
    print(f"\n== aim at N = {n}: p99 with exports running <= {AIM_RATIO:g}x p99 without, nothing lost ==\n"
          f"p99 without exports {quiet} ms, with exports {busy} ms (medians of {args.rounds} phases each): "
          f"{r}x; {exports_done} reports downloaded; lost events + errors {lost}; ops skipped (a writer's previous "
          f"op still unacknowledged; a saturated machine) {skipped} -> {'MET' if met else 'NOT MET'}",
          flush=True)
    return {"n": n, "phases": phases, "p99_quiet_ms": quiet, "p99_exports_ms": busy, "ratio_p99": r,
            "reports_downloaded": exports_done, "lost_and_errors": lost, "skipped_ops": skipped, "met": met}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ns", default=None, help="room sizes, comma-separated (default 10,50,150)")
    parser.add_argument("--duration", type=float, default=None, help="measured seconds per server and N (default 30)")
    parser.add_argument("--warmup", type=float, default=2.0,
                        help="seconds of untimed load on each server first (default 2)")
    parser.add_argument("--slice", type=float, default=3.0,
                        help="seconds per turn while the load alternates between the servers (default 3)")
    parser.add_argument("--drain", type=float, default=5.0, help="seconds to wait for late events (default 5)")
    parser.add_argument("--rate", type=float, default=2.0, help="operations per second per writer (default 2)")
    parser.add_argument("--writers", type=float, default=0.1, help="fraction of participants who write (default 0.1)")
    parser.add_argument("--compression", choices=("off", "on", "both"), default="off",
                        help="WEBSOCKET_COMPRESSION of the servers: off (default), on, or both (four servers, "
                             "interleaved)")
    parser.add_argument("--quick", action="store_true", help="sanity run: N = 10,50 for 5 s")
    parser.add_argument("--cluster", action="store_true",
                        help="also measure Lienzo on PostgreSQL + Redis: 1 process (pg1) and 2 processes (pg2); "
                             "same as --variants lienzo,pg1,pg2")
    parser.add_argument("--variants", default=None,
                        help=f"Lienzo deployments to measure, comma-separated, from {', '.join(VARIANTS)} "
                             "(default lienzo)")
    parser.add_argument("--postgres-url", default=os.environ.get("LIENZO_BENCH_POSTGRES",
                                                                 "postgresql://127.0.0.1:5432/postgres"),
                        help="PostgreSQL where the pg variants get a fresh database (created and dropped; "
                             "default postgresql://127.0.0.1:5432/postgres or $LIENZO_BENCH_POSTGRES)")
    parser.add_argument("--redis-url", default=os.environ.get("LIENZO_BENCH_REDIS", "redis://127.0.0.1:6379/0"),
                        help="Redis of the pg variants' message queue (default redis://127.0.0.1:6379/0 "
                             "or $LIENZO_BENCH_REDIS)")
    parser.add_argument("--node", default=shutil.which("node") or "node", help="Node.js executable")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                        help="before each N, wait up to this long for other programs to leave the CPUs idle")
    parser.add_argument("--exports", action="store_true",
                        help="measure the room of the largest N with and without a facilitator downloading the "
                             "3,000-note workshop's report in a loop (see above)")
    parser.add_argument("--rounds", type=int, default=2, help="--exports: quiet/exports phase pairs (default 2)")
    parser.add_argument("--export-workers", type=int, default=None,
                        help="--exports: EXPORT_WORKERS of the server (default: the server's default)")
    parser.add_argument("--ramp", action="store_true",
                        help="also the throughput ramp: writers' rate stepped up (--ramp-rates) at N = --ramp-n until "
                             "p99 > 100 ms or deliveries fall behind; the highest sustained deliveries/s per stack")
    parser.add_argument("--ramp-n", type=int, default=150, help="--ramp: room size (default 150)")
    parser.add_argument("--ramp-rates", default="2,4,8,12,16",
                        help="--ramp: operations per second per writer, in steps (default 2,4,8,12,16; Lienzo "
                             "refuses more than SOCKET_RATE_PER_SECOND = 20 a socket)")
    parser.add_argument("--ramp-duration", type=float, default=9.0,
                        help="--ramp: measured seconds per stack and step (default 9)")
    parser.add_argument("--join-burst", type=int, default=0, metavar="COUNT",
                        help="also a join burst: COUNT people join within --burst-window s and open the canvas; "
                             "p95 from POST /api/join to the canvas:join ack (e.g. 150)")
    parser.add_argument("--burst-window", type=float, default=10.0, help="--join-burst: seconds (default 10)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (databases, server logs)")
    parser.add_argument("--dump-dir", type=Path, default=None,
                        help="write every operation's timings (JSON lines, one file per server and N) into this folder")
    args = parser.parse_args(argv)
    args.extra = {}
    args.ramp_rates = [float(x) for x in args.ramp_rates.split(",") if x.strip()]
    if args.ramp and (not args.ramp_rates or max(args.ramp_rates) > 20):
        parser.error("--ramp-rates: operations per second per writer, each at most 20 (SOCKET_RATE_PER_SECOND)")
    default_ns = "150" if args.exports else "10,50" if args.quick else "10,50,150"
    args.ns = [int(x) for x in (args.ns or default_ns).split(",") if x.strip()]
    if args.duration is None:
        args.duration = 5.0 if args.quick else 30.0
    if args.cluster and args.variants:
        parser.error("--cluster is --variants lienzo,pg1,pg2: give one or the other")
    variants = "lienzo,pg1,pg2" if args.cluster else (args.variants or "lienzo")
    args.variants = [v.strip() for v in variants.split(",") if v.strip()]
    unknown = [v for v in args.variants if v not in VARIANTS]
    if unknown or not args.variants or len(set(args.variants)) != len(args.variants):
        parser.error(f"--variants: each of {', '.join(VARIANTS)} at most once")
    if not args.ns or min(args.ns) < 2 or max(args.ns) > 500:
        parser.error("--ns: room sizes between 2 and 500 (MAX_PARTICIPANTS_PER_WORKSHOP)")
    if not 0 < args.duration <= 600 or not 0 < args.rate <= 100 or not 0 < args.writers <= 1:
        parser.error("--duration in (0, 600], --rate in (0, 100], --writers in (0, 1]")
    if not 0 <= args.warmup <= 60 or not 0.5 <= args.slice <= 600 or not 0 <= args.drain <= 60:
        parser.error("--warmup in [0, 60], --slice in [0.5, 600], --drain in [0, 60]")
    if args.ramp:
        args.ramp_n = min(args.ramp_n, max(args.ns))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which(args.node) is None:
        print(f"bench/fanout.py needs Node.js: {args.node!r} was not found (see --node)", file=sys.stderr)
        return 2
    if not (ROOT / "node_modules" / "socket.io-client").is_dir():
        print("bench/fanout.py needs node_modules: run `npm ci` in the checkout first", file=sys.stderr)
        return 2
    NodeBareServer.executable = args.node
    if not (ROOT / "node_modules" / "socket.io").is_dir():
        print("bench/fanout.py needs the socket.io server package (a devDependency): run `npm ci`",
              file=sys.stderr)
        return 2
    atexit.register(stop_all)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)
    labels = {"off": ["off"], "on": ["on"], "both": ["off", "on"]}[args.compression]
    services = None
    if any(VARIANTS[variant][1] for variant in args.variants):
        services = Services(args.postgres_url, args.redis_url)
        problem = services.check()
        if problem:
            print(f"bench/fanout.py: {problem}", file=sys.stderr)
            return 2
    workdir = Path(tempfile.mkdtemp(prefix="lienzo-fanout-"))
    version = source_version()
    if args.exports:
        print(f"fan-out bench with exports: N = {max(args.ns)}, {args.duration:g} s per phase, {args.rounds} rounds, "
              f"{args.writers:.0%} writers at {args.rate:g} op/s; commit {version['commit']}"
              f"{' + uncommitted server changes' if version['server_code_changed'] else ''}; "
              f"machine: {os.cpu_count()} CPUs; work folder {workdir}", flush=True)
        try:
            figures = run_exports(args.node, args, workdir)
        finally:
            stop_all()
            if not args.keep:
                shutil.rmtree(workdir, ignore_errors=True)
        print(json.dumps({"bench": "fanout-exports", "config": {"n": max(args.ns), "duration_s": args.duration,
                                                                "rounds": args.rounds, "rate": args.rate,
                                                                "writers_fraction": args.writers,
                                                                "cpus": os.cpu_count(), **version},
                          **figures}, separators=(",", ":")), flush=True)
        return 0 if figures["met"] else 1
    print(f"fan-out bench: N = {args.ns}, {args.duration:g} s measured per stack (+{args.warmup:g} s warm-up, "
          f"{args.slice:g} s slices), {args.writers:.0%} writers at {args.rate:g} op/s, compression "
          f"{args.compression}; Lienzo: {', '.join(args.variants)}; commit {version['commit']}"
          f"{' + uncommitted server changes' if version['server_code_changed'] else ''}; "
          f"machine: {os.cpu_count()} CPUs; work folder {workdir}", flush=True)
    print("columns: fan-out latency in ms (send -> last other participant has it); ack99 = send -> ack p99;"
          " lost = events that never reached a participant; err = refused/unacknowledged ops + disconnects;"
          " skip = ops not sent as the writer's previous one was still unacknowledged; drvCPU/srvCPU = % of one core;"
          " loop99 = driver event-loop delay p99 (ms); other = CPU used by everything else on the machine;"
          " zip = connections with permessage-deflate", flush=True)
    keep = args.keep
    try:
        results = run_all(args.node, labels, args.variants, args, workdir, services)
    except Exception:
        keep = True  # the server logs explain the failure
        raise
    finally:
        stop_all()
        if services is not None:
            services.clean()
        if keep:
            print(f"work folder kept: {workdir}", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    largest = max(args.ns)
    # "off" / "on" for the SQLite default, as before; "off-pg1", ... for the other variants.
    aim = {mode if variant == "lienzo" else f"{mode}-{variant}": verdict(runs, largest, variant)
           for mode, runs in results.items() for variant in args.variants}
    print(f"\n== aim at N = {largest}: p99 < {AIM_P99_MS:g} ms, <= {AIM_RATIO:g}x bare p99, nothing lost ==")
    for mode, v in aim.items():
        label = f"compression {mode}" if "-" not in mode else f"compression {mode.replace('-', ', ')}"
        print(f"{label}: p99 {v['p99_ms']} ms ({'ok' if v['p99_ok'] else 'NOT met'}), "
              f"{v['ratio_p99']}x bare ({'ok' if v['ratio_ok'] else 'NOT met'}), lost events {v['lost_events']}, "
              f"errors/skipped ops {v['errors_and_skipped']} -> {'MET' if v['met'] else 'NOT MET'}")
    against_bare = {}
    print(f"\n== issue 12 aims, ratios in this run: p99 <= {AIM12_P99_BARE:g}x bare Flask-SocketIO and "
          f"<= {AIM12_P99_NODE:g}x bare Node at N = 10, 50, 150; p50 at N = 10 <= {AIM12_P50_BARE_N10:g}x bare "
          f"Flask-SocketIO ==")
    for mode, runs in results.items():
        for variant in args.variants:
            aims = against_bare[f"{mode}-{variant}"] = aims_against_bare(runs, args.ns, variant)
            for n, checks in aims.items():
                print(f"{variant}, compression {mode}, N = {n}: " + ", ".join(
                    f"{k} {v['ratio']}x ({'met' if v['met'] else 'NOT met'})" for k, v in checks.items()
                    if isinstance(v, dict)) + f", nothing lost: {checks['nothing_lost']}")
    compression_effect = {}
    if "on" in results and "off" in results:
        print("\n== permessage-deflate: p99 with compression / p99 without ==")
        for n in args.ns:
            key = str(n)
            effect = {stack: ratio(results["on"][key][stack]["fanout_ms"]["p99"],
                                   results["off"][key][stack]["fanout_ms"]["p99"])
                      for stack in (*args.variants, "bare", "node")}
            compression_effect[key] = effect
            print(f"N = {n:>4}: " + ", ".join(f"{stack} {value}x" for stack, value in effect.items()))
    all_runs = [per_n[stack] for runs in results.values() for per_n in runs.values()
                for stack in (*args.variants, "bare", "node")]
    summary = {
        "bench": "fanout",
        "config": {"ns": args.ns, "duration_s": args.duration, "warmup_s": args.warmup, "slice_s": args.slice,
                   "rate": args.rate,
                   "writers_fraction": args.writers, "compression": args.compression, "cpus": os.cpu_count(),
                   "variants": {variant: VARIANTS[variant][2] for variant in args.variants},
                   **version},
        "results": results,
        "aim": {"p99_ms": AIM_P99_MS, "ratio": AIM_RATIO, **aim},
        "compression_effect_p99": compression_effect,
        "aims_issue_12": against_bare,
        **args.extra,
        "lost_events_total": sum(run["lost_events"] for run in all_runs),
        "errors_total": sum(run["errors"] for run in all_runs),
        "skipped_ops_total": sum(run["skipped_ops"] for run in all_runs),
        "driver_cpu_pct_max": max(run["driver_cpu_pct"] for run in all_runs),
        "machine_other_cpu_pct_max": max((run["machine"] or {}).get("other_pct") or 0 for run in all_runs),
    }
    print(json.dumps(summary, separators=(",", ":")), flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        stop_all()
        print("interrupted; every process the bench started is stopped", file=sys.stderr)
        sys.exit(130)
