"""The children's statutory complaints procedure: the Children Act 1989 Representations Procedure
(England) Regulations 2006 and "Getting the Best from Complaints" (DfES 2006)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from safeguard.assurance.complaints import selectors, services
from safeguard.assurance.complaints.clocks import SUBJECT_TYPE
from safeguard.audit.models import AuditEvent
from safeguard.core.errors import EditConflict, RecordInvalid
from safeguard.timescales import calendar
from safeguard.timescales.models import Clock

D = dt.date


def _record(by, world, **extra):
    fields = dict(reference="C-001", received_on=D(2026, 3, 2), complainant_kind="parent",
                  theme="communication",
                  complainant_name="Pat Parent", child_id=world.own.pk, team_id=world.own_team.pk,
                  summary="Calls not returned.")
    fields.update(extra)
    return services.complaint_record(by=by, local_authority=world.la, **fields)


@pytest.fixture(autouse=True)
def _own_team(world):
    world.own_team = world.sw_a.team


def _clocks(complaint):
    return {c.code: c for c in Clock.objects.filter(subject_type=SUBJECT_TYPE, subject_id=complaint.pk)}


def test_stage_1_is_due_10_working_days_from_receipt_and_20_once_extended(world, manager):
    """Regulations 2006 / Getting the Best from Complaints: stage 1 within 10 working days,
    extendable to 20. Received Monday 2 March 2026: 10 working days is Monday 16 March; 20 is 30 March."""
    c = _record(manager, world)
    clock = _clocks(c)["CMP1"]
    assert clock.child_id is None  # a complaint's clock is not the child's record's
    assert clock.due_date == calendar.current().add_working_days(D(2026, 3, 2), 10) == D(2026, 3, 16)
    services.complaint_extend(by=manager, complaint_id=c.pk, expected_version=c.version,
                              extended_on=D(2026, 3, 10), reason="Waiting for the school's account")
    clock = _clocks(c)["CMP1"]
    assert (clock.unit, clock.amount, clock.due_date) == ("WD", 20, D(2026, 3, 30))


def test_a_bank_holiday_moves_the_due_date(world, manager):
    """Working days exclude bank holidays: Good Friday 3 April and Easter Monday 6 April 2026."""
    c = _record(manager, world, received_on=D(2026, 3, 30))
    assert _clocks(c)["CMP1"].due_date == D(2026, 4, 15)


def test_stage_2_follows_stage_1_with_25_working_days_extendable_to_65(world, manager):
    """Stage 2: 25 working days from the request, extendable to 65; stage 1's clock is met."""
    c = _record(manager, world)
    c = services.complaint_respond(by=manager, complaint_id=c.pk, expected_version=c.version,
                                   responded_on=D(2026, 3, 12), outcome="not_upheld", findings="Explained.")
    c = services.complaint_escalate(by=manager, complaint_id=c.pk, expected_version=c.version,
                                    requested_on=D(2026, 3, 20), investigator="Ivy Investigator",
                                    independent_person="Ian Independent")
    clocks = _clocks(c)
    assert clocks["CMP1"].met_date == D(2026, 3, 12) and clocks["CMP1"].on_time
    assert clocks["CMP2"].due_date == calendar.current().add_working_days(D(2026, 3, 20), 25)
    assert c.stage == 2
    c = services.complaint_extend(by=manager, complaint_id=c.pk, expected_version=c.version,
                                  extended_on=D(2026, 4, 1), reason="Further interviews are needed")
    assert _clocks(c)["CMP2"].amount == 65


def test_stage_3_panel_report_and_response(world, manager):
    """Stage 3: panel within 30 working days of the request, its report within 5 working days,
    the council's response within 15 working days of the report."""
    c = _record(manager, world)
    c = services.complaint_escalate(by=manager, complaint_id=c.pk, expected_version=c.version,
                                    requested_on=D(2026, 3, 5), investigator="I", independent_person="P")
    assert _clocks(c)["CMP1"].stopped_reason == "moved to stage 2"
    c = services.complaint_respond(by=manager, complaint_id=c.pk, expected_version=c.version,
                                   responded_on=D(2026, 4, 1), outcome="partly_upheld")
    c = services.complaint_escalate(by=manager, complaint_id=c.pk, expected_version=c.version,
                                    requested_on=D(2026, 4, 2))
    with pytest.raises(RecordInvalid, match="panel"):
        services.complaint_respond(by=manager, complaint_id=c.pk, expected_version=c.version,
                                   responded_on=D(2026, 4, 20), outcome="upheld")
    c = services.complaint_record_panel(by=manager, complaint_id=c.pk, expected_version=c.version,
                                        panel_held_on=D(2026, 4, 20), panel_report_on=D(2026, 4, 24))
    c = services.complaint_respond(by=manager, complaint_id=c.pk, expected_version=c.version,
                                   responded_on=D(2026, 5, 5), outcome="upheld")
    clocks = _clocks(c)
    assert set(clocks) == {"CMP1", "CMP2", "CMP3", "CMP3R", "CMP3D"}
    assert all(not clk.is_open for clk in clocks.values())
    c = services.complaint_close(by=manager, complaint_id=c.pk, expected_version=c.version,
                                 closed_on=D(2026, 5, 6), learning="Return calls within a day.")
    with pytest.raises(RecordInvalid, match="last stage"):
        services.complaint_escalate(by=manager, complaint_id=c.pk, expected_version=c.version,
                                    requested_on=D(2026, 5, 7))


def test_rules_refuse_with_the_field_named(world, manager):
    """A child who complains is offered advocacy (Children Act 1989 s26A); an extension has a reason."""
    with pytest.raises(RecordInvalid) as refused:
        _record(manager, world, complainant_kind="child", advocacy_offered=False)
    assert "advocacy_offered" in {v.field for v in refused.value.violations}
    c = _record(manager, world)
    with pytest.raises(RecordInvalid) as refused:
        services.complaint_extend(by=manager, complaint_id=c.pk, expected_version=c.version,
                                  extended_on=D(2026, 3, 3), reason=" ")
    assert "extension_reason" in {v.field for v in refused.value.violations}
    with pytest.raises(RecordInvalid, match="investigating officer"):
        services.complaint_escalate(by=manager, complaint_id=c.pk, expected_version=c.version,
                                    requested_on=D(2026, 3, 20))


def test_a_stale_form_is_refused_and_every_write_is_audited_without_narrative(world, manager):
    c = _record(manager, world)
    first = c.version
    services.complaint_extend(by=manager, complaint_id=c.pk, expected_version=first,
                              extended_on=D(2026, 3, 3), reason="Awaiting the worker's return")
    with pytest.raises(EditConflict):
        services.complaint_respond(by=manager, complaint_id=c.pk, expected_version=first,
                                   responded_on=D(2026, 3, 12), outcome="upheld")
    rows = AuditEvent.objects.filter(detail__event__in=["complaint_record", "complaint_extend"])
    assert {r.detail["event"] for r in rows} == {"complaint_record", "complaint_extend"}
    created = rows.get(object_type="complaints.Complaint", action="create")
    assert created.child_id == world.own.pk
    assert created.detail["changes"]["summary"][1].startswith("[narrative")
    assert created.detail["changes"]["complainant_name"][1].startswith("[narrative")


def test_who_handles_complaints(world, manager):
    """The complaints manager handles the council's; a team manager only their teams'; a social
    worker none (the worker may be the one complained about)."""
    c = _record(world.tm_a, world)  # team A's manager, about team A
    assert selectors.complaint_page(world.tm_a).total == 1
    assert selectors.complaint_page(manager).total == 1
    assert selectors.complaint_page(world.tm_b).total == 0
    assert selectors.complaint_page(world.sw_a).total == 0
    with pytest.raises(PermissionDenied):
        services.complaint_respond(by=world.tm_b, complaint_id=c.pk, expected_version=c.version,
                                   responded_on=D(2026, 3, 12), outcome="upheld")
    with pytest.raises(PermissionDenied):
        _record(world.sw_a, world, reference="C-002")
    with pytest.raises(PermissionDenied):
        _record(world.tm_b, world, reference="C-003")  # not tm_b's team


def test_the_annual_report_counts_stages_in_time_outcomes_and_themes(world, manager):
    """Getting the Best from Complaints: an annual report of numbers by stage, in time, outcomes,
    themes and learning; compliments beside them. Financial year April 2026 to March 2027."""
    c = _record(manager, world, received_on=D(2026, 4, 1))
    c = services.complaint_respond(by=manager, complaint_id=c.pk, expected_version=c.version,
                                   responded_on=D(2026, 4, 10), outcome="upheld")
    services.complaint_close(by=manager, complaint_id=c.pk, expected_version=c.version,
                             closed_on=D(2026, 4, 11), learning="Answer calls the same day.")
    late = _record(manager, world, reference="C-002", received_on=D(2026, 5, 1), theme="delay",
                   complainant_kind="child", advocacy_offered=True, advocacy_accepted=True)
    services.complaint_respond(by=manager, complaint_id=late.pk, expected_version=late.version,
                               responded_on=D(2026, 6, 1), outcome="partly_upheld")
    services.compliment_record(by=manager, local_authority=world.la, received_on=D(2026, 6, 2),
                               from_kind="parent", summary="Thank you", team_id=world.own_team.pk)
    report = selectors.annual_report(manager, year=2026)
    stage1 = report.stages[0]
    assert (report.received, stage1.started, stage1.responded, stage1.in_time) == (2, 2, 2, 1)
    assert dict(stage1.outcomes) == {"Upheld": 1, "Partly upheld": 1, "Not upheld": 0}
    assert dict(report.themes)["Delay or missed timescales"] == 1
    assert (report.child_complainants, report.advocacy_offered, report.advocacy_accepted) == (1, 1, 1)
    assert report.compliments == 1 and report.closed == 1
    assert [x.reference for x in report.learning] == ["C-001"]
    assert selectors.annual_report(world.analyst, year=2026).learning == []  # figures only
