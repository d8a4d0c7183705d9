"""An export worker process: ``python -m facilitator.export.worker FD`` (started by pool.py).

It reads the server's settings from the socket FD, builds a small Flask app
(database, translations; no Socket.IO, no views), then renders one job after
another: each job names ids (workshop, canvas) and the export's options, and
the worker reads the database itself through the same read model and
visibility rules as any export. It answers ``("progress", done, total)`` as
canvases are drawn, then ``("done", content, filename, mimetype)`` or
``("failed", code, detail)``. It exits when the server closes the socket.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys

from flask import Flask

from .pool import FAILED, GONE, JobFailed, receive_message, send_message

log = logging.getLogger("facilitator.export.worker")
EXPORT_NICENESS = 10


def build_app(config: dict) -> Flask:
    """The database and translations of the server's app, without the live and view layers."""
    from .. import database
    from ..db import db
    from ..extensions import babel

    app = Flask("facilitator")  # the package's root, where translations/ lives
    app.config.update(config)
    database.configure(app)
    db.init_app(app)
    database.init_app(app)
    babel.init_app(app)
    return app


def render_job(job: dict, progress) -> tuple[bytes, str, str]:
    """Render ``job`` in an app context: (content, filename, MIME type). A workshop or canvas
    gone since the request raises ``JobFailed(GONE)``."""
    from .. import export
    from ..db import db
    from ..models import Canvas, Workshop

    workshop = db.session.get(Workshop, job["workshop_id"])
    canvas = None
    if job.get("canvas_id") is not None:
        canvas = db.session.get(Canvas, job["canvas_id"])
        if canvas is None or canvas.workshop_id != job["workshop_id"]:
            workshop = None
    if workshop is None:
        raise JobFailed(GONE, "the workshop or canvas no longer exists")
    total = 1 if canvas is not None else len(workshop.canvases)
    drawn = 0

    def pause() -> None:  # called after each canvas is drawn
        nonlocal drawn
        drawn += 1
        progress(drawn, total)

    progress(0, total)
    result = export.render(workshop, job["fmt"], canvas=canvas, size=job.get("size"),
                           unrevealed=job.get("unrevealed"), pause=pause)
    return result.content, result.filename, result.mimetype


def serve(sock: socket.socket) -> None:
    config = receive_message(sock)
    if config is None:
        return
    app = build_app(config)
    logging.basicConfig(level=config.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    from ..db import db

    while True:
        job = receive_message(sock)
        if job is None:
            return
        with app.app_context():
            try:
                answer = ("done", *render_job(job, lambda done, total: send_message(sock, ("progress", done, total))))
            except JobFailed as failed:
                answer = ("failed", failed.code, failed.detail)
            except (BrokenPipeError, ConnectionResetError):
                raise  # the server went away while we told it our progress: stop quietly (main)
            except Exception as error:  # a failed render is an answer, never a dead worker
                log.error("export %s of workshop %s failed", job.get("fmt"), job.get("workshop_id"), exc_info=error)
                answer = ("failed", FAILED, type(error).__name__)
            finally:
                db.session.remove()
        send_message(sock, answer)


def main(argv: list[str]) -> None:
    # The server stops its workers by closing their sockets; a terminal's Ctrl+C is its to handle.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # When the machine is short of CPU, the server's event loop (every live note) goes first.
    os.nice(EXPORT_NICENESS)
    sock = socket.socket(fileno=int(argv[1]))
    sock.setblocking(True)  # eventlet made the server's socketpair non-blocking; this process waits plainly
    try:
        serve(sock)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server went away mid-answer
    finally:
        sock.close()


if __name__ == "__main__":
    main(sys.argv)
