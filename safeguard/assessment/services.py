"""Child and family assessments and child in need plans, within an episode of need. Each function
is one `Change` to the child's record (record/change.py): checked, saved, audited and the clocks
refreshed in one transaction; a refused save changes nothing. CIN census rules that relate records
already on file are checked (in `checks.py`, over the child's `ChildHistory`) with the rule's code,
so the census return is valid by construction.

An assessment's words (`AssessmentContent`) are drafted over days, submitted, returned or authorised
by the manager (`AssessmentDecision`, one per submission) and, once authorised, changed only by an
amendment with a reason (`AssessmentAmendment`). Services on the words take the version of the
words the page was built from (0 for an assessment with no words yet: one started before words
were kept, imported or generated); the manager's decisions take the assessment's version."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse

from safeguard.access import policy
from safeguard.access.selectors import deciders_for_child
from safeguard.core.errors import now
from safeguard.front_door.models import Referral
from safeguard.notifications.services import Kind, notify
from safeguard.record.change import Change

from . import checks as c
from .models import (
    Assessment,
    AssessmentAmendment,
    AssessmentContent,
    AssessmentDecision,
    AssessmentFactorIdentified,
    CINPlan,
)

Status = Assessment.Status
#: What the worker's proposal is called in a service's arguments, and on the words.
PROPOSAL = {"outcome": "proposed_outcome", "factors": "proposed_factors",
            "requires_support": "proposed_requires_support"}


def _typed(text) -> str:
    """The words as typed, with one kind of line break and no white space around them."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _words(given: dict, allowed) -> dict:
    """The content's fields from a service's keyword arguments (a section's words as typed; the
    proposal under its field's name); anything else is a programming error."""
    unknown = set(given) - set(allowed)
    if unknown:
        raise TypeError(f"an assessment's words have no {', '.join(sorted(unknown))}")
    to = {}
    for name, value in given.items():
        if name == "factors":  # a list as posted; anything else is refused by the check
            to[PROPOSAL[name]] = list(value) if isinstance(value, (list, tuple)) else (
                [] if value is None else value)
        elif name == "outcome":
            to[PROPOSAL[name]] = value or ""
        elif name == "requires_support":
            to[PROPOSAL[name]] = value
        else:
            to[name] = _typed(value)
    return to


def _content(change: Change, assessment: Assessment,
             expected_version: int | None) -> AssessmentContent:
    """The assessment's words, locked and refused (`EditConflict`) on a stale version; a new,
    unsaved row for an assessment that has none yet."""
    pk = AssessmentContent.objects.filter(assessment_id=assessment.pk).values_list(
        "pk", flat=True).first()
    if pk is None:
        return AssessmentContent(assessment=assessment)
    return change.attached(AssessmentContent, pk, expected_version)


def _stage(change: Change, content: AssessmentContent, check=None, *, to: dict, **context):
    """The words as changed: a new row if the assessment had none, else an edited copy."""
    if content.pk is None:
        for name, value in to.items():
            setattr(content, name, value)
        return change.new(content, check, **context)
    return change.edit(content, check, to=to, **context)


def _decide(change: Change, assessment: Assessment, *, by, outcome: str, comments: str) -> None:
    """Complete the submission awaiting a decision with the manager's (if there is none, the
    check has already refused the change)."""
    pk = AssessmentDecision.objects.filter(assessment_id=assessment.pk, outcome="").order_by(
        "-pk").values_list("pk", flat=True).first()
    if pk is None:
        return
    pending = change.attached(AssessmentDecision, pk, None)
    change.edit(pending, to=dict(decided_by=by, decided_at=now(), outcome=outcome,
                                 comments=comments))


# --- assessments --------------------------------------------------------------------------

@transaction.atomic
def assessment_start(*, by, referral_id: int, start_date: dt.date,
                     kind: str = Assessment.Kind.SINGLE, reason: str = "") -> Assessment:
    """Start a child and family assessment in an episode of need, with a blank page for its words;
    its T02 clock starts. A second assessment in the episode says why one is needed."""
    reason = _typed(reason)
    change = Change.of(Referral, referral_id, by=by, event="assessment_start")
    assessment = change.new(Assessment(referral=change.held, kind=kind, start_date=start_date),
                            c.check_assessment_start, reason=reason)
    change.new(AssessmentContent(assessment=assessment, new_assessment_reason=reason))
    return change.save(assessment)


@transaction.atomic
def assessment_save(*, by, assessment_id: int, expected_version: int | None,
                    **sections) -> AssessmentContent:
    """The worker saves some or all of the words (a section, or the proposed outcome, factors
    and need of support) while the assessment is a draft or returned to them. Returns the words
    as saved: their `version` is what the next save must send."""
    to = _words(sections, set(c.SECTIONS) | set(PROPOSAL))
    change = Change.of(Assessment, assessment_id, by=by, event="assessment_save")
    content = _content(change, change.held, expected_version)
    saved = _stage(change, content, c.check_assessment_save, assessment=change.held, to=to)
    return change.save(saved)


@transaction.atomic
def assessment_submit(*, by, assessment_id: int, expected_version: int | None, factors: list[str],
                      requires_support: bool, outcome: str) -> Assessment:
    """The worker submits the assessment for the manager's decision, proposing its outcome,
    factors and whether the child needs support; the words are frozen until the manager returns
    it. `expected_version` is the words' version, so a stale page cannot submit words it did not
    show."""
    change = Change.of(Assessment, assessment_id, by=by, event="assessment_submit")
    content = _content(change, change.held, expected_version)
    content = _stage(change, content, to=_words(
        dict(factors=factors, requires_support=requires_support, outcome=outcome), PROPOSAL))
    assessment = change.edit(change.held, c.check_assessment_submit, content=content,
                             factors=factors, requires_support=requires_support, outcome=outcome,
                             to=dict(status=Status.SUBMITTED))
    change.new(AssessmentDecision(assessment=assessment, submitted_by=by, submitted_at=now()))
    saved = change.save(assessment)
    notify(deciders_for_child(change.child.pk, policy.ASSESSMENT_AUTHORISATION), Kind.DECISION_AWAITING,
           f"{by} submitted an assessment for your decision.",
           reverse("web:assessment", args=[change.child.pk, saved.pk]), change.child, by=by)
    return saved


@transaction.atomic
def assessment_return(*, by, assessment_id: int, expected_version: int | None,
                      comments: str) -> Assessment:
    """The team manager returns a submitted assessment to the worker with comments saying what
    must change; the worker can then save and submit it again."""
    comments = _typed(comments)
    change = Change.of(Assessment, assessment_id, by=by, event="assessment_return",
                       expected_version=expected_version)
    decider = policy.decider(by, policy.ASSESSMENT_AUTHORISATION) if by is not None else None
    assessment = change.edit(change.held, c.check_assessment_return, by=by, comments=comments,
                             decider=decider,
                             to=dict(status=Status.RETURNED))
    _decide(change, assessment, by=by, outcome=AssessmentDecision.Outcome.RETURNED,
            comments=comments)
    saved = change.save(assessment)
    submitter = AssessmentDecision.objects.filter(
        assessment_id=saved.pk, outcome=AssessmentDecision.Outcome.RETURNED,
    ).select_related("submitted_by").order_by("-pk").first()
    notify([submitter.submitted_by] if submitter else [], Kind.RETURNED,
           f"{by} returned an assessment to you for amendment, with comments.",
           reverse("web:assessment", args=[change.child.pk, saved.pk]), change.child, by=by)
    return saved


@transaction.atomic
def assessment_record_child_seen(*, by, assessment_id: int, expected_version: int | None,
                                 child_seen_date: dt.date) -> Assessment:
    """Record when the child was seen during the assessment (Working Together 2023)."""
    change = Change.of(Assessment, assessment_id, by=by, event="assessment_record_child_seen",
                       expected_version=expected_version)
    assessment = change.edit(change.held, c.check_assessment_record_child_seen,
                             to=dict(child_seen_date=child_seen_date))
    return change.save(assessment)


@transaction.atomic
def assessment_authorise(*, by, assessment_id: int, expected_version: int | None,
                         authorisation_date: dt.date, factors: list[str],
                         requires_support: bool, comments: str = "") -> Assessment:
    """The team manager signs off a submitted assessment with its factors (one row each, in the
    same change) and any comments; its words are frozen from now on, and the T02 clock stops."""
    change = Change.of(Assessment, assessment_id, by=by, event="assessment_authorise",
                       expected_version=expected_version)
    decider = policy.decider(by, policy.ASSESSMENT_AUTHORISATION) if by is not None else None
    assessment = change.edit(change.held, c.check_assessment_authorise_submitted, by=by,
                             factors=factors, decider=decider,
                             to=dict(authorisation_date=authorisation_date, authorised_by=by,
                                     requires_support=requires_support,
                                     status=Status.AUTHORISED))
    for code in factors or []:
        change.new(AssessmentFactorIdentified(assessment=assessment, code=code))
    _decide(change, assessment, by=by, outcome=AssessmentDecision.Outcome.AUTHORISED,
            comments=_typed(comments))
    return change.save(assessment)


@transaction.atomic
def assessment_amend(*, by, assessment_id: int, expected_version: int | None, reason: str,
                     **sections) -> AssessmentContent:
    """Amend an authorised assessment's words with a reason (corrections, never deletions): the
    amendment keeps each changed section's words before and after, and the words' own history
    keeps every version. Returns the words as amended."""
    to = _words(sections, c.SECTIONS)
    reason = _typed(reason)
    change = Change.of(Assessment, assessment_id, by=by, event="assessment_amend")
    change.reason = reason
    content = _content(change, change.held, expected_version)
    to = {name: value for name, value in to.items() if getattr(content, name) != value}
    before = {name: getattr(content, name) for name in to}
    version = content.version + 1 if content.pk is not None else 1
    amended = _stage(change, content, c.check_assessment_amend, assessment=change.held,
                     reason=reason, changed=sorted(to), to=to)
    change.new(AssessmentAmendment(assessment=change.held, version=version, reason=reason,
                                   sections=sorted(to),
                                   changes={n: [before[n], to[n]] for n in sorted(to)},
                                   amended_by=by))
    return change.save(amended)


# --- child in need plans --------------------------------------------------------------------

@transaction.atomic
def cin_plan_start(*, by, referral_id: int, start_date: dt.date) -> CINPlan:
    """Start a child in need plan within the episode; the CIN visit clock starts."""
    change = Change.of(Referral, referral_id, by=by, event="cin_plan_start")
    plan = change.new(CINPlan(referral=change.held, start_date=start_date), c.check_cin_plan_start)
    return change.save(plan)


@transaction.atomic
def cin_plan_end(*, by, cin_plan_id: int, expected_version: int | None,
                 end_date: dt.date) -> CINPlan:
    """End a child in need plan (stepped down, stepped up to a CP plan, or needs met)."""
    change = Change.of(CINPlan, cin_plan_id, by=by, event="cin_plan_end",
                       expected_version=expected_version)
    plan = change.edit(change.held, c.check_cin_plan_end, to=dict(end_date=end_date))
    return change.save(plan)
