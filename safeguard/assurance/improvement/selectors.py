"""Every read of the improvement plan: the plan page's summary, one recommendation with its
actions, evidence and judgement history, the choices the forms offer (measures from the
performance catalogue, themes and domains of the audit scorecard), the figures a judgement keeps
(`measure_readings`, `audit_readings`), and the self-assessment report (`self_assessment`), a
plain structure another page or the committee pack renders. The plan names no child."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from safeguard.assurance.audits import selectors as audit_selectors
from safeguard.assurance.audits.models import GOOD_OR_BETTER, AuditDomain, CaseAudit, ProgrammeKind, Theme
from safeguard.core.errors import today
from safeguard.performance import catalogue as cat
from safeguard.performance.periods import quarter, reporting_year_of
from safeguard.performance.scorecard import build_scorecard, measures_for
from safeguard.workforce.models import User

from . import rules
from .models import (
    OVERDUE,
    ActionStatus,
    AuditScope,
    Evidence,
    EvidenceKind,
    ImprovementAction,
    Inspection,
    Judgement,
    Reading,
    Recommendation,
    ReviewJudgement,
)

#: Status labels as pages show them (stored states and the derived "overdue").
STATUS_LABELS = {**dict(ActionStatus.choices), OVERDUE: "Overdue"}
#: The audit scorecard's months a judgement reads: the three months to the judgement's month.
AUDIT_MONTHS = 3


def _reader(user) -> None:
    if not rules.can_read(user):
        raise PermissionDenied("the improvement plan is for managers, leaders, analysts and councillors")


# --- choices the forms offer ---------------------------------------------------------------------


def measure_choices(la) -> list[tuple[str, str]]:
    """The scorecard's measures in its order, each by name with its id (as the council names it)."""
    return [(ind.id, f"{s.name if s and s.name else ind.name} ({ind.id})") for ind, s in measures_for(la)]


def measure_names(la) -> dict[str, str]:
    """Every measure a link may name: the catalogue's, and the council's configured extras."""
    names = {i: ind.name for i, ind in cat.CATALOGUE.items()}
    names.update({ind.id: (s.name if s and s.name else ind.name) for ind, s in measures_for(la)})
    return names


def theme_choices() -> list[tuple[str, str]]:
    """The audit scorecard's themes (its "programme" dimension): the monthly sample and each theme."""
    return [(ProgrammeKind.MONTHLY.value, "Monthly case file audits"), *Theme.choices]


def domain_choices() -> list[tuple[str, str]]:
    """The domains of the audit tools, once each by code."""
    seen: dict[str, str] = {}
    for code, title in (
        AuditDomain.objects.filter(tool__active=True)
        .order_by("tool__name", "order")
        .values_list("code", "title")
    ):
        seen.setdefault(code, title)
    return sorted(seen.items(), key=lambda kv: kv[1])


def programme_choices(user) -> list[tuple[int, str]]:
    return [(p.pk, f"{p.title} ({p.month:%B %Y})") for p in audit_selectors.programmes(user)[:60]]


def owners(user) -> QuerySet:
    """Who may own an action: any active member of staff of the council."""
    return User.objects.filter(local_authority_id=user.local_authority_id, is_active=True).order_by(
        "first_name", "last_name", "pk"
    )


# --- the figures a judgement keeps ---------------------------------------------------------------


def review_quarter(day: dt.date) -> tuple[int, int]:
    """The reporting quarter a panel meeting on `day` has figures for: the last quarter ended on or
    before that day (a panel in May reads the year to March: last year's Q4)."""
    year = reporting_year_of(day)
    for q in (4, 3, 2, 1):
        if quarter(year, q).end <= day:
            return year, q
    return year - 1, 4


def shown(value, unit: str) -> str:
    """A figure as the scorecard prints it."""
    if value is None:
        return "No figure"
    if unit == cat.PERCENT:
        return f"{value:.1f}%"
    if unit == cat.COUNT:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


@dataclass(frozen=True)
class Figure:
    value: float | None
    numerator: float | None
    denominator: float | None
    unit: str
    shown: str
    period_label: str


def measure_readings(la, indicator_ids, day: dt.date) -> dict[str, Figure]:
    """Each measure's value for the quarter a panel on `day` reads, from the scorecard (figures kept,
    so a period is computed once)."""
    ids = sorted(set(indicator_ids))
    if not ids:
        return {}
    year, q = review_quarter(day)
    card = build_scorecard(la, year, q, indicator_ids=ids, keep=True)
    out = {}
    for row in card.rows:
        r = row.current
        if r is None or r.value is None:
            text = "Not held in the record" if row.status == cat.NOT_HELD else "No figure"
            out[row.id] = Figure(None, None, None, row.unit, text, card.period.label)
        else:
            out[row.id] = Figure(
                r.value, r.numerator, r.denominator, row.unit, shown(r.value, row.unit), card.period.label
            )
    return out


def _months_to(day: dt.date, n: int) -> tuple[dt.date, dt.date]:
    last = day.replace(day=1)
    first = last
    for _ in range(n - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first, last


def audit_readings(user, evidence: list[Evidence], day: dt.date) -> dict[int, Figure]:
    """Each audit link's share of grades good or better (the audit scorecard's grades that count),
    over the three months to `day`'s month (a programme: its own month). One read of the scorecard."""
    links = [e for e in evidence if e.kind == EvidenceKind.AUDIT]
    if not links:
        return {}
    first, last = _months_to(day, AUDIT_MONTHS)
    months = [e.programme.month for e in links if e.programme_id]
    grades = audit_selectors.scorecard_grades(user, first=min([first, *months]), last=max([last, *months]))
    programme_audits = defaultdict(set)
    wanted = [e.programme_id for e in links if e.programme_id]
    for audit_id, prog_id in CaseAudit.objects.filter(programme_id__in=wanted).values_list(
        "pk", "programme_id"
    ):
        programme_audits[prog_id].add(audit_id)
    out = {}
    for e in links:
        if e.audit_scope == AuditScope.PROGRAMME:
            mine = [g for g in grades if g["audit_id"] in programme_audits[e.programme_id]]
            label = f"{e.programme.month:%B %Y}"
        else:
            dim = "theme" if e.audit_scope == AuditScope.THEME else "domain"
            mine = [g for g in grades if first <= g["month"] <= last and g[dim][0] == e.audit_key]
            label = f"{first:%b %Y} to {last:%b %Y}" if first != last else f"{last:%B %Y}"
        n = len(mine)
        good = sum(g["grade"] in GOOD_OR_BETTER for g in mine)
        value = round(100 * good / n, 1) if n else None
        text = (
            f"{value:.0f}% good or better ({good} of {n} grades)" if n else "No audits graded in the period"
        )
        out[e.pk] = Figure(value, good if n else None, n or None, cat.PERCENT, text, label)
    return out


# --- the plan ------------------------------------------------------------------------------------


#: Evidence in the order a reader weighs it: the figures, the audits, then words.
_KIND_ORDER = {EvidenceKind.MEASURE: 0, EvidenceKind.AUDIT: 1, EvidenceKind.TEXT: 2}


def _evidence_order(e: Evidence) -> tuple:
    return (_KIND_ORDER.get(e.kind, 3), e.pk)


def inspections(user) -> QuerySet:
    _reader(user)
    return Inspection.objects.filter(local_authority_id=user.local_authority_id)


def _latest(field_name: str):
    return Subquery(
        ReviewJudgement.objects.filter(recommendation=OuterRef("pk"))
        .order_by("-judged_on", "-pk")
        .values(field_name)[:1]
    )


def _count(qs) -> Coalesce:
    return Coalesce(
        Subquery(
            qs.order_by().values("recommendation").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


@dataclass
class Plan:
    inspection: Inspection | None
    inspections: list
    rows: list
    counts: dict = field(default_factory=dict)
    day: dt.date | None = None


def plan(user, inspection_id: int | None = None) -> Plan:
    """The plan of one inspection (the latest by default): each recommendation with its latest
    judgement, and how many actions are done and overdue. Three queries, whatever the rows."""
    all_inspections = list(inspections(user))
    chosen = (
        next((i for i in all_inspections if i.pk == inspection_id), None)
        if inspection_id
        else (all_inspections[0] if all_inspections else None)
    )
    if inspection_id and chosen is None:
        raise Inspection.DoesNotExist("no such inspection in your council")
    day = today()
    rows = []
    if chosen is not None:
        mine = ImprovementAction.objects.filter(recommendation=OuterRef("pk"))
        rows = list(
            Recommendation.objects.filter(inspection=chosen)
            .annotate(
                latest=_latest("judgement"),
                latest_on=_latest("judged_on"),
                actions_total=_count(mine),
                actions_done=_count(mine.filter(status=ActionStatus.DONE)),
                actions_overdue=_count(mine.filter(~Q(status=ActionStatus.DONE), due_date__lt=day)),
                evidence_total=_count(Evidence.objects.filter(recommendation=OuterRef("pk"))),
            )
            .order_by("number")
        )
        for r in rows:
            r.latest_label = Judgement(r.latest).label if r.latest else "Not yet judged"
    counts = {j: sum(r.latest == j for r in rows) for j in Judgement.values}
    counts["none"] = sum(not r.latest for r in rows)
    return Plan(chosen, all_inspections, rows, counts, day)


def recommendation(user, recommendation_id: int) -> Recommendation:
    """One recommendation with its actions (each with its status today), evidence and judgement
    history with the figures kept at each. A fixed number of queries."""
    _reader(user)
    rec = (
        Recommendation.objects.select_related("inspection")
        .filter(pk=recommendation_id, inspection__local_authority_id=user.local_authority_id)
        .first()
    )
    if rec is None:
        raise Recommendation.DoesNotExist("no such recommendation in your council")
    day = today()
    rec.action_rows = list(ImprovementAction.objects.filter(recommendation=rec).select_related("owner"))
    for a in rec.action_rows:
        a.shown_status = a.status_on(day)
        a.shown_label = STATUS_LABELS[a.shown_status]
        a.may_update = rules.can_update_action(user, a)
    rec.evidence_rows = sorted(
        Evidence.objects.filter(recommendation=rec).select_related("programme"), key=_evidence_order
    )
    rec.judgement_rows = list(
        ReviewJudgement.objects.filter(recommendation=rec).prefetch_related(
            Prefetch(
                "readings",
                queryset=Reading.objects.select_related("evidence").order_by("evidence__kind", "evidence_id"),
            )
        )
    )
    rec.latest = rec.judgement_rows[0] if rec.judgement_rows else None
    return rec


def action(user, action_id: int) -> ImprovementAction:
    _reader(user)
    found = (
        ImprovementAction.objects.select_related("recommendation", "recommendation__inspection", "owner")
        .filter(pk=action_id, recommendation__inspection__local_authority_id=user.local_authority_id)
        .first()
    )
    if found is None:
        raise ImprovementAction.DoesNotExist("no such action in your council")
    return found


# --- the self-assessment report -------------------------------------------------------------------


@dataclass
class EvidenceItem:
    """One piece of evidence: for a measure or audit theme, the figure seen at the latest review."""

    kind: str  # "measure", "audit" or "text"
    label: str
    reference: str  # the measure's id, the audit theme's or domain's code, the programme's title
    note: str
    value: float | None = None
    shown: str = ""
    period_label: str = ""
    read_on: dt.date | None = None


@dataclass
class ActionItem:
    what: str
    owner: str
    due_date: dt.date
    status: str  # "not_started", "in_progress", "done" or "overdue" on the report's date
    status_label: str
    done_on: dt.date | None
    progress: str


@dataclass
class JudgementItem:
    judged_on: dt.date
    judgement: str  # "met", "partly_met", "not_yet_met"
    judgement_label: str
    agreed_by: str
    commentary: str
    monitored_by: str


@dataclass
class SelfAssessmentItem:
    """One recommendation as the report gives it: background, progress, evidence, evaluation and,
    until it is met, the monitoring arrangements."""

    inspection: str
    number: int
    recommendation: str
    made_on: dt.date
    source: str
    background: str
    actions: list[ActionItem]
    actions_total: int
    actions_done: int
    actions_overdue: int
    progress: str
    evidence: list[EvidenceItem]
    judgement: str  # "" when not yet judged
    judgement_label: str
    judged_on: dt.date | None
    agreed_by: str
    commentary: str
    monitoring: str  # "" once met
    history: list[JudgementItem]


@dataclass
class SelfAssessment:
    local_authority: str
    as_of: dt.date
    inspections: list[str]
    items: list[SelfAssessmentItem]
    met: int = 0
    partly_met: int = 0
    not_yet_met: int = 0
    not_judged: int = 0


def _progress(total: int, done: int, overdue: int) -> str:
    if not total:
        return "No actions recorded."
    text = f"{done} of {total} action{'s' if total != 1 else ''} done"
    if overdue:
        text += f"; {overdue} overdue"
    return text + "."


def self_assessment(la, as_of: dt.date) -> SelfAssessment:
    """The self-assessment as at `as_of`, in the structure of Cheshire East's 2017 report: for each
    recommendation made by then, its background, progress (its actions as they stood that day),
    evidence (each measure's and audit theme's figure as kept at the latest judgement by then),
    evaluation (that judgement, its date and who agreed it) and, for what is not yet met, where it is
    monitored. Plain strings, dates and numbers, for the page and the committee pack alike."""
    recs = list(
        Recommendation.objects.filter(
            inspection__local_authority=la, inspection__reported_on__lte=as_of, made_on__lte=as_of
        )
        .select_related("inspection")
        .order_by("inspection__reported_on", "inspection_id", "number")
    )
    ids = [r.pk for r in recs]
    actions = defaultdict(list)
    for a in (
        ImprovementAction.objects.filter(recommendation_id__in=ids)
        .select_related("owner")
        .order_by("due_date", "pk")
    ):
        actions[a.recommendation_id].append(a)
    evidence = defaultdict(list)
    for e in sorted(
        Evidence.objects.filter(recommendation_id__in=ids).select_related("programme"), key=_evidence_order
    ):
        evidence[e.recommendation_id].append(e)
    judgements = defaultdict(list)
    for j in ReviewJudgement.objects.filter(recommendation_id__in=ids, judged_on__lte=as_of).order_by(
        "-judged_on", "-pk"
    ):
        judgements[j.recommendation_id].append(j)
    latest_ids = [js[0].pk for js in judgements.values()]
    readings = {
        (r.judgement_id, r.evidence_id): r for r in Reading.objects.filter(judgement_id__in=latest_ids)
    }
    names = {**dict(theme_choices()), **dict(domain_choices())}
    items = []
    for rec in recs:
        acts = []
        for a in actions[rec.pk]:
            done = a.status == ActionStatus.DONE and a.done_on is not None and a.done_on <= as_of
            status = (
                ActionStatus.DONE
                if done
                else (
                    OVERDUE
                    if a.due_date < as_of
                    else (a.status if a.status != ActionStatus.DONE else ActionStatus.IN_PROGRESS)
                )
            )
            acts.append(
                ActionItem(
                    a.what,
                    a.owner.get_full_name() or a.owner.get_username(),
                    a.due_date,
                    str(status),
                    STATUS_LABELS[status],
                    a.done_on if done else None,
                    a.progress_note,
                )
            )
        js = judgements[rec.pk]
        latest = js[0] if js else None
        ev = []
        for e in evidence[rec.pk]:
            r = readings.get((latest.pk, e.pk)) if latest else None
            reference = (
                e.indicator_id
                if e.kind == EvidenceKind.MEASURE
                else e.programme.title
                if e.programme_id
                else f"{names.get(e.audit_key, e.audit_key)}"
                if e.kind == EvidenceKind.AUDIT
                else ""
            )
            ev.append(
                EvidenceItem(
                    str(e.kind),
                    e.label,
                    reference,
                    e.note,
                    r.value if r else None,
                    r.shown if r else "",
                    r.period_label if r else "",
                    r.read_on if r else None,
                )
            )
        done = sum(a.status == ActionStatus.DONE for a in acts)
        overdue = sum(a.status == OVERDUE for a in acts)
        items.append(
            SelfAssessmentItem(
                inspection=str(rec.inspection),
                number=rec.number,
                recommendation=rec.text,
                made_on=rec.made_on,
                source=rec.source,
                background=rec.background,
                actions=acts,
                actions_total=len(acts),
                actions_done=done,
                actions_overdue=overdue,
                progress=_progress(len(acts), done, overdue),
                evidence=ev,
                judgement=latest.judgement if latest else "",
                judgement_label=latest.get_judgement_display() if latest else "Not yet judged",
                judged_on=latest.judged_on if latest else None,
                agreed_by=latest.agreed_by if latest else "",
                commentary=latest.commentary if latest else "",
                monitoring=""
                if latest and latest.judgement == Judgement.MET
                else (latest.monitored_by if latest else ""),
                history=[
                    JudgementItem(
                        j.judged_on,
                        j.judgement,
                        j.get_judgement_display(),
                        j.agreed_by,
                        j.commentary,
                        j.monitored_by,
                    )
                    for j in js
                ],
            )
        )
    out = SelfAssessment(la.name, as_of, list(dict.fromkeys(i.inspection for i in items)), items)
    out.met = sum(i.judgement == Judgement.MET for i in items)
    out.partly_met = sum(i.judgement == Judgement.PARTLY_MET for i in items)
    out.not_yet_met = sum(i.judgement == Judgement.NOT_YET_MET for i in items)
    out.not_judged = sum(not i.judgement for i in items)
    return out
