"""The scorecard (INDICATORS.md Part C): RAG and direction-of-travel rules, targets and
comparators as configuration imported from CSV, versioned commentary, hand-entered values,
small-number suppression in public outputs only, every output format, and an audited drill-down."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.audit.models import AuditEvent
from safeguard.core.errors import RecordInvalid
from safeguard.performance import catalogue as cat
from safeguard.performance import rules
from safeguard.performance.models import Commentary, MeasureSetting
from safeguard.performance.periods import quarter, reporting_year
from safeguard.performance.render import render_html
from safeguard.performance.scorecard import build_scorecard
from safeguard.performance.selectors import indicator_children
from safeguard.performance.services import (
    commentary_save,
    manual_value_record,
    manual_values_import,
    measure_settings_import,
)

D = dt.date


# --- rules (pure) ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("85%", rules.Target("=", 85.0)),
        (">=85", rules.Target(">=", 85.0)),
        ("<15%", rules.Target("<", 15.0)),
        ("35-40", rules.Target("band", 35.0, 40.0)),
        ("10-15%", rules.Target("band", 10.0, 15.0)),
        ("0%", rules.Target("=", 0.0)),
        ("", rules.Target("")),
    ],
)
def test_target_forms(text, expected):
    """C4: point, strict bound, band, zero and count targets."""
    assert rules.parse_target(text) == expected


def test_rag_rule_matches_the_council_report_sanity_check():
    """C5 with the default tolerances: CP number 333 vs band 260-300 is red; CLA rate 61.8 vs
    53.1-59.7 amber; assessments 82% vs 85% amber; ICPC 83% vs 90% red; small numbers n/a."""
    band = rules.parse_target("260-300")
    assert rules.rag(333, polarity=cat.RANGE, target=band, unit=cat.COUNT) == "R"
    assert rules.rag(61.8, polarity=cat.RANGE, target=rules.parse_target("53.1-59.7"), unit=cat.RATE) == "A"
    high = rules.Target(">=", 85)
    assert rules.rag(82, polarity=cat.HIGH_GOOD, target=high, unit=cat.PERCENT, denominator=200) == "A"
    assert (
        rules.rag(83, polarity=cat.HIGH_GOOD, target=rules.Target(">=", 90), unit=cat.PERCENT, denominator=50)
        == "R"
    )
    assert rules.rag(86, polarity=cat.HIGH_GOOD, target=high, unit=cat.PERCENT, denominator=200) == "G"
    assert (
        rules.rag(86, polarity=cat.HIGH_GOOD, target=high, unit=cat.PERCENT, denominator=6)
        == "n/a (small numbers)"
    )
    assert rules.rag(14.9, polarity=cat.LOW_GOOD, target=rules.Target("<", 15), unit=cat.PERCENT) == "G"
    assert rules.rag(15.0, polarity=cat.LOW_GOOD, target=rules.Target("<", 15), unit=cat.PERCENT) == "A"
    assert rules.rag(300, polarity=cat.NONE, target=band, unit=cat.COUNT) == "n/a"
    assert rules.rag(10, polarity=cat.LOW_GOOD, target=high, unit=cat.PERCENT, indicative=True) == "n/a"


def test_direction_of_travel():
    """C6: the arrow is the movement; the colour is whether it is good for the polarity; a range
    measure is judged by its distance from the band."""
    assert rules.direction(80, 75, polarity=cat.HIGH_GOOD, unit=cat.PERCENT) == ("up", "G")
    assert rules.direction(80, 75, polarity=cat.LOW_GOOD, unit=cat.PERCENT) == ("up", "R")
    assert rules.direction(75.5, 75, polarity=cat.HIGH_GOOD, unit=cat.PERCENT) == ("same", "A")
    band = rules.Target("band", 260, 300)
    assert rules.direction(310, 333, polarity=cat.RANGE, unit=cat.COUNT, target=band) == ("down", "G")
    assert rules.direction(5, None, polarity=cat.HIGH_GOOD, unit=cat.COUNT) == ("n/a", "n/a")


def test_ytd_count_target_is_pro_rated_and_small_numbers_suppressed():
    """C4: 13 adoptions at Q2 against an annual 30 is judged against 15. §0.3 rule 5: 1-5 and
    percentages built on them are 'c'; zero and 6+ are shown."""
    assert rules.pro_rated(rules.Target(">=", 30), 6).value == 15
    assert rules.suppress(3, 3, None, cat.COUNT) == "c"
    assert rules.suppress(0, 0, None, cat.COUNT) == 0
    assert rules.suppress(50.0, 2, 4, cat.PERCENT) == "c"
    assert rules.suppress(50.0, 10, 20, cat.PERCENT) == 50.0


# --- configuration, commentary, hand-entered values ----------------------------------------------

SETTINGS_CSV = """indicator_id,pi_ref,target,statistical_neighbour_average,statistical_neighbour_n,\
england_average,comparator_year,plan_priority,direction_basis
CP-04,PI 12,90%,85.1,9,81.4,2025,Keeping children safe,previous_quarter
FD-05,PI 3,<22,21.0,10,22.6,2025,Early help,same_period_last_year
ED-18,PI 40,>=60,43.4,10,55.5,2016,SEND,
"""


@pytest.mark.django_db
def test_settings_import_from_csv_and_hand_entered_measures(la, analyst, tmp_path):
    """C3/C4: comparators and targets are data; a row for an id outside the catalogue (ED-18,
    B13) adds a measure entered by hand."""
    path = tmp_path / "settings.csv"
    path.write_text(SETTINGS_CSV)
    saved = measure_settings_import(by=analyst, local_authority=la, path=path)
    assert len(saved) == 3
    cp04 = MeasureSetting.objects.get(local_authority=la, indicator_id="CP-04")
    assert (cp04.target_operator, cp04.target, cp04.england_average) == (">=", 90.0, 81.4)
    fd05 = MeasureSetting.objects.get(local_authority=la, indicator_id="FD-05")
    assert (fd05.target_operator, fd05.target) == ("<", 22.0)
    manual_value_record(
        by=analyst,
        local_authority=la,
        indicator_id="ED-18",
        period_start=D(2025, 7, 1),
        period_end=D(2025, 9, 30),
        value=58.0,
        numerator=29,
        denominator=50,
    )
    card = build_scorecard(la, 2026, 2, indicator_ids=["CP-04", "FD-05", "ED-18"])
    rows = {r["id"]: r for r in card.as_dict()["indicators"]}
    assert rows["ED-18"]["value"] == 58.0 and rows["ED-18"]["status"] == cat.HAND_ENTERED
    assert rows["ED-18"]["rag"] == "A"  # 58 against >= 60 with 5 points' tolerance
    assert rows["CP-04"]["statistical_neighbour_average"] == 85.1 and rows["CP-04"]["target"] == ">=90"
    assert rows["CP-04"]["plan_priority"] == "Keeping children safe"
    assert AuditEvent.objects.filter(action="import", object_type="performance.MeasureSetting").exists()


@pytest.mark.django_db
def test_bad_settings_file_names_file_line_and_field_and_saves_nothing(la, analyst, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("indicator_id,target,england_average,colour\nCP-04,ninety,81.4,red\nCP-04,90,x,\n")
    with pytest.raises(RecordInvalid) as exc:
        measure_settings_import(by=analyst, local_authority=la, path=path)
    fields = {v.field for v in exc.value.violations}
    assert {"bad.csv:1:colour", "bad.csv:2:target", "bad.csv:3:indicator_id"} <= fields
    assert not MeasureSetting.objects.exists()


@pytest.mark.django_db
def test_hand_entered_values_refuse_measures_the_record_holds(la, analyst, tmp_path):
    path = tmp_path / "values.csv"
    path.write_text(
        "indicator_id,period_start,period_end,value\nWF-04,2025-07-01,2025-09-30,81\n"
        "CP-04,2025-07-01,2025-09-30,90\nWF-03B,2025-09-30,2025-07-01,12\n"
    )
    with pytest.raises(RecordInvalid) as exc:
        manual_values_import(by=analyst, local_authority=la, path=path)
    assert {v.field for v in exc.value.violations} == {"values.csv:3:indicator_id", "values.csv:4:period_end"}
    path.write_text("indicator_id,period_start,period_end,value,note\nWF-04,2025-07-01,2025-09-30,81,PDPs\n")
    assert len(manual_values_import(by=analyst, local_authority=la, path=path)) == 1
    row = build_scorecard(la, 2026, 2, indicator_ids=["WF-04"]).rows[0]
    assert row.value == 81 and row.current.note == "PDPs"


@pytest.mark.django_db
def test_commentary_is_per_measure_per_period_and_versioned(la, analyst):
    q2 = quarter(2026, 2).label
    commentary_save(by=analyst, local_authority=la, indicator_id="cp-04", period_label=q2, text="Two late.")
    commentary_save(
        by=analyst, local_authority=la, indicator_id="CP-04", period_label=q2, text="Two late: sibling group."
    )
    note = Commentary.objects.get(indicator_id="CP-04", period_label=q2)
    assert [h.text for h in note.history.order_by("history_date")] == [
        "Two late.",
        "Two late: sibling group.",
    ]
    row = build_scorecard(la, 2026, 2, indicator_ids=["CP-04"]).rows[0]
    assert row.commentary == "Two late: sibling group."
    assert build_scorecard(la, 2026, 3, indicator_ids=["CP-04"]).rows[0].commentary == ""


# --- the scorecard, suppression, outputs, drill-down ----------------------------------------------


@pytest.fixture
def three_referrals(la, front, make_child):
    """Three referrals in Q2 2025-26, one a re-referral: small numbers for suppression."""
    a = make_child()
    r = front.refer(a, D(2025, 5, 1))
    front.close(r, D(2025, 5, 30))
    front.refer(a, D(2025, 7, 7))
    front.refer(make_child(), D(2025, 8, 1))
    front.refer(make_child(), D(2025, 9, 1))
    return la


@pytest.mark.django_db
def test_json_has_the_required_fields_and_suppresses_only_when_public(three_referrals, la):
    card = build_scorecard(la, 2026, 2)
    assert {r.id for r in card.rows} >= set(cat.CATALOGUE)
    internal = {r["id"]: r for r in card.as_dict()["indicators"]}
    for r in internal.values():
        assert {
            "id",
            "name",
            "value",
            "numerator",
            "denominator",
            "unit",
            "polarity",
            "target",
            "rag",
            "direction",
        } <= set(r)
    assert internal["FD-03"]["value"] == 3 and internal["FD-03"]["columns"] == {"Q1": 1, "Q2": 3}
    public = {r["id"]: r for r in card.as_dict(public=True)["indicators"]}
    assert public["FD-03"]["value"] == "c" and public["FD-03"]["suppressed"]
    assert public["FD-05"]["value"] == "c" and public["FD-05"]["numerator"] is None
    assert public["CP-06"]["value"] == 0  # zero is not suppressed
    summary = card.summary()
    assert sum(summary["rag"].values()) == len(card.rows)


@pytest.mark.django_db
def test_previous_year_end_is_suppressed_in_public_outputs_too(three_referrals, la, front, make_child):
    """INDICATORS.md §0.3 rule 5: small numbers are suppressed in every public figure, the
    previous year-end column and its trend point included, never in the analyst's view."""
    front.refer(make_child(), D(2024, 6, 3))
    front.refer(make_child(), D(2024, 9, 2))
    card = build_scorecard(la, 2026, 2)
    internal = {r["id"]: r for r in card.as_dict()["indicators"]}
    public = {r["id"]: r for r in card.as_dict(public=True)["indicators"]}
    assert internal["FD-03"]["previous_year_end"] == 2
    assert public["FD-03"]["previous_year_end"] == "c"
    html = render_html(card, public=True)
    row = next(line for line in html.split("<tr>") if ">FD-03<" in line)
    assert ">2<" not in row


@pytest.mark.django_db
def test_cli_writes_every_format(three_referrals, tmp_path):
    """`safeguard scorecard --year 2026 --quarter 2 --format json|csv|html|pdf|xlsx --out FILE`."""
    for fmt in ("json", "csv", "html", "pdf", "xlsx"):
        out = tmp_path / f"card.{fmt}"
        call_command(
            "scorecard",
            "--year",
            "2026",
            "--quarter",
            "2",
            "--format",
            fmt,
            "--out",
            str(out),
            "--only",
            "FD-03,FD-05,CP-04",
        )
        assert out.stat().st_size > 100, fmt
    data = json.loads((tmp_path / "card.json").read_text())
    assert [r["id"] for r in data["indicators"]] == ["FD-03", "FD-05", "CP-04"]
    assert (tmp_path / "card.pdf").read_bytes()[:4] == b"%PDF"
    html = (tmp_path / "card.html").read_text()
    assert "<svg" in html and "FD-05" in html
    csv_text = (tmp_path / "card.csv").read_text()
    assert "FD-03,Number of referrals" in csv_text and ",c," in csv_text  # 3 referrals: suppressed


@pytest.mark.django_db
def test_drill_down_lists_children_unsuppressed_and_is_audited(three_referrals, la, analyst, worker):
    """Drill-down never suppresses, takes the user, refuses roles without analysis rights, and
    writes an audit row either way."""
    rows = indicator_children(analyst, local_authority=la, indicator_id="FD-05", period=quarter(2026, 2))
    assert len(rows) == 4 and sum(r["in_numerator"] for r in rows) == 1  # YTD: April to September
    assert all(r["la_child_id"] and r["why"].startswith("referred") for r in rows)
    event = AuditEvent.objects.filter(object_type="performance.Indicator", object_id="FD-05").latest("at")
    assert event.actor == analyst and event.detail["rows"] == 4
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        indicator_children(worker, local_authority=la, indicator_id="FD-05", period=reporting_year(2026))
    assert AuditEvent.objects.filter(
        actor=worker, object_type="performance.Indicator", detail__refused=True
    ).exists()


@pytest.mark.django_db
def test_cli_drill(three_referrals, analyst, tmp_path, capsys):
    call_command("scorecard", "drill", "FD-05", "--year", "2026", "--user", "analyst1")
    out = capsys.readouterr().out
    assert "FD-05 Re-referrals within 12 months, 2025-26: 4 counted (1 in the numerator)" in out
    call_command("scorecard", "drill", "CP-04", "--year", "2026", "--out", str(tmp_path / "cp04.csv"))
    assert (tmp_path / "cp04.csv").read_text().startswith("la_child_id,child_name,in_numerator,why")
    with pytest.raises(CommandError, match="not held|hand entered"):
        call_command("scorecard", "drill", "LAC-08", "--year", "2026")


@pytest.mark.django_db
def test_cli_drill_names_only_the_children_the_user_may_open(three_referrals, la, analyst, capsys):
    """Issue 15, finding 2: `scorecard drill --user` counts every child but names only those the
    access policy opens to that user (here a manager outside the front door: none of these
    unallocated children), and each child named is audited against that child."""
    from safeguard.people.models import Child
    from safeguard.workforce.models import Team, User

    team = Team.objects.create(local_authority=la, name="Children in Care", service="Children in care")
    User.objects.create_user(username="tm_cic", password="x", role=User.Role.TEAM_MANAGER, team=team,
                             local_authority=la)
    names = list(Child.objects.values_list("last_name", flat=True))
    call_command("scorecard", "drill", "FD-05", "--year", "2026", "--user", "tm_cic")
    out = capsys.readouterr().out
    assert "4 counted" in out and not any(name in out for name in names)
    assert not AuditEvent.objects.filter(actor__username="tm_cic", child_id__isnull=False).exists()
    call_command("scorecard", "drill", "FD-05", "--year", "2026", "--user", "analyst1")
    out = capsys.readouterr().out
    assert all(name in out for name in names)
    audited = AuditEvent.objects.filter(actor=analyst, child_id__isnull=False)
    assert set(audited.values_list("child_id", flat=True)) == set(Child.objects.values_list("pk", flat=True))


@pytest.mark.django_db
def test_snapshot_measures_are_counted_once_per_as_at_date(three_referrals, la):
    """INDICATORS.md §0.3: a snapshot is taken at the period's end, so the year column and Q4 (and
    last year's end and last year's Q4) are the same figure: the scorecard counts each as-at date
    once (all five in one query), and each column still equals the measure evaluated for that
    column alone."""
    from safeguard.performance.compute import evaluate, reads_window_start

    assert not reads_window_start(cat.get("CIN-02"), la)  # children in need at the date
    assert reads_window_start(cat.get("FD-03"), la)  # referrals in the period
    with CaptureQueriesContext(connection) as ctx:
        row = build_scorecard(la, 2026, indicator_ids=["CIN-02"]).rows[0]
    # Five as-at dates (30 June, 30 September, 31 December, 31 March and last year's 31 March),
    # each counted once, all in one query.
    queries = [q["sql"] for q in ctx.captured_queries if "front_door_referral" in q["sql"]]
    assert len(queries) == 1 and all(f"k_at{i}" in queries[0] for i in range(5)) and "k_at5" not in queries[0]
    ind = cat.get("CIN-02")
    columns = [*((f"Q{n}", quarter(2026, n)) for n in range(1, 5)), ("year", reporting_year(2026))]
    for label, column in columns:
        alone = evaluate(ind, la, column)
        got = row.columns[label]
        assert (got.value, got.numerator, got.denominator) == (
            alone.value,
            alone.numerator,
            alone.denominator,
        )
        assert got.period == column and got.window == alone.window
    assert row.columns["Q2"].denominator == 3  # in need at 30 September: July, August, September



@pytest.mark.django_db
def test_measures_read_together_equal_each_read_alone(three_referrals, la, settings):
    """INDICATORS.md Part C: the scorecard reads its measures together (those defined by the
    same parts in one go, spread over `SCORECARD_CONNECTIONS`); every figure equals the measure
    evaluated alone. (Inside a test's transaction the reading stays on its one connection: that
    helper connections read the caller's snapshot is core.tests.test_snapshot's, and
    bench/scorecard.py compares a large council's figures read both ways.)"""
    from safeguard.performance.compute import evaluate

    settings.SCORECARD_CONNECTIONS = 2
    card = build_scorecard(la, 2026, 2)
    for row in card.rows:
        ind = cat.CATALOGUE.get(row.id)
        if ind is None or not ind.is_held:
            continue
        for label, column in (("Q1", quarter(2026, 1)), ("Q2", quarter(2026, 2))):
            alone, got = evaluate(ind, la, column), row.columns[label]
            assert (got.value, got.numerator, got.denominator, got.breakdown) == (
                alone.value, alone.numerator, alone.denominator, alone.breakdown), (row.id, label)
