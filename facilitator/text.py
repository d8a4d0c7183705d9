"""Text that people type or files bring, checked once before it reaches the
database, a page or an export: one rule for every entry point (socket
messages, the JSON API, the facilitator's forms, imported files, the CLI).

Two kinds of text:

- single-line (names, institutions, titles, canvas and group names): trimmed,
  runs of spaces folded into one, no line break and no control character;
- multi-line (a note's text): line breaks and tabs allowed, no other control
  character.

Neither may hold NUL or lone surrogates (not Unicode text, refused by
PostgreSQL). Control characters are refused rather than dropped: a BEL in a
canvas name made spreadsheets unreadable, and silently changing what someone
typed hides the problem. Lengths count code points, as Python does.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

MAX_NOTE_TEXT = 1000
MAX_NAME = 80
MAX_INSTITUTION = 120
MAX_TITLE = 200
MAX_CANVAS_NAME = 80
MAX_GROUP_TITLE = 120

# Line breaks in Unicode's sense: those of ASCII and NEL, LINE and PARAGRAPH SEPARATOR.
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
# What a multi-line text may hold among the control characters.
MULTI_LINE_CONTROLS = frozenset("\n\r\t")


class TextError(ValueError):
    """Text that breaks the rule; ``kind`` says how (see KINDS), the message says it in English."""

    KINDS = ("unicode", "line_break", "control", "empty", "too_long")

    def __init__(self, kind: str, message: str, **context: object) -> None:
        super().__init__(message.format(**context))
        self.kind = kind
        self.template = message
        self.context = context


def plain_text(value: str) -> str:
    """``value`` unchanged, or ValueError if the database or a page could not hold it
    (NUL characters, lone surrogates that are not Unicode text)."""
    if "\x00" in value:
        raise TextError("unicode", "must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise TextError("unicode", "must be valid Unicode text") from None
    return value


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc"


def single_line(value: str, max_length: int, *, required: bool = True) -> str:
    """``value`` trimmed with runs of spaces folded, or TextError: a line break,
    a control character, nothing left (when ``required``), or over ``max_length``."""
    plain_text(value)
    if any(ch in LINE_BREAKS for ch in value):
        raise TextError("line_break", "must be a single line (no line breaks)")
    if any(_is_control(ch) for ch in value):
        raise TextError("control", "must not contain control characters")
    value = " ".join(value.split())
    if required and not value:
        raise TextError("empty", "must not be empty")
    if len(value) > max_length:
        raise TextError("too_long", "must have at most {max_length} characters", max_length=max_length)
    return value


def multi_line(value: str, max_length: int) -> str:
    """``value`` unchanged, or TextError: a control character other than a line
    break or a tab, or over ``max_length``."""
    plain_text(value)
    if any(_is_control(ch) and ch not in MULTI_LINE_CONTROLS for ch in value):
        raise TextError("control", "must not contain control characters other than line breaks and tabs")
    if len(value) > max_length:
        raise TextError("too_long", "must have at most {max_length} characters", max_length=max_length)
    return value


def _for_pydantic(check):
    def validate(value: str) -> str:
        try:
            return check(value)
        except TextError as error:
            raise PydanticCustomError(f"text_{error.kind}", error.template, error.context) from None

    return validate


def SingleLine(max_length: int, *, required: bool = True) -> object:
    """A pydantic string field that follows the single-line rule (errors typed ``text_<kind>``)."""
    return Annotated[str, AfterValidator(_for_pydantic(lambda v: single_line(v, max_length, required=required)))]


def MultiLine(max_length: int) -> object:
    """A pydantic string field that follows the multi-line rule (errors typed ``text_<kind>``)."""
    return Annotated[str, AfterValidator(_for_pydantic(lambda v: multi_line(v, max_length)))]
