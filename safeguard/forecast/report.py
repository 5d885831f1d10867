"""A forecast (or backtest) from episodes: fit, project, cost, compare a scenario with the baseline,
and render it as JSON, CSV, HTML (with its chart drawn as inline SVG) or PDF.

`build_forecast` and `build_backtest` take model arrays, so the same code serves the record (through
`selectors.episodes_for_forecast`) and a folder of SSDA903 files; `to_html` is what the web page
calls.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import numpy as np
from django.utils.html import escape

from safeguard.core import charts
from safeguard.core.cells import safe_writer
from safeguard.timescales.calendar import add_months

from . import model
from .costs import schedule
from .model import CATEGORIES, CATEGORY_LABELS, N_CATS, N_STATES

Z95 = 1.959964
METHOD = (
    "Continuous-time Markov (stock-and-flow) model by age band × placement category; rates are "
    "events per child-day in the reference window; projected daily with the exact one-day "
    "transition matrix. 95% band: exact process variance (children move independently: "
    "multinomial spread of those in care, Poisson entrants) plus rate uncertainty from a Poisson "
    "bootstrap of the event counts, normal approximation."
)


def _weights(cost_per_day: np.ndarray) -> np.ndarray:
    """(days + 1, 8, 30): six categories, the total, and cost per day (weekly cost / 7) by state."""
    base = model.category_weights()
    days = cost_per_day.shape[0]
    w = np.zeros((days, N_CATS + 2, N_STATES))
    w[:, : N_CATS + 1] = base
    w[:, N_CATS + 1] = np.tile(cost_per_day / 7.0, (1, model.N_BANDS))
    return w


def _points(as_at: dt.date, months: range) -> list[dt.date]:
    return [add_months(as_at, m) for m in months]


def _series(mean, var, day_index, cost_mean, cost_sd, prev_index):
    """Month-end figures by category with 95% band, and the month's cost."""
    out = []
    for d, i, p in zip(day_index[0], day_index[1], prev_index, strict=True):
        sd = np.sqrt(np.maximum(var[i], 0.0))
        cats = {}
        for k, cat in enumerate(CATEGORIES):
            m = float(mean[i, k])
            cats[cat] = {
                "mean": round(m, 2),
                "low": round(max(0.0, m - Z95 * sd[k]), 2),
                "high": round(m + Z95 * sd[k], 2),
            }
        tot = float(mean[i, N_CATS])
        cost = float(cost_mean[p + 1 : i + 1].sum())
        cost_half = float(Z95 * cost_sd[p + 1 : i + 1].sum())
        out.append(
            {
                "date": d.isoformat(),
                "by_category": cats,
                "total": {
                    "mean": round(tot, 2),
                    "low": round(max(0.0, tot - Z95 * sd[N_CATS]), 2),
                    "high": round(tot + Z95 * sd[N_CATS], 2),
                },
                "cost": {
                    "mean": round(cost),
                    "low": round(max(0.0, cost - cost_half)),
                    "high": round(cost + cost_half),
                },
            }
        )
    return out


def _run(initial, rates, days, weights, draws):
    proj = model.project(initial, rates, days, weights)
    boot = model.bootstrap_means(initial, rates, days, weights, draws=draws) if draws else 0.0
    var = proj.variance + boot
    combos = np.einsum("tks,ts->tk", weights, proj.mean)
    return proj, combos, var


def _rates_summary(rates: model.Rates) -> dict:
    """Yearly entries and exits, and the share of children moving category a year, by category."""
    exp_cat = model.by_category(rates.exposure)
    entries = model.by_category(rates.entry_count) * 365.25 / rates.window_days
    exits = model.by_category(rates.exit_count)
    cat = np.arange(N_STATES) % N_CATS
    moves = np.zeros((N_CATS, N_CATS))
    np.add.at(moves, (cat[:, None].repeat(N_STATES, 1), cat[None, :].repeat(N_STATES, 0)), rates.move_count)
    out = {}
    for k, c in enumerate(CATEGORIES):
        years = exp_cat[k] / 365.25
        out[c] = {
            "entries_per_year": round(float(entries[k]), 2),
            "exits_per_child_year": round(float(exits[k] / years), 4) if years else None,
            "moves_per_child_year": {
                CATEGORIES[j]: round(float(moves[k, j] / years), 4)
                for j in range(N_CATS)
                if j != k and moves[k, j]
            }
            if years
            else {},
            "child_years_in_reference": round(float(years), 1),
        }
    return out


def build_forecast(
    ep: model.Episodes,
    *,
    as_at: dt.date,
    reference_months: int = 24,
    horizon_months: int = 24,
    cost_rows: list[dict],
    adjustments: list[str] | None = None,
    draws: int = 200,
    source: str = "record",
) -> dict:
    """Fit on `reference_months` up to `as_at`, project `horizon_months`, cost it; with adjustments,
    also the scenario and its difference from the baseline."""
    if not 1 <= reference_months <= 120 or not 1 <= horizon_months <= 60:
        raise ValueError("reference months must be 1 to 120 and horizon months 1 to 60")
    parsed = [model.parse_adjustment(a) for a in (adjustments or [])]
    as_at_no = model.day_number(as_at)
    ref_first = add_months(as_at, -reference_months)
    known = model.truncate(ep, as_at_no)
    rates = model.fit(known, model.day_number(ref_first), as_at_no)
    history_states = model.daily_states(known, model.day_number(ref_first), as_at_no)
    initial = history_states[-1].astype(float)
    end = add_months(as_at, horizon_months)
    days = (end - as_at).days
    cost_day = schedule(as_at, days, cost_rows)
    weights = _weights(cost_day)
    points = _points(as_at, range(1, horizon_months + 1))
    idx = [(p - as_at).days for p in points]
    prev = [0] + idx[:-1]

    def scenario(r):
        proj, combos, var = _run(initial, r, days, weights, draws)
        cost_mean = combos[:, N_CATS + 1]
        cost_mean[0] = 0.0
        cost_sd = np.sqrt(np.maximum(var[:, N_CATS + 1], 0))
        return _series(combos, var, (points, idx), cost_mean, cost_sd, prev)

    hist_points = [p for p in _points(as_at, range(-reference_months, 1))]
    hist = []
    for p in hist_points:
        row = model.by_category(history_states[(p - ref_first).days])
        hist.append(
            {
                "date": p.isoformat(),
                "by_category": {c: int(row[k]) for k, c in enumerate(CATEGORIES)},
                "total": int(row.sum()),
            }
        )
    result = {
        "title": f"Forecast of children in care and placement cost from {as_at:%d %B %Y}",
        "source": source,
        "as_at": as_at.isoformat(),
        "reference": {"from": ref_first.isoformat(), "to": as_at.isoformat(), "months": reference_months},
        "horizon_months": horizon_months,
        "method": METHOD,
        "categories": {c: CATEGORY_LABELS[c] for c in CATEGORIES},
        "age_bands": [b[0] for b in model.AGE_BANDS],
        "in_care_at_as_at": {
            "by_category": {c: int(v) for c, v in zip(CATEGORIES, model.by_category(initial), strict=True)},
            "by_age_band": {
                b[0]: int(v) for b, v in zip(model.AGE_BANDS, model.by_band(initial), strict=True)
            },
            "total": int(initial.sum()),
        },
        "rates": _rates_summary(rates),
        "weekly_costs": [
            {
                "category": r["category"],
                "weekly_cost": float(r["weekly_cost"]),
                "effective_from": r["effective_from"].isoformat() if r["effective_from"] else None,
                "source": r["source"],
            }
            for r in cost_rows
        ],
        "history": hist,
        "baseline": scenario(rates),
    }
    if parsed:
        result["adjustments"] = list(adjustments)
        result["scenario"] = scenario(model.adjusted(rates, parsed))
        result["scenario_minus_baseline"] = [
            {
                "date": s["date"],
                "total": round(s["total"]["mean"] - b["total"]["mean"], 2),
                "cost": s["cost"]["mean"] - b["cost"]["mean"],
                "by_category": {
                    c: round(s["by_category"][c]["mean"] - b["by_category"][c]["mean"], 2) for c in CATEGORIES
                },
            }
            for s, b in zip(result["scenario"], result["baseline"], strict=True)
        ]
    return result


def data_end(ep: model.Episodes) -> dt.date:
    """The last day the data covers: its latest start or end."""
    ends = ep.end[ep.end != model.OPEN]
    last = max(int(ep.start.max()) if len(ep) else 0, int(ends.max()) if len(ends) else 0)
    return model.date_of(last)


def build_backtest(
    ep: model.Episodes,
    *,
    origin: dt.date,
    reference_months: int = 24,
    horizon_months: int = 12,
    actual_until: dt.date | None = None,
) -> dict:
    """Fit on data up to `origin`, project, and compare month-end projections with what happened:
    mean absolute error and mean absolute percentage error by category and in total, and how often
    the actual fell inside the 95% band."""
    actual_until = actual_until or data_end(ep)
    months = [m for m in range(1, horizon_months + 1) if add_months(origin, m) <= actual_until]
    if not months:
        raise ValueError(
            f"no month after the origin {origin} is covered by the data (it ends {actual_until})"
        )
    no_cost = [{"category": c, "weekly_cost": 0, "effective_from": None, "source": ""} for c in CATEGORIES]
    fc = build_forecast(
        ep, as_at=origin, reference_months=reference_months, horizon_months=max(months), cost_rows=no_cost
    )
    points = _points(origin, months)
    states = model.daily_states(ep, model.day_number(origin), model.day_number(points[-1]))
    actual = np.array([model.by_category(states[(p - origin).days]) for p in points], dtype=float)
    base = fc["baseline"]
    projected = np.array([[b["by_category"][c]["mean"] for c in CATEGORIES] for b in base], dtype=float)
    low = np.array([[b["by_category"][c]["low"] for c in CATEGORIES] + [b["total"]["low"]] for b in base])
    high = np.array([[b["by_category"][c]["high"] for c in CATEGORIES] + [b["total"]["high"]] for b in base])
    act_all = np.c_[actual, actual.sum(axis=1)]
    errs = {c: model.errors(projected[:, k], actual[:, k]) for k, c in enumerate(CATEGORIES)}
    errs["total"] = model.errors(projected.sum(axis=1), actual.sum(axis=1))
    inside = (act_all >= low) & (act_all <= high)
    return {
        "title": f"Backtest of the forecast from {origin:%d %B %Y}",
        "origin": origin.isoformat(),
        "reference_months": reference_months,
        "horizon_months": max(months),
        "actual_until": actual_until.isoformat(),
        "errors": errs,
        "band_coverage": round(float(inside.mean()), 3),
        "months": [
            {
                "date": p.isoformat(),
                "projected": {c: round(float(projected[i, k]), 2) for k, c in enumerate(CATEGORIES)},
                "actual": {c: int(actual[i, k]) for k, c in enumerate(CATEGORIES)},
            }
            for i, p in enumerate(points)
        ],
        "forecast": fc,
    }


# --- rendering --------------------------------------------------------------------------------


def to_json(result: dict) -> str:
    return json.dumps(result, indent=2, default=str)


def to_csv(result: dict) -> str:
    """One row per series, date and category: history, baseline and any scenario."""
    if "errors" in result:  # a backtest
        buf = io.StringIO()
        w = safe_writer(buf)
        w.writerow(["date", "category", "projected", "actual"])
        for m in result["months"]:
            for c in CATEGORIES:
                w.writerow([m["date"], c, m["projected"][c], m["actual"][c]])
        w.writerow([])
        w.writerow(["category", "mae", "mape", "points"])
        for c, e in result["errors"].items():
            w.writerow([c, e["mae"], e["mape"], e["points"]])
        return buf.getvalue()
    buf = io.StringIO()
    w = safe_writer(buf)
    w.writerow(["series", "date", "category", "children", "low", "high", "cost"])
    for h in result["history"]:
        for c in CATEGORIES:
            w.writerow(["history", h["date"], c, h["by_category"][c], "", "", ""])
        w.writerow(["history", h["date"], "total", h["total"], "", "", ""])
    for series in ("baseline", "scenario"):
        for row in result.get(series, []):
            for c in CATEGORIES:
                v = row["by_category"][c]
                w.writerow([series, row["date"], c, v["mean"], v["low"], v["high"], ""])
            t = row["total"]
            w.writerow([series, row["date"], "total", t["mean"], t["low"], t["high"], row["cost"]["mean"]])
    return buf.getvalue()


COLOURS = {
    "total": "#1d3557",
    "in_house_fostering": "#2a9d8f",
    "independent_fostering": "#e76f51",
    "residential": "#9b2226",
    "supported_accommodation": "#6a4c93",
    "kinship": "#588157",
    "other": "#8d99ae",
}


def _chart(result: dict, keys: list[str], series: str = "baseline", width: int = 720):
    """History (solid) and projection (dashed, with its 95% band shaded) for each key: "total" or a
    category, drawn by the one charting library (safeguard.core.charts)."""
    def value(row, key, part=None):
        v = row["total"] if key == "total" else row["by_category"][key]
        return v[part] if part else v

    hist, proj = result["history"], result[series]
    history = [{"date": r["date"], "key": k, "value": value(r, k)} for r in hist for k in keys]
    # The projection starts from the last month of history so the two lines meet.
    last = hist[-1]
    forecast = [{"date": last["date"], "key": k, "value": value(last, k), "low": value(last, k),
                 "high": value(last, k)} for k in keys]
    forecast += [{"date": r["date"], "key": k, "value": value(r, k, "mean"), "low": value(r, k, "low"),
                  "high": value(r, k, "high")} for r in proj for k in keys]
    labels = {"total": "All children in care", **CATEGORY_LABELS}
    title = "All children in care" if keys == ["total"] else "Children in care by placement"
    return charts.projection(history, forecast, title=title, colours=COLOURS, labels=labels, width=width)


def svg_chart(
    result: dict, keys: list[str], *, width: int = 760, height: int = 300, series: str = "baseline"
) -> str:
    """The chart as SVG for the page (width and height are the library's; kept for callers)."""
    return charts.svg(_chart(result, keys, series))


def png_chart(result: dict, keys: list[str], *, series: str = "baseline") -> str:
    """The chart as a PNG data URI, for the PDF (narrower: it fits a portrait A4 page)."""
    return charts.data_uri(_chart(result, keys, series, width=540))


def _legend(keys):
    return " ".join(
        f'<span style="color:{COLOURS[k]}">&#9632;</span> '
        f"{escape(CATEGORY_LABELS.get(k, 'All children in care'))}"
        for k in keys
    )


def _draw(png: bool, result: dict, keys: list[str], *, series: str = "baseline") -> str:
    """SVG on a page; a PNG image in a PDF (every PDF viewer shows it the same)."""
    if png:
        uri = png_chart(result, keys, series=series)
        return f'<img src="{uri}" alt="Chart of children in care" style="width: 160mm">'
    return svg_chart(result, keys, series=series)


def to_html(result: dict, *, png: bool = False) -> str:
    """A self-contained page (inline CSS and SVG): charts, month-end table, costs, method."""
    if "errors" in result:
        return _backtest_html(result, png=png)
    rows = []
    for r in result["baseline"]:
        cells = "".join(f"<td>{r['by_category'][c]['mean']:,.0f}</td>" for c in CATEGORIES)
        t = r["total"]
        rows.append(
            f"<tr><td>{r['date']}</td>{cells}<td><b>{t['mean']:,.0f}</b> ({t['low']:,.0f}–"
            f"{t['high']:,.0f})</td><td>£{r['cost']['mean']:,.0f}</td></tr>"
        )
    head = "".join(f"<th>{escape(CATEGORY_LABELS[c])}</th>" for c in CATEGORIES)
    scenario = ""
    if "scenario" in result:
        diff = "".join(
            f"<tr><td>{d['date']}</td><td>{d['total']:+,.1f}</td><td>£{d['cost']:+,.0f}</td></tr>"
            for d in result["scenario_minus_baseline"]
        )
        scenario = (
            f"<h2>Scenario: {escape(', '.join(result['adjustments']))}</h2>"
            + _draw(png, result, ["total"], series="scenario")
            + "<table><tr><th>Month end</th><th>Children (scenario − baseline)</th>"
            f"<th>Cost in month (scenario − baseline)</th></tr>{diff}</table>"
        )
    costs = "".join(
        f"<tr><td>{escape(CATEGORY_LABELS[c['category']])}</td><td>£{c['weekly_cost']:,.2f}</td>"
        f"<td>{c['effective_from'] or 'always'}</td><td>{escape(c['source'])}</td></tr>"
        for c in result["weekly_costs"]
    )
    total_cost = sum(r["cost"]["mean"] for r in result["baseline"])
    cats = [c for c in CATEGORIES if c != "other"]
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{escape(result["title"])}</title>
<style>body{{font-family:sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;font-size:12px}}
td,th{{border:1px solid #ccc;padding:3px 6px;text-align:right}}th{{background:#f3f3f3}}
p.small{{font-size:12px;color:#555}}</style></head><body>
<h1>{escape(result["title"])}</h1>
<p>Reference window {result["reference"]["from"]} to {result["reference"]["to"]}; projected
{result["horizon_months"]} months. Children in care on {result["as_at"]}:
<b>{result["in_care_at_as_at"]["total"]:,}</b>.
Projected cost over the horizon: <b>£{total_cost:,.0f}</b>.</p>
<h2>All children in care</h2>{_draw(png, result, ["total"])}<p>{_legend(["total"])}: history solid, projection
dashed, shaded 95% band.</p>
<h2>By placement</h2>{_draw(png, result, cats)}<p>{_legend(cats)}</p>
{scenario}
<h2>Projection at month end</h2><table><tr><th>Month end</th>{head}<th>Total (95% band)</th>
<th>Cost in month</th></tr>{"".join(rows)}</table>
<h2>Weekly costs used</h2><table><tr><th>Category</th><th>Weekly cost</th><th>From</th><th>Source</th></tr>
{costs}</table>
<h2>Method</h2><p class="small">{escape(result["method"])}</p>
</body></html>"""


def _backtest_html(result: dict, *, png: bool = False) -> str:
    errs = "".join(
        f"<tr><td>{escape(CATEGORY_LABELS.get(c, 'Total'))}</td><td>{e['mae']}</td><td>{e['mape']}</td></tr>"
        for c, e in result["errors"].items()
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{escape(result["title"])}</title><style>body{{font-family:sans-serif;margin:2em}}
td,th{{border:1px solid #ccc;padding:3px 6px}}table{{border-collapse:collapse}}</style></head>
<body><h1>{escape(result["title"])}</h1>
<p>Fitted on {result["reference_months"]} months to {result["origin"]}; compared with the record to
{result["actual_until"]}. Actuals inside the 95% band: {result["band_coverage"]:.0%}.</p>
{_draw(png, result["forecast"], ["total"])}
<table><tr><th>Category</th><th>Mean absolute error (children)</th><th>MAPE (%)</th></tr>{errs}</table>
</body></html>"""


def to_pdf(result: dict) -> bytes:
    """The HTML page printed by WeasyPrint (needs Debian's pango libraries)."""
    from weasyprint import HTML  # lazy: heavy (and needs pango); only a PDF needs it

    return HTML(string=to_html(result, png=True)).write_pdf()


def render(result: dict, fmt: str) -> bytes:
    if fmt == "json":
        return to_json(result).encode()
    if fmt == "csv":
        return to_csv(result).encode("utf-8-sig")
    if fmt == "html":
        return to_html(result).encode()
    if fmt == "pdf":
        return to_pdf(result)
    raise ValueError(f"unknown format {fmt!r}")
