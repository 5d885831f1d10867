"""The words of a child's plans (CIN plan, CP plan, care plan, pathway plan): outcomes, actions (what,
who, by when, status) and contingency, written and revised as one change, and reviewed at each
meeting with the plan as it stood kept in the review (`PlanReview.snapshot`), so the plan at any
review can be shown whatever was revised since.

The dates the returns and clocks read stay on the dated records (`assessment.CINPlan`,
`child_protection.ChildProtectionPlan`, `looked_after.PeriodOfCare`); the words are attached to the
child and not held in `record.history.ChildHistory`. The checks below read the history they are
handed (the dated plan, the period of care, the meeting) and never the database.

Sources: Working Together to Safeguard Children 2023 ch. 3 (the child in need plan and the child
protection plan: outcomes, actions, who does what by when, reviewed by the core group and at review
conferences); the Care Planning, Placement and Case Review (England) Regulations 2010 reg 4-5 and
Part 6 (the care plan, its contingency, reviewed at looked-after reviews); the Care Leavers
(England) Regulations 2010 reg 6-7 and Sch 1 (the pathway plan and its review)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch

from safeguard.access import policy
from safeguard.core.errors import Checks, EditConflict
from safeguard.record.change import Change
from safeguard.record.history import ChildHistory, held

from .models import ActionStatus, Plan, PlanAction, PlanKind, PlanOutcome, PlanReview, ReviewMeeting

#: The dated record each kind of plan belongs to (a pathway plan belongs to the child alone).
LINKS: dict[str, str] = {PlanKind.CIN: "cin_plan", PlanKind.CP: "cp_plan",
                         PlanKind.CARE: "period_of_care"}
_LINK_LABELS = {"cin_plan": "CIN plan", "cp_plan": "child protection plan",
                "period_of_care": "period of care"}
_HELD_AS = {"cin_plan": "cin_plans", "cp_plan": "cp_plans", "period_of_care": "periods"}
#: The meetings at which each kind of plan is reviewed: a CP plan by the core group and at review
#: conferences (Working Together 2023 ch. 3), a care plan at looked-after reviews (Care Planning
#: Regulations 2010 Part 6), a pathway plan at its own review or, for an eligible child still
#: looked after, at the looked-after review (Care Leavers (England) Regulations 2010 reg 7).
MEETINGS_FOR: dict[str, tuple[str, ...]] = {
    PlanKind.CIN: (ReviewMeeting.CIN_REVIEW,),
    PlanKind.CP: (ReviewMeeting.REVIEW_CONFERENCE, ReviewMeeting.CORE_GROUP),
    PlanKind.CARE: (ReviewMeeting.LOOKED_AFTER_REVIEW,),
    PlanKind.PATHWAY: (ReviewMeeting.PATHWAY_REVIEW, ReviewMeeting.LOOKED_AFTER_REVIEW),
}
#: The meetings there is a record of: model label -> (where the history holds them, the meeting
#: kind they are, the field that dates them).
MEETING_RECORDS: dict[str, tuple[str, str, str]] = {
    "child_protection.Conference": ("conferences", ReviewMeeting.REVIEW_CONFERENCE, "held_on"),
    "child_protection.CoreGroupMeeting": ("core_groups", ReviewMeeting.CORE_GROUP, "held_on"),
    "looked_after.LookedAfterReview": ("la_reviews", ReviewMeeting.LOOKED_AFTER_REVIEW,
                                       "review_date"),
}
#: What a review may say of one action's progress (it is kept in the review's snapshot).
ACTION_PROGRESS_LIMIT = 2_000
#: The shape of `PlanReview.snapshot`; raised if the shape ever changes, so old reviews still render.
SNAPSHOT_SCHEMA = 1


# --- helpers ----------------------------------------------------------------------------------------

def _typed(text: str | None) -> str:
    """The words as typed, with one kind of line break and no white space around them."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _line(text: str | None) -> str:
    return " ".join((text or "").split())


def _pk(value) -> int | None:
    """A key as a form or a caller gives it (an int, its string, or nothing)."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # refused by the check as not on the plan


def _fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def sixteenth_birthday(child) -> dt.date | None:
    """The day a young person may first be an eligible child (Children Act 1989 Sch 2 para 19B):
    the earliest a pathway plan can begin."""
    born = getattr(child, "date_of_birth", None)
    if born is None:
        return None
    try:
        return born.replace(year=born.year + 16)
    except ValueError:  # born on 29 February
        return dt.date(born.year + 16, 3, 1)


def linked_record(history: ChildHistory, plan: Plan):
    """The dated record the plan's words belong to, as the child's history holds it (or None)."""
    name = LINKS.get(plan.kind)
    if name is None:
        return None
    return held(getattr(history, _HELD_AS[name]), getattr(plan, f"{name}_id"))


def plan_start(history: ChildHistory, plan: Plan) -> dt.date | None:
    """When the plan began: the dated record's start, or a pathway plan's 16th birthday."""
    if plan.kind == PlanKind.PATHWAY:
        return sixteenth_birthday(history.child)
    record = linked_record(history, plan)
    return getattr(record, "start_date", None)


def plan_end(history: ChildHistory, plan: Plan) -> dt.date | None:
    record = linked_record(history, plan)
    return getattr(record, "end_date", None)


def _allowed(by, child) -> None:
    if not policy.can_change_child(by, child):
        raise PermissionDenied("You may not record on this child's record")


# --- the pure checks -----------------------------------------------------------------------------

def _check_links(history: ChildHistory, plan: Plan, checks: Checks) -> None:
    """Each kind of plan belongs to its own dated record, of this child, and to no other."""
    kind_label = PlanKind(plan.kind).label if plan.kind in PlanKind.values else "plan"
    for name, label in _LINK_LABELS.items():
        pk = getattr(plan, f"{name}_id")
        if LINKS.get(plan.kind) != name:
            checks.require(pk is None, name, "local", f"A {kind_label.lower()} is not linked to a {label}")
        elif checks.require(pk is not None, name, "local",
                            f"Choose the {label} these words belong to"):
            checks.require(held(getattr(history, _HELD_AS[name]), pk) is not None, name, "local",
                           f"The {label} is not on this child's record")


def check_plan_write(history: ChildHistory, plan: Plan, checks: Checks, *, outcomes: list[dict],
                     actions: list[dict], outcome_ids: frozenset = frozenset(),
                     action_ids: frozenset = frozenset()) -> None:
    """A plan written or revised: the whole content as it will stand (`outcomes`: dicts with id and
    text; `actions`: dicts with id, what, who, by_when, status and outcome_index, the position of
    its outcome in `outcomes`), and the keys of the outcomes and actions on the plan now.

    Working Together 2023 ch. 3: a plan sets out the outcomes sought for the child and the actions
    to reach them, each with who does it and by when; Care Planning Regulations 2010 reg 5 and
    Care Leavers (England) Regulations 2010 reg 6 and Sch 1 ask the same of a care or pathway plan.
    Fields are named as the form posts them: `outcomes[0]`, `actions[2].by_when` (from 0)."""
    if plan.kind not in PlanKind.values:
        checks.code(plan.kind, PlanKind, "kind", "local", "The kind of plan")
        return
    _check_links(history, plan, checks)
    start = plan_start(history, plan)
    checks.require(bool(outcomes), "outcomes", "local",
                   "Enter at least one outcome the plan is for")
    seen: set[int] = set()
    for i, outcome in enumerate(outcomes):
        at = f"outcomes[{i}]"
        pk = outcome.get("id")
        if pk is not None:
            checks.require(pk in outcome_ids and pk not in seen, f"{at}.id", "local",
                           "This outcome is not on the plan (or is given twice)")
            seen.add(pk)
        text = outcome.get("text") or ""
        if checks.require(bool(text.strip()), at, "local",
                          "Enter the outcome in words, or take it off the plan"):
            checks.text(text, at, "The outcome", limit=PlanOutcome.NARRATIVE_LIMIT, multiline=True)
    seen = set()
    for i, action in enumerate(actions):
        at = f"actions[{i}]"
        pk = action.get("id")
        if pk is not None:
            checks.require(pk in action_ids and pk not in seen, f"{at}.id", "local",
                           "This action is not on the plan (or is given twice)")
            seen.add(pk)
        what, who = action.get("what") or "", action.get("who") or ""
        if checks.require(bool(what.strip()), f"{at}.what", "local", "Say what is to be done"):
            checks.text(what, f"{at}.what", "What is to be done", limit=PlanAction.NARRATIVE_LIMIT,
                        multiline=True)
        if checks.require(bool(who.strip()), f"{at}.who", "local",
                          "Say who does it (a name or a role, e.g. \"School nurse\")"):
            checks.text(who, f"{at}.who", "Who does it", limit=200)
        by_when = action.get("by_when")
        if checks.require(isinstance(by_when, dt.date) and not isinstance(by_when, dt.datetime),
                          f"{at}.by_when", "local", "Enter the date it is to be done by"):
            checks.not_before_1900(by_when, f"{at}.by_when", "The date it is to be done by")
            if start is not None:
                since = ("the young person's 16th birthday" if plan.kind == PlanKind.PATHWAY
                         else "the plan started")
                checks.require(by_when >= start, f"{at}.by_when", "local",
                               f"The date it is to be done by cannot be before {since} ({_fmt(start)})")
        checks.code(action.get("status"), ActionStatus, f"{at}.status", "local", "The action's status")
        index = action.get("outcome_index")
        checks.require(index is None or (isinstance(index, int) and 0 <= index < len(outcomes)),
                       f"{at}.outcome_index", "local", "Choose one of the plan's outcomes, or none")


def _meeting_of(history: ChildHistory, review: PlanReview):
    where = MEETING_RECORDS.get(review.meeting_label)
    if where is None or review.meeting_id is None:
        return None
    return held(getattr(history, where[0]), review.meeting_id)


def _check_meeting(history: ChildHistory, review: PlanReview, plan: Plan, checks: Checks) -> None:
    """A meeting named by its record is this child's, of the kind said, about this plan, and on
    the review's date."""
    label, pk = review.meeting_label, review.meeting_id
    if not label and pk is None:
        return
    if not checks.require(bool(label) and pk is not None, "meeting", "local",
                          "Name both the meeting's record and its number, or neither"):
        return
    where = MEETING_RECORDS.get(label)
    if not checks.require(where is not None, "meeting", "local",
                          f"'{label}' is not a record of a meeting that reviews a plan"):
        return
    _, kind, date_field = where
    meeting = _meeting_of(history, review)
    if not checks.require(meeting is not None, "meeting", "local",
                          "The meeting is not on this child's record"):
        return
    checks.require(review.meeting_kind == kind, "meeting_kind", "local",
                   f"The meeting recorded is a {ReviewMeeting(kind).label.lower()}")
    if kind == ReviewMeeting.REVIEW_CONFERENCE:
        about = meeting.kind == "review" and meeting.cp_plan_id == plan.cp_plan_id
    elif kind == ReviewMeeting.CORE_GROUP:
        about = meeting.cp_plan_id == plan.cp_plan_id
    else:
        about = plan.kind != PlanKind.CARE or meeting.period_of_care_id == plan.period_of_care_id
    checks.require(about, "meeting", "local", "The meeting was not about this plan")
    day = getattr(meeting, date_field)
    checks.require(review.held_on is None or review.held_on == day, "held_on", "local",
                   f"The date is the meeting's ({_fmt(day)})")


def check_plan_review_record(history: ChildHistory, review: PlanReview, checks: Checks, *,
                             plan: Plan, updates: list[dict], action_ids: frozenset) -> None:
    """A review of the plan at a meeting: when it was held (within the plan's life, not in the
    future), at what kind of meeting (one that reviews this kind of plan), the progress made, and
    each action's new status and progress (`updates`: dicts with action_id, status, progress;
    fields named `action_updates[0].status` and so on, from 0).

    Working Together 2023 ch. 3 (the core group and review conferences review progress against
    the CP plan; the CIN plan is reviewed regularly); Care Planning Regulations 2010 Part 6
    (looked-after reviews); Care Leavers (England) Regulations 2010 reg 7 (pathway plan review)."""
    allowed = MEETINGS_FOR.get(plan.kind, ())
    if checks.require(review.meeting_kind in ReviewMeeting.values, "meeting_kind", "local",
                      "Choose the kind of meeting"):
        names = " or a ".join(ReviewMeeting(m).label.lower() for m in allowed)
        checks.require(review.meeting_kind in allowed, "meeting_kind", "local",
                       f"A {PlanKind(plan.kind).label.lower()} is reviewed at a {names}")
    if checks.require(isinstance(review.held_on, dt.date), "held_on", "local",
                      "Enter the date of the meeting"):
        checks.not_future(review.held_on, "held_on", "local", "The date of the meeting")
        start, end = plan_start(history, plan), plan_end(history, plan)
        if start is not None:
            checks.require(review.held_on >= start, "held_on", "local",
                           f"The meeting cannot be before the plan began ({_fmt(start)})")
        if end is not None:
            checks.require(review.held_on <= end, "held_on", "local",
                           f"The meeting cannot be after the plan ended ({_fmt(end)})")
    checks.require(bool((review.progress or "").strip()), "progress", "local",
                   "Say what progress has been made against the plan")
    _check_meeting(history, review, plan, checks)
    seen: set[int] = set()
    for i, update in enumerate(updates):
        at = f"action_updates[{i}]"
        pk = update.get("action_id")
        checks.require(pk in action_ids, f"{at}.action_id", "local", "This action is not on the plan")
        checks.require(pk not in seen, f"{at}.action_id", "local", "This action is updated twice")
        seen.add(pk)
        checks.code(update.get("status"), ActionStatus, f"{at}.status", "local", "The action's status")
        checks.text(update.get("progress"), f"{at}.progress", "The progress on this action",
                    limit=ACTION_PROGRESS_LIMIT, multiline=True)


# --- writing --------------------------------------------------------------------------------------

def _outcome_items(outcomes) -> list[dict]:
    """Outcomes as given: words, or dicts with the outcome's id (to edit it in place) and text."""
    items = []
    for item in outcomes or []:
        if isinstance(item, dict):
            items.append(dict(id=_pk(item.get("id", item.get("pk"))), text=_typed(item.get("text"))))
        else:
            items.append(dict(id=None, text=_typed(item)))
    return items


def _action_items(actions, stored: dict[int, PlanAction]) -> list[dict]:
    items = []
    for item in actions or []:
        pk = _pk(item.get("id", item.get("pk")))
        index = item.get("outcome_index")
        if isinstance(index, str):
            index = int(index) if index.strip().isdigit() else (None if not index.strip() else -1)
        status = item.get("status") or (stored[pk].status if pk in stored else ActionStatus.NOT_STARTED)
        items.append(dict(id=pk, what=_typed(item.get("what")), who=_line(item.get("who")),
                          by_when=item.get("by_when"), status=status, outcome_index=index))
    return items


def _claim_outcomes(items: list[dict], stored: list[PlanOutcome]) -> list[PlanOutcome | None]:
    """The stored outcome each item is: by its id, else (words given without an id) the first
    unclaimed outcome with the same words, so a plan re-posted as words keeps its outcomes."""
    by_pk = {o.pk: o for o in stored}
    claimed: list[PlanOutcome | None] = [by_pk.pop(item["id"], None) if item["id"] is not None
                                         else None for item in items]
    for i, item in enumerate(items):
        if item["id"] is None:
            match = next((o for o in by_pk.values() if o.text == item["text"]), None)
            if match is not None:
                claimed[i] = by_pk.pop(match.pk)
    return claimed


def _changed(record, values: dict) -> dict:
    return {name: value for name, value in values.items() if getattr(record, name) != value}


def _find_plan(child_id: int, kind: str, links: dict) -> Plan | None:
    return Plan.objects.filter(child_id=child_id, kind=kind, **links).order_by("pk").first()


@transaction.atomic
def plan_write(*, by, child_id: int, kind: str, expected_version: int | None = None,
               cin_plan_id: int | None = None, cp_plan_id: int | None = None,
               period_of_care_id: int | None = None, contingency: str, outcomes: list,
               actions: list[dict]) -> Plan:
    """Write a plan's content, or revise it, in one change: the outcomes and actions given are the
    plan as it will stand. An outcome or action given with its `id` is edited in place (its history
    kept); one given without is added; one on the plan but not given is marked `removed` (never
    deleted: the reviews' snapshots still show it). `expected_version` is the plan's version the
    form was built from, None for a new plan (refused with `EditConflict` if someone wrote one
    meanwhile).

    Working Together 2023 ch. 3 (CIN and CP plans); Care Planning, Placement and Case Review
    (England) Regulations 2010 reg 5 (care plan, with its contingency); Care Leavers (England)
    Regulations 2010 reg 6 (pathway plan)."""
    change = Change.of_child(child_id, by=by, event="plan_write")  # locks the child: one writer
    _allowed(by, change.child)
    links = dict(cin_plan_id=_pk(cin_plan_id), cp_plan_id=_pk(cp_plan_id),
                 period_of_care_id=_pk(period_of_care_id))
    existing = _find_plan(child_id, kind, links)
    stored_outcomes: list[PlanOutcome] = []
    stored_actions: list[PlanAction] = []
    if existing is None:
        if expected_version is not None:
            raise Plan.DoesNotExist("there is no such plan on this child's record to revise")
        plan = Plan(child=change.child, kind=kind, contingency=_typed(contingency), **links)
    else:
        if expected_version is None:  # someone wrote this plan since the form for a new one opened
            raise EditConflict(existing, 0)
        plan = change.attached(Plan, existing.pk, expected_version)
        stored_outcomes = list(plan.outcomes.filter(removed=False).order_by("order", "pk"))
        stored_actions = list(plan.actions.filter(removed=False).order_by("order", "pk"))
    outcome_items = _outcome_items(outcomes)
    action_items = _action_items(actions, {a.pk: a for a in stored_actions})
    context = dict(outcomes=outcome_items, actions=action_items,
                   outcome_ids=frozenset(o.pk for o in stored_outcomes),
                   action_ids=frozenset(a.pk for a in stored_actions))
    if existing is None:
        change.new(plan, check_plan_write, **context)
    else:
        plan = change.edit(plan, check_plan_write, to={"contingency": _typed(contingency)}, **context)
    if change.violations:
        return change.save(plan)  # refused with every violation: nothing stored

    kept: list[PlanOutcome] = []
    claimed = _claim_outcomes(outcome_items, stored_outcomes)
    for order, (item, outcome) in enumerate(zip(outcome_items, claimed, strict=True)):
        if outcome is None:
            outcome = change.new(PlanOutcome(plan=plan, text=item["text"], order=order))
        else:
            to = _changed(outcome, dict(text=item["text"], order=order))
            outcome = change.edit(outcome, to=to) if to else outcome
        kept.append(outcome)
    kept_pks = {o.pk for o in kept if o.pk is not None}
    for outcome in stored_outcomes:
        if outcome.pk not in kept_pks:
            change.edit(outcome, to={"removed": True})

    by_pk = {a.pk: a for a in stored_actions}
    for order, item in enumerate(action_items):
        outcome = kept[item["outcome_index"]] if item["outcome_index"] is not None else None
        values = dict(what=item["what"], who=item["who"], by_when=item["by_when"],
                      status=item["status"], order=order)
        action = by_pk.pop(item["id"], None) if item["id"] is not None else None
        if action is None:
            change.new(PlanAction(plan=plan, outcome=outcome, **values))
            continue
        to = _changed(action, values)
        if action.outcome_id != getattr(outcome, "pk", None) or (outcome is not None and outcome.pk is None):
            to["outcome"] = outcome
        if to:
            change.edit(action, to=to)
    for action in by_pk.values():
        change.edit(action, to={"removed": True})
    return change.save(plan)


def plan_snapshot(plan: Plan, outcomes: list[PlanOutcome], actions: list[PlanAction], *,
              before: dict[int, str], progress: dict[int, str], plan_version: int) -> dict:
    """The plan as it stood once the review was recorded, in plain JSON (dates as ISO strings)."""
    return {
        "schema": SNAPSHOT_SCHEMA,
        "plan": {"id": plan.pk, "kind": plan.kind, "version": plan_version,
                 "contingency": plan.contingency},
        "outcomes": [{"id": o.pk, "order": o.order, "text": o.text} for o in outcomes],
        "actions": [{"id": a.pk, "outcome_id": a.outcome_id, "order": a.order, "what": a.what,
                     "who": a.who, "by_when": a.by_when.isoformat(), "status": a.status,
                     "status_before": before.get(a.pk, a.status), "progress": progress.get(a.pk, "")}
                    for a in actions],
    }


@transaction.atomic
def plan_review_record(*, by, child_id: int, plan_id: int, held_on: dt.date, meeting_kind: str,
                       meeting_label: str = "", meeting_id: int | None = None, progress: str,
                       action_updates: list[dict], expected_version: int | None = None
                       ) -> PlanReview:
    """Record a review of the plan at a meeting: the progress made, each action's new status and
    what was said of it, and the plan as it stood after the review (`PlanReview.snapshot`), so "the
    plan at each review" can be shown whatever is revised later. `expected_version` is the plan's
    version the review form was built from (None: not checked).

    Working Together 2023 ch. 3 (core groups and review conferences review the CP plan; the CIN
    plan is reviewed regularly); Care Planning, Placement and Case Review (England) Regulations
    2010 Part 6 (looked-after reviews); Care Leavers (England) Regulations 2010 reg 7 (pathway plan
    reviews)."""
    change = Change.of_child(child_id, by=by, event="plan_review_record")
    _allowed(by, change.child)
    if not Plan.objects.filter(pk=plan_id, child_id=child_id).exists():
        raise Plan.DoesNotExist(f"plan {plan_id} is not on this child's record")
    plan = change.attached(Plan, plan_id, expected_version)
    outcomes = list(plan.outcomes.filter(removed=False).order_by("order", "pk"))
    actions = list(plan.actions.filter(removed=False).order_by("order", "pk"))
    current = {a.pk: a for a in actions}
    updates = []
    for update in action_updates or []:
        pk = _pk(update.get("action_id"))
        status = update.get("status") or (current[pk].status if pk in current else "")
        updates.append(dict(action_id=pk, status=status, progress=_typed(update.get("progress"))))
    review = PlanReview(plan=plan, held_on=held_on, meeting_kind=meeting_kind,
                        meeting_label=(meeting_label or "").strip(), meeting_id=_pk(meeting_id),
                        progress=_typed(progress))
    change.new(review, check_plan_review_record, plan=plan, updates=updates,
               action_ids=frozenset(current))
    if change.violations:
        return change.save(review)  # refused with every violation: nothing stored
    after = dict(current)
    for update in updates:
        action = current[update["action_id"]]
        if update["status"] != action.status:
            after[action.pk] = change.edit(action, to={"status": update["status"]})
    last = max(d for d in (plan.last_reviewed_on, held_on) if d is not None)
    reviewed = change.edit(plan, to={"last_reviewed_on": last})  # the plan's version moves on
    review.snapshot = plan_snapshot(
        reviewed, outcomes, [after[a.pk] for a in actions],
        before={a.pk: a.status for a in actions},
        progress={u["action_id"]: u["progress"] for u in updates if u["progress"]},
        plan_version=plan.version + 1)
    return change.save(review)


# --- reading --------------------------------------------------------------------------------------
# The caller has already checked access to the child and audited the view (as the child page does).

@dataclass
class OutcomeView:
    """One outcome of the plan with the actions towards it, in order."""

    outcome: PlanOutcome
    actions: list[PlanAction] = field(default_factory=list)


@dataclass
class PlanView:
    """A plan's content as it stands: outcomes with their actions, actions under no outcome, and
    the reviews (newest first, without their snapshots: `plan_as_at` reads one)."""

    plan: Plan
    outcomes: list[OutcomeView]
    other_actions: list[PlanAction]
    reviews: list[PlanReview]

    @property
    def actions(self) -> list[PlanAction]:
        return sorted([a for o in self.outcomes for a in o.actions] + self.other_actions,
                      key=lambda a: (a.order, a.pk))


def plan_of(child_id: int, kind: str, *, cin_plan_id: int | None = None,
            cp_plan_id: int | None = None, period_of_care_id: int | None = None) -> PlanView | None:
    """The child's plan of this kind as it stands (for the dated record given, else the newest of
    the kind), or None: four queries, whatever the number of outcomes, actions and reviews."""
    rows = Plan.objects.filter(child_id=child_id, kind=kind).select_related("recorded_by")
    for name, pk in (("cin_plan_id", cin_plan_id), ("cp_plan_id", cp_plan_id),
                     ("period_of_care_id", period_of_care_id)):
        if pk is not None:
            rows = rows.filter(**{name: pk})
    plan = rows.prefetch_related(
        Prefetch("outcomes", PlanOutcome.objects.filter(removed=False).order_by("order", "pk"),
                 to_attr="live_outcomes"),
        Prefetch("actions", PlanAction.objects.filter(removed=False).order_by("order", "pk"),
                 to_attr="live_actions"),
        Prefetch("reviews", PlanReview.objects.defer("snapshot").order_by("-held_on", "-pk"),
                 to_attr="all_reviews"),
    ).order_by("-pk").first()
    if plan is None:
        return None
    views = {o.pk: OutcomeView(o) for o in plan.live_outcomes}
    other: list[PlanAction] = []
    for action in plan.live_actions:
        view = views.get(action.outcome_id)
        (view.actions if view is not None else other).append(action)
    return PlanView(plan=plan, outcomes=list(views.values()), other_actions=other,
                    reviews=plan.all_reviews)


def plan_reviews(plan_id: int) -> list[PlanReview]:
    """Each review of the plan with its snapshot, newest first, in one query."""
    return list(PlanReview.objects.filter(plan_id=plan_id).select_related("recorded_by")
                .order_by("-held_on", "-pk"))


@dataclass
class PlanAsAt:
    """The plan as it stood when a review was recorded, ready to render: outcomes (dicts with id,
    text and their actions), actions under no outcome, and the contingency. Each action is a dict
    with id, what, who, by_when (a date), status, status_before and progress."""

    review: PlanReview
    kind: str
    plan_version: int
    contingency: str
    outcomes: list[dict[str, Any]]
    other_actions: list[dict[str, Any]]

    @property
    def actions(self) -> list[dict[str, Any]]:
        return sorted([a for o in self.outcomes for a in o["actions"]] + self.other_actions,
                      key=lambda a: a["order"])


def plan_as_at(review_id: int) -> PlanAsAt:
    """The plan as it stood at a review, from the review's snapshot (one query): what the plan
    said then, whatever was revised since."""
    review = PlanReview.objects.select_related("recorded_by").get(pk=review_id)
    shot = review.snapshot or {}
    outcomes = [dict(o, actions=[]) for o in shot.get("outcomes", [])]
    by_pk = {o["id"]: o for o in outcomes}
    other = []
    for action in shot.get("actions", []):
        action = dict(action, by_when=dt.date.fromisoformat(action["by_when"]))
        home = by_pk.get(action.get("outcome_id"))
        (home["actions"] if home is not None else other).append(action)
    plan = shot.get("plan", {})
    return PlanAsAt(review=review, kind=plan.get("kind", ""), plan_version=plan.get("version", 0),
                    contingency=plan.get("contingency", ""), outcomes=outcomes, other_actions=other)
