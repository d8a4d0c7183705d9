"""The socket layer: Flask-SocketIO handlers that translate messages into
board operations, answer with an ack and broadcast the resulting events."""

from flask import Flask

from ..presence import Presence
from . import handlers  # noqa: F401  (registers the handlers on the SocketIO object)


def init_app(app: Flask) -> None:
    """Give the app its presence registry; handlers live on the shared SocketIO object."""
    app.extensions["lienzo.presence"] = Presence()
