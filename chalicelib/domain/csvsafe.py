"""CSV cells that a spreadsheet shows as text, never runs as a formula.

Members choose their own display names, so a name like ``=HYPERLINK("https://evil", "x")``
or ``@SUM(A1:A9)`` would reach an operator's spreadsheet as a live formula (CSV injection).
Every CSV rollcall writes goes through :func:`render` (and so :func:`cell`): a text cell
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a single quote
in front (OWASP's recommendation), which spreadsheets show as text and do not evaluate.

The quote is reversible, so that a roster exported and imported again keeps its names:
:func:`uncell` removes one leading quote when, and only when, :func:`cell` could have added
it (a quote followed by one of those characters or by another quote). A text that really
starts with a quote followed by such a character gets a second quote on export, so the two
are exact inverses; any other text that starts with a quote (``'til dawn``) is written and
read as it is. Numbers are written as they are: ``-3`` is a number, not a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

# What a spreadsheet may take as the start of a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def uncell(text: str) -> str:
    """A cell as read back: the quote :func:`cell` added, removed."""
    if len(text) >= 2 and text[0] == QUOTE and text[1] in (*FORMULA_STARTS, QUOTE):
        return text[1:]
    return text


def cell(value: Any) -> Any:
    """A value made safe to write as a CSV cell (None is an empty cell)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS) or uncell(value) != value:
        return QUOTE + value
    return value


def render(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A whole CSV document (header first, ``\n`` line ends), every cell through :func:`cell`.
    The one CSV writer of rollcall: ``tests/cli/test_csv_safety.py`` fails on any other.

    A cell holding a line break of either kind (``\r`` too) is quoted: the csv module
    quotes only the characters of its line terminator, and a bare CR inside an unquoted
    cell would split the record in two for most readers.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # "\r" and "\n" both get quoted
    lines = []
    for row in (header, *rows):
        writer.writerow([cell(v) for v in row])
        lines.append(buffer.getvalue()[:-2] + "\n")
        buffer.seek(0)
        buffer.truncate()
    return "".join(lines)
