"""Exports rendered in worker processes, so the server's one eventlet thread never waits on them.

A canvas PDF or a report takes seconds of CPU; on eventlet's hub that is
seconds in which no note reaches anyone in any workshop. So the server sends
the ids of what to render to a small pool of worker processes, which read
the database themselves (same read model, same visibility rules) and send
back the finished file, or a clear failure.

Why not ``concurrent.futures.ProcessPoolExecutor`` (or ``multiprocessing``):
under eventlet's monkey patching its result queue waits in C on a pipe and
hangs or blocks the hub (eventlet issues #147 and #465). Here each worker is
a plain subprocess (``python -m facilitator.export.worker``), not patched,
speaking over a socketpair: the server's end is a socket, which eventlet
makes cooperative, so a green thread waiting for a result lets every other
one run; in the threading mode of the tests it is an ordinary blocking socket.

Jobs (``ExportJobs``) hold the progress and, once rendered, the file, in this
process's memory for a few minutes: a quick export is answered at once, a
long one is fetched when ready. A multi-process deployment runs one pool per
process; the facilitator's follow-up requests reach the same process through
the sticky sessions it already needs for Socket.IO (docs/deployment.md).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import queue
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

_HEADER = struct.Struct("!I")
# Failure codes a job can end with; the views turn each into words for the facilitator.
GONE, FAILED, CRASHED, TIMEOUT, STOPPING = "gone", "failed", "crashed", "timeout", "stopping"


@dataclass(frozen=True)
class Rendered:
    """A finished export, as the worker sent it back."""

    content: bytes
    filename: str
    mimetype: str


class JobFailed(Exception):
    """The export could not be rendered; ``code`` is one of the failure codes above."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def send_message(sock: socket.socket, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(data)) + data)


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive_message(sock: socket.socket) -> object | None:
    """The next message, or None when the other end closed. Only our own processes write
    to these sockets (a socketpair between the server and its worker), so pickle is safe."""
    header = _read_exactly(sock, _HEADER.size)
    if header is None:
        return None
    data = _read_exactly(sock, _HEADER.unpack(header)[0])
    return None if data is None else pickle.loads(data)


def _plain(value: object) -> bool:
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def worker_config(config: dict) -> dict:
    """The settings a worker needs (the database, time zone, languages): every plain value."""
    return {key: value for key, value in config.items() if key.isupper() and _plain(value)}


class Worker:
    """One worker process and the server's end of its socket."""

    def __init__(self, config: dict, timeout: float):
        self.timeout = timeout
        ours, theirs = socket.socketpair()
        package_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root,
                                                                           os.environ.get("PYTHONPATH")]))}
        # Its own session: a Ctrl+C in the terminal stops the server, which then stops its workers.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "facilitator.export.worker", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        self.sock = ours
        send_message(self.sock, config)

    @property
    def pid(self) -> int:
        return self.process.pid

    def run(self, job: dict, progress: Callable[[int, int], None]) -> Rendered:
        """Send ``job`` and wait (cooperatively) for its file; progress messages call ``progress``."""
        self.sock.settimeout(self.timeout)
        try:
            send_message(self.sock, job)
            while True:
                message = receive_message(self.sock)
                if message is None:
                    raise JobFailed(CRASHED, f"worker {self.pid} stopped")
                kind = message[0]
                if kind == "progress":
                    progress(message[1], message[2])
                elif kind == "done":
                    return Rendered(*message[1:])
                else:
                    raise JobFailed(message[1], message[2])
        except TimeoutError:
            raise JobFailed(TIMEOUT, f"no answer within {self.timeout:g} s") from None
        except OSError as error:
            raise JobFailed(CRASHED, f"worker {self.pid}: {error}") from None

    def close(self) -> None:
        """Close its socket: the worker sees the end and exits."""
        with contextlib.suppress(OSError):  # already closed
            self.sock.close()

    def stop(self, wait: float) -> None:
        self.close()
        try:
            self.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class ExportPool:
    """A few worker processes; a job takes an idle one or waits for one (cooperatively)."""

    def __init__(self, config: dict, size: int, timeout: float = 300.0):
        self.config = worker_config(config)
        self.size = max(1, size)
        self.timeout = timeout
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._workers: list[Worker] = []
        self._lock = threading.Lock()
        self.closed = False

    def start(self) -> ExportPool:
        """Start every worker now (they load in the background), so the first export waits less."""
        with self._lock:
            while len(self._workers) < self.size and not self.closed:
                self._idle.put(self._spawn())
        return self

    def _spawn(self) -> Worker:
        worker = Worker(self.config, self.timeout)
        self._workers.append(worker)
        return worker

    def pids(self) -> list[int]:
        return [w.pid for w in self._workers]

    def _take(self) -> Worker:
        with self._lock:
            if self.closed:
                raise JobFailed(STOPPING)
            if self._idle.empty() and len(self._workers) < self.size:
                return self._spawn()
        return self._idle.get()

    def run(self, job: dict, progress: Callable[[int, int], None] = lambda done, total: None) -> Rendered:
        worker = self._take()
        if worker is None:  # shutdown woke us
            raise JobFailed(STOPPING)
        try:
            result = worker.run(job, progress)
        except JobFailed as failed:
            if failed.code in (CRASHED, TIMEOUT):
                # Its state is unknown: it goes, and the next job starts a fresh one.
                with self._lock:
                    if worker in self._workers:  # not already taken away by shutdown
                        self._workers.remove(worker)
                worker.stop(0)
            else:
                self._idle.put(worker)
            if self.closed:
                raise JobFailed(STOPPING) from None
            raise
        self._idle.put(worker)
        return result

    def shutdown(self, wait: float = 2.0) -> None:
        """Stop every worker (graceful stop): a render in progress ends as ``stopping``."""
        with self._lock:
            self.closed = True
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.close()
        for _ in workers:
            self._idle.put(None)  # wake anyone waiting for a worker
        deadline = time.monotonic() + wait
        for worker in workers:
            worker.stop(max(0.0, deadline - time.monotonic()))


@dataclass
class Job:
    """One export asked for by a facilitator: where it is, and once ready, the file."""

    id: str
    facilitator_id: int
    workshop_id: int
    fmt: str
    done: int = 0
    total: int = 0
    result: Rendered | None = None
    error: JobFailed | None = None
    finished: threading.Event = field(default_factory=threading.Event)
    created: float = field(default_factory=time.monotonic)

    @property
    def state(self) -> str:
        if self.result is not None:
            return "ready"
        return "failed" if self.error is not None else "working"


class ExportJobs:
    """The jobs of this process: each runs in a background (green) thread against the pool;
    a finished file is kept ``keep`` seconds (at most ``limit`` jobs) for its download."""

    def __init__(self, pool: ExportPool | None, render_inline: Callable[[dict], Rendered],
                 keep: float = 600.0, limit: int = 20):
        self.pool = pool
        self.render_inline = render_inline
        self.keep = keep
        self.limit = limit
        self._jobs: dict[str, Job] = {}

    def submit(self, facilitator_id: int, job: dict) -> Job:
        self._forget_old()
        entry = Job(uuid.uuid4().hex, facilitator_id, job["workshop_id"], job["fmt"])
        self._jobs[entry.id] = entry
        threading.Thread(target=self._run, args=(entry, job), daemon=True, name=f"export-{entry.id}").start()
        return entry

    def _run(self, entry: Job, job: dict) -> None:
        def progress(done: int, total: int) -> None:
            entry.done, entry.total = done, total

        try:
            if self.pool is None:
                entry.result = self.render_inline(job)
            else:
                entry.result = self.pool.run(job, progress)
        except JobFailed as failed:
            entry.error = failed
            log.warning("export %s of workshop %s failed: %s", job["fmt"], job["workshop_id"], failed)
        except Exception as error:  # inline rendering: anything unexpected is a failed export, logged
            entry.error = JobFailed(FAILED, type(error).__name__)
            log.error("export %s of workshop %s failed", job["fmt"], job["workshop_id"], exc_info=error)
        finally:
            entry.finished.set()

    def forget(self, job: Job) -> None:
        """Drop a job whose file was handed over at once (a quick export): nothing to keep."""
        self._jobs.pop(job.id, None)

    def get(self, job_id: str, facilitator_id: int) -> Job | None:
        """The job, only for the facilitator who asked for it."""
        entry = self._jobs.get(job_id)
        return entry if entry is not None and entry.facilitator_id == facilitator_id else None

    def _forget_old(self) -> None:
        now = time.monotonic()
        for key, entry in list(self._jobs.items()):
            if entry.finished.is_set() and now - entry.created > self.keep:
                del self._jobs[key]
        finished = [e for e in self._jobs.values() if e.finished.is_set()]
        for entry in sorted(finished, key=lambda e: e.created)[:max(0, len(self._jobs) - self.limit)]:
            del self._jobs[entry.id]
