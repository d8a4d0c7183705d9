"""The guard against formula injection in spreadsheets.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or a
carriage return, which some programs skip before reading a formula) may be run
as a formula when the file is opened in Excel or LibreOffice; a note could
then fetch a URL or run a command. In CSV such text gets a leading apostrophe,
the usual neutraliser; in XLSX the text stays exact and is stored as a plain
string cell with Excel's "quote prefix", which keeps it text even when edited.
"""

from __future__ import annotations

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_risky(value: object) -> bool:
    """True for text a spreadsheet could take for a formula."""
    return isinstance(value, str) and value.startswith(TRIGGERS)


def csv_cell(value: object) -> object:
    """A value safe to write into a CSV cell."""
    return "'" + value if is_risky(value) else value
