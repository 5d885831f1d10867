"""Ofsted Annex A export (ILACS inspection data request, lists 1-11): a small council built through
the services, exported as at 31 March 2026 and read back with openpyxl. The six months run from
1 October 2025, the twelve months from 1 April 2025; anything after 31 March 2026 is left out."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from safeguard.assessment import services as assess
from safeguard.assessment.tests.helpers import submit
from safeguard.audit.models import AuditEvent
from safeguard.child_protection import services as cp
from safeguard.front_door import services as fd
from safeguard.looked_after import services as la_
from safeguard.people.services import visit_record
from safeguard.returns.annex_a import export_annex_a
from safeguard.returns.annex_a.schema import LISTS, SCHEMA_FILE, categories, columns
from safeguard.workforce.models import User
from safeguard.workforce.services import allocation_start

D = dt.date
AS_AT = D(2026, 3, 31)
COUNCIL = "Cheshire East"
SHARED_SCHEMA = Path(__file__).resolve().parents[3].parent / "shared/reference/annex_a_schema.yml"


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


# --- the council ------------------------------------------------------------------------------

def _front_door(w, make_child, manager):
    """Ann: contacts either side of the window, three referrals, an assessment and a CIN plan.
    Ivy: early help now; Jo: early help that ended before the six months."""
    ann = make_child(la_child_id="ANN", date_of_birth=D(2015, 6, 1), sex="F", ethnicity="WBRI",
                     disabilities=["NONE"])
    fd.contact_record(by=w, child_id=ann.pk, received_at=at(D(2025, 8, 1)), source="8")
    contact = fd.contact_record(by=w, child_id=ann.pk, received_at=at(D(2025, 11, 3)), source="2A")
    fd.contact_record(by=w, child_id=ann.pk, received_at=at(D(2026, 4, 10)), source="6")
    for opened, closed in ((D(2024, 1, 10), D(2024, 2, 1)), (D(2025, 2, 1), D(2025, 3, 1))):
        old = fd.referral_open(by=w, child_id=ann.pk, referral_date=opened, source="1A",
                               primary_need="N1")
        old = fd.referral_record_response(by=manager, referral_id=old.pk,
                                          expected_version=old.version, response="nfa",
                                          response_date=opened)
        fd.referral_close(by=w, referral_id=old.pk, expected_version=old.version,
                          closure_date=closed, reason_for_closure="RC7", rationale="no concerns",
                          authorised_by=manager)
    ref = fd.referral_open(by=w, child_id=ann.pk, referral_date=D(2025, 11, 5), source="2A",
                           primary_need="N5", contact_id=contact.pk)
    allocation_start(by=w, child_id=ann.pk, worker_id=w.pk, start_date=D(2025, 11, 5))
    a = assess.assessment_start(by=w, referral_id=ref.pk, start_date=D(2025, 11, 6))
    a = assess.assessment_record_child_seen(by=w, assessment_id=a.pk, expected_version=a.version,
                                            child_seen_date=D(2025, 11, 10))
    a = submit(w, a, factors=["4B"])
    assess.assessment_authorise(by=manager, assessment_id=a.pk, expected_version=a.version,
                                authorisation_date=D(2025, 12, 1), factors=["4B"],
                                requires_support=True)
    assess.cin_plan_start(by=w, referral_id=ref.pk, start_date=D(2025, 12, 5))
    for started, ended in ((D(2025, 11, 20), D(2025, 12, 1)), (D(2026, 1, 5), D(2026, 1, 20))):
        sd = cp.strategy_discussion_record(by=w, referral_id=ref.pk, held_on=started,
                                           s47_initiated=True)
        s47 = cp.section47_start(by=w, referral_id=ref.pk, start_date=started,
                                 strategy_discussion_id=sd.pk)
        cp.section47_record_outcome(by=manager, section47_id=s47.pk, expected_version=s47.version,
                                    end_date=ended, outcome="not_substantiated",
                                    icpc_not_required=True,
                                    rationale="The concerns were not substantiated.")
    visit_record(by=w, child_id=ann.pk, visit_date=D(2026, 2, 1))
    visit_record(by=w, child_id=ann.pk, visit_date=D(2026, 3, 2), seen=False)

    ivy = make_child(la_child_id="IVY", date_of_birth=D(2019, 2, 2))
    eh = fd.early_help_start(by=w, child_id=ivy.pk, start_date=D(2025, 11, 1))
    fd.early_help_record_assessment(by=w, episode_id=eh.pk, expected_version=eh.version,
                                    assessment_completed_date=D(2025, 11, 20))
    jo = make_child(la_child_id="JO", date_of_birth=D(2018, 2, 2))
    eh = fd.early_help_start(by=w, child_id=jo.pk, start_date=D(2025, 1, 1), organisation="School")
    fd.early_help_end(by=w, episode_id=eh.pk, expected_version=eh.version, end_date=D(2025, 6, 1))


def _protection(w, make_child, manager, iro):
    """Ben: strategy discussion, S47, ICPC, CP plan (neglect then emotional abuse), a review, a
    visit seen alone and police protection in the six months. The manager decides the enquiry's
    outcome; the IRO chairs and records the conferences and starts the plan (Working Together
    2023)."""
    ben = make_child(la_child_id="BEN", date_of_birth=D(2012, 3, 15), sex="M", ethnicity="BAFR",
                     disabilities=["AUT"])
    ref = fd.referral_open(by=w, child_id=ben.pk, referral_date=D(2025, 6, 1), source="6",
                           primary_need="N1")
    allocation_start(by=w, child_id=ben.pk, worker_id=w.pk, start_date=D(2025, 6, 1))
    sd = cp.strategy_discussion_record(by=w, referral_id=ref.pk, held_on=D(2025, 10, 2),
                                       s47_initiated=True)
    s47 = cp.section47_start(by=w, referral_id=ref.pk, start_date=D(2025, 10, 3),
                             strategy_discussion_id=sd.pk)
    s47 = cp.section47_record_outcome(by=manager, section47_id=s47.pk,
                                      expected_version=s47.version, end_date=D(2025, 10, 17),
                                      outcome="icpc", icpc_not_required=False,
                                      rationale="Significant harm is likely: an initial conference.")
    icpc = cp.conference_record(by=iro, chair=iro, referral_id=ref.pk, kind="initial",
                                held_on=D(2025, 10, 20), section47_id=s47.pk, plan_required=True)
    plan = cp.cp_plan_start(by=iro, referral_id=ref.pk, start_date=D(2025, 10, 20),
                            initial_category="NEG", conference_id=icpc.pk)
    cp.cp_plan_change_category(by=manager, cp_plan_id=plan.pk, expected_version=plan.version,
                               latest_category="EMO")
    cp.conference_record(by=iro, chair=iro, referral_id=ref.pk, kind="review",
                         held_on=D(2026, 1, 15), cp_plan_id=plan.pk)
    cp.emergency_order_record(by=w, child_id=ben.pk, kind="PPO", start_date=D(2025, 10, 1),
                              end_date=D(2025, 10, 3))
    visit_record(by=w, child_id=ben.pk, visit_date=D(2026, 3, 1), seen_alone=True)
    return ben


def _care(w, make_child, iro):
    """Cal: in care since May 2025 (V2 then an ICO), one placement on 31 March and a new one after
    it; Dee: left care in December 2025; Eve: left care before the six months."""
    cal = make_child(la_child_id="CAL", date_of_birth=D(2010, 1, 1), sex="M",
                     home_postcode="CW2 2BB")
    la_.period_of_care_start(by=w, child_id=cal.pk, decom=D(2025, 5, 1), legal_status="V2",
                             category_of_need="N4", placement="U6", placement_provider="PR1",
                             urn="SC123456", home_postcode="CW2 2BB", placement_postcode="CW1 1AA")
    la_.episode_change(by=w, child_id=cal.pk, change_date=D(2026, 1, 10), rne="L",
                       legal_status="C1")
    allocation_start(by=w, child_id=cal.pk, worker_id=iro.pk, start_date=D(2025, 5, 1), kind="iro")
    la_.review_record(by=iro, child_id=cal.pk, review_date=D(2026, 2, 15), participation="PN1")
    la_.health_assessment_record(by=w, child_id=cal.pk, kind="IHA", requested_date=D(2025, 5, 2),
                                 completed_date=D(2025, 5, 20))
    la_.health_assessment_record(by=w, child_id=cal.pk, kind="DENTAL",
                                 completed_date=D(2025, 11, 1))
    la_.permanence_plan_record(by=w, child_id=cal.pk, plan_date=D(2026, 2, 15), plan="fostering")
    visit_record(by=iro, child_id=cal.pk, visit_date=D(2026, 3, 5), by_iro=True)
    visit_record(by=w, child_id=cal.pk, visit_date=D(2026, 3, 10))
    gone = la_.missing_episode_start(by=w, child_id=cal.pk, kind="M", start_date=D(2026, 2, 1),
                                     end_date=D(2026, 2, 2), returned_at=at(D(2026, 2, 2), 9))
    la_.return_interview_record(by=w, missing_id=gone.pk, expected_version=gone.version,
                                offered_at=at(D(2026, 2, 3)), accepted=True)
    la_.missing_episode_start(by=w, child_id=cal.pk, kind="A", start_date=D(2025, 12, 20),
                              end_date=D(2025, 12, 20), returned_at=at(D(2025, 12, 20), 22))
    la_.episode_change(by=w, child_id=cal.pk, change_date=D(2026, 4, 15), rne="P", placement="K2",
                       placement_provider="PR4", urn="SC654321", placement_postcode="M1 1AA",
                       reason_place_change="CARPL")

    dee = make_child(la_child_id="DEE", date_of_birth=D(2011, 7, 7))
    la_.period_of_care_start(by=w, child_id=dee.pk, decom=D(2024, 1, 1), legal_status="C2",
                             category_of_need="N1", placement="U4", placement_provider="PR1",
                             urn="SC123456", home_postcode="CW2 2BB", placement_postcode="M1 1AA")
    la_.period_of_care_end(by=w, child_id=dee.pk, end_date=D(2025, 12, 1), reason_ceased="E4A")
    eve = make_child(la_child_id="EVE", date_of_birth=D(2011, 8, 8))
    la_.period_of_care_start(by=w, child_id=eve.pk, decom=D(2024, 1, 1), legal_status="C2",
                             category_of_need="N1", placement="U4", placement_provider="PR1",
                             urn="SC123456", home_postcode="CW2 2BB", placement_postcode="M1 1AA")
    la_.period_of_care_end(by=w, child_id=eve.pk, end_date=D(2025, 6, 1), reason_ceased="E4A")
    return cal


def _care_leaver(w, make_child, adviser):
    """Fay: looked after from 15 to 17, relevant then former relevant, with a personal adviser."""
    fay = make_child(la_child_id="FAY", date_of_birth=D(2006, 1, 1), uasc=True)
    la_.period_of_care_start(by=w, child_id=fay.pk, decom=D(2021, 6, 1), legal_status="C2",
                             category_of_need="N1", placement="U4", placement_provider="PR1",
                             urn="SC123456", home_postcode="CW2 2BB", placement_postcode="M1 1AA")
    la_.period_of_care_end(by=w, child_id=fay.pk, end_date=D(2023, 6, 1), reason_ceased="E4A")
    st = la_.care_leaver_eligibility_record(by=w, child_id=fay.pk, eligibility="relevant",
                                            since_date=D(2023, 6, 1))
    la_.care_leaver_eligibility_record(by=w, child_id=fay.pk, eligibility="former_relevant",
                                       since_date=D(2024, 1, 1), expected_version=st.version)
    allocation_start(by=w, child_id=fay.pk, worker_id=adviser.pk, start_date=D(2024, 1, 1),
                     kind="personal_adviser")
    la_.care_leaver_contact_record(by=adviser, child_id=fay.pk, contact_date=D(2026, 1, 10),
                                   in_touch="YES", activity="F2", accommodation="U1",
                                   pathway_plan_review_date=D(2026, 1, 10))


COUPLE = [{"reference": "A1", "sex": "F", "ethnicity": "WBRI", "disability": False},
          {"reference": "A2", "sex": "M", "ethnicity": "BAFR", "disability": True}]


def _adoption(w, make_child, council):
    """Gus: placement order, matched with household H001, placed; Hal: decision reversed before
    the twelve months. H002 left before the twelve months; H003 withdrew within them."""
    h1 = la_.adopter_household_register(by=w, local_authority=council, reference="H001",
                                        enquiry_date=D(2024, 9, 1), adopters=COUPLE)
    h1 = la_.adopter_household_update(
        by=w, household_id=h1.pk, expected_version=h1.version, stage1_start=D(2024, 9, 15),
        stage1_end=D(2024, 11, 15), stage2_start=D(2024, 11, 20), application_date=D(2024, 11, 20),
        stage2_end=D(2025, 3, 20), approval_date=D(2025, 3, 20), fostering_for_adoption=True)
    for ref, enquiry, left in (("H002", D(2023, 1, 1), D(2024, 1, 1)),
                               ("H003", D(2025, 5, 1), D(2025, 8, 1))):
        h = la_.adopter_household_register(by=w, local_authority=council, reference=ref,
                                           enquiry_date=enquiry,
                                           adopters=[{**COUPLE[0], "reference": f"{ref}-1"}])
        la_.adopter_household_update(by=w, household_id=h.pk, expected_version=h.version,
                                     left_process_date=left, reason_left="They withdrew")

    gus = make_child(la_child_id="GUS", date_of_birth=D(2023, 5, 5))
    la_.period_of_care_start(by=w, child_id=gus.pk, decom=D(2024, 2, 1), legal_status="C2",
                             category_of_need="N1", placement="U6", placement_provider="PR1",
                             urn="SC123456", home_postcode="CW2 2BB", placement_postcode="M1 1AA")
    j = la_.adoption_decision_record(by=w, child_id=gus.pk, decision_date=D(2025, 3, 1))
    j = la_.adoption_milestone_record(by=w, adoption_id=j.pk, expected_version=j.version,
                                      placement_order_date=D(2025, 6, 1))
    la_.episode_change(by=w, child_id=gus.pk, change_date=D(2025, 6, 1), rne="L",
                       legal_status="E1")
    j = la_.adoption_milestone_record(by=w, adoption_id=j.pk, expected_version=j.version,
                                      matched_date=D(2025, 9, 1))
    j = la_.adoption_match_household(by=w, adoption_id=j.pk, expected_version=j.version,
                                     household_id=h1.pk)
    la_.episode_change(by=w, child_id=gus.pk, change_date=D(2025, 10, 1), rne="P",
                       placement="A6", urn="SC777777", reason_place_change="CARPL")
    la_.adoption_milestone_record(by=w, adoption_id=j.pk, expected_version=j.version,
                                  placed_date=D(2025, 10, 1))

    hal = make_child(la_child_id="HAL", date_of_birth=D(2022, 5, 5))
    la_.period_of_care_start(by=w, child_id=hal.pk, decom=D(2023, 2, 1), legal_status="C2",
                             category_of_need="N1", placement="U6", placement_provider="PR1",
                             urn="SC123456", home_postcode="CW2 2BB", placement_postcode="M1 1AA")
    j = la_.adoption_decision_record(by=w, child_id=hal.pk, decision_date=D(2023, 6, 1))
    la_.adoption_decision_reverse(by=w, adoption_id=j.pk, expected_version=j.version,
                                  reversed_date=D(2024, 12, 1), reason="RD1")


def _staff(la):
    """The people the conftest fixtures make, for a council built once for the module."""
    from safeguard.workforce.models import Team

    team = Team.objects.create(local_authority=la, name="Assessment Team 1", service="Front door")

    def user(username, first, last, role, **kw):
        return User.objects.create_user(username=username, password="x", first_name=first,
                                        last_name=last, role=role, local_authority=la, **kw)

    return (user("sw1", "Sam", "Worker", User.Role.SOCIAL_WORKER, team=team, sw_id="SW1234567"),
            user("tm1", "Tara", "Manager", User.Role.TEAM_MANAGER, team=team),
            user("iro1", "Ira", "Reviewer", User.Role.IRO),
            user("pa1", "Pat", "Adviser", User.Role.PERSONAL_ADVISER))


@pytest.fixture(scope="module")
def workbook_path(django_db_setup, django_db_blocker, tmp_path_factory):
    """The council built through the services once, exported as at 31 March 2026 and read back;
    everything is rolled back afterwards, so the other tests start from an empty database."""
    from safeguard.people.services import child_register
    from safeguard.workforce.models import LocalAuthority

    with django_db_blocker.unblock(), transaction.atomic():
        la = LocalAuthority.objects.create(code="E06000049", la_number=895, name=COUNCIL)
        worker, manager, iro, adviser = _staff(la)
        count = iter(range(1, 100))

        def make_child(**fields):
            n = next(count)
            fields = {"first_name": "Alex", "last_name": f"Child{n}", "sex": "F",
                      "date_of_birth": D(2015, 6, 1), "ethnicity": "WBRI", **fields}
            return child_register(by=worker, local_authority=la, **fields)

        _front_door(worker, make_child, manager)
        _protection(worker, make_child, manager, iro)
        _care(worker, make_child, iro)
        _care_leaver(worker, make_child, adviser)
        _adoption(worker, make_child, la)
        path = export_annex_a(as_at=AS_AT, out=tmp_path_factory.mktemp("out") / "x" / "annex.xlsx",
                              by=worker)
        transaction.set_rollback(True)
    return path


@pytest.fixture(scope="module")
def workbook(workbook_path):
    return _read(workbook_path)


def _read(path: Path) -> dict[str, list[dict]]:
    """Each sheet as a header row and a list of {column: value} rows (dates as dates)."""
    book = load_workbook(path)
    sheets = {}
    for ws in book.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        header = list(rows[0])
        sheets[ws.title] = {"header": header, "rows": [
            {h: (v.date() if isinstance(v, dt.datetime) else v) for h, v in zip(header, row,
                                                                                 strict=True)}
            for row in rows[1:]]}
    return sheets


def rows(book, sheet: str, child: str | None = None) -> list[dict]:
    found = book[sheet]["rows"]
    key = "Individual adopter identifier" if sheet == "List 11" else "Child Unique ID"
    return [r for r in found if child is None or r[key] == child]


# --- the workbook -----------------------------------------------------------------------------

def test_sheets_and_exact_headers(workbook):
    """Ofsted Annex A: sheets "List 1"-"List 11" with exactly the schema's columns in order."""
    assert list(workbook) == [f"List {n}" for n in range(1, 12)] == list(LISTS)
    for sheet in LISTS:
        assert workbook[sheet]["header"] == columns(sheet), sheet
    assert workbook["List 1"]["header"] == [
        "Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
        "Date of Contact", "Contact Source"]
    assert workbook["List 3"]["header"][-3:] == [
        "Number of Referrals in Last 12 Months", "Allocated Team", "Allocated Worker"]
    assert len(workbook["List 8"]["header"]) == 34
    assert workbook["List 11"]["header"][0] == "Individual adopter identifier"


def test_schema_is_shipped_in_the_package():
    """The export reads the schema from its own package, never from ../shared at run time; the
    copy matches the reference one where that is present."""
    assert SCHEMA_FILE.parent.name == "annex_a" and SCHEMA_FILE.is_file()
    if SHARED_SCHEMA.is_file():
        assert yaml.safe_load(SHARED_SCHEMA.read_text()) == yaml.safe_load(SCHEMA_FILE.read_text())


def test_category_cells_use_the_schema_codes(workbook):
    """Every coded cell holds one of the schema's lettered codes ("a) Male", "a) WBRI", ...).
    LA of Placement is left out: the schema lists only non-English codes, and a placement inside
    the council names the council."""
    checked = 0
    for sheet in LISTS:
        for column in columns(sheet):
            allowed = categories(sheet, column)
            if not allowed or column == "LA of Placement":
                continue
            for row in workbook[sheet]["rows"]:
                if row[column] is not None:
                    assert row[column] in allowed, (sheet, column, row[column])
                    checked += 1
    assert checked > 50


def test_list1_contacts_in_the_six_months(workbook):
    """Annex A List 1: every contact received in the six months before the as-at date, one row
    per contact; contacts before the window or after the as-at date are left out."""
    (row,) = rows(workbook, "List 1", "ANN")
    assert row == {"Child Unique ID": "ANN", "Gender": "b) Female", "Ethnicity": "a) WBRI",
                   "Date of Birth": D(2015, 6, 1), "Age of Child (Years)": 10,
                   "Date of Contact": D(2025, 11, 3), "Contact Source": "e) 2A: Schools"}
    assert len(rows(workbook, "List 1")) == 1


def test_list2_early_help(workbook):
    """Annex A List 2: early help open in the six months; blank organisation is the council's."""
    (row,) = rows(workbook, "List 2")
    assert row["Child Unique ID"] == "IVY"
    assert (row["Assessment start date"], row["Assessment completion date"],
            row["Organisation completing assessment"]) == (D(2025, 11, 1), D(2025, 11, 20),
                                                          COUNCIL)


def test_list3_referrals_with_count_in_last_12_months(workbook):
    """Annex A List 3: referrals in the six months; 'Number of Referrals in Last 12 Months'
    counts the child's other referrals in the twelve months before this one (February 2025,
    not January 2024)."""
    (row,) = rows(workbook, "List 3")
    assert row["Child Unique ID"] == "ANN"
    assert row["Date of referral"] == D(2025, 11, 5)
    assert row["Referral Source"] == "e) 2A: Schools"
    assert row["Referral NFA?"] == "b) No"
    assert row["Number of Referrals in Last 12 Months"] == 1
    assert (row["Allocated Team"], row["Allocated Worker"]) == ("Assessment Team 1", "Sam Worker")


def test_list4_assessments(workbook):
    """Annex A List 4: assessments open in the six months, child seen, authorisation, outcome."""
    (row,) = rows(workbook, "List 4")
    assert row["Child Unique ID"] == "ANN" and row["Does the Child have a Disability"] == "b) No"
    assert row["Continuous Assessment Start Date"] == D(2025, 11, 6)
    assert row["Child Seen During Continuous Assessment"] == "a) Yes"
    assert row["Continuous Assessment Date of Authorisation"] == D(2025, 12, 1)
    assert row["Was the child assessed as requiring LA children's social care support?"] == "a) Yes"


def test_list5_section47_and_icpc(workbook):
    """Annex A List 5: each S47 open in the six months with its strategy discussion, ICPC and
    outcome; the counts are of earlier enquiries / ICPCs in the twelve months before it."""
    (row,) = rows(workbook, "List 5", "BEN")
    assert row["Child Unique ID"] == "BEN" and row["Gender"] == "a) Male"
    assert row["Ethnicity"] == "o) BAFR" and row["Does the Child have a Disability"] == "a) Yes"
    assert row["Strategy discussion initiating Section 47 Enquiry Start Date"] == D(2025, 10, 2)
    assert row["Was an Initial Child Protection Conference deemed unnecessary?"] == "b) No"
    assert row["Date of Initial Child Protection Conference"] == D(2025, 10, 20)
    assert row["Did the Initial Child Protection Conference Result in a Child Protection Plan"] \
        == "a) Yes"
    assert row["Number of Section 47 Enquiries in the last 12 months"] == 0
    assert row["Number of ICPCs in the last 12 months"] == 0
    first, second = sorted(rows(workbook, "List 5", "ANN"), key=lambda r: r[
        "Strategy discussion initiating Section 47 Enquiry Start Date"])
    result = "Did the Initial Child Protection Conference Result in a Child Protection Plan"
    assert (first["Was an Initial Child Protection Conference deemed unnecessary?"],
            first["Date of Initial Child Protection Conference"], first[result]) == (
        "a) Yes", None, None)
    assert (first["Number of Section 47 Enquiries in the last 12 months"],
            second["Number of Section 47 Enquiries in the last 12 months"]) == (0, 1)


def test_list6_children_in_need(workbook):
    """Annex A List 6: children receiving a service in the six months, latest episode each,
    with case status; NFA referrals are not on it."""
    by_child = {r["Child Unique ID"]: r for r in rows(workbook, "List 6")}
    assert set(by_child) == {"ANN", "BEN"}
    ann = by_child["ANN"]
    assert (ann["CIN Start Date"], ann["Primary Need Code"]) == (D(2025, 11, 5),
                                                                 "N5 - Family dysfunction")
    assert ann["Date Child Was Last Seen"] == D(2026, 2, 1)  # the March visit did not see her
    assert (ann["CIN Closure Date"], ann["Reason for Closure"]) == (None, None)
    assert ann["Case Status"] == "c) Child in need plan"
    assert by_child["BEN"]["Case Status"] == "b) Child Protection plan"


def test_list7_child_protection_with_latest_review_and_last_visit(workbook):
    """Annex A List 7: the plan, categories, last visit (seen alone), latest review conference and
    police protection in the last six months."""
    (row,) = rows(workbook, "List 7")
    assert row["Child Unique ID"] == "BEN"
    assert row["Child Protection Plan Start Date"] == D(2025, 10, 20)
    assert (row["Initial Category of Abuse"], row["Latest Category of Abuse"]) == (
        "a) Neglect", "d) Emotional abuse")
    assert (row["Date of the Last Statutory Visit"], row["Was the Child Seen Alone?"]) == (
        D(2026, 3, 1), "a) Yes")
    assert row["Date of latest review conference"] == D(2026, 1, 15)
    assert row["Child Protection Plan End Date"] is None
    assert row["Subject to Emergency Protection Order or Protected Under Police Powers in Last Six "
               "Months (Y/N)"] == "a) Yes"
    assert row["Number of Previous Child Protection Plans"] == 0


def test_list8_children_in_care_with_placement_and_legal_status(workbook):
    """Annex A List 8: in care on the as-at date or left in the six months; placement and legal
    status as they stood on the as-at date (the April 2026 move is not shown)."""
    by_child = {r["Child Unique ID"]: r for r in rows(workbook, "List 8")}
    assert set(by_child) == {"CAL", "DEE", "GUS", "HAL"}  # not Eve (left in June) or Fay
    cal = by_child["CAL"]
    offered = "Was the child offered a Return Interview after their last missing episode (Y/N)?"
    expected = {
        "Date Started to be Looked After": D(2025, 5, 1),
        "Child's Category of Need": "N4 - Family in acute stress",
        "Start date of current legal status": D(2026, 1, 10),
        "Child's Legal Status": "C1: ICO",
        "Date of Latest Statutory Review": D(2026, 2, 15),
        "Date of Last Social Work Visit": D(2026, 3, 10),
        "What is the permanence plan for this child?": "f) Long-term fostering",
        "Date of Last IRO Visit / Contact to the Child": D(2026, 3, 5),
        "Date of Last Health Assessment": D(2025, 5, 20),
        "Date of Last Dental Check": D(2025, 11, 1),
        "Number of Placements in the Last 12 months": 1,
        "Date Ceased to be Looked After": None,
        "Start Date of Most Recent Placement": D(2025, 5, 1),
        "Placement Type": "f) U6: Foster placement - not FFA",
        "Placement Provider": "b) PR1: Own provision",
        "Placement postcode": "CW1 1AA",
        "URN of Placement": "SC123456",
        "Placement Location": "a) In",
        "LA of Placement": COUNCIL,
        "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 "
        "months": 1,
        "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 "
        "months": 1,
        offered: "a) Yes",
        "Did the child accept a Return Interview after their last missing episode (Y/N)?": "a) Yes",
        "Is this a second or subsequent period of being a Looked After Child within the last 12 "
        "months (Y/N)": "b) No",
        "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)": "b) No",
    }
    assert {k: cal[k] for k in expected} == expected
    dee = by_child["DEE"]
    assert dee["Date Ceased to be Looked After"] == D(2025, 12, 1)
    assert dee["Reason Ceased to be Looked After"] == (
        "e) E4A: Returned home to live with parents or relatives - part of planning")
    # M1 1AA lies in Manchester (ONS postcode directory), not in Cheshire East (issue 19).
    assert dee["Placement Location"] == "b) Out" and dee["LA of Placement"] == "Manchester"
    gus = by_child["GUS"]
    assert (gus["Child's Legal Status"], gus["Placement Type"]) == (
        "E1: Placement order", "j) A6: Placed for adoption - order - not foster")
    assert gus["Number of Placements in the Last 12 months"] == 2


def test_list9_care_leavers(workbook):
    """Annex A List 9: care leavers aged 16-24 with their category, contact and accommodation."""
    (row,) = rows(workbook, "List 9")
    assert row["Child Unique ID"] == "FAY" and row["Age of Child (Years)"] == 20
    assert row["Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)"] \
        == "a) Yes"
    assert row["Allocated Personal Advisor"] == "Pat Adviser"
    assert row["Eligibility Category"] == "b) Former relevant child"
    assert row["Latest Pathway Plan Review Date"] == D(2026, 1, 10)
    assert (row["LA in Touch"], row["Latest Date of Contact"]) == ("a) Yes", D(2026, 1, 10))
    assert (row["Type of Accommodation"], row["Suitability of Accommodation"]) == (
        "U: Independent living", "a) Suitable")
    assert row["Activity Status"] == "F2: Full time in education other than higher"


def test_list10_adoption(workbook):
    """Annex A List 10: current adoption decisions (Gus, matched with household H001); Hal's
    decision was reversed before the twelve months."""
    (row,) = rows(workbook, "List 10")
    assert row["Child Unique ID"] == "GUS" and row["Family identifier"] == "H001"
    assert row["Date the Child Entered Care"] == D(2024, 2, 1)
    assert row["Date of Decision that Child Should be Placed for Adoption"] == D(2025, 3, 1)
    assert row["Date of Placement Order"] == D(2025, 6, 1)
    assert row["Date of Matching Child and Prospective Adopters"] == D(2025, 9, 1)
    assert row["Date Placed for Adoption"] == D(2025, 10, 1)
    assert row["Date of Adoption Order"] is None
    assert row["Reason Why Child No Longer Placed for Adoption"] is None


def test_list11_adopters(workbook):
    """Annex A List 11: one row per prospective adopter in contact in the twelve months."""
    by_adopter = {r["Individual adopter identifier"]: r for r in rows(workbook, "List 11")}
    assert set(by_adopter) == {"A1", "A2", "H003-1"}
    a2 = by_adopter["A2"]
    assert (a2["Family identifier"], a2["Gender"], a2["Ethnicity"], a2["Disability"]) == (
        "H001", "a) Male", "o) BAFR", "a) Yes")
    assert a2["Is the (prospective) adopter fostering for adoption?"] == "Yes"
    assert a2["Date application approved"] == D(2025, 3, 20)
    assert a2["Date adopter matched with child(ren)"] == D(2025, 9, 1)
    assert a2["Date child/children placed with adopter(s)"] == D(2025, 10, 1)
    assert a2["No. of children placed"] == 1
    left = by_adopter["H003-1"]
    assert (left["Date of leaving adoption process"], left["Reason for leaving adoption process"]) \
        == (D(2025, 8, 1), "1 - Adopter withdrew from process")


@pytest.fixture
def contacted(child, worker):
    """One child with one contact in the six months."""
    fd.contact_record(by=worker, child_id=child.pk, received_at=at(D(2026, 1, 5)), source="6")
    return child


def test_export_is_audited_against_the_user(la, contacted, worker, tmp_path):
    """Every read of children's records is audited: one 'export' row naming the user."""
    before = AuditEvent.objects.filter(action="export").count()
    export_annex_a(as_at=AS_AT, out=tmp_path / "a.xlsx", by=worker)
    (event,) = AuditEvent.objects.filter(action="export").order_by("-pk")[:1]
    assert AuditEvent.objects.filter(action="export").count() == before + 1
    assert (event.actor, event.object_type, event.object_id) == (
        worker, "returns.AnnexA", f"{la.la_number}/2026-03-31")
    assert event.detail["rows"]["List 1"] == 1


def test_command_line(contacted, worker, tmp_path):
    """`safeguard returns export annex-a --as-at 2026-03-31 --out FILE.xlsx --user sw1`; the
    other returns still need --year."""
    out = tmp_path / "annex.xlsx"
    call_command("returns", "export", "annex-a", "--as-at", "2026-03-31", "--out", str(out),
                 "--user", "sw1")
    book = _read(out)
    assert list(book) == list(LISTS) and len(book["List 1"]["rows"]) == 1
    assert AuditEvent.objects.filter(action="export", actor=worker).exists()
    with pytest.raises(CommandError, match="--as-at"):
        call_command("returns", "export", "annex-a", "--out", str(out))
    with pytest.raises(CommandError, match="--year"):
        call_command("returns", "export", "cin-census", "--out", str(tmp_path))
    # Issue 19: a year outside those the returns are known for is named, not a traceback.
    with pytest.raises(CommandError, match="--year 2031: returns are known from 2013-14 to 2026-27"):
        call_command("returns", "export", "ssda903", "--year", "2031", "--out", str(tmp_path),
                     "--user", "sw1")


def test_streaming_readers_see_every_sheet_whole(workbook_path):
    """Issue 19, finding 9: each sheet declares its extent (`<dimension>`), and every row holds a
    cell for every column, so openpyxl's read-only mode (what liiatools' `annex-a cleanfile`
    streams with) sizes each sheet right and reads rows as wide as the header."""
    with zipfile.ZipFile(workbook_path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == len(LISTS)
        for name in sheets:
            head = z.read(name)[:2000].decode()
            assert re.search(r'<dimension ref="A1:[A-Z]+\d+"', head), name
    book = load_workbook(workbook_path, read_only=True)
    try:
        for sheet in LISTS:
            ws = book[sheet]
            width = len(columns(sheet))
            rows = list(ws.iter_rows(values_only=True))
            assert (ws.max_column, ws.max_row) == (width, len(rows)), sheet
            assert list(rows[0]) == columns(sheet)
            assert {len(row) for row in rows} == {width}, sheet
        with zipfile.ZipFile(workbook_path) as z:
            body = z.read("xl/worksheets/sheet8.xml").decode()
        for row in re.findall(r"<row [^>]*>(.*?)</row>", body):
            assert row.count("<c ") == len(columns("List 8"))  # blank cells written too
    finally:
        book.close()
