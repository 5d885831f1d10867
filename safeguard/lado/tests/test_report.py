"""The LADO annual report tables (INDICATORS.md LADO-01…12) from a hand-built set of allegations."""

import csv
import datetime as dt
import io
import json

import pytest

from safeguard.lado.report import (
    TABLE_KEYS,
    FinancialYear,
    build_report,
    completion_band,
    concluded_within,
    render,
    whole_months,
)

D = dt.date


@pytest.mark.parametrize("closure,band", [
    (D(2016, 6, 9), "Less than 1 month"),
    (D(2016, 6, 10), "1–3 months"),   # exactly 1 month
    (D(2016, 8, 10), "1–3 months"),   # exactly 3 months
    (D(2016, 9, 9), "1–3 months"),    # a day short of 4 months
    (D(2016, 9, 10), "4–6 months"),   # exactly 4 months
    (D(2016, 11, 10), "4–6 months"),  # exactly 6 months
    (D(2016, 12, 9), "4–6 months"),
    (D(2016, 12, 10), "7 months +"),  # exactly 7 months
    (D(2016, 5, 10), "Less than 1 month"),  # same day
])
def test_month_bands_at_their_edges(closure, band):
    """Council LADO annual report "time from referral to completion" in whole calendar months
    (INDICATORS.md LADO-09), referral 10 May 2016."""
    assert completion_band(D(2016, 5, 10), closure) == band


def test_month_end_clamping():
    """KCSIE Part 4 month targets: 31 January + 1 month is the last day of February."""
    assert whole_months(D(2016, 1, 31), D(2016, 2, 28)) == 0
    assert whole_months(D(2016, 1, 31), D(2016, 2, 29)) == 1
    assert whole_months(D(2015, 1, 31), D(2015, 2, 28)) == 1
    assert concluded_within(D(2016, 5, 10), D(2016, 6, 10), 1)
    assert not concluded_within(D(2016, 5, 10), D(2016, 6, 11), 1)
    assert concluded_within(D(2016, 5, 10), D(2016, 8, 10), 3)


def test_financial_year():
    """Reporting year 1 April to 31 March (DfE collection years), --year 2017 is 2016-17."""
    fy = FinancialYear(2017)
    assert (fy.first, fy.last, fy.label) == (D(2016, 4, 1), D(2017, 3, 31), "2016-17")
    assert FinancialYear(2010).label == "2009-10"


@pytest.fixture
def hand_built(make_allegation):
    """Ten allegations; the expected figure for every cell is worked out in the tests below."""
    m = make_allegation
    m(D(2016, 5, 10), employer_aware_date=D(2016, 5, 9), employing_agency="education",
      setting="education", category_of_harm="physical", police_involved=True,
      meeting=D(2016, 5, 12), reviews=[D(2016, 6, 8)], closure=D(2016, 6, 10),
      outcome="substantiated", employer_action="dismissal")                                 # A
    m(D(2016, 6, 15), employer_aware_date=D(2016, 6, 10), referring_agency="police",
      employing_agency="fostering_la", setting="foster_carer", category_of_harm="sexual",
      meeting=D(2016, 6, 20), reviews=[D(2016, 7, 20), D(2016, 8, 15)], closure=D(2016, 9, 15),
      outcome="unfounded", employer_action="no_action")                                     # B
    m(D(2016, 7, 1), referring_agency="health", response="consultation", closure=D(2016, 7, 1),
      disability=True)                                                                       # C
    m(D(2016, 8, 1), referring_agency="other", response="nfa", non_recent=True)             # D
    m(D(2016, 9, 1), employing_agency="education", setting="education", category_of_harm="physical",
      meeting=D(2016, 9, 5), closure=D(2016, 9, 20), outcome="false")                       # E
    m(D(2017, 3, 31), referring_agency="ofsted", employing_agency="early_years",
      setting="early_years", category_of_harm="neglect")                                    # F
    m(D(2015, 12, 1), referring_agency="police", employing_agency="transport", setting="transport",
      category_of_harm="emotional", meeting=D(2015, 12, 3), closure=D(2016, 4, 1),
      outcome="malicious")                                                                  # G
    m(D(2016, 3, 31), response="consultation")                                              # H
    m(D(2015, 1, 10), referring_agency="health", employing_agency="health",
      category_of_harm="risk_of_harm", closure=D(2016, 12, 1))                              # I
    m(D(2017, 4, 1), referring_agency="police")                                             # J


@pytest.fixture
def report(hand_built, lado):
    return build_report(lado, 2017, 3)


def test_keys_and_columns(report):
    """Council LADO annual report layout: nine tables, year columns labelled like 2016-17."""
    assert list(report["tables"]) == list(TABLE_KEYS)
    assert report["years"] == ["2014-15", "2015-16", "2016-17"]
    assert report["tables"]["threshold_by_year"]["columns"] == ["2014-15", "2015-16", "2016-17"]


def test_responses(report):
    """LADO-01/02 (council report Table 1): referrals received in 2016-17 by LADO response."""
    rows = report["tables"]["responses"]["rows"]
    assert rows == {
        "Consultation": {"Number": 1, "%": 16.7},
        "NFA after initial consideration": {"Number": 1, "%": 16.7},
        "Threshold met": {"Number": 4, "%": 66.7},
        "Total": {"Number": 6, "%": 100.0},
    }
    assert report["referrals"] == 6


def test_threshold_by_year(report):
    """LADO-02/03: met / not met / total for each comparison year."""
    rows = report["tables"]["threshold_by_year"]["rows"]
    assert rows == {
        "Met LADO threshold": {"2014-15": 1, "2015-16": 1, "2016-17": 4},
        "Did not meet threshold": {"2014-15": 0, "2015-16": 1, "2016-17": 2},
        "Total": {"2014-15": 1, "2015-16": 2, "2016-17": 6},
    }


def test_referring_agency_by_year(report):
    """LADO-04 (Table 2): threshold-met referrals by referring agency by year."""
    rows = report["tables"]["referring_agency_by_year"]["rows"]
    assert list(rows)[:12] == ["Early Years", "Education", "Fostering", "Health", "Leisure LA", "Ofsted",
                               "Police", "Residential", "Social Care", "Transport",
                               "Vol Organisations", "Other"]
    assert rows["Education"] == {"2014-15": 0, "2015-16": 0, "2016-17": 2}
    assert rows["Police"] == {"2014-15": 0, "2015-16": 1, "2016-17": 1}
    assert rows["Ofsted"]["2016-17"] == 1 and rows["Health"]["2014-15"] == 1
    assert rows["Other"]["2016-17"] == 0  # D was NFA: not counted
    assert rows["Total"] == {"2014-15": 1, "2015-16": 1, "2016-17": 4}


def test_employing_agency_by_year(report):
    """LADO-05 (Table 3): threshold-met referrals by employing agency by year."""
    rows = report["tables"]["employing_agency_by_year"]["rows"]
    assert rows["Education"]["2016-17"] == 2
    assert rows["Fostering LA"]["2016-17"] == 1
    assert rows["Early Years"]["2016-17"] == 1
    assert rows["Transport"]["2015-16"] == 1 and rows["Health"]["2014-15"] == 1
    assert "Not recorded" not in rows
    assert rows["Total"]["2016-17"] == 4


def test_harm_by_year(report):
    """LADO-06 (Table 4): threshold-met referrals by category of harm by year."""
    rows = report["tables"]["harm_by_year"]["rows"]
    assert rows["Physical"]["2016-17"] == 2 and rows["Sexual"]["2016-17"] == 1
    assert rows["Neglect"]["2016-17"] == 1 and rows["Emotional"]["2015-16"] == 1
    assert rows["Risk of Harm"]["2014-15"] == 1


def test_harm_by_setting(report):
    """LADO-06 (Table 5): category of harm by setting, threshold-met referrals in 2016-17."""
    table = report["tables"]["harm_by_setting"]
    rows = table["rows"]
    assert table["columns"][-1] == "Total" and "Foster Carer" in table["columns"]
    assert rows["Physical"]["Education"] == 2 and rows["Physical"]["Total"] == 2
    assert rows["Sexual"]["Foster Carer"] == 1
    assert rows["Neglect"]["Early Years"] == 1
    assert rows["Emotional"]["Total"] == 0
    assert rows["Total"]["Total"] == 4 and rows["Total"]["Education"] == 2


def test_outcomes(report):
    """LADO-07 (Table 6) with KCSIE outcome definitions: threshold-met cases closed in 2016-17
    (including G, referred in 2015-16, and I, referred in 2014-15)."""
    rows = report["tables"]["outcomes"]["rows"]
    for label in ("Substantiated", "Unsubstantiated", "Unfounded", "False", "Malicious"):
        assert rows[label] == {"Number": 1, "%": 20.0}
    assert rows["Total"]["Number"] == 5


def test_employer_actions(report):
    """LADO-08: employer action for cases closed in the year."""
    rows = report["tables"]["employer_actions"]["rows"]
    assert rows["Dismissal"]["Number"] == 1 and rows["No action/NFA"]["Number"] == 1
    assert rows["Resignation"]["Number"] == 0 and rows["Total"]["Number"] == 2


def test_time_to_completion(report):
    """LADO-09: A closed exactly 1 month and B exactly 3 months after referral are both 1–3 months;
    G (1 Dec -> 1 Apr) is 4–6; I is 7 months +; E <1 month. A had police involvement."""
    rows = report["tables"]["time_to_completion"]["rows"]
    assert {k: v["Number"] for k, v in rows.items()} == {
        "Less than 1 month": 1, "1–3 months": 2, "4–6 months": 1, "7 months +": 1, "Total": 5}
    assert rows["1–3 months"]["Police or court involved"] == 1


def test_kcsie_figures(report):
    """KCSIE Part 4 targets (80% in 1 month, 90% in 3, all but exceptional in 12) and the local
    LADO timescales (Working Together: referral in 1 working day; meeting in 5; reviews 4-weekly)."""
    k = report["kcsie"]
    assert (k["concluded_within_1_month"]["number"], k["concluded_within_1_month"]["of"]) == (2, 5)
    assert k["concluded_within_1_month"]["target_percent"] == 80
    assert k["concluded_within_3_months"]["number"] == 3  # B, closed exactly 3 months on, counts
    assert k["concluded_within_12_months"]["number"] == 4
    assert (k["referred_within_1_working_day"]["number"], k["referred_within_1_working_day"]["of"]) == (1, 2)
    assert k["strategy_meeting_within_5_working_days"] == {"number": 3, "of": 4, "percent": 75.0,
                                                           "target_percent": None}
    assert (k["reviews_within_4_weeks"]["number"], k["reviews_within_4_weeks"]["of"]) == (2, 3)
    assert k["children_with_disabilities_involved"]["number"] == 1
    assert k["non_recent_allegations"]["number"] == 1


def test_formats(report, tmp_path):
    """The report as JSON, CSV (one section per table), HTML with a chart, and PDF."""
    data = json.loads(render(report, "json"))
    assert data["tables"]["time_to_completion"]["rows"]["1–3 months"]["Number"] == 2
    rows = list(csv.reader(io.StringIO(render(report, "csv").decode("utf-8-sig"))))
    keys = [r[0] for r in rows if r and r[0] in (*TABLE_KEYS, "kcsie")]
    assert keys == [*TABLE_KEYS, "kcsie"]
    start = rows.index(next(r for r in rows if r and r[0] == "outcomes"))
    assert rows[start + 1] == ["", "Number", "%"] and rows[start + 2] == ["Substantiated", "1", "20.0"]
    html = render(report, "html").decode()
    assert "<svg" in html and "2016-17" in html and "Vol Organisations" in html
    assert render(report, "pdf").startswith(b"%PDF")
