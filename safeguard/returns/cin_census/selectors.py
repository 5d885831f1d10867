"""The one read the CIN census export makes: which children and which of their records belong in
the return for a collection year, as plain values. It takes the user and writes one audit row,
like every read of children's records."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from safeguard.assessment.models import Assessment, AssessmentFactorIdentified, CINPlan
from safeguard.audit.services import audit_record
from safeguard.child_protection.models import ChildProtectionPlan, Conference, Section47Enquiry
from safeguard.front_door.models import Referral
from safeguard.people.models import Child, ChildDisability

OBJECT_TYPE = "returns.CINCensus"
_DECIDING = (Conference.Kind.INITIAL, Conference.Kind.TRANSFER_IN)


def census_period(year: int) -> tuple[dt.date, dt.date]:
    """Collection year Y runs from 1 April Y-1 to 31 March Y (the ReferenceDate)."""
    return dt.date(year - 1, 4, 1), dt.date(year, 3, 31)


def _upto(day: dt.date | None, end: dt.date) -> dt.date | None:
    """A date after the reference date had not happened at the census: it is left out."""
    return day if day is not None and day <= end else None


def _active(start: dt.date, end: dt.date | None, y0: dt.date, y1: dt.date) -> bool:
    """Open at any time in the year: started by its end, not ended before its start."""
    return start <= y1 and (end is None or end >= y0)


@dataclass
class CensusAssessment:
    start: dt.date
    internal_review: dt.date | None
    authorised: dt.date | None
    factors: list[str]


@dataclass
class CensusSection47:
    start: dt.date
    icpc: dt.date | None
    icpc_not_required: bool


@dataclass
class CensusCPPlan:
    start: dt.date
    end: dt.date | None
    initial_category: str
    latest_category: str
    previous: int
    reviews: list[dt.date]


@dataclass
class CensusEpisode:
    """One CINdetails group: an episode of need open at some time in the year."""

    referral_date: dt.date
    source: str
    primary_need: str
    closure_date: dt.date | None
    reason_for_closure: str
    initial_cpc: dt.date | None
    nfa: bool
    assessments: list[CensusAssessment] = field(default_factory=list)
    cin_plans: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)
    section47s: list[CensusSection47] = field(default_factory=list)
    cp_plans: list[CensusCPPlan] = field(default_factory=list)


@dataclass
class CensusChild:
    la_child_id: str
    upn: str
    former_upn: str
    upn_unknown: str
    birth_date: dt.date | None
    expected_birth_date: dt.date | None
    sex: str
    death_date: dt.date | None
    ethnicity: str
    disabilities: list[str]
    episodes: list[CensusEpisode]


def cin_census_children(*, by, local_authority, year: int) -> list[CensusChild]:
    """Every child with an episode of need open at any time in the collection year, with the
    items of those episodes that were open (or happened) in the year, sorted by LA child ID and
    then by date. Writes one audit row (action "export")."""
    y0, y1 = census_period(year)
    referrals = list(
        Referral.objects.filter(child__local_authority=local_authority, referral_date__lte=y1)
        .exclude(closure_date__lt=y0)
        .order_by("child_id", "referral_date", "pk")
    )
    ref_ids = [r.pk for r in referrals]
    in_scope = Referral.objects.filter(pk__in=Referral.objects.filter(
        child__local_authority=local_authority, referral_date__lte=y1).exclude(closure_date__lt=y0)
        .values("pk"))
    by_ref: dict[str, dict[int, list]] = {k: defaultdict(list) for k in
                                          ("assessments", "cin_plans", "s47s", "cp_plans", "conf")}
    for a in Assessment.objects.filter(referral__in=in_scope).order_by("start_date", "pk"):
        by_ref["assessments"][a.referral_id].append(a)
    factors: dict[int, list[str]] = defaultdict(list)
    for f in AssessmentFactorIdentified.objects.filter(assessment__referral__in=in_scope):
        factors[f.assessment_id].append(f.code)
    for p in CINPlan.objects.filter(referral__in=in_scope).order_by("start_date", "pk"):
        by_ref["cin_plans"][p.referral_id].append(p)
    for s in Section47Enquiry.objects.filter(referral__in=in_scope).order_by("start_date", "pk"):
        by_ref["s47s"][s.referral_id].append(s)
    for p in ChildProtectionPlan.objects.filter(referral__in=in_scope).order_by("start_date", "pk"):
        by_ref["cp_plans"][p.referral_id].append(p)
    for c in Conference.objects.filter(referral__in=in_scope).order_by("held_on", "pk"):
        by_ref["conf"][c.referral_id].append(c)

    child_ids = sorted({r.child_id for r in referrals})
    children = {c.pk: c for c in Child.objects.filter(pk__in=child_ids)} if child_ids else {}
    disabilities: dict[int, list[str]] = defaultdict(list)
    for d in ChildDisability.objects.filter(child__in=Child.objects.filter(
            local_authority=local_authority)).order_by("code"):
        disabilities[d.child_id].append(d.code)

    episodes: dict[int, list[CensusEpisode]] = defaultdict(list)
    for r in referrals:
        episodes[r.child_id].append(_episode(r, by_ref, factors, y0, y1))

    out = []
    for child_id in child_ids:
        c = children[child_id]
        born = _upto(c.date_of_birth, y1)
        out.append(CensusChild(
            la_child_id=c.la_child_id, upn=c.upn, former_upn=c.former_upn,
            upn_unknown=c.upn_unknown, birth_date=born,
            expected_birth_date=c.expected_date_of_birth if born is None else None,
            sex=c.sex if born is not None else "U", death_date=_upto(c.date_of_death, y1),
            ethnicity=c.ethnicity, disabilities=disabilities.get(child_id, []),
            episodes=episodes[child_id],
        ))
    out.sort(key=lambda c: c.la_child_id)
    audit_record(actor=by, action="export", object_type=OBJECT_TYPE,
                 object_id=f"{local_authority.la_number}/{year}",
                 detail={"year": year, "children": len(out), "episodes": len(ref_ids)})
    return out


def _episode(r: Referral, by_ref, factors, y0: dt.date, y1: dt.date) -> CensusEpisode:
    closure = _upto(r.closure_date, y1)
    conferences = by_ref["conf"][r.pk]
    ep = CensusEpisode(
        referral_date=r.referral_date, source=r.source, primary_need=r.primary_need,
        closure_date=closure, reason_for_closure=r.reason_for_closure if closure else "",
        initial_cpc=None, nfa=r.referral_nfa,
    )
    for a in by_ref["assessments"][r.pk]:
        if not _active(a.start_date, a.authorisation_date, y0, y1):
            continue
        authorised = _upto(a.authorisation_date, y1)
        ep.assessments.append(CensusAssessment(
            start=a.start_date, internal_review=_upto(a.internal_review_date, y1),
            authorised=authorised, factors=sorted(factors.get(a.pk, []), key=_factor_order)
            if authorised else []))
    for p in by_ref["cin_plans"][r.pk]:
        if _active(p.start_date, p.end_date, y0, y1):
            ep.cin_plans.append((p.start_date, _upto(p.end_date, y1)))
    for s in by_ref["s47s"][r.pk]:
        icpcs = [c.held_on for c in conferences
                 if c.kind == Conference.Kind.INITIAL and c.section47_id == s.pk]
        icpc = min(icpcs) if icpcs else None
        ended = icpc or s.end_date or (s.start_date if s.icpc_not_required else None)
        if _active(s.start_date, ended, y0, y1):
            ep.section47s.append(CensusSection47(start=s.start_date, icpc=_upto(icpc, y1),
                                                 icpc_not_required=s.icpc_not_required))
    deciding = []
    for p in by_ref["cp_plans"][r.pk]:
        if not _active(p.start_date, p.end_date, y0, y1):
            continue
        reviews = [c.held_on for c in conferences if c.kind == Conference.Kind.REVIEW
                   and c.cp_plan_id == p.pk and y0 <= c.held_on <= y1]
        ep.cp_plans.append(CensusCPPlan(
            start=p.start_date, end=_upto(p.end_date, y1), initial_category=p.initial_category,
            latest_category=p.latest_category, previous=p.number_of_previous_cpp or 0,
            reviews=sorted(set(reviews))))
        deciding += [c.held_on for c in conferences if c.kind in _DECIDING and c.cp_plan_id == p.pk]
    # CINdetails DateOfInitialCPC: the conference that decided the latest plan in the return, or
    # else the latest initial / transfer-in conference held by the reference date. An ICPC that
    # ended a Section 47 enquiry in the return is recorded there only (CIN rule 2884).
    on_s47 = {s.icpc for s in ep.section47s if s.icpc is not None}
    deciding = [day for day in deciding if day not in on_s47]
    held = [c.held_on for c in conferences if c.kind in _DECIDING and c.held_on <= y1
            and c.held_on not in on_s47]
    ep.initial_cpc = max(deciding) if deciding else (max(held) if held else None)
    return ep


def _factor_order(code: str) -> tuple[int, str]:
    """DfE order: 1A, 1B, ... 9A, 10A, ... 24A."""
    digits = "".join(ch for ch in code if ch.isdigit())
    return int(digits or 0), code
