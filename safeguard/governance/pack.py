"""The committee pack (issue 21, item 8): a report in the shape council committee reports take —
purpose, recommendations, financial / legal / risk implications, supporting information, appendices —
assembled on demand for one quarter from the parts its author chose: scorecard sets, the IRO and
Safeguarding Unit's figures, the LADO annual report, the audit scorecard and the improvement
self-assessment. Every chart comes from `core.charts`; every count and percentage in a public pack
passes the scorecard's one small-number rule (`performance.rules.suppress`, which `Row.public_value`
applies), so a figure of 1 to 5 children shows as "c". No child is named anywhere in it.

`build` assembles a `Pack` (plain data); `to_html`/`to_pdf` (WeasyPrint, A4, numbered pages) and
`to_docx` (python-docx: headings, tables and the charts as pictures, all editable) render it."""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string

from safeguard.assurance.audits import selectors as audit_selectors
from safeguard.assurance.improvement import selectors as improvement
from safeguard.core import charts
from safeguard.core.codes import ReviewParticipation
from safeguard.core.errors import now
from safeguard.iro.models import AlertStage
from safeguard.iro.selectors import iro_annual_figures
from safeguard.lado import report as lado_report
from safeguard.lado import selectors as lado_selectors
from safeguard.performance import catalogue as cat
from safeguard.performance.periods import quarter as quarter_period
from safeguard.performance.periods import reporting_year
from safeguard.performance.rules import SUPPRESSED, suppress
from safeguard.performance.scorecard import Row, Scorecard, build_scorecard

from . import rules
from .models import CommitteePack, ScorecardSet
from .selectors import _with_target, set_scorecard
from .services import PARTS

#: The IRO Handbook (2010) para 7.15: a full-time IRO's caseload should be 50 to 70 looked-after children.
IRO_CASELOAD_BAND = "50-70"
#: The scorecard measures an IRO service's annual report reads (INDICATORS.md; IRO Handbook ch. 7).
IRO_MEASURES = {
    "Reviews and conferences in time": ("LAC-03", "CP-12", "CP-04"),
    "Participation": ("LAC-04",),
    "Stability": ("LAC-05", "LAC-06", "LAC-07"),
    "Permanence": ("PM-02", "PM-03", "PM-04"),
    "Second and long plans": ("CP-09", "CP-10", "CP-11"),
    "IRO caseloads": ("WF-02",),
}
RAG_WORDS = {"G": "Green", "A": "Amber", "R": "Red"}
DIRECTION_WORDS = {"up": "Up", "down": "Down", "same": "No change", "n/a": "Not compared"}
DIRECTION_GOOD = {"G": "improving", "A": "steady", "R": "worsening"}


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]
    rag_column: int | None = None  # a column holding a RAG word, coloured in the PDF


@dataclass
class Chart:
    title: str
    png: bytes
    description: str

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode()


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # after the tables: the commentary on them


@dataclass
class Pack:
    title: str
    council: str
    period_label: str
    period_end: dt.date
    public: bool
    generated_at: dt.datetime
    front: list[Section]  # purpose, recommendations, implications
    supporting: Section
    appendices: list[Section]

    @property
    def sections(self) -> list[Section]:
        return [*self.front, self.supporting, *self.appendices]

    def all_tables(self):
        def walk(s):
            yield from s.tables
            for sub in s.subsections:
                yield from walk(sub)

        for s in self.sections:
            yield from walk(s)

    def all_charts(self):
        def walk(s):
            yield from s.charts
            for sub in s.subsections:
                yield from walk(sub)

        for s in self.sections:
            yield from walk(s)


# --- figures as the pack shows them ---------------------------------------------------------------


def _number(value, unit: str) -> str:
    if value is None:
        return "-"
    if value == SUPPRESSED:
        return SUPPRESSED
    if unit == cat.PERCENT:
        return f"{value:.1f}%"
    if unit == cat.COUNT:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _count(n: int | None, public: bool) -> str:
    """A count of children or events, suppressed by the one rule in a public pack."""
    if n is None:
        return "-"
    return _number(suppress(n, None, None, cat.COUNT) if public else n, cat.COUNT)


def _percent(pct, numerator, denominator, public: bool) -> str:
    if pct is None:
        return "-"
    return _number(suppress(pct, numerator, denominator, cat.PERCENT) if public else pct, cat.PERCENT)


def _shown(row: Row, result, public: bool):
    if result is None:
        return None
    return row.public_value(result) if public else result.value


def _chart_unit(unit: str) -> str:
    return {cat.PERCENT: charts.PERCENT, cat.COUNT: charts.COUNT}.get(unit, charts.NUMBER)


def _plot(value):
    return value if isinstance(value, (int, float)) else None


def _has_figures(row: Row, public: bool) -> bool:
    """A trend is drawn only where there is a figure to show (suppressed ones are gaps)."""
    return any(_plot(_shown(row, r, public)) is not None for r in row.columns.values())


def trend_chart(row: Row, council: str, public: bool) -> Chart:
    """The measure across last year's end and this year's quarters, with England and the statistical
    neighbours dashed beside it where the council holds them (and the target)."""
    points = [("Last year", _plot(row.public_previous()[0] if public else row.previous_year_end))]
    points += [(k if k != "year" else "Year", _plot(_shown(row, r, public))) for k, r in row.columns.items()]
    labels = [label for label, _ in points]
    series = [charts.Series(council, points)]
    for name, value in (
        ("Statistical neighbours", row.statistical_neighbour_average),
        ("England", row.england_average),
    ):
        if value is not None:
            series.append(charts.Series(name, [(label, value) for label in labels], dashed=True))
    if row.target.value is not None and row.target.operator != "band":
        series.append(charts.Series("Target", [(label, row.target.value) for label in labels], dashed=True))
    unit = _chart_unit(row.unit)
    title = f"{row.id} {row.name}"
    chart = charts.line(
        series, title=title if len(title) < 70 else title[:67] + "...", unit=unit, width=380, height=150
    )
    return Chart(title, charts.png(chart), charts.describe(series, unit))


def bar_chart(values: list[tuple[str, float | str]], *, title: str, unit: str = charts.COUNT) -> Chart | None:
    """Bars of the figures that may be shown; a suppressed figure is named in the description."""
    shown = [(label, v) for label, v in values if isinstance(v, (int, float))]
    hidden = [label for label, v in values if v == SUPPRESSED]
    if not any(v for _, v in shown):  # nothing but zeros: the table says it without a chart
        return None
    words = "; ".join(
        f"{label} {format(v, ',.1f' if unit == charts.PERCENT else ',.0f')}"
        f"{'%' if unit == charts.PERCENT else ''}"
        for label, v in shown
    )
    if hidden:
        words += f"; suppressed (1 to 5): {', '.join(hidden)}"
    return Chart(title, charts.png(charts.bars(shown, title=title, unit=unit, width=380)), words + ".")


def _scorecard_table(card: Scorecard, public: bool, caption: str) -> Table:
    headers = [
        "Measure",
        "Target",
        "Statistical neighbours",
        "England",
        "Last year",
        *[("Year" if c == "year" else c) for c in card.column_labels],
        "RAG",
        "Direction",
    ]
    rows = []
    for r in card.rows:
        pye = r.public_previous()[0] if public else r.previous_year_end
        direction = DIRECTION_WORDS.get(r.direction, r.direction)
        if r.direction_colour in DIRECTION_GOOD:
            direction += f" ({DIRECTION_GOOD[r.direction_colour]})"
        rows.append(
            [
                f"{r.id} {r.name}",
                str(r.target) or "-",
                _number(r.statistical_neighbour_average, r.unit),
                _number(r.england_average, r.unit),
                _number(pye, r.unit),
                *[_number(_shown(r, res, public), r.unit) for res in r.columns.values()],
                RAG_WORDS.get(r.rag, "Not rated"),
                direction,
            ]
        )
    return Table(caption, headers, rows, rag_column=len(headers) - 2)


def _rag_summary(card: Scorecard) -> str:
    s = card.summary()["rag"]
    parts = [f"{s.get(k, 0)} {RAG_WORDS[k].lower()}" for k in ("G", "A", "R")]
    return (
        f"Of {len(card.rows)} measures, {', '.join(parts)}; {s.get('n/a', 0)} not rated "
        "(no target, no figure, or too few children to judge)."
    )


# --- the parts ----------------------------------------------------------------------------------------


def _set_part(s: ScorecardSet, year: int, q: int, public: bool, council: str) -> tuple[Section, Section]:
    card = set_scorecard(s, year, q)
    body = Section(s.name, [s.purpose] if s.purpose else [])
    body.paragraphs.append(_rag_summary(card))
    body.tables.append(_scorecard_table(card, public, f"{s.name}: the measures at {card.period.label}"))
    commentary = [f"{r.id} {r.name}: {r.commentary}" for r in card.rows if r.commentary]
    body.notes = ["Commentary", *commentary] if commentary else []
    body.charts = [trend_chart(r, council, public) for r in card.rows if _has_figures(r, public)]
    appendix = Section(
        f"{s.name}: definitions",
        tables=[
            Table(
                "How each measure is counted",
                ["Measure", "Definition", "Source"],
                [[f"{r.id} {r.name}", r.definition, r.source] for r in card.rows],
            )
        ],
    )
    return body, appendix


def _iro_part(la, year: int, q: int, public: bool, council: str) -> tuple[Section, Section]:
    period = quarter_period(year, q)
    start = reporting_year(year).start
    f = iro_annual_figures(la, start, period.end)
    body = Section(
        "The IRO and Safeguarding Unit",
        [
            f"Figures for {start:%d %B %Y} to {period.end:%d %B %Y} (the year to date), "
            "from the IRO service's "
            "record of reviews, conferences and practice alerts, and the scorecard's measures."
        ],
    )
    body.tables.append(
        Table(
            "Reviews, participation and dispute resolution, year to date",
            ["Figure", "Number", "Of", "Per cent"],
            [
                [
                    "Looked-after reviews held on time",
                    _count(f.looked_after_reviews_on_time, public),
                    _count(f.looked_after_reviews_held, public),
                    _percent(
                        f.looked_after_reviews_on_time_percent,
                        f.looked_after_reviews_on_time,
                        f.looked_after_reviews_held,
                        public,
                    ),
                ],
                [
                    "Child protection review conferences on time",
                    _count(f.cp_reviews_on_time, public),
                    _count(f.cp_reviews_held, public),
                    _percent(f.cp_reviews_on_time_percent, f.cp_reviews_on_time, f.cp_reviews_held, public),
                ],
                [
                    "Children aged 4 or over who took part in their review",
                    _count(f.took_part, public),
                    _count(f.aged_four_or_over, public),
                    _percent(f.took_part_percent, f.took_part, f.aged_four_or_over, public),
                ],
                ["Practice alerts raised", _count(f.alerts_raised, public), "-", "-"],
                [
                    "Practice alerts resolved within the stage's timescale",
                    _count(f.resolved_within_timescale, public),
                    _count(f.resolved_with_a_timescale, public),
                    _percent(
                        f.resolved_within_timescale_percent,
                        f.resolved_within_timescale,
                        f.resolved_with_a_timescale,
                        public,
                    ),
                ],
                [
                    "Practice alerts resolved informally",
                    _count(f.resolved_informally, public),
                    _count(f.alerts_resolved, public),
                    _percent(f.resolved_informally_percent, f.resolved_informally, f.alerts_resolved, public),
                ],
                ["Practice alerts still open", _count(f.alerts_open, public), "-", "-"],
            ],
        )
    )
    ids = [i for group in IRO_MEASURES.values() for i in group]
    card = build_scorecard(la, year, q, indicator_ids=ids, keep=True)
    by_id = {r.id: r for r in card.rows}
    if "WF-02" in by_id:
        _with_target(by_id["WF-02"], IRO_CASELOAD_BAND, None, q)
    card.rows = [by_id[i] for i in ids if i in by_id]
    body.tables.append(
        _scorecard_table(
            card,
            public,
            "Timeliness, participation, stability, permanence, "
            f"second and long plans, and IRO caseloads at {card.period.label}",
        )
    )
    body.paragraphs.append(
        "IRO caseloads are judged against the IRO Handbook's 50 to 70 looked-after children "
        "for each full-time IRO (WF-02's target in this pack)."
    )
    for i in ("LAC-03", "CP-12", "LAC-04", "WF-02"):
        if i in by_id and _has_figures(by_id[i], public):
            body.charts.append(trend_chart(by_id[i], council, public))
    stages = [
        (label, suppress(n, None, None, cat.COUNT) if public else n)
        for label, n in _labelled("stage", f.alerts_by_stage_reached).items()
    ]
    chart = bar_chart(stages, title="Practice alerts by the furthest stage reached")
    if chart:
        body.charts.append(chart)
    appendix = Section(
        "The IRO service: how children took part in their reviews",
        tables=[
            Table(
                "Looked-after reviews by how the child took part (REVIEW_CODE)",
                ["How the child took part", "Reviews"],
                [
                    [label, _count(n, public)]
                    for label, n in _labelled("participation", f.participation).items()
                ],
            )
        ],
    )
    return body, appendix


def _labelled(kind: str, counts: dict[str, int]) -> dict[str, int]:
    """Codes as their words, from the code lists the figures are counted by."""
    choices = {"stage": AlertStage, "participation": ReviewParticipation}[kind]
    words = dict(choices.choices)
    return {f"{words.get(code, code)}": n for code, n in counts.items()}


def _lado_part(user, year: int, q: int, public: bool) -> tuple[Section, Section | None]:
    fy_year = year if q == 4 else year - 1  # the last whole year the annual report can cover
    body = Section("The LADO: allegations against adults who work with children")
    allegations = lado_selectors.allegations_for_figures(user, purpose="committee pack")
    report = lado_report.compute_report(allegations, fy_year)
    body.paragraphs.append(
        f"The LADO annual report {report['year']}: {_count(report['referrals'], public)} "
        "referrals received in the year."
    )
    kcsie = report["kcsie"]
    rows = []
    for key, label in lado_report.KCSIE_LABELS.items():
        fig = kcsie.get(key)
        if not fig:
            continue
        if "of" in fig:
            rows.append(
                [
                    label,
                    _count(fig["number"], public),
                    _count(fig["of"], public),
                    _percent(fig["percent"], fig["number"], fig["of"], public),
                ]
            )
        else:
            rows.append([label, _count(fig["number"], public), "-", "-"])
    body.tables.append(
        Table("Timeliness (KCSIE Part 4 and local procedures)", ["Figure", "Number", "Of", "Per cent"], rows)
    )
    by_year = report["tables"]["threshold_by_year"]
    totals = [
        (
            y,
            suppress(by_year["rows"][lado_report.TOTAL][y], None, None, cat.COUNT)
            if public
            else by_year["rows"][lado_report.TOTAL][y],
        )
        for y in by_year["columns"]
    ]
    chart = bar_chart(totals, title="Referrals to the LADO by year")
    if chart:
        body.charts.append(chart)
    appendix = Section(f"The LADO annual report {report['year']}: tables")
    for key in ("threshold_by_year", "outcomes", "employer_actions", "time_to_completion"):
        t = report["tables"][key]
        appendix.tables.append(
            Table(
                t["title"],
                ["", *t["columns"]],
                [
                    [
                        label,
                        *[
                            _count(values.get(c), public) if isinstance(values.get(c), int) else "-"
                            for c in t["columns"]
                        ],
                    ]
                    for label, values in t["rows"].items()
                ],
            )
        )
    return body, appendix


def _audits_part(user, year: int, q: int, public: bool) -> Section:
    end = quarter_period(year, q).end
    card = audit_selectors.scorecard(user, dimension="domain", last_month=end.replace(day=1), months=12)
    body = Section(
        "Case file audits",
        [
            f"Grades given in the twelve months to {end:%B %Y}, by domain of the audit tool; "
            "where an audit was "
            "moderated, the moderated or agreed grade counts."
        ],
    )
    rows, shares = [], []
    for r in [*card["rows"], card["overall"]]:
        share = _percent(r.total.share, r.total.good, r.total.n, public)
        rows.append([r.label, _count(r.total.n, public), _count(r.total.good, public), share])
        if r is not card["overall"]:
            value = suppress(r.total.share, r.total.good, r.total.n, cat.PERCENT) if public else r.total.share
            if value is not None:
                shares.append((r.label, value))
    body.tables.append(
        Table(
            "The audit scorecard: graded good or better",
            ["Domain", "Grades", "Good or better", "Per cent"],
            rows,
        )
    )
    chart = bar_chart(shares, title="Share graded good or better, by domain", unit=charts.PERCENT)
    if chart:
        body.charts.append(chart)
    words = dict(card["grades"])
    grades = [
        (str(words[g]), suppress(n, None, None, cat.COUNT) if public else n)
        for g, n in card["overall"].total.counts.items()
    ]
    chart = bar_chart(grades, title="Grades given, all domains")
    if chart:
        body.charts.append(chart)
    return body


def _improvement_part(la, as_of: dt.date) -> Section:
    """The self-assessment against the inspection's recommendations, in the structure of Cheshire
    East's 2017 self-assessment: for each recommendation its background, progress (the actions),
    evidence (with the figures the review panel saw), evaluation (the judgement, when and by whom)
    and, until it is met, how it is monitored."""
    body = Section("The improvement plan: self-assessment")
    sa = improvement.self_assessment(la, as_of)
    if not sa.items:
        body.paragraphs.append("No recommendation is recorded in the improvement plan.")
        return body
    body.paragraphs.append(
        f"Against {', '.join(sa.inspections)}: {sa.met} met, {sa.partly_met} partly met, "
        f"{sa.not_yet_met} not yet met"
        + (f", {sa.not_judged} not yet judged" if sa.not_judged else "") + ".")
    for item in sa.items:
        sub = Section(f"{item.number}. {item.recommendation}")
        if item.background:
            sub.paragraphs.append(f"Background: {item.background}")
        sub.paragraphs.append(f"Progress: {item.progress}")
        if item.actions:
            sub.tables.append(Table("Actions", ["Action", "Owner", "Due", "Status"], [
                [a.what, a.owner, f"{a.due_date:%d %b %Y}", a.status_label] for a in item.actions]))
        if item.evidence:
            sub.tables.append(Table("Evidence", ["Evidence", "Figure", "Period"], [
                [e.label + (f" ({e.note})" if e.note else ""), e.shown or "–", e.period_label or "–"]
                for e in item.evidence]))
        # The evaluation and monitoring follow the tables of progress and evidence (`notes`).
        if item.judgement:
            sub.notes.append(
                f"Evaluation: {item.judgement_label}, judged {item.judged_on.day} {item.judged_on:%B %Y}"
                + (f" and agreed by {item.agreed_by}" if item.agreed_by else "") + "."
                + (f" {item.commentary}" if item.commentary else ""))
        else:
            sub.notes.append("Evaluation: not yet judged.")
        if item.monitoring:
            sub.notes.append(f"Monitoring arrangements: {item.monitoring}")
        body.subsections.append(sub)
    return body


# --- the pack -------------------------------------------------------------------------------------------


def build(user, year: int, q: int, *, public: bool) -> Pack:
    """The quarter's pack as the author set it up (or every part, with placeholders, if they have not
    yet written it), built from the record now."""
    if not rules.can_read(user):
        raise PermissionDenied("the committee pack is for managers, leaders, analysts and councillors")
    la = user.local_authority
    saved = CommitteePack.objects.filter(local_authority=la, year=year, quarter=q).first()
    period = quarter_period(year, q)
    sets = {
        f"set:{s.pk}": s for s in ScorecardSet.objects.filter(local_authority=la).prefetch_related("measures")
    }
    parts = saved.parts if saved else [*sets, *PARTS]
    title = saved.title if saved else f"Children's services performance, {period.label}"

    def text(name: str, missing: str) -> list[str]:
        value = (getattr(saved, name, "") if saved else "").replace("\r\n", "\n")  # a browser's line ends
        return [p.strip() for p in value.split("\n\n") if p.strip()] or [missing]

    front = [
        Section("1. Purpose of the report", text("purpose", "[The purpose of the report is to be written.]")),
        Section("2. Recommendations", text("recommendations", "[The recommendations are to be written.]")),
        Section(
            "3. Implications",
            subsections=[
                Section(
                    "3.1 Financial implications",
                    text("financial", "There are no direct financial implications."),
                ),
                Section("3.2 Legal implications", text("legal", "There are no direct legal implications.")),
                Section("3.3 Risk implications", text("risk", "There are no direct risk implications.")),
            ],
        ),
    ]
    supporting = Section(
        "4. Supporting information",
        text(
            "supporting",
            (
                f"This report sets out {la.name}'s children's services performance for {period.label} "
                f"({period.start:%d %B %Y} to {period.end:%d %B %Y})."
            ),
        ),
    )
    if public:
        supporting.paragraphs.append(
            "This is the public version: counts of 1 to 5, and percentages built on "
            "them, are shown as 'c' (suppressed)."
        )
    appendices: list[Section] = []
    for part in parts:
        if part in sets:
            body, appendix = _set_part(sets[part], year, q, public, la.name)
        elif part == "iro":
            body, appendix = _iro_part(la, year, q, public, la.name)
        elif part == "lado":
            body, appendix = _lado_part(user, year, q, public)
        elif part == "audits":
            body, appendix = _audits_part(user, year, q, public), None
        elif part == "improvement":
            body, appendix = _improvement_part(la, period.end), None
        else:  # a set since removed
            continue
        supporting.subsections.append(body)
        if appendix is not None:
            appendices.append(appendix)
    for n, appendix in enumerate(appendices):
        appendix.title = f"Appendix {chr(ord('A') + n)}: {appendix.title}"
    return Pack(
        title=title,
        council=la.name,
        period_label=period.label,
        period_end=period.end,
        public=public,
        generated_at=now(),
        front=front,
        supporting=supporting,
        appendices=appendices,
    )


def to_html(pack: Pack) -> str:
    return render_to_string("governance/pack.html", {"pack": pack})


def to_pdf(pack: Pack) -> bytes:
    from weasyprint import HTML  # lazy: heavy (and needs pango); only a PDF needs it

    return HTML(string=to_html(pack)).write_pdf()


def to_docx(pack: Pack) -> bytes:
    """The pack as a Word document a committee clerk can edit: real headings (the navigation pane and
    a table of contents read them), real tables and the charts as pictures with their description."""
    from docx import Document  # lazy: only a Word document needs it
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    doc.styles["Normal"].font.name = "Arial"
    doc.styles["Normal"].font.size = Pt(10)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(f"{pack.title}, {pack.period_label} - page ")
    field_run = footer.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        field_run._r.append(el)

    doc.add_heading(pack.title, level=0)
    doc.add_paragraph(
        f"{pack.council} - {pack.period_label}"
        + (" - public version" if pack.public else " - not for publication")
    )

    def add(s: Section, level: int) -> None:
        doc.add_heading(s.title, level=min(level, 9))
        for p in s.paragraphs:
            doc.add_paragraph(p)
        for t in s.tables:
            doc.add_paragraph(t.caption).runs[0].bold = True
            table = doc.add_table(rows=1, cols=len(t.headers))
            table.style = "Table Grid"
            for cell, h in zip(table.rows[0].cells, t.headers, strict=True):
                cell.text = h
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for r in t.rows:
                cells = table.add_row().cells
                for cell, v in zip(cells, r, strict=True):
                    cell.text = str(v)
            for row in table.rows:
                for cell in row.cells:
                    for p in cell.paragraphs:
                        for run in p.runs:
                            run.font.size = Pt(8)
        for p in s.notes:
            doc.add_paragraph(p)
        for c in s.charts:
            doc.add_picture(io.BytesIO(c.png), width=Cm(14))
            caption = doc.add_paragraph(f"{c.title}. {c.description}")
            caption.runs[0].italic = True
            caption.runs[0].font.size = Pt(8)
        for sub in s.subsections:
            add(sub, level + 1)

    for s in pack.sections:
        add(s, 1)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
