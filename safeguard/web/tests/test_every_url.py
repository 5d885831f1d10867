"""Every URL of the project, `/admin/` included, walked as every role and anonymously, with real,
guessed and malformed ids, hostile query strings, GET and POST (issue 15, findings 1 and 6):

- no server error, whatever is asked;
- no child-level data reachable outside the access policy: a page that names a child is shown only
  to a user the policy lets open that child (UK GDPR Art. 5(1)(f); ARCHITECTURE.md "Least
  privilege, fully audited");
- redirects only to this site (OWASP: unvalidated redirects and forwards).

The URL list is read from the resolver, so a page added later is walked too."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

from safeguard.access import policy

pytestmark = pytest.mark.django_db

HOSTILE_QUERY = (
    "?year=2001&quarter=9&page=-1&kind=%00zz&child=x&scope=zzz&actor=%27&action=zz"
    "&name=%3Cscript%3E&identifier=%3D1%2B1&next=https://evil.example/&as_at=0001-01-01"
)
HOSTILE_POST = {"next": "https://evil.example/", "reason": "x" * 20, "code": "abc", "user": "999999",
                "days": "-1", "restricted": "maybe", "version": "zz"}


def _patterns(resolver=None, prefix=""):
    """(route, pattern) for every endpoint, with its include prefixes."""
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern), p.pattern


def _urls(route: str, pattern, ids: list[str]) -> list[str]:
    """Concrete URLs for a route: each parameter filled with real and malformed ids."""
    if isinstance(pattern, RegexPattern):
        regex = re.compile(route.replace("^", "").replace("$", ""))
        candidates = {"app_label": ["workforce", "people", "auth"], "url": ["people/child/", "zz/"]}
        groups = list(regex.groupindex)
        if not groups:
            return ["/" + route]
        out = []
        for value in candidates.get(groups[0], ids):
            url = re.sub(rf"\(\?P<{groups[0]}>[^)]*\)", value, route.replace("^", "").replace("$", ""))
            if regex.fullmatch(url):
                out.append("/" + url)
        return out
    params = re.findall(r"<(?:(\w+):)?(\w+)>", route)
    if not params:
        return ["/" + route]
    out = []
    for value in ids:
        url = route
        for converter, _name in params:
            v = value if converter != "slug" else "visit"
            if converter == "int" and not v.isdigit():
                continue
            url = re.sub(r"<(?:\w+:)?\w+>", v, url, count=1)
        if "<" not in url:
            out.append("/" + url)
    return sorted(set(out))


def _named_children(body: str, children) -> list:
    return [c for c in children if c.last_name in body or c.la_child_id in body]


ROLES = ["anonymous", "sw_b", "pa_b", "tm_b", "iro", "analyst", "lado", "admin", "councillor", "sw_x",
         "superuser"]


@pytest.mark.parametrize("who", ROLES)
def test_every_url_as_every_role(world, django_user_model, who):
    if who == "superuser":
        user = django_user_model.objects.create_superuser("root", password="correct horse battery")
    elif who == "pa_b":  # a personal adviser (care leavers) in the children in care team
        user = django_user_model.objects.create_user(
            "pa_b", password="correct horse battery", role="personal_adviser", team=world.sw_b.team,
            local_authority=world.la,
        )
    else:
        user = None if who == "anonymous" else world.users[who]
    # Children whose names must not leak: the restricted one is closed to all of these users.
    watched = [world.restricted, world.unallocated, world.own, world.other_la_child]
    real = [str(world.restricted.pk), str(world.unallocated.pk)]
    bad = ["abc", "99999999999999999999"]
    client = Client(raise_request_exception=False)
    problems = []

    def ask(method: str, url: str) -> None:
        if user is not None and method == "post":
            client.force_login(user)  # a POST to sign-out ends the session
        response = client.post(url, HOSTILE_POST) if method == "post" else client.get(url)
        where = f"{who} {method.upper()} {url}"
        if response.status_code >= 500:
            problems.append(f"{where}: HTTP {response.status_code}")
            return
        location = response.get("Location", "")
        if location and urlsplit(location).netloc not in ("", "testserver"):
            problems.append(f"{where}: redirects off-site to {location}")
        body = response.content.decode(errors="replace") if response.status_code == 200 else ""
        for child in _named_children(body, watched):
            if user is None or not policy.can_view_child(user, child):
                problems.append(f"{where}: shows {child.last_name}, not open to {who}")
        if user is not None:
            policy.forget(user)

    if user is not None:
        client.force_login(user)
    for route, pattern in _patterns():
        admin = route.startswith("admin/")
        if admin and who not in ("superuser", "analyst"):
            urls = _urls(route, pattern, real[:1])  # the admin turns every one of these away alike
            for url in urls:
                ask("get", url)
            continue
        for url in _urls(route, pattern, real + ([] if admin else bad)):
            ask("get", url)
        for url in _urls(route, pattern, real[:1] + bad[:1]):
            ask("post", url)
            if not admin:
                ask("get", url + HOSTILE_QUERY)
    assert not problems, "\n".join(problems[:80])


def test_the_admin_is_for_superusers_only(world, client_for):
    """Issue 15, finding 1: a councillor, the LADO or an analyst with staff status and view_*
    permissions (as `make demo` once gave everyone) reaches no admin page; no child-level model is
    registered there at all, so even technical support reads children only through the app."""
    from django.contrib import admin
    from django.contrib.auth.models import Permission

    for user in (world.councillor, world.lado, world.analyst, world.admin):
        user.is_staff = True
        user.save()
        user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
        client = client_for(user)
        for url in ("/admin/", "/admin/people/child/", "/admin/audit/auditevent/",
                    f"/admin/people/child/{world.restricted.pk}/change/", "/admin/workforce/user/"):
            response = client.get(url)
            assert response.status_code in (302, 403, 404), (user.username, url)
            assert world.restricted.last_name not in response.content.decode()
    child_level = {"people", "front_door", "assessment", "child_protection", "looked_after", "lado",
                   "audit", "access", "forecast", "performance"}
    registered = {m._meta.app_label for m in admin.site._registry}
    assert not registered & child_level, registered & child_level
    labels = {m._meta.label for m in admin.site._registry}
    assert not labels & {"timescales.Clock", "workforce.Allocation"}


def test_demo_staff_are_not_staff_of_the_admin():
    """Issue 15, finding 1: the demo's users sign in to the app, never to the Django admin."""
    import datetime as dt

    from safeguard.demo.council import Demo
    from safeguard.timescales import calendar
    from safeguard.workforce.models import User

    calendar.invalidate()
    Demo(dt.date(2026, 12, 3)).staff()
    users = User.objects.all()
    assert users.exists()
    assert not users.filter(is_staff=True).exists() and not users.filter(is_superuser=True).exists()
    assert not User.user_permissions.through.objects.exists()
