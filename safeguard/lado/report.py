"""The LADO annual report (INDICATORS.md LADO-01…12): the tables LADO annual reports publish, with
year-on-year comparison, and the KCSIE timeliness figures.

Cohorts: referral tables count referrals *received* in each financial year (1 April–31 March);
outcome, employer action and time-to-completion tables count allegations *closed* in the report
year (LADO-07: "referrals concluded during the reporting period"). Threshold-met tables and the
completion figures count only allegations that met the LADO threshold.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from safeguard.core import charts
from safeguard.core.cells import safe_writer
from safeguard.core.errors import today
from safeguard.timescales import calendar

from .access import can_see_allegations
from .models import (
    Allegation,
    CategoryOfHarm,
    EmployerAction,
    EmployingAgency,
    Outcome,
    ReferringAgency,
    Response,
    Setting,
)
from .selectors import allegations_for_export

NOT_RECORDED = "Not recorded"
AWAITING = "Awaiting decision"
TOTAL = "Total"
BANDS = ("Less than 1 month", "1–3 months", "4–6 months", "7 months +")
TABLE_KEYS = ("responses", "threshold_by_year", "referring_agency_by_year", "employing_agency_by_year",
              "harm_by_year", "harm_by_setting", "outcomes", "employer_actions", "time_to_completion")
KCSIE_TARGETS = ((1, 80), (3, 90), (12, 100))


@dataclass(frozen=True)
class FinancialYear:
    """`FinancialYear(2017)` is 1 April 2016 to 31 March 2017, labelled 2016-17."""

    year: int

    @property
    def first(self) -> dt.date:
        return dt.date(self.year - 1, 4, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, 3, 31)

    @property
    def label(self) -> str:
        return f"{self.year - 1}-{self.year % 100:02d}"

    def __contains__(self, day: dt.date | None) -> bool:
        return day is not None and self.first <= day <= self.last


def whole_months(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from `start` to `end`: the largest k with start + k months <= end
    (dateutil relativedelta, clamped at month end: 31 January + 1 month is 28/29 February)."""
    k = max((end.year - start.year) * 12 + end.month - start.month, 0)
    while k > 0 and start + relativedelta(months=k) > end:
        k -= 1
    return k


def completion_band(referral: dt.date, closure: dt.date) -> str:
    """Time from referral to completion in whole calendar months (INDICATORS.md LADO-09).

    With k = whole_months(referral, closure):
      k == 0      -> "Less than 1 month"  (closed before the same day next month)
      1 <= k <= 3 -> "1–3 months"         (closed exactly 1 month after is here; so is
                                           exactly 3 months, and anything short of 4 months)
      4 <= k <= 6 -> "4–6 months"
      k >= 7      -> "7 months +"
    e.g. referral 10 May 2016: closed 9 Jun -> <1; 10 Jun -> 1–3; 10 Aug -> 1–3; 9 Sep -> 1–3;
    10 Sep -> 4–6; 10 Dec -> 7 months +.
    """
    k = whole_months(referral, closure)
    if k == 0:
        return BANDS[0]
    if k <= 3:
        return BANDS[1]
    if k <= 6:
        return BANDS[2]
    return BANDS[3]


def concluded_within(referral: dt.date, closure: dt.date, months: int) -> bool:
    """KCSIE target test: closure on or before referral + n calendar months."""
    return closure <= referral + relativedelta(months=months)


def _percent(n: int, d: int) -> float | None:
    return round(100 * n / d, 1) if d else None


def _count_table(title: str, labels: list[str], values: list[str], extra_label: str = NOT_RECORDED
                 ) -> dict:
    """Number and % per label; an extra row only when some value is blank."""
    counts = {label: values.count(label) for label in labels}
    blank = values.count("")
    if blank:
        counts[extra_label] = blank
    total = len(values)
    rows = {label: {"Number": n, "%": _percent(n, total)} for label, n in counts.items()}
    rows[TOTAL] = {"Number": total, "%": 100.0 if total else None}
    return {"title": title, "columns": ["Number", "%"], "rows": rows}


def _by_year(title: str, labels: list[str], years: list[FinancialYear],
             cohort: dict[str, list[str]]) -> dict:
    """Rows = labels (+ Not recorded when used) + Total; columns = year labels."""
    columns = [y.label for y in years]
    rows = {label: {c: cohort[c].count(label) for c in columns} for label in labels}
    if any("" in cohort[c] for c in columns):
        rows[NOT_RECORDED] = {c: cohort[c].count("") for c in columns}
    rows[TOTAL] = {c: len(cohort[c]) for c in columns}
    return {"title": title, "columns": columns, "rows": rows}


def _label(choices, value: str) -> str:
    return choices(value).label if value else ""


def compute_report(allegations: list[Allegation], year: int, years: int = 5, cal=None) -> dict:
    """Every table and KCSIE figure for the report year and the `years` years up to it."""
    cal = cal or calendar.current()
    fy = FinancialYear(year)
    span = [FinancialYear(y) for y in range(year - years + 1, year + 1)]
    referred = {y.label: [a for a in allegations if a.referral_date in y] for y in span}
    met = {label: [a for a in rows if a.threshold_met] for label, rows in referred.items()}
    this_year = referred[fy.label]
    met_this_year = met[fy.label]
    closed = [a for a in allegations if a.closure_date in fy]
    closed_met = [a for a in closed if a.threshold_met]

    tables: dict[str, dict] = {}
    tables["responses"] = _count_table(
        f"Referrals by LADO response, {fy.label}", Response.labels,
        [_label(Response, a.response) for a in this_year], AWAITING)

    columns = [y.label for y in span]
    threshold_rows = {
        "Met LADO threshold": {c: len(met[c]) for c in columns},
        "Did not meet threshold": {
            c: sum(1 for a in referred[c] if a.response in (Response.CONSULTATION, Response.NFA))
            for c in columns},
    }
    if any(a.response == "" for c in columns for a in referred[c]):
        threshold_rows[AWAITING] = {c: sum(1 for a in referred[c] if not a.response) for c in columns}
    threshold_rows[TOTAL] = {c: len(referred[c]) for c in columns}
    tables["threshold_by_year"] = {"title": "Referrals meeting the LADO threshold by year",
                                   "columns": columns, "rows": threshold_rows}

    def cohort(field: str, choices) -> dict[str, list[str]]:
        return {c: [_label(choices, getattr(a, field)) for a in met[c]] for c in columns}

    tables["referring_agency_by_year"] = _by_year(
        "Threshold-met referrals by referring agency", ReferringAgency.labels, span,
        cohort("referring_agency", ReferringAgency))
    tables["employing_agency_by_year"] = _by_year(
        "Threshold-met referrals by employing agency", EmployingAgency.labels, span,
        cohort("employing_agency", EmployingAgency))
    tables["harm_by_year"] = _by_year(
        "Threshold-met referrals by category of harm", CategoryOfHarm.labels, span,
        cohort("category_of_harm", CategoryOfHarm))

    setting_cols = list(Setting.labels)
    if any(not a.setting for a in met_this_year):
        setting_cols.append(NOT_RECORDED)
    harm_rows_labels = list(CategoryOfHarm.labels)
    if any(not a.category_of_harm for a in met_this_year):
        harm_rows_labels.append(NOT_RECORDED)
    harm_setting: dict[str, dict] = {}
    for harm in harm_rows_labels:
        in_harm = [a for a in met_this_year if (_label(CategoryOfHarm, a.category_of_harm) or NOT_RECORDED)
                   == harm]
        row = {s: sum(1 for a in in_harm if (_label(Setting, a.setting) or NOT_RECORDED) == s)
               for s in setting_cols}
        row[TOTAL] = len(in_harm)
        harm_setting[harm] = row
    harm_setting[TOTAL] = {s: sum(harm_setting[h][s] for h in harm_rows_labels)
                           for s in [*setting_cols, TOTAL]}
    tables["harm_by_setting"] = {"title": f"Threshold-met referrals by category of harm and setting, "
                                          f"{fy.label}",
                                 "columns": [*setting_cols, TOTAL], "rows": harm_setting}

    tables["outcomes"] = _count_table(
        f"Outcomes of allegations concluded in {fy.label}", Outcome.labels,
        [_label(Outcome, a.outcome) for a in closed_met])
    with_action = [a for a in closed if a.employer_action]
    tables["employer_actions"] = _count_table(
        f"Employer action for allegations concluded in {fy.label}", EmployerAction.labels,
        [_label(EmployerAction, a.employer_action) for a in with_action])

    bands = [completion_band(a.referral_date, a.closure_date) for a in closed_met]
    completion = _count_table(f"Time from referral to completion, allegations concluded in {fy.label}",
                              list(BANDS), bands)
    police = [completion_band(a.referral_date, a.closure_date) for a in closed_met
              if a.police_involved or a.court_proceedings]
    for band in BANDS:
        completion["rows"][band]["Police or court involved"] = police.count(band)
    completion["rows"][TOTAL]["Police or court involved"] = len(police)
    completion["columns"].append("Police or court involved")
    tables["time_to_completion"] = completion

    return {
        "title": f"LADO annual report {fy.label}",
        "year": fy.label,
        "period": {"first": fy.first.isoformat(), "last": fy.last.isoformat()},
        "years": columns,
        "referrals": len(this_year),
        "tables": tables,
        "kcsie": _kcsie(fy, this_year, met_this_year, closed_met, allegations, cal),
    }


def _figure(number: int, of: int, target: float | None = None) -> dict:
    return {"number": number, "of": of, "percent": _percent(number, of), "target_percent": target}


def _kcsie(fy: FinancialYear, referred, met, closed_met, allegations, cal) -> dict:
    """KCSIE Part 4 and local LADO timeliness figures for the report year (LADO-09…12)."""
    figures: dict[str, dict] = {}
    for months, target in KCSIE_TARGETS:
        n = sum(1 for a in closed_met if concluded_within(a.referral_date, a.closure_date, months))
        figures[f"concluded_within_{months}_month{'s' if months > 1 else ''}"] = _figure(
            n, len(closed_met), target)

    aware = [a for a in referred if a.employer_aware_date]
    on_time = 0
    for a in aware:
        try:
            on_time += cal.within_working_days(a.employer_aware_date, a.referral_date, 1)
        except ValueError:
            pass
    figures["referred_within_1_working_day"] = _figure(on_time, len(aware))

    meeting_on_time = 0
    for a in met:
        start = a.response_date or a.referral_date
        held = sorted(m.held_on for m in a.strategy_meetings.all() if m.held_on >= start)
        try:
            meeting_on_time += bool(held) and cal.within_working_days(start, held[0], 5)
        except ValueError:
            pass
    figures["strategy_meeting_within_5_working_days"] = _figure(meeting_on_time, len(met))

    reviews_in_year = reviews_on_time = 0
    for a in allegations:
        meetings = sorted(m.held_on for m in a.strategy_meetings.all())
        if not meetings:
            continue
        previous = meetings[0]
        for held in sorted(r.held_on for r in a.reviews.all()):
            if held in fy:
                reviews_in_year += 1
                reviews_on_time += held <= previous + dt.timedelta(days=28)
            previous = held
    figures["reviews_within_4_weeks"] = _figure(reviews_on_time, reviews_in_year)
    figures["children_with_disabilities_involved"] = {"number": sum(1 for a in referred if a.disability)}
    figures["non_recent_allegations"] = {"number": sum(1 for a in referred if a.non_recent)}
    return figures


def build_report(user, year: int, years: int = 5) -> dict:
    """The report for a user allowed to see allegations; audited as an export."""
    if not can_see_allegations(user):
        allegations_for_export(user, purpose="annual report")  # records the refusal
        raise PermissionDenied("only the LADO, their manager and administrators may run the LADO report")
    fy = FinancialYear(year)
    rows = allegations_for_export(user, purpose="annual report",
                                  first=FinancialYear(year - years + 1).first, last=fy.last)
    return compute_report(rows, year, years)


# --- rendering ------------------------------------------------------------------------------------

KCSIE_LABELS = {
    "concluded_within_1_month": "Concluded within 1 month (KCSIE target 80%)",
    "concluded_within_3_months": "Concluded within 3 months (KCSIE target 90%)",
    "concluded_within_12_months": "Concluded within 12 months (KCSIE: all but the most exceptional)",
    "referred_within_1_working_day": "Referred to the LADO within 1 working day of the employer "
                                     "becoming aware",
    "strategy_meeting_within_5_working_days": "Strategy meeting within 5 working days of the "
                                              "threshold decision",
    "reviews_within_4_weeks": "Strategy reviews held within 4 weeks",
    "children_with_disabilities_involved": "Allegations involving children with disabilities",
    "non_recent_allegations": "Non-recent allegations",
}


def to_json(report: dict) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False)


def _fmt(value, none: str = "–") -> str:
    if value is None:
        return none
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _grid(table: dict, none: str = "–") -> tuple[list[str], list[list[str]]]:
    header = ["", *table["columns"]]
    body = [[label, *(_fmt(values.get(c), none) for c in table["columns"])]
            for label, values in table["rows"].items()]
    return header, body


def _kcsie_rows(report: dict, none: str = "–") -> list[list[str]]:
    rows = []
    for key, fig in report["kcsie"].items():
        rows.append([KCSIE_LABELS.get(key, key),
                     *(_fmt(fig.get(f), none) for f in ("number", "of", "percent", "target_percent"))])
    return rows


def to_csv(report: dict) -> str:
    """One section per table: a line with its key and title, its header, its rows, a blank line."""
    out = io.StringIO()
    w = safe_writer(out)
    w.writerow([report["title"]])
    w.writerow([])
    for key in TABLE_KEYS:
        table = report["tables"][key]
        header, body = _grid(table, none="")
        w.writerow([key, table["title"]])
        w.writerow(header)
        w.writerows(body)
        w.writerow([])
    w.writerow(["kcsie", "Timeliness (KCSIE Part 4 and local LADO procedures)"])
    w.writerow(["", "Number", "Of", "%", "Target %"])
    w.writerows(_kcsie_rows(report, none=""))
    return out.getvalue()


def _referrals_chart(report: dict):
    rows = report["tables"]["threshold_by_year"]["rows"]
    years = report["years"]
    return charts.grouped_bars(
        list(years),
        [("All referrals", [rows[TOTAL][y] for y in years]),
         ("Threshold met", [rows["Met LADO threshold"][y] for y in years])],
        title="Referrals to the LADO by year", width=520, height=200)


def referrals_chart(report: dict, *, png: bool = False) -> str:
    """Referrals and threshold-met referrals by year, drawn by the one charting library: SVG for a
    page, a PNG image for the PDF."""
    chart = _referrals_chart(report)
    if png:
        return (f'<img src="{charts.data_uri(chart)}" style="width: 150mm" '
                'alt="Bar chart: referrals to the LADO and those meeting the threshold, by year">')
    return (f'<div role="img" aria-label="Referrals to the LADO by year">{charts.svg(chart)}</div>')


def to_html(report: dict, *, png: bool = False) -> str:
    tables = []
    for key in TABLE_KEYS:
        header, body = _grid(report["tables"][key])
        tables.append({"key": key, "title": report["tables"][key]["title"], "header": header,
                       "body": body})
    return render_to_string("lado/report.html", {
        "report": report, "tables": tables, "kcsie": _kcsie_rows(report),
        "chart": mark_safe(referrals_chart(report, png=png)),  # noqa: S308 - built here from numbers and escaped labels
        "generated": today(),
    })


def to_pdf(report: dict) -> bytes:
    """The HTML report printed to PDF by WeasyPrint (needs Debian's pango libraries)."""
    from weasyprint import HTML  # lazy: heavy (and needs pango); only a PDF needs it

    return HTML(string=to_html(report, png=True)).write_pdf()


def render(report: dict, fmt: str) -> bytes:
    if fmt == "json":
        return to_json(report).encode()
    if fmt == "csv":
        return to_csv(report).encode("utf-8-sig")
    if fmt == "html":
        return to_html(report).encode()
    if fmt == "pdf":
        return to_pdf(report)
    raise ValueError(f"unknown format {fmt!r}")
