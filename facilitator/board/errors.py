"""The one error type of the domain core, with the protocol's fixed codes."""

from __future__ import annotations

from typing import Any

CODES = frozenset(
    {"invalid", "not_found", "forbidden", "locked", "conflict", "rate_limited", "too_large", "unavailable"}
)


class BoardError(Exception):
    """A refused operation: nothing was changed. ``code`` is one of CODES."""

    def __init__(self, code: str, message: Any, **extra: Any) -> None:
        if code not in CODES:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.extra = extra

    def to_ack(self) -> dict[str, Any]:
        """The error as a protocol ack (the message rendered in the current locale)."""
        return {"ok": False, "error": {"code": self.code, "message": str(self.message)}, **self.extra}
