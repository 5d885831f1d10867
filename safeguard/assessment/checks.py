"""Validation at entry for assessments and child in need plans, as pure functions over a
`ChildHistory`: they read only its lists and the candidate, never the database, so a
practitioner's save and the synthetic council generator apply the same CIN census rules."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import NON_FIELD_ERRORS

from safeguard.access.policy import Decider, require_decider
from safeguard.core import codes
from safeguard.core.errors import Checks, today
from safeguard.front_door.checks import CLOSED_AFTER_ASSESSMENT
from safeguard.record.history import ChildHistory, held

from .models import Assessment, AssessmentContent, AssessmentOutcome, CINPlan

NO_FACTORS = "21"
# Initial and core assessments were replaced by the single assessment (Working Together 2013).
SINGLE_ASSESSMENT_FROM = dt.date(2013, 4, 1)
# Factor codes the DfE has withdrawn or never accepted, with the CIN rule that rejects each.
WITHDRAWN_FACTORS = {
    "8A": ("CIN 8617", "code 8A is not a valid factor; use 8B to 8F"),
    "18A": ("CIN 8945Q", "code 18A is no longer used; use 18B or 18C"),
    "19A": ("CIN 8950Q", "code 19A is no longer used; use 19B or 19C"),
}
#: The Assessment Framework's sections (Working Together 2023), each written before submitting.
SECTIONS = ("developmental_needs", "parenting_capacity", "family_and_environment",
            "wishes_and_feelings", "analysis", "recommendation")
#: The fewest characters of a reason (a new assessment, an amendment) or a manager's comments.
REASON_MIN = 10
Status = Assessment.Status


# --- shared helpers -------------------------------------------------------------------------

def _within(day: dt.date, start: dt.date, end: dt.date | None) -> bool:
    return day >= start and (end is None or day <= end)


def _check_episode_open_for(referral, when: dt.date | None, field: str, label: str,
                            checks: Checks) -> None:
    """New work needs an open episode."""
    if referral.closure_date is not None:
        if when is not None and when > referral.closure_date:
            checks.fail(field, "CIN 8565", f"{label} cannot be after the episode's closure date")
        else:
            checks.fail(field, "local", "the episode of need is closed; open a new referral")


def _reviews_inside(history: ChildHistory, referral_id: int, start: dt.date,
                    before: dt.date | None = None) -> list:
    """Child protection review conferences in the episode held from `start` (and before
    `before`) that are not the review ending the plan: each would fall inside a CIN plan."""
    found = []
    for review in history.of(history.conferences, referral_id=referral_id, kind="review"):
        if review.cp_plan_id is None or review.held_on < start:
            continue
        if before is not None and review.held_on >= before:
            continue
        cp_plan = held(history.cp_plans, review.cp_plan_id)
        if cp_plan is None or review.held_on != cp_plan.end_date:
            found.append(review)
    return found


def _said(text: str | None) -> bool:
    """A reason or comment that says something: at least REASON_MIN characters once trimmed."""
    return isinstance(text, str) and len(text.strip()) >= REASON_MIN


def _section_label(name: str) -> str:
    label = str(AssessmentContent._meta.get_field(name).verbose_name)
    return label[0].upper() + label[1:]


# --- assessments --------------------------------------------------------------------------

def assessment_stage(assessment: Assessment) -> str:
    """Where the assessment stands. An assessment with an authorisation date is authorised whatever
    its status says: the CIN census importer and the demo generator record the date (through
    `check_assessment_authorise`) without the worker's submission."""
    if assessment.authorisation_date is not None:
        return Status.AUTHORISED
    return assessment.status


#: Why the words cannot be changed at each stage after drafting.
_FROZEN = {
    Status.SUBMITTED: "the assessment is submitted: the manager must return it first",
    Status.AUTHORISED: "the assessment is authorised: record an amendment with a reason",
}


def check_assessment_start(history: ChildHistory, candidate: Assessment, checks: Checks, *,
                           reason: str | None = None) -> None:
    """An assessment starts within an open, actioned episode, with none other still open.
    Entered live (`reason` given, even empty), a second assessment in the episode needs a reason
    (except a core assessment after the initial one, before 2013), and two starting the same day
    are refused (a duplicate); the CIN census importer and the generator pass no reason, as a
    return may hold several assessments in one episode."""
    referral = history.referral(candidate.referral_id)
    child = history.child
    kind, start_date = candidate.kind, candidate.start_date
    checks.code(kind, Assessment.Kind, "kind", "local", "Kind of assessment")
    if checks.require(start_date is not None, "start_date", "local", "a start date is required"):
        checks.require(start_date >= referral.referral_date, "start_date", "CIN 1103",
                       "the assessment cannot start before the referral date")
        checks.require(start_date <= today(), "start_date", "local",
                       "the assessment cannot start in the future")
        if child.date_of_death:
            checks.require(start_date <= child.date_of_death, "start_date", "local",
                           "the assessment cannot start after the child's date of death")
        if kind in (Assessment.Kind.INITIAL, Assessment.Kind.CORE):
            checks.require(start_date < SINGLE_ASSESSMENT_FROM, "kind", "local",
                           "initial and core assessments ended in 2013; use a single assessment")
        _check_episode_open_for(referral, start_date, "start_date", "the assessment", checks)
    checks.require(not referral.referral_nfa, "referral", "CIN 8831",
                   "the referral was closed with no further action; it cannot have an assessment")
    checks.require(not history.of(history.assessments, referral_id=referral.pk,
                                  authorisation_date=None),
                   "start_date", "CIN 8896",
                   "another assessment in this episode is still open; authorise it first")
    if reason is None:
        return
    others = [a for a in history.of(history.assessments, referral_id=referral.pk)
              if a is not candidate]
    same_day = next((a for a in others if a.start_date == start_date), None)
    if same_day is not None:
        checks.fail("start_date", "local",
                    f"an assessment in this episode already started on {start_date:%d/%m/%Y}; "
                    "carry on with that assessment")
    elif others and not (kind == Assessment.Kind.CORE
                         and all(a.kind == Assessment.Kind.INITIAL for a in others)):
        # (A core assessment following the initial one was the pre-2013 pathway, not a new one.)
        latest = max(a.start_date for a in others)
        checks.require(_said(reason), "reason", "local",
                       f"this episode already has an assessment (started {latest:%d/%m/%Y}); say "
                       f"why a new assessment is needed (at least {REASON_MIN} characters)")


def _check_proposal(candidate: AssessmentContent, checks: Checks) -> None:
    """What the worker proposes, as far as a draft can be checked: a known outcome, factor codes
    as a list (their DfE rules are checked on submitting)."""
    checks.code(candidate.proposed_outcome, AssessmentOutcome, "outcome", "local",
                "Proposed outcome", required=False)
    factors = candidate.proposed_factors
    checks.require(isinstance(factors, list) and all(isinstance(f, str) for f in factors),
                   "factors", "local", "the factors must be a list of DfE codes")
    support = candidate.proposed_requires_support
    checks.require(support is None or isinstance(support, bool), "requires_support", "local",
                   "say yes or no: does the child need children's social care support?")


def check_assessment_save(history: ChildHistory, candidate: AssessmentContent, checks: Checks, *,
                          assessment: Assessment) -> None:
    """The worker drafts the words while the assessment is a draft or returned to them; once
    submitted they wait for the manager, and once authorised they change only by an amendment."""
    stage = assessment_stage(assessment)
    checks.require(stage not in _FROZEN, "status", "local", _FROZEN.get(stage, ""))
    _check_proposal(candidate, checks)


def check_assessment_submit(history: ChildHistory, candidate: Assessment, checks: Checks, *,
                            content: AssessmentContent, factors, requires_support,
                            outcome: str) -> None:
    """The worker submits a complete assessment for the manager's decision (Working Together
    2023): the child seen, every section of the Assessment Framework written, the outcome, the
    factors (CIN census rules) and whether the child needs support proposed."""
    stage = assessment_stage(history.on_file(candidate))
    if stage == Status.SUBMITTED:
        checks.fail("status", "local", "the assessment is already submitted and awaits the "
                    "manager's decision")
    elif stage == Status.AUTHORISED:
        checks.fail("status", "local", _FROZEN[Status.AUTHORISED])
    checks.require(candidate.child_seen_date is not None, "child_seen_date", "local",
                   "record the date the child was seen before submitting the assessment")
    for name in SECTIONS:
        checks.require(bool((getattr(content, name) or "").strip()), name, "local",
                       f"{_section_label(name)}: write this section before submitting")
    checks.code(outcome, AssessmentOutcome, "outcome", "local", "Proposed outcome")
    checks.require(isinstance(requires_support, bool), "requires_support", "local",
                   "say whether the child needs children's social care support")
    check_assessment_factors(factors, checks)


def check_assessment_return(history: ChildHistory, candidate: Assessment, checks: Checks, *,
                            by=None, comments: str, decider: Decider | None = None) -> None:
    """A team manager returns a submitted assessment to the worker, saying what must change
    (Working Together 2023: management oversight). `decider` (live entry): the council's table."""
    require_decider(checks, "decided_by", decider)
    stage = assessment_stage(history.on_file(candidate))
    checks.require(stage == Status.SUBMITTED, "status", "local",
                   "only a submitted assessment can be returned" + (
                       "; it is authorised: record an amendment with a reason"
                       if stage == Status.AUTHORISED else "; it has not been submitted"))
    checks.require(_said(comments), "comments", "local",
                   f"say what must change before it is submitted again (at least {REASON_MIN} "
                   "characters)")


def check_assessment_record_child_seen(history: ChildHistory, candidate: Assessment,
                                       checks: Checks) -> None:
    """The child is seen during the assessment, while alive and born (Working Together 2023)."""
    child = history.child
    seen = candidate.child_seen_date
    if checks.require(seen is not None, "child_seen_date", "local",
                      "the date the child was seen is required"):
        checks.require(seen >= candidate.start_date, "child_seen_date", "local",
                       "the child cannot be seen for the assessment before it started")
        checks.require(seen <= today(), "child_seen_date", "local",
                       "the date the child was seen cannot be in the future")
        if candidate.authorisation_date:
            checks.require(seen <= candidate.authorisation_date, "child_seen_date", "local",
                           "the child must be seen before the assessment is authorised")
        checks.require(child.date_of_birth is not None and seen >= child.date_of_birth,
                       "child_seen_date", "local", "an unborn child cannot be seen")
        if child.date_of_death:
            checks.require(seen <= child.date_of_death, "child_seen_date", "local",
                           "the child cannot be seen after their date of death")


def check_assessment_factors(factors, checks: Checks) -> None:
    """CIN census AssessmentFactors: at least one valid code, each once, 21 alone."""
    if factors is None or len(factors) == 0:
        checks.fail("factors", "CIN 8897Q",
                    f"record the factors identified, or {NO_FACTORS} (no factors identified)")
        return
    for code in factors:
        if code in WITHDRAWN_FACTORS:
            rule, message = WITHDRAWN_FACTORS[code]
            checks.fail("factors", rule, message)
        else:
            checks.code(code, codes.AssessmentFactor, "factors", "CIN 8897Q", "Assessment factor")
    checks.require(len(set(factors)) == len(factors), "factors", "CIN 8898",
                   "an assessment factor may be recorded only once")
    checks.require(NO_FACTORS not in factors or len(set(factors)) == 1, "factors", "CIN 8869",
                   f"factor {NO_FACTORS} (no factors identified) cannot be combined with others")


def check_assessment_authorise(history: ChildHistory, candidate: Assessment, checks: Checks, *,
                               by=None, factors, decider: Decider | None = None) -> None:
    """A team manager signs off the assessment once, within the episode, with its factors.
    `decider` (live entry): who authorises, from the council's table of decisions."""
    current = history.on_file(candidate)
    referral = history.referral(candidate.referral_id)
    authorised = candidate.authorisation_date
    require_decider(checks, "authorised_by", decider)
    checks.require(current.authorisation_date is None, "authorisation_date", "local",
                   "this assessment has already been authorised")
    if checks.require(authorised is not None, "authorisation_date", "local",
                      "the authorisation date is required"):
        checks.require(authorised >= candidate.start_date, "authorisation_date",
                       "CIN 8608", "the assessment cannot be authorised before it started")
        checks.require(authorised <= today(), "authorisation_date", "local",
                       "the authorisation date cannot be in the future")
        if referral.closure_date:
            checks.require(authorised <= referral.closure_date, "authorisation_date",
                           "CIN 8565", "the assessment cannot be authorised after the episode "
                           "was closed")
        if candidate.child_seen_date:
            checks.require(authorised >= candidate.child_seen_date,
                           "authorisation_date", "local",
                           "the assessment cannot be authorised before the child was seen")
    checks.require(isinstance(candidate.requires_support, bool), "requires_support", "local",
                   "say whether the child needs children's social care support")
    check_assessment_factors(factors, checks)


def check_assessment_authorise_submitted(history: ChildHistory, candidate: Assessment,
                                         checks: Checks, *, by=None, factors,
                                         decider: Decider | None = None) -> None:
    """Sign-off entered live: `check_assessment_authorise`, and only once the worker has submitted
    the assessment (the importer and the generator, which record a sign-off the council made,
    call `check_assessment_authorise` alone)."""
    check_assessment_authorise(history, candidate, checks, by=by, factors=factors, decider=decider)
    stage = assessment_stage(history.on_file(candidate))
    if stage != Status.AUTHORISED:  # already authorised: said by check_assessment_authorise
        checks.require(stage == Status.SUBMITTED, "status", "local",
                       "the worker must submit the assessment before it is authorised")


def check_assessment_amend(history: ChildHistory, candidate: AssessmentContent, checks: Checks, *,
                           assessment: Assessment, reason: str, changed: list[str]) -> None:
    """The authorised words are frozen: a later change is an amendment with a reason, which
    keeps the words as authorised (corrections, never deletions)."""
    checks.require(assessment_stage(assessment) == Status.AUTHORISED, "status", "local",
                   "only an authorised assessment is amended; until then, save the draft (a "
                   "submitted one must first be returned by the manager)")
    checks.require(_said(reason), "reason", "local",
                   f"say why the authorised assessment is amended (at least {REASON_MIN} "
                   "characters)")
    checks.require(bool(changed), NON_FIELD_ERRORS, "local", "Nothing was changed")
    for name in changed:
        checks.require(bool((getattr(candidate, name) or "").strip()), name, "local",
                       f"{_section_label(name)}: an amendment cannot empty a section")


# --- child in need plans --------------------------------------------------------------------

def _check_cin_plan_overlaps(history: ChildHistory, referral, start_date: dt.date,
                             checks: Checks) -> None:
    """A new open CIN plan from start_date against the child's other plans (CIN 4004, 4014)
    and against child protection plans and their reviews in the episode (4001, 4003, 4016,
    4017): a child is on a CIN plan or a CP plan, never both."""
    if history.of(history.cin_plans, referral_id=referral.pk, end_date=None):
        checks.fail("start_date", "CIN 4004",
                    "the child already has an open CIN plan in this episode; end it first")
    for other in history.cin_plans:
        if _within(start_date, other.start_date, other.end_date) or other.start_date >= start_date:
            checks.fail("start_date", "CIN 4014",
                        f"this plan would overlap the CIN plan from {other.start_date:%d/%m/%Y}")
            break
    cp_plans = history.of(history.cp_plans, referral_id=referral.pk)
    if any(p.end_date is None for p in cp_plans):
        checks.fail("start_date", "CIN 4001",
                    "a CIN plan cannot run alongside an open child protection plan")
    for cpp in cp_plans:
        if _within(start_date, cpp.start_date, cpp.end_date) and start_date != cpp.end_date:
            checks.fail("start_date", "CIN 4016",
                        f"the child was on a child protection plan on this date "
                        f"(from {cpp.start_date:%d/%m/%Y})")
        if cpp.start_date >= start_date:
            checks.fail("start_date", "CIN 4017",
                        f"a child protection plan started on {cpp.start_date:%d/%m/%Y}, "
                        "during this CIN plan")
    reviews = _reviews_inside(history, referral.pk, start_date)
    if reviews:
        checks.fail("start_date", "CIN 4003",
                    f"a child protection review on {reviews[0].held_on:%d/%m/%Y} would fall "
                    "inside this CIN plan")


def check_cin_plan_start(history: ChildHistory, candidate: CINPlan, checks: Checks) -> None:
    """A CIN plan starts within an open episode that led to action, never alongside a CP plan."""
    referral = history.referral(candidate.referral_id)
    child = history.child
    start_date = candidate.start_date
    checks.require(not referral.referral_nfa, "referral", "CIN 4000",
                   "the referral was closed with no further action; it cannot have a CIN plan")
    if referral.reason_for_closure in CLOSED_AFTER_ASSESSMENT:
        # CIN 2990 covers RC8 only; RC9 (referred to early help) is a local rule.
        checks.fail("referral", "CIN 2990" if referral.reason_for_closure == "RC8" else "local",
                    f"the episode was closed {referral.reason_for_closure} after assessment")
    if checks.require(start_date is not None, "start_date", "CIN 4010",
                      "the CIN plan start date is required"):
        checks.require(start_date >= referral.referral_date, "start_date", "CIN 4015",
                       "the CIN plan cannot start before the referral date")
        checks.require(start_date <= today(), "start_date", "CIN 4010",
                       "the CIN plan cannot start in the future")
        if child.date_of_death:
            checks.require(start_date <= child.date_of_death, "start_date", "CIN 4008",
                           "a CIN plan cannot start after the child's date of death")
        _check_episode_open_for(referral, start_date, "start_date", "the CIN plan", checks)
        _check_cin_plan_overlaps(history, referral, start_date, checks)


def check_cin_plan_end(history: ChildHistory, candidate: CINPlan, checks: Checks) -> None:
    """A CIN plan ends once, within the episode, before any CP plan or review that follows."""
    current = history.on_file(candidate)
    referral = history.referral(candidate.referral_id)
    child = history.child
    start, end_date = candidate.start_date, candidate.end_date
    checks.require(current.end_date is None, "end_date", "local", "this CIN plan has already ended")
    if checks.require(end_date is not None, "end_date", "local", "an end date is required"):
        checks.require(end_date >= start, "end_date", "CIN 4011",
                       "the CIN plan cannot end before it started")
        checks.require(end_date <= today(), "end_date", "local",
                       "the end date cannot be in the future")
        if child.date_of_death:
            checks.require(end_date <= child.date_of_death, "end_date", "CIN 4009",
                           "a CIN plan cannot end after the child's date of death")
        if referral.closure_date:
            checks.require(end_date <= referral.closure_date, "end_date", "CIN 8565",
                           "the CIN plan cannot end after the episode was closed")
        checks.require(not any(p.pk != candidate.pk and start <= p.start_date <= end_date
                               for p in history.cin_plans), "end_date", "CIN 4014",
                       "another CIN plan starts before this end date; plans cannot overlap")
        checks.require(not any(start <= p.start_date < end_date
                               for p in history.of(history.cp_plans, referral_id=referral.pk)),
                       "end_date", "CIN 4017",
                       "a child protection plan started before this end date; the CIN plan "
                       "must end on or before the day the CP plan starts")
        checks.require(not _reviews_inside(history, referral.pk, start, before=end_date),
                       "end_date", "CIN 4003", "a child protection review falls inside this CIN plan")
