"""The forecast from the record: who may run it, the audit of the read, weekly costs set through the
service, and the command's outputs. (Issue 8; ARCHITECTURE.md: reads through selectors, writes
through services with audit.)"""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from safeguard.audit.models import AuditEvent
from safeguard.core.errors import RecordInvalid
from safeguard.forecast.costs import DEFAULT_WEEKLY_COSTS
from safeguard.forecast.models import PlacementCost
from safeguard.forecast.selectors import episodes_for_forecast, placement_costs, weekly_cost_schedule
from safeguard.forecast.services import set_placement_cost
from safeguard.looked_after.models import Episode, PeriodOfCare

D = dt.date


@pytest.fixture
def analyst(la):
    from safeguard.workforce.models import User

    return User.objects.create_user(username="an1", password="x", role=User.Role.ANALYST, local_authority=la)


def in_care(child, start, place, provider, end=None):
    period = PeriodOfCare.objects.create(child=child, start_date=start, end_date=end)
    Episode.objects.create(
        period_of_care=period,
        decom=start,
        rne="S",
        legal_status="C2",
        category_of_need="N1",
        placement=place,
        placement_provider=provider,
        dec=end,
        rec="E11" if end else "",
    )


@pytest.fixture
def looked_after(make_child):
    """Three children in care on 31 March 2026 and one who left in 2025."""
    in_care(make_child(date_of_birth=D(2012, 4, 1)), D(2024, 5, 1), "K2", "PR4")
    in_care(make_child(date_of_birth=D(2016, 4, 1)), D(2024, 7, 1), "U6", "PR4")
    in_care(make_child(date_of_birth=D(2020, 4, 1)), D(2025, 1, 1), "U4", "PR1")
    in_care(make_child(date_of_birth=D(2009, 4, 1)), D(2024, 3, 1), "K3", "PR4", end=D(2025, 6, 1))


def test_episodes_for_forecast_audits_the_read(analyst, looked_after):
    ep = episodes_for_forecast(analyst, purpose="test")
    assert len(ep) == 4
    event = AuditEvent.objects.filter(
        actor=analyst, action="export", object_type="looked_after.Episode"
    ).get()
    assert event.detail == {"purpose": "test", "count": 4}


def test_the_forecast_reads_only_the_users_council(analyst, looked_after, worker):
    """Least privilege (ARCHITECTURE.md): another council's children on the same database are not
    in this council's forecast."""
    from safeguard.people.services import child_register
    from safeguard.workforce.models import LocalAuthority

    other = LocalAuthority.objects.create(code="E06000050", la_number=896, name="Elsewhere")
    elsewhere = child_register(by=worker, local_authority=other, la_child_id="X1", first_name="Alex",
                               last_name="Elsewhere", date_of_birth=D(2013, 4, 1), sex="F",
                               ethnicity="WBRI")
    in_care(elsewhere, D(2024, 5, 1), "U4", "PR1")
    assert len(episodes_for_forecast(analyst, purpose="test")) == 4


def test_a_social_worker_may_not_run_the_forecast(worker, looked_after):
    with pytest.raises(PermissionDenied):
        episodes_for_forecast(worker, purpose="test")


def test_weekly_cost_set_through_the_service_with_audit(analyst):
    row = set_placement_cost(
        by=analyst,
        category="residential",
        weekly_cost="5200",
        effective_from=D(2026, 4, 1),
        source="2026-27 budget",
    )
    assert row.weekly_cost == Decimal("5200.00")
    assert AuditEvent.objects.filter(actor=analyst, action="create", object_id=str(row.pk)).exists()
    set_placement_cost(by=analyst, category="residential", weekly_cost="5400", effective_from=D(2026, 4, 1))
    assert PlacementCost.objects.get().weekly_cost == Decimal("5400.00")
    assert AuditEvent.objects.filter(actor=analyst, action="update",
                                      detail__changes__weekly_cost=["5200.00", "5400.00"]).exists()
    costs = {r["category"]: r["weekly_cost"] for r in placement_costs()}
    assert costs["residential"] == Decimal("5400.00")
    assert costs["kinship"] == DEFAULT_WEEKLY_COSTS["kinship"]


@pytest.mark.parametrize(
    "fields,rule",
    [
        ({"category": "castle", "weekly_cost": "100"}, "FC-COST-1"),
        ({"category": "residential", "weekly_cost": "-1"}, "FC-COST-2"),
        ({"category": "residential", "weekly_cost": "lots"}, "FC-COST-2"),
        ({"category": "residential", "weekly_cost": "250000"}, "FC-COST-2"),
    ],
)
def test_bad_weekly_costs_are_refused_naming_the_rule(analyst, fields, rule):
    with pytest.raises(RecordInvalid) as exc:
        set_placement_cost(by=analyst, effective_from=D(2026, 4, 1), **fields)
    assert rule in exc.value.rules
    assert not PlacementCost.objects.exists()


def test_only_analysts_and_administrators_set_costs(manager):
    with pytest.raises(PermissionDenied):
        set_placement_cost(by=manager, category="residential", weekly_cost="1", effective_from=D(2026, 4, 1))


def test_cost_schedule_follows_effective_dates(analyst):
    set_placement_cost(by=analyst, category="residential", weekly_cost="5000", effective_from=D(2026, 1, 1))
    set_placement_cost(by=analyst, category="residential", weekly_cost="6000", effective_from=D(2026, 4, 10))
    sched = weekly_cost_schedule(D(2026, 3, 31), 30)
    assert sched[0, 2] == 5000 and sched[9, 2] == 5000 and sched[10, 2] == 6000


def test_forecast_command_from_the_record(analyst, looked_after, tmp_path):
    out = tmp_path / "f.json"
    call_command(
        "forecast",
        "--as-at",
        "2026-03-31",
        "--reference-months",
        "24",
        "--horizon-months",
        "12",
        "--format",
        "json",
        "--out",
        str(out),
        "--user",
        "an1",
        "--adjust",
        "entries:*=0.5",
    )
    data = json.loads(out.read_text())
    assert data["in_care_at_as_at"]["by_category"] == {
        "in_house_fostering": 1,
        "independent_fostering": 1,
        "residential": 1,
        "supported_accommodation": 0,
        "kinship": 0,
        "other": 0,
    }
    assert len(data["baseline"]) == 12 and len(data["scenario"]) == 12
    assert data["history"][-1]["total"] == 3
    for fmt in ("csv", "html"):
        call_command(
            "forecast", "--as-at", "2026-03-31", "--format", fmt, "--out", str(tmp_path / f"f.{fmt}")
        )
    assert "<svg" in (tmp_path / "f.html").read_text()
    assert "baseline,2028-03-31,total" in (tmp_path / "f.csv").read_text(encoding="utf-8-sig")


def test_forecast_pdf(looked_after, tmp_path):
    call_command(
        "forecast",
        "--as-at",
        "2026-03-31",
        "--horizon-months",
        "3",
        "--format",
        "pdf",
        "--out",
        str(tmp_path / "f.pdf"),
    )
    assert (tmp_path / "f.pdf").read_bytes().startswith(b"%PDF")


def _set_kinship_cost(user: str) -> None:
    call_command("forecast", "costs", "set", "--category", "kinship", "--weekly-cost", "300",
                 "--from", "2026-04-01", "--user", user)


def test_backtest_and_costs_commands(analyst, looked_after, tmp_path):
    call_command(
        "forecast",
        "backtest",
        "--origin",
        "2025-03-31",
        "--horizon-months",
        "6",
        "--out",
        str(tmp_path / "b.json"),
    )
    data = json.loads((tmp_path / "b.json").read_text())
    assert data["errors"]["total"]["points"] >= 1
    _set_kinship_cost("an1")
    assert PlacementCost.objects.get(category="kinship").weekly_cost == 300
    with pytest.raises(CommandError, match="--as-at"):
        call_command("forecast", "--as-at", "31/03/2026", "--out", str(tmp_path / "x"))
    with pytest.raises(CommandError, match="may"):
        _set_kinship_cost("sw1")
