"""The LADO files carry no formula out of the record (issue 15, finding 3: formula injection; OWASP
CSV Injection): the allegations export and the annual report as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command

from safeguard.lado.models import Allegation
from safeguard.lado.report import build_report, render

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HOSTILE_ROLE = '=HYPERLINK("http://x","y")'
HOSTILE_REFERENCE = "@SUM(1+1)"


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.mark.django_db
def test_export_csv_quotes_hostile_role_and_reference(make_allegation, lado, tmp_path):
    """Issue 15, finding 3 (OWASP CSV Injection): an allegation whose role is `=HYPERLINK(...)` and
    whose reference is `@SUM(1+1)` (set bypassing the service, as imported legacy data might be) is
    written by `safeguard lado export`; both cells start with `'`, dates stay dates, and no cell of
    the file starts with a formula character."""
    a = make_allegation(dt.date(2016, 5, 10), meeting=dt.date(2016, 5, 12), closure=dt.date(2016, 6, 1))
    Allegation.objects.filter(pk=a.pk).update(role=HOSTILE_ROLE, reference=HOSTILE_REFERENCE)
    out = tmp_path / "allegations.csv"
    call_command("lado", "export", "--out", str(out), "--user", lado.username)
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    row = rows[1]
    assert row[0] == "'" + HOSTILE_REFERENCE and row[6] == "'" + HOSTILE_ROLE
    assert row[1] == "2016-05-10"
    assert not [c for c in _cells(out.read_text(encoding="utf-8")) if c.startswith(FORMULA_START)]


@pytest.mark.django_db
def test_report_csv_writes_every_cell_through_the_sanitiser(make_allegation, lado):
    """Issue 15, finding 3 (OWASP CSV Injection): the annual report's tables hold only the
    allegation fields' choice labels and counts today, so a hostile label is put into a built
    report's table by hand; the CSV renderer quotes it, and leaves the counts and dashes as they
    are."""
    make_allegation(dt.date(2016, 5, 10), closure=dt.date(2016, 6, 1))
    report = build_report(lado, 2017, 2)
    table = report["tables"]["responses"]
    table["rows"] = {HOSTILE_ROLE: {"Number": 1, "%": 100.0}, **table["rows"]}
    cells = _cells(render(report, "csv").decode("utf-8-sig"))
    assert "'" + HOSTILE_ROLE in cells
    assert "1" in cells and "100.0" in cells
    assert not [c for c in cells if c.startswith(FORMULA_START)]
