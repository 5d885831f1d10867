"""Writing the Ofsted Annex A workbook: one sheet per list, "List 1" ... "List 11", the schema's
column names as the first row, then one row per child or event. Dates are real Excel dates shown
DD/MM/YYYY (the schema's date format), so inspectors can sort and filter them. Every other value
goes through the product's one cell sanitiser (`safeguard.core.cells`, issue 15 finding 3): text a
spreadsheet would read as a formula is stored as a quoted string, never a formula.

The workbook is written as a spreadsheet program writes one (issue 19, finding 9): each sheet
declares its extent (`<dimension ref="A1:AH12"/>`) and every row holds a cell for every column,
blank ones included. Streaming readers (openpyxl's read-only mode, which liiatools' `annex-a
cleanfile` uses) size a sheet from its dimension and read rows cell by cell; without it they see
one column, and with gaps they see rows of different widths. A blank cell carries its column's
number format (a date, a whole number or text), which is also what makes it written at all."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from safeguard.core.cells import xlsx_cell

from .schema import LISTS, columns, kind
from .selectors import annex_a_lists

DATE_FORMAT = "DD/MM/YYYY"
#: The number format of each kind of column: a typed date shows as a date, a typed number as a
#: whole number, and text (codes, identifiers, postcodes) stays text with any leading zeros.
NUMBER_FORMAT = {"date": DATE_FORMAT, "numeric": "0", "category": "@", "string": "@"}


def export_annex_a(*, as_at: dt.date, out: Path, by) -> Path:
    """Write Annex A lists 1-11 for the user's council as they stood on `as_at` to the .xlsx
    file `out` (its folder is made if needed). Returns the path written."""
    out = Path(out)
    lists = annex_a_lists(as_at=as_at, by=by)
    # An ordinary (not write-only) workbook: openpyxl writes a sheet's dimension only when it
    # knows every cell before the sheet's first row is written. The lists are in memory already.
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for sheet in LISTS:
        ws = book.create_sheet(title=sheet)
        names = columns(sheet)
        formats = [NUMBER_FORMAT[kind(sheet, name)] for name in names]
        ws.append(names)
        for cell in ws[1]:
            cell.font = bold
        for row in lists[sheet]:
            ws.append([_cell(ws, value, fmt) for value, fmt in zip(row, formats, strict=True)])
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def _cell(ws, value, number_format: str):
    cell = xlsx_cell(ws, value)
    cell.number_format = DATE_FORMAT if isinstance(value, dt.date) else number_format
    return cell
