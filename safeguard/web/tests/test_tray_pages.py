"""The worker's trays (issue 18): *My cases* lists every child allocated to the worker, due or not,
with the status and clocks the worker needs at a glance, paged with the total shown (never a silent
cap), in a fixed number of queries whatever the caseload."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.front_door import services as front_door

from .test_journey_pages import last_working_day

pytestmark = pytest.mark.django_db


def _cases(body: str) -> list[str]:
    table = re.search(r'<table class="govuk-table" id="my-cases">(.*?)</table>', body, re.S)
    return re.findall(r'href="/children/(\d+)/"', table.group(1)) if table else []


def test_my_cases_lists_every_allocated_child_due_or_not(world, client_for):
    sw = client_for(world.sw_a)
    todo = sw.get("/my-work/").content.decode()
    assert "My cases (1)" in todo  # own; the restricted record allocated to sw_a is closed to them
    body = sw.get("/my-work/cases/").content.decode()
    assert str(world.own.pk) in _cases(body) and "No open episode" in body and "Nothing due" in body
    assert str(world.other_team.pk) not in _cases(body)
    front_door.referral_open(by=world.sw_a, child_id=world.own.pk, referral_date=last_working_day(),
                             source="1A")
    body = sw.get("/my-work/cases/").content.decode()
    assert "Child in need" in body and "Nothing due" not in body.split(world.own.last_name)[1][:600]


def test_my_cases_is_paged_with_the_total_in_a_fixed_number_of_queries(world, client_for):
    sw = client_for(world.sw_a)
    sw.get("/my-work/cases/")
    with CaptureQueriesContext(connection) as short:
        sw.get("/my-work/cases/")
    for _ in range(55):
        world.allocate(world.new_child(), world.sw_a)
    with CaptureQueriesContext(connection) as long:
        body = sw.get("/my-work/cases/").content.decode()
    assert len(long) == len(short), [q["sql"][:80] for q in long]
    assert "My cases: 56 children" in body
    assert len(_cases(body)) == 50
    assert 'aria-label="Page 2"' in body
    assert len(_cases(sw.get("/my-work/cases/?page=2").content.decode())) == 6
