"""Registering and correcting a child: identifiers and codes validated at entry; no lost updates."""

import datetime as dt

import pytest

from safeguard.audit.models import AuditEvent
from safeguard.core.errors import EditConflict, RecordInvalid
from safeguard.people.identifiers import nhs_number_problem, upn_problem
from safeguard.people.models import Child, Relationship
from safeguard.people.services import child_update, relationship_add, visit_record

D = dt.date
pytestmark = pytest.mark.django_db


def test_upn_check_letter():
    """DfE UPN guidance / 903 rule 168: weights 2-13 on characters 2-13, remainder mod 23 gives the
    check letter (P for 000000000001: 13 × 1 = 13 → P)."""
    assert upn_problem("P000000000001") is None
    assert "check letter should be P" in upn_problem("A000000000001")
    assert upn_problem("I000000000001") is not None  # I, O and S are never used
    assert upn_problem("P00000000001") is not None
    # Published examples from the CIN census rule 1510 tests: two valid, two with a wrong letter.
    assert upn_problem("A950000178301") is None and upn_problem("H243278544154") is None
    assert "should be Q" in upn_problem("R247962919251")
    assert "should be W" in upn_problem("X428558133462")


def test_nhs_number_mod_11():
    """NHS Data Dictionary: NHS number modulus 11 check digit (9434765919 is the published example)."""
    assert nhs_number_problem("9434765919") is None
    assert "check digit should be 9" in nhs_number_problem("9434765918")
    assert nhs_number_problem("943476591") == "must be 10 digits"


def test_bad_identifiers_and_codes_rejected_with_rules_and_nothing_saved(make_child):
    before = Child.objects.count()
    with pytest.raises(RecordInvalid) as exc:
        make_child(upn="A000000000001", nhs_number="9434765918", sex="X", ethnicity="WXYZ")
    assert {"903 168", "NHS mod 11", "903 101", "903 103"} <= exc.value.rules
    assert "upn" in exc.value.message_dict and "nhs_number" in exc.value.message_dict
    assert Child.objects.count() == before


def test_unborn_child_must_be_sex_u(make_child):
    """CIN census rule 8750: an unborn child's sex is U."""
    with pytest.raises(RecordInvalid) as exc:
        make_child(date_of_birth=None, expected_date_of_birth=D(2026, 12, 1), sex="F")
    assert "CIN 8750" in exc.value.rules


def test_disability_none_cannot_be_combined(make_child):
    """CIN census rules 8790 (NONE alone) and 8794 (no duplicates)."""
    with pytest.raises(RecordInvalid) as exc:
        make_child(disabilities=["NONE", "MOB", "MOB"])
    assert {"CIN 8790", "CIN 8794"} <= exc.value.rules


def test_duplicate_la_child_id_rejected(make_child):
    """CIN census rule 8510: each LA child ID is unique within the LA (8500 is 'missing')."""
    make_child(la_child_id="DUP1")
    with pytest.raises(RecordInvalid) as exc:
        make_child(la_child_id="DUP1")
    assert "CIN 8510" in exc.value.rules


def test_date_of_death_and_former_upn_rules(make_child):
    """CIN census rules 8535Q (death not before birth) and 1560Q (former UPN format);
    1510 is the UPN check letter and must not label either."""
    with pytest.raises(RecordInvalid) as exc:
        make_child(date_of_birth=D(2015, 6, 1), date_of_death=D(2015, 5, 1),
                   former_upn="A000000000001")
    assert {"CIN 8535Q", "CIN 1560Q"} <= exc.value.rules
    assert "CIN 1510" not in exc.value.rules


def test_two_people_editing_the_same_child_the_second_gets_a_conflict(child, worker, manager):
    """Two workers open version 1; the first save wins, the second is refused, not overwritten."""
    child_update(by=worker, child_id=child.pk, expected_version=child.version, first_name="Ali")
    with pytest.raises(EditConflict, match="changed by someone else"):
        child_update(by=manager, child_id=child.pk, expected_version=child.version,
                     first_name="Alice")
    child.refresh_from_db()
    assert child.first_name == "Ali" and child.version == 2


def test_update_audited_and_history_kept(child, worker):
    child_update(by=worker, child_id=child.pk, expected_version=child.version,
                 upn="P000000000001")
    assert AuditEvent.objects.filter(child_id=child.pk, action="update").count() == 1
    assert child.history.count() == 2


def test_mother_and_childs_date_of_birth(make_child, worker):
    """903 MOTHER / MC_DOB come from a relationship; rule 620: a mother under 11 is refused."""
    girl = make_child(date_of_birth=D(2009, 1, 1), sex="F")
    relationship_add(by=worker, child_id=girl.pk, kind="child", relative_name="Baby",
                     relative_date_of_birth=D(2025, 2, 1))
    assert Relationship.objects.filter(child=girl, kind="child").exists()
    with pytest.raises(RecordInvalid) as exc:
        relationship_add(by=worker, child_id=girl.pk, kind="child", relative_name="Too early",
                         relative_date_of_birth=D(2019, 2, 1))
    assert "903 620" in exc.value.rules


def test_visit_in_future_refused(child, worker):
    with pytest.raises(RecordInvalid):
        visit_record(by=worker, child_id=child.pk, visit_date=dt.date.today() + dt.timedelta(days=1))
