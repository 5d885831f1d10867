"""Only the LADO, their manager and administrators reach allegations, by any route; every read is
audited (KCSIE Part 4: allegations are confidential; Working Together 2023 information sharing)."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from safeguard.audit.models import AuditEvent
from safeguard.lado.models import Allegation
from safeguard.lado.report import build_report
from safeguard.lado.selectors import allegation_get, allegation_list, allegations_visible_to


@pytest.fixture
def allegation(make_allegation):
    return make_allegation(dt.date(2016, 5, 10), meeting=dt.date(2016, 5, 12))


@pytest.fixture
def outsiders(worker, manager, iro, la):
    from safeguard.workforce.models import User

    analyst = User.objects.create_user(username="an1", password="x", role=User.Role.ANALYST,
                                       local_authority=la)
    return [worker, manager, iro, analyst]


def test_outsiders_get_nothing_by_selector(allegation, outsiders):
    """A social worker, another team's manager, an IRO or an analyst sees no allegation, and a
    guessed id is 'not found'; the refused attempt is on the audit record."""
    for user in outsiders:
        assert not allegations_visible_to(user).exists()
        assert allegation_list(user) == []
        with pytest.raises(Allegation.DoesNotExist):
            allegation_get(user, allegation.pk)
        assert AuditEvent.objects.filter(actor=user, object_id=str(allegation.pk),
                                         reason__startswith="refused").exists()


def test_lado_manager_and_administrator_see_and_are_audited(allegation, lado, lado_manager,
                                                            administrator):
    """The LADO, their team manager and administrators see allegations; each view is audited."""
    for user in (lado, lado_manager, administrator):
        assert list(allegations_visible_to(user)) == [allegation]
        assert allegation_get(user, allegation.pk) == allegation
        assert AuditEvent.objects.filter(actor=user, action="view", object_id=str(allegation.pk),
                                         reason="").exists()
        assert [a.pk for a in allegation_list(user)] == [allegation.pk]


def test_report_refused_without_role(allegation, outsiders, lado):
    """The annual report is an export of allegations: same rule, audited as export."""
    for user in outsiders:
        with pytest.raises(PermissionDenied):
            build_report(user, 2017, 2)
    assert build_report(lado, 2017, 2)["referrals"] == 1
    assert AuditEvent.objects.filter(actor=lado, action="export").exists()


@pytest.mark.parametrize("args", [
    ["report", "--year", "2017", "--years", "2", "--format", "json"],
    ["export"],
    ["worklist"],
])
def test_cli_refuses_without_role(allegation, worker, lado, tmp_path, args):
    """Command-line report and export check the role of --user too."""
    out = tmp_path / "out"
    extra = ["--out", str(out)] if args[0] != "worklist" else []
    with pytest.raises(CommandError, match="may not see allegations"):
        call_command("lado", *args, *extra, "--user", worker.username)
    assert not out.exists()
    call_command("lado", *args, *extra, "--user", lado.username)
    if extra:
        assert out.exists()


def test_cli_report_json(allegation, lado, tmp_path):
    """`safeguard lado report --year 2017` covers 1 April 2016 to 31 March 2017."""
    out = tmp_path / "r.json"
    call_command("lado", "report", "--year", "2017", "--years", "5", "--format", "json",
                 "--out", str(out), "--user", lado.username)
    data = json.loads(out.read_text())
    assert data["period"] == {"first": "2016-04-01", "last": "2017-03-31"}
    assert data["tables"]["threshold_by_year"]["columns"] == [
        "2012-13", "2013-14", "2014-15", "2015-16", "2016-17"]


def test_admin_shows_no_allegation_to_anyone(allegation, worker, lado, client):
    """Issue 15, finding 1: staff status and view_* permissions (as the demo once gave) open no
    allegation in the Django admin, not even to the LADO: allegations are read in the app, audited."""
    for user in (worker, lado):
        user.is_staff = True
        user.save()
        user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
        client.force_login(user)
        for url in ("/admin/", "/admin/lado/allegation/", f"/admin/lado/allegation/{allegation.pk}/change/"):
            response = client.get(url)
            assert response.status_code in (302, 403, 404), (user, url)
            assert allegation.reference not in response.content.decode()
