"""HTTP rate limits: guessing join codes and passwords stays slow, while a
whole room behind one public address (a venue's Wi-Fi) always gets in.

Only failed attempts count towards the strict limits (a wrong code is a 404,
a wrong password a 401); successful joins have a generous limit of their own.

Join codes have two limits per address:

- ``RATELIMIT_JOIN_FAILURES`` (30 a minute): wrong codes. Beyond it a wrong
  code gets 429, but a right code is still checked and lets the person in, so
  a room's typos never lock the room out.
- ``RATELIMIT_JOIN_GUESSES`` (300 an hour): every wrong code that was checked,
  answered 404 or 429. Beyond the first limit a 429 tells a wrong code from a
  right one as well as a 404 would, so this one caps what a guesser learns;
  beyond it every code check from the address is refused unread.

Wrong passwords (401) and one-time account links that do not work (a wrong, used or
expired token: 404 or 410, views/accounts.py) have limits of their own,
``RATELIMIT_LOGIN_FAILURES`` and ``RATELIMIT_LINK_FAILURES``.

A 429 carries ``Retry-After``: whole seconds until the limit that refused it
frees a place, rounded up (never 0); no other answer carries it. Flask-Limiter's
own headers are off (``RATELIMIT_HEADERS_ENABLED``): they went on every answer,
a 201 included, with a ``Retry-After`` rounded down, often to 0.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from flask import Response, current_app, g, request
from flask_limiter import RequestLimit

from .. import board
from ..board.workshops import find_open_workshop
from ..extensions import limiter

MAX_CODE_LENGTH = 64  # anything longer is no code: never looked up


def _setting(name: str):
    return lambda: current_app.config[name]


def _note_retry_after(limit: RequestLimit) -> None:
    """When the limit that refused this request frees a place (see ``retry_after``)."""
    reset_at = limit.window[0]
    seconds = max(1, math.ceil(reset_at - time.time()))
    g.lienzo_retry_after = max(g.get("lienzo_retry_after", 0), seconds)


def retry_after(response: Response) -> Response:
    """``Retry-After`` on a 429 of these limits, and on no other answer (after_request)."""
    seconds = g.get("lienzo_retry_after")
    if response.status_code == 429 and seconds:
        response.headers["Retry-After"] = str(seconds)
    return response


def _code_in_request() -> str | None:
    code = (request.view_args or {}).get("code")
    if code is None and request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # nested deeper than the JSON parser goes (the view says so)
            body = None
        code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, str) and len(code) <= MAX_CODE_LENGTH else None


def _right_code() -> bool:
    """Whether the request names an open workshop's code (looked up once per request)."""
    if "lienzo_right_code" not in g:
        code, right = _code_in_request(), False
        if code is not None:
            try:
                find_open_workshop(code)
                right = True
            except board.BoardError:
                pass
        g.lienzo_right_code = right
    return g.lienzo_right_code


def _checked_a_wrong_code(response: Response) -> bool:
    return response.status_code in (404, 429) and g.get("lienzo_right_code") is False


failures = limiter.shared_limit(_setting("RATELIMIT_JOIN_FAILURES"), scope="join-code-failures",
                                exempt_when=_right_code, on_breach=_note_retry_after,
                                deduct_when=lambda response: response.status_code == 404)
guesses = limiter.shared_limit(_setting("RATELIMIT_JOIN_GUESSES"), scope="join-code-guesses",
                               on_breach=_note_retry_after, deduct_when=_checked_a_wrong_code)


def code_guesses(view: Callable) -> Callable:
    """Both join-code limits, for every page that tells whether a join code exists."""
    return failures(guesses(view))


joins = limiter.shared_limit(_setting("RATELIMIT_JOINS"), scope="joins", methods=["POST"],
                             on_breach=_note_retry_after, deduct_when=lambda response: response.status_code < 400)
login_failures = limiter.shared_limit(_setting("RATELIMIT_LOGIN_FAILURES"), scope="login-failures",
                                      methods=["POST"], on_breach=_note_retry_after,
                                      deduct_when=lambda response: response.status_code == 401)
link_failures = limiter.shared_limit(_setting("RATELIMIT_LINK_FAILURES"), scope="link-failures",
                                     on_breach=_note_retry_after,
                                     deduct_when=lambda response: response.status_code in (404, 410))
