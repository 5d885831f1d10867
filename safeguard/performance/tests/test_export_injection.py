"""The performance exports carry no formula out of the record (issue 15, finding 3: formula
injection; OWASP CSV Injection): the drill-down CSV, and the scorecard as CSV and XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from safeguard.people.models import Child
from safeguard.performance.periods import quarter
from safeguard.performance.render import render_csv, render_xlsx
from safeguard.performance.scorecard import build_scorecard
from safeguard.performance.services import commentary_save

D = dt.date
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LEGACY_ID = "=1+1"
HOSTILE_NAME = '=HYPERLINK("http://x","y")'
COMMENTARY = "@SUM(1+1) referrals rose"


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.mark.django_db
def test_drill_csv_quotes_hostile_values_from_the_record(la, analyst, front, make_child, tmp_path):
    """Issue 15, finding 3 (OWASP CSV Injection): a child whose legacy id is `=1+1` and whose first
    name is `=HYPERLINK(...)` (set bypassing the service, as old data might be) is listed by
    `safeguard scorecard drill ... --out FILE.csv`; both cells start with `'` and no cell of the file
    starts with a formula character."""
    child = make_child()
    front.refer(child, D(2025, 5, 1))
    front.refer(make_child(), D(2025, 6, 1))
    Child.objects.filter(pk=child.pk).update(la_child_id=LEGACY_ID, first_name=HOSTILE_NAME, last_name="")
    out = tmp_path / "fd05.csv"
    call_command("scorecard", "drill", "FD-05", "--year", "2026", "--user", "analyst1", "--out", str(out))
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0] == ["la_child_id", "child_name", "in_numerator", "why"]
    hostile = next(r for r in rows[1:] if "HYPERLINK" in r[1])
    assert hostile[:2] == ["'" + LEGACY_ID, "'" + HOSTILE_NAME]
    assert not [c for c in _cells(out.read_text(encoding="utf-8")) if c.startswith(FORMULA_START)]


@pytest.mark.django_db
def test_scorecard_csv_and_xlsx_quote_hostile_commentary(la, analyst, front, make_child, tmp_path):
    """Issue 15, finding 3 (OWASP CSV Injection): commentary typed as `@SUM(1+1) ...` and a council
    named `=HYPERLINK(...)` reach the scorecard CSV quoted, and the XLSX as strings starting with
    `'`: read back with openpyxl, no cell is a formula."""
    front.refer(make_child(), D(2025, 8, 1))
    commentary_save(by=analyst, local_authority=la, indicator_id="FD-03",
                    period_label=quarter(2026, 2).label, text=COMMENTARY)
    la.name = HOSTILE_NAME
    la.save()
    card = build_scorecard(la, 2026, 2, indicator_ids=["FD-03", "FD-05"])

    cells = _cells(render_csv(card))
    assert "'" + COMMENTARY in cells
    assert not [c for c in cells if c.startswith(FORMULA_START) and c != "-"]

    path = tmp_path / "card.xlsx"
    render_xlsx(card, path)
    book = load_workbook(path)
    all_cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in all_cells if c.data_type == "f"] == []
    texts = [c.value for c in all_cells if isinstance(c.value, str)]
    assert "'" + COMMENTARY in texts
    assert any(t.startswith("'" + HOSTILE_NAME) for t in texts)
