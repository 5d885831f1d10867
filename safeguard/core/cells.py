"""One cell sanitiser for every CSV and XLSX file the product writes (issue 15, finding 3: formula
injection).

A spreadsheet opening a CSV file, and openpyxl writing a workbook, treat text that begins with
`=`, `+`, `-` or `@` as a formula, and some spreadsheets strip a leading tab or carriage return
before deciding. A name, a note or an identifier typed into the record could then run as a formula
(`=HYPERLINK(...)` sending data away, DDE) in the analyst's or inspector's spreadsheet. Following
OWASP's "CSV Injection" guidance, such text is written with a single quote in front, so it is shown
as text and never evaluated.

Left alone: None, booleans, real numbers (a negative number stays a number), dates and times, and
text that is nothing but a plain number such as "-2.5", "+3" or "-12.0%" (it cannot be a formula,
and the scorecard's figures stay figures), or a dash alone (the reports' "no figure" mark).

The DfE return files (SSDA903, CIN census) do not use this: their columns are fixed byte for byte by
the DfE specification, and their identifiers are validated when they are entered instead.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable
from numbers import Number
from typing import Any

#: The characters that make a spreadsheet read a cell as a formula (OWASP CSV Injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?")
_UNTOUCHED = (bool, Number, dt.date, dt.time, dt.timedelta)


def safe_cell(value: Any) -> Any:
    """The value to write into a CSV or XLSX cell: text that a spreadsheet would read as a formula
    gets a leading `'`; anything else comes back unchanged (other objects as their text, which is
    what the csv module would write for them anyway)."""
    if value is None or isinstance(value, _UNTOUCHED):
        return value
    text = value if type(value) is str else str(value)
    if text.startswith(FORMULA_PREFIXES) and text != "-" and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_row(values: Iterable[Any]) -> list[Any]:
    """`safe_cell` over a row."""
    return [safe_cell(v) for v in values]


class SafeWriter:
    """A `csv.writer` whose every cell goes through `safe_cell`."""

    def __init__(self, f, *args, **kwargs) -> None:
        self._writer = csv.writer(f, *args, **kwargs)

    @property
    def dialect(self):
        return self._writer.dialect

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_writer(f, *args, **kwargs) -> SafeWriter:
    """`csv.writer(f, ...)` with every cell sanitised: the one line a CSV export needs."""
    return SafeWriter(f, *args, **kwargs)


def xlsx_cell(ws, value: Any):
    """An openpyxl cell for `ws.append` (ordinary or write-only sheets) holding `safe_cell(value)`;
    text is stored as a string cell, never a formula, whatever it begins with."""
    from openpyxl.cell import WriteOnlyCell  # lazy: heavy; only a spreadsheet needs it

    cell = WriteOnlyCell(ws, value=safe_cell(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def xlsx_row(ws, values: Iterable[Any]) -> list:
    """`xlsx_cell` over a row, for `ws.append(xlsx_row(ws, values))`."""
    return [xlsx_cell(ws, v) for v in values]
