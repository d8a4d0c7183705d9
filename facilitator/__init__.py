"""Lienzo: live co-creation canvases for workshops.

The app factory is in app.py; ``flask --app facilitator`` and the tests find it here.
Application modules import ``catalog_of`` from catalog.py, never from this package."""

from .app import MIGRATIONS, create_app
from .catalog import catalog_of

__all__ = ["MIGRATIONS", "catalog_of", "create_app"]
