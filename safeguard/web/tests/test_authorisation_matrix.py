"""Who may open, change and export each child: role × relationship to the child × action, as the
council's access policy says (safeguard/access/policy.py; ARCHITECTURE.md "Least privilege, fully
audited"; UK GDPR Art. 5(1)(f) and Art. 32: access limited to those who need it, every access logged).

The expectations are written out by hand, not computed from the policy code."""

from __future__ import annotations

import pytest

from safeguard.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

USERS = ["sw_a", "sw_a2", "sw_b", "tm_a", "tm_b", "iro", "analyst", "lado", "admin", "councillor", "sw_x"]
# Who may OPEN each child's record. Y = allowed.
CAN_VIEW = {
    #               sw_a sw_a2 sw_b tm_a tm_b iro analyst lado admin councillor sw_x
    "own": "Y    Y     .    Y    .    .   Y       .    .     .          .",
    "team": "Y    Y     .    Y    .    .   Y       .    .     .          .",
    "other_team": ".    .     Y    .    Y    .   Y       .    .     .          .",
    # Issue 15, finding 10: only the front door (team A here) sees a case no social worker holds.
    "unallocated": "Y    Y     .    Y    .    .   Y       .    .     .          .",
    "restricted": ".    .     .    .    .    .   .       .    .     .          .",
    "iro_child": ".    .     Y    .    Y    Y   Y       .    .     .          .",
    "other_la_child": ".    .     .    .    .    .   .       .    .     .          Y",
}
CAN_CHANGE_ROLES = {"sw_a", "sw_a2", "sw_b", "tm_a", "tm_b", "iro", "sw_x"}  # analysts read only


def _allowed(child_name: str) -> set[str]:
    marks = CAN_VIEW[child_name].split()
    return {u for u, m in zip(USERS, marks, strict=True) if m == "Y"}


def _check_all(check) -> None:
    """Run one check for every user and report every wrong answer together."""
    wrong = []
    for username in USERS:
        problem = check(username)
        if problem:
            wrong.append(f"{username}: {problem}")
    assert not wrong, wrong


@pytest.mark.parametrize("child_name", list(CAN_VIEW))
def test_open_child_record(world, client_for, child_name):
    child = world.children[child_name]

    def check(username):
        user = world.users[username]
        response = client_for(user).get(f"/children/{child.pk}/")
        allowed = username in _allowed(child_name)
        if response.status_code != (200 if allowed else 403):
            return f"status {response.status_code}"
        if (child.last_name in response.content.decode()) is not allowed:
            return "name shown" if not allowed else "name missing"
        row = AuditEvent.objects.filter(actor=user, child_id=child.pk, action="view").order_by("-pk").first()
        if row is None or not row.request_id or row.reason.startswith("refused") is allowed:
            return f"audit row wrong: {row and row.reason}"
        return None

    _check_all(check)


@pytest.mark.parametrize("child_name", list(CAN_VIEW))
def test_export_chronology(world, client_for, child_name):
    child = world.children[child_name]

    def check(username):
        user = world.users[username]
        response = client_for(user).get(f"/children/{child.pk}/chronology.csv")
        allowed = username in _allowed(child_name)
        if response.status_code != (200 if allowed else 403):
            return f"status {response.status_code}"
        exported = AuditEvent.objects.filter(actor=user, child_id=child.pk, action="export")
        if allowed and not (response["Content-Type"] == "text/csv" and exported.exists()):
            return "export not audited"
        if not allowed and exported.exclude(reason__startswith="refused").exists():
            return "refused export audited as done"
        return None

    _check_all(check)


@pytest.mark.parametrize("child_name", list(CAN_VIEW))
def test_record_a_visit(world, client_for, child_name):
    child = world.children[child_name]

    def check(username):
        response = client_for(world.users[username]).get(f"/children/{child.pk}/record/visit/")
        allowed = username in _allowed(child_name) and username in CAN_CHANGE_ROLES
        return None if response.status_code == (200 if allowed else 403) else f"status {response.status_code}"

    _check_all(check)


@pytest.mark.parametrize("guess", ["999999", "-1", "1%20OR%201=1", "99999999999999999999999"])
def test_guessed_ids_show_nothing(world, client_for, guess):
    def check(username):
        client = client_for(world.users[username])
        for url in (
            f"/children/{guess}/",
            f"/children/{guess}/chronology.csv",
            f"/children/{guess}/record/visit/",
            f"/children/{guess}/grant/",
        ):
            response = client.get(url)
            if response.status_code not in (403, 404) or "Family" in response.content.decode():
                return f"{url} gave {response.status_code}"
        return None

    _check_all(check)


def test_search_finds_only_open_records(world, client_for):
    """A name search lists only children the user may open (Family1 … Family7 all match)."""

    def check(username):
        response = client_for(world.users[username]).get("/children/", {"name": "Family"})
        if username in ("lado", "admin", "councillor"):
            return None if response.status_code == 403 else f"status {response.status_code}"
        body = response.content.decode()
        for child_name, child in world.children.items():
            if (f"/children/{child.pk}/" in body) is not (username in _allowed(child_name)):
                return f"wrong for {child_name}"
        return None

    _check_all(check)


def test_exact_identifier_shows_closed_record_without_details(world, client_for):
    """A worker who types a restricted child's exact LA child ID learns only that it exists, so
    they can ask for access or break the glass (no name, no date of birth)."""
    r = world.restricted
    body = client_for(world.sw_a).get("/children/", {"identifier": r.la_child_id}).content.decode()
    assert "not open to you" in body and r.last_name not in body
    assert f"/children/{r.pk}/" in body


def test_role_pages(world, client_for):
    """Manager's queue, IRO desk and figures, who decides, audit search, performance and LADO pages
    by role."""
    expected = {
        "/manager/": {"tm_a", "tm_b"},
        "/iro/": {"iro"},
        "/iro/figures/": {"iro", "tm_a", "tm_b", "analyst", "admin", "councillor"},
        "/decisions/delegate/": {"tm_a", "tm_b"},
        "/decisions/contact_decision/": {"admin"},
        "/audit/": {"tm_a", "tm_b", "admin"},
        "/performance/": {"tm_a", "tm_b", "analyst", "admin", "councillor"},
        "/lado/": {"lado", "admin", "tm_a"},  # tm_a manages the team the LADO sits in (KCSIE Part 4)
    }

    def check(username):
        client = client_for(world.users[username])
        for url, allowed in expected.items():
            if client.get(url).status_code != (200 if username in allowed else 403):
                return url
        return None

    _check_all(check)


def test_councillor_sees_aggregates_only(world, client_for):
    body = client_for(world.councillor).get("/performance/").content.decode()
    assert "Children on a child protection plan" in body
    assert not any(c.last_name in body for c in world.children.values())


def test_anonymous_is_sent_to_sign_in(world, client):
    for url in ("/", "/my-work/", f"/children/{world.own.pk}/", "/manager/", "/audit/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/"), url
