"""Start the real server (``python wsgi.py`` on eventlet) as a subprocess, and
seed it through its JSON API, for tests that need real sockets."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from .waiting import CAP, STALL, wait_until

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
# ``flask db upgrade`` and ``flask create-facilitator`` in one process: each app start-up
# costs seconds on a loaded machine, so a server's preparation pays it once.
PREPARE = """
import sys
from facilitator import create_app
runner = create_app().test_cli_runner()
email, name, password = sys.argv[1:]
for args, stdin in ((["db", "upgrade"], None),
                    (["create-facilitator", "--email", email, "--name", name, "--password-stdin"], password + "\\n")):
    result = runner.invoke(args=args, input=stdin)
    if result.exit_code:
        sys.exit(f"{args}: {result.output} {result.exception!r}")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """One Lienzo server process on 127.0.0.1 with its own instance folder."""

    def __init__(self, workdir: Path, env: dict[str, str] | None = None, port: int | None = None):
        self.workdir = workdir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        instance = workdir / "instance"
        instance.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "INSTANCE_PATH": str(instance),
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "SECRET_KEY": "server-test-secret",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.log_path = workdir / f"server-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def flask(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        """Run a ``flask`` CLI command against this server's database."""
        return subprocess.run([sys.executable, "-m", "flask", "--app", "facilitator", *args], cwd=ROOT,
                              env=self.env, input=stdin, capture_output=True, text=True, timeout=CAP, check=True)

    def prepare(self, facilitator: bool = False) -> ServerProcess:
        """Create the database; with ``facilitator``, also the default facilitator (in the same process)."""
        if not facilitator:
            self.flask("db", "upgrade")
            return self
        done = subprocess.run([sys.executable, "-c", PREPARE, "ana@example.org", "Ana Facilitadora", PASSWORD],
                              cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=CAP)
        if done.returncode:
            raise RuntimeError(f"preparing the server failed:\n{done.stdout}{done.stderr}")
        return self

    def start(self, timeout: float = CAP) -> ServerProcess:
        """Start and poll until the home page answers: a cold start on a loaded machine may take
        long, so the bound is generous; a process that exits fails at once."""
        return self.launch().wait_ready(timeout)

    def launch(self) -> ServerProcess:
        """Start the process without waiting for it (see ``start_together``)."""
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the child's lifetime
        self.process = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=self.env,
                                        stdout=log, stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, timeout: float = CAP) -> ServerProcess:
        answered = wait_until(lambda: self.process.poll() is not None or self._answers(), stall=timeout, cap=timeout)
        if self.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{self.log()}")
        if not answered:
            self.stop()
            raise RuntimeError(f"server did not answer within {timeout}s:\n{self.log()}")
        return self

    def _answers(self) -> bool:
        """The home page answers 200 (the app is imported and serving)."""
        try:
            return requests.get(self.url + "/", timeout=STALL).status_code == 200
        except requests.RequestException:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no chance to flush or clean up."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def create_facilitator(self, email: str = "ana@example.org", name: str = "Ana Facilitadora") -> None:
        self.flask("create-facilitator", "--email", email, "--name", name, "--password-stdin", stdin=PASSWORD + "\n")

    def seed(self, template_id: str = "public-policy-lean-canvas", canvases: int = 1,
             email: str = "ana@example.org", title: str = "Taller de prueba") -> dict:
        """Log in as the facilitator (created if needed), create a workshop and its canvases.

        Returns ``{"code", "workshop_id", "canvas_ids", "http"}`` where ``http`` is the
        logged-in requests session.
        """
        http = requests.Session()
        answer = http.post(self.url + "/api/login", json={"email": email, "password": PASSWORD}, timeout=STALL)
        if answer.status_code == 401:
            self.create_facilitator(email)
            answer = http.post(self.url + "/api/login", json={"email": email, "password": PASSWORD}, timeout=STALL)
        answer.raise_for_status()
        workshop = http.post(self.url + "/api/workshops", json={"title": title}, timeout=STALL).json()["workshop"]
        created = http.post(self.url + f"/api/workshops/{workshop['id']}/canvases",
                            json={"template_id": template_id, "name": "Mesa", "count": canvases}, timeout=STALL).json()
        return {"code": workshop["code"], "workshop_id": workshop["id"],
                "canvas_ids": [c["id"] for c in created["canvases"]], "http": http}

    def join(self, code: str, name: str, institution: str = "") -> str:
        """A participant token, through the JSON API."""
        answer = requests.post(self.url + "/api/join", json={"code": code, "name": name,
                                                             "institution": institution}, timeout=STALL)
        answer.raise_for_status()
        return answer.json()["token"]


@contextmanager
def running_server(workdir: Path, facilitator: bool = False, env: dict[str, str] | None = None
                   ) -> Iterator[ServerProcess]:
    """A prepared and started server (``facilitator``: with the default facilitator), stopped
    on leaving: what a test module's ``server`` fixture holds for its tests."""
    process = ServerProcess(workdir, env=env).prepare(facilitator=facilitator)
    try:
        yield process.start()
    finally:
        process.stop()


def writers_started(server: ServerProcess, writer: Callable, count: int
                    ) -> tuple[int, list, threading.Event, list[threading.Thread]]:
    """A new workshop on ``server`` with ``count`` participants P00, P01... on its canvas, each
    a ``writer(server, token, canvas_id, name)`` whose ``run(stop)`` already writes in a
    thread of its own until ``stop`` is set: ``(canvas_id, writers, stop, threads)``."""
    workshop = server.seed()
    canvas_id = workshop["canvas_ids"][0]
    names = [f"P{i:02d}" for i in range(count)]
    writers = [writer(server, server.join(workshop["code"], name), canvas_id, name) for name in names]
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop,)) for w in writers]
    for thread in threads:
        thread.start()
    return canvas_id, writers, stop, threads


def start_together(*servers: ServerProcess) -> None:
    """Start several processes at once and wait for each: their start-ups overlap."""
    for server in servers:
        server.launch()
    for server in servers:
        server.wait_ready()
