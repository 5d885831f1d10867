"""The scorecard as councils publish it (INDICATORS.md Part C, row schema C1): for each measure
its polarity, comparators, target, previous year-end, the quarters, the current value, RAG,
direction of travel, commentary and plan priority."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial

from django.conf import settings
from django.db import DatabaseError, connection

from safeguard.core.errors import now
from safeguard.core.snapshot import run_together

from . import catalogue as cat
from .compute import Result, evaluate, evaluate_councils, evaluate_many, reads_window_start
from .kept import Kept
from .models import Commentary, ManualValue, MeasureSetting
from .periods import ANNUAL_ONLY, SNAPSHOT, Period, is_indicative, quarter, reporting_year, window_for
from .rules import Target, direction, pro_rated, rag, suppress


@dataclass
class Row:
    id: str
    name: str
    section: str
    polarity: str
    unit: str
    counts: str
    status: str
    period_type: str
    definition: str
    source: str
    pi_ref: str = ""
    target: Target = field(default_factory=lambda: Target(""))
    target_type: str = ""
    statistical_neighbour_average: float | None = None
    statistical_neighbour_n: int | None = None
    england_average: float | None = None
    comparator_year: str = ""
    previous_year_end: float | None = None
    q4_previous: float | None = None
    # The computed results behind those two (None when the previous year-end is a configured,
    # published figure), so public outputs can suppress small numbers in them too.
    previous_year_result: Result | None = None
    q4_previous_result: Result | None = None
    columns: dict[str, Result | None] = field(default_factory=dict)  # "Q1".."Q4", "year"
    current: Result | None = None
    rag: str = "n/a"
    direction: str = "n/a"
    direction_colour: str = "n/a"
    commentary: str = ""
    plan_priority: str = ""
    corporate_priority: str = ""
    note: str = ""

    @property
    def value(self):
        return self.current.value if self.current else None

    @property
    def indicative(self) -> bool:
        return bool(self.current and self.current.indicative)

    def public_value(self, result: Result | None):
        if result is None or result.value is None:
            return None
        return suppress(result.value, result.numerator, result.denominator, self.unit)

    def public_previous(self) -> tuple:
        """Previous year-end and last year's Q4 as published: small numbers suppressed (§0.3 rule 5)."""
        pye = (self.public_value(self.previous_year_result) if self.previous_year_result is not None
               else self.previous_year_end)
        q4 = (self.public_value(self.q4_previous_result) if self.q4_previous_result is not None
              else self.q4_previous)
        return pye, q4

    def as_dict(self, public: bool = False) -> dict:
        current = self.current
        value, numerator, denominator = (
            (current.value, current.numerator, current.denominator) if current else (None, None, None)
        )
        suppressed = False
        if public and current is not None and value is not None:
            shown = self.public_value(current)
            suppressed = shown != value
            if suppressed:
                value, numerator, denominator = shown, None, None
        return {
            "id": self.id,
            "pi_ref": self.pi_ref,
            "name": self.name,
            "section": self.section,
            "value": value,
            "numerator": numerator,
            "denominator": denominator,
            "unit": self.unit,
            "counts": self.counts,
            "polarity": self.polarity,
            "period_type": self.period_type,
            "status": self.status,
            "target": str(self.target) or None,
            "target_type": self.target_type,
            "rag": self.rag,
            "direction": self.direction,
            "direction_colour": self.direction_colour,
            "statistical_neighbour_average": self.statistical_neighbour_average,
            "statistical_neighbour_n": self.statistical_neighbour_n,
            "england_average": self.england_average,
            "comparator_year": self.comparator_year,
            "previous_year_end": self.public_previous()[0] if public else self.previous_year_end,
            "q4_previous": self.public_previous()[1] if public else self.q4_previous,
            "columns": {
                k: (None if r is None else (self.public_value(r) if public else r.value))
                for k, r in self.columns.items()
            },
            "indicative": self.indicative,
            "suppressed": suppressed,
            "commentary": self.commentary,
            "plan_priority": self.plan_priority,
            "corporate_priority": self.corporate_priority,
            "definition": self.definition,
            "source": self.source,
            "note": self.note or (current.note if current else ""),
            **({"breakdown": current.breakdown} if current and current.breakdown and not public else {}),
        }


@dataclass
class Scorecard:
    local_authority: object
    year: int
    quarter: int | None
    period: Period
    rows: list[Row]
    generated_at: dt.datetime

    @property
    def column_labels(self) -> list[str]:
        return [f"Q{q}" for q in range(1, (self.quarter or 4) + 1)] + ([] if self.quarter else ["year"])

    def summary(self) -> dict:
        """C1: the RAG and direction-of-travel tallies a committee report carries."""
        rag_count: dict[str, int] = {}
        dot_count: dict[str, int] = {}
        for r in self.rows:
            key = r.rag if r.rag in ("G", "A", "R") else "n/a"
            rag_count[key] = rag_count.get(key, 0) + 1
            dot_count[r.direction_colour] = dot_count.get(r.direction_colour, 0) + 1
        return {"rag": rag_count, "direction": dot_count, "measures": len(self.rows)}

    def as_dict(self, public: bool = False) -> dict:
        la = self.local_authority
        return {
            "local_authority": {"code": la.code, "name": la.name, "la_number": la.la_number},
            "year": self.year,
            "quarter": self.quarter,
            "period": {
                "label": self.period.label,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            },
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
            "public": public,
            "columns": self.column_labels,
            "summary": self.summary(),
            "indicators": [r.as_dict(public) for r in self.rows],
        }


class _Evaluator:
    """Evaluates each (measure, window) once: snapshot measures share Q4 and year-end."""

    def __init__(self, la, kept: Kept | None = None):
        self.la = la
        self.cache: dict = {}
        self.population: dict = {}
        self.shared: dict = {}
        self.kept = kept
        self.manual = {
            (m.indicator_id, m.period_start, m.period_end): m
            for m in ManualValue.objects.filter(local_authority=la)
        }

    def _key(self, ind: cat.Indicator, column: Period) -> tuple:
        """A snapshot measure that reads only its as-at date is keyed by that date alone."""
        window = window_for(ind.period_type, column)
        start = window.start
        snapshot = ind.is_held and ind.period_type in (SNAPSHOT, ANNUAL_ONLY)
        if snapshot and not reads_window_start(ind, self.la):
            start = None
        return (ind.id, start, window.end, is_indicative(ind.period_type, column))

    def has(self, key: tuple, ind: cat.Indicator, column: Period) -> bool:
        """Whether a figure is in hand: read already, or kept from an earlier reading."""
        if key in self.cache:
            return True
        found = self.kept.get(key, ind, column) if self.kept is not None else None
        if found is not None:
            self.cache[key] = found
        return found is not None

    def keep(self, key: tuple, result: Result) -> None:
        self.cache[key] = result
        if self.kept is not None:
            self.kept.add(key, result)

    def __call__(self, ind: cat.Indicator, column: Period) -> Result:
        window = window_for(ind.period_type, column)
        key = self._key(ind, column)
        if key not in self.cache:
            if not ind.is_held:
                self.cache[key] = self._manual(ind, column, window)
            elif not self.has(key, ind, column):
                self.keep(key, evaluate(ind, self.la, column, population_cache=self.population))
        result = self.cache[key]
        if result.period != column:  # shared with another column ending the same day
            result = replace(result, period=column, window=window)
        return result

    def _manual(self, ind: cat.Indicator, column: Period, window: Period) -> Result:
        m = self.manual.get((ind.id, window.start, window.end))
        if m is None and ind.period_type in (cat.SNAPSHOT, cat.ANNUAL_ONLY):
            # A snapshot entered for a quarter is also the figure at any column ending that day;
            # a count over a quarter is not the year's count.
            m = next((v for (i, s, e), v in self.manual.items() if i == ind.id and e == window.end), None)
        if m is None:
            return Result(ind.id, column, window, None, None, None, ind.status, note=ind.status_reason)
        return Result(
            ind.id,
            column,
            window,
            m.value,
            m.numerator,
            m.denominator,
            cat.HAND_ENTERED,
            note=m.note or "entered by hand",
        )


def prefetch(evaluators: list[_Evaluator], plan: list[tuple[cat.Indicator, list[Period]]],
             connections: int = 1) -> None:
    """Evaluate every column each measure needs at once (one query for date-windowed measures
    and measures defined in parts), the measures spread over `connections` connections that
    read one snapshot of the record (`core.snapshot`). Measures defined by the same parts go
    together, so that they share their counts. Several councils' evaluators are filled by the
    same queries, each reading every council's rows grouped by council (`evaluate_councils`)."""
    councils = [ev.la for ev in evaluators]
    one = evaluators[0] if len(evaluators) == 1 else None
    population = one.population if one else {}
    shared = one.shared if one else {}
    jobs: dict[int, list[tuple[cat.Indicator, list[Period]]]] = {}
    for ind, columns in plan:
        if not ind.is_held:
            continue
        wanted, keys = [], set()
        for column in columns:
            key = evaluators[0]._key(ind, column)  # the same for every council
            if key in keys or all(ev.has(key, ind, column) for ev in evaluators):
                continue
            wanted.append(column)
            keys.add(key)
        if wanted:
            together = id(ind.windowed) if ind.windowed is not None else id(ind)
            jobs.setdefault(together, []).append((ind, wanted))

    def evaluate_job(job) -> list[dict[int, list[Result]]]:
        if one:
            return [{one.la.pk: evaluate_many(ind, one.la, cols, population_cache=population, shared=shared)}
                    for ind, cols in job]
        return [evaluate_councils(ind, councils, cols, population_cache=population, shared=shared)
                for ind, cols in job]

    done = run_together([partial(evaluate_job, job) for job in jobs.values()], connections)
    for job, results in zip(jobs.values(), done, strict=True):
        for (ind, wanted), by_council in zip(job, results, strict=True):
            for ev in evaluators:
                for column, result in zip(wanted, by_council[ev.la.pk], strict=True):
                    ev.keep(ev._key(ind, column), result)


def _hand_entered(setting: MeasureSetting) -> cat.Indicator:
    """A measure named only in configuration (B13/B14: education, quality assurance)."""
    return cat.Indicator(
        id=setting.indicator_id,
        name=setting.name or setting.indicator_id,
        section="Other measures",
        definition="Entered by hand per period (not part of the social care record).",
        source="configuration",
        cohort="-",
        numerator="-",
        denominator="-",
        period_type="IN_PERIOD",
        polarity=setting.polarity or _polarity_from_target(setting.target_operator),
        unit=setting.unit or cat.PERCENT,
        counts=cat.EVENTS,
        status=cat.HAND_ENTERED,
        status_reason="entered by hand",
    )


def _polarity_from_target(operator: str) -> str:
    return {
        ">=": cat.HIGH_GOOD,
        ">": cat.HIGH_GOOD,
        "<=": cat.LOW_GOOD,
        "<": cat.LOW_GOOD,
        "band": cat.RANGE,
    }.get(operator, cat.NONE)


def measures_for(la) -> list[tuple[cat.Indicator, MeasureSetting | None]]:
    """The catalogue in order, then configured extras; a measure set off the scorecard is left out."""
    settings = {s.indicator_id: s for s in MeasureSetting.objects.filter(local_authority=la)}
    out = []
    for ind in cat.CATALOGUE.values():
        s = settings.get(ind.id)
        if s is None or s.on_scorecard:
            out.append((ind, s))
    for s in settings.values():
        if s.indicator_id not in cat.CATALOGUE and s.on_scorecard:
            out.append((_hand_entered(s), s))
    order = {ind.id: n for n, ind in enumerate(cat.CATALOGUE.values())}
    out.sort(
        key=lambda pair: (
            (pair[1].order if pair[1] and pair[1].order else 10_000),
            order.get(pair[0].id, 100_000),
            pair[0].id,
        )
    )
    return out


def build_scorecard(
    la,
    year: int,
    quarter_number: int | None = None,
    *,
    indicator_ids: list[str] | None = None,
    keep: bool = False,
) -> Scorecard:
    """Every measure for the reporting year `year` (ending 31 March `year`), to the quarter given.
    With `keep`, figures already kept (`KeptFigure`) are read rather than computed, and those
    computed are kept: the page's way, so a period is computed once. Without it every figure comes
    from the record as it stands (exports, tests, benchmarks)."""
    at = now()
    kept = Kept(la, _ends(year, quarter_number), at) if keep else None
    with _without_jit():
        card = _build(la, year, quarter_number, indicator_ids, at, kept)
    if kept is not None:
        kept.save()
    return card


def _ends(year: int, q: int | None) -> set[dt.date]:
    """Every column end a scorecard to quarter `q` reads (windows of every type end on those days):
    its quarters, the year, last year's end and the same quarter last year."""
    periods = [quarter(year, n) for n in range(1, (q or 4) + 1)] + [reporting_year(year - 1)]
    if q:
        periods.append(quarter(year - 1, q))
    return {p.end for p in periods}


@contextmanager
def _without_jit():
    """PostgreSQL compiles a query to machine code (JIT) when its estimated cost is high, which the
    scorecard's look-ups over a whole council are; on a large council compiling took ~1.3 s of a
    ~1.6 s query, for a plan run once. The scorecard's queries are short, so JIT is set off while it
    is built and the session's setting put back after."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit')")
        before = cursor.fetchone()[0]
        cursor.execute("SET jit = off")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('jit', %s, false)", [before])
        except DatabaseError:  # an aborted transaction: its rollback undoes the SET anyway
            pass


def build_scorecards(
    councils: list, year: int, quarter_number: int | None = None, *, indicator_ids: list[str] | None = None
) -> list[Scorecard]:
    """Every council's scorecard from the record in one pass (a regional hub's or the DfE's view of
    many councils): each measure's queries read every council's rows at once, grouped by council,
    rather than one pass a council, each of whose look-ups would read the whole database again.
    Figures as `build_scorecard` gives them without keeping."""
    at = now()
    with _without_jit():
        return _build_many(councils, year, quarter_number, indicator_ids, at)


def _build(
    la, year: int, quarter_number: int | None, indicator_ids: list[str] | None, at, kept: Kept | None = None
) -> Scorecard:
    return _build_many([la], year, quarter_number, indicator_ids, at, kept)[0]


def _build_many(
    councils: list, year: int, q: int | None, indicator_ids: list[str] | None, at, kept: Kept | None = None
) -> list[Scorecard]:
    from .comparators import with_defaults  # shipped comparators and default targets (issue 21)

    period = quarter(year, q) if q else reporting_year(year)
    evaluators, measures, commentary = [], [], []
    for la in councils:
        evaluators.append(_Evaluator(la, kept))
        measures.append([(ind, s) for ind, s in with_defaults(la, measures_for(la))
                         if not indicator_ids or ind.id in indicator_ids])
        commentary.append(dict(Commentary.objects.filter(local_authority=la, period_label=period.label)
                               .values_list("indicator_id", "text")))
    plan: dict[str, tuple[cat.Indicator, list[Period]]] = {}  # each measure's columns, any council's
    for council_measures in measures:
        for ind, s in council_measures:
            columns = plan.setdefault(ind.id, (ind, []))[1]
            columns += [c for c in _columns(year, q, s) if c not in columns]
    prefetch(evaluators, list(plan.values()), settings.SCORECARD_CONNECTIONS)
    cards = []
    for ev, council_measures, notes in zip(evaluators, measures, commentary, strict=True):
        rows = [_row(ind, s, ev, year, q, period, notes.get(ind.id, "")) for ind, s in council_measures]
        cards.append(Scorecard(ev.la, year, q, period, rows, at))
    return cards


def _columns(year: int, q: int | None, s: MeasureSetting | None) -> list[Period]:
    """Every column a measure's row reads: the quarters to `q`, the year when it is the whole
    year, last year's end and Q4, and the same quarter last year when that is the basis."""
    wanted = [quarter(year, n) for n in range(1, (q or 4) + 1)]
    wanted += [reporting_year(year - 1), quarter(year - 1, 4)]
    if q is None:
        wanted.append(reporting_year(year))
    elif s and s.direction_basis == MeasureSetting.Basis.SAME_PERIOD_LAST_YEAR:
        wanted.append(quarter(year - 1, q))
    return wanted


def _row(ind, s, ev: _Evaluator, year: int, q: int | None, period: Period, commentary: str) -> Row:
    polarity = s.polarity if s and s.polarity else ind.polarity
    row = Row(
        id=ind.id,
        name=(s.name if s and s.name else ind.name),
        section=ind.section,
        polarity=polarity,
        unit=ind.unit,
        counts=ind.counts,
        status=ind.status,
        period_type=ind.period_type,
        definition=ind.definition,
        source=ind.source,
        commentary=commentary,
    )
    if s:
        row.pi_ref, row.target_type = s.pi_ref, s.target_type
        row.target = Target(s.target_operator, s.target, s.target_high)
        row.statistical_neighbour_average = s.statistical_neighbour_average
        row.statistical_neighbour_n = s.statistical_neighbour_n
        row.england_average, row.comparator_year = s.england_average, s.comparator_year
        row.plan_priority, row.corporate_priority = s.plan_priority, s.corporate_priority
    last_q = q or 4
    for n in range(1, last_q + 1):
        row.columns[f"Q{n}"] = ev(ind, quarter(year, n))
    if q is None:
        row.columns["year"] = ev(ind, reporting_year(year))
    row.current = row.columns[f"Q{q}"] if q else row.columns["year"]
    prev_year = ev(ind, reporting_year(year - 1))
    published = s is not None and s.previous_year_end is not None
    row.previous_year_end = s.previous_year_end if published else prev_year.value
    row.previous_year_result = None if published else prev_year
    q4_prev = ev(ind, quarter(year - 1, 4))
    row.q4_previous, row.q4_previous_result = q4_prev.value, q4_prev
    # RAG against target (C5); annual count targets pro-rated for YTD counts (C4).
    target = row.target
    if s and s.target_is_annual_count and ind.period_type in ("YTD", "IN_PERIOD") and q:
        target = pro_rated(target, 3 * q if ind.period_type == "YTD" else 3)
    current = row.current
    row.rag = rag(
        current.value,
        polarity=polarity,
        target=target,
        unit=ind.unit,
        denominator=current.denominator,
        tolerance=s.rag_tolerance if s else None,
        minimum_denominator=s.rag_minimum_denominator if s else 10,
        indicative=current.indicative,
    )
    # Direction of travel (C6).
    basis_kind = s.direction_basis if s else MeasureSetting.Basis.PREVIOUS_QUARTER
    if basis_kind == MeasureSetting.Basis.PREVIOUS_YEAR_END or q is None:
        basis = row.previous_year_end
    elif basis_kind == MeasureSetting.Basis.SAME_PERIOD_LAST_YEAR:
        basis = ev(ind, quarter(year - 1, q)).value
    else:
        basis = row.columns[f"Q{q - 1}"].value if q > 1 else q4_prev.value
    small = (
        ind.unit == cat.PERCENT
        and current.denominator is not None
        and current.denominator < (s.rag_minimum_denominator if s else 10)
    )
    if small or current.indicative:
        row.direction, row.direction_colour = "n/a", "n/a"
    else:
        row.direction, row.direction_colour = direction(
            current.value,
            basis,
            polarity=polarity,
            unit=ind.unit,
            target=row.target,
            epsilon=s.direction_epsilon if s else None,
        )
    return row
