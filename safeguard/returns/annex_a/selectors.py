"""The one read the Annex A export makes: every row of Ofsted Annex A lists 1-11 for one council
as the record stood on the as-at date (usually the day before the inspection's data request),
as plain cell values. It takes the user and writes one audit row (action "export").

Which children and rows each list holds (Ofsted ILACS Annex A, as quoted in the D2I Standard
Safeguarding Dataset extract; the schema itself is silent on periods). "Six months" is the six
months ending on the as-at date: 1 October 2025 - 31 March 2026 for an as-at date of 31 March
2026; "twelve months" likewise runs from 1 April 2025.
  1 Contacts: every contact received in the six months (one row per contact).
  2 Early help: early help episodes open at any time in the six months - assessments in the
    period and current interventions (one row per episode).
  3 Referrals: every referral in the six months (one row per referral).
  4 Assessments: child and family assessments open at any time in the six months, i.e. not
    authorised before it began (one row per assessment).
  5 Section 47s: enquiries open at any time in the six months; an enquiry ends at its recorded
    end or at its initial conference (one row per enquiry).
  6 Children in need: children with an episode of need open at any time in the six months that
    gave them a service (an assessment, S47, CIN or CP plan, or care) - referrals that went no
    further are left out, as Ofsted asks; one row per child, for their latest such episode.
  7 Child protection: plans open on the as-at date or ended in the six months (one row per
    plan, so a child whose plan ended and who has a new one appears twice).
  8 Children in care: children looked after on the as-at date or who left care in the six
    months (one row per child, for their latest period of care).
  9 Care leavers: young people aged 16 to 24 on the as-at date with a leaving-care status
    (eligible, relevant, former relevant or qualifying) that began by the as-at date.
 10 Adoption: decisions to place for adoption made by the as-at date where the child was adopted
    or the decision reversed in the twelve months, or neither has happened yet.
 11 Adopters: each prospective adopter whose household had any dated step in the twelve months,
    or is still in the process (not left, no adoption order yet).
Anything dated after the as-at date had not happened then and is left out (an episode still
open then is shown open), so the lists can be drawn for a past date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from safeguard.assessment.models import Assessment, CINPlan
from safeguard.audit.services import audit_record
from safeguard.child_protection.models import (
    ChildProtectionPlan,
    Conference,
    EmergencyOrder,
    Section47Enquiry,
)
from safeguard.front_door.models import Contact, EarlyHelpEpisode, Referral
from safeguard.looked_after.checks import RESPITE, age_on
from safeguard.looked_after.models import (
    AdopterHousehold,
    AdoptionJourney,
    CareLeaverContact,
    Episode,
    HealthAssessment,
    LookedAfterReview,
    MissingEpisode,
    PeriodOfCare,
    PermanencePlan,
    care_leaver_status_versions,
)
from safeguard.people.models import Child, ChildDisability, Visit
from safeguard.workforce.models import Allocation
from safeguard.workforce.selectors import council_for

from .places import OUTSIDE_ENGLAND, council_name, placement_areas
from .schema import LISTS, coded, columns

OBJECT_TYPE = "returns.AnnexA"

YES, NO, UNKNOWN = "a) Yes", "b) No", "c) Unknown"
GENDER = {"M": "a) Male", "F": "b) Female", "U": "c) Not stated/recorded"}
ABUSE = {"NEG": "a) Neglect", "PHY": "b) Physical abuse", "SAB": "c) Sexual abuse",
         "EMO": "d) Emotional abuse", "MUL": "e) Multiple/not recommended"}
PERMANENCE = {"family": "a) Return to family", "adoption": "b) Adoption", "sgo": "c) SGO/CAO",
              "cao": "c) SGO/CAO", "supported": "d) Supported living in the community",
              "fostering": "f) Long-term fostering", "other": "g) other"}
ELIGIBILITY = {"relevant": "a) Relevant child", "former_relevant": "b) Former relevant child",
               "qualifying": "c) Qualifying care leaver", "eligible": "d) Eligible child"}
IN_TOUCH = {"YES": "a) Yes", "NO": "b) No", "DIED": "c) Died", "REFU": "d) Refu",
            "NREQ": "e) NREQ", "RHOM": "f) Rhom"}
#: Placement codes newer than the schema, shown as the code they replaced (903 2025-26 change:
#: K3 registered supported accommodation replaced H5 semi-independent living; Z11-Z14 split Z1).
PLACEMENT_FALLBACK = {"K3": "H5", "Z11": "Z1", "Z12": "Z1", "Z13": "Z1", "Z14": "Z1"}
#: RNE codes that start a new placement (L is a change of legal status only).
NEW_PLACEMENT = frozenset({"S", "P", "T", "B", "U"})
#: Reasons for leaving the adoption process, read from the worker's free text.
REASON_LEFT = ((re.compile(r"withdr|withdrew|pull", re.I), "1"),
               (re.compile(r"hold|pause", re.I), "2"),
               (re.compile(r"refus|not approved|unsuitable", re.I), "3"))


@dataclass(frozen=True)
class Window:
    """The as-at date and the first days of the six- and twelve-month periods ending on it."""

    as_at: dt.date
    six: dt.date
    twelve: dt.date

    @classmethod
    def ending(cls, as_at: dt.date) -> Window:
        return cls(as_at, as_at - relativedelta(months=6) + dt.timedelta(days=1),
                   as_at - relativedelta(years=1) + dt.timedelta(days=1))

    def upto(self, day: dt.date | None) -> dt.date | None:
        """A date as known on the as-at date: later ones had not happened yet."""
        return day if day is not None and day <= self.as_at else None

    def open_in_six(self, start: dt.date, end: dt.date | None) -> bool:
        """Begun by the as-at date and not ended before the six months began."""
        return start <= self.as_at and (end is None or end >= self.six)


def _yes_no(value: bool | None, *, unknown: str | None = UNKNOWN) -> str | None:
    if value is None:
        return unknown
    return YES if value else NO


def _latest(items, key):
    return max(items, key=key, default=None)


@dataclass
class _Care:
    """A child's periods of care and their episodes as known on the as-at date."""

    periods: list[PeriodOfCare]
    episodes: dict[int, list[Episode]]  # period id -> episodes begun by the as-at date


class _Record:
    """The council's children and the facts several lists share, loaded once."""

    def __init__(self, la, window: Window) -> None:
        self.la, self.w = la, window
        self.children = {c.pk: c for c in Child.objects.filter(local_authority=la)}
        self.disabilities: dict[int, set[str]] = defaultdict(set)
        for child_id, code in ChildDisability.objects.filter(
                child__local_authority=la).values_list("child_id", "code"):
            self.disabilities[child_id].add(code)
        self.allocations: dict[tuple[int, str], list[Allocation]] = defaultdict(list)
        for a in (Allocation.objects.filter(child__local_authority=la, start_date__lte=window.as_at)
                  .select_related("worker__team", "team")):
            self.allocations[(a.child_id, a.kind)].append(a)
        self.visits: dict[int, list[Visit]] = defaultdict(list)
        for v in Visit.objects.filter(child__local_authority=la, visit_date__lte=window.as_at):
            self.visits[v.child_id].append(v)

    @cached_property
    def care(self) -> dict[int, _Care]:
        """Each child's periods of care and the episodes begun by the as-at date."""
        day, care = self.w.as_at, {}
        for p in PeriodOfCare.objects.filter(child__local_authority=self.la, start_date__lte=day):
            care.setdefault(p.child_id, _Care([], {})).periods.append(p)
        for e in (Episode.objects.filter(period_of_care__child__local_authority=self.la,
                                         decom__lte=day)
                  .select_related("period_of_care").order_by("decom", "pk")):
            care[e.period_of_care.child_id].episodes.setdefault(e.period_of_care_id, []).append(e)
        return care

    def person(self, child_id: int, sheet: str = "List 1") -> list:
        """Child Unique ID, Gender, Ethnicity, Date of Birth, Age of Child (Years)."""
        c = self.children[child_id]
        born = self.w.upto(c.date_of_birth)
        return [c.la_child_id, GENDER.get(c.sex, GENDER["U"]),
                coded(sheet, "Ethnicity", c.ethnicity), born,
                age_on(born, self.w.as_at) if born else None]

    def disability(self, child_id: int) -> str:
        """Yes for any recorded disability, No when 'NONE' is recorded, else Unknown."""
        codes = self.disabilities.get(child_id, set())
        if codes - {"NONE"}:
            return YES
        return NO if codes else UNKNOWN

    def allocated(self, child_id: int, kind: str = Allocation.Kind.SOCIAL_WORKER) -> list:
        """[team, worker]: who holds the case on the as-at date, or else who last held it."""
        held = self.allocations.get((child_id, kind), [])
        current = [a for a in held if a.end_date is None or a.end_date >= self.w.as_at]
        a = _latest(current or held, key=lambda a: (a.start_date, a.end_date or dt.date.max, a.pk))
        if a is None:
            return [None, None]
        team = a.team or a.worker.team
        return [team.name if team else None, str(a.worker)]

    def last_visit(self, child_id: int, start: dt.date, end: dt.date | None, *, iro: bool = False,
                   seen_only: bool = False) -> Visit | None:
        end = min(end or self.w.as_at, self.w.as_at)
        return _latest([v for v in self.visits.get(child_id, []) if start <= v.visit_date <= end
                        and v.by_iro == iro and (v.seen or not seen_only)],
                       key=lambda v: (v.visit_date, v.pk))


def annex_a_lists(*, as_at: dt.date, by) -> dict[str, list[list]]:
    """Every Annex A list for the user's council (or the only council) on `as_at`, as rows of
    cell values in schema column order (dates as dates, blanks as None). Audited once."""
    la = council_for(by)
    window = Window.ending(as_at)
    record = _Record(la, window)
    builders = (_contacts, _early_help, _referrals, _assessments, _section47s, _children_in_need,
                _child_protection, _children_in_care, _care_leavers, _adoption, _adopters)
    lists = {}
    for sheet, build in zip(LISTS, builders, strict=True):
        rows = build(record, window)
        width = len(columns(sheet))
        assert all(len(r) == width for r in rows), f"{sheet}: row width differs from the schema"
        lists[sheet] = sorted(rows, key=lambda r: tuple((v is None, str(v)) for v in r))
    audit_record(actor=by, action="export", object_type=OBJECT_TYPE,
                 object_id=f"{la.la_number}/{as_at.isoformat()}",
                 detail={"as_at": as_at.isoformat(),
                         "rows": {sheet: len(rows) for sheet, rows in lists.items()}})
    return lists


# --- List 1: contacts -----------------------------------------------------------------------

def _contacts(r: _Record, w: Window) -> list[list]:
    rows = []
    for c in Contact.objects.filter(child__local_authority=r.la,
                                    received_at__date__range=(w.six, w.as_at)):
        rows.append([*r.person(c.child_id), timezone.localdate(c.received_at),
                     coded("List 1", "Contact Source", c.source)])
    return rows


# --- List 2: early help ---------------------------------------------------------------------

def _early_help(r: _Record, w: Window) -> list[list]:
    """Organisation left blank on the record means the council's own early help service."""
    rows = []
    for e in EarlyHelpEpisode.objects.filter(child__local_authority=r.la, start_date__lte=w.as_at):
        if w.open_in_six(e.start_date, e.end_date):
            rows.append([*r.person(e.child_id), e.start_date, w.upto(e.assessment_completed_date),
                         e.organisation or r.la.name])
    return rows


# --- List 3: referrals ----------------------------------------------------------------------

def _referrals(r: _Record, w: Window) -> list[list]:
    """'Number of Referrals in Last 12 Months' counts the child's other referrals in the twelve
    months before this one (not this one itself), as the D2I extract does."""
    referrals = list(Referral.objects.filter(child__local_authority=r.la,
                                             referral_date__lte=w.as_at))
    dates: dict[int, list[dt.date]] = defaultdict(list)
    for ref in referrals:
        dates[ref.child_id].append(ref.referral_date)
    rows = []
    for ref in referrals:
        if ref.referral_date < w.six:
            continue
        since = ref.referral_date - relativedelta(years=1)
        earlier = sum(1 for d in dates[ref.child_id] if since <= d < ref.referral_date)
        rows.append([*r.person(ref.child_id), ref.referral_date,
                     coded("List 3", "Referral Source", ref.source), _yes_no(ref.referral_nfa),
                     earlier, *r.allocated(ref.child_id)])
    return rows


# --- List 4: assessments --------------------------------------------------------------------

def _assessments(r: _Record, w: Window) -> list[list]:
    """Child seen: a date the child was seen is recorded by the as-at date. Requiring support:
    only once the assessment is authorised (blank while it is open)."""
    rows = []
    for a in (Assessment.objects.filter(referral__child__local_authority=r.la,
                                        start_date__lte=w.as_at)
              .select_related("referral")):
        if not w.open_in_six(a.start_date, a.authorisation_date):
            continue
        child_id = a.referral.child_id
        authorised = w.upto(a.authorisation_date)
        rows.append([*r.person(child_id), r.disability(child_id), a.start_date,
                     _yes_no(w.upto(a.child_seen_date) is not None), authorised,
                     _yes_no(a.requires_support) if authorised else None,
                     *r.allocated(child_id)])
    return rows


# --- List 5: section 47 enquiries and initial conferences -----------------------------------

def _section47s(r: _Record, w: Window) -> list[list]:
    """The strategy discussion date is that of the discussion linked to the enquiry, else the
    enquiry's start. An ICPC was 'deemed unnecessary' when the enquiry ended without one and
    either ICPCnotRequired is recorded or its outcome was not a conference. The 12-month counts
    are of the child's other enquiries started, and initial conferences held, in the twelve
    months before this enquiry started."""
    enquiries = list(Section47Enquiry.objects.filter(referral__child__local_authority=r.la,
                                                     start_date__lte=w.as_at)
                     .select_related("referral", "strategy_discussion"))
    initial = defaultdict(list)  # section 47 id -> its initial conferences
    icpcs = defaultdict(list)    # child id -> dates of initial conferences
    for c in Conference.objects.filter(referral__child__local_authority=r.la,
                                       kind=Conference.Kind.INITIAL, held_on__lte=w.as_at
                                       ).select_related("referral"):
        icpcs[c.referral.child_id].append(c.held_on)
        if c.section47_id:
            initial[c.section47_id].append(c)
    starts = defaultdict(list)
    for s in enquiries:
        starts[s.referral.child_id].append((s.start_date, s.pk))
    rows = []
    for s in enquiries:
        child_id = s.referral.child_id
        icpc = min(initial.get(s.pk, []), key=lambda c: (c.held_on, c.pk), default=None)
        ended = icpc.held_on if icpc else s.end_date
        if not w.open_in_six(s.start_date, ended):
            continue
        since = s.start_date - relativedelta(years=1)
        unnecessary = None  # blank while the enquiry is still open
        if icpc is not None:
            unnecessary = False
        elif w.upto(s.end_date) is not None:
            unnecessary = s.icpc_not_required or s.outcome != Section47Enquiry.Outcome.ICPC
        plan = None
        if icpc is not None:
            plan = icpc.plan_required
            if plan is None:
                plan = icpc.cp_plan_id is not None
        sd = s.strategy_discussion
        rows.append([
            *r.person(child_id), r.disability(child_id),
            sd.held_on if sd is not None else s.start_date,
            _yes_no(unnecessary, unknown=None),
            icpc.held_on if icpc else None, _yes_no(plan, unknown=None),
            sum(1 for d, pk in starts[child_id] if since <= d and (d, pk) < (s.start_date, s.pk)),
            sum(1 for d in icpcs[child_id] if since <= d < s.start_date),
            *r.allocated(child_id),
        ])
    return rows


# --- List 6: children in need ---------------------------------------------------------------

def _open_on(start: dt.date, end: dt.date | None, day: dt.date) -> bool:
    return start <= day and (end is None or end > day)


def _children_in_need(r: _Record, w: Window) -> list[list]:
    """Case status on the as-at date, first that applies: closed episode, looked after (not
    short breaks), CP plan, CIN plan, open assessment, else child in need plan (the D2I
    catch-all). 'Date child was last seen': the latest visit at which the child was seen, or
    the date seen during an assessment, within the episode."""
    la, day = r.la, w.as_at
    referrals = [ref for ref in Referral.objects.filter(child__local_authority=la,
                                                        referral_date__lte=day)
                 if w.open_in_six(ref.referral_date, ref.closure_date) and not ref.referral_nfa]
    served = set()
    seen_in_assessment = defaultdict(list)
    open_assessment, open_cin, open_cp = set(), set(), set()
    for a in Assessment.objects.filter(referral__child__local_authority=la, start_date__lte=day):
        served.add(a.referral_id)
        if a.child_seen_date and a.child_seen_date <= day:
            seen_in_assessment[a.referral_id].append(a.child_seen_date)
        if _open_on(a.start_date, a.authorisation_date, day):
            open_assessment.add(a.referral_id)
    for model, opened in ((CINPlan, open_cin), (ChildProtectionPlan, open_cp)):
        for p in model.objects.filter(referral__child__local_authority=la, start_date__lte=day
                                      ).select_related("referral"):
            served.add(p.referral_id)
            if _open_on(p.start_date, p.end_date, day):
                opened.add(p.referral.child_id)
    served.update(Section47Enquiry.objects.filter(referral__child__local_authority=la,
                                                  start_date__lte=day)
                  .values_list("referral_id", flat=True))
    looked_after = _looked_after_on(r, day)

    latest: dict[int, Referral] = {}
    for ref in referrals:
        end = min(ref.closure_date or day, day)
        periods = r.care[ref.child_id].periods if ref.child_id in r.care else []
        in_care = any(p.start_date <= end and not (p.end_date and p.end_date < ref.referral_date)
                      for p in periods)
        if ref.pk not in served and not in_care:
            continue
        held = latest.get(ref.child_id)
        if held is None or (ref.referral_date, ref.pk) > (held.referral_date, held.pk):
            latest[ref.child_id] = ref
    rows = []
    for child_id, ref in latest.items():
        closed = w.upto(ref.closure_date)
        if closed:
            status = "e) Closed episode"
        elif child_id in looked_after:
            status = "a) Looked after child"
        elif child_id in open_cp:
            status = "b) Child Protection plan"
        elif ref.pk in open_assessment and child_id not in open_cin:
            status = "d) Open assessment"
        else:
            status = "c) Child in need plan"
        visit = r.last_visit(child_id, ref.referral_date, closed, seen_only=True)
        seen = [d for d in seen_in_assessment.get(ref.pk, []) if d <= (closed or day)]
        if visit is not None:
            seen.append(visit.visit_date)
        rows.append([
            *r.person(child_id), r.disability(child_id), ref.referral_date,
            coded("List 6", "Primary Need Code", ref.primary_need or "N0"),
            max(seen, default=None), closed,
            coded("List 6", "Reason for Closure", ref.reason_for_closure) if closed else None,
            status, *r.allocated(child_id),
        ])
    return rows


# --- List 7: child protection ---------------------------------------------------------------

def _child_protection(r: _Record, w: Window) -> list[list]:
    """'Latest category' is the category recorded now (the record keeps no dated history of
    category changes). Number of previous plans: as recorded on the plan, else the child's
    earlier plans on the record. EPO/police protection: any in force at some time in the six
    months."""
    plans = list(ChildProtectionPlan.objects.filter(referral__child__local_authority=r.la,
                                                    start_date__lte=w.as_at)
                 .select_related("referral"))
    reviews = defaultdict(list)
    for c in Conference.objects.filter(cp_plan__in=[p.pk for p in plans],
                                       kind=Conference.Kind.REVIEW, held_on__lte=w.as_at):
        reviews[c.cp_plan_id].append(c.held_on)
    protected = {o.child_id for o in EmergencyOrder.objects.filter(child__local_authority=r.la)
                 if w.open_in_six(o.start_date, o.end_date)}
    starts = defaultdict(list)
    for p in plans:
        starts[p.referral.child_id].append((p.start_date, p.pk))
    rows = []
    for p in plans:
        if not w.open_in_six(p.start_date, p.end_date):
            continue
        child_id = p.referral.child_id
        ended = w.upto(p.end_date)
        visit = r.last_visit(child_id, p.start_date, ended)
        previous = p.number_of_previous_cpp
        if previous is None:
            previous = sum(1 for s in starts[child_id] if s < (p.start_date, p.pk))
        rows.append([
            *r.person(child_id), r.disability(child_id), p.start_date, ABUSE[p.initial_category],
            ABUSE[p.latest_category], visit.visit_date if visit else None,
            _yes_no(visit.seen_alone) if visit else None, max(reviews.get(p.pk, []), default=None),
            ended, _yes_no(child_id in protected), previous, *r.allocated(child_id),
        ])
    return rows


# --- List 8: children in care ---------------------------------------------------------------

def _looked_after_on(r: _Record, day: dt.date) -> set[int]:
    """Children in a period of care on the day whose legal status is not a short break."""
    out = set()
    for child_id, c in r.care.items():
        for p in c.periods:
            eps = c.episodes.get(p.pk, [])
            if (_open_on(p.start_date, p.end_date, day) and eps
                    and eps[-1].legal_status not in RESPITE):
                out.add(child_id)
    return out


def _placements(episodes: list[Episode]) -> list[tuple[dt.date, dt.date | None, Episode]]:
    """(start, end, latest episode) for each placement: a run of episodes with no new placement."""
    runs: list[list] = []
    for e in episodes:
        if not runs or e.rne in NEW_PLACEMENT:
            runs.append([e.decom, e.dec, e])
        else:
            runs[-1][1:] = [e.dec, e]
    return [tuple(run) for run in runs]


def _placement_type(code: str) -> str:
    try:
        return coded("List 8", "Placement Type", code)
    except KeyError:
        return coded("List 8", "Placement Type", PLACEMENT_FALLBACK[code])


def _postcode_area(postcode: str) -> str:
    match = re.match(r"[A-Z]+", postcode.replace(" ", "").upper())
    return match.group(0) if match else ""


def _placed_where(r: _Record, areas: dict[str, str | None], placed: str,
                  home: str) -> tuple[bool, str | None]:
    """(inside the council?, LA of Placement) for a placement postcode. From the ONS postcode
    directory where it places the postcode: the council's own name inside, another English
    council's name, or Annex A's code outside England (WAL, SCO, NIR, NUK). Where it cannot (a
    made-up or terminated postcode, or a partial one whose district spans councils), 'inside'
    falls back on the placement sharing the home postcode's area, and the LA is named only for
    a placement inside or a Northern Irish (BT) postcode."""
    area = areas.get(placed) if placed else None
    if area is None:
        inside = bool(placed and home) and _postcode_area(placed) == _postcode_area(home)
        if inside:
            return True, r.la.name
        return False, (coded("List 8", "LA of Placement", "NIR")
                       if _postcode_area(placed) == "BT" else None)
    if area == r.la.code:
        return True, r.la.name
    if area in OUTSIDE_ENGLAND.values():
        return False, coded("List 8", "LA of Placement", area)
    return False, council_name(area) or area


def _children_in_care(r: _Record, w: Window) -> list[list]:
    """Placement location and LA of placement: the council the placement postcode lies in, from
    the ONS postcode directory (`places`; see `_placed_where` for postcodes it cannot place).
    Placements in the last 12 months: placements (runs of episodes between new-placement RNEs)
    held at any time in the twelve months, across periods of care."""
    day = w.as_at
    care = r.care
    ids = list(care)
    reviews = defaultdict(list)
    for rv in LookedAfterReview.objects.filter(period_of_care__child__local_authority=r.la,
                                               review_date__lte=day):
        reviews[rv.period_of_care_id].append(rv.review_date)
    plans = defaultdict(list)
    for pp in PermanencePlan.objects.filter(child_id__in=ids, plan_date__lte=day):
        plans[pp.child_id].append(pp)
    health = defaultdict(list)
    for h in HealthAssessment.objects.filter(child_id__in=ids, completed_date__lte=day):
        health[(h.child_id, h.kind == HealthAssessment.Kind.DENTAL)].append(h.completed_date)
    missing = defaultdict(list)
    for m in MissingEpisode.objects.filter(child_id__in=ids, start_date__lte=day):
        missing[m.child_id].append(m)
    areas = placement_areas(e.placement_postcode for c in care.values()
                            for eps in c.episodes.values() for e in eps if e.placement_postcode)

    rows = []
    for child_id, c in care.items():
        periods = [p for p in c.periods if w.open_in_six(p.start_date, p.end_date)
                   and c.episodes.get(p.pk)]
        period = _latest(periods, key=lambda p: (p.start_date, p.pk))
        if period is None:
            continue
        child = r.children[child_id]
        episodes = c.episodes[period.pk]
        current = episodes[-1]
        ended = w.upto(period.end_date)
        status_from = current.decom
        for prev in reversed(episodes[:-1]):
            if prev.legal_status != current.legal_status:
                break
            status_from = prev.decom
        placement_start, _, _ = _placements(episodes)[-1]
        held = [run for p in c.periods for run in _placements(c.episodes.get(p.pk, []))
                if run[0] <= day and (w.upto(run[1]) is None or run[1] >= w.twelve)]
        earlier = any(p.start_date < period.start_date
                      and (w.upto(p.end_date) is None or p.end_date >= w.twelve)
                      for p in c.periods)
        plan = _latest([pp for pp in plans.get(child_id, []) if pp.plan_date >= period.start_date],
                       key=lambda pp: (pp.plan_date, pp.pk))
        social_work = r.last_visit(child_id, period.start_date, ended)
        iro = r.last_visit(child_id, period.start_date, ended, iro=True)
        last_year = [m for m in missing.get(child_id, []) if m.start_date >= w.twelve]
        last_missing = _latest([m for m in last_year if m.kind == "M"],
                               key=lambda m: (m.start_date, m.pk))
        offered = None
        if last_missing is not None:
            at = last_missing.return_interview_offered_at
            offered = at is not None and timezone.localdate(at) <= day
        uasc_recent = child.uasc and (child.uasc_ceased_date is None
                                      or child.uasc_ceased_date >= w.twelve)
        placed = current.placement_postcode
        home = current.home_postcode or child.home_postcode
        inside, where = _placed_where(r, areas, placed, home)
        rows.append([
            *r.person(child_id), _yes_no(uasc_recent), r.disability(child_id), period.start_date,
            coded("List 8", "Child's Category of Need", current.category_of_need), _yes_no(earlier),
            status_from, coded("List 8", "Child's Legal Status", current.legal_status),
            max(reviews.get(period.pk, []), default=None),
            social_work.visit_date if social_work else None,
            PERMANENCE.get(plan.plan) if plan else None, iro.visit_date if iro else None,
            max(health.get((child_id, False), []), default=None),
            max(health.get((child_id, True), []), default=None), len(held), ended,
            coded("List 8", "Reason Ceased to be Looked After", current.rec) if ended else None,
            placement_start, _placement_type(current.placement),
            coded("List 8", "Placement Provider", current.placement_provider)
            if current.placement_provider else None,
            placed or None, current.urn or None,
            ("a) In" if inside else "b) Out") if placed else None,
            where, sum(1 for m in last_year if m.kind == "M"),
            sum(1 for m in last_year if m.kind == "A"), _yes_no(offered, unknown=None),
            (_yes_no(last_missing.return_interview_accepted) if offered else None),
            *r.allocated(child_id),
        ])
    return rows


# --- List 9: care leavers -------------------------------------------------------------------

def _care_leavers(r: _Record, w: Window) -> list[list]:
    """The leaving-care category in force on the as-at date comes from the status's history
    (the latest version dated by then). In touch, accommodation and activity come from the
    latest care-leaver contact by the as-at date."""
    day = w.as_at
    status: dict[int, tuple] = {}
    for h in care_leaver_status_versions(day).filter(child__local_authority=r.la):
        status[h.child_id] = (h.eligibility, h.since_date)
    contacts = defaultdict(list)
    for c in CareLeaverContact.objects.filter(child_id__in=list(status), contact_date__lte=day):
        contacts[c.child_id].append(c)
    rows = []
    for child_id, (eligibility, _since) in status.items():
        child = r.children[child_id]
        born = w.upto(child.date_of_birth)
        if born is None or not 16 <= age_on(born, day) <= 24:
            continue
        latest = _latest(contacts.get(child_id, []), key=lambda c: (c.contact_date, c.pk))
        reviews = [c.pathway_plan_review_date for c in contacts.get(child_id, [])
                   if c.pathway_plan_review_date and c.pathway_plan_review_date <= day]
        accom = latest.accommodation if latest and latest.accommodation != "0" else ""
        activity = latest.activity if latest and latest.activity != "0" else ""
        rows.append([
            *r.person(child_id), _yes_no(child.uasc), r.disability(child_id),
            *r.allocated(child_id), r.allocated(child_id, Allocation.Kind.PERSONAL_ADVISER)[1],
            ELIGIBILITY[eligibility], max(reviews, default=None),
            IN_TOUCH.get(latest.in_touch) if latest else None,
            latest.contact_date if latest else None,
            coded("List 9", "Type of Accommodation", accom[0]) if accom else None,
            ("a) Suitable" if accom[1:] == "1" else "b) Unsuitable") if accom else None,
            coded("List 9", "Activity Status", activity) if activity else None,
        ])
    return rows


# --- List 10: adoption ----------------------------------------------------------------------

def _adoption(r: _Record, w: Window) -> list[list]:
    """Date entered care: the start of the period of care the decision was made in (else the
    latest that began before it). FFA / concurrent planning: the first episode in a foster for
    adoption placement (U2, U5) in that period."""
    day = w.as_at
    care = r.care
    rows = []
    for j in (AdoptionJourney.objects.filter(child__local_authority=r.la, decision_date__lte=day)
              .select_related("adopter_household")):
        adopted, reversed_on = w.upto(j.adoption_order_date), w.upto(j.decision_reversed_date)
        if (adopted and adopted < w.twelve) or (reversed_on and reversed_on < w.twelve):
            continue
        c = care.get(j.child_id)
        period = _latest([p for p in c.periods if p.start_date <= j.decision_date], key=lambda p: (
            p.start_date, p.pk)) if c else None
        ffa = None
        if period is not None:
            ffa = next((e.decom for e in c.episodes.get(period.pk, [])
                        if e.placement in ("U2", "U5")), None)
        household = j.adopter_household
        rows.append([
            r.person(j.child_id)[0], household.reference if household else None,
            *r.person(j.child_id, "List 10")[1:], r.disability(j.child_id),
            period.start_date if period else None, j.decision_date,
            w.upto(j.placement_order_date), w.upto(j.matched_date), w.upto(j.placed_date), adopted,
            reversed_on,
            coded("List 10", "Reason Why Child No Longer Placed for Adoption", j.reason_reversed)
            if reversed_on else None,
            ffa,
        ])
    return rows


# --- List 11: adopters ----------------------------------------------------------------------

def _reason_left(text: str) -> str | None:
    for pattern, code in REASON_LEFT:
        if pattern.search(text):
            return coded("List 11", "Reason for leaving adoption process", code)
    return None


def _adopters(r: _Record, w: Window) -> list[list]:
    """Matched / placed: the earliest such date among the household's children; adoption order:
    the latest; children placed: how many were placed by the as-at date. The reason for leaving
    is read from the worker's words (withdrew / on hold / refused), else left blank."""
    day = w.as_at
    journeys = defaultdict(list)
    for j in AdoptionJourney.objects.filter(adopter_household__local_authority=r.la):
        journeys[j.adopter_household_id].append(j)
    rows = []
    for h in (AdopterHousehold.objects.filter(local_authority=r.la, enquiry_date__lte=day)
              .prefetch_related("adopters")):
        mine = journeys.get(h.pk, [])
        matched = min(filter(None, (w.upto(j.matched_date) for j in mine)), default=None)
        placed = [w.upto(j.placed_date) for j in mine if w.upto(j.placed_date)]
        order = max(filter(None, (w.upto(j.adoption_order_date) for j in mine)), default=None)
        left = w.upto(h.left_process_date)
        steps = [h.enquiry_date, h.stage1_start, h.stage1_end, h.stage2_start, h.stage2_end,
                 h.application_date, h.approval_date, left, matched, order, *placed]
        active = left is None and order is None
        if not active and max(filter(None, map(w.upto, steps))) < w.twelve:
            continue
        for a in sorted(h.adopters.all(), key=lambda a: a.reference):
            rows.append([
                a.reference, h.reference, GENDER.get(a.sex, GENDER["U"]),
                coded("List 11", "Ethnicity", a.ethnicity), _yes_no(a.disability),
                "Yes" if h.fostering_for_adoption else "No", h.enquiry_date,
                *(w.upto(d) for d in (h.stage1_start, h.stage1_end, h.stage2_start, h.stage2_end,
                                      h.application_date, h.approval_date)),
                matched, min(placed, default=None), len(placed), order, left,
                _reason_left(h.reason_left) if left else None,
            ])
    return rows
