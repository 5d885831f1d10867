"""Annex A carries no formula out of the record (issue 15, finding 3: formula injection; OWASP CSV
Injection): free text that openpyxl would store as a formula reaches the workbook as a quoted
string."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from safeguard.front_door import services as fd
from safeguard.people.models import Child
from safeguard.returns.annex_a import export_annex_a

D = dt.date
ORGANISATION = '=HYPERLINK("http://x","y")'
LEGACY_ID = "=1+1"


@pytest.mark.django_db
def test_hostile_free_text_reaches_the_workbook_inert(make_child, worker, tmp_path):
    """Issue 15, finding 3 (OWASP CSV Injection): an early help organisation typed as
    `=HYPERLINK(...)` and a legacy child id `=1+1` (set bypassing the service, as old data might
    be) are exported; read back with openpyxl, no cell in any sheet is a formula and both values
    start with `'`. Dates stay real dates."""
    child = make_child(la_child_id="SAFE1")
    fd.early_help_start(by=worker, child_id=child.pk, start_date=D(2025, 11, 1), organisation=ORGANISATION)
    Child.objects.filter(pk=child.pk).update(la_child_id=LEGACY_ID)

    path = export_annex_a(as_at=D(2026, 3, 31), out=tmp_path / "annex.xlsx", by=worker)

    book = load_workbook(path)
    formulas = [(ws.title, c.coordinate) for ws in book.worksheets for row in ws.iter_rows()
                for c in row if c.data_type == "f"]
    assert formulas == []
    header, *rows = list(book["List 2"].iter_rows(values_only=True))
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["Child Unique ID"] == "'" + LEGACY_ID
    organisation = next(v for v in rows[0] if isinstance(v, str) and "HYPERLINK" in v)
    assert organisation == "'" + ORGANISATION
    assert isinstance(row["Date of Birth"], dt.datetime)
