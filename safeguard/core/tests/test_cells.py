"""The one cell sanitiser for every CSV and XLSX the product writes (issue 15, finding 3: formula
injection; OWASP CSV Injection). Pure: no database."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from safeguard.core.cells import FORMULA_PREFIXES, safe_cell, safe_row, safe_writer, xlsx_row

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "=1+1",
    "+1+1",
    "-1+1",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "=",
    "@",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_text_starting_with_a_formula_character_is_quoted(value):
    """Issue 15, finding 3 (OWASP CSV Injection): text beginning =, +, -, @, tab or CR gets a
    leading single quote and is otherwise unchanged."""
    assert safe_cell(value) == "'" + value


def test_every_listed_prefix_is_covered():
    """Issue 15, finding 3: exactly OWASP's list of formula-starting characters."""
    assert set(FORMULA_PREFIXES) == {"=", "+", "-", "@", "\t", "\r"}
    for prefix in FORMULA_PREFIXES:
        assert safe_cell(prefix + "cmd") == "'" + prefix + "cmd"


@pytest.mark.parametrize(
    "value",
    ["", "Contact from school", "Ann O'Neil", "a=b", "x-1", "email@example.org", "c", "-", "T0001"],
)
def test_harmless_text_is_left_alone(value):
    """Issue 15, finding 3 (OWASP CSV Injection): text not starting with a formula character, a
    formula character later in the text, and the reports' lone "-" for "no figure" are untouched."""
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", ["-2.5", "+3", "-12.0%", "-1,234.5", "85.0%", "0"])
def test_text_that_is_only_a_plain_number_is_left_alone(value):
    """Issue 15, finding 3: a figure written as text (the scorecard's "-2.5" or "-12.0%") cannot be a
    formula (OWASP CSV Injection), so it stays a figure for the analyst."""
    assert safe_cell(value) == value


@pytest.mark.parametrize(
    "value",
    [None, 0, 7, -3, -2.5, 0.0, Decimal("-1.50"), True, False,
     dt.date(2026, 3, 31), dt.datetime(2026, 3, 31, 9, 30), dt.time(9, 30), dt.timedelta(days=-1)],
)
def test_numbers_dates_and_none_are_left_alone(value):
    """Issue 15, finding 3 (OWASP CSV Injection): real numbers (negative ones stay numbers, of the
    same type), booleans, dates, times and None pass through unchanged."""
    out = safe_cell(value)
    assert out is value or (out == value and type(out) is type(value))


def test_other_objects_are_sanitised_as_the_text_the_csv_module_would_write():
    """Issue 15, finding 3: a model's `__str__` (a worker's name) is checked too (OWASP CSV
    Injection)."""

    class Named:
        def __str__(self):
            return "=1+1"

    assert safe_cell(Named()) == "'=1+1"


def test_row_helper_and_csv_writer_wrapper():
    """Issue 15, finding 3 (OWASP CSV Injection): `safe_row` and `safe_writer` give the same cells
    as `safe_cell`, through `writerow` and `writerows`."""
    assert safe_row(["=1+1", -1, None, "ok"]) == ["'=1+1", -1, None, "ok"]
    buf = io.StringIO()
    w = safe_writer(buf)
    w.writerow(["@a", -4, dt.date(2026, 1, 2)])
    w.writerows([["+b", "-"], ["\tc"]])
    assert list(csv.reader(io.StringIO(buf.getvalue()))) == [
        ["'@a", "-4", "2026-01-02"], ["'+b", "-"], ["'\tc"],
    ]


def test_xlsx_cells_are_strings_never_formulas(tmp_path):
    """Issue 15, finding 3 (OWASP CSV Injection): openpyxl would store '=1+1' as a formula; through
    `xlsx_row` it is a quoted string, in ordinary and write-only sheets, and numbers and dates keep
    their types."""
    for write_only in (False, True):
        book = Workbook(write_only=write_only)
        ws = book.create_sheet("S")
        ws.append(xlsx_row(ws, ["=1+1", '=HYPERLINK("http://x","y")', "@SUM(A1)", -3, 2.5,
                                dt.date(2026, 3, 31), None, "plain"]))
        path = tmp_path / f"w{write_only}.xlsx"
        book.save(path)
        cells = list(load_workbook(path)["S"].iter_rows())[0]
        assert all(c.data_type != "f" for c in cells)
        assert [c.value for c in cells[:5]] == [
            "'=1+1", "'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(A1)", -3, 2.5,
        ]
        assert cells[5].value.date() == dt.date(2026, 3, 31) and cells[6].value is None
        assert cells[7].value == "plain"
