"""The demo LADO caseload is recorded through the services and feeds the report and worklist."""

import datetime as dt

from safeguard.lado.demo import load_demo_lado
from safeguard.lado.models import Allegation
from safeguard.lado.report import build_report
from safeguard.lado.selectors import lado_worklist


def test_demo_caseload(la, lado):
    """Several years of made-up referrals (KCSIE Part 4 outcomes; Working Together timescales)."""
    today = dt.date(2026, 11, 20)
    assert load_demo_lado(la, lado, today, years=3, per_year=12) == 36
    assert Allegation.objects.filter(closure_date__isnull=True).exists()
    assert Allegation.objects.exclude(outcome="").exists()
    report = build_report(lado, 2026, 3)
    assert sum(report["tables"]["threshold_by_year"]["rows"]["Total"].values()) >= 20
    assert lado_worklist(lado, today, horizon_days=400)
