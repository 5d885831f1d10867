"""Reading scorecard sets and the committee pack. Aggregates only: a set is the council's scorecard
(`performance.scorecard.build_scorecard`) cut to the set's measures, in the set's order, with the
set's targets judged by the scorecard's own RAG rule (`performance.rules.rag`) and the set's
commentary; nothing here names a child."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count

from safeguard.performance import catalogue as cat
from safeguard.performance.models import MeasureSetting
from safeguard.performance.periods import quarter as quarter_period
from safeguard.performance.rules import Target, parse_target, pro_rated, rag
from safeguard.performance.scorecard import Row, Scorecard, build_scorecard

from . import rules
from .models import CommitteePack, ScorecardSet, SetCommentary


def _reader(user) -> None:
    if not rules.can_read(user):
        raise PermissionDenied(
            "scorecards and the committee pack are for managers, leaders, analysts and councillors"
        )


def scorecard_sets(user) -> list[ScorecardSet]:
    """The council's sets with how many measures each holds (one query)."""
    _reader(user)
    return list(
        ScorecardSet.objects.filter(local_authority_id=user.local_authority_id)
        .annotate(n_measures=Count("measures"))
        .order_by("name")
    )


def scorecard_set(user, set_id: int) -> ScorecardSet:
    """One set of the user's council with its measures (two queries); another council's is refused."""
    _reader(user)
    s = (
        ScorecardSet.objects.filter(pk=set_id, local_authority_id=user.local_authority_id)
        .prefetch_related("measures")
        .first()
    )
    if s is None:
        raise PermissionDenied("no such scorecard in your council")
    return s


def _with_target(row: Row, text: str, setting: MeasureSetting | None, q: int | None) -> None:
    """The set's target in place of the council's, judged by the scorecard's one RAG rule with the
    measure's own tolerance, minimum denominator and pro-rating (INDICATORS.md C4, C5)."""
    row.target = parse_target(text)
    if row.target.operator == "=":  # a bare figure is read as the scorecard's import reads it
        row.target = Target(">=" if row.polarity != cat.LOW_GOOD else "<=", row.target.value)
    target = row.target
    if setting and setting.target_is_annual_count and row.period_type in ("YTD", "IN_PERIOD") and q:
        target = pro_rated(target, 3 * q if row.period_type == "YTD" else 3)
    current = row.current
    if current is None:
        return
    row.rag = rag(
        current.value,
        polarity=row.polarity,
        target=target,
        unit=row.unit,
        denominator=current.denominator,
        tolerance=setting.rag_tolerance if setting else None,
        minimum_denominator=setting.rag_minimum_denominator if setting else 10,
        indicative=current.indicative,
    )


def set_scorecard(s: ScorecardSet, year: int, q: int | None) -> Scorecard:
    """The set rendered as the main scorecard is: the council's card built for the set's measures
    (kept figures read, as the scorecard page does), its rows in the set's order, the set's targets
    and the set's commentary for the period where it has written one."""
    measures = list(s.measures.all())
    ids = [m.indicator_id for m in measures]
    card = build_scorecard(s.local_authority, year, q, indicator_ids=ids, keep=True)
    by_id = {r.id: r for r in card.rows}
    settings = {
        m.indicator_id: m
        for m in MeasureSetting.objects.filter(local_authority_id=s.local_authority_id, indicator_id__in=ids)
    }
    comments = dict(
        SetCommentary.objects.filter(scorecard_set=s, period_label=card.period.label).values_list(
            "indicator_id", "text"
        )
    )
    rows = []
    for m in measures:
        row = by_id.get(m.indicator_id)
        if row is None:  # set off the council's scorecard: the set still shows it
            continue
        if m.target:
            _with_target(row, m.target, settings.get(m.indicator_id), q)
        if comments.get(m.indicator_id):
            row.commentary = comments[m.indicator_id]
        rows.append(row)
    card.rows = rows
    return card


def set_commentary(s: ScorecardSet, period_label: str) -> dict[str, str]:
    return dict(
        SetCommentary.objects.filter(scorecard_set=s, period_label=period_label).values_list(
            "indicator_id", "text"
        )
    )


def committee_pack(user, year: int, q: int) -> CommitteePack | None:
    _reader(user)
    return CommitteePack.objects.filter(
        local_authority_id=user.local_authority_id, year=year, quarter=q
    ).first()


def period_label(year: int, q: int) -> str:
    return quarter_period(year, q).label
