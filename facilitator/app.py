"""The app factory: configuration, catalog, extensions, blueprints, handlers.

In a module of its own so that the layers below can be checked never to import it
(setup.cfg, [importlinter]); ``facilitator`` re-exports ``create_app``."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask

from .catalog import CatalogError, load_catalog
from .config import DEV_SECRET_KEY, Config
from .recipes import load_recipes
from .resources import data_dir

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(config_class: type[Config] = Config, **overrides: object) -> Flask:
    """Build the app: configuration, catalog, extensions, blueprints, handlers."""
    app = Flask(
        "facilitator",  # the package: its name for logs, its folder as the root (translations/)
        template_folder=str(data_dir("templates")),
        static_folder=str(data_dir("static")),
        instance_path=os.environ.get("INSTANCE_PATH") or None,
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    _check_production(app)
    _check_timezone(app)
    _check_webhook(app)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "lienzo.db")
    try:
        app.extensions["lienzo.catalog"] = load_catalog(Path(app.config.get("CATALOG_DIR") or data_dir("canvases")))
    except CatalogError as error:
        raise SystemExit(f"Lienzo cannot start: a canvas template is broken: {error}") from None
    try:
        app.extensions["lienzo.recipes"] = load_recipes(Path(app.config.get("RECIPES_DIR") or data_dir("recipes")),
                                                        app.extensions["lienzo.catalog"])
    except CatalogError as error:
        raise SystemExit(f"Lienzo cannot start: a recipe is broken: {error}") from None

    from . import assets, cli, database, i18n, live, views
    from .db import db
    from .extensions import babel, csrf, limiter, migrate

    database.configure(app)
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    live.init_app(app)
    views.init_app(app)
    cli.init_app(app)
    assets.init_app(app)
    _compress(app)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    logging.getLogger("facilitator").setLevel(app.config.get("LOG_LEVEL", "INFO"))
    return app


def _compress(app: Flask) -> None:
    """Compress pages, scripts, styles and JSON (zstd, br or gzip, as the browser accepts).

    Flask-Compress works in Flask's after_request, so the Socket.IO/engine.io path, which
    the socket server answers before Flask, is never touched. Downloads (attachments:
    PDF, spreadsheets, CSV) are sent as they are.
    """
    from flask_compress import Compress

    app.config.setdefault("COMPRESS_REGISTER", False)
    # Flask streams static files from disk; they are compressed as they stream.
    app.config.setdefault("COMPRESS_STREAMS", True)
    compress = Compress(app)

    @app.after_request
    def _compressed(response):
        if "attachment" in response.headers.get("Content-Disposition", ""):
            return response
        return compress.after_request(response)


def _check_timezone(app: Flask) -> None:
    """A misspelt TIMEZONE stops the start, rather than the first export."""
    name = app.config.get("TIMEZONE")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise SystemExit(f"Lienzo cannot start: TIMEZONE={name!r} is not a time zone name. "
                         "Use one like America/Lima, Europe/Madrid or UTC.") from None


def _check_webhook(app: Flask) -> None:
    """Webhook settings that could never deliver stop the start, rather than the first close."""
    from .export.webhook import check_settings

    problem = check_settings(app.config)
    if problem:
        raise SystemExit(f"Lienzo cannot start: {problem}")


def _check_production(app: Flask) -> None:
    if app.config["LIENZO_ENV"] != "production":
        return
    if app.config["SECRET_KEY"] in (DEV_SECRET_KEY, "", None):
        raise SystemExit("Lienzo refuses to start in production with the development secret key. "
                         "Set SECRET_KEY to a long random value, e.g. "
                         "python -c 'import secrets; print(secrets.token_hex(32))'.")
    if app.config.get("DEBUG"):
        raise SystemExit("Lienzo refuses to start in production with debug on. Unset FLASK_DEBUG.")
