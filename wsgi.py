"""Run Lienzo on eventlet: ``python wsgi.py`` (HOST and PORT change the address).

eventlet must patch the standard library before anything else is imported,
so this file does that first; application code never imports eventlet.
"""

import warnings

# eventlet announces its own deprecation on import; DESIGN.md records why we still use it.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import gc  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402

# psycopg's default wait blocks in C, freezing every green thread for the
# length of a query; select() is patched by eventlet (bench/pg_driver.py).
os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")
import socket  # noqa: E402
import sys  # noqa: E402

import eventlet.wsgi  # noqa: E402

from facilitator import create_app  # noqa: E402
from facilitator.config import Config  # noqa: E402


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


def application():
    """The WSGI app, for ``gunicorn -k eventlet -w 1 'wsgi:application()'`` (gunicorn below 26)."""
    app = create_app(EventletConfig)
    # Everything built at start-up (the app, the catalog, imported modules) is
    # long-lived: moving it out of the collector's reach turns full collections
    # from ~120 ms stalls of the one eventlet thread into ~10 ms ones
    # (bench/fanout.py at N = 150: p99 from 87-141 ms to 22-23 ms).
    gc.collect()
    gc.freeze()
    return app if app.config["WEBSOCKET_COMPRESSION"] else decline_compression(app)


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    wsgi_app = application()
    listener = make_listener(host, port)
    print(f"Lienzo is running at http://{host}:{listener.getsockname()[1]}/ (Ctrl+C stops it)", flush=True)
    try:
        # debug=False: an exception that escapes the app (a malformed engine.io frame) must
        # not send its traceback to the client.
        eventlet.wsgi.server(listener, wsgi_app, log_output=False, debug=False)
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
