"""The socket layer: Flask-SocketIO handlers that translate messages into
board operations, answer with an ack and broadcast the resulting events."""

from flask import Flask

from ..extensions import socketio
from ..presence import Presence
from . import handlers  # registers the handlers on the SocketIO object
from .flood import Admission, MessageBudget
from .ordering import RedisOrdering
from .origins import origin_policy
from .packets import ProtocolPacket
from .queue import make_manager, redis_client


def init_app(app: Flask) -> None:
    """Bind Socket.IO to the app, with the presence registry and ordering lock
    that suit one process (memory) or several (Redis)."""
    socketio.init_app(app, async_mode=app.config["SOCKETIO_ASYNC_MODE"], client_manager=make_manager(app),
                      max_http_buffer_size=app.config["SOCKET_MAX_MESSAGE_BYTES"],
                      cors_allowed_origins=origin_policy(app.config["SOCKETIO_ALLOWED_ORIGINS"]),
                      logger=False, engineio_logger=False,
                      # Malformed frames become refused events, never tracebacks (see packets.py).
                      serializer=ProtocolPacket,
                      # A dropped Wi-Fi link shows as "reconnecting" within ~20 s, not the default ~45 s.
                      ping_interval=10, ping_timeout=10)
    budget = MessageBudget(app.config["SOCKET_BURST"], app.config["SOCKET_RATE_PER_SECOND"])
    app.extensions["lienzo.budget"] = budget
    # Spent as each message arrives; within budget, one message at a time per participant.
    app.extensions["lienzo.admission"] = Admission(socketio, budget, handlers.over_budget).install()
    url = app.config.get("SOCKETIO_MESSAGE_QUEUE")
    if not url:
        app.extensions["lienzo.presence"] = Presence()
        app.extensions["lienzo.ordering"] = None
        return
    from ..shared_presence import RedisPresence

    client, prefix = redis_client(url), app.config["SOCKETIO_CHANNEL"]
    app.extensions["lienzo.presence"] = RedisPresence(
        client, prefix, app.config["PRESENCE_TTL"], spawn=socketio.start_background_task, sleep=socketio.sleep,
        on_stale=handlers.announce_stale_seat)
    app.extensions["lienzo.ordering"] = RedisOrdering(client, prefix)
