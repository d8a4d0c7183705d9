"""HTTP rate limits: guessing join codes and passwords stays slow, while a
whole room behind one public address can still join within a minute.

Only failed attempts count towards the strict limits (a wrong code is a 404,
a wrong password a 401); successful joins have a generous limit of their own.
"""

from __future__ import annotations

from flask import current_app

from ..extensions import limiter


def _setting(name: str):
    return lambda: current_app.config[name]


# Every page that tells whether a join code exists shares this budget.
code_guesses = limiter.shared_limit(_setting("RATELIMIT_JOIN_FAILURES"), scope="join-code-failures",
                                    deduct_when=lambda response: response.status_code == 404)
joins = limiter.shared_limit(_setting("RATELIMIT_JOINS"), scope="joins", methods=["POST"],
                             deduct_when=lambda response: response.status_code < 400)
login_failures = limiter.shared_limit(_setting("RATELIMIT_LOGIN_FAILURES"), scope="login-failures",
                                      methods=["POST"], deduct_when=lambda response: response.status_code == 401)
