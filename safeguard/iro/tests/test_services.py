"""Practice alerts and the IRO's monitoring: every rule of the services and their pure checks.

Sources: Children Act 1989 s25B (the IRO monitors the case; may refer it to Cafcass, s25B(3)); IRO
Handbook 2010 ch. 3-4 (monitoring between reviews) and ch. 6 (informal resolution, then the
council's dispute resolution process); the stages and limits are the local [L] protocol."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from safeguard.audit.models import AuditEvent
from safeguard.core.errors import Checks, EditConflict, today
from safeguard.iro import checks as c
from safeguard.iro import services as s
from safeguard.iro.models import IROMonitoring, PracticeAlert, PracticeAlertStep
from safeguard.record.history import ChildHistory

D = dt.date
RAISED = D(2025, 3, 3)  # a Monday: the informal stage is due Monday 10 March
CONCERN = "The care plan has not been updated since the placement moved; no pathway to permanence."


def raise_alert(by, child, **fields):
    values = dict(by=by, child_id=child.pk, raised_on=RAISED, category="care_planning", concern=CONCERN,
                  raised_with_id=None, raised_with_name="")
    values.update(fields)
    return s.practice_alert_raise(**values)


def escalate(by, alert, on, **fields):
    alert.refresh_from_db()
    return s.practice_alert_escalate(by=by, alert_id=alert.pk, expected_version=alert.version,
                                     escalated_on=on, **fields)


def resolve(by, alert, on, resolution="put_right", **fields):
    alert.refresh_from_db()
    return s.practice_alert_resolve(by=by, alert_id=alert.pk, expected_version=alert.version,
                                    resolved_on=on, resolution=resolution, **fields)


# --- raising -----------------------------------------------------------------------------------------

def test_iro_raises_an_alert_informally_with_a_due_date_and_a_first_step(iro, worker, iro_child):
    """IRO Handbook 2010 ch. 6: informal resolution first; [L] 5 working days to respond."""
    alert = raise_alert(iro, iro_child, raised_with_id=worker.pk)
    alert.refresh_from_db()
    assert (alert.stage, alert.stage_started_on, alert.due_on) == ("informal", RAISED, D(2025, 3, 10))
    assert alert.raised_by == iro and alert.recorded_by == iro and alert.raised_with == worker
    step = alert.steps.get()
    assert (step.stage, step.started_on, step.due_on, step.raised_with_id) == (
        "informal", RAISED, D(2025, 3, 10), worker.pk)
    events = AuditEvent.objects.filter(detail__event="practice_alert_raise", child_id=iro_child.pk)
    assert events.count() == 2
    alert_row = events.get(object_type="iro.PracticeAlert")
    assert alert_row.detail["changes"]["concern"][1] == f"[narrative, {len(CONCERN)} characters]"
    assert CONCERN not in str(alert_row.detail)


def test_only_an_iro_raises_an_alert(worker, iro_child, refused):
    """IRO Handbook 2010 ch. 6: the practice alert is the IRO's (the allocated social worker may
    change the record, but not raise the IRO's alert)."""
    messages = refused("raised_by", raise_alert, by=worker, child=iro_child, raised_with_name="Team manager")
    assert any("only an IRO raises a practice alert" in m for m in messages)


def test_an_iro_not_allocated_to_the_child_may_not_raise_one(other_iro, iro_child):
    """Access policy: an IRO opens the children they are allocated to (least privilege)."""
    with pytest.raises(PermissionDenied):
        raise_alert(other_iro, iro_child, raised_with_name="Team manager")
    assert not PracticeAlert.objects.exists()


def test_an_alert_needs_its_category_concern_and_who_it_is_raised_with(iro, iro_child, refused):
    """[L] local protocol: the concern is stated, categorised and taken to someone."""
    refused("category", raise_alert, by=iro, child=iro_child, category="grumble", raised_with_name="TM")
    refused("concern", raise_alert, by=iro, child=iro_child, concern="   ", raised_with_name="TM")
    messages = refused("raised_with", raise_alert, by=iro, child=iro_child)
    assert any("Say who the concern is raised with" in m for m in messages)
    messages = refused("raised_with", raise_alert, by=iro, child=iro_child, raised_with_id=iro.pk)
    assert any("not with themselves" in m for m in messages)
    messages = refused("raised_with", raise_alert, by=iro, child=iro_child, raised_with_id=10**9)
    assert any("not a member of this council's staff" in m for m in messages)


def test_an_alert_is_not_dated_in_the_future_nor_before_the_child_was_born(iro, iro_child, refused):
    """Dates of what has happened are not in the future (local)."""
    refused("raised_on", raise_alert, by=iro, child=iro_child, raised_with_name="TM",
            raised_on=today() + dt.timedelta(days=1))
    messages = refused("raised_on", raise_alert, by=iro, child=iro_child, raised_with_name="TM",
                       raised_on=D(2014, 1, 1))
    assert any("before the child was born" in m for m in messages)


# --- monitoring --------------------------------------------------------------------------------------

def test_iro_records_monitoring_and_an_alert_follows_from_a_concern_found(iro, worker, iro_child):
    """IRO Handbook 2010 ch. 3-4: the IRO monitors between reviews; a concern found may become an
    alert (ch. 6)."""
    found = s.monitoring_record(by=iro, child_id=iro_child.pk, held_on=D(2025, 2, 28), kind="midway_review",
                                note="Midway check: the pathway plan has no actions.", concern_found=True)
    assert (found.iro, found.kind, found.concern_found) == (iro, "midway_review", True)
    alert = raise_alert(iro, iro_child, raised_with_id=worker.pk, monitoring_id=found.pk)
    assert alert.monitoring == found
    assert AuditEvent.objects.filter(detail__event="iro_monitoring_record").count() == 1


def test_only_an_iro_records_monitoring_dated_and_with_what_was_found(worker, iro, iro_child, refused):
    """Children Act 1989 s25B(1): the monitoring is the IRO's."""
    record = dict(child_id=iro_child.pk, held_on=D(2025, 2, 28), kind="child", note="Spoke to Alex.")
    messages = refused("iro", s.monitoring_record, by=worker, **record)
    assert any("only an IRO" in m for m in messages)
    refused("kind", s.monitoring_record, by=iro, **{**record, "kind": "gossip"})
    refused("note", s.monitoring_record, by=iro, **{**record, "note": " "})
    refused("held_on", s.monitoring_record, by=iro, **{**record, "held_on": today() + dt.timedelta(days=2)})


def test_an_alert_follows_only_from_monitoring_that_found_a_concern_before_it(iro, iro_child, refused):
    """IRO Handbook 2010 ch. 3-4 and 6 [L]: the alert is raised from what the monitoring found."""
    calm = s.monitoring_record(by=iro, child_id=iro_child.pk, held_on=D(2025, 2, 28), kind="carer",
                               note="All well.")
    messages = refused("monitoring", raise_alert, by=iro, child=iro_child, raised_with_name="TM",
                       monitoring_id=calm.pk)
    assert any("found no concern" in m for m in messages)
    later = s.monitoring_record(by=iro, child_id=iro_child.pk, held_on=D(2025, 3, 5), kind="child",
                                note="Alex has not seen their sister.", concern_found=True)
    messages = refused("monitoring", raise_alert, by=iro, child=iro_child, raised_with_name="TM",
                       monitoring_id=later.pk)
    assert any("before the monitoring" in m for m in messages)


# --- escalation --------------------------------------------------------------------------------------

def test_escalation_goes_stage_by_stage_to_cafcass_with_working_day_due_dates(iro, worker, manager,
                                                                               iro_child):
    """[L] local protocol: each formal stage due in 5 working days (Easter 2025's bank holidays not
    counted); Children Act 1989 s25B(3): referral to Cafcass last, with no local limit."""
    alert = raise_alert(iro, iro_child, raised_with_id=worker.pk)
    escalate(iro, alert, D(2025, 3, 11), raised_with_id=manager.pk)
    escalate(iro, alert, D(2025, 4, 15), raised_with_name="Service manager, Children in Care")
    escalate(iro, alert, D(2025, 4, 25), raised_with_name="Head of service")
    escalate(iro, alert, D(2025, 5, 2), raised_with_name="Director of children's services")
    escalate(iro, alert, D(2025, 5, 12), to_stage="cafcass")
    steps = list(PracticeAlertStep.objects.filter(alert=alert).order_by("started_on")
                 .values_list("stage", "started_on", "due_on"))
    assert steps == [
        ("informal", RAISED, D(2025, 3, 10)),
        ("stage_1", D(2025, 3, 11), D(2025, 3, 18)),
        ("stage_2", D(2025, 4, 15), D(2025, 4, 24)),
        ("stage_3", D(2025, 4, 25), D(2025, 5, 2)),
        ("stage_4", D(2025, 5, 2), D(2025, 5, 12)),  # 5 May 2025: early May bank holiday
        ("cafcass", D(2025, 5, 12), None),
    ]
    alert.refresh_from_db()
    assert (alert.stage, alert.due_on, alert.raised_with_id) == ("cafcass", None, None)
    assert alert.history.count() == 6  # raised, then five escalations: every version kept
    assert AuditEvent.objects.filter(detail__event="practice_alert_escalate").count() == 10


def test_stages_go_in_order(iro, worker, iro_child, refused):
    """[L] local protocol: no stage is skipped; IRO Handbook 2010 ch. 6: Cafcass is the last resort."""
    alert = raise_alert(iro, iro_child, raised_with_id=worker.pk)
    messages = refused("stage", escalate, by=iro, alert=alert, on=D(2025, 3, 11), to_stage="stage_3",
                       raised_with_name="Head of service")
    assert any("from informal resolution the alert goes to stage 1: team manager" in m for m in messages)
    messages = refused("stage", escalate, by=iro, alert=alert, on=D(2025, 3, 11), to_stage="cafcass")
    assert messages


def test_only_an_iro_escalates(iro, worker, manager, iro_child, refused):
    """IRO Handbook 2010 ch. 6: the IRO takes the concern through the process."""
    alert = raise_alert(iro, iro_child, raised_with_id=worker.pk)
    messages = refused("raised_by", escalate, by=worker, alert=alert, on=D(2025, 3, 11),
                       raised_with_id=manager.pk)
    assert any("only an IRO escalates" in m for m in messages)


def test_escalation_is_not_dated_before_the_stage_it_leaves_nor_in_the_future(iro, worker, manager,
                                                                             iro_child, refused):
    """Local: the date of escalation is on or after the current stage began, and not future."""
    alert = raise_alert(iro, iro_child, raised_with_id=worker.pk)
    messages = refused("stage_started_on", escalate, by=iro, alert=alert, on=D(2025, 2, 28),
                       raised_with_id=manager.pk)
    assert any("before the stage it leaves began (03/03/2025)" in m for m in messages)
    refused("stage_started_on", escalate, by=iro, alert=alert, on=today() + dt.timedelta(days=1),
            raised_with_id=manager.pk)


def test_a_resolved_alert_is_not_escalated(iro, worker, manager, iro_child, refused):
    """[L] local protocol: resolution ends the dispute."""
    alert = raise_alert(iro, iro_child, raised_with_id=worker.pk)
    resolve(iro, alert, D(2025, 3, 7))
    messages = refused("stage", escalate, by=iro, alert=alert, on=D(2025, 3, 11), raised_with_id=manager.pk)
    assert any("a resolved alert is not escalated" in m for m in messages)


def test_nothing_follows_a_referral_to_cafcass(iro, worker, iro_child, refused):
    """Children Act 1989 s25B(3): the referral to Cafcass is the last resort."""
    alert = raise_alert(iro, iro_child, raised_with_id=worker.pk)
    for day in (D(2025, 3, 11), D(2025, 3, 19), D(2025, 3, 27), D(2025, 4, 4), D(2025, 4, 14)):
        escalate(iro, alert, day, raised_with_name="The manager at the next stage")
    messages = refused("stage", escalate, by=iro, alert=alert, on=D(2025, 4, 28))
    assert any("Cafcass is the last stage" in m for m in messages)


def test_a_stale_escalation_is_refused(iro, worker, manager, iro_child):
    """Two people cannot silently overwrite each other (the record's unit of work)."""
    alert = raise_alert(iro, iro_child, raised_with_id=worker.pk)
    with pytest.raises(EditConflict):
        s.practice_alert_escalate(by=iro, alert_id=alert.pk, expected_version=alert.version + 1,
                                  escalated_on=D(2025, 3, 11), raised_with_id=manager.pk)


# --- responses ---------------------------------------------------------------------------------------

def test_the_person_raised_with_records_the_response_to_the_current_stage(iro, worker, manager, iro_child,
                                                                          refused):
    """[L] local protocol: each stage's response is recorded, dated, on that stage's step."""
    alert = raise_alert(iro, iro_child, raised_with_id=worker.pk)
    step = s.practice_alert_respond(by=worker, alert_id=alert.pk, expected_version=None,
                                    response="The plan will be updated at the next review.",
                                    responded_on=D(2025, 3, 7))
    assert (step.stage, step.responded_on) == ("informal", D(2025, 3, 7))
    escalate(iro, alert, D(2025, 3, 11), raised_with_id=manager.pk)
    messages = refused("responded_on", s.practice_alert_respond, by=manager, alert_id=alert.pk,
                       expected_version=None, response="Agreed.", responded_on=D(2025, 3, 10))
    assert any("before the stage began (11/03/2025)" in m for m in messages)
    refused("response", s.practice_alert_respond, by=manager, alert_id=alert.pk, expected_version=None,
            response=" ", responded_on=D(2025, 3, 12))
    step = s.practice_alert_respond(by=manager, alert_id=alert.pk, expected_version=None,
                                    response="Agreed: the plan is updated.", responded_on=D(2025, 3, 12))
    assert step.stage == "stage_1"
    assert [x.stage for x in PracticeAlertStep.objects.filter(alert=alert, responded_on__isnull=False)
            .order_by("started_on")] == ["informal", "stage_1"]


# --- resolution --------------------------------------------------------------------------------------

def test_resolution_within_the_stage_timescale_is_kept(iro, worker, iro_child):
    """[L] 5 working days: resolved by the current stage's due date is within timescale."""
    on_time = raise_alert(iro, iro_child, raised_with_id=worker.pk)
    resolve(iro, on_time, D(2025, 3, 10), resolution_note="Plan updated.")
    late = raise_alert(iro, iro_child, raised_with_id=worker.pk, category="statutory_visits")
    resolve(iro, late, D(2025, 3, 11), resolution="explained")
    on_time.refresh_from_db()
    late.refresh_from_db()
    assert (on_time.resolved_on, on_time.resolution, on_time.resolved_within_timescale) == (
        D(2025, 3, 10), "put_right", True)
    assert late.resolved_within_timescale is False


def test_only_an_iro_resolves_and_only_once_with_how_and_a_good_date(iro, worker, iro_child, refused):
    """IRO Handbook 2010 ch. 6: the IRO decides the concern is resolved; local date rules."""
    alert = raise_alert(iro, iro_child, raised_with_id=worker.pk)
    messages = refused("raised_by", resolve, by=worker, alert=alert, on=D(2025, 3, 7))
    assert any("only an IRO decides a practice alert is resolved" in m for m in messages)
    refused("resolution", resolve, by=iro, alert=alert, on=D(2025, 3, 7), resolution="")
    refused("resolution", resolve, by=iro, alert=alert, on=D(2025, 3, 7), resolution="cafcass")
    messages = refused("resolved_on", resolve, by=iro, alert=alert, on=D(2025, 3, 1))
    assert any("before the alert was raised (03/03/2025)" in m for m in messages)
    refused("resolved_on", resolve, by=iro, alert=alert, on=today() + dt.timedelta(days=1))
    resolve(iro, alert, D(2025, 3, 7))
    messages = refused("resolved_on", resolve, by=iro, alert=alert, on=D(2025, 3, 8))
    assert any("already resolved on 07/03/2025" in m for m in messages)


def test_resolution_after_cafcass_has_no_local_timescale(iro, worker, iro_child):
    """Children Act 1989 s25B(3): Cafcass is outside the council's [L] timescales."""
    alert = raise_alert(iro, iro_child, raised_with_id=worker.pk)
    for day in (D(2025, 3, 11), D(2025, 3, 19), D(2025, 3, 27), D(2025, 4, 4), D(2025, 4, 14)):
        escalate(iro, alert, day, raised_with_name="The manager at the next stage")
    resolve(iro, alert, D(2025, 6, 2), resolution="cafcass")
    alert.refresh_from_db()
    assert (alert.resolution, alert.resolved_within_timescale) == ("cafcass", None)


# --- the checks are pure -----------------------------------------------------------------------------

def test_the_checks_read_only_the_history_they_are_handed(iro, worker, iro_child, django_assert_num_queries):
    """The generator and importers run the same checks in memory: no query."""
    alert = raise_alert(iro, iro_child, raised_with_id=worker.pk)
    history = ChildHistory.load(iro_child.pk, lock=False)
    later = PracticeAlert(child=iro_child, raised_by=iro, raised_on=D(2025, 3, 11), category="health",
                          concern="x", stage="stage_2", stage_started_on=D(2025, 3, 1))
    checks = Checks()
    with django_assert_num_queries(0):
        c.check_practice_alert_escalate(history, later, checks, before=alert, by=worker)
        c.check_practice_alert_resolve(history, later, checks, before=alert, by=worker)
        c.check_practice_alert_raise(history, later, checks, by=worker)
        c.check_monitoring_record(history, IROMonitoring(child=iro_child, held_on=RAISED, kind="x", note=""),
                                  checks, by=worker)
    assert {v.field for v in checks.violations} >= {"raised_by", "stage", "stage_started_on", "kind", "note",
                                                   "iro", "resolution", "raised_with"}
