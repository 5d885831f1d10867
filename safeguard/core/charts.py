"""Every chart in Safeguard, from one library: a Vega-Lite spec built with altair and rendered
offline by vl-convert, to SVG for a web page and to PNG for a PDF or a Word document, so that the
committee sees the same chart on screen and on paper. Charts carry their own title and a text
description (`describe`) for readers who cannot see them.

Rendering costs (measured here): about 2 s for the first chart in a process (the renderer starts),
then about 40 ms an SVG and 70 ms a PNG; `svg` and `png` keep what they drew in the cache, keyed by
the spec, so a page drawn again costs nothing."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import altair as alt
from django.core.cache import cache

#: GOV.UK Design System colours: the council's own line first, then its comparators.
COLOURS = ["#1d70b8", "#505a5f", "#f47738", "#00703c", "#d4351c", "#4c2c92"]
FONT = "Arial, Helvetica, sans-serif"
PERCENT, COUNT, NUMBER = "percent", "count", "number"
_FORMATS = {PERCENT: ".1f", COUNT: ",.0f", NUMBER: ",.1f"}
_CACHE_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Series:
    """One line: its name in the legend and its (label, value) points in order; None is a gap."""

    name: str
    points: list[tuple[str, float | None]] = field(default_factory=list)
    dashed: bool = False  # a comparator (England, statistical neighbours, a target)


def _axis_title(unit: str) -> str | None:
    return "%" if unit == PERCENT else None


def _base(title: str, width: int, height: int) -> dict:
    return {"title": {"text": title, "anchor": "start", "font": FONT, "fontSize": 14},
            "width": width, "height": height}


def line(series: list[Series], *, title: str, unit: str = NUMBER, width: int = 420,
         height: int = 180) -> alt.Chart:
    """A trend: one line per series over the same periods, comparators dashed."""
    rows = [{"period": label, "value": value, "series": s.name, "order": n}
            for s in series for n, (label, value) in enumerate(s.points) if value is not None]
    periods = list(dict.fromkeys(label for s in series for label, _ in s.points))
    names = [s.name for s in series]
    dashed = [s.name for s in series if s.dashed]
    return (
        alt.Chart(alt.Data(values=rows), **_base(title, width, height))
        .mark_line(point=True)
        .encode(
            x=alt.X("period:O", title=None, sort=periods, axis=alt.Axis(labelAngle=0, labelFont=FONT)),
            y=alt.Y("value:Q", title=_axis_title(unit), axis=alt.Axis(format=_FORMATS[unit])),
            color=alt.Color("series:N", scale=alt.Scale(domain=names, range=COLOURS[: len(names)]),
                            legend=alt.Legend(orient="bottom", title=None, labelFont=FONT)),
            strokeDash=alt.condition(alt.FieldOneOfPredicate(field="series", oneOf=dashed or ["\0"]),
                                     alt.value([5, 3]), alt.value([1, 0])),
            order="order:Q",
        )
    )


def bars(values: list[tuple[str, float]], *, title: str, unit: str = COUNT, width: int = 420,
         height: int | None = None) -> alt.Chart:
    """Categories as horizontal bars, in the order given, each labelled with its value."""
    rows = [{"category": label, "value": value} for label, value in values]
    height = height or max(60, 22 * len(rows))
    base = alt.Chart(alt.Data(values=rows), **_base(title, width, height)).encode(
        y=alt.Y("category:N", title=None, sort=None, axis=alt.Axis(labelFont=FONT, labelLimit=220)),
        x=alt.X("value:Q", title=_axis_title(unit), axis=alt.Axis(format=_FORMATS[unit])),
    )
    return base.mark_bar(color=COLOURS[0]) + base.mark_text(align="left", dx=3, font=FONT).encode(
        text=alt.Text("value:Q", format=_FORMATS[unit]))


def sparkline(points: list[tuple[str, float | None]], *, unit: str = NUMBER,
              target: float | None = None, band: tuple[float, float] | None = None,
              width: int = 120, height: int = 34) -> alt.Chart:
    """A small trend for a table cell: the council's points as a line (missing ones are gaps),
    the target as a dashed rule or the target band shaded, the last point labelled; no axes, so
    it fits a column a committee paper can print without cutting it."""
    rows = [{"period": label, "value": value, "order": n} for n, (label, value) in enumerate(points)]
    periods = [label for label, _ in points]
    x = alt.X("period:O", sort=periods, axis=None)
    values = [v for _, v in points if v is not None]
    extent = values + ([target] if target is not None else []) + (list(band) if band else [])
    lo, hi = (min(extent), max(extent)) if extent else (0, 1)
    pad = (hi - lo) * 0.15 or 1
    yscale = alt.Scale(domain=[lo - pad, hi + pad], zero=False)
    y = alt.Y("value:Q", axis=None, scale=yscale)
    size = {"width": width, "height": height}
    data = alt.Data(values=rows)
    layers = []
    if band:
        layers.append(alt.Chart(alt.Data(values=[{"lo": band[0], "hi": band[1]}]), **size)
                      .mark_rect(color=COLOURS[3], opacity=0.15)
                      .encode(y=alt.Y("lo:Q", axis=None, scale=yscale), y2="hi:Q"))
    if target is not None:
        layers.append(alt.Chart(alt.Data(values=[{"t": target}]), **size)
                      .mark_rule(color=COLOURS[1], strokeDash=[3, 2])
                      .encode(y=alt.Y("t:Q", axis=None, scale=yscale)))
    base = alt.Chart(data, **size).transform_filter("datum.value != null")
    layers.append(base.mark_line(color=COLOURS[0], strokeWidth=1.5).encode(x=x, y=y, order="order:Q"))
    layers.append(base.mark_point(color=COLOURS[0], filled=True, size=14).encode(x=x, y=y))
    last = next(((label, v) for label, v in reversed(points) if v is not None), None)
    if last is not None:
        layers.append(
            alt.Chart(alt.Data(values=[{"period": last[0], "value": last[1]}]), **size)
            .mark_point(color=COLOURS[0], filled=True, size=30).encode(x=x, y=y))
    return alt.layer(*layers).configure_view(stroke=None).properties(padding=2)


def trend(series: list[Series], *, title: str, unit: str = NUMBER,
          band: tuple[float, float] | None = None, width: int = 420, height: int = 160) -> alt.Chart:
    """`line` with the target band shaded behind it (a RANGE measure's 'good' band)."""
    chart = line(series, title=title, unit=unit, width=width, height=height)
    if not band:
        return chart
    shade = (alt.Chart(alt.Data(values=[{"lo": band[0], "hi": band[1]}]), width=width, height=height)
             .mark_rect(color=COLOURS[3], opacity=0.12).encode(y="lo:Q", y2="hi:Q"))
    return alt.layer(shade, chart).properties(title=chart.title)


def grouped_bars(categories: list[str], series: list[tuple[str, list[float]]], *, title: str,
                 unit: str = COUNT, width: int = 480, height: int = 200) -> alt.Chart:
    """Vertical bars side by side: one group per category (e.g. a year), one bar per series,
    each labelled with its value."""
    rows = [{"category": c, "series": name, "value": v}
            for name, values in series for c, v in zip(categories, values, strict=True)]
    names = [name for name, _ in series]
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("category:N", title=None, sort=categories, axis=alt.Axis(labelAngle=0, labelFont=FONT)),
        xOffset=alt.XOffset("series:N", sort=names),
    )
    bars_ = base.mark_bar().encode(
        y=alt.Y("value:Q", title=_axis_title(unit), axis=alt.Axis(format=_FORMATS[unit])),
        color=alt.Color("series:N", sort=names, scale=alt.Scale(domain=names, range=COLOURS[: len(names)]),
                        legend=alt.Legend(orient="bottom", title=None, labelFont=FONT)))
    labels = base.mark_text(dy=-5, font=FONT, fontSize=10).encode(
        y="value:Q", text=alt.Text("value:Q", format=_FORMATS[unit]))
    return alt.layer(bars_, labels).properties(**_base(title, width, height))


def projection(history: list[dict], forecast: list[dict], *, title: str, colours: dict[str, str],
               labels: dict[str, str], width: int = 720, height: int = 260) -> alt.Chart:
    """History (solid) then a projection (dashed) with its 95% band shaded, one colour per key.
    `history` rows are {date, key, value}; `forecast` rows {date, key, value, low, high}; dates ISO."""
    keys = list(dict.fromkeys(r["key"] for r in history + forecast))
    names = [labels.get(k, k) for k in keys]
    scale = alt.Scale(domain=names, range=[colours.get(k, "#333333") for k in keys])
    rows = ([{**r, "name": labels.get(r["key"], r["key"]), "part": "History"} for r in history]
            + [{**r, "name": labels.get(r["key"], r["key"]), "part": "Projection"} for r in forecast])
    data = alt.Data(values=rows)
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%b %Y", labelFont=FONT, tickCount=8))
    y = alt.Y("value:Q", title="Children", axis=alt.Axis(format=",.0f"))
    colour = alt.Color("name:N", scale=scale, legend=alt.Legend(orient="bottom", title=None, labelFont=FONT))
    band = (alt.Chart(data).transform_filter("datum.part == 'Projection'").mark_area(opacity=0.15)
            .encode(x=x, y=alt.Y("low:Q", title="Children"), y2="high:Q",
                    color=alt.Color("name:N", scale=scale, legend=None)))
    lines = alt.Chart(data).mark_line(strokeWidth=2).encode(
        x=x, y=y, color=colour, detail="part:N",
        strokeDash=alt.condition("datum.part == 'Projection'", alt.value([6, 3]), alt.value([1, 0])))
    return alt.layer(band, lines).properties(**_base(title, width, height))


def drawn(inputs, build, *, kind: str = "svg") -> str:
    """A chart drawn once for the same inputs: `inputs` (plain data) keys the cache, so a page
    drawn again neither builds the chart nor its spec. `build()` makes the chart when it is not
    cached; kind is "svg" (the SVG text) or "png" (a data URI)."""
    key = f"chart:{kind}:inputs:" + hashlib.sha256(
        json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()
    text = cache.get(key)
    if text is None:
        chart = build()
        text = svg(chart) if kind == "svg" else data_uri(chart)
        cache.set(key, text, _CACHE_SECONDS)
    return text


def data_uri(chart: alt.TopLevelMixin, *, scale: float = 2) -> str:
    """The chart as a PNG data URI, for an <img> in a page printed to PDF."""
    import base64

    return "data:image/png;base64," + base64.b64encode(png(chart, scale=scale)).decode()


def describe(series: list[Series], unit: str = NUMBER) -> str:
    """The chart in words, for a screen reader and for anyone reading the pack in plain text."""
    fmt = _FORMATS[unit]
    parts = []
    for s in series:
        points = [f"{label} {format(v, fmt)}{'%' if unit == PERCENT else ''}"
                  for label, v in s.points if v is not None]
        parts.append(f"{s.name}: {', '.join(points) if points else 'no figures'}")
    return "; ".join(parts) + "."


def _key(kind: str, spec: dict, scale: float = 1) -> str:
    text = json.dumps(spec, sort_keys=True, default=str)
    return f"chart:{kind}:{scale}:" + hashlib.sha256(text.encode()).hexdigest()


def svg(chart: alt.TopLevelMixin) -> str:
    """The chart as an SVG element for an HTML page (cached by its spec)."""
    import vl_convert

    spec = chart.to_dict(validate=False)  # vl-convert checks the spec; altair's check costs ~14 ms
    key = _key("svg", spec)
    drawn = cache.get(key)
    if drawn is None:
        drawn = vl_convert.vegalite_to_svg(spec)
        cache.set(key, drawn, _CACHE_SECONDS)
    return drawn


def png(chart: alt.TopLevelMixin, *, scale: float = 2) -> bytes:
    """The chart as a PNG for a PDF or a Word document (cached by its spec and scale)."""
    import vl_convert

    spec = chart.to_dict(validate=False)
    key = _key("png", spec, scale)
    drawn = cache.get(key)
    if drawn is None:
        drawn = vl_convert.vegalite_to_png(spec, scale=scale)
        cache.set(key, drawn, _CACHE_SECONDS)
    return drawn
