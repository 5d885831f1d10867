"""CIN census export and import: hand-built records through the services -> export (checked
against the XSD) -> import -> export again, byte for byte; and every kind of bad input refused
with a report naming file, line, element and rule, changing nothing.

Source: DfE Children in need census 2024 to 2025 guide and the CIN census XSD (schema copied
into the package, adjusted for <Sex> — see cin_census_2024_sex.xsd)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safeguard.assessment import services as asv
from safeguard.assessment.tests.helpers import submit
from safeguard.audit.models import AuditEvent
from safeguard.child_protection import services as cps
from safeguard.child_protection.models import ChildProtectionPlan, Conference
from safeguard.core.errors import RecordInvalid
from safeguard.front_door import services as fds
from safeguard.front_door.models import Referral
from safeguard.people.models import Child
from safeguard.returns.cin_census import export_return, import_return, reading
from safeguard.returns.cin_census.export import file_name
from safeguard.returns.years import returns_year
from safeguard.workforce.models import LocalAuthority

D = dt.date
PACKAGE = Path(reading.__file__).parent
XSD = PACKAGE / "cin_census_2024_sex.xsd"
YEAR = 2025  # 1 April 2024 to 31 March 2025


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


def _schema(year: int = YEAR):
    etree = pytest.importorskip("lxml.etree")
    return etree, etree.XMLSchema(etree.parse(str(returns_year(year).cin_xsd)))


def assert_xsd_valid(path: Path, year: int = YEAR) -> None:
    """Valid against the XSD of the census year (GenderCurrent to 2023-24, Sex after)."""
    etree, schema = _schema(year)
    doc = etree.parse(str(path))
    assert schema.validate(doc), schema.error_log


def counts() -> tuple:
    return (Child.objects.count(), Referral.objects.count(), Conference.objects.count(),
            ChildProtectionPlan.objects.count())


@pytest.fixture
def council(make_child, worker, manager, iro):
    """Five children recorded through the services, four of them in the 2024-25 census: the
    worker submits and the manager decides (assessments, the S47 outcome); the IRO chairs and
    records the conferences, starts and ends the plan (Working Together 2023)."""
    # A: strategy discussion -> S47 -> ICPC -> CP plan with reviews -> step down to CIN plan.
    a = make_child(la_child_id="A001", disabilities=["LD", "AUT"])
    ref = fds.referral_open(by=worker, child_id=a.pk, referral_date=D(2024, 5, 6), source="2A",
                            primary_need="N1")
    fds.referral_record_response(by=manager, referral_id=ref.pk, expected_version=None,
                                 response="strategy", response_date=D(2024, 5, 6))
    s47 = cps.section47_start(by=worker, referral_id=ref.pk, start_date=D(2024, 5, 7))
    assessment = asv.assessment_start(by=worker, referral_id=ref.pk, start_date=D(2024, 5, 7))
    asv.assessment_record_child_seen(by=worker, assessment_id=assessment.pk, expected_version=None,
                                     child_seen_date=D(2024, 5, 8))
    cps.section47_record_outcome(by=manager, section47_id=s47.pk, expected_version=None,
                                 end_date=D(2024, 5, 20), outcome="icpc", icpc_not_required=False,
                                 rationale="Concerns substantiated: an initial conference.")
    conf = cps.conference_record(by=iro, chair=iro, referral_id=ref.pk, kind="initial",
                                 held_on=D(2024, 5, 20), section47_id=s47.pk, plan_required=True)
    plan = cps.cp_plan_start(by=iro, referral_id=ref.pk, start_date=D(2024, 5, 20),
                             initial_category="NEG", conference_id=conf.pk)
    submit(worker, assessment, factors=["16A", "3A"])
    asv.assessment_authorise(by=manager, assessment_id=assessment.pk, expected_version=None,
                             authorisation_date=D(2024, 6, 20), factors=["16A", "3A"],
                             requires_support=True)
    cps.conference_record(by=iro, chair=iro, referral_id=ref.pk, kind="review",
                          held_on=D(2024, 8, 19), cp_plan_id=plan.pk)
    cps.cp_plan_change_category(by=worker, cp_plan_id=plan.pk, expected_version=None,
                                latest_category="EMO")
    cps.conference_record(by=iro, chair=iro, referral_id=ref.pk, kind="review",
                          held_on=D(2024, 11, 18), cp_plan_id=plan.pk)
    cps.cp_plan_end(by=iro, cp_plan_id=plan.pk, expected_version=None, end_date=D(2024, 11, 18),
                    end_reason="no_longer_at_risk")
    cin = asv.cin_plan_start(by=worker, referral_id=ref.pk, start_date=D(2024, 11, 18))
    asv.cin_plan_end(by=worker, cin_plan_id=cin.pk, expected_version=None, end_date=D(2025, 2, 10))
    fds.referral_close(by=worker, referral_id=ref.pk, expected_version=None,
                       closure_date=D(2025, 2, 10), reason_for_closure="RC7",
                       rationale="Plan outcomes met.", authorised_by=manager)

    # B: a referral with no further action.
    b = make_child(la_child_id="B002", sex="M", ethnicity="BAFR")
    ref = fds.referral_open(by=worker, child_id=b.pk, referral_date=D(2024, 9, 2), source="6")
    fds.referral_record_response(by=manager, referral_id=ref.pk, expected_version=None,
                                 response="nfa", response_date=D(2024, 9, 2))
    fds.referral_close(by=worker, referral_id=ref.pk, expected_version=None,
                       closure_date=D(2024, 9, 3), reason_for_closure="RC7",
                       rationale="No further action.", authorised_by=manager)

    # C: unborn, an assessment still open at 31 March; the episode is open.
    c = make_child(la_child_id="C003", date_of_birth=None, expected_date_of_birth=D(2025, 6, 1),
                   sex="U")
    ref = fds.referral_open(by=worker, child_id=c.pk, referral_date=D(2025, 1, 6), source="3B",
                            primary_need="N4")
    fds.referral_record_response(by=manager, referral_id=ref.pk, expected_version=None,
                                 response="assessment", response_date=D(2025, 1, 6))
    asv.assessment_start(by=worker, referral_id=ref.pk, start_date=D(2025, 1, 7))

    # D: only an episode in 2023-24, so not in the 2024-25 census.
    d = make_child(la_child_id="D004")
    ref = fds.referral_open(by=worker, child_id=d.pk, referral_date=D(2023, 4, 3), source="1A")
    fds.referral_record_response(by=manager, referral_id=ref.pk, expected_version=None,
                                 response="nfa", response_date=D(2023, 4, 3))
    fds.referral_close(by=worker, referral_id=ref.pk, expected_version=None,
                       closure_date=D(2023, 4, 3), reason_for_closure="RC7",
                       rationale="No further action.", authorised_by=manager)

    # E: assessed, no factors, closed after assessment (RC8); then a second episode in the year.
    e = make_child(la_child_id="E005", date_of_birth=D(2010, 1, 31), upn_unknown="UN2")
    ref = fds.referral_open(by=worker, child_id=e.pk, referral_date=D(2024, 4, 10), source="1C",
                            primary_need="N9")
    fds.referral_record_response(by=manager, referral_id=ref.pk, expected_version=None,
                                 response="assessment", response_date=D(2024, 4, 10))
    assessment = asv.assessment_start(by=worker, referral_id=ref.pk, start_date=D(2024, 4, 11))
    submit(worker, assessment, factors=["21"], requires_support=False, outcome="nfa")
    asv.assessment_authorise(by=manager, assessment_id=assessment.pk, expected_version=None,
                             authorisation_date=D(2024, 5, 1), factors=["21"],
                             requires_support=False)
    fds.referral_close(by=worker, referral_id=ref.pk, expected_version=None,
                       closure_date=D(2024, 5, 2), reason_for_closure="RC8",
                       rationale="Not in need.", authorised_by=manager)
    ref = fds.referral_open(by=worker, child_id=e.pk, referral_date=D(2025, 3, 3), source="2A",
                            primary_need="N5")
    fds.referral_record_response(by=manager, referral_id=ref.pk, expected_version=None,
                                 response="assessment", response_date=D(2025, 3, 3))
    return [a, b, c, d, e]


def test_export_writes_the_year_in_xsd_order_and_is_schema_valid(council, manager, tmp_path):
    """CIN census 2024-25 guide: children with an episode of need open in the year; header
    Collection CIN, Year, ReferenceDate 31 March; Sex M/F/U (rule 4180); XSD element order."""
    before = AuditEvent.objects.filter(action="export").count()
    [path] = export_return(year=YEAR, out=tmp_path / "out", by=manager)
    assert path.name == file_name(YEAR, 895)
    assert_xsd_valid(path)
    text = path.read_text(encoding="utf-8")
    assert re.findall(r"<LAchildID>(\w+)</LAchildID>", text) == ["A001", "B002", "C003", "E005"]
    assert "<Year>2025</Year>" in text and "<ReferenceDate>2025-03-31</ReferenceDate>" in text
    assert "<LEA>895</LEA>" in text and "GenderCurrent" not in text
    assert "<ExpectedPersonBirthDate>2025-06-01</ExpectedPersonBirthDate>" in text
    assert "<Sex>U</Sex>" in text
    # A's episode: S47 and ICPC, plan with reviews and the latest category, CIN plan.
    assert "<DateOfInitialCPC>2024-05-20</DateOfInitialCPC>" in text
    assert "<CPPreviewDate>2024-08-19</CPPreviewDate>" in text
    assert "<LatestCategoryOfAbuse>EMO</LatestCategoryOfAbuse>" in text
    assert "<AssessmentFactors>3A</AssessmentFactors>" in text
    assert text.index("<AssessmentFactors>3A<") < text.index("<AssessmentFactors>16A<")
    assert "<ReferralNFA>1</ReferralNFA>" in text
    assert AuditEvent.objects.filter(action="export").count() == before + 1


def test_an_icpc_ending_a_section_47_is_returned_there_only(council, manager, tmp_path):
    """CIN census rule 2884: an initial conference recorded at both the Section47 and the
    CINdetails level should only be recorded in one (the S47 that led to it)."""
    [path] = export_return(year=YEAR, out=tmp_path / "out", by=manager)
    text = path.read_text(encoding="utf-8")
    assert text.count("<DateOfInitialCPC>2024-05-20</DateOfInitialCPC>") == 1
    s47 = text[text.index("<Section47>"):text.index("</Section47>")]
    assert "<DateOfInitialCPC>2024-05-20</DateOfInitialCPC>" in s47


def test_export_leaves_out_what_happened_after_the_reference_date(council, manager, tmp_path):
    """CIN census guide: the census is a picture at 31 March; later dates are not returned."""
    [path] = export_return(year=2024, out=tmp_path / "out", by=manager)
    text = path.read_text(encoding="utf-8")
    assert re.findall(r"<LAchildID>(\w+)</LAchildID>", text) == ["D004"]
    assert "2024-05" not in text
    assert_xsd_valid(path, 2024)


def test_export_previous_year_writes_into_previous(council, manager, tmp_path):
    written = export_return(year=YEAR, out=tmp_path, by=manager, previous_year=True)
    assert [p.relative_to(tmp_path).as_posix() for p in written] == [
        file_name(YEAR, 895), f"previous/{file_name(YEAR - 1, 895)}"]


def test_round_trip_export_import_export_is_identical(council, manager, tmp_path):
    """Export -> import (into a council with no children) -> export gives the same file.

    The import goes to a second council (the file's LEA changed to 896), which is the same as an
    empty database for these children: matching is by LA child ID within a council."""
    other = LocalAuthority.objects.create(code="E06000050", la_number=896, name="Other Council")
    [first] = export_return(year=YEAR, out=tmp_path / "a", by=manager)
    moved = tmp_path / "moved.xml"
    moved.write_bytes(first.read_bytes().replace(b"<LEA>895</LEA>", b"<LEA>896</LEA>"))
    result = import_return(moved, by=None)
    assert result.imported == 4 and not result.skipped
    assert "imported 4 child(ren)" in str(result)
    assert Child.objects.filter(local_authority=other).count() == 4
    written = export_return(year=YEAR, out=tmp_path / "b", by=None)
    second = next(p for p in written if p.name == file_name(YEAR, 896))
    assert second.read_bytes() == moved.read_bytes()
    # The original is kept under var/imports/cin_census/<timestamp>-<name>.
    assert result.kept_as.parent.name == "cin_census" and result.kept_as.name.endswith("-moved.xml")
    assert result.kept_as.read_bytes() == moved.read_bytes()


def test_import_twice_skips_children_already_on_record(council, manager, tmp_path):
    """Importing the same file again must not duplicate anything (matched by LAchildID)."""
    [path] = export_return(year=YEAR, out=tmp_path, by=manager)
    before = counts()
    result = import_return(path, by=manager)
    assert result.imported == 0
    assert sorted(result.skipped) == ["A001", "B002", "C003", "E005"]
    assert counts() == before


def test_command_line_export_and_import(council, manager, tmp_path, capsys):
    call_command("returns", "export", "cin-census", "--year", str(YEAR), "--out", str(tmp_path),
                 "--user", "tm1")
    assert "wrote" in capsys.readouterr().out
    # Every child is already on record: an import of no children fails unless it is expected.
    with pytest.raises(CommandError, match="imported no children"):
        call_command("returns", "import", "cin-census", str(tmp_path / file_name(YEAR, 895)))
    call_command("returns", "import", "cin-census", str(tmp_path / file_name(YEAR, 895)),
                 "--allow-empty")
    out = capsys.readouterr().out
    assert "skipped 4 child(ren)" in out and "imported no children" in out


# --- bad input -----------------------------------------------------------------------------

GOOD_CHILD = """    <Child>
      <ChildIdentifiers>
        <LAchildID>{id}</LAchildID>
        <PersonBirthDate>2014-02-03</PersonBirthDate>
        <Sex>F</Sex>
      </ChildIdentifiers>
      <ChildCharacteristics>
        <Ethnicity>WBRI</Ethnicity>
      </ChildCharacteristics>
      <CINdetails>
        <CINreferralDate>{referral}</CINreferralDate>
        <ReferralSource>{source}</ReferralSource>
        <PrimaryNeedCode>N4</PrimaryNeedCode>
        <ReferralNFA>0</ReferralNFA>{extra}
      </CINdetails>
    </Child>
"""


def return_xml(*children: str, lea: str = "895", prolog: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}<Message>\n  <Header>\n'
            "    <CollectionDetails><Collection>CIN</Collection><Year>2025</Year>"
            "<ReferenceDate>2025-03-31</ReferenceDate></CollectionDetails>\n"
            f"    <Source><SourceLevel>L</SourceLevel><LEA>{lea}</LEA></Source>\n  </Header>\n"
            "  <Children>\n" + "".join(children) + "  </Children>\n</Message>\n")


def child_xml(id="X1", referral="2024-10-01", source="2A", extra="") -> str:
    return GOOD_CHILD.format(id=id, referral=referral, source=source, extra=extra)


def refused(tmp_path, text: str | bytes, name="bad.xml") -> RecordInvalid:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    before = counts()
    with pytest.raises(RecordInvalid) as exc:
        import_return(path, by=None)
    assert counts() == before, "a rejected file must change nothing"
    for v in exc.value.violations:
        assert re.match(rf"^{re.escape(name)}:\d+:\S+", v.field), v
    return exc.value


def test_a_good_minimal_file_imports(la, tmp_path):
    path = tmp_path / "good.xml"
    path.write_text(return_xml(child_xml()))
    result = import_return(path, by=None)
    assert result.imported == 1
    assert Referral.objects.get(child__la_child_id="X1").primary_need == "N4"


def test_not_well_formed_xml_is_refused_with_its_line(la, tmp_path):
    """Bad input: XML that is not well-formed."""
    exc = refused(tmp_path, return_xml(child_xml()).replace("</Ethnicity>", "</Ethnic>"))
    [v] = exc.violations
    assert v.field.startswith("bad.xml:15:") and "not well-formed" in v.message


def test_entity_expansion_is_refused(la, tmp_path):
    """Hostile XML: 'billion laughs' entity expansion is refused before anything expands."""
    bomb = ('<!DOCTYPE Message [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>\n')
    exc = refused(tmp_path, return_xml(child_xml(id="&c;"), prolog=bomb))
    assert exc.violations[0].field.startswith("bad.xml:") and "DTD" in exc.violations[0].message


def test_external_entity_is_refused(la, tmp_path):
    """Hostile XML: an external entity (file read / server-side request) is refused."""
    xxe = '<!DOCTYPE Message [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    exc = refused(tmp_path, return_xml(child_xml(id="&x;"), prolog=xxe))
    assert "refused" in exc.violations[0].message


def test_a_file_far_larger_than_expected_is_refused_unread(la, tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_BYTES", 200)
    exc = refused(tmp_path, return_xml(child_xml()))
    assert "limit" in exc.violations[0].message and exc.violations[0].field == "bad.xml:0:file"


def test_bad_date_names_line_and_element(la, tmp_path):
    exc = refused(tmp_path, return_xml(child_xml(referral="01/10/2024")))
    [v] = exc.violations
    assert v.field == "bad.xml:18:CINreferralDate" and v.rule == "format"
    assert "YYYY-MM-DD" in v.message


def test_unknown_code_is_refused_with_the_dfe_rule(la, tmp_path):
    """CIN census rule 8866: ReferralSource must be a valid code."""
    exc = refused(tmp_path, return_xml(child_xml(source="ZZ")))
    assert "CIN 8866" in exc.rules
    assert any(v.field == "bad.xml:19:ReferralSource" and "X1" in v.message for v in exc.violations)


def test_unknown_sex_code_is_refused(la, tmp_path):
    """CIN census rule 4180 (2024-25 on): Sex must be M, F or U."""
    exc = refused(tmp_path, return_xml(child_xml().replace("<Sex>F</Sex>", "<Sex>X</Sex>")))
    assert exc.rules == {"CIN 4180"}


def test_missing_and_unexpected_elements_are_reported(la, tmp_path):
    """Wrong structure: a required element missing, an element the schema does not have."""
    text = return_xml(child_xml()).replace("<ReferralNFA>0</ReferralNFA>", "<Shoe>1</Shoe>")
    exc = refused(tmp_path, text)
    messages = " | ".join(str(v) for v in exc.violations)
    assert "needs a <ReferralNFA>" in messages and "unexpected element <Shoe>" in messages


def test_duplicate_rows_are_refused(la, tmp_path):
    """Duplicate child; duplicate disability (CIN 8794); two episodes on one day (CIN 8820)."""
    twice = child_xml(extra="\n        <CINclosureDate>2024-10-02</CINclosureDate>"
                            "\n        <ReasonForClosure>RC7</ReasonForClosure>")
    dup_dis = child_xml(id="X2").replace(
        "<Ethnicity>WBRI</Ethnicity>",
        "<Ethnicity>WBRI</Ethnicity><Disabilities><Disability>LD</Disability>"
        "<Disability>LD</Disability></Disabilities>")
    same_day = child_xml(id="X3").replace("</CINdetails>", "</CINdetails>" + "\n      <CINdetails>"
                                          "<CINreferralDate>2024-10-01</CINreferralDate>"
                                          "<ReferralSource>2A</ReferralSource>"
                                          "<ReferralNFA>0</ReferralNFA></CINdetails>")
    exc = refused(tmp_path, return_xml(twice, twice, dup_dis, same_day))
    assert any("appears twice" in v.message for v in exc.violations)
    assert {"CIN 8794", "CIN 8815"} <= exc.rules or {"CIN 8794", "CIN 8820"} <= exc.rules


def test_unknown_council_is_refused(la, tmp_path):
    exc = refused(tmp_path, return_xml(child_xml(), lea="123"))
    assert "no council with LA number 123" in exc.violations[0].message


def test_a_rule_broken_across_records_rejects_the_whole_file(la, tmp_path):
    """CIN census rule 2885: a CP plan starts on the date of its initial conference. One bad
    child rejects the file (atomic per file); the good child is not imported either."""
    plan = """
        <ChildProtectionPlans>
          <CPPstartDate>2024-10-08</CPPstartDate>
          <InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>
          <LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>
          <NumberOfPreviousCPP>0</NumberOfPreviousCPP>
        </ChildProtectionPlans>"""
    exc = refused(tmp_path, return_xml(child_xml(id="OK1"), child_xml(id="BAD", extra=plan)))
    assert "CIN 2885" in exc.rules
    assert all("BAD" in v.message for v in exc.violations)
    assert not Child.objects.filter(la_child_id="OK1").exists()


def test_rejected_file_is_not_kept(la, tmp_path, var_dir):
    """Issue 15, finding 7: only an imported file is kept (the source of what is on the record); a
    refused one changed nothing, its problems are reported, and keeping it held children's data
    for no one. Like the SSDA903 and LADO imports."""
    refused(tmp_path, "<Message><Children>", name="broken.xml")
    assert not (var_dir / "imports").exists()


# --- the fake returns shared by the community validator ------------------------------------

SAMPLES = sorted((Path(__file__).parent / "cin_census_samples").glob("*.xml"))
# Some of what each sample is known to break (copied from csc-validator-be-cin fake_data).
EXPECTED = {
    "CIN_Census_2024.xml": {"format", "CIN 4180", "CIN 1103"},
    "CIN_Census_2026.xml": {"format", "CIN 4180"},
    "fake_CIN_data.xml": {"CIN 1510"},  # a UPN, labelled with the CIN rule (was 903 168)
}
#: DfE queries each sample raises: reported as warnings, never refusing the file.
QUERIES = {"CIN_Census_2024.xml": {"CIN 8825Q"}}


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.name for p in SAMPLES])
def test_every_sample_is_imported_or_rejected_precisely(db, sample, tmp_path):
    """Every fake file (some deliberately invalid) is imported, or rejected with a precise
    report — never a crash."""
    for number in (201, 975):
        LocalAuthority.objects.create(code=f"E0{number}", la_number=number, name=f"LA {number}")
    before = counts()
    try:
        result = import_return(sample, by=None)
    except RecordInvalid as exc:
        assert exc.violations
        for v in exc.violations:
            assert re.match(rf"^{re.escape(sample.name)}:\d+:\S+$", v.field), v
            assert v.rule and v.message
        assert EXPECTED.get(sample.name, set()) <= exc.rules
        assert not any(v.rule.endswith("Q") or v.rule.startswith("903 ") for v in exc.violations)
        assert QUERIES.get(sample.name, set()) <= {p.rule for p in exc.report.warnings}
        assert counts() == before
    else:
        assert result.imported + len(result.skipped) > 0
