"""Language choice: Spanish by default, English complete, switchable by anyone.

The order: the person's explicit choice (``?lang=``, the language switch kept in
the session, or a socket client's ``auth.lang``), else the language of the
workshop the request is about, else Spanish.
"""

from __future__ import annotations

from flask import current_app, g, has_request_context, request, session
from flask_babel import refresh


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


def use_workshop_language(language: str | None) -> None:
    """Speak ``language`` (a workshop's) for the rest of this request or socket
    message, unless the person chose one.

    Flask-Babel works the locale out once and keeps it; anything translated
    before the workshop was known (an error built on the way, a check of the
    person's seat) would otherwise fix the default language for the whole page.
    So the kept locale is dropped here, where the language legitimately changes.
    """
    g.workshop_language = language
    refresh()  # cheap, and cheaper than working the locale out to compare: every socket message comes here
