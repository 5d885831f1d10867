"""The demo's year of audits: made through the services, graded, moderated, with actions."""

from __future__ import annotations

import datetime as dt

import pytest

from safeguard.assurance.audits import selectors
from safeguard.assurance.audits.demo import demo_audits
from safeguard.assurance.audits.models import CaseAudit


def test_demo_audits_fill_the_scorecard(world):
    made = demo_audits(local_authority=world.la, months=3, per_team=2)
    assert made == CaseAudit.objects.count() > 0
    assert not CaseAudit.objects.filter(status="assigned").exists()
    last = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    card = selectors.scorecard(world.analyst, dimension="team", last_month=last)
    assert card["overall"].total.n > 0
    assert demo_audits(local_authority=world.other_la) == 0  # one team, no independent auditor


@pytest.mark.slow
def test_demo_audits_on_a_generated_council(django_db_setup, django_db_blocker, tmp_path):
    """A small generated council gets a year of audits through the services; prints the time."""
    import time

    from django.db import transaction
    from django.test import override_settings

    from safeguard.demo.generate import generate_council
    from safeguard.demo.parameters import CouncilShape
    from safeguard.workforce.models import LocalAuthority

    as_at = dt.date(2026, 6, 30)
    shape = CouncilShape(children=3_000, la_code="E06000098", la_number=898, name="Tiny audits")
    with django_db_blocker.unblock(), override_settings(DOCUMENTS_DIR=tmp_path):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            generate_council(shape, seed=11, as_at=as_at, years=1, jobs=1)
            la = LocalAuthority.objects.get(code=shape.la_code)
            started = time.perf_counter()
            made = demo_audits(local_authority=la, end=as_at, months=12)
            seconds = time.perf_counter() - started
            print(f"demo_audits: {made} audits in {seconds:.1f} s")
            assert made > 0
            assert CaseAudit.objects.filter(programme__local_authority=la, status="moderated").exists()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
