"""Evaluating a catalogue definition: the figure (one aggregate query) and the rows behind it
(the same queryset, read row by row)."""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce

from django.db import connections
from django.db.models import Avg, Case, Count, DateTimeField, DurationField, IntegerField, Q, Sum, Value, When
from django.utils import timezone

from safeguard.people.models import PopulationEstimate

from . import catalogue as cat
from .periods import (
    ANNUAL_ONLY,
    SNAPSHOT,
    Period,
    is_indicative,
    reporting_year,
    reporting_year_of,
    window_for,
)


@dataclass
class Result:
    indicator_id: str
    period: Period  # the column asked for
    window: Period  # the dates the measure counted
    value: float | None
    numerator: float | None
    denominator: float | None
    status: str = cat.HELD
    indicative: bool = False
    note: str = ""
    breakdown: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "window_start": self.window.start.isoformat(),
            "window_end": self.window.end.isoformat(),
            "status": self.status,
            "indicative": self.indicative,
            "note": self.note,
            **({"breakdown": self.breakdown} if self.breakdown else {}),
        }


def populations(council_keys, years) -> dict[tuple[int, int], int]:
    """Children aged 0-17, by council and reporting year, in one query: a reporting year takes the
    mid-year estimate of the year before (INDICATORS.md §0.3 rule 4)."""
    got = (
        PopulationEstimate.objects.filter(
            local_authority__in=council_keys, mid_year__in=[y - 1 for y in years]
        )
        .order_by()
        .values("local_authority_id", "mid_year")
        .annotate(n=Sum("count"))
    )
    return {(g["local_authority_id"], g["mid_year"] + 1): g["n"] for g in got if g["n"]}


def _number(x) -> float | None:
    if x is None:
        return None
    if isinstance(x, dt.timedelta):
        return x.total_seconds() / 86400
    if isinstance(x, Decimal):
        return float(x)
    return x


WINDOWED = ("IN_PERIOD", "YTD", "ROLLING_12M")


def evaluate(ind: cat.Indicator, la, column: Period, *, population_cache: dict | None = None) -> Result:
    return evaluate_many(ind, la, [column], population_cache=population_cache)[0]


def evaluate_many(
    ind: cat.Indicator,
    la,
    columns: list[Period],
    *,
    population_cache: dict | None = None,
    shared: dict | None = None,
) -> list[Result]:
    """Evaluate one measure for several columns. A measure whose window acts only through one date
    (`date_field`) is read in a single query, each column a filtered aggregate over the union of
    the windows; so is a measure defined in parts (`windowed`), each column's members and
    numerator a filter over the rows of all of them. Any other measure is one query per column.
    `shared` keeps the counts of parts already read, for measures that differ only in how a
    count is shown (CIN-01 and its rate per 10,000)."""
    return _evaluate(ind, la, [la], columns, population_cache, shared)[la.pk]


def evaluate_councils(
    ind: cat.Indicator,
    councils: list,
    columns: list[Period],
    *,
    population_cache: dict | None = None,
    shared: dict | None = None,
) -> dict[int, list[Result]]:
    """Every council's figures for one measure, by council key, from the queries that give one
    council's (`evaluate_many`): each reads every council's rows at once, grouped by the council
    (`k_la`, `catalogue.of_council`). A regional or national view in one pass rather than one pass
    a council, whose look-ups would each read the whole database again."""
    return _evaluate(ind, None, councils, columns, population_cache, shared)


#: A window in which a council has no rows.
_NOTHING = {"den": 0, "num": 0, "total": None, "mean": None}


def _evaluate(ind, la, councils, columns, population_cache, shared) -> dict[int, list[Result]]:
    """`la` None: every council in `councils` at once. The figures come back as one dict a window,
    by council key (None when one council is read)."""
    windows = [window_for(ind.period_type, c) for c in columns]
    if not ind.is_held:
        return {
            council.pk: [
                Result(ind.id, c, w, None, None, None, ind.status, is_indicative(ind.period_type, c),
                       ind.status_reason)
                for c, w in zip(columns, windows, strict=True)
            ]
            for council in councils
        }
    cache = population_cache if population_cache is not None else {}
    ftes = None
    if ind.date_field and ind.period_type in WINDOWED and len(columns) > 1:
        union = Period(min(w.start for w in windows), max(w.end for w in windows), "union")
        qs = ind.units(cat.Context(la=la, window=union))
        aggs, breakdowns = _bucketed(ind, qs, windows, grouped=la is None)
    elif ind.windowed is not None and len(columns) > 1:
        # What the counts depend on: a count, a percentage and a rate of the same parts share them.
        key = (
            ind.windowed,
            tuple(windows),
            ind.counts,
            ind.weighted,
            ind.unit if ind.unit in (cat.DAYS, cat.MEAN, cat.RATIO) else None,
            ind.breakdown and (ind.breakdown, ind.unit == cat.COUNT, ind.extra.get("label")),
        )
        if shared is not None and key in shared:
            aggs, breakdowns, ftes = shared[key]
        else:
            aggs, breakdowns, ftes = _in_parts(ind, la, windows)
            if shared is not None:
                shared[key] = (aggs, breakdowns, ftes)
    else:
        aggs, breakdowns, ftes = [], [], []
        for w in windows:
            qs = ind.units(cat.Context(la=la, window=w))
            aggs += _aggregate(ind, qs, [Q()], grouped=la is None)
            breakdowns += _breakdowns(ind, qs, [Q()], grouped=la is None)
            if ind.unit == cat.RATIO:
                ftes += ind.extra["denominator"](la, [qs])
    if ind.unit == cat.RATE:
        wanted = {(c.pk, reporting_year_of(w.end)) for c in councils for w in windows} - cache.keys()
        if wanted:
            got = populations({k for k, _ in wanted}, {y for _, y in wanted})
            cache.update({k: got.get(k) for k in wanted})
    ftes = ftes or [{} for _ in windows]
    out = {}
    for council in councils:
        key = None if la is not None else council.pk
        out[council.pk] = [
            _result(ind, council, c, w, {**a.get(key, _NOTHING), "fte": f.get(key)}, b.get(key, {}), cache)
            for c, w, a, b, f in zip(columns, windows, aggs, breakdowns, ftes, strict=True)
        ]
    return out


_READS_START: dict[str, bool] = {}


def reads_window_start(ind: cat.Indicator, la) -> bool:
    """Whether a measure's definition looks at its window's first day. A snapshot measure that
    reads only the as-at date gives the same figure for the year and its fourth quarter (and for
    last year's end and last year's Q4), so the scorecard counts it once per date, not per column.
    Found once per process by building the queryset (lazily, so no query) with a context that
    notes the access."""
    if ind.id not in _READS_START:
        touched: list[bool] = []

        class Probe(cat.Context):
            @property
            def start(self) -> dt.date:
                touched.append(True)
                return self.window.start

        probe = Probe(la=la, window=reporting_year(2026))
        ind.units(probe)
        _READS_START[ind.id] = bool(touched)
    return _READS_START[ind.id]


def _edge_for(model, field_name: str):
    """Dates as they compare with the field: a timestamp (contacts) is cut at local midnight."""
    if isinstance(model._meta.get_field(field_name), DateTimeField):
        return lambda day: timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return lambda day: day


def _bucketed(ind: cat.Indicator, qs, windows: list[Period], grouped: bool) -> tuple[list[dict], list[dict]]:
    """One grouped query for several windows: rows are put in date buckets cut at every window's
    edges, so each window is a union of buckets and each row's expressions (working-day look-ups,
    look-back subqueries) are computed once, not once per column."""
    edges = sorted({w.start for w in windows} | {w.end + dt.timedelta(days=1) for w in windows})
    buckets = list(zip(edges, edges[1:], strict=False))
    field_name = ind.date_field
    edge = _edge_for(qs.model, field_name)
    bucket = Case(
        *[
            When(Q(**{f"{field_name}__gte": edge(a), f"{field_name}__lt": edge(b)}), then=Value(i))
            for i, (a, b) in enumerate(buckets)
        ],
        default=Value(-1),
        output_field=IntegerField(),
    )
    has_num = "k_num" in qs.query.annotations
    has_val = "k_val" in qs.query.annotations
    group = (
        (["k_la"] if grouped else [])
        + ["k_bucket"]
        + (["k_child"] if ind.counts == cat.CHILDREN else [])
        + ([ind.breakdown] if ind.breakdown else [])
    )
    spec = {"k_n": Count("pk"), "k_numsum": Sum("k_num") if has_num else Count("pk")}
    if has_val:
        spec.update(k_valsum=Sum("k_val"), k_valn=Count("k_val"))
    councils: dict = {}
    for g in qs.annotate(k_bucket=bucket).order_by().values(*group).annotate(**spec):
        councils.setdefault(g.get("k_la"), []).append(g)
    aggs: list[dict] = [{} for _ in windows]
    breakdowns: list[dict] = [{} for _ in windows]
    label = ind.extra.get("label", str)
    for key, grouped_rows in councils.items():
        for i, w in enumerate(windows):
            after = w.end + dt.timedelta(days=1)
            inside = {n for n, (a, b) in enumerate(buckets) if a >= w.start and b <= after}
            mine = [g for g in grouped_rows if g["k_bucket"] in inside]
            if ind.counts == cat.CHILDREN:
                den = len({g["k_child"] for g in mine})
                num = len({g["k_child"] for g in mine if g["k_numsum"]})
            else:
                den = sum(g["k_n"] for g in mine)
                num = sum(g["k_numsum"] or 0 for g in mine)
            agg = {"den": den, "num": num, "total": None, "mean": None}
            if has_val:
                values = [g["k_valsum"] for g in mine if g["k_valsum"] is not None]
                count = sum(g["k_valn"] for g in mine)
                if values:
                    total = sum(values[1:], values[0])
                    agg["total"] = total
                    agg["mean"] = total / count if count else None
            aggs[i][key] = agg
            split: dict[str, int] = {}
            if ind.breakdown:
                for g in mine:
                    n = (g["k_numsum"] or 0) if (has_num and ind.unit == cat.COUNT) else g["k_n"]
                    if n:
                        split[label(g[ind.breakdown])] = split.get(label(g[ind.breakdown]), 0) + n
            breakdowns[i][key] = dict(sorted(split.items()))
    return aggs, breakdowns


_NO_LIMIT = 2**62


def _in_parts(ind: cat.Indicator, la, windows: list[Period]) -> tuple[list[dict], list[dict], list | None]:
    """One query for several windows of a measure defined in parts: the rows of all the windows
    (the cover), each window's figure an aggregate filtered by its members and numerator."""
    parts = ind.windowed
    ctxs = [cat.Context(la=la, window=w) for w in windows]
    as_at_only = ind.period_type in (SNAPSHOT, ANNUAL_ONLY) and not reads_window_start(ind, la)
    first = min(w.end if as_at_only else w.start for w in windows)
    span = cat.Context(la=la, window=Period(first, max(w.end for w in windows), "span"))
    members = [parts.member(c) for c in ctxs]
    qs = parts.base(span).filter(parts.cover(span) if parts.cover else reduce(operator.or_, members))
    numerators = [parts.numerator(c) for c in ctxs] if parts.numerator else None
    # Each row's standing in each window, worked out once: 0 outside it, 1 a member, 2 a member in
    # the numerator (whose test runs for members only). The slice no count reaches is a fence:
    # without it PostgreSQL inlines the column into every aggregate that reads it and runs its
    # subqueries again for each.
    nums = numerators or [Q(k_num=1) if "k_num" in qs.query.annotations else Q()] * len(members)
    standing = {f"k_at{i}": _standing(m, n) for i, (m, n) in enumerate(zip(members, nums, strict=True))}
    fenced = qs.order_by().annotate(**standing)[:_NO_LIMIT]
    aggs = _standing_figures(ind, fenced, len(members), grouped=la is None)
    breakdowns = _breakdowns(ind, qs, members, numerators, grouped=la is None)
    ftes = ind.extra["denominator"](la, [qs.filter(m) for m in members]) if ind.unit == cat.RATIO else None
    return aggs, breakdowns, ftes


def _standing_figures(ind: cat.Indicator, fenced, windows: int, grouped: bool) -> list[dict]:
    """Each window's members and numerator (FTE for a weighted share), and the total of the
    values measured in days or as a mean, counted from the standing columns in one plain statement
    over the rows, by council when `grouped`. Django's aggregate() walks every aggregate's filter
    down through the standing expressions (about a quarter of the scorecard's Python time when
    it did); these read integer columns only."""
    has_val = ind.weighted or ind.unit in (cat.DAYS, cat.MEAN)
    columns = [*(["k_la"] if grouped else []), "k_child", *(["k_val"] if has_val else [])]
    columns += [f"k_at{i}" for i in range(windows)]
    inner, params = fenced.values(*columns).query.sql_with_params()
    if ind.weighted:
        count = 'SUM(CASE WHEN "k_at{i}" {test} THEN "k_val" END)'
    elif ind.counts == cat.CHILDREN:
        count = 'COUNT(DISTINCT CASE WHEN "k_at{i}" {test} THEN "k_child" END)'
    else:
        count = 'COUNT(CASE WHEN "k_at{i}" {test} THEN 1 END)'
    select = []
    for i in range(windows):
        select += [count.format(i=i, test=">= 1"), count.format(i=i, test="= 2")]
        if ind.unit in (cat.DAYS, cat.MEAN):
            select += [f'SUM(CASE WHEN "k_at{i}" >= 1 THEN "k_val" END)',
                       f'COUNT(CASE WHEN "k_at{i}" >= 1 THEN "k_val" END)']
    sql = f'SELECT {"k_la, " if grouped else ""}{", ".join(select)} FROM ({inner}) "k_rows"'
    field = fenced.query.annotations["k_val"].output_field if has_val else None
    with connections[fenced.db].cursor() as cursor:
        cursor.execute(sql + (' GROUP BY "k_la"' if grouped else ""), params)
        got = cursor.fetchall()
    aggs: list[dict] = [{} for _ in range(windows)]
    width = len(select) // windows
    for row in got:
        key, values = (row[0], row[1:]) if grouped else (None, row)
        for i in range(windows):
            den, num, *val = values[i * width:(i + 1) * width]
            agg = {"den": _as(den, field), "num": _as(num, field), "total": None, "mean": None}
            if val:
                total, n = _as(val[0], field), val[1]
                agg["total"], agg["mean"] = total, (total / n if n else None)
            aggs[i][key] = agg
    return aggs


def _as(value, field):
    """A sum as Django would give it: SQLite keeps a duration as a count of microseconds."""
    if isinstance(field, DurationField) and isinstance(value, int | float):
        return dt.timedelta(microseconds=value)
    return value


def _standing(member: Q, numerator: Q):
    """0, 1 or 2 (outside, member, member in the numerator); an empty Q is always true."""
    integer = IntegerField()
    counted = (
        Case(When(numerator, then=Value(2)), default=Value(1), output_field=integer) if numerator else None
    )
    if not member:
        return counted if counted is not None else Value(2, output_field=integer)
    return Case(
        When(member, then=counted if counted is not None else Value(2)),
        default=Value(0),
        output_field=integer,
    )


def _aggregate(ind: cat.Indicator, qs, filters: list[Q], grouped: bool) -> list[dict]:
    """Each filter's figure; `grouped`, by council (`k_la`, which every measure's rows carry when
    read for every council: a measure that did not start from its council fails here)."""
    has_num = "k_num" in qs.query.annotations
    num_q = Q(k_num=1) if has_num else Q()
    spec = {}
    for i, f in enumerate(filters):
        if ind.weighted:
            spec[f"den{i}"], spec[f"num{i}"] = Sum("k_val", filter=f), Sum("k_val", filter=f & num_q)
        elif ind.counts == cat.CHILDREN:
            spec[f"den{i}"] = Count("k_child", distinct=True, filter=f)
            spec[f"num{i}"] = Count("k_child", distinct=True, filter=f & num_q)
        else:
            spec[f"den{i}"], spec[f"num{i}"] = Count("pk", filter=f), Count("pk", filter=f & num_q)
        if ind.unit in (cat.DAYS, cat.MEAN):
            spec[f"total{i}"], spec[f"mean{i}"] = Sum("k_val", filter=f), Avg("k_val", filter=f)
    if grouped:
        got = {g["k_la"]: g for g in qs.order_by().values("k_la").annotate(**spec)}
    else:
        got = {None: qs.aggregate(**spec)}
    return [
        {key: {k: g.get(f"{k}{i}") for k in ("den", "num", "total", "mean")} for key, g in got.items()}
        for i in range(len(filters))
    ]


def _breakdowns(
    ind: cat.Indicator, qs, filters: list[Q], numerators: list[Q] | None = None, *, grouped: bool
) -> list[dict]:
    if not ind.breakdown:
        return [{} for _ in filters]
    if ind.unit == cat.COUNT and numerators is not None:
        filters = [f & n for f, n in zip(filters, numerators, strict=True)]
    elif "k_num" in qs.query.annotations and ind.unit == cat.COUNT:
        qs = qs.filter(k_num=1)
    rows = (
        qs.order_by()
        .values(*(["k_la"] if grouped else []), ind.breakdown)
        .annotate(**{f"n{i}": Count("pk", filter=f) for i, f in enumerate(filters)})
    )
    out: list[dict] = [{} for _ in filters]
    label = ind.extra.get("label", str)
    for row in rows:
        for i in range(len(filters)):
            if row[f"n{i}"]:
                split = out[i].setdefault(row.get("k_la"), {})
                key = label(row[ind.breakdown])
                split[key] = split.get(key, 0) + row[f"n{i}"]
    return [{k: dict(sorted(b.items())) for k, b in o.items()} for o in out]


def _result(
    ind: cat.Indicator, la, column: Period, window: Period, agg: dict, breakdown: dict, cache: dict
) -> Result:
    num, den = _number(agg["num"]) or 0, _number(agg["den"]) or 0
    result = Result(
        ind.id,
        column,
        window,
        None,
        num,
        den,
        indicative=is_indicative(ind.period_type, column),
        breakdown=breakdown,
    )
    if ind.unit == cat.COUNT:
        result.value, result.denominator = num, None
    elif ind.unit == cat.PERCENT:
        result.value = round(100 * num / den, 1) if den else None
    elif ind.unit == cat.RATE:
        pop = cache.get((la.pk, reporting_year_of(window.end)))  # one estimate a reporting year
        result.numerator, result.denominator = num, pop
        result.value = round(num / pop * 10000, 1) if pop else None
        if not pop:
            result.note = "no population estimate for the year"
    elif ind.unit in (cat.DAYS, cat.MEAN):
        total, mean = _number(agg["total"]), _number(agg["mean"])
        result.numerator, result.denominator = (round(total, 1) if total is not None else None), den
        result.value = round(mean, 1) if mean is not None else None
    elif ind.unit == cat.RATIO:
        fte = _number(agg.get("fte"))
        result.numerator, result.denominator = den, fte
        result.value = round(den / fte, 1) if fte else None
    return result


def rows(ind: cat.Indicator, la, column: Period) -> list[dict]:
    """Every unit behind the figure: child, whether in the numerator, and why."""
    if not ind.is_held:
        return []
    window = window_for(ind.period_type, column)
    qs = ind.units(cat.Context(la=la, window=window))
    has_num = "k_num" in qs.query.annotations
    names = ["pk", "k_child", *(["k_num"] if has_num else []), *ind.fields]
    if "k_val" in qs.query.annotations:
        names.append("k_val")
    out = []
    for row in qs.order_by("k_child", "pk").values(*dict.fromkeys(names)):
        row = dict(row)
        row["in_numerator"] = bool(row.pop("k_num", 1))
        row["window_end"] = f"{window.end:%d/%m/%Y}"
        row["why"] = _why(ind.why, row)
        out.append(row)
    return out


class _Blank(dict):
    def __missing__(self, key):
        return "-"


def _why(template: str, row: dict) -> str:
    values = _Blank({k: ("-" if v is None else v) for k, v in row.items()})
    try:
        return template.format_map(values)
    except (ValueError, TypeError):  # a "-" meeting a date format: show the raw values
        return template.replace(":%d/%m/%Y", "").format_map(values)
