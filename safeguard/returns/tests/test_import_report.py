"""Returns imports refuse only what the DfE refuses, in one complete report (issue 19, items 2, 3
and 7): each rule in its census window, the collection year given or stated (never guessed from
stray dates), DfE queries as warnings, each rule under its own return's code, structural and
value problems in one pass, cascades suppressed to the row that caused them, the report as CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safeguard.child_protection.models import ChildProtectionPlan
from safeguard.core.errors import RecordInvalid
from safeguard.looked_after.models import Episode, LookedAfterReview
from safeguard.people.models import Child
from safeguard.returns import cin_census, ssda903
from safeguard.returns.report import ImportRefused, is_query
from safeguard.returns.ssda903.importing import years_in_name
from safeguard.returns.ssda903.tables import TABLES
from safeguard.returns.tests.test_cin_census import child_xml, return_xml

HEADER = ",".join(TABLES["Header"][1])
EPISODES = ",".join(TABLES["Episodes"][1])
REVIEWS = ",".join(TABLES["Reviews"][1])
K1 = "K1,F,01/05/2010,WBRI,,0,"
K2 = "K2,M,02/06/2011,WBRI,,0,"
EPISODE = "{child},01/05/2025,S,{ls},N1,U6,PR1,,,,CW1 2AB,CW2 3CD,SC123456"


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def _folder(tmp_path: Path, name: str = "in", **files: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for file, text in files.items():
        (folder / file.replace("_csv", ".csv")).write_text(text)
    return folder


def _cin(tmp_path: Path, text: str, name: str = "cin.xml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _refused(call) -> ImportRefused:
    before = Child.objects.count()
    with pytest.raises(ImportRefused) as exc:
        call()
    assert Child.objects.count() == before, "a refused import changes nothing"
    return exc.value


CP_PLAN = """
        <ChildProtectionPlans>
          <CPPstartDate>{start}</CPPstartDate>
          <InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>
          <LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>
          <NumberOfPreviousCPP>0</NumberOfPreviousCPP>
        </ChildProtectionPlans>"""


# --- each rule in its census window -----------------------------------------------------------

def test_cp_plan_that_started_before_the_census_year_is_not_refused_under_2885(la, tmp_path):
    """CIN census rule 2885 (a CP plan starts on the day of the ICPC that decided it) is applied by
    the DfE only to plans starting within the census year: a plan carried into 2024-25 from 2023,
    whose conference was in an earlier return, imports."""
    path = _cin(tmp_path, return_xml(child_xml(id="EARLY", referral="2023-06-01",
                                               extra=CP_PLAN.format(start="2023-07-03"))))
    result = cin_census.import_return(path, by=None)
    assert result.imported == 1 and result.year == 2025
    assert ChildProtectionPlan.objects.get(referral__child__la_child_id="EARLY").start_date.year == 2023


def test_cp_plan_starting_in_the_census_year_without_its_conference_is_still_refused(la, tmp_path):
    """CIN census rule 2885 within its window: a plan starting in 2024-25 with no conference."""
    path = _cin(tmp_path, return_xml(child_xml(id="LATE", extra=CP_PLAN.format(start="2024-10-08"))))
    exc = _refused(lambda: cin_census.import_return(path, by=None))
    assert exc.rules == {"CIN 2885"}


def test_a_refused_section47_does_not_cascade_into_its_plan(la, tmp_path):
    """CIN census rule 2889 (S47 before the referral) refuses the enquiry; the plan its conference
    started is not then refused under 2885 too, but counted as not checked."""
    s47 = """
        <Section47>
          <S47ActualStartDate>2024-09-01</S47ActualStartDate>
          <DateOfInitialCPC>2024-10-08</DateOfInitialCPC>
          <ICPCnotRequired>0</ICPCnotRequired>
        </Section47>"""
    path = _cin(tmp_path, return_xml(child_xml(id="S1", extra=s47 + CP_PLAN.format(start="2024-10-08"))))
    exc = _refused(lambda: cin_census.import_return(path, by=None))
    assert exc.rules == {"CIN 2889"}
    [skipped] = exc.report.of("skipped")
    assert skipped.child == "S1" and skipped.message.startswith("1 other row(s)")
    assert skipped.field == "Section47"


# --- the collection year ------------------------------------------------------------------------

def test_cin_year_comes_from_the_header_or_year_and_is_asked_for_when_unknown(la, tmp_path):
    """CIN census rule 100 names the census by Header/CollectionDetails (Year, ReferenceDate): the
    year is read from there, or given; with neither, the import asks for --year."""
    assert cin_census.import_return(_cin(tmp_path, return_xml(child_xml(id="Y1"))), by=None).year == 2025
    bare = return_xml(child_xml(id="Y2")).replace(
        "<Year>2025</Year><ReferenceDate>2025-03-31</ReferenceDate>", "")
    exc = _refused(lambda: cin_census.import_return(_cin(tmp_path, bare, "bare.xml"), by=None))
    assert "--year" in str(exc)
    result = cin_census.import_return(_cin(tmp_path, bare, "bare2.xml"), by=None, year=2025)
    assert result.year == 2025 and result.imported == 1


def test_903_year_comes_from_the_names_and_a_stray_later_date_does_not_move_it(tmp_path, worker):
    """SSDA903 collection year 2025-26 (1 April 2025 - 31 March 2026), stated by the folder's
    name: a review dated in June 2026 no longer makes it 2026-27."""
    folder = _folder(tmp_path, "SSDA903_2025-26", header_csv=f"{HEADER}\r\n{K1}\r\n",
                     episodes_csv=f"{EPISODES}\r\n{EPISODE.format(child='K1', ls='C2')}\r\n",
                     reviews_csv=f"{REVIEWS}\r\nK1,01/05/2010,15/06/2026,PN1\r\n")
    result = ssda903.import_return(folder, by=worker)
    assert result.year == 2026 and result.imported == 1


def test_903_year_not_stated_is_asked_for(tmp_path, worker):
    """No --year and no year in the names: refused, asking for --year (never guessed from dates)."""
    folder = _folder(tmp_path, header_csv=f"{HEADER}\r\n{K1}\r\n",
                     episodes_csv=f"{EPISODES}\r\n{EPISODE.format(child='K1', ls='C2')}\r\n")
    exc = _refused(lambda: ssda903.import_return(folder, by=worker))
    [problem] = exc.violations
    assert problem.field == "in:0:year" and "--year" in problem.message
    assert ssda903.import_return(folder, by=worker, year=2026).imported == 1


def test_years_in_file_names():
    """liiatools names SSDA903 files by the year the collection ends (SSDA903_2020_header.csv)."""
    assert years_in_name("SSDA903_2020_header.csv") == {2020}
    assert years_in_name("903 2024-25") == {2025}
    assert years_in_name("returns_202526") == {2026}
    assert years_in_name("header.csv") == set()
    assert years_in_name("export 2025-03-31") == set()


# --- queries warn; each rule under its own return's code -----------------------------------------

def test_a_cin_query_warns_and_never_blocks(la, tmp_path):
    """CIN census rule 1560Q (former UPN invalid) is a DfE query: the child is imported and the
    report warns."""
    text = return_xml(child_xml(id="Q1")).replace("<Sex>F</Sex>", "<FormerUPN>NOTAUPN</FormerUPN>"
                                                                 "<Sex>F</Sex>")
    result = cin_census.import_return(_cin(tmp_path, text), by=None)
    assert result.imported == 1
    [warning] = result.report.warnings
    assert warning.rule == "CIN 1560Q" and warning.child == "Q1" and warning.field == "FormerUPN"
    assert "warning" in str(result) and "CIN 1560Q" in str(result)


def test_a_cin_upn_is_reported_under_the_cin_rule(la, tmp_path):
    """CIN census rule 1510 (UPN invalid), not the SSDA903's 168."""
    text = return_xml(child_xml(id="U1")).replace("<Sex>F</Sex>", "<UPN>NOTAUPN</UPN><Sex>F</Sex>")
    exc = _refused(lambda: cin_census.import_return(_cin(tmp_path, text), by=None))
    assert exc.rules == {"CIN 1510"}
    assert all(not p.rule.startswith("903") for p in exc.report.problems)


def test_is_query():
    assert is_query("CIN 1560Q") and is_query("CIN 8825Q")
    assert not is_query("CIN 1510") and not is_query("903 SW10STG2") and not is_query("local")


# --- one report: structure and values together, cascades suppressed ------------------------------

def test_903_refused_episode_does_not_fail_the_childs_later_rows(tmp_path, worker):
    """SSDA903 rule 144 (legal status not valid) refuses the episode; the child's reviews, which
    need it, are not reported as failing too but counted at the episode's row."""
    folder = _folder(tmp_path, header_csv=f"{HEADER}\r\n{K1}\r\n",
                     episodes_csv=f"{EPISODES}\r\n{EPISODE.format(child='K1', ls='ZZ')}\r\n",
                     reviews_csv=f"{REVIEWS}\r\nK1,01/05/2010,01/06/2025,PN1\r\n"
                                 "K1,01/05/2010,01/09/2025,PN1\r\n")
    exc = _refused(lambda: ssda903.import_return(folder, by=worker, year=2026))
    assert {v.field for v in exc.violations} == {"episodes.csv:2:LS"}
    [skipped] = exc.report.of("skipped")
    assert (skipped.file, skipped.line, skipped.child) == ("episodes.csv", "2", "K1")
    assert skipped.message.startswith("2 other row(s) of child K1")
    assert "2 row(s) not checked" in exc.report.summary()[0]


def test_903_structural_and_value_problems_are_reported_together(tmp_path, worker):
    """A date that is not DD/MM/YYYY (K1's review) and a code not valid (SSDA903 rule 144, K2's
    episode) in one pass; K1's other rows are not checked, and say so."""
    folder = _folder(tmp_path, header_csv=f"{HEADER}\r\n{K1}\r\n{K2}\r\n",
                     episodes_csv=f"{EPISODES}\r\n{EPISODE.format(child='K1', ls='C2')}\r\n"
                                  f"{EPISODE.format(child='K2', ls='ZZ')}\r\n",
                     reviews_csv=f"{REVIEWS}\r\nK1,01/05/2010,31/02/2025,PN1\r\n")
    exc = _refused(lambda: ssda903.import_return(folder, by=worker, year=2026))
    assert {v.field: v.rule for v in exc.violations} == {
        "episodes.csv:3:LS": "903 144", "reviews.csv:2:REVIEW": "format"}
    [skipped] = exc.report.of("skipped")
    assert (skipped.file, skipped.child) == ("reviews.csv", "K1") and skipped.message.startswith("2 ")


def test_903_empty_optional_file_is_no_rows(tmp_path, worker):
    """An empty, header-less ad1.csv (no adoptions this year) is a table with no rows."""
    folder = _folder(tmp_path, header_csv=f"{HEADER}\r\n{K1}\r\n",
                     episodes_csv=f"{EPISODES}\r\n{EPISODE.format(child='K1', ls='C2')}\r\n",
                     ad1_csv="", missing_csv="")
    result = ssda903.import_return(folder, by=worker, year=2026)
    assert result.imported == 1 and Episode.objects.count() == 1
    assert not LookedAfterReview.objects.exists()
    assert "ad1.csv is empty: read as the AD1 table with no rows" in str(result)


def test_903_empty_header_is_refused(tmp_path, worker):
    folder = _folder(tmp_path, header_csv="", episodes_csv=f"{EPISODES}\r\n")
    exc = _refused(lambda: ssda903.import_return(folder, by=worker, year=2026))
    assert "Header table is required" in str(exc)


# --- the command: no children, the report as CSV ----------------------------------------------

def test_command_import_of_no_children_fails_unless_allowed(tmp_path, worker, capsys):
    folder = _folder(tmp_path, header_csv=f"{HEADER}\r\n", episodes_csv=f"{EPISODES}\r\n")
    with pytest.raises(CommandError, match="imported no children"):
        call_command("returns", "import", "ssda903", str(folder), "--year", "2026")
    call_command("returns", "import", "ssda903", str(folder), "--year", "2026", "--allow-empty")
    assert "imported no children" in capsys.readouterr().out


def test_command_writes_the_whole_report_as_csv_with_a_summary_first(tmp_path, worker, capsys):
    folder = _folder(tmp_path, header_csv=f"{HEADER}\r\n{K1}\r\n",
                     episodes_csv=f"{EPISODES}\r\n{EPISODE.format(child='K1', ls='ZZ')}\r\n",
                     reviews_csv=f"{REVIEWS}\r\nK1,01/05/2010,01/06/2025,PN1\r\n")
    out = tmp_path / "report.csv"
    with pytest.raises(CommandError, match="1 error"):
        call_command("returns", "import", "ssda903", str(folder), "--year", "2026",
                     "--report", str(out))
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("SSDA903 in: 1 error(s), 0 warning(s)")
    assert any("903 144" in line and "error" in line for line in err[1:3])
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["severity"] for r in rows] == ["error", "skipped"]
    assert rows[0] == {"file": "episodes.csv", "line": "2", "child": "K1", "field": "LS",
                       "rule": "903 144", "severity": "error", "message": rows[0]["message"]}


def test_refusal_is_still_a_record_invalid(la, tmp_path):
    """Callers that catch RecordInvalid (pages, API) still do: ImportRefused is one."""
    path = _cin(tmp_path, return_xml(child_xml(id="LATE", extra=CP_PLAN.format(start="2024-10-08"))))
    with pytest.raises(RecordInvalid):
        cin_census.import_return(path, by=None)
