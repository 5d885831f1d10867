"""The scorecard in each output format. `render_html` is what the web app calls; the PDF is the
same page set for a committee paper, with a trend chart per measure drawn as inline SVG."""

from __future__ import annotations

import io
import json
from html import escape

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


def trend_svg(row: Row, public: bool = True, width: int = 150, height: int = 44) -> str:
    """A small line chart: previous year-end, then each quarter; suppressed or missing points are
    gaps. Drawn here so the PDF needs no browser or charting service."""
    points = [("PYE", row.public_previous()[0] if public else row.previous_year_end)] + [
        (k, (row.public_value(r) if public else r.value) if r else None) for k, r in row.columns.items()
    ]
    values = [v for _, v in points if isinstance(v, (int, float))]
    if not values:
        return f'<svg width="{width}" height="{height}"></svg>'
    lo, hi = min(values), max(values)
    if row.target.value is not None:
        lo, hi = min(lo, row.target.value), max(hi, row.target.value)
    span = (hi - lo) or 1.0
    step = (width - 10) / max(1, len(points) - 1)

    def xy(i, v):
        return 5 + i * step, height - 12 - (v - lo) / span * (height - 20)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="trend of {escape(row.id)}">'
    ]
    if row.target.value is not None and row.target.operator != "band":
        _, y = xy(0, row.target.value)
        parts.append(
            f'<line x1="5" x2="{width - 5}" y1="{y:.1f}" y2="{y:.1f}" stroke="#999" stroke-dasharray="3,2"/>'
        )
    segment: list[str] = []
    for i, (_, v) in enumerate(points):
        if isinstance(v, (int, float)):
            x, y = xy(i, v)
            segment.append(f"{x:.1f},{y:.1f}")
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#1f4e79"/>')
        else:
            if len(segment) > 1:
                parts.append(f'<polyline fill="none" stroke="#1f4e79" points="{" ".join(segment)}"/>')
            segment = []
    if len(segment) > 1:
        parts.append(f'<polyline fill="none" stroke="#1f4e79" points="{" ".join(segment)}"/>')
    for i, (label, _) in enumerate(points):
        x, _ = xy(i, lo)
        parts.append(f'<text x="{x:.1f}" y="{height - 1}" font-size="6" text-anchor="middle">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


_CSS = """
body { font-family: sans-serif; font-size: 9pt; }
h1 { font-size: 14pt; } h2 { font-size: 11pt; margin-top: 1.2em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #bbb; padding: 2px 4px; vertical-align: top; }
th { background: #e8eef4; }
td.rag-G { background: #2e7d32; color: white; } td.rag-A { background: #f9a825; }
td.rag-R { background: #c62828; color: white; }
td.num { text-align: right; white-space: nowrap; }
.small { color: #555; font-size: 7.5pt; }
@page { size: A4 landscape; margin: 12mm; }
"""


def render_html(card: Scorecard, *, public: bool = True, standalone: bool = True) -> str:
    """The scorecard as an HTML page (or fragment, for the web app's own layout)."""
    s = card.summary()
    out = []
    if standalone:
        out.append(
            f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Scorecard "
            f"{escape(card.period.label)}</title><style>{_CSS}</style></head><body>"
        )
    out.append(
        f"<h1>{escape(card.local_authority.name)}: children's services scorecard, "
        f"{escape(card.period.label)}</h1>"
    )
    out.append(
        f"<p class='small'>Period {card.period.start:%d %B %Y} to {card.period.end:%d %B %Y}. "
        "In-period measures count each quarter; YTD measures count from 1 April; snapshots are at "
        "the quarter's end. "
        + (
            "Counts of 1 to 5, and percentages built on them, are shown as 'c' (suppressed). "
            if public
            else ""
        )
        + f"Produced {card.generated_at:%d %B %Y %H:%M}.</p>"
    )
    out.append(
        "<table><tr><th>RAG</th>" + "".join(f"<th>{k}</th>" for k in sorted(s["rag"])) + "</tr><tr><td>"
        "measures</td>"
        + "".join(f"<td class='num'>{v}</td>" for _, v in sorted(s["rag"].items()))
        + "</tr></table>"
    )
    section = None
    headers = _headers(card)
    for row in card.rows:
        if row.section != section:
            if section is not None:
                out.append("</table>")
            section = row.section
            out.append(
                f"<h2>{escape(section)}</h2><table><tr>"
                + "".join(
                    f"<th>{escape(h)}</th>" for h in headers[1:] if h not in ("Numerator", "Denominator")
                )
                + "<th>Trend</th></tr>"
            )
        line = _line(card, row, public)[1:]
        cells = []
        for h, v in zip(headers[1:], line, strict=True):
            if h in ("Numerator", "Denominator"):
                continue
            if h == "RAG":
                cells.append(f"<td class='rag-{escape(row.rag)}'>{escape(v)}</td>")
            elif h == "Direction of travel":
                cells.append(
                    f"<td>{ARROWS.get(row.direction, '')} <span class='small'>"
                    f"{escape(row.direction_colour)}</span></td>"
                )
            elif h == "Measure":
                current = row.current
                extra = ""
                if current and current.denominator not in (None, 0) and row.unit == cat.PERCENT:
                    n = row.public_value(current) if public else current.value
                    if n != "c":
                        extra = (
                            f"<br><span class='small'>{current.numerator:g} of {current.denominator:g}</span>"
                        )
                cells.append(
                    f"<td>{escape(v)}{extra}<br><span class='small'>{escape(row.id)} &middot; "
                    f"{escape(row.period_type)} &middot; {escape(row.status)}</span></td>"
                )
            elif h in ("Commentary", "Plan priority", "Polarity"):
                cells.append(f"<td>{escape(v)}</td>")
            else:
                cells.append(f"<td class='num'>{escape(v)}</td>")
        out.append("<tr>" + "".join(cells) + f"<td>{trend_svg(row, public)}</td></tr>")
    if section is not None:
        out.append("</table>")
    out.append("<h2>Definitions</h2><table><tr><th>Id</th><th>Definition</th><th>Source</th></tr>")
    for row in card.rows:
        out.append(
            f"<tr><td>{escape(row.id)}</td><td>{escape(row.definition)}</td>"
            f"<td class='small'>{escape(row.source)}</td></tr>"
        )
    out.append("</table>")
    if standalone:
        out.append("</body></html>")
    return "".join(out)


def render_pdf(card: Scorecard, path, *, public: bool = True) -> None:
    from weasyprint import HTML  # lazy: heavy (and needs pango); only a PDF needs it

    HTML(string=render_html(card, public=public)).write_pdf(str(path))
