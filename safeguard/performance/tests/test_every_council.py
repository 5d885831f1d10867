"""Every council's scorecard in one pass (issue 20: "all 153 councils ... one pass grouped by
council rather than 153 passes"). INDICATORS.md §0.3: a council's figure is the measure over its own
record, so each council's figures from the one grouped pass must equal, in every column, value,
numerator, denominator, breakdown, RAG and direction, those of its scorecard built alone."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from safeguard.demo.generate import generate_council
from safeguard.demo.parameters import CouncilShape
from safeguard.performance.scorecard import build_scorecard, build_scorecards
from safeguard.workforce.models import LocalAuthority, User

AS_AT = dt.date(2026, 6, 30)
SHAPES = [
    CouncilShape(children=1_200, la_code="E06000091", la_number=891, name="Small North"),
    CouncilShape(children=900, la_code="E06000092", la_number=892, name="Small South"),
]


@pytest.fixture(scope="module")
def councils(django_db_setup, django_db_blocker):
    """Two generated councils and one with nothing on record but an IRO (an FTE with no cases),
    made once for the tests below and rolled back afterwards."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            for n, shape in enumerate(SHAPES):
                generate_council(shape, seed=20 + n, as_at=AS_AT, years=2, jobs=1)
            empty = LocalAuthority.objects.create(code="E06000093", la_number=893, name="Empty")
            User.objects.create_user(username="iro.empty", password="x", role=User.Role.IRO,
                                     local_authority=empty)
            yield list(LocalAuthority.objects.order_by("code"))
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _figures(card) -> list[tuple]:
    return [
        (row.id, {k: v.as_dict() for k, v in row.columns.items()}, row.previous_year_end, row.q4_previous,
         row.rag, row.direction)
        for row in card.rows
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("q", [None, 2])
def test_every_council_in_one_pass_equals_each_council_alone(councils, q):
    together = build_scorecards(councils, 2026, q)
    assert [card.local_authority for card in together] == councils
    for council, card in zip(councils, together, strict=True):
        alone = build_scorecard(council, 2026, q)
        assert _figures(card) == _figures(alone), council.name
    # The generated councils differ, so a figure mixed up between councils would show.
    assert _figures(together[0]) != _figures(together[1])
    counted = [r for r in together[0].rows if r.current.value]
    assert len(counted) > 30


@pytest.mark.django_db
def test_one_pass_reads_as_many_times_whatever_the_number_of_councils(councils):
    """The grouped pass's queries of the record do not grow with the councils: only each council's
    own settings, targets and commentary are read once a council."""
    def record_queries(some) -> int:
        with CaptureQueriesContext(connection) as ctx:
            build_scorecards(some, 2026)
        return len([q for q in ctx.captured_queries if "performance_" not in q["sql"]
                    and "workforce_localauthority" not in q["sql"]])

    build_scorecards(councils[:1], 2026)  # what a process reads once (settings, caches) is read
    assert record_queries(councils[:2]) == record_queries(councils)


@pytest.mark.django_db
def test_command_writes_every_council_in_one_table(councils, tmp_path):
    """`safeguard scorecard --every-council`: one CSV, each line led by its council, the same
    figures as each council's own scorecard CSV."""
    out = tmp_path / "every.csv"
    call_command("scorecard", "--year", "2026", "--every-council", "--format", "csv", "--out", str(out))
    lines = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert lines[0][:3] == ["LA code", "LA name", "PI ref"]
    for council in councils:
        own = tmp_path / f"{council.code}.csv"
        call_command("scorecard", "--year", "2026", "--la-code", council.code, "--format", "csv",
                     "--out", str(own))
        mine = [line[2:] for line in lines[1:] if line[0] == council.code]
        assert mine == list(csv.reader(own.read_text(encoding="utf-8").splitlines()))[1:], council.name
    with pytest.raises(CommandError, match="--every-council writes json or csv"):
        call_command("scorecard", "--year", "2026", "--every-council", "--format", "pdf", "--out", "x.pdf")


@pytest.mark.django_db
def test_a_measure_not_started_from_its_council_is_refused_in_one_pass(councils):
    """A measure whose rows skip `catalogue.of_council` carries no council key: in one pass it must
    fail rather than give every council nothing (INDICATORS.md §0.3, a council's figure is over its
    own record)."""
    from dataclasses import replace

    from django.core.exceptions import FieldError
    from django.db.models import F

    from safeguard.people.models import Child
    from safeguard.performance import catalogue as cat
    from safeguard.performance.compute import evaluate_councils
    from safeguard.performance.periods import reporting_year

    held = next(i for i in cat.CATALOGUE.values()
                if i.is_held and i.unit == cat.COUNT and not i.windowed and not i.breakdown)
    careless = replace(held, id="XX-01", units=lambda ctx: Child.objects.annotate(k_child=F("pk")),
                       counts=cat.CHILDREN, date_field=None)
    with pytest.raises(FieldError, match="k_la"):
        evaluate_councils(careless, councils, [reporting_year(2026)])
