"""The steps of a child's journey a practitioner records from the child's page. Each step names
its form, the record it acts on (found from the child's history), who may take it, and the
service that saves it. A step is offered only when its record is there to act on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone

from safeguard.access import policy
from safeguard.assessment import services as assessment
from safeguard.casework import plans
from safeguard.child_protection import services as cp
from safeguard.core.errors import EditConflict, now, today
from safeguard.front_door import services as front_door
from safeguard.iro import services as iro
from safeguard.looked_after import services as looked_after
from safeguard.looked_after.checks import open_episode
from safeguard.people import services as people
from safeguard.record.history import ChildHistory
from safeguard.workforce import services as workforce
from safeguard.workforce.models import Allocation

from . import forms as f

RECORD, AUTHORISE = "record", "authorise"
# The IRO's own oversight of the child's case between reviews (Children Act 1989 s25B).
IRO = "iro"
# Any other `who` is a code of the council's table of decisions (`access.policy.DECISION_DEFAULTS`):
# who decides is read from that table, never stated here (issue 17).


def may_take(step: Step, user) -> bool:
    """Whether this user may take this step (the services refuse anyone else with a message that
    says whose decision it is)."""
    if step.who == RECORD:
        return True
    if step.who == AUTHORISE:  # allocating work is the team manager's
        return policy.can_authorise(user)
    if step.who == IRO:
        return policy.role_of(user) == policy.IRO
    return policy.may_decide(user, step.who)


def refused(step: Step) -> str:
    """Whose step this is, for the user who may not take it."""
    if step.who == AUTHORISE:
        return "allocating work is a team manager's decision"
    if step.who == IRO:
        return "this is the independent reviewing officer's to record"
    return policy.deciders(step.who)


# What a step's form carries from when it was read (issue 15, finding 5): the primary key of the
# record it acts on (a form for record A is not saved against record B), and for a step that changes
# that record, the version read too (a form opened earlier and saved later is refused, not let
# overwrite a colleague's save in between). A step on the child named in the address that only adds
# a record of its own carries nothing.
PK, VERSION = "pk", "version"


def _open_referral(h):
    return next((r for r in reversed(h.referrals) if r.closure_date is None), None)


def _undecided_contact(h):
    return next((c for c in reversed(h.contacts) if not c.decision), None)


def _awaiting_response(h):
    r = _open_referral(h)
    return r if r is not None and not r.response else None


def _referral_with_response(h):
    r = _open_referral(h)
    return r if r is not None and r.response else None


def _assessment_in(h, statuses):
    r = _open_referral(h)
    return next((a for a in reversed(h.assessments) if r is not None and a.referral_id == r.pk
                 and a.authorisation_date is None and a.status in statuses), None)


def _assessment_to_write(h):
    """The open episode's assessment the worker is writing (a draft, or returned to them)."""
    return _assessment_in(h, ("draft", "returned"))


def _submitted_assessment(h):
    return _assessment_in(h, ("submitted",))


def _open_s47(h):
    r = _open_referral(h)
    return next(
        (s for s in reversed(h.section47s) if r is not None and s.referral_id == r.pk and s.end_date is None),
        None,
    )


def _s47_awaiting_conference(h):
    r = _open_referral(h)
    held = {c.section47_id for c in h.conferences}
    return next(
        (
            s
            for s in reversed(h.section47s)
            if r is not None and s.referral_id == r.pk and s.outcome == "icpc" and s.pk not in held
        ),
        None,
    )


def _conference_awaiting_plan(h):
    r = _open_referral(h)
    return next(
        (
            c
            for c in reversed(h.conferences)
            if r is not None
            and c.referral_id == r.pk
            and c.kind in ("initial", "transfer_in")
            and c.plan_required
            and c.cp_plan_id is None
        ),
        None,
    )


def _open_cp_plan(h):
    return next((p for p in reversed(h.cp_plans) if p.end_date is None), None)


def _open_period(h):
    return next((p for p in reversed(h.periods) if p.end_date is None), None)


def _referral_for_cin_plan(h):
    """The open episode that led to action (an assessment or a strategy discussion) with no CIN
    or CP plan running in it: a child is on one plan at a time (CIN census 4001, 4004)."""
    r = _open_referral(h)
    if r is None or r.referral_nfa or r.response not in ("assessment", "strategy"):
        return None
    running = [p for p in h.cin_plans + h.cp_plans if p.referral_id == r.pk and p.end_date is None]
    return None if running else r


def _open_cin_plan(h):
    return next((p for p in reversed(h.cin_plans) if p.end_date is None), None)


def _not_looked_after(h):
    """A born child not in care now: the one who can start a period of care."""
    return h.child if _open_period(h) is None and h.child.date_of_birth else None


def _open_care_episode(h):
    """The episode a change of placement or legal status ends. The child's page reads the
    periods of care but not their episodes, so there the open period stands for it."""
    period = _open_period(h)
    if period is None:
        return None
    return open_episode(h, period.pk) or period


def _transfer_in_awaiting_conference(h):
    """An episode opened on another council's transfer request, with no transfer-in conference yet (T06)."""
    r = _open_referral(h)
    if r is None or not r.is_transfer_in_request:
        return None
    held = any(c.referral_id == r.pk and c.kind == "transfer_in" for c in h.conferences)
    return None if held else r


def _health_assessment_requested(h):
    """The oldest health assessment requested and not yet done (Promoting the health and
    well-being of looked-after children, 2015)."""
    return next((a for a in h.health_assessments if a.requested_date and not a.completed_date), None)


def _open_missing(h):
    return next((m for m in reversed(h.missing) if m.end_date is None), None)


def _return_interview_due(h):
    """The latest return from missing whose interview is not yet held or declined (T14)."""
    return next((m for m in reversed(h.missing) if m.kind == "M" and m.end_date is not None
                 and m.return_interview_held_on is None and m.return_interview_accepted is not False), None)


def _care_leaver(h):
    """A young person who was looked after and is not now: the personal adviser keeps in touch."""
    return h.child if h.periods and _open_period(h) is None else None


def _pathway_plan_child(h):
    """A young person with a pathway plan: looked after from 16 (an eligible child) or a care
    leaver (Care Leavers (England) Regulations 2010 reg 6; Children Act 1989 Sch 2 para 19B)."""
    if _care_leaver(h) is not None:
        return h.child
    sixteen = plans.sixteenth_birthday(h.child)
    return h.child if _open_period(h) is not None and sixteen and sixteen <= today() else None


def _needs_iro(h):
    """Looked after (Children Act 1989 s25A), on a child protection plan, or awaiting a conference,
    which an IRO or CP chair must chair (Working Together 2023 ch. 3)."""
    return (_open_period(h) or _open_cp_plan(h) or _s47_awaiting_conference(h)
            or _transfer_in_awaiting_conference(h))


def _latest_sd(h, referral):
    return next(
        (s for s in reversed(h.strategy_discussions) if s.referral_id == referral.pk and s.s47_initiated),
        None,
    )


def _child(h):
    return h.child


def _allocation_or_child(h):
    """What a new allocation replaces: the open social-worker allocation, or the child if none."""
    held = Allocation.objects.filter(child=h.child, kind=Allocation.Kind.SOCIAL_WORKER, end_date__isnull=True)
    return held.order_by("-pk").first() or h.child


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    form: type | None
    target: Callable  # history -> record or None
    save: Callable | None  # (user, history, target, cleaned, version read or None) -> saved record
    carries: str | None  # PK, VERSION or None: see above; each step says why
    who: str = RECORD
    initial: Callable = lambda target: {}  # noqa: E731
    form_kwargs: bool = False  # the form needs the council (choice of staff)
    # Where the rules name a field differently from this form: a change of episode is one date typed
    # (the new DECOM) that the rules also check as the ending episode's DEC; the end of care is the
    # DEC the rules also call the period's end date.
    field_aliases: dict = field(default_factory=dict)
    # A step with a page of its own (the assessment's task list, a plan): its address, given the
    # child and the target; the step's address sends the user there.
    page: Callable | None = None


def _episode_now(t) -> dict:
    """The open episode's items, for the worker to change only what changed."""
    items = (
        "legal_status",
        "category_of_need",
        "placement",
        "placement_provider",
        "placement_postcode",
        "urn",
    )
    return {"decom": today(), **{k: getattr(t, k, "") for k in items}}


def _unchanged(h, target, version: int) -> None:
    """For the steps whose services change a record but take no version (ending an episode or a
    period of care): refuse if the record changed since the form was read. The child's row is locked
    for this transaction first, as every service does before it saves, so no save about this child
    can come between this check and the service's own (which takes the same lock again)."""
    held = ChildHistory.load(h.child.pk).on_file(target)
    if held is None or held.version != version:
        raise EditConflict(held or target, version)


def _episode_change(u, h, t, d, v):
    _unchanged(h, t, v)
    return looked_after.episode_change(
        by=u,
        child_id=h.child.pk,
        change_date=d["decom"],
        rne=d["rne"],
        legal_status=d["legal_status"],
        placement=d["placement"],
        placement_provider=d["placement_provider"],
        placement_postcode=d["placement_postcode"],
        urn=d["urn"],
        reason_place_change=d["reason_place_change"],
        category_of_need=d["category_of_need"] or None,
    )


def _care_end(u, h, t, d, v):
    _unchanged(h, t, v)
    return looked_after.period_of_care_end(
        by=u, child_id=h.child.pk, end_date=d["dec"], reason_ceased=d["rec"]
    )


def _minutes(d) -> dict:
    """What a conference form's minutes fields hold, as the service takes them."""
    return {k: d[k] for k in ("invited", "attended", "apologies", "agencies", "child_participation",
                              "child_views")}


def _now():
    return timezone.localtime(now()).replace(second=0, microsecond=0, tzinfo=None)


def _today(_target=None):
    return {"start_date": today()}


STEPS: dict[str, Step] = {
    s.key: s
    for s in [
        Step(
            "contact",
            "Record a contact",
            f.ContactForm,
            _child,
            lambda u, h, t, d, v: front_door.contact_record(by=u, child_id=h.child.pk, **d),
            carries=None,  # adds a contact to the child in the address; no change to the child alters it
            initial=lambda t: {"received_at": _now()},
        ),
        Step(
            "contact-decision",
            "Decide on the contact",
            f.ContactDecisionForm,
            _undecided_contact,
            lambda u, h, t, d, v: front_door.contact_decide(
                by=u, contact_id=t.pk, expected_version=v, **d
            ),
            carries=VERSION,  # changes the contact
            who=policy.CONTACT_DECISION,
            initial=lambda t: {"decided_at": _now()},
        ),
        Step(
            "referral-response",
            "Decide the response to the referral",
            f.ReferralResponseForm,
            _awaiting_response,
            lambda u, h, t, d, v: front_door.referral_record_response(
                by=u, referral_id=t.pk, expected_version=v, **d
            ),
            carries=VERSION,  # changes the referral
            who=policy.REFERRAL_RESPONSE,
            initial=lambda t: {"response_date": today()},
        ),
        Step(
            "primary-need",
            "Record the primary need",
            f.PrimaryNeedForm,
            _open_referral,
            lambda u, h, t, d, v: front_door.referral_set_primary_need(
                by=u, referral_id=t.pk, expected_version=v, **d
            ),
            carries=VERSION,  # changes the referral
        ),
        Step(
            "assessment",
            "Start a child and family assessment",
            f.AssessmentStartForm,
            _referral_with_response,
            lambda u, h, t, d, v: assessment.assessment_start(by=u, referral_id=t.pk, **d),
            carries=PK,  # adds to this referral; a closed one is no longer offered
            initial=_today,
        ),
        Step(
            "assessment-write",
            "Write the assessment",
            None,
            _assessment_to_write,
            None,
            carries=None,  # a page of its own: the assessment's task list
            page=lambda c, t: reverse("web:assessment", args=[c.pk, t.pk]),
        ),
        Step(
            "assessment-decision",
            "Authorise or return the assessment",
            None,
            _submitted_assessment,
            None,
            carries=None,  # a page of its own, which carries the assessment's version
            who=policy.ASSESSMENT_AUTHORISATION,
            page=lambda c, t: reverse("web:assessment_decide", args=[c.pk, t.pk]),
        ),
        Step(
            "cin-plan-start",
            "Start a child in need plan",
            f.CINPlanStartForm,
            _referral_for_cin_plan,
            lambda u, h, t, d, v: assessment.cin_plan_start(by=u, referral_id=t.pk, **d),
            carries=PK,  # adds to this referral; a plan started meanwhile is refused by the rules
            initial=_today,
        ),
        Step(
            "cin-plan-end",
            "End the child in need plan",
            f.CINPlanEndForm,
            _open_cin_plan,
            lambda u, h, t, d, v: assessment.cin_plan_end(
                by=u, cin_plan_id=t.pk, expected_version=v, **d
            ),
            carries=VERSION,  # changes the plan
            initial=lambda t: {"end_date": today()},
        ),
        Step(
            "strategy-discussion",
            "Record a strategy discussion",
            f.StrategyDiscussionForm,
            _referral_with_response,
            lambda u, h, t, d, v: cp.strategy_discussion_record(
                by=u,
                referral_id=t.pk,
                held_on=d["held_on"],
                s47_initiated=bool(f.yes_no(d["s47_initiated"])),
                attendees=d["attendees"],
            ),
            carries=PK,  # adds to this referral
            initial=lambda t: {"held_on": today()},
        ),
        Step(
            "section47",
            "Start a section 47 enquiry",
            f.Section47StartForm,
            _referral_with_response,
            lambda u, h, t, d, v: cp.section47_start(
                by=u,
                referral_id=t.pk,
                start_date=d["start_date"],
                strategy_discussion_id=getattr(_latest_sd(h, t), "pk", None),
            ),
            carries=PK,  # adds to this referral
            initial=_today,
        ),
        Step(
            "section47-submit",
            "Submit the section 47 findings for a decision",
            f.Section47SubmitForm,
            _open_s47,
            lambda u, h, t, d, v: cp.section47_submit(by=u, section47_id=t.pk, expected_version=v, **d),
            carries=VERSION,  # the findings are of the enquiry as the worker read it
        ),
        Step(
            "section47-outcome",
            "Decide the section 47 outcome",
            f.Section47OutcomeForm,
            _open_s47,
            lambda u, h, t, d, v: cp.section47_record_outcome(
                by=u,
                section47_id=t.pk,
                expected_version=v,
                end_date=d["end_date"],
                outcome=d["outcome"],
                icpc_not_required=bool(f.yes_no(d["icpc_not_required"])),
                rationale=d["rationale"],
            ),
            carries=VERSION,  # changes the enquiry
            who=policy.SECTION47_OUTCOME,
            initial=lambda t: {"end_date": today()},
        ),
        Step(
            "icpc",
            "Record the initial child protection conference",
            f.ConferenceForm,
            _s47_awaiting_conference,
            lambda u, h, t, d, v: cp.conference_record(
                by=u,
                referral_id=t.referral_id,
                kind="initial",
                held_on=d["held_on"],
                section47_id=t.pk,
                plan_required=f.yes_no(d["plan_required"]),
                chair=u,
                decision="plan_needed" if f.yes_no(d["plan_required"]) else "plan_not_needed",
                decision_reasons=d["decision_reasons"],
                **_minutes(d),
            ),
            carries=PK,  # adds a conference on this enquiry, which is settled once its outcome is in
            who=policy.CONFERENCE,
            initial=lambda t: {"held_on": today()},
        ),
        Step(
            "cp-plan",
            "Start the child protection plan",
            f.CPPlanForm,
            _conference_awaiting_plan,
            lambda u, h, t, d, v: cp.cp_plan_start(by=u, referral_id=t.referral_id, conference_id=t.pk, **d),
            carries=PK,  # adds a plan on this conference; conferences are not edited here
            who=policy.CP_PLAN_START,
            initial=lambda t: {"start_date": t.held_on},
        ),
        Step(
            "review-conference",
            "Record a review child protection conference",
            f.ReviewConferenceForm,
            _open_cp_plan,
            lambda u, h, t, d, v: cp.conference_record(
                by=u,
                referral_id=t.referral_id,
                kind="review",
                held_on=d["held_on"],
                cp_plan_id=t.pk,
                chair=u,
                progress=d["progress"],
                decision=d["decision"],
                decision_reasons=d["decision_reasons"],
                **_minutes(d),
            ),
            carries=PK,  # adds to this plan; an ended plan is no longer offered
            who=policy.CONFERENCE,
            initial=lambda t: {"held_on": today()},
        ),
        Step(
            "transfer-in-conference",
            "Record a transfer-in child protection conference",
            f.TransferInConferenceForm,
            _transfer_in_awaiting_conference,
            lambda u, h, t, d, v: cp.conference_record(
                by=u,
                referral_id=t.pk,
                kind="transfer_in",
                held_on=d["held_on"],
                notification_date=d["notification_date"],
                plan_required=f.yes_no(d["plan_required"]),
                chair=u,
                decision="plan_needed" if f.yes_no(d["plan_required"]) else "plan_not_needed",
                decision_reasons=d["decision_reasons"],
                **_minutes(d),
            ),
            carries=PK,  # adds a conference to this episode; a second is no longer offered
            who=policy.CONFERENCE,
            initial=lambda t: {"held_on": today()},
        ),
        Step(
            "core-group",
            "Record a core group meeting",
            f.CoreGroupForm,
            _open_cp_plan,
            lambda u, h, t, d, v: cp.core_group_record(by=u, cp_plan_id=t.pk, **d),
            carries=PK,  # adds to this plan; an ended plan is no longer offered
            initial=lambda t: {"held_on": today()},
        ),
        Step(
            "cp-plan-end",
            "End the child protection plan",
            f.CPPlanEndForm,
            _open_cp_plan,
            lambda u, h, t, d, v: cp.cp_plan_end(by=u, cp_plan_id=t.pk, expected_version=v, **d),
            carries=VERSION,  # changes the plan
            who=policy.CP_PLAN_END,
            initial=lambda t: {"end_date": today()},
        ),
        Step(
            "care-start",
            "Start a period of care (the child becomes looked after)",
            f.CareStartForm,
            _not_looked_after,
            lambda u, h, t, d, v: looked_after.period_of_care_start(by=u, child_id=h.child.pk, **d),
            carries=None,  # adds to the child in the address; a period started meanwhile ends the offer
            initial=lambda t: {"decom": today()},
        ),
        Step(
            "care-episode",
            "Record a change of placement or legal status",
            f.EpisodeChangeForm,
            _open_care_episode,
            _episode_change,
            carries=VERSION,  # ends the open episode, and its form is filled from it
            initial=_episode_now,
            field_aliases={"dec": "decom"},
        ),
        Step(
            "care-end",
            "End the period of care (the child ceases to be looked after)",
            f.CareEndForm,
            _open_period,
            _care_end,
            carries=VERSION,  # ends the open period of care
            initial=lambda t: {"dec": today()},
            field_aliases={"end_date": "dec"},
        ),
        Step(
            "looked-after-review",
            "Record a looked-after review and its minutes",
            f.LookedAfterReviewForm,
            _open_period,
            lambda u, h, t, d, v: looked_after.review_record(by=u, child_id=h.child.pk, **{
                **d, "care_plan_appropriate": f.yes_no(d["care_plan_appropriate"])}),
            carries=PK,  # adds to this period of care
            who=policy.LOOKED_AFTER_REVIEW,
            initial=lambda t: {"review_date": today()},
        ),
        Step(
            "health-assessment-request",
            "Request a health assessment",
            f.HealthAssessmentRequestForm,
            _open_period,
            lambda u, h, t, d, v: looked_after.health_assessment_request(by=u, child_id=h.child.pk, **d),
            carries=None,  # adds to the child in the address
            initial=lambda t: {"kind": "IHA", "requested_date": today()},
        ),
        Step(
            "health-assessment-complete",
            "Record the requested health assessment as done",
            f.HealthAssessmentCompleteForm,
            _health_assessment_requested,
            lambda u, h, t, d, v: looked_after.health_assessment_complete(
                by=u, health_assessment_id=t.pk, expected_version=v, completed_date=d["completed_date"]),
            carries=VERSION,  # completes this request
            initial=lambda t: {"completed_date": today()},
        ),
        Step(
            "health-assessment",
            "Record a health assessment done (not requested on the record)",
            f.HealthAssessmentForm,
            _open_period,
            lambda u, h, t, d, v: looked_after.health_assessment_record(by=u, child_id=h.child.pk, **d),
            carries=None,  # adds to the child in the address
            initial=lambda t: {"kind": "RHA"},
        ),
        Step(
            "pep",
            "Record a personal education plan",
            f.PEPForm,
            _open_period,
            lambda u, h, t, d, v: looked_after.pep_record(by=u, child_id=h.child.pk, **d),
            carries=None,  # adds to the child in the address
            initial=lambda t: {"plan_date": today()},
        ),
        Step(
            "missing",
            "Record that the child went missing or away",
            f.MissingStartForm,
            _child,
            lambda u, h, t, d, v: looked_after.missing_episode_start(by=u, child_id=h.child.pk, **d),
            carries=None,  # adds to the child in the address
            initial=lambda t: {"kind": "M", "start_date": today()},
        ),
        Step(
            "missing-end",
            "Record the child's return from missing",
            f.MissingEndForm,
            _open_missing,
            lambda u, h, t, d, v: looked_after.missing_episode_end(
                by=u, missing_id=t.pk, expected_version=v, end_date=d["end_date"],
                returned_at=d["returned_at"]),
            carries=VERSION,  # changes the missing episode
            initial=lambda t: {"end_date": today()},
        ),
        Step(
            "return-interview",
            "Record the return home interview",
            f.ReturnInterviewForm,
            _return_interview_due,
            lambda u, h, t, d, v: looked_after.return_interview_record(
                by=u, missing_id=t.pk, expected_version=v, offered_at=d["offered_at"],
                accepted=f.yes_no(d["accepted"]), held_on=d["held_on"]),
            carries=VERSION,  # changes the missing episode, and its form is filled from it
            initial=lambda t: {
                "offered_at": t.return_interview_offered_at and timezone.localtime(
                    t.return_interview_offered_at).replace(tzinfo=None) or _now(),
                "accepted": {True: "yes", False: "no"}.get(t.return_interview_accepted, ""),
                "held_on": t.return_interview_held_on},
        ),
        Step(
            "care-leaver-contact",
            "Record contact with the care leaver",
            f.CareLeaverContactForm,
            _care_leaver,
            lambda u, h, t, d, v: looked_after.care_leaver_contact_record(by=u, child_id=h.child.pk, **d),
            carries=None,  # adds to the child in the address
            initial=lambda t: {"contact_date": today(), "in_touch": "YES"},
        ),
        Step(
            "visit",
            "Record a visit",
            f.VisitForm,
            _child,
            lambda u, h, t, d, v: people.visit_record(by=u, child_id=h.child.pk, **d),
            carries=None,  # adds a visit to the child in the address
            initial=lambda t: {"visit_date": today(), "seen": True},
        ),
        Step(
            "allocate",
            "Allocate a social worker",
            f.AllocateForm,
            _allocation_or_child,
            lambda u, h, t, d, v: workforce.allocation_start(
                by=u,
                child_id=h.child.pk,
                worker_id=d["worker"].pk,
                start_date=d["start_date"],
                change_reason=d["change_reason"],
            ),
            carries=PK,  # the allocation it replaces (or the child, unallocated): not a colleague's since
            who=AUTHORISE,
            initial=_today,
            form_kwargs=True,
        ),
        Step(
            "allocate-iro",
            "Allocate an IRO or child protection chair",
            f.IROAllocateForm,
            _needs_iro,
            lambda u, h, t, d, v: workforce.allocation_start(
                by=u,
                child_id=h.child.pk,
                worker_id=d["worker"].pk,
                start_date=d["start_date"],
                kind=Allocation.Kind.IRO,
            ),
            carries=PK,  # adds an allocation while this period or plan is open
            who=AUTHORISE,
            initial=_today,
            form_kwargs=True,
        ),
        Step(
            "iro-monitoring",
            "Record your monitoring of the child's case",
            f.MonitoringForm,
            _needs_iro,
            lambda u, h, t, d, v: iro.monitoring_record(
                by=u, child_id=h.child.pk, held_on=d["held_on"], kind=d["kind"], note=d["note"],
                concern_found=f.yes_no(d["concern_found"])),
            carries=None,  # adds to the child in the address
            who=IRO,
            initial=lambda t: {"held_on": today()},
        ),
        Step(
            "practice-alert",
            "Raise a practice alert",
            f.PracticeAlertForm,
            _needs_iro,
            lambda u, h, t, d, v: iro.practice_alert_raise(
                by=u, child_id=h.child.pk, raised_on=d["raised_on"], category=d["category"],
                concern=d["concern"], raised_with_id=d["raised_with"] and d["raised_with"].pk,
                raised_with_name=d["raised_with_name"]),
            carries=None,  # adds to the child in the address
            who=IRO,
            initial=lambda t: {"raised_on": today()},
            form_kwargs=True,
        ),
        *(
            Step(
                f"{kind}-plan-words",
                title,
                None,
                target,
                None,
                carries=None,  # a page of its own, which carries the plan's version
                page=lambda c, t, kind=kind: reverse("web:plan", args=[c.pk, kind, t.pk]),
            )
            for kind, title, target in (
                ("cin", "The child in need plan: outcomes and actions", _open_cin_plan),
                ("cp", "The child protection plan: outcomes and actions", _open_cp_plan),
                ("care", "The care plan: outcomes and actions", _open_period),
                ("pathway", "The pathway plan: outcomes and actions", _pathway_plan_child),
            )
        ),
        Step(
            "close",
            "Close the episode (management decision)",
            f.ClosureForm,
            _open_referral,
            lambda u, h, t, d, v: front_door.referral_close(
                by=u,
                referral_id=t.pk,
                expected_version=v,
                closure_date=d["closure_date"],
                reason_for_closure=d["reason_for_closure"],
                rationale=d["rationale"],
                authorised_by=u,
                primary_need=d["primary_need"],
            ),
            carries=VERSION,  # changes the referral
            who=policy.REFERRAL_CLOSURE,
            initial=lambda t: {"closure_date": today(), "primary_need": t.primary_need},
        ),
    ]
}


#: The step that meets each clock (INDICATORS.md Part A), so that no clock on a worklist is
#: without a place to record what stops it. Visits (T09, T11, T15) are also met by a case note
#: marked "statutory visit". The LADO's clocks (T16*) are about adults and are met on the LADO's pages.
FOR_CLOCK: dict[str, tuple[str, ...]] = {
    "T01": ("referral-response",),
    "T02": ("assessment-decision", "assessment-write"),
    "T03I": ("assessment-decision", "assessment-write"),
    "T03C": ("assessment-decision", "assessment-write"),
    "T04": ("section47-outcome",),
    "T05": ("icpc", "section47-outcome"),  # the enquiry's outcome decides that a conference is needed
    "T06": ("transfer-in-conference",),
    "T07": ("core-group",),
    "T08": ("review-conference",),
    "T09": ("visit",),
    "T10": ("looked-after-review",),
    "T11": ("visit",),
    "T12Q": ("health-assessment-request",),
    "T12I": ("health-assessment-complete", "health-assessment-request", "health-assessment"),
    "T12R": ("health-assessment-complete", "health-assessment-request", "health-assessment"),
    "T13": ("pep",),
    "T14": ("return-interview", "missing-end"),
    "T15": ("visit",),
}


def for_clock(history, user, code: str) -> tuple[Step | None, str]:
    """The step that meets this clock for this child now, or why there is none for this user."""
    keys = FOR_CLOCK.get(code, ())
    offered = [STEPS[k] for k in keys if STEPS[k].target(history) is not None]
    if not offered:
        return None, "nothing in the record is waiting to meet this timescale now"
    mine = [s for s in offered if may_take(s, user)]
    if not mine:
        return None, f"“{offered[0].title}”: {refused(offered[0])}; it is waiting for them"
    return mine[0], ""


def available(history, user) -> list[tuple[Step, object]]:
    """The steps this user can take now on this child, with the record each acts on."""
    out = []
    for step in STEPS.values():
        if not may_take(step, user):
            continue
        target = step.target(history)
        if target is not None:
            out.append((step, target))
    return out
