"""Measures defined in parts (catalogue.Windowed) count all the scorecard's columns in one query.
INDICATORS.md Part C and §0.3: each column is the measure for that column's window (a snapshot at
its end), and the same definition gives the figure and the children behind it, so every column
read together must equal the measure evaluated for that column alone, which is the query the
drill-down lists."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.performance import catalogue as cat
from safeguard.performance.compute import evaluate, evaluate_many, rows
from safeguard.performance.periods import quarter, reporting_year
from safeguard.workforce.models import User
from safeguard.workforce.services import allocation_start

D = dt.date
# The scorecard's columns for 2025-26: the quarters, the year, last year's end and last year's Q4.
COLUMNS = [
    *(quarter(2026, n) for n in range(1, 5)),
    reporting_year(2026),
    reporting_year(2025),
    quarter(2025, 4),
]


def _together_and_alone(indicator_id: str, la) -> list[tuple]:
    ind = cat.get(indicator_id)
    together = evaluate_many(ind, la, COLUMNS)
    alone = [evaluate(ind, la, column) for column in COLUMNS]
    figures = [(r.value, r.numerator, r.denominator, r.breakdown) for r in together]
    assert figures == [(r.value, r.numerator, r.denominator, r.breakdown) for r in alone], indicator_id
    return figures


@pytest.mark.django_db
def test_snapshots_read_together_equal_each_date_alone(la, team, worker, front, make_child):
    """CIN-02 (allocated at the date), CIN-03 (open more than 6 calendar months before the date,
    §0.4) and WF-01 (cases over FTE of case holders at the date, DfE workforce S14), each at the
    five as-at dates: 30 June, 30 September, 31 December, 31 March and last year's 31 March."""
    part_time = User.objects.create_user(
        username="sw2",
        password="x",
        role=User.Role.SOCIAL_WORKER,
        team=team,
        local_authority=la,
        fte=Decimal("0.5"),
    )
    a, b, c = make_child(), make_child(), make_child()
    front.refer(a, D(2025, 5, 1))
    allocation_start(by=worker, child_id=a.pk, worker_id=worker.pk, start_date=D(2025, 5, 2))
    allocation_start(
        by=worker, child_id=a.pk, worker_id=part_time.pk, start_date=D(2025, 11, 1), change_reason="LEFTRL"
    )
    front.close(front.refer(b, D(2025, 2, 1)), D(2025, 8, 15))  # never allocated
    front.refer(c, D(2025, 10, 10))
    allocation_start(by=worker, child_id=c.pk, worker_id=worker.pk, start_date=D(2025, 10, 11))

    with CaptureQueriesContext(connection) as ctx:
        evaluate_many(cat.get("CIN-02"), la, COLUMNS)
    assert len([q for q in ctx.captured_queries if "front_door_referral" in q["sql"]]) == 1

    cin02 = _together_and_alone("CIN-02", la)
    #            Q1: a, b        Q2: a         Q3, Q4, year: a, c               last year: b
    assert [f[:3] for f in cin02] == [(50.0, 1, 2), (100.0, 1, 1)] + [(100.0, 2, 2)] * 3 + [(0.0, 0, 1)] * 2
    cin03 = _together_and_alone("CIN-03", la)
    assert [f[:3] for f in cin03] == [(0.0, 0, 2), (0.0, 0, 1)] + [(50.0, 1, 2)] * 3 + [(0.0, 0, 1)] * 2
    wf01 = _together_and_alone("WF-01", la)
    # Q3 on: a with the part-time worker, c with the full-time one: 2 cases over 1.5 FTE.
    assert [f[:3] for f in wf01] == [(1.0, 1, 1.0), (1.0, 1, 1.0)] + [(1.3, 2, 1.5)] * 3 + [
        (None, 0, None)
    ] * 2


@pytest.mark.django_db
def test_measures_sharing_a_cohort_read_it_once(la, front, make_child, population):
    """CIN-01 and its rate per 10,000 (CIN-01R, F6) count the same children: the scorecard reads
    them once and shows the same count in both."""
    from safeguard.performance.scorecard import build_scorecard

    front.refer(make_child(), D(2025, 5, 1))
    with CaptureQueriesContext(connection) as ctx:
        card = build_scorecard(la, 2026, indicator_ids=["CIN-01", "CIN-01R"])
    assert len([q for q in ctx.captured_queries if "front_door_referral" in q["sql"]]) == 1
    count, rate = card.rows
    assert count.columns["Q2"].value == rate.columns["Q2"].numerator == 1
    assert rate.columns["Q2"].value == 1.0  # 1 per 10,000 children


@pytest.mark.django_db
def test_every_measure_in_parts_on_a_generated_council(settings, tmp_path):
    """All the measures defined in parts, on a small generated council: each column read together
    equals the column alone, and the drill-down of a column lists exactly the units counted."""
    from safeguard.demo.generate import generate_council
    from safeguard.demo.parameters import CouncilShape
    from safeguard.workforce.models import LocalAuthority

    settings.VAR_DIR = tmp_path / "var"
    shape = CouncilShape(children=1_500, la_code="E06000096", la_number=896, name="Small")
    generate_council(shape, seed=7, as_at=D(2026, 4, 30), years=3, jobs=1)
    la = LocalAuthority.objects.get(code="E06000096")
    windowed = [ind for ind in cat.CATALOGUE.values() if ind.windowed is not None]
    assert len(windowed) >= 25
    counted = 0
    for ind in windowed:
        figures = _together_and_alone(ind.id, la)
        counted += sum(1 for value, *_ in figures if value)
        units = rows(ind, la, COLUMNS[2])  # the drill-down of Q3 (as at 31 December)
        value, numerator, denominator, _ = figures[2]
        if ind.unit == cat.PERCENT and not ind.weighted:
            key = "k_child" if ind.counts == cat.CHILDREN else "pk"
            assert len({u[key] for u in units}) == denominator, ind.id
            assert len({u[key] for u in units if u["in_numerator"]}) == numerator, ind.id
    assert counted > 3 * len(windowed)  # a council with activity in most columns
