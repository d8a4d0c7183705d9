"""Language choice: Spanish by default, English complete, switchable by anyone."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request, session


def select_locale() -> str:
    """The person's explicit choice, else the workshop's language, else Spanish."""
    languages = current_app.config["LANGUAGES"]
    if has_request_context():
        for chosen in (request.args.get("lang"), session.get("lang")):
            if chosen in languages:
                return chosen
    workshop_language = g.get("workshop_language")
    if workshop_language in languages:
        return workshop_language
    return current_app.config["BABEL_DEFAULT_LOCALE"]
