"""Blueprints by audience (participants, facilitators, the JSON API) and the
page-wide pieces: error pages, template helpers, security headers."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, ServiceUnavailable
from werkzeug.routing import IntegerConverter

from .. import assets
from ..board.schemas import MAX_INTEGER
from ..database import database_failed
from ..db import db
from ..extensions import csrf
from . import about, accounts, api, canvas_editor, exports, facilitator, limits, public, reuse
from .identity import current_facilitator


class DatabaseId(IntegerConverter):
    """``<int:...>`` in URLs, no wider than the database's INTEGER: a huge id is a 404, not an overflow."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_INTEGER,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def _describe(error: HTTPException) -> str:
    """The error in the person's language: ours as given, Werkzeug's defaults replaced."""
    if error.code == 429:
        return _("Too many attempts from this network. Wait a minute and try again.")
    if error.description != type(error).description:
        return str(error.description)
    return {
        404: _("This page does not exist. Check the address, or start again from the home page."),
        405: _("This page cannot be used this way."),
        413: _("What you sent is too big."),
        400: _("This request could not be understood. Reload the page and try again."),
    }.get(error.code, _("This request could not be handled."))


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseId  # before the blueprints' rules are added
    app.register_blueprint(public.bp)
    app.register_blueprint(about.bp)
    app.register_blueprint(facilitator.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(canvas_editor.bp)
    app.register_blueprint(reuse.bp)
    app.register_blueprint(exports.bp)
    exports.init_app(app)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
    app.after_request(limits.retry_after)

    @app.context_processor
    def _globals() -> dict:
        try:
            facilitator = current_facilitator()
        except SQLAlchemyError:  # the 503 page itself must render without the database
            db.session.rollback()
            facilitator = None
        return {"current_lang": str(get_locale()), "languages": app.config["LANGUAGES"],
                "current_facilitator": facilitator, "source_url": about.source_url}

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        message = _describe(error)
        if request.path.startswith("/api/"):
            code = {404: "not_found", 403: "forbidden", 401: "forbidden", 413: "too_large",
                    429: "rate_limited"}.get(error.code, "invalid")
            return jsonify({"ok": False, "error": {"code": code, "message": message}}), error.code
        return render_template("error.html", error=error, message=message), error.code

    @app.errorhandler(SQLAlchemyError)
    def _database_error(error: SQLAlchemyError):
        """The database could not be reached (or failed): 503, never a traceback."""
        database_failed(error, request.path)
        if request.path.startswith("/api/"):
            return jsonify({"ok": False, "error": {"code": "unavailable", "message": _(
                "The database cannot be reached right now. Try again in a moment.")}}), 503
        return render_template("error.html", error=ServiceUnavailable()), 503, {"Retry-After": "5"}

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            # script-src: our files, and the inline import map by its hash (facilitator/assets.py).
            f"default-src 'self'; script-src 'self' {assets.script_sources(app)}; style-src 'self'; "
            "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
        return response
