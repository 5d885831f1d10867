"""SSDA903 import of bad input: every problem is reported with file, line (or element path),
column and reason as RecordInvalid, never a traceback, and nothing is stored."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from safeguard.core.errors import RecordInvalid
from safeguard.people.models import Child
from safeguard.returns.ssda903 import import_return, reading
from safeguard.returns.ssda903.tables import TABLES

SAMPLES = Path(__file__).parent / "ssda903_samples"  # copied from shared/reference/samples
HEADER = ",".join(TABLES["Header"][1])
EPISODES = ",".join(TABLES["Episodes"][1])
GOOD_HEADER = f"{HEADER}\r\nK1,F,01/05/2010,WBRI,,0,\r\n"
GOOD_EPISODE = "K1,01/05/2025,S,C1,N1,U6,PR1,,,,CW1 2AB,CW2 3CD,SC123456"


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def _folder(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name.replace("_csv", ".csv").replace("_xml", ".xml")).write_text(text)
    return folder


def _refused(path: Path, by) -> RecordInvalid:
    before = Child.objects.count()
    with pytest.raises(RecordInvalid) as exc:
        import_return(path, year=2026, by=by)
    assert Child.objects.count() == before
    return exc.value


def _fields(exc: RecordInvalid) -> dict[str, str]:
    return {v.field: v.rule for v in exc.violations}


def test_a_good_folder_imports(tmp_path, worker):
    """The smallest valid return: one child starting care."""
    folder = _folder(tmp_path, header_csv=GOOD_HEADER,
                     episodes_csv=f"{EPISODES}\r\n{GOOD_EPISODE}\r\n")
    result = import_return(folder, year=2026, by=worker)
    assert result.imported == 1 and result.year == 2026


def test_wrong_headers(tmp_path, worker):
    """A file whose headers match no table names the nearest table and what differs."""
    folder = _folder(tmp_path, header_csv=GOOD_HEADER,
                     episodes_csv=EPISODES.replace("PL_POST", "PLACEMENT_POSTCODE") + "\r\n")
    exc = _refused(folder, worker)
    assert _fields(exc) == {"episodes.csv:1:header": "format"}
    assert "missing PL_POST" in exc.violations[0].message
    assert "unexpected PLACEMENT_POSTCODE" in exc.violations[0].message


def test_missing_header_column_and_missing_header_table(tmp_path, worker):
    """A missing column is named; without the Header table no child can be identified."""
    folder = _folder(tmp_path, episodes_csv=EPISODES.replace(",URN", "") + "\r\n")
    exc = _refused(folder, worker)
    assert "missing URN" in exc.violations[0].message
    folder = _folder(tmp_path, episodes_csv=f"{EPISODES}\r\n{GOOD_EPISODE}\r\n")
    (folder / "episodes.csv").write_text(f"{EPISODES}\r\n{GOOD_EPISODE}\r\n")
    assert "header.csv:0:file" in _fields(_refused(folder, worker))


def test_bad_dates(tmp_path, worker):
    """Dates are DD/MM/YYYY (STANDARDS.md §1.1); ISO or impossible dates are refused."""
    folder = _folder(tmp_path, header_csv=f"{HEADER}\r\nK1,F,2010-05-01,WBRI,,0,\r\n",
                     episodes_csv=f"{EPISODES}\r\n{GOOD_EPISODE.replace('01/05/2025', '31/02/2025')}\r\n")
    fields = _fields(_refused(folder, worker))
    assert fields == {"header.csv:2:DOB": "format", "episodes.csv:2:DECOM": "format"}


def test_unknown_codes(tmp_path, worker):
    """Unknown codes are refused by the services' own checks, with the DfE rule code."""
    bad = GOOD_EPISODE.replace(",U6,", ",Q9,").replace(",C1,", ",ZZ,")
    folder = _folder(tmp_path, header_csv=f"{HEADER}\r\nK1,F,01/05/2010,ZZZZ,,0,\r\n"
                     "K2,9,01/05/2010,WBRI,,0,\r\n",
                     episodes_csv=f"{EPISODES}\r\n{bad}\r\n")
    fields = _fields(_refused(folder, worker))
    assert fields["header.csv:2:ETHNIC"] == "903 103"
    assert fields["header.csv:3:SEX"] == "903 101"


def test_unknown_episode_codes(tmp_path, worker):
    """Placement and legal status codes (903 144, 146)."""
    bad = GOOD_EPISODE.replace(",U6,", ",Q9,").replace(",C1,", ",ZZ,")
    folder = _folder(tmp_path, header_csv=GOOD_HEADER, episodes_csv=f"{EPISODES}\r\n{bad}\r\n")
    fields = _fields(_refused(folder, worker))
    assert fields["episodes.csv:2:PLACE"] == "903 146"
    assert fields["episodes.csv:2:LS"] == "903 144"


def test_duplicate_rows(tmp_path, worker):
    """A child twice in the Header (INT32), an episode twice: both lines named."""
    folder = _folder(tmp_path, header_csv=GOOD_HEADER + "K1,F,01/05/2010,WBRI,,0,\r\n",
                     episodes_csv=f"{EPISODES}\r\n{GOOD_EPISODE}\r\n{GOOD_EPISODE}\r\n")
    exc = _refused(folder, worker)
    assert _fields(exc) == {"header.csv:3:CHILD": "903 INT32", "episodes.csv:3:DECOM": "format"}
    assert "already on line 2" in exc.violations[0].message


def test_two_files_for_one_table(tmp_path, worker):
    folder = _folder(tmp_path, header_csv=GOOD_HEADER, header2_csv=GOOD_HEADER)
    assert "header2.csv:1:header" in _fields(_refused(folder, worker))


def test_child_not_in_header(tmp_path, worker):
    """DfE internal check INT03: every child in Episodes is in the Header."""
    folder = _folder(tmp_path, header_csv=GOOD_HEADER,
                     episodes_csv=f"{EPISODES}\r\n{GOOD_EPISODE.replace('K1', 'K9')}\r\n")
    assert _fields(_refused(folder, worker)) == {"episodes.csv:2:CHILD": "903 INT03"}


def test_file_too_large(tmp_path, worker, monkeypatch):
    """A file far larger than a return is refused before it is read."""
    monkeypatch.setattr(reading, "MAX_CSV_BYTES", 50)
    folder = _folder(tmp_path, header_csv=GOOD_HEADER * 3)
    exc = _refused(folder, worker)
    assert _fields(exc) == {"header.csv:0:file": "format"}
    assert "more than" in exc.violations[0].message


def test_not_utf8_and_not_csv(tmp_path, worker):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "header.csv").write_bytes(HEADER.encode() + b"\r\nK1,F,01/05/2010,WBRI,\xff\xfe,0,\r\n")
    assert _fields(_refused(folder, worker)) == {"header.csv:0:file": "format"}


def test_empty_folder_and_missing_path(tmp_path, worker):
    folder = tmp_path / "empty"
    folder.mkdir()
    assert _fields(_refused(folder, worker)) == {"empty:0:folder": "format"}
    assert _fields(_refused(tmp_path / "nowhere", worker)) == {"nowhere:0:path": "format"}


def test_a_rejected_row_rejects_the_folder(tmp_path, worker):
    """Atomic per folder: one refused row (a review outside care) and nothing is stored."""
    folder = _folder(tmp_path, header_csv=GOOD_HEADER + "K2,M,01/05/2011,WBRI,,,\r\n",
                     episodes_csv=f"{EPISODES}\r\n{GOOD_EPISODE}\r\n",
                     reviews_csv="CHILD,DOB,REVIEW,REVIEW_CODE\r\nK2,01/05/2011,01/06/2025,PN1\r\n")
    assert _fields(_refused(folder, worker)) == {"reviews.csv:2:REVIEW": "local"}
    assert not (tmp_path / "var" / "imports").exists()


def test_episode_chain_broken(tmp_path, worker):
    """X1 means the next episode starts the same day (DfE 388: no continuation episode; 903 148
    for DEC without REC)."""
    rows = [GOOD_EPISODE.replace(",,,,CW1", ",01/06/2025,X1,,CW1"),
            "K1,02/06/2025,L,C2,N1,U6,PR1,01/07/2025,,,CW1 2AB,CW2 3CD,SC123456"]
    folder = _folder(tmp_path, header_csv=GOOD_HEADER, episodes_csv="\r\n".join([EPISODES, *rows]))
    assert _fields(_refused(folder, worker)) == {"episodes.csv:2:REC": "903 388",
                                                 "episodes.csv:3:REC": "903 148"}


def test_xml_not_well_formed(tmp_path, worker):
    path = tmp_path / "bad.xml"
    path.write_text("<EXPSSDA903><CHILD><HEADER></CHILD>")
    exc = _refused(path, worker)
    assert exc.violations[0].field.startswith("bad.xml:1:") and "well-formed" in str(exc)


@pytest.mark.parametrize("body", [
    # entity expansion ("billion laughs")
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    "<EXPSSDA903>&b;</EXPSSDA903>",
    # external entity
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    "<EXPSSDA903>&x;</EXPSSDA903>",
])
def test_hostile_xml_refused(tmp_path, worker, body):
    """defusedxml refuses DTDs, entity expansion and external entities."""
    path = tmp_path / "hostile.xml"
    path.write_text(body)
    exc = _refused(path, worker)
    assert _fields(exc) == {"hostile.xml:0:document": "format"}


def _sample_paths() -> list[str]:
    names = sorted(p.name for p in SAMPLES.iterdir())
    pairs = [f"header.csv+{n}" for n in names if n.endswith(".csv") and n != "header.csv"]
    return names + pairs + ["(whole folder)"]


@pytest.mark.parametrize("name", _sample_paths())
def test_every_sample_is_imported_or_precisely_refused(name, tmp_path, worker):
    """Every fake return in shared/reference/samples/ssda903_fake (copied here): imported, or
    refused with file:line:column, a rule and a reason for each problem - never a crash."""
    if name == "(whole folder)":
        path = tmp_path / "ssda903_fake"
        shutil.copytree(SAMPLES, path)
    elif "+" in name:  # each table with the Header that identifies its children
        path = tmp_path / "pair"
        path.mkdir()
        for part in name.split("+"):
            shutil.copy(SAMPLES / part, path / part)
    else:
        path = SAMPLES / name
    try:
        result = import_return(path, year=2018, by=worker)  # the fake data is of 2016-18
    except RecordInvalid as exc:
        assert exc.violations
        for v in exc.violations:
            file, where, column = v.field.rsplit(":", 2)
            assert file and where and column and v.rule and v.message
    else:
        assert result.imported >= 0


def test_old_format_sample_header_is_refused_precisely(worker):
    """The DfE fake data codes SEX 1/2, refused since 2024-25 (903 rule 101: M, F or U)."""
    exc = _refused(SAMPLES / "header.csv", worker)
    first = next(v for v in exc.violations if v.rule == "903 101")
    assert first.field.startswith("header.csv:") and first.field.endswith(":SEX")
