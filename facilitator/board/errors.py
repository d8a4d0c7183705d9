"""The one error type of the domain core, with the protocol's fixed codes."""

from __future__ import annotations

from typing import Any

CODES = frozenset(
    {"invalid", "not_found", "forbidden", "locked", "conflict", "rate_limited", "too_large", "unavailable"}
)


class BoardError(Exception):
    """A refused operation: nothing was changed. ``code`` is one of CODES.

    ``message`` stays as given (usually a lazy string) and is rendered only when
    the error is shown: making an error, even one never raised, must not
    translate anything, or it would fix the request's language before the
    workshop's language is known (Flask-Babel keeps the first locale it works out).
    """

    def __init__(self, code: str, message: Any, **extra: Any) -> None:
        if code not in CODES:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.extra = extra

    def __str__(self) -> str:
        return str(self.message)

    def to_ack(self) -> dict[str, Any]:
        """The error as a protocol ack (the message rendered in the current locale)."""
        return {"ok": False, "error": {"code": self.code, "message": str(self.message)}, **self.extra}
