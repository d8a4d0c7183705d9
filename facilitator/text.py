"""Text that people type or files bring, checked once before it reaches the
database or a page: the same rule for notes, names and template files."""

from __future__ import annotations


def plain_text(value: str) -> str:
    """``value`` unchanged, or ValueError if the database or a page could not hold it
    (NUL characters, lone surrogates that are not Unicode text)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value
