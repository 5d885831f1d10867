"""A small council for the web tests: two teams, staff in every role, and children in each
relationship to them (own case, team's case, other team's, unallocated, restricted, IRO's,
another council's)."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.test import Client

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def as_typed(data):
    """A form's data as a browser posts it: each date in the GOV.UK date input's three fields
    (`<name>_day`, `_month`, `_year`), so tests may write dates as ISO strings."""
    if not isinstance(data, dict):
        return data
    out = {}
    for name, value in data.items():
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = value.isoformat()
        if isinstance(value, str) and _ISO_DATE.match(value):
            year, month, day = value.split("-")
            out.update({f"{name}_day": str(int(day)), f"{name}_month": str(int(month)),
                        f"{name}_year": year})
        else:
            out[name] = value
    return out


class BrowserClient(Client):
    """The test client, posting dates as the three-field date input sends them."""

    def post(self, path, data=None, *args, **kwargs):
        return super().post(path, as_typed(data), *args, **kwargs)


@pytest.fixture
def world(db):
    from safeguard.people.services import child_register, child_restrict
    from safeguard.workforce.models import LocalAuthority, Team, User
    from safeguard.workforce.services import allocation_start

    la = LocalAuthority.objects.create(code="E06000049", la_number=895, name="Cheshire East")
    other_la = LocalAuthority.objects.create(code="E06000050", la_number=896, name="Cheshire West")
    team_a = Team.objects.create(local_authority=la, name="Assessment Team A", service="Front door")
    team_b = Team.objects.create(local_authority=la, name="Children in Care Team B")
    team_x = Team.objects.create(local_authority=other_la, name="Other council team", service="Front door")

    def user(username, role, team=None, authority=la):
        return User.objects.create_user(
            username=username,
            password="correct horse battery",
            role=role,
            team=team,
            local_authority=authority,
            first_name=username.title(),
            last_name="Test",
        )

    w = SimpleNamespace(la=la, other_la=other_la)
    w.tm_a = user("tm_a", "team_manager", team_a)
    w.tm_b = user("tm_b", "team_manager", team_b)
    team_a.manager, team_b.manager = w.tm_a, w.tm_b
    team_a.save()
    team_b.save()
    w.sw_a = user("sw_a", "social_worker", team_a)
    w.sw_a2 = user("sw_a2", "social_worker", team_a)
    w.sw_b = user("sw_b", "social_worker", team_b)
    w.iro = user("iro", "iro")
    w.analyst = user("analyst", "analyst")
    w.lado = user("lado", "lado", team_a)
    w.admin = user("admin", "administrator")
    w.councillor = user("councillor", "councillor")
    w.sw_x = user("sw_x", "social_worker", team_x, other_la)
    w.users = {
        n: getattr(w, n)
        for n in (
            "sw_a",
            "sw_a2",
            "sw_b",
            "tm_a",
            "tm_b",
            "iro",
            "analyst",
            "lado",
            "admin",
            "councillor",
            "sw_x",
        )
    }

    start = dt.date.today() - dt.timedelta(days=30)
    n = {"i": 0}

    def nhs(i: int) -> str:
        """A synthetic NHS number with a valid mod-11 check digit (never a real person's)."""
        from safeguard.people.identifiers import nhs_number_problem

        for tail in range(100):
            for check in range(10):
                candidate = f"94{i:04d}{tail:02d}0{check}"
                if nhs_number_problem(candidate) is None:
                    return candidate
        raise AssertionError("no valid NHS number")

    def child(authority=la, by=None, **extra):
        n["i"] += 1
        extra.setdefault("date_of_birth", dt.date(2016, 3, 4))
        return child_register(
            by=by or w.tm_a,
            local_authority=authority,
            la_child_id=f"T{n['i']:04d}",
            first_name="Kit",
            last_name=f"Family{n['i']}",
            sex="M",
            ethnicity="WBRI",
            upn="",
            nhs_number=nhs(n["i"]),
            **extra,
        )

    def allocate(c, worker, kind="social_worker"):
        allocation_start(by=w.tm_a, child_id=c.pk, worker_id=worker.pk, start_date=start, kind=kind)

    w.new_child, w.allocate = child, allocate  # for a test that needs a child of its own
    w.own = child()
    allocate(w.own, w.sw_a)
    w.team = child()
    allocate(w.team, w.sw_a2)
    w.other_team = child()
    allocate(w.other_team, w.sw_b)
    w.unallocated = child()
    w.restricted = child()
    allocate(w.restricted, w.sw_a)
    w.restricted = child_restrict(
        by=w.tm_a, child_id=w.restricted.pk, restricted=True, reason="a member of staff's own family"
    )
    w.iro_child = child()
    allocate(w.iro_child, w.sw_b)
    allocate(w.iro_child, w.iro, kind="iro")
    w.other_la_child = child(authority=other_la, by=w.sw_x)
    w.children = {
        n: getattr(w, n)
        for n in ("own", "team", "other_team", "unallocated", "restricted", "iro_child", "other_la_child")
    }
    return w


@pytest.fixture
def client_for():
    def _client(user, **kwargs):
        c = BrowserClient(**kwargs)
        c.force_login(user)
        return c

    return _client
