"""The web tests' small council (two teams, staff in every role), and a programme run on it."""

import datetime as dt

import pytest

from safeguard.web.tests.conftest import client_for, world  # noqa: F401,F811


@pytest.fixture
def programme(world):  # noqa: F811
    """A monthly programme of Team A's open cases, graded by the other team's manager and moderated
    by the IRO (both practitioners from outside the team)."""
    from safeguard.assurance.audits import services
    from safeguard.assurance.audits.models import AuditTool

    services.tools_load_defaults()
    tool = AuditTool.objects.get(code="case-file")
    return services.programme_run(
        by=world.tm_a, title="Team A audit, this month", kind="monthly", tool_id=tool.pk,
        month=dt.date.today().replace(day=1), team_ids=[world.tm_a.team_id], per_team=5,
        auditor_id=world.tm_b.pk, moderator_id=world.iro.pk)
