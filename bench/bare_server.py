"""The bare stack that bench/fanout.py compares Lienzo with.

Flask-SocketIO on eventlet, nothing else: a client emits ``join`` {room} and
then ``msg`` {..., "op_id": ...}; the server acks ``{"ok": true}`` and emits the
payload unchanged as ``change`` to everyone in the room, sender included (as
Lienzo does). No database, no authentication, no validation.

It is served exactly the way ``wsgi.py`` serves Lienzo, so that the comparison
measures our application and not a different socket set-up: eventlet's WSGI
server, TCP_NODELAY set on the listener (Linux copies it to accepted sockets),
and the client's permessage-deflate offer dropped unless
WEBSOCKET_COMPRESSION=true. Those few lines are copied from ``wsgi.py`` rather
than imported, so this file does not load the application.

Run: ``python bench/bare_server.py`` (HOST, PORT, WEBSOCKET_COMPRESSION from the
environment). ``GET /`` answers ``ok`` once it is up.
"""

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import os  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402

import eventlet.wsgi  # noqa: E402
from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, emit, join_room  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(app, async_mode="eventlet", logger=False, engineio_logger=False,
                    max_http_buffer_size=64 * 1024)


@app.get("/")
def index() -> str:
    return "ok"


@socketio.on("join")
def on_join(data):
    join_room(str(data["room"]))
    return {"ok": True}


@socketio.on("msg")
def on_msg(data):
    emit("change", data, to=str(data["room"]))
    return {"ok": True}


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def decline_compression(wsgi_app):
    """Drop the client's permessage-deflate offer (as wsgi.py does)."""

    def wrapped(environ, start_response):
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return wrapped


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5001"))
    wsgi_app = app if _truthy(os.environ.get("WEBSOCKET_COMPRESSION")) else decline_compression(app)
    listener = eventlet.listen((host, port))
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    print(f"bare server at http://{host}:{listener.getsockname()[1]}/", flush=True)
    try:
        eventlet.wsgi.server(listener, wsgi_app, log_output=False)
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
