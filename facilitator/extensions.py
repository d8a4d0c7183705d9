"""Flask extensions, created once here and bound to an app in ``create_app``.

``db`` lives in db.py (the domain core imports it without Flask-SocketIO) and is
re-exported here with the others."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_wtf import CSRFProtect

from .db import db

__all__ = ["babel", "csrf", "db", "limiter", "migrate", "socketio"]

migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
socketio = SocketIO()
# Keyed by the client's address (the proxy's X-Forwarded-For when PROXY_COUNT is set).
limiter = Limiter(key_func=get_remote_address)
