"""Derive a child's clocks from the record. The record is the truth: clocks are recomputed from it
whenever a service saves, and due dates again whenever the calendar changes.

Each `_clocks_*` function reads one part of the record and yields the clock links it implies.

Every limit is read from `rules.RULES`, the one statement of each clock's limits (issue 22, "Clock
limits stated twice"): this module decides from the record which of a rule's limits applies (the
legacy one, the one after the first year, ...) but states no amount itself, so no numeric literal
other than 0 and 1 appears here (tests/test_one_statement_of_limits.py holds it to that).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta

from safeguard.core.bulk import converter, in_lists, insert_rows, update_by_key
from safeguard.core.errors import local_time

from . import calendar
from .models import Clock
from .rules import RULES, Limit, deadline, due_date

if TYPE_CHECKING:
    # Only named: the record (a layer above) hands its history in and re-derives the clocks.
    from safeguard.record.history import ChildHistory

TEMPORARY_PLACEMENTS = {"T0", "T1", "T2", "T3", "T4"}
LONG_TERM_FOSTERING = {"U1", "U4"}
SHORT_BREAKS = {"V3", "V4"}


@dataclass
class Link:
    code: str
    subject_type: str
    subject_id: int
    sequence: int
    start_date: dt.date
    unit: str
    amount: int
    due_date: dt.date
    met_date: dt.date | None = None
    met_by_type: str = ""
    met_by_id: int | None = None
    stopped_date: dt.date | None = None
    stopped_reason: str = ""

    @property
    def key(self) -> tuple:
        return (self.code, self.subject_type, self.subject_id, self.sequence)


@dataclass(frozen=True, order=True)
class Event:
    """Something in the record that meets a clock: its date and which record it is."""

    date: dt.date
    type: str
    id: int


def new_link(code, subject, start, limit: Limit, sequence=1, cal=None) -> Link:
    return Link(code, subject._meta.label, subject.pk, sequence, start, limit[0], limit[1],
                due_date(start, limit, cal))


def single(code, subject, start, met: Event | None, end: dt.date | None, reason: str,
            cal, limit: Limit | None = None) -> Link:
    """A once-only clock: met by the first qualifying event, or stopped when its subject ends."""
    link = new_link(code, subject, start, limit or RULES[code].limit, cal=cal)
    if met is not None:
        link.met_date, link.met_by_type, link.met_by_id = met.date, met.type, met.id
    elif end is not None:
        link.stopped_date, link.stopped_reason = end, reason
    return link


def chain(code, subject, anchor: dt.date, events: Iterable[Event], end: dt.date | None,
           reason: str, cal, limit_for: Callable[[int, dt.date], Limit] | None = None
           ) -> Iterator[Link]:
    """A repeating clock (reviews, visits): each event meets the open link and starts the next,
    due from the event's actual date (INDICATORS.md F1/F2)."""
    rule = RULES[code]
    limit_for = limit_for or (lambda seq, _start: rule.limit_for(seq))
    sequence, start = 1, anchor
    for event in sorted(e for e in events if e.date >= anchor and (end is None or e.date <= end)):
        link = new_link(code, subject, start, limit_for(sequence, start), sequence, cal)
        link.met_date, link.met_by_type, link.met_by_id = event.date, event.type, event.id
        yield link
        sequence, start = sequence + 1, event.date
    link = new_link(code, subject, start, limit_for(sequence, start), sequence, cal)
    if end is not None:
        link.stopped_date, link.stopped_reason = end, reason
    yield link


def first(events: Iterable[Event], on_or_after: dt.date) -> Event | None:
    candidates = sorted(e for e in events if e.date >= on_or_after)
    return candidates[0] if candidates else None


def event_of(obj, field: str) -> Event | None:
    value = getattr(obj, field)
    if isinstance(value, dt.datetime):
        value = local_time(value).date()
    return Event(value, obj._meta.label, obj.pk) if value else None


# --- children in need and child protection -------------------------------------------------------

def _clocks_referrals(h: ChildHistory, visits: list[Event], cal) -> Iterator[Link]:
    child = h.child
    all_plans = h.cp_plans
    for ref in sorted(h.referrals, key=lambda r: (r.referral_date, r.pk)):
        closed = ref.closure_date
        response = Event(ref.response_date, ref._meta.label, ref.pk) if ref.response_date else None
        yield single("T01", ref, ref.referral_date, response, closed, "episode closed", cal)

        assessments = sorted(h.of(h.assessments, referral_id=ref.pk), key=lambda a: (a.start_date, a.pk))
        for n, a in enumerate(assessments):
            authorised = event_of(a, "authorisation_date")
            if a.kind == "single":
                # Statutory clock: from the point of referral; a re-assessment from its own start.
                start = ref.referral_date if n == 0 else a.start_date
                yield single("T02", a, start, authorised, closed, "episode closed", cal)
            elif a.kind == "initial":
                # INDICATORS.md T03: 7 working days before April 2010 (WT 2006), 10 after (WT 2010).
                limit = RULES["T03I"].first_limit(ref.referral_date)
                yield single("T03I", a, ref.referral_date, authorised, closed, "episode closed",
                              cal, limit)
            else:
                yield single("T03C", a, a.start_date, authorised, closed, "episode closed", cal)

        plans = sorted(h.of(h.cp_plans, referral_id=ref.pk), key=lambda p: p.start_date)
        discussions = sorted(h.of(h.strategy_discussions, referral_id=ref.pk),
                             key=lambda s: (s.held_on, s.pk))
        conferences = h.of(h.conferences, referral_id=ref.pk)
        for s47 in h.of(h.section47s, referral_id=ref.pk):
            yield single("T04", s47, s47.start_date, event_of(s47, "end_date"), closed,
                          "episode closed", cal)
            already_on_plan = any(
                p.start_date <= s47.start_date and (p.end_date is None or p.end_date > s47.start_date)
                for p in all_plans
            )
            if s47.icpc_not_required or already_on_plan:
                continue  # T05 edge cases (a) and (e): no ICPC clock
            sd = next((s for s in discussions if s.pk == s47.strategy_discussion_id), None) or next(
                (s for s in reversed(discussions) if s.s47_initiated and s.held_on <= s47.start_date),
                None,
            )
            start = sd.held_on if sd else s47.start_date
            icpc = first([event_of(c, "held_on") for c in conferences
                           if c.kind == "initial" and c.section47_id == s47.pk], start)
            end = closed
            if s47.end_date and s47.outcome and s47.outcome != "icpc":
                end = s47.end_date
            yield single("T05", s47, start, icpc, end, "no conference needed", cal)

        if ref.is_transfer_in_request:
            transfer = next((c for c in conferences if c.kind == "transfer_in"), None)
            start = transfer.notification_date if transfer else ref.referral_date
            yield single("T06", ref, start, event_of(transfer, "held_on") if transfer else None,
                          closed, "episode closed", cal)

        for plan in plans:
            end = plan.end_date or closed
            core_groups = [event_of(g, "held_on") for g in h.of(h.core_groups, cp_plan_id=plan.pk)]
            yield single("T07", plan, plan.start_date, first(core_groups, plan.start_date), end,
                          "plan ended", cal)
            reviews = [event_of(c, "held_on") for c in h.of(h.conferences, cp_plan_id=plan.pk)
                       if c.kind == "review"]
            yield from chain("T08", plan, plan.start_date, reviews, end, "plan ended", cal)
            if child.date_of_birth is None:
                continue  # unborn: no visit due until birth (INDICATORS.md T09)
            anchor = max(plan.start_date, child.date_of_birth)
            # INDICATORS.md T09: "Per-child override from the plan", held in working days.
            override = plan.visit_interval_working_days
            yield from chain("T09", plan, anchor, visits, end, "plan ended", cal,
                              (lambda seq, start, days=override: ("WD", days)) if override else None)


# --- looked after ---------------------------------------------------------------------------------

def _placements(episodes) -> list[tuple[dt.date, dt.date | None, str]]:
    """Split a period's episodes into placements (start, end, placement code). A change of
    placement starts a new one; a temporary move (T0-T4) and the return from it do not."""
    out: list[list] = []
    previous_temporary, current = False, None  # current: the placement code of out[-1]
    for ep in episodes:
        temporary = ep.placement in TEMPORARY_PLACEMENTS
        returning = previous_temporary and bool(out) and ep.placement == current
        if not out or (ep.rne != "L" and not temporary and not returning):
            out.append([ep.decom, ep.dec, ep.placement])
            current = ep.placement
        else:
            out[-1][1] = ep.dec
        previous_temporary = temporary
    return [tuple(p) for p in out]


def _within(events: Iterable[Event | None], start: dt.date, end: dt.date | None,
            next_start: dt.date | None) -> list[Event]:
    """The events that belong to one period of care: on or after its start, and neither after it
    ended nor on or after the start of the next one (T12: each IHA/RHA request, assessment and PEP
    belongs to the period it falls in, so a later period's cannot meet an earlier one's clock)."""
    return [e for e in events if e is not None and e.date >= start
            and (end is None or e.date <= end) and (next_start is None or e.date < next_start)]


def _clocks_looked_after(h: ChildHistory, visits: list[Event], cal) -> Iterator[Link]:
    child = h.child
    health = [a for a in h.health_assessments if a.kind != "DENTAL"]
    requests = [event_of(a, "requested_date") for a in health if a.kind == "IHA"]
    ihas = [event_of(a, "completed_date") for a in health if a.kind == "IHA"]
    all_rhas = [event_of(a, "completed_date") for a in health if a.kind == "RHA"]
    peps = [event_of(p, "plan_date") for p in h.peps]
    periods = sorted(h.periods, key=lambda p: (p.start_date, p.pk))
    for n_period, period in enumerate(periods):
        next_start = periods[n_period + 1].start_date if n_period + 1 < len(periods) else None
        episodes = sorted(h.of(h.episodes, period_of_care_id=period.pk), key=lambda e: (e.decom, e.pk))
        if not episodes or all(e.legal_status in SHORT_BREAKS for e in episodes):
            continue  # short breaks follow modified arrangements (CPPCR reg 48)
        end = period.end_date
        reviews = [event_of(r, "review_date") for r in h.of(h.la_reviews, period_of_care_id=period.pk)]
        # INDICATORS.md T10: the 1991 rule (28 days) for periods starting before April 2011.
        first_review_limit = RULES["T10"].first_limit(period.start_date)
        yield from chain(
            "T10", period, period.start_date, reviews, end, "ceased to be looked after", cal,
            lambda seq, start, first=first_review_limit: (
                first if seq == 1 else RULES["T10"].limit_for(seq)
            ),
        )
        first_review = min((r.date for r in reviews if r.date >= period.start_date), default=None)
        for n, (start, placement_end, code) in enumerate(_placements(episodes), start=1):
            yield from chain(
                "T11", _PlacementKey(period, n), start, visits, placement_end or end,
                "placement ended", cal,
                _visit_limit(start, code, first_review),
            )
        bounds = (period.start_date, end, next_start)
        requested = first(_within(requests, *bounds), period.start_date)
        yield single("T12Q", period, period.start_date, requested, end,
                      "ceased to be looked after", cal)
        iha = first(_within(ihas, *bounds), period.start_date)
        yield single("T12I", period, period.start_date, iha, end, "ceased to be looked after", cal)
        if iha is not None and child.date_of_birth:
            rhas = _within(all_rhas, *bounds)
            dob = child.date_of_birth
            yield from chain(
                "T12R", period, iha.date, rhas, end, "ceased to be looked after", cal,
                lambda seq, start, dob=dob: RULES["T12R"].limit_at(start, dob),
            )
        if child.date_of_birth and RULES["T13"].applies_at_age(
            relativedelta(period.start_date, child.date_of_birth).years
        ):
            yield single("T13", period, period.start_date, first(_within(peps, *bounds), period.start_date),
                          end, "ceased to be looked after", cal)

    for missing in (m for m in h.missing if m.kind == "M" and m.end_date is not None):
        yield _return_interview(missing, cal)


def _return_interview(missing, cal) -> Link:
    """T14: the return interview offered within 72 elapsed hours of the time of return (§0.4);
    the hours are the rule's `timed` limit, the 3 days its `limit`.

    A Clock holds dates, so the hour is judged here and the dates are chosen so that
    `met_date <= due_date` agrees with it. start_date and met_date are the council's local
    (TIME_ZONE) dates of the return and of the offer; due_date is the local date on which the 72
    hours run out, unit 'H'. The one case dates cannot show, an offer made on that last date but
    after the hour, is late: its due_date is the day before. With only a return date held the
    clock is 3 calendar days, unit 'D' (lower precision, §0.4)."""
    offered = event_of(missing, "return_interview_offered_at")
    if missing.returned_at is None:
        return single("T14", missing, missing.end_date, offered, None, "", cal)
    returned = local_time(missing.returned_at)
    hours = RULES["T14"].timed
    ends = local_time(deadline(returned.astimezone(dt.UTC), hours))
    due = ends.date()
    link = Link("T14", missing._meta.label, missing.pk, 1, returned.date(), hours[0], hours[1], due)
    if offered is not None:
        link.met_date, link.met_by_type, link.met_by_id = offered.date, offered.type, offered.id
        if offered.date == due and local_time(missing.return_interview_offered_at) > ends:
            link.due_date = due - dt.timedelta(days=1)
    return link


class _PlacementKey:
    """Stands in for a placement, which the record holds as a run of episodes of one period."""

    class _meta:  # noqa: N801 - mimics a model's _meta for link()
        label = "looked_after.Placement"

    def __init__(self, period, n: int):
        self.pk = period.pk * 1000 + n


def _visit_limit(placement_start: dt.date, code: str, first_review: dt.date | None):
    """Reg 28 (RULES["T11"]): first visit within a week; 6-weekly in year 1; 3-monthly after if
    long-term; weekly until the first review when placed with a parent (reg 19)."""

    def limit(sequence: int, start: dt.date) -> Limit:
        rule = RULES["T11"]
        if sequence == 1:
            return rule.limit
        if code == "P1" and (first_review is None or start < first_review):
            return rule.until_first_review
        if code in LONG_TERM_FOSTERING and start >= calendar.add_years(placement_start, 1):
            return rule.after_first_year
        return rule.later

    return limit


# --- private fostering ----------------------------------------------------------------------------

def _clocks_private_fostering(h: ChildHistory, visits: list[Event], cal) -> Iterator[Link]:
    for arrangement in h.private_fostering:
        start = arrangement.notified_date
        # Reg 8(6) of SI 2005/1533: an arrangement the council learns of only once it is running
        # is deemed to begin when the council becomes aware of it, so its 6-weekly first year
        # runs from the notification; one notified in advance, from its start.
        begins = max(arrangement.start_date, arrangement.notified_date)
        first_year_end = calendar.add_years(begins, 1)
        yield from chain(
            "T15", arrangement, start, visits, arrangement.end_date, "arrangement ended", cal,
            lambda seq, s, fye=first_year_end: _private_fostering_limit(seq, s, fye),
        )


def _private_fostering_limit(sequence: int, start: dt.date, first_year_end: dt.date) -> Limit:
    """Reg 8 of SI 2005/1533 (RULES["T15"]): the initial visit, then 6-weekly in the first year of
    the arrangement and 12-weekly in any later year."""
    rule = RULES["T15"]
    if sequence == 1:
        return rule.limit
    return rule.later if start < first_year_end else rule.after_first_year


# --- putting it together --------------------------------------------------------------------------

def wanted_links(history: ChildHistory, cal=None) -> list[Link]:
    """Every clock link the child's record implies, computed from the record in memory."""
    cal = cal or calendar.current()
    visits = [Event(v.visit_date, v._meta.label, v.pk) for v in history.visits if v.seen]
    links: list[Link] = []
    for derive in (_clocks_referrals, _clocks_looked_after, _clocks_private_fostering):
        links.extend(derive(history, visits, cal))
    return links


_FIELDS = ("start_date", "unit", "amount", "due_date", "met_date", "met_by_type", "met_by_id",
           "stopped_date", "stopped_reason")


def sync_child_clocks(history: ChildHistory, cal=None) -> None:
    """Make the stored clocks of one child equal to what the record implies."""
    child = history.child
    sync_links(Clock.objects.filter(child=child), wanted_links(history, cal), child_id=child.pk)


def sync_children_clocks(histories: Iterable[ChildHistory], cal=None) -> None:
    """`sync_child_clocks` for many children at once (a merging import's): their stored clocks
    read in one query per IN list of children, and what differs written in three statements."""
    by_child = {h.child.pk: h for h in histories}
    ids = sorted(by_child)
    existing: dict[int, list[tuple]] = {pk: [] for pk in ids}
    for part in in_lists(ids):
        for row in Clock.objects.filter(child_id__in=part).values_list("child_id", *_HELD):
            existing[row[0]].append(row[1:])
    stale, changed, created = [], [], []
    for pk in ids:
        gone, moved, new = _differences(existing[pk], wanted_links(by_child[pk], cal), pk)
        stale += gone
        changed += moved
        created += new
    _write(stale, changed, created)


def sync_links(existing_clocks, links: list[Link], child_id: int | None = None) -> None:
    """Make the stored clocks in `existing_clocks` equal to `links`: delete, update, create.
    Used for a child's clocks and for clocks that belong to no child (LADO allegations)."""
    _write(*_differences(existing_clocks.values_list(*_HELD), links, child_id))


#: A stored clock as `_differences` compares it: its key, what names it, then its dates.
_HELD = ("pk", "code", "subject_type", "subject_id", "sequence", *_FIELDS)
_NEW = ("child_id", "code", "subject_type", "subject_id", "sequence", *_FIELDS)
_DATES = len(_HELD) - len(_FIELDS)  # where a held row's dates begin


def _differences(existing: Iterable[tuple], links: list[Link], child_id: int | None
                 ) -> tuple[list, list, list]:
    """What makes the stored clocks (rows of `_HELD`) equal to `links`: the keys of those no
    longer implied, (key, every date) of those whose dates moved, and the new ones' rows (`_NEW`)."""
    wanted = {lk.key: lk for lk in links}
    held = {row[1:_DATES]: row for row in existing}
    stale = [row[0] for key, row in held.items() if key not in wanted]
    changed, created = [], []
    for key, lk in wanted.items():
        row = held.get(key)
        values = tuple(getattr(lk, f) for f in _FIELDS)
        if row is None:
            created.append((child_id, *key, *values))
        elif values != row[_DATES:]:
            changed.append((row[0], *values))
    return stale, changed, created


def _write(stale: list[int], changed: list[tuple], created: list[tuple]) -> None:
    for part in in_lists(stale):
        Clock.objects.filter(pk__in=part).delete()
    # By key, one statement run for each clock that moved: a save moves a clock or two, and an
    # import thousands; neither builds a bulk UPDATE of CASE expressions over every field.
    update_by_key(Clock, [Clock._meta.get_field(f) for f in _FIELDS], changed)
    fields = [Clock._meta.get_field(f) for f in _NEW]
    convs = [converter(f) for f in fields]
    insert_rows(Clock, fields, [tuple(c(v) if c else v for c, v in zip(convs, row, strict=True))
                                for row in created])
