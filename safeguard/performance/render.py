"""The scorecard in each output format. `render_html` is the committee's paper (HTML, and A4
landscape PDF through WeasyPrint): words where the catalogue has codes, RAG in words as well as
colour, comparators and target beside each figure, grouped by section, a trend per measure drawn by
`safeguard.core.charts`. The web page shows `section_summary` and opens into `section_html`."""

from __future__ import annotations

import io
import json
from html import escape

from safeguard.core import charts
from safeguard.core.cells import safe_writer, xlsx_row

from . import catalogue as cat
from .scorecard import Row, Scorecard

RAG_COLOURS = {"G": "#2e7d32", "A": "#f9a825", "R": "#c62828"}
ARROWS = {"up": "&#9650;", "down": "&#9660;", "same": "&#9654;", "n/a": "&ndash;"}


def render_json(card: Scorecard, *, public: bool = False) -> str:
    return json.dumps(card.as_dict(public=public), indent=2, default=str)


def _cell(row: Row, value, public: bool, result=None) -> str:
    if public and result is not None:
        value = row.public_value(result)
    if value is None:
        return "-"
    if value == "c":
        return "c"
    if row.unit == cat.PERCENT:
        return f"{value:.1f}%"
    if row.unit == cat.COUNT:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _headers(card: Scorecard) -> list[str]:
    return (
        [
            "PI ref",
            "Id",
            "Measure",
            "Polarity",
            "Statistical neighbour average",
            "England average",
            "Target",
            "Previous year-end",
        ]
        + [("Year" if c == "year" else c) for c in card.column_labels]
        + ["Numerator", "Denominator", "RAG", "Direction of travel", "Commentary", "Plan priority"]
    )


def _line(card: Scorecard, row: Row, public: bool) -> list[str]:
    current = row.current
    num, den = (current.numerator, current.denominator) if current else (None, None)
    if public and current is not None and row.public_value(current) == "c":
        num = den = "c"
    comp = _cell(row, row.statistical_neighbour_average, False)
    if row.statistical_neighbour_n:
        comp += f" (n={row.statistical_neighbour_n})"
    return (
        [
            row.pi_ref,
            row.id,
            row.name,
            row.polarity,
            comp,
            _cell(row, row.england_average, False),
            str(row.target) or "-",
            _cell(row, row.public_previous()[0] if public else row.previous_year_end, False),
        ]
        + [_cell(row, r.value if r else None, public, r) for r in row.columns.values()]
        + [
            "-" if num is None else str(num),
            "-" if den is None else str(den),
            row.rag + (" (indicative)" if row.indicative else ""),
            f"{row.direction} ({row.direction_colour})",
            row.commentary or row.note or (current.note if current else ""),
            row.plan_priority,
        ]
    )


def render_csv(card: Scorecard, *, public: bool = True) -> str:
    out = io.StringIO()
    w = safe_writer(out)
    w.writerow(_headers(card))
    for row in card.rows:
        w.writerow(_line(card, row, public))
    return out.getvalue()


def render_csv_councils(cards: list[Scorecard], *, public: bool = True) -> str:
    """Several councils' scorecards as one table, each line led by its council."""
    out = io.StringIO()
    w = safe_writer(out)
    if cards:
        w.writerow(["LA code", "LA name", *_headers(cards[0])])
    for card in cards:
        la = card.local_authority
        for row in card.rows:
            w.writerow([la.code, la.name, *_line(card, row, public)])
    return out.getvalue()


def render_xlsx(card: Scorecard, path, *, public: bool = True) -> None:
    from openpyxl import Workbook  # lazy: heavy; only a spreadsheet needs it
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = f"Scorecard {card.period.label}"[:31]
    title = f"{card.local_authority.name}: children's services scorecard, {card.period.label}"
    ws.append(xlsx_row(ws, [title]))
    ws.append(xlsx_row(ws, _headers(card)))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    rag_col = _headers(card).index("RAG") + 1
    for row in card.rows:
        ws.append(xlsx_row(ws, _line(card, row, public)))
        colour = RAG_COLOURS.get(row.rag)
        if colour:
            ws.cell(row=ws.max_row, column=rag_col).fill = PatternFill("solid", fgColor=colour.lstrip("#"))
    summary = wb.create_sheet("Summary")
    s = card.summary()
    summary.append(["RAG", "measures"])
    for k, v in sorted(s["rag"].items()):
        summary.append(xlsx_row(summary, [k, v]))
    summary.append([])
    summary.append(["Direction of travel", "measures"])
    for k, v in sorted(s["direction"].items()):
        summary.append(xlsx_row(summary, [k, v]))
    wb.save(path)


# Words for the catalogue's codes (INDICATORS.md C2, C5, C6, 0.3): a committee reads these.
POLARITY_WORDS = {
    cat.HIGH_GOOD: "Higher is better",
    cat.LOW_GOOD: "Lower is better",
    cat.RANGE: "Best within the target band",
    cat.NONE: "No target: context only",
}
PERIOD_WORDS = {
    "IN_PERIOD": "Counted in the period",
    "YTD": "Year to date",
    "SNAPSHOT": "At the period's end",
    "ROLLING_12M": "Rolling 12 months",
    "ANNUAL_ONLY": "Annual measure",
}
STATUS_WORDS = {cat.HELD: "from the record", cat.NOT_HELD: "not held in the record",
                cat.HAND_ENTERED: "entered by hand"}
RAG_WORDS = {"G": "Green", "A": "Amber", "R": "Red"}
RAG_MEANING = {"G": "on or better than target", "A": "close to target", "R": "short of target"}
DIRECTION_WORDS = {"up": "Rising", "down": "Falling", "same": "Steady", "n/a": "Not compared"}
DIRECTION_MEANING = {"G": "better", "R": "worse", "A": "little change", "n/a": ""}
TARGET_WORDS = {">=": "at least", "<=": "at most", "<": "below", ">": "above", "=": "", "band": ""}
TARGET_TYPE_WORDS = {"DEFAULT": "default", "NATIONAL": "national", "LOCAL": "local"}


def rag_words(row: Row) -> tuple[str, str]:
    """(word, meaning): 'Green', 'on or better than target'; 'Not rated', and why."""
    if row.rag in RAG_WORDS:
        return RAG_WORDS[row.rag], RAG_MEANING[row.rag]
    if row.indicative:
        return "Not rated", "in-year figure is indicative"
    if "small" in row.rag:
        return "Not rated", "too few children to rate"
    if row.polarity == cat.NONE:
        return "Not rated", "context measure"
    if not str(row.target):
        return "Not rated", "no target set"
    return "Not rated", "no figure"


def _fmt_value(row: Row, value) -> str:
    if value is None:
        return "–"
    if value == "c":
        return "c"
    if row.unit == cat.PERCENT:
        return f"{value:.1f}%"
    if row.unit == cat.COUNT:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def target_words(row: Row) -> str:
    t = row.target
    if not t.operator or t.value is None:
        return "No target"
    if t.operator == "band":
        text = f"{_fmt_value(row, t.value)} to {_fmt_value(row, t.high)}"
    else:
        text = f"{TARGET_WORDS.get(t.operator, t.operator)} {_fmt_value(row, t.value)}".strip()
    kind = TARGET_TYPE_WORDS.get(row.target_type, "")
    return text + (f" ({kind})" if kind else "")


def _points(row: Row, public: bool) -> list[tuple[str, float | None]]:
    """The trend: previous year-end, then each column; suppressed or missing points are gaps."""
    first = row.public_previous()[0] if public else row.previous_year_end
    pts = [("Last year", first)] + [
        ("Year" if k == "year" else k, (row.public_value(r) if public else r.value) if r else None)
        for k, r in row.columns.items()
    ]
    return [(label, v if isinstance(v, (int, float)) else None) for label, v in pts]


def _chart_unit(row: Row) -> str:
    return {cat.PERCENT: charts.PERCENT, cat.COUNT: charts.COUNT}.get(row.unit, charts.NUMBER)


def sparkline(row: Row, public: bool = True):
    """The row's small trend chart, target as a dashed rule or the band shaded; None with no points."""
    points = _points(row, public)
    if not any(v is not None for _, v in points):
        return None
    t = row.target
    band = (t.value, t.high) if t.operator == "band" and t.value is not None else None
    target = t.value if t.operator and t.operator != "band" else None
    return charts.sparkline(points, unit=_chart_unit(row), target=target, band=band)


def trend_chart(row: Row, public: bool = True):
    """The row's full trend with England, statistical neighbours and target as dashed lines."""
    points = _points(row, public)
    if not any(v is not None for _, v in points):
        return None
    labels = [label for label, _ in points]
    series = [charts.Series(row.name[:40], points)]
    for name, value in (("England", row.england_average),
                        ("Statistical neighbours", row.statistical_neighbour_average)):
        if value is not None:
            series.append(charts.Series(name, [(label, value) for label in labels], dashed=True))
    t = row.target
    if t.operator and t.operator != "band" and t.value is not None:
        series.append(charts.Series("Target", [(label, t.value) for label in labels], dashed=True))
    band = (t.value, t.high) if t.operator == "band" and t.value is not None else None
    return charts.trend(series, title=f"{row.id} {row.name}"[:80], unit=_chart_unit(row), band=band,
                        width=520, height=130)


def trend_svg(row: Row, public: bool = True, width: int = 150, height: int = 44) -> str:
    """The row's sparkline as SVG (kept for callers of the old name; width/height are ignored)."""
    chart = sparkline(row, public)
    return charts.svg(chart) if chart is not None else ""


def _chart_html(row: Row, public: bool, chart_mode: str) -> str:
    """The row's chart, drawn once for the same figures (cached by its inputs, not its spec)."""
    points = _points(row, public)
    if not any(v is not None for _, v in points):
        return "<span class='small'>No figures</span>"
    full = chart_mode == "svg-trend"
    build = (lambda: trend_chart(row, public)) if full else (lambda: sparkline(row, public))
    inputs = ["trend" if full else "spark", row.id, row.name, row.unit, points, str(row.target),
              row.england_average, row.statistical_neighbour_average]
    alt_text = escape(_describe(row, public), quote=True)
    if chart_mode == "png":
        return f"<img class='spark' src='{charts.drawn(inputs, build, kind='png')}' alt='{alt_text}'>"
    return f"<span role='img' aria-label='{alt_text}'>{charts.drawn(inputs, build)}</span>"


def _describe(row: Row, public: bool) -> str:
    return "Trend: " + charts.describe([charts.Series(row.name, _points(row, public))], _chart_unit(row))


def _slug(section: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in section.lower()).strip("-")


def section_summary(card: Scorecard) -> list[dict]:
    """Per section, in scorecard order: how many measures are green, amber, red and not rated."""
    out: dict[str, dict] = {}
    for row in card.rows:
        s = out.setdefault(row.section, {"section": row.section, "slug": _slug(row.section),
                                         "G": 0, "A": 0, "R": 0, "n/a": 0, "measures": 0})
        s[row.rag if row.rag in RAG_WORDS else "n/a"] += 1
        s["measures"] += 1
    for s in out.values():
        s["not_rated"] = s["n/a"]  # the same, for a template
    return list(out.values())


def _paper_headers(card: Scorecard) -> list[str]:
    return (["Id", "Measure", "Better when", "Target", "England", "Statistical neighbours",
             "Last year"] + [("Year" if c == "year" else c) for c in card.column_labels])


def _shown(row: Row, result, public: bool):
    return None if result is None else (row.public_value(result) if public else result.value)


def _row_html(card: Scorecard, row: Row, public: bool, chart_mode: str | None, govuk: bool) -> str:
    current = row.current
    extra = ""
    if current and current.denominator not in (None, 0) and row.unit == cat.PERCENT:
        n = row.public_value(current) if public else current.value
        if n != "c":
            extra = f"<br><span class='small'>{current.numerator:g} of {current.denominator:g}</span>"
    sn = _fmt_value(row, row.statistical_neighbour_average)
    if row.statistical_neighbour_n:
        sn += f"<br><span class='small'>{row.statistical_neighbour_n} councils</span>"
    england = _fmt_value(row, row.england_average)
    if row.england_average is not None and row.comparator_year:
        england += f"<br><span class='small'>{escape(row.comparator_year)}</span>"
    word, meaning = rag_words(row)
    last_year = row.public_previous()[0] if public else row.previous_year_end
    if govuk:
        colour = {"G": "green", "A": "yellow", "R": "red"}.get(row.rag, "grey")
        rag_cell = f"<td class='rag'><strong class='govuk-tag govuk-tag--{colour}'>{word}</strong>"
    else:
        rag_cell = f"<td class='rag rag-{escape(row.rag if row.rag in RAG_WORDS else 'na')}'><b>{word}</b>"
    rag_cell += f"<br><span class='small'>{escape(meaning)}</span></td>"
    arrow = ARROWS.get(row.direction, "")
    dmeaning = DIRECTION_MEANING.get(row.direction_colour, "")
    direction = (f"<td class='dot'>{arrow} {DIRECTION_WORDS.get(row.direction, row.direction)}"
                 + (f"<br><span class='small'>{dmeaning}</span>" if dmeaning else "") + "</td>")
    cells = [
        f"<td class='num'>{escape(row.id)}</td>",
        f"<td class='measure'>{escape(row.name)}{extra}<br><span class='small'>"
        f"{PERIOD_WORDS.get(row.period_type, row.period_type)}; {STATUS_WORDS.get(row.status, row.status)}"
        "</span></td>",
        f"<td class='pol'>{POLARITY_WORDS.get(row.polarity, row.polarity)}</td>",
        f"<td class='num'>{escape(target_words(row))}</td>",
        f"<td class='num'>{england}</td>",
        f"<td class='num'>{sn}</td>",
        f"<td class='num'>{escape(_fmt_value(row, last_year))}</td>",
    ] + [
        f"<td class='num'>{escape(_fmt_value(row, _shown(row, r, public)))}</td>"
        for r in row.columns.values()
    ] + [rag_cell, direction]
    if chart_mode and chart_mode != "svg-trend":
        cells.append(f"<td class='trend'>{_chart_html(row, public, chart_mode)}</td>")
    out = "<tr>" + "".join(cells) + "</tr>"
    if chart_mode == "svg-trend":  # the page's full trend: a row of its own under the figures
        out += (f"<tr class='chart'><td></td><td colspan='{len(cells) - 1}'>"
                f"{_chart_html(row, public, chart_mode)}</td></tr>")
    note = row.commentary or row.note or (current.note if current else "")
    if note or row.plan_priority:
        text = escape(note) + (f" <span class='small'>Plan priority: {escape(row.plan_priority)}</span>"
                               if row.plan_priority else "")
        out += (f"<tr class='comment'><td></td><td colspan='{len(cells) - 1}'><span class='small'>"
                f"Commentary:</span> {text}</td></tr>")
    return out


def _table_head(card: Scorecard, chart_mode: str | None, govuk: bool) -> str:
    trend = chart_mode and chart_mode != "svg-trend"
    heads = _paper_headers(card) + ["RAG rating", "Direction of travel"] + (["Trend"] if trend else [])
    cls = " class='govuk-table'" if govuk else ""
    cols = "".join(f"<col class='c-{_slug(h)}'>" for h in heads)
    return (f"<table{cls}><colgroup>{cols}</colgroup><thead><tr>"
            + "".join(f"<th scope='col'>{escape(h)}</th>" for h in heads) + "</tr></thead><tbody>")


def section_html(card: Scorecard, section: str, *, public: bool = True, chart_mode: str | None = None,
                 govuk: bool = True) -> str:
    """One section's table (the web page's detail), charts only if asked for."""
    rows = [r for r in card.rows if r.section == section]
    if not rows:
        return ""
    return (_table_head(card, chart_mode, govuk)
            + "".join(_row_html(card, r, public, chart_mode, govuk) for r in rows) + "</tbody></table>")


_CSS = """
@page { size: A4 landscape; margin: 16mm 10mm 14mm 10mm;
  @top-left { content: "%(title)s"; font-family: Arial, sans-serif; font-size: 8pt; color: #505a5f; }
  @top-right { content: "%(period)s"; font-family: Arial, sans-serif; font-size: 8pt; color: #505a5f; }
  @bottom-left { content: "%(produced)s"; font-family: Arial, sans-serif; font-size: 7pt; color: #505a5f; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages);
                  font-family: Arial, sans-serif; font-size: 8pt; color: #505a5f; } }
body { font-family: Arial, Helvetica, sans-serif; font-size: 7.5pt; color: #0b0c0c; }
h1 { font-size: 15pt; margin: 0 0 4pt; } h2 { font-size: 11pt; margin: 10pt 0 3pt; page-break-after: avoid; }
table { border-collapse: collapse; width: 100%%; table-layout: fixed; }
th, td { border: 0.5pt solid #b1b4b6; padding: 1.5pt 2.5pt; vertical-align: top; overflow-wrap: break-word; }
th { background: #f3f2f1; text-align: left; font-size: 7pt; }
tr { page-break-inside: avoid; }
td.num { text-align: right; }
td.rag-G { background: #00703c; color: white; } td.rag-A { background: #ffdd00; }
td.rag-R { background: #d4351c; color: white; } td.rag-na { background: #f3f2f1; }
td.rag-G .small, td.rag-R .small { color: white; }
tr.comment td { border-top: none; background: #fafafa; }
.small { color: #505a5f; font-size: 6.5pt; }
img.spark { width: 100%%; height: auto; display: block; }
col.c-id { width: 5%%; } col.c-measure { width: 18%%; } col.c-better-when { width: 7%%; }
col.c-target { width: 7%%; } col.c-england { width: 5.5%%; } col.c-statistical-neighbours { width: 6.5%%; }
col.c-last-year { width: 5%%; } col.c-rag-rating { width: 7.5%%; } col.c-direction-of-travel { width: 6.5%%; }
col.c-trend { width: 12%%; } col.c-def { width: 55%%; } col.c-src { width: 40%%; }
table.summary { width: 60%%; } table.summary td.count { text-align: right; }
.key { margin: 3pt 0 6pt; }
"""


def _css_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def render_html(card: Scorecard, *, public: bool = True, standalone: bool = True,
                chart_mode: str | None = None) -> str:
    """The scorecard as a committee paper (`standalone`: a whole page with its own CSS, charts as
    SVG, or PNG with chart_mode='png' for a PDF) or a fragment for the web app (GOV.UK classes,
    every section a details element, no charts: those are on each section's own page)."""
    chart_mode = chart_mode or ("svg" if standalone else None)
    la_name = card.local_authority.name
    title = f"{la_name}: children's services scorecard"
    out = []
    if standalone:
        css = _CSS % {"title": _css_text(title), "period": _css_text(f"Period: {card.period.label}"),
                      "produced": _css_text(f"Produced {card.generated_at:%d %B %Y %H:%M}"
                                            + ("; small numbers suppressed" if public
                                               else "; NOT FOR PUBLICATION"))}
        out.append(f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Scorecard "
                   f"{escape(card.period.label)}</title><style>{css}</style></head><body>")
    out.append(f"<h1>{escape(la_name)}: children's services scorecard, {escape(card.period.label)}</h1>")
    out.append(
        f"<p class='small'>Period {card.period.start:%d %B %Y} to {card.period.end:%d %B %Y}. "
        "Each measure says how it is counted: in the period (each quarter on its own), year to date "
        "(from 1 April), or at the period's end. "
        + ("Counts of 1 to 5, and percentages built on them, are shown as 'c' (suppressed). "
           if public else "")
        + "RAG: Green is on or better than target; Amber close to it (within the tolerance); Red short "
        "of it; measures with no target are not rated. Direction of travel compares with the previous "
        "quarter. England averages are the DfE's latest published figures (Open Government Licence); "
        "sources are listed at the end.</p>"
    )
    summary = section_summary(card)
    totals = {k: sum(s[k] for s in summary) for k in ("G", "A", "R", "n/a", "measures")}
    table_cls = " class='govuk-table summary'" if not standalone else " class='summary'"
    out.append(f"<h2>Summary</h2><table{table_cls}><thead><tr><th scope='col'>Section</th>"
               "<th scope='col'>Green</th><th scope='col'>Amber</th><th scope='col'>Red</th>"
               "<th scope='col'>Not rated</th><th scope='col'>Measures</th></tr></thead><tbody>")
    for s in summary + [{"section": "All sections", **totals}]:
        out.append(f"<tr><td>{escape(s['section'])}</td>" + "".join(
            f"<td class='count'>{s[k]}</td>" for k in ("G", "A", "R", "n/a", "measures")) + "</tr>")
    out.append("</tbody></table>")
    for s in summary:
        body = section_html(card, s["section"], public=public, chart_mode=chart_mode, govuk=not standalone)
        if standalone:
            out.append(f"<h2 id='{s['slug']}'>{escape(s['section'])}</h2>{body}")
        else:
            out.append(
                f"<details class='govuk-details' id='{s['slug']}'><summary class='govuk-details__summary'>"
                f"<span class='govuk-details__summary-text'>{escape(s['section'])}: {s['G']} green, "
                f"{s['A']} amber, {s['R']} red, {s['n/a']} not rated</span></summary>"
                f"<div class='govuk-details__text'>{body}</div></details>")
    out.append(_sources_html(card, govuk=not standalone))
    if standalone:
        out.append("</body></html>")
    return "".join(out)


def _sources_html(card: Scorecard, govuk: bool) -> str:
    """Definitions and, for each comparator shown, where it comes from."""
    from .comparators import defaults_for  # lazy: one query, only when the sources are printed

    defaults = defaults_for(card.local_authority)
    cls = " class='govuk-table'" if govuk else ""
    out = [f"<h2>Definitions and sources</h2><table{cls}><colgroup><col class='c-id'><col class='c-def'>"
           "<col class='c-src'></colgroup><thead><tr><th scope='col'>Id</th><th scope='col'>Definition</th>"
           "<th scope='col'>Comparators and target</th></tr></thead><tbody>"]
    for row in card.rows:
        d = defaults.get(row.id)
        cites = []
        if row.england_average is not None:
            if d and d.england and d.england.value == row.england_average:
                e = d.england
                cites.append(f"England {_fmt_value(row, row.england_average)}: {escape(e.publication)}, "
                             f"{escape(e.year)}. {escape(e.note)} {escape(e.url)}")
            else:
                cites.append(f"England {_fmt_value(row, row.england_average)}: set by the council")
        if row.statistical_neighbour_average is not None:
            src = (f"{escape(d.neighbours.publication)}, {escape(d.neighbours.year)}"
                   if d and d.neighbours else "set by the council")
            sn = _fmt_value(row, row.statistical_neighbour_average)
            cites.append(f"Statistical neighbours {sn}: {src}")
        if row.target_type == "DEFAULT" and d and d.target:
            cites.append(f"Target {escape(target_words(row))}: {escape(d.target.publication)}")
        out.append(f"<tr><td>{escape(row.id)}</td><td>{escape(row.definition)}<br><span class='small'>"
                   f"{escape(row.source)}</span></td><td class='small'>{'<br>'.join(cites) or '–'}</td></tr>")
    out.append("</tbody></table>")
    if govuk:  # on the page, a details element: the definitions are there when wanted
        out[0] = out[0].replace(
            "<h2>Definitions and sources</h2>",
            "<details class='govuk-details'><summary class='govuk-details__summary'><span "
            "class='govuk-details__summary-text'>Definitions and sources</span></summary>"
            "<div class='govuk-details__text'>")
        out.append("</div></details>")
    return "".join(out)


def render_pdf(card: Scorecard, path, *, public: bool = True) -> None:
    """A4 landscape, a running header and 'page x of y' footer; trends as PNG so every PDF viewer
    shows them the same."""
    from weasyprint import HTML  # lazy: heavy (and needs pango); only a PDF needs it

    HTML(string=render_html(card, public=public, chart_mode="png")).write_pdf(str(path))
