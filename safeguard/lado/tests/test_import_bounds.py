"""The LADO import closes its side doors (issue 15, finding 7): a row must be whole (a row with 5 of
its 17 values imported, its values under whatever columns they fell in), and over-long values or
control characters are refused before the database, the same on SQLite and PostgreSQL (PostgreSQL
failed with a traceback; SQLite stored them). The file is imported whole or not at all."""

from __future__ import annotations

import stat

import pytest

from safeguard.lado.importer import COLUMNS, ImportRefused, import_allegations
from safeguard.lado.models import Allegation

HEADER = ",".join(COLUMNS)
GOOD = ("L-001,2016-05-10,2016-05-09,EDUCATION,education,education,Teacher,physical,Threshold met,"
        "2016-05-12,Yes,no,,no,substantiated,Dismissal,2016-06-10")
SHORT = "L-002,2016-07-01,,health,consultation"  # 5 values


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


def _write(tmp_path, lines, name="past.csv"):
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode())
    return path


def _refused(tmp_path, lines) -> list:
    with pytest.raises(ImportRefused) as exc:
        import_allegations(_write(tmp_path, lines), by=_refused.by)
    assert not Allegation.objects.exists()
    return exc.value.problems


@pytest.fixture(autouse=True)
def _by(lado):
    _refused.by = lado


def test_a_row_with_5_of_17_values_is_refused(tmp_path, var_dir):
    """Issue 15, finding 7 (local rule): every row has a value for each column (blank where
    unknown); the report gives the line and how many values were found."""
    [problem] = _refused(tmp_path, [HEADER, GOOD, SHORT])
    assert (problem.line, problem.field) == (3, "row")
    assert "5 value(s) where the header has 17" in str(problem)
    assert not (var_dir / "imports").exists()


@pytest.mark.parametrize(("column", "value", "says"), [
    ("role", "R" * 101, "the limit is 100"),
    ("role", "x" * 100_000, "the limit is 100"),
    ("reference", "L-" + "9" * 39, "the limit is 40"),
    ("reference", "L-\x00001", "U+0000"),
    ("role", "Teach\x07er", "U+0007"),
    ("outcome", "s" * 7000, "the limit is 100"),
])
def test_overlong_values_and_control_characters_are_refused(tmp_path, column, value, says):
    """Issue 15, finding 7 (local rule): the free-text columns hold at most the Allegation field's
    max_length (reference 40, role 100), any other at most 100 characters, and no control
    character; refused at line and field before the database."""
    cells = dict(zip(COLUMNS, GOOD.split(","), strict=True))
    cells[column] = value
    problems = _refused(tmp_path, [HEADER, ",".join(cells.values())])
    assert [(p.line, p.field) for p in problems] == [(2, column)]
    assert says in problems[0].reason and "[rule local]" in problems[0].reason


def test_a_megabyte_value_is_refused_without_a_traceback(tmp_path):
    """Issue 15, finding 8: 1 MB in one cell is more than the CSV reader takes; refused, not stored."""
    cells = dict(zip(COLUMNS, GOOD.split(","), strict=True))
    cells["role"] = "x" * 1_000_000
    problems = _refused(tmp_path, [HEADER, ",".join(cells.values())])
    assert "not a readable CSV file" in str(problems[0])


def test_kept_original_is_private(tmp_path, lado, var_dir):
    """Issue 15, finding 7: the kept file names children and adults: file 0600, folders 0700."""
    result = import_allegations(_write(tmp_path, [HEADER, GOOD]), by=lado)
    assert result.created == 1
    assert stat.S_IMODE(result.kept_as.stat().st_mode) == 0o600
    assert stat.S_IMODE(result.kept_as.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((var_dir / "imports").stat().st_mode) == 0o700
