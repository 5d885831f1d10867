"""Writing the Ofsted Annex A workbook: one sheet per list, "List 1" ... "List 11", the schema's
column names as the first row, then one row per child or event. Dates are real Excel dates shown
DD/MM/YYYY (the schema's date format), so inspectors can sort and filter them. Every other value
goes through the product's one cell sanitiser (`safeguard.core.cells`, issue 15 finding 3): text a
spreadsheet would read as a formula is stored as a quoted string, never a formula."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from safeguard.core.cells import xlsx_cell

from .schema import LISTS, columns
from .selectors import annex_a_lists

DATE_FORMAT = "DD/MM/YYYY"


def export_annex_a(*, as_at: dt.date, out: Path, by) -> Path:
    """Write Annex A lists 1-11 for the user's council as they stood on `as_at` to the .xlsx
    file `out` (its folder is made if needed). Returns the path written."""
    out = Path(out)
    lists = annex_a_lists(as_at=as_at, by=by)
    book = Workbook(write_only=True)
    for sheet in LISTS:
        ws = book.create_sheet(title=sheet)
        header = []
        for name in columns(sheet):
            cell = WriteOnlyCell(ws, value=name)
            cell.font = Font(bold=True)
            header.append(cell)
        ws.append(header)
        for row in lists[sheet]:
            ws.append([_cell(ws, value) for value in row])
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def _cell(ws, value):
    cell = xlsx_cell(ws, value)
    if isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    return cell
