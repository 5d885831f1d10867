"""Returns by collection year (issue 19, item 4 and 5): each year's files are read with that
year's code lists and written in that year's format, from 2013-14 to 2026-27.

Sources: DfE SSDA903 validation rules 101 (SEX: 1/2 in lac2022_23 and lac2023_24, M/F/U from
lac2024_25) and 146 (PLACE: H5, P2, Z1 to 2024-25; K3 from 2024-25; Z11-Z14 from 2025-26); CIN census
rule 4180 (<GenderCurrent> 1/2/0/9 to 2023-24, <Sex> M/F/U from 2024-25) and the CIN census XSD of
2023-24 (shared/reference/STANDARDS.md §1.2, §2.2)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from safeguard.core import codes
from safeguard.core.errors import Violation
from safeguard.people.models import Child
from safeguard.returns import cin_census, ssda903, years
from safeguard.returns.cin_census import reading as cin_reading
from safeguard.returns.cin_census.export import file_name
from safeguard.returns.report import ImportRefused
from safeguard.returns.ssda903.reading import check_year, cross_check, read_folder
from safeguard.returns.ssda903.tables import TABLES
from safeguard.returns.tests.test_cin_census import child_xml, council, return_xml  # noqa: F401
from safeguard.workforce.models import LocalAuthority

D = dt.date
HEADER = ",".join(TABLES["Header"][1])
EPISODES = ",".join(TABLES["Episodes"][1])
UASC = ",".join(TABLES["UASC"][1])


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


def _folder(tmp_path: Path, name: str, **files: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for file, text in files.items():
        (folder / f"{file}.csv").write_text(text)
    return folder


# --- the years ------------------------------------------------------------------------------

def test_every_year_from_2013_14_to_2026_27_is_described():
    for year in range(2014, 2028):
        this = years.returns_year(year)
        assert this.label == f"{year - 1}-{year % 100:02d}"
        assert "Header" in this.ssda903_tables and "Episodes" in this.ssda903_tables
        assert this.ssda903_codes["SEX"] and this.ssda903_codes["PLACE"]
    for outside in (2013, 2028):
        with pytest.raises(ValueError):
            years.returns_year(outside)


def test_903_sex_is_1_2_to_2023_24_and_m_f_u_after():
    """903 rule 101: lac2023_24 lists 1 and 2; lac2024_25 onward M, F and U."""
    assert years.returns_year(2024).ssda903_codes["SEX"] == {"1", "2"}
    assert years.returns_year(2025).ssda903_codes["SEX"] == {"M", "F", "U"}
    assert years.returns_year(2024).to_record("SEX", "1") == "M"
    assert years.returns_year(2024).from_record("SEX", "F") == "2"
    assert years.returns_year(2026).from_record("SEX", "F") == "F"


def test_903_placement_codes_by_year():
    """903 rule 146: H5, P2, Z1 valid to 2024-25; K3 added 2024-25; Z11-Z14 from 2025-26."""
    y24, y25, y26 = (years.returns_year(y).ssda903_codes["PLACE"] for y in (2024, 2025, 2026))
    assert {"H5", "P2", "Z1"} <= y24 and {"H5", "P2", "Z1"} <= y25
    assert not {"H5", "P2", "Z1"} & y26
    assert "K3" not in y24 and "K3" in y25 and "K3" in y26
    assert not {"Z11", "Z12", "Z13", "Z14"} & y25 and {"Z11", "Z12", "Z13", "Z14"} <= y26
    assert y26 == set(codes.Placement.values)
    assert years.years_valid("PLACE", "P2") == "2013-14 to 2024-25"
    assert years.years_valid("PLACE", "Z11") == "from 2025-26"


def test_903_tables_and_cin_items_by_year():
    """Social worker episodes from 2023-24 (SW rules from lac2023_24); the DoLO table from 2024-25;
    the CIN census child's sex item is <GenderCurrent> to 2023-24 and <Sex> from 2024-25."""
    assert "SWEpisodes" not in years.returns_year(2023).ssda903_tables
    assert "SWEpisodes" in years.returns_year(2024).ssda903_tables
    assert "DoLo" not in years.returns_year(2024).ssda903_tables
    assert years.returns_year(2026).ssda903_tables == tuple(TABLES)
    assert years.returns_year(2024).cin_sex_item == "GenderCurrent"
    assert years.returns_year(2025).cin_sex_item == "Sex"
    assert years.returns_year(2024).cin_xsd.name == "cin_census_2024.xsd"
    assert years.returns_year(2026).cin_xsd.name == "cin_census_2024_sex.xsd"
    assert years.returns_year(2020).cin_xsd is None


def test_codes_placements_on_keeps_withdrawn_codes_for_earlier_episodes():
    assert "P2" in codes.placements_on(D(2025, 3, 31))
    assert "P2" not in codes.placements_on(D(2025, 4, 1))


def test_an_episode_of_2023_may_be_p2_but_not_one_of_2025_26(make_child, worker):
    """903 rule 146: P2 (independent living) was a placement to 2024-25, without a URN (rule 218's
    exempt list of lac2023_24); from 1 April 2025 it is refused."""
    from safeguard.core.errors import RecordInvalid
    from safeguard.looked_after import services as ls

    start = dict(legal_status="V2", category_of_need="N1", placement="P2", placement_provider="PR4",
                 urn="", home_postcode="CW1 2AB", placement_postcode="CW2 3CD")
    young = make_child(la_child_id="Y1", date_of_birth=D(2006, 5, 1))
    ls.period_of_care_start(by=worker, child_id=young.pk, decom=D(2023, 5, 1), **start)
    later = make_child(la_child_id="Y2", date_of_birth=D(2008, 5, 1))
    with pytest.raises(RecordInvalid) as exc:
        ls.period_of_care_start(by=worker, child_id=later.pk, decom=D(2025, 4, 1), **start)
    assert "903 146" in exc.value.rules


# --- reading an SSDA903 of an earlier year --------------------------------------------------

def _read(folder: Path, year: int) -> tuple:
    problems: list[Violation] = []
    tables = read_folder(folder, problems)
    cross_check(tables, problems)
    check_year(tables, year, problems)
    return tables, problems


def _2023_24(tmp_path: Path) -> Path:
    return _folder(
        tmp_path, "SSDA903_2023_24",
        header=f"{HEADER}\nA1,1,01/05/2007,WBRI,,,\nB2,2,02/06/2006,BAFR,,0,\n",
        episodes=f"{EPISODES}\nA1,01/05/2023,S,V2,N1,P2,PR4,,,,CW1 2AB,CW2 3CD,\n"
                 "B2,01/06/2023,S,V2,N1,H5,PR4,,,,CW1 2AB,CW2 3CD,\n",
        uasc=f"{UASC}\nA1,1,01/05/2007,\n")


def test_a_2023_24_903_with_sex_1_2_and_place_p2_is_read_into_todays_codes(tmp_path):
    """SEX 1/2 and PLACE P2/H5 are valid in 2023-24 (rules 101 and 146 of lac2023_24): nothing is
    refused, SEX is read as the record's M/F and the placements are kept as they were."""
    tables, problems = _read(_2023_24(tmp_path), 2024)
    assert problems == []
    assert [r["SEX"] for r in tables.rows["Header"]] == ["M", "F"]
    assert [r["SEX"] for r in tables.rows["UASC"]] == ["M"]
    assert [r["PLACE"] for r in tables.rows["Episodes"]] == ["P2", "H5"]


def test_a_2025_26_903_with_p2_is_refused_under_rule_146(tmp_path):
    """lac2025_26 rule 146: H5, P2 and Z1 were withdrawn from 1 April 2025."""
    folder = _folder(tmp_path, "in",
                     header=f"{HEADER}\nA1,M,01/05/2007,WBRI,,,\n",
                     episodes=f"{EPISODES}\nA1,01/05/2025,S,V2,N1,P2,PR4,,,,CW1 2AB,CW2 3CD,\n")
    tables, problems = _read(folder, 2026)
    [problem] = problems
    assert problem.rule == "903 146" and problem.field == "episodes.csv:2:PLACE"
    assert "2025-26" in problem.message and "valid 2013-14 to 2024-25" in problem.message
    assert tables.rows["Episodes"] == [] and ("episodes.csv", "2") in tables.dropped


def test_sex_of_the_wrong_year_is_refused_under_rule_101(tmp_path):
    """M in a 2023-24 Header fails lac2023_24 rule 101 (1 or 2); 1 in 2025-26 fails lac2025_26's."""
    for year, sex in ((2024, "M"), (2026, "1")):
        folder = _folder(tmp_path, f"y{year}", header=f"{HEADER}\nA1,{sex},01/05/2007,WBRI,,,\n")
        _, problems = _read(folder, year)
        assert [(p.rule, p.field) for p in problems] == [("903 101", "header.csv:2:SEX")]


def test_k3_before_2024_25_and_sw_episodes_before_2023_24_are_refused(tmp_path):
    folder = _folder(tmp_path, "y2023",
                     header=f"{HEADER}\nA1,1,01/05/2007,WBRI,,,\n",
                     episodes=f"{EPISODES}\nA1,01/05/2022,S,V2,N1,K3,PR4,,,,CW1 2AB,CW2 3CD,SC123456\n",
                     sw_episodes=",".join(TABLES["SWEpisodes"][1])
                     + "\nA1,01/05/2007,SW1,01/05/2022,,FCONTA\n")
    _, problems = _read(folder, 2023)
    assert {(p.rule, p.field) for p in problems} == {
        ("903 146", "episodes.csv:2:PLACE"), ("format", "sw_episodes.csv:1:header")}


def test_a_year_outside_the_known_ones_is_refused(tmp_path):
    folder = _folder(tmp_path, "old", header=f"{HEADER}\nA1,1,01/05/2007,WBRI,,,\n")
    _, problems = _read(folder, 2012)
    assert [p.rule for p in problems] == ["format"] and "2013-14" in problems[0].message


# --- importing and exporting an SSDA903 of an earlier year -----------------------------------

def test_a_2023_24_903_with_sex_1_2_and_place_p2_imports(tmp_path, worker):
    """The whole import: SEX 1/2 and P2/H5 in 2023-24 are what the DfE asked for that year."""
    result = ssda903.import_return(_2023_24(tmp_path), by=worker, year=2024)
    assert result.imported == 2
    assert dict(Child.objects.values_list("la_child_id", "sex")) == {"A1": "M", "B2": "F"}


def test_a_2025_26_903_with_p2_is_refused_on_import(tmp_path, worker):
    folder = _folder(tmp_path, "in",
                     header=f"{HEADER}\nA1,M,01/05/2007,WBRI,,,\n",
                     episodes=f"{EPISODES}\nA1,01/05/2025,S,V2,N1,P2,PR4,,,,CW1 2AB,CW2 3CD,\n")
    with pytest.raises(ImportRefused) as exc:
        ssda903.import_return(folder, by=worker, year=2026)
    assert "903 146" in exc.value.rules
    assert not Child.objects.exists()


def test_a_2023_24_903_round_trip_is_exact_in_that_years_format(tmp_path, worker):
    """Import 2023-24 -> export 2023-24: SEX 1/2 again, no DoLO table (not in 2023-24), and the
    same bytes for every table the file had."""
    source = _2023_24(tmp_path)
    ssda903.import_return(source, by=worker, year=2024)
    written = ssda903.export_return(year=2024, out=tmp_path / "out", by=worker)
    names = sorted(p.name for p in written)
    assert "DoLo.csv" not in names and "sw_episodes.csv" in names
    for name in ("header.csv", "episodes.csv", "uasc.csv"):
        assert (tmp_path / "out" / name).read_text().replace("\r\n", "\n") == (source / name).read_text()


def test_2022_23_export_has_no_social_worker_episodes(tmp_path, worker):
    written = ssda903.export_return(year=2023, out=tmp_path / "out", by=worker)
    assert {p.name for p in written} == {n for k, (n, _) in TABLES.items() if k not in ("SWEpisodes", "DoLo")}


# --- the CIN census of an earlier year --------------------------------------------------------

def _xsd_valid(path: Path, year: int) -> None:
    etree = pytest.importorskip("lxml.etree")
    schema = etree.XMLSchema(etree.parse(str(years.returns_year(year).cin_xsd)))
    assert schema.validate(etree.parse(str(path))), schema.error_log


def test_a_2023_24_cin_export_has_gender_current_and_is_valid_against_that_years_xsd(
        council, manager, tmp_path):  # noqa: F811
    """CIN census 2023-24 (XSD 2024): <GenderCurrent> 1/2/0/9, no <Sex>."""
    [path] = cin_census.export_return(year=2024, out=tmp_path, by=manager)
    text = path.read_text(encoding="utf-8")
    assert "<GenderCurrent>" in text and "<Sex>" not in text
    assert re.findall(r"<GenderCurrent>(\d)</GenderCurrent>", text)
    _xsd_valid(path, 2024)


def test_a_2024_25_cin_export_is_unchanged(council, manager, tmp_path):  # noqa: F811
    """From 2024-25, <Sex> M/F/U (rule 4180), valid against the 2024 XSD with <Sex>."""
    [path] = cin_census.export_return(year=2025, out=tmp_path, by=manager)
    text = path.read_text(encoding="utf-8")
    assert "<Sex>U</Sex>" in text and "GenderCurrent" not in text
    _xsd_valid(path, 2025)


def test_a_2023_24_cin_census_round_trip_is_exact(council, manager, tmp_path):  # noqa: F811
    """Export 2023-24 -> import into an empty council -> export 2023-24: the same bytes; the
    header's Year says which item the file uses."""
    other = LocalAuthority.objects.create(code="E06000050", la_number=896, name="Other Council")
    [first] = cin_census.export_return(year=2024, out=tmp_path / "a", by=manager)
    moved = tmp_path / "moved.xml"
    moved.write_bytes(first.read_bytes().replace(b"<LEA>895</LEA>", b"<LEA>896</LEA>"))
    result = cin_census.import_return(moved, by=None)
    assert result.imported == 1 and Child.objects.filter(local_authority=other).count() == 1
    written = cin_census.export_return(year=2024, out=tmp_path / "b", by=None)
    second = next(p for p in written if p.name == file_name(2024, 896))
    assert second.read_bytes() == moved.read_bytes()


def _cin_year(text: str, year: int) -> str:
    return (text.replace("<Year>2025</Year>", f"<Year>{year}</Year>")
            .replace("<ReferenceDate>2025-03-31", f"<ReferenceDate>{year}-03-31"))


def test_cin_sex_item_of_the_wrong_year_is_refused_under_4180(tmp_path):
    """cin2024_25 rule 4180 fails a <GenderCurrent> file for every child; the 2023-24 XSD has no
    <Sex>."""
    sex_file = tmp_path / "sex.xml"
    sex_file.write_text(_cin_year(return_xml(child_xml()), 2024))
    reader = cin_reading.Reader(sex_file.name)
    parsed = reader.read(sex_file)
    assert parsed.children[0].sex == "F"  # reported, and read so that the child is checked too
    assert [(p.rule, p.field) for p in reader.problems] == [("CIN 4180", f"{sex_file.name}:12:Sex")]

    gender_file = tmp_path / "gender.xml"
    gender_file.write_text(return_xml(child_xml()).replace("<Sex>F</Sex>",
                                                           "<GenderCurrent>2</GenderCurrent>"))
    reader = cin_reading.Reader(gender_file.name)
    reader.read(gender_file)
    assert [p.rule for p in reader.problems] == ["CIN 4180"]
    assert "GenderCurrent" in reader.problems[0].message
    # The same file as 2023-24 (header, or the year given) reads GenderCurrent 2 as F.
    reader = cin_reading.Reader(gender_file.name, year=2024)
    assert reader.read(gender_file).children[0].sex == "F" and reader.problems == []


def test_cin_codes_and_items_by_year():
    """CIN XSDs: RC9 and referral source 5D from 2022-23 at the latest (not in 2021-22); factors
    18A/19A split into 18B/C and 19B/C, and 24A added, by 2021-22; CINPlanDates from 2018-19 (not
    in the 2017-18 XSD)."""
    y18, y20, y22, y24 = (years.returns_year(y) for y in (2018, 2020, 2022, 2024))
    closure, source, factors = "ReasonForClosure", "ReferralSource", "AssessmentFactors"
    assert "RC9" not in y22.cin_codes[closure] and "RC9" in y24.cin_codes[closure]
    assert "5D" not in y22.cin_codes[source] and "5D" in y24.cin_codes[source]
    assert "18A" in y20.cin_codes[factors] and "18A" not in y22.cin_codes[factors]
    assert y20.cin_code(factors, "18C") == "18A" and y22.cin_code(factors, "18C") == "18C"
    assert "CINPlanDates" not in y18.cin_items and "CINPlanDates" in y20.cin_items


def test_a_cin_code_of_a_later_year_is_refused_under_its_rule(tmp_path):
    """RC9 is not a reason for closure of the 2021-22 census (CIN rule 8640 of that year)."""
    closed = child_xml(extra="").replace(
        "<PrimaryNeedCode>N4</PrimaryNeedCode>",
        "<PrimaryNeedCode>N4</PrimaryNeedCode><CINclosureDate>2021-10-02</CINclosureDate>"
        "<ReasonForClosure>RC9</ReasonForClosure>")
    path = tmp_path / "old.xml"
    path.write_text(_cin_year(return_xml(closed), 2022).replace("<Sex>F</Sex>",
                                                                "<GenderCurrent>2</GenderCurrent>"))
    reader = cin_reading.Reader(path.name)
    reader.read(path)
    found = [(p.rule, p.field.rsplit(":", 1)[1]) for p in reader.problems]
    assert found == [("CIN 8640", "ReasonForClosure")]
    assert "from 2022-23" in reader.problems[0].message
