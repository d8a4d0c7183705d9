"""Run Lienzo on eventlet: ``python wsgi.py`` (HOST and PORT change the address).

eventlet must patch the standard library before anything else is imported,
so this file does that first; application code never imports eventlet.

SIGTERM (or Ctrl+C) stops it gracefully: it stops accepting connections,
lets the socket messages and page requests in progress finish (at most
SHUTDOWN_GRACE seconds; new messages meanwhile get ``unavailable`` and are
retried by the client), stops the export worker processes, tells every client to reconnect at once
(``server:restarting``, then closes the connections), and exits with 0. A
second signal exits at once.
"""

import warnings

# eventlet announces its own deprecation on import; DESIGN.md records why we still use it.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import gc  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402

# psycopg's default wait blocks in C, freezing every green thread for the
# length of a query; select() is patched by eventlet (bench/pg_driver.py).
os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")
import socket  # noqa: E402
import sys  # noqa: E402

import eventlet.event  # noqa: E402
import eventlet.hubs  # noqa: E402
import eventlet.wsgi  # noqa: E402
from flask import Flask  # noqa: E402

from facilitator import create_app  # noqa: E402
from facilitator.config import Config  # noqa: E402
from facilitator.extensions import socketio  # noqa: E402
from facilitator.live import stopping  # noqa: E402
from facilitator.views.exports import jobs_of  # noqa: E402

log = logging.getLogger("lienzo.server")


class EventletConfig(Config):
    SOCKETIO_ASYNC_MODE = "eventlet"


def make_listener(host: str, port: int):
    """A listening socket whose accepted connections have TCP_NODELAY set.

    Without it, small websocket frames wait ~40 ms on Nagle's algorithm meeting
    delayed ACKs. Linux copies the option from the listener to each accepted
    socket.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = eventlet.listen((host, port), family=family)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return listener


def decline_compression(wsgi_app):
    """Drop the client's permessage-deflate offer (see WEBSOCKET_COMPRESSION)."""

    def app(environ, start_response):
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return app


def build() -> tuple[Flask, object]:
    """The Flask app and the WSGI callable to serve."""
    app = create_app(EventletConfig)
    # Everything built at start-up (the app, the catalog, imported modules) is
    # long-lived: moving it out of the collector's reach turns full collections
    # from ~120 ms stalls of the one eventlet thread into ~10 ms ones
    # (bench/fanout.py at N = 150: p99 from 87-141 ms to 22-23 ms).
    gc.collect()
    gc.freeze()
    pool = jobs_of(app).pool
    if pool is not None:
        pool.start()  # the export workers load while the server starts taking connections
    return app, app if app.config["WEBSOCKET_COMPRESSION"] else decline_compression(app)


def application():
    """The WSGI app, for ``gunicorn -k eventlet -w 1 'wsgi:application()'`` (gunicorn below 26)."""
    return build()[1]


class Requests:
    """Requests in progress: pages and API calls (``work``), and Socket.IO connections
    (``live``: a websocket, or one long-polling request), whose messages live/stopping.py counts."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.work = stopping.InFlight()
        self.live = stopping.InFlight()
        self.closing = False

    def __call__(self, environ, start_response):
        live = environ.get("PATH_INFO", "").startswith("/socket.io")
        if live and self.closing and "sid=" not in environ.get("QUERY_STRING", ""):
            # A new Socket.IO session while stopping (a request on a connection kept alive from
            # before): the connection is closed unanswered, as a refused connection would be, so
            # the client connects elsewhere or waits for the restart. already_handled is how
            # eventlet's own websocket tells its server that no response is to be written.
            eventlet.wsgi.WSGI_LOCAL.already_handled = True
            return []
        counter = self.live if live else self.work
        counter.begin()  # never refused: the listener is closed instead
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            counter.end()


def say_goodbye(within: float) -> int:
    """Tell each client of this process to reconnect now, then close its connection.

    Only this process's sockets: the event skips the message queue. Clients
    that do not know the event still reconnect when the connection closes.
    The connections are closed one after the other, as always, but waited for
    at most ``within`` seconds: closing one sends what is queued for it first,
    and a long-polling client that no longer polls (a phone asleep) never takes
    it, which held the whole stop up until the process was killed. Whatever is
    still open then is dropped as the process exits, and its client reconnects.
    """
    server = socketio.server
    sids = [sid for sid, _eio_sid in server.manager.get_participants("/", None)]
    for sid in sids:
        server.emit("server:restarting", {}, to=sid, namespace="/", ignore_queue=True)
    closing = eventlet.spawn(server.eio.disconnect)  # every engine.io connection: queued packets first, then the close
    with eventlet.Timeout(within, False):
        closing.wait()
    return len(sids)


class Listener:
    """The listening socket as eventlet's server sees it, which can be closed without ending the server.

    eventlet.wsgi.server, once its accept loop ends, shuts down every idle
    connection at once, and open websockets count as idle: the acks and the
    goodbye still queued for them would be lost. So the stop closes the real
    socket (new connections are refused from then on) while the accept loop
    just waits, and the connections stay up until they have said goodbye.
    """

    def __init__(self, sock):
        self.sock = sock
        self.closing = False
        self._parked = eventlet.event.Event()

    def accept(self):
        try:
            return self.sock.accept()
        except OSError:
            if not self.closing:
                raise
            self._parked.wait()  # never sent: the process exits first
            raise

    def close_for_good(self) -> None:
        self.closing = True
        self.sock.close()

    def __getattr__(self, name):
        return getattr(self.sock, name)


def stop_gracefully(app: Flask, listener: Listener, requests: Requests) -> None:
    """Stop accepting, let the work in progress finish (bounded), send clients elsewhere."""
    grace = float(app.config["SHUTDOWN_GRACE"])
    started = time.monotonic()
    listener.close_for_good()  # new connections are refused at once (another process, or this one once restarted)
    requests.closing = True
    # Let the connections read what clients sent before the signal and handle it as usual; from
    # then on new messages get ``unavailable`` (the client retries them after reconnecting), so
    # that a steady stream cannot hold the stop up.
    eventlet.sleep(0.1)
    stopping.messages.stop()
    finished = stopping.messages.wait_idle(grace, eventlet.sleep)
    left = max(0.0, grace - (time.monotonic() - started))
    finished = requests.work.wait_idle(left, eventlet.sleep) and finished
    pool = jobs_of(app).pool
    if pool is not None:
        # An export still rendering fails as "stopping"; its facilitator asks again after the restart.
        pool.shutdown(wait=min(2.0, max(0.1, grace - (time.monotonic() - started))))
    if not finished:
        log.warning("stopping with %d messages and %d requests still in progress after %.0f s",
                    stopping.messages.count, requests.work.count, grace)
    said = time.monotonic()
    clients = say_goodbye(2)
    # the websockets close once their goodbye is sent
    requests.live.wait_idle(max(0.1, 2 - (time.monotonic() - said)), eventlet.sleep)
    log.info("stopped in %.1f s; %d clients told to reconnect", time.monotonic() - started, clients)


def watch_signals(signals: tuple[int, ...], on_signal) -> None:
    """Call ``on_signal(signum)`` in a green thread as soon as one of ``signals`` arrives.

    A Python signal handler runs only once the main thread is back in the interpreter, and
    eventlet's hub may sleep in epoll for up to a minute with nothing to wake it: an idle
    server let SIGTERM wait that long (and a service manager kills it meanwhile). With a wakeup
    fd, the interpreter's own low-level handler writes the signal's number to a pipe the hub
    watches, whichever thread the kernel interrupted, so the hub wakes at once.
    """
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    os.set_blocking(write_end, False)
    signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    for signum in signals:
        signal.signal(signum, lambda *_: None)  # installed so that the number is written; acted on below

    def watch() -> None:
        while True:
            eventlet.hubs.trampoline(read_end, read=True)
            try:
                received = os.read(read_end, 64)
            except BlockingIOError:
                continue
            for signum in received:
                if signum in signals:
                    on_signal(signum)

    eventlet.spawn(watch)


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    app, wsgi_app = build()
    requests = Requests(wsgi_app)
    listener = Listener(make_listener(host, port))
    stop = eventlet.event.Event()

    def on_signal(signum: int) -> None:
        if stop.ready():
            os._exit(1)  # a second signal: stop now
        stop.send(signum)

    watch_signals((signal.SIGTERM, signal.SIGINT), on_signal)
    print(f"Lienzo is running at http://{host}:{listener.getsockname()[1]}/ (Ctrl+C stops it)", flush=True)
    # debug=False: an exception that escapes the app (a malformed engine.io frame) must
    # not send its traceback to the client.
    serving = eventlet.spawn(eventlet.wsgi.server, listener, requests, log_output=False, debug=False)
    serving.link(lambda _gt: stop.ready() or stop.send(None))
    signum = stop.wait()
    if signum is None:  # the server loop ended by itself
        sys.exit(1)
    log.info("%s: stopping", signal.Signals(signum).name)
    stop_gracefully(app, listener, requests)
    sys.exit(0)


if __name__ == "__main__":
    main()
