"""Who decides in child protection, and what a conference records.

Sources: Working Together to Safeguard Children 2023, ch. 3 (section 47 enquiries, child
protection conferences, core groups and plans: a conference is chaired by a practitioner
independent of operational or line management of the case, who records its decision; the outcome
of an enquiry is a management decision) and the council's local child protection procedures. The
rules are "local" (no DfE rule code) and apply at live entry, where a service passes `by`; the
CIN census importer and the synthetic council generator call the same checks without it."""

from __future__ import annotations

import datetime as dt

import pytest

from safeguard.assessment.selectors import decisions_awaiting
from safeguard.audit.models import AuditEvent
from safeguard.child_protection import checks as cpc
from safeguard.child_protection import selectors as sel
from safeguard.child_protection import services as cp
from safeguard.child_protection.models import (
    ChildProtectionPlan,
    Conference,
    ConferenceMinutes,
    CoreGroupMeeting,
    CoreGroupMinutes,
    Section47Decision,
    Section47Enquiry,
)
from safeguard.core.errors import Checks, EditConflict, RecordInvalid
from safeguard.front_door.models import Referral
from safeguard.people.models import Child
from safeguard.record.history import ChildHistory
from safeguard.workforce.models import User

D = dt.date
REF = D(2024, 1, 8)  # Monday
S47_START, MON_15, MON_22 = D(2024, 1, 9), D(2024, 1, 15), D(2024, 1, 22)
REVIEW = D(2024, 4, 8)
REASONS = "Significant harm through neglect; the parents have not engaged with the plan so far."


def snapshot() -> tuple:
    """Everything a refused save must leave untouched."""
    return (
        Section47Enquiry.objects.count(), Section47Decision.objects.count(),
        Conference.objects.count(), ConferenceMinutes.objects.count(),
        ChildProtectionPlan.objects.count(), CoreGroupMeeting.objects.count(),
        CoreGroupMinutes.objects.count(), AuditEvent.objects.count(),
        tuple(Section47Enquiry.objects.order_by("pk").values_list("version", "outcome")),
        tuple(ChildProtectionPlan.objects.order_by("pk").values_list("version", "end_date",
                                                                    "end_reason")),
        tuple(Section47Decision.objects.order_by("pk").values_list("version", "rationale")),
    )


def refused(field: str, fn, **kwargs) -> list[str]:
    """The save is refused with a "local" violation on `field`; nothing is stored. Returns the
    messages on that field."""
    before = snapshot()
    with pytest.raises(RecordInvalid) as exc:
        fn(**kwargs)
    on_field = [v for v in exc.value.violations if v.field == field]
    assert on_field, exc.value.violations
    assert {v.rule for v in on_field} == {"local"}
    assert snapshot() == before
    return [v.message for v in on_field]


@pytest.fixture
def referral(child):
    return Referral.objects.create(child=child, referral_date=REF, source="6")


@pytest.fixture
def other_iro(la):
    return User.objects.create_user(username="iro2", password="x", first_name="Ola",
                                    last_name="Chair", role=User.Role.IRO, local_authority=la)


def s47(worker, referral) -> Section47Enquiry:
    return cp.section47_start(by=worker, referral_id=referral.pk, start_date=S47_START)


def icpc(iro, referral, enquiry, **extra) -> Conference:
    return cp.conference_record(by=iro, referral_id=referral.pk, kind="initial", held_on=MON_15,
                                section47_id=enquiry.pk, plan_required=True, chair=iro, **extra)


def plan(worker, iro, referral) -> ChildProtectionPlan:
    conf = icpc(iro, referral, s47(worker, referral))
    return cp.cp_plan_start(by=iro, referral_id=referral.pk, start_date=MON_15,
                            initial_category="NEG", conference_id=conf.pk)


# --- the chair of a conference ---------------------------------------------------------------

def test_icpc_recorded_by_social_worker_with_no_chair_refused(worker, referral):
    """Working Together 2023 ch. 3: an initial child protection conference is chaired by an
    independent chair (IRO / CP chair); a social worker cannot record one with no chair."""
    enquiry = s47(worker, referral)
    messages = refused("chair", cp.conference_record, by=worker, referral_id=referral.pk,
                       kind="initial", held_on=MON_15, section47_id=enquiry.pk, plan_required=True)
    assert any("an initial child protection conference must be chaired by an IRO or CP chair" in m
               for m in messages)


def test_icpc_chaired_by_social_worker_refused(worker, referral):
    """Working Together 2023 ch. 3: the chair is an IRO / CP chair, not the case's worker."""
    enquiry = s47(worker, referral)
    messages = refused("chair", cp.conference_record, by=worker, referral_id=referral.pk,
                       kind="initial", held_on=MON_15, section47_id=enquiry.pk,
                       plan_required=True, chair=worker)
    assert any("must be chaired by an IRO or CP chair (Sam Worker is not one)" in m
               for m in messages)


def test_icpc_recorded_by_someone_other_than_its_chair_refused(worker, iro, other_iro, referral):
    """Working Together 2023 ch. 3 / local CP procedures: the chair records the conference's
    decision, so neither the social worker nor another IRO records it for them."""
    enquiry = s47(worker, referral)
    for by in (worker, other_iro):
        messages = refused("chair", cp.conference_record, by=by, referral_id=referral.pk,
                           kind="initial", held_on=MON_15, section47_id=enquiry.pk,
                           plan_required=True, chair=iro)
        assert any("only the conference chair can record its decision" in m for m in messages)


def test_transfer_in_and_review_conferences_need_an_iro_chair(worker, iro, child, referral):
    """Working Together 2023 ch. 3: transfer-in and review conferences are chaired by an IRO /
    CP chair, like the initial conference."""
    ref = Referral.objects.create(child=child, referral_date=D(2023, 6, 5), source="6",
                                  is_transfer_in_request=True)
    messages = refused("chair", cp.conference_record, by=worker, referral_id=ref.pk,
                       kind="transfer_in", held_on=D(2023, 6, 12), notification_date=D(2023, 6, 5),
                       plan_required=True)
    assert any("a transfer-in child protection conference must be chaired" in m for m in messages)
    p = plan(worker, iro, referral)
    messages = refused("chair", cp.conference_record, by=worker, referral_id=referral.pk,
                       kind="review", held_on=REVIEW, cp_plan_id=p.pk)
    assert any("a review child protection conference must be chaired" in m for m in messages)
    review = cp.conference_record(by=iro, referral_id=referral.pk, kind="review", held_on=REVIEW,
                                  cp_plan_id=p.pk, chair=iro)
    assert review.chair_id == iro.pk


def test_importer_and_generator_path_keeps_old_behaviour(worker, referral,
                                                         django_assert_num_queries):
    """The CIN census carries no chair: `check_conference_record` without `by` (as the importer
    and the generator call it) applies no chair rule, and stays pure (no query)."""
    enquiry = s47(worker, referral)
    history = ChildHistory.load(referral.child_id)
    candidate = Conference(referral_id=referral.pk, kind="initial", held_on=MON_15,
                           section47_id=enquiry.pk, plan_required=True)
    checks = Checks()
    with django_assert_num_queries(0):
        cpc.check_conference_record(history, candidate, checks)
    assert checks.violations == []
    with django_assert_num_queries(0):
        cpc.check_conference_record(history, candidate, checks, by=worker)
    assert {v.field for v in checks.violations} == {"chair"}


# --- the minutes -----------------------------------------------------------------------------

def test_icpc_by_its_chair_with_minutes(worker, iro, referral):
    """Working Together 2023 ch. 3: the conference records who was invited and attended, the
    agencies, the child's participation and views, and the decision with its reasons. The words
    are kept with the conference (attached) and never copied into the audit."""
    conf = icpc(iro, referral, s47(worker, referral), invited="Mother; father; school; GP",
                attended="Mother; school; health visitor", apologies="GP (report sent)",
                agencies=["school", "health_visitor", "childrens_social_care"],
                child_participation="conveyed", child_views="Wants to stay at home with mum.",
                decision="plan_needed", decision_reasons=REASONS)
    minutes = ConferenceMinutes.objects.get(conference=conf)
    assert minutes.agencies == ["school", "health_visitor", "childrens_social_care"]
    assert (minutes.decision, minutes.decision_reasons) == ("plan_needed", REASONS)
    assert minutes.recorded_by_id == iro.pk and conf.chair_id == iro.pk
    row = AuditEvent.objects.get(object_type="child_protection.ConferenceMinutes")
    assert row.detail["event"] == "conference_record"
    assert row.detail["changes"]["child_views"][1].startswith("[narrative")
    assert "Wants to stay" not in str(row.detail)


def test_conference_without_minutes_stores_none(worker, iro, referral):
    """All the minutes' arguments are optional: a conference recorded without them has none."""
    icpc(iro, referral, s47(worker, referral))
    assert ConferenceMinutes.objects.count() == 0


@pytest.mark.parametrize(("field", "extra"), [
    ("agencies", {"agencies": ["police", "fire_service"]}),
    ("agencies", {"agencies": ["police", "police"]}),
    ("child_participation", {"child_participation": "maybe"}),
    ("decision", {"decision": "plan_not_needed", "decision_reasons": REASONS}),
    ("decision", {"decision": "continue_plan", "decision_reasons": REASONS}),
    ("decision_reasons", {"decision": "plan_needed", "decision_reasons": "see notes"}),
    ("progress", {"progress": "Good progress on the home conditions."}),
])
def test_minutes_that_do_not_fit_the_conference_refused(worker, iro, referral, field, extra):
    """Working Together 2023 ch. 3: the conference's decision (a plan needed or not, at an
    initial conference) agrees with what it decided and comes with its reasons; agencies and the
    child's participation are from their lists; progress is reviewed at a review conference."""
    enquiry = s47(worker, referral)
    refused(field, cp.conference_record, by=iro, referral_id=referral.pk, kind="initial",
            held_on=MON_15, section47_id=enquiry.pk, plan_required=True, chair=iro, **extra)


def test_minutes_written_later_by_the_chair_only(worker, iro, other_iro, referral):
    """Local CP procedures: the chair writes up the conference's minutes after it; nobody else
    does, and a stale correction is refused."""
    conf = icpc(iro, referral, s47(worker, referral))
    for by in (worker, other_iro):
        refused("chair", cp.conference_minutes_record, by=by, conference_id=conf.pk,
                attended="Mother; school")
    minutes = cp.conference_minutes_record(by=iro, conference_id=conf.pk, attended="Mother; school",
                                           decision="plan_needed", decision_reasons=REASONS)
    updated = cp.conference_minutes_record(by=iro, conference_id=conf.pk,
                                           expected_version=minutes.version, apologies="GP")
    assert (updated.attended, updated.apologies, updated.version) == ("Mother; school", "GP", 2)
    with pytest.raises(EditConflict):
        cp.conference_minutes_record(by=iro, conference_id=conf.pk,
                                     expected_version=minutes.version, apologies="GP, police")
    with pytest.raises(TypeError):
        cp.conference_minutes_record(by=iro, conference_id=conf.pk, chair=worker)


# --- a plan starts from the conference's decision, recorded by its chair ---------------------

def test_plan_started_by_someone_other_than_the_chair_refused(worker, iro, other_iro, manager,
                                                             referral):
    """Working Together 2023 ch. 3: a CP plan starts only from the decision of an initial (or
    transfer-in) conference, recorded by its chair."""
    conf = icpc(iro, referral, s47(worker, referral))
    for by in (worker, manager, other_iro):
        messages = refused("chair", cp.cp_plan_start, by=by, referral_id=referral.pk,
                           start_date=MON_15, initial_category="NEG", conference_id=conf.pk)
        assert any("only the chair of the conference that decided the plan" in m for m in messages)
    p = cp.cp_plan_start(by=iro, referral_id=referral.pk, start_date=MON_15,
                         initial_category="NEG")  # the deciding conference found by its date
    conf.refresh_from_db()
    assert conf.cp_plan_id == p.pk


def test_plan_from_a_conference_with_no_chair_needs_an_iro(worker, iro, referral):
    """Local CP procedures: a conference on file with no chair (imported, or older) has its plan
    started by an IRO / CP chair, never by the social worker alone."""
    enquiry = s47(worker, referral)
    conf = Conference.objects.create(referral=referral, kind="initial", held_on=MON_15,
                                     section47=enquiry, plan_required=True)
    refused("chair", cp.cp_plan_start, by=worker, referral_id=referral.pk, start_date=MON_15,
            initial_category="NEG", conference_id=conf.pk)
    assert cp.cp_plan_start(by=iro, referral_id=referral.pk, start_date=MON_15,
                            initial_category="NEG", conference_id=conf.pk).pk


# --- the outcome of a section 47 enquiry: submitted by the worker, decided by the manager ------

def test_s47_outcome_by_social_worker_refused(worker, referral):
    """Working Together 2023 ch. 3 (management oversight): the outcome of a section 47 enquiry is
    decided by a team manager, not the worker who carried it out."""
    enquiry = s47(worker, referral)
    messages = refused("outcome", cp.section47_record_outcome, by=worker, section47_id=enquiry.pk,
                       expected_version=enquiry.version, end_date=D(2024, 1, 12), outcome="icpc",
                       icpc_not_required=False, rationale=REASONS)
    assert any("decided by a team manager" in m for m in messages)


def test_s47_outcome_without_rationale_refused(worker, manager, referral):
    """Working Together 2023 ch. 3: the manager's decision is recorded with its rationale."""
    enquiry = s47(worker, referral)
    refused("rationale", cp.section47_record_outcome, by=manager, section47_id=enquiry.pk,
            expected_version=enquiry.version, end_date=D(2024, 1, 12), outcome="icpc",
            icpc_not_required=False, rationale="agreed")


def test_s47_submitted_by_worker_then_decided_by_manager(worker, manager, referral):
    """Working Together 2023 ch. 3: the worker submits the findings and a proposed outcome; the
    manager decides, with their rationale; both are kept with the enquiry, and the manager's queue
    lists the enquiry until it is decided."""
    enquiry = s47(worker, referral)
    refused("findings", cp.section47_submit, by=worker, section47_id=enquiry.pk,
            expected_version=enquiry.version, findings="tbc", proposed_outcome="icpc")
    refused("proposed_outcome", cp.section47_submit, by=worker, section47_id=enquiry.pk,
            expected_version=enquiry.version, findings=REASONS, proposed_outcome="")
    submitted = cp.section47_submit(by=worker, section47_id=enquiry.pk,
                                    expected_version=enquiry.version, findings=REASONS,
                                    proposed_outcome="icpc")
    assert (submitted.submitted_by_id, submitted.proposed_outcome) == (worker.pk, "icpc")
    assert list(decisions_awaiting(manager).section47s) == [enquiry]
    assert list(decisions_awaiting(worker).section47s) == []
    decided = cp.section47_record_outcome(by=manager, section47_id=enquiry.pk,
                                          expected_version=enquiry.version, end_date=D(2024, 1, 12),
                                          outcome="icpc", icpc_not_required=False,
                                          rationale="Agree: threshold for an ICPC is met.")
    assert decided.outcome == "icpc"
    record = Section47Decision.objects.get(section47=enquiry)
    assert (record.findings, record.submitted_by_id, record.decided_by_id) == (
        REASONS, worker.pk, manager.pk)
    assert record.rationale == "Agree: threshold for an ICPC is met." and record.decided_at
    assert list(decisions_awaiting(manager).section47s) == []
    refused("proposed_outcome", cp.section47_submit, by=worker, section47_id=enquiry.pk,
            expected_version=decided.version, findings=REASONS, proposed_outcome="nfa")
    rows = AuditEvent.objects.filter(object_type="child_protection.Section47Decision")
    assert {r.detail["event"] for r in rows} == {"section47_submit", "section47_record_outcome"}
    assert REASONS not in str([r.detail for r in rows])


def test_s47_decided_by_manager_without_submission(worker, manager, referral):
    """The manager may decide an enquiry that was not submitted; the rationale is kept."""
    enquiry = s47(worker, referral)
    cp.section47_record_outcome(by=manager, section47_id=enquiry.pk, expected_version=1,
                                end_date=D(2024, 1, 12), outcome="nfa", icpc_not_required=True,
                                rationale="No evidence of significant harm was found.")
    record = Section47Decision.objects.get(section47=enquiry)
    assert (record.submitted_at, record.decided_by_id) == (None, manager.pk)


# --- the end of a plan, with its reason -------------------------------------------------------

def test_plan_end_without_reason_refused(worker, iro, referral):
    """Working Together 2023 ch. 3: a plan ends at a review conference that decides the child is
    no longer at risk of significant harm (or on moving away, becoming looked after, turning 18):
    the reason is recorded."""
    p = plan(worker, iro, referral)
    messages = refused("end_reason", cp.cp_plan_end, by=iro, cp_plan_id=p.pk,
                       expected_version=p.version, end_date=REVIEW)
    assert any("reason the plan ended is required" in m for m in messages)
    refused("end_detail", cp.cp_plan_end, by=iro, cp_plan_id=p.pk, expected_version=p.version,
            end_date=REVIEW, end_reason="other")


def test_plan_end_by_social_worker_refused(worker, iro, referral):
    """Working Together 2023 ch. 3: ending a plan is the review conference's decision, recorded by
    its chair (IRO / CP chair) or a team manager, not the social worker alone."""
    p = plan(worker, iro, referral)
    messages = refused("end_reason", cp.cp_plan_end, by=worker, cp_plan_id=p.pk,
                       expected_version=p.version, end_date=REVIEW,
                       end_reason="no_longer_at_risk")
    assert any("the IRO or CP chair, or a team manager" in m for m in messages)


def test_plan_ended_with_reason_by_chair_or_manager(worker, iro, manager, referral):
    """Working Together 2023 ch. 3: the plan's end and its reason are kept; the detail of an
    'other' reason stays out of the audit."""
    p = plan(worker, iro, referral)
    p = cp.cp_plan_end(by=iro, cp_plan_id=p.pk, expected_version=p.version, end_date=REVIEW,
                       end_reason="no_longer_at_risk")
    assert (p.end_date, p.end_reason) == (REVIEW, "no_longer_at_risk")
    p = cp.cp_plan_end(by=manager, cp_plan_id=p.pk, expected_version=p.version, end_date=REVIEW,
                       end_reason="other", end_detail="Family moved abroad ")
    assert (p.end_reason, p.end_detail) == ("other", "Family moved abroad")
    row = AuditEvent.objects.filter(detail__event="cp_plan_end").order_by("pk").last()
    assert "abroad" not in str(row.detail)


def test_plan_end_reached_18_before_birthday_refused(worker, iro, referral):
    """Local rule: 'reached 18' cannot end a plan before the child's 18th birthday."""
    p = plan(worker, iro, referral)
    refused("end_reason", cp.cp_plan_end, by=iro, cp_plan_id=p.pk, expected_version=p.version,
            end_date=REVIEW, end_reason="reached_18")


def test_plan_end_check_without_by_keeps_old_behaviour(worker, iro, referral,
                                                       django_assert_num_queries):
    """The importer and the generator end plans with `check_cp_plan_end` and no `by`: no reason is
    required of a CIN census return (it carries none); the check stays pure."""
    p = plan(worker, iro, referral)
    history = ChildHistory.load(referral.child_id)
    candidate = history.for_edit("cp_plans", p.pk, p.version)
    candidate.end_date = REVIEW
    checks = Checks()
    with django_assert_num_queries(0):
        cpc.check_cp_plan_end(history, candidate, checks)
    assert checks.violations == []
    with django_assert_num_queries(0):
        cpc.check_cp_plan_end(history, candidate, checks, by=worker)
    assert {v.field for v in checks.violations} == {"end_reason"}


# --- core groups -----------------------------------------------------------------------------

def test_core_groups_with_who_attended_and_progress(worker, iro, referral):
    """Working Together 2023 ch. 3: the core group meets within 10 working days of the ICPC and
    then regularly, recording who attended and progress against the plan (attached words)."""
    p = plan(worker, iro, referral)
    first = cp.core_group_record(by=worker, cp_plan_id=p.pk, held_on=MON_22,
                                 attended="Mother; school; health visitor",
                                 progress="Plan agreed; home conditions improving.")
    later = cp.core_group_record(by=worker, cp_plan_id=p.pk, held_on=D(2024, 2, 26))
    assert CoreGroupMinutes.objects.get(meeting=first).attended.startswith("Mother")
    assert not CoreGroupMinutes.objects.filter(meeting=later).exists()
    row = AuditEvent.objects.get(object_type="child_protection.CoreGroupMinutes")
    assert "Mother" not in str(row.detail)


# --- the page's reads ------------------------------------------------------------------------

def test_conference_detail_in_a_fixed_number_of_queries(worker, iro, referral,
                                                        django_assert_num_queries):
    """The conference page reads the conference, its minutes and chair at once; someone the
    access policy does not open the child to gets nothing."""
    conf = icpc(iro, referral, s47(worker, referral), agencies=["police", "gp"],
                decision="plan_needed", decision_reasons=REASONS)
    iro = User.objects.get(pk=iro.pk)  # a fresh request's user
    with django_assert_num_queries(1):  # one query (a team role adds one: its teams, per request)
        detail = sel.conference_detail(iro, conf.pk)
        assert (detail.chair.pk, detail.minutes.decision) == (iro.pk, "plan_needed")
        assert detail.agencies == ("Police", "GP")
        assert detail.conference.referral.child.pk == referral.child_id
    lado = User.objects.create_user(username="lado1", password="x", role=User.Role.LADO,
                                    local_authority=iro.local_authority)
    assert sel.conference_detail(lado, conf.pk) is None
    bare = icpc_without_minutes(worker, iro, referral)
    assert sel.conference_detail(iro, bare.pk).minutes is None


def icpc_without_minutes(worker, iro, referral) -> Conference:
    """A second episode's initial conference, with no minutes."""
    Referral.objects.filter(pk=referral.pk).update(closure_date=D(2024, 1, 31),
                                                   reason_for_closure="RC7")
    child = Child.objects.get(pk=referral.child_id)
    second = Referral.objects.create(child=child, referral_date=D(2024, 2, 5), source="6")
    enquiry = cp.section47_start(by=worker, referral_id=second.pk, start_date=D(2024, 2, 6))
    return cp.conference_record(by=iro, referral_id=second.pk, kind="initial",
                                held_on=D(2024, 2, 12), section47_id=enquiry.pk,
                                plan_required=False, chair=iro)
