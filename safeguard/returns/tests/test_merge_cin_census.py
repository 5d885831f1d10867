"""Merging CIN census imports (issue 19): a council's 2024-25 census, then its 2025-26 one, into
another council. The DfE CIN census guide: each census carries every CIN episode open at any
time in the year, so an episode open at 31 March is returned again the next year with its
CINreferralDate unchanged, with what happened to it since (the assessment authorised, a plan, the
closure). A child is the same child by LAchildID within the council, an episode the same by
CINreferralDate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from safeguard.assessment import services as asv
from safeguard.assessment.models import Assessment, CINPlan
from safeguard.assessment.tests.helpers import submit
from safeguard.audit.models import AuditEvent
from safeguard.front_door import services as fds
from safeguard.front_door.models import Referral
from safeguard.people.models import Child
from safeguard.returns.cin_census import export_return, import_return
from safeguard.returns.cin_census.export import file_name
from safeguard.returns.report import ImportRefused
from safeguard.workforce.models import LocalAuthority

D = dt.date


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def _nfa(worker, manager, child, day: dt.date) -> None:
    ref = fds.referral_open(by=worker, child_id=child.pk, referral_date=day, source="6")
    fds.referral_record_response(by=manager, referral_id=ref.pk, expected_version=None,
                                 response="nfa", response_date=day)
    fds.referral_close(by=worker, referral_id=ref.pk, expected_version=None,
                       closure_date=day + dt.timedelta(days=1), reason_for_closure="RC7",
                       rationale="No further action.", authorised_by=manager)


@pytest.fixture
def two_years(make_child, worker, manager, tmp_path):
    """A001's episode is open at 31 March 2025 with its assessment under way; in 2025-26 the
    assessment is authorised, a CIN plan starts and ends and the episode closes. B002 has a
    closed episode in each year; N003 is new in 2025-26. Returned as the two census files moved
    to LA 896, an empty council."""
    a = make_child(la_child_id="A001")
    ref = fds.referral_open(by=worker, child_id=a.pk, referral_date=D(2025, 1, 6), source="3B",
                            primary_need="N4")
    fds.referral_record_response(by=manager, referral_id=ref.pk, expected_version=None,
                                 response="assessment", response_date=D(2025, 1, 6))
    assessment = asv.assessment_start(by=worker, referral_id=ref.pk, start_date=D(2025, 1, 7))
    asv.assessment_record_child_seen(by=worker, assessment_id=assessment.pk, expected_version=None,
                                     child_seen_date=D(2025, 1, 8))
    b = make_child(la_child_id="B002", sex="M")
    _nfa(worker, manager, b, D(2024, 9, 2))
    [y2025] = export_return(year=2025, out=tmp_path / "y2025", by=manager)

    submit(worker, assessment, factors=["21"])
    asv.assessment_authorise(by=manager, assessment_id=assessment.pk, expected_version=None,
                             authorisation_date=D(2025, 4, 20), factors=["21"], requires_support=True)
    cin = asv.cin_plan_start(by=worker, referral_id=ref.pk, start_date=D(2025, 4, 22))
    asv.cin_plan_end(by=worker, cin_plan_id=cin.pk, expected_version=None, end_date=D(2025, 9, 1))
    fds.referral_close(by=worker, referral_id=ref.pk, expected_version=None,
                       closure_date=D(2025, 9, 1), reason_for_closure="RC7",
                       rationale="Plan outcomes met.", authorised_by=manager)
    _nfa(worker, manager, b, D(2025, 5, 5))
    _nfa(worker, manager, make_child(la_child_id="N003"), D(2025, 6, 2))
    [y2026] = export_return(year=2026, out=tmp_path / "y2026", by=manager)
    LocalAuthority.objects.create(code="E06000050", la_number=896, name="Other Council")
    moved = []
    for path, year in ((y2025, 2025), (y2026, 2026)):
        target = tmp_path / f"moved_{year}.xml"
        target.write_bytes(path.read_bytes().replace(b"<LEA>895</LEA>", b"<LEA>896</LEA>"))
        moved.append(target)
    return moved


def _child(la_child_id: str) -> Child:
    return Child.objects.get(local_authority__la_number=896, la_child_id=la_child_id)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_next_census_adds_to_the_children_already_held(two_years, tmp_path):
    """The 2025-26 census returns A001's episode open at 31 March 2025 (same CINreferralDate):
    its assessment's authorisation, the CIN plan and the closure are added to the held episode;
    B002's new episode is added beside the old; N003 is a new child."""
    y2025, y2026 = two_years
    first = import_return(y2025, by=None)
    assert first.imported == 2
    a = _child("A001")
    assert Referral.objects.get(child=a).closure_date is None

    second = import_return(y2026, by=None)
    assert second.imported == 1 and sorted(second.updated) == ["A001", "B002"], str(second)
    referral = Referral.objects.get(child=a)  # the same episode, not a second one
    assert (referral.closure_date, referral.reason_for_closure) == (D(2025, 9, 1), "RC7")
    assert Assessment.objects.get(referral=referral).authorisation_date == D(2025, 4, 20)
    plan = CINPlan.objects.get(referral=referral)
    assert (plan.start_date, plan.end_date) == (D(2025, 4, 22), D(2025, 9, 1))
    assert Referral.objects.filter(child=_child("B002")).count() == 2
    # Through the unit of work: the closure is audited as an update of the held referral.
    assert AuditEvent.objects.filter(child_id=a.pk, action="update", object_type="front_door.Referral",
                                     detail__event="cin_census_import").count() == 1
    # The merged record gives back the census it was given.
    written = export_return(year=2026, out=tmp_path / "again", by=None)
    again = next(p for p in written if p.name == file_name(2026, 896))
    assert again.read_bytes() == y2026.read_bytes()


def test_the_same_census_again_changes_nothing(two_years):
    y2025, y2026 = two_years
    import_return(y2025, by=None)
    import_return(y2026, by=None)
    audits, referrals = AuditEvent.objects.count(), Referral.objects.count()
    again = import_return(y2026, by=None)
    assert not again.changed and sorted(again.skipped) == ["A001", "B002", "N003"]
    assert "no changes" in str(again)
    assert AuditEvent.objects.count() == audits and Referral.objects.count() == referrals
    # The earlier census after the later: A001's episode was open at its 31 March, closed since.
    assert not import_return(y2025, by=None).changed
    assert AuditEvent.objects.count() == audits


def test_a_contradiction_is_refused_and_then_accepted(two_years):
    """A different date of birth and a closed episode whose closure date differs: refused row by
    row with the held and the file's values, nothing changed; accepted, changed and audited."""
    y2025, y2026 = two_years
    import_return(y2025, by=None)
    import_return(y2026, by=None)
    _edit(y2026, "<PersonBirthDate>2015-06-01</PersonBirthDate>",
          "<PersonBirthDate>2015-06-02</PersonBirthDate>")
    _edit(y2026, "<CINclosureDate>2025-09-01</CINclosureDate>",
          "<CINclosureDate>2025-09-02</CINclosureDate>")
    audits = AuditEvent.objects.count()
    with pytest.raises(ImportRefused) as refused:
        import_return(y2026, by=None)
    found = {p.field: p for p in refused.value.report.problems if p.rule == "contradiction"}
    assert set(found) == {"PersonBirthDate", "CINclosureDate"}, refused.value.report.lines()
    assert "holds PersonBirthDate 01/06/2015, the file says 02/06/2015" in found["PersonBirthDate"].message
    assert found["CINclosureDate"].child == "A001" and found["CINclosureDate"].line.isdigit()
    assert AuditEvent.objects.count() == audits and _child("A001").date_of_birth == D(2015, 6, 1)

    accepted = import_return(y2026, by=None, accept_changes=True)
    assert sorted(accepted.updated) == ["A001"] and len(accepted.accepted) == 2, str(accepted)
    a = _child("A001")
    assert a.date_of_birth == D(2015, 6, 2)
    assert Referral.objects.get(child=a).closure_date == D(2025, 9, 2)
    assert AuditEvent.objects.get(child_id=a.pk, object_type="people.Child", action="update").detail == {
        "event": "cin_census_import", "changes": {"date_of_birth": ["2015-06-01", "2015-06-02"]}}
    assert not import_return(y2026, by=None).changed
