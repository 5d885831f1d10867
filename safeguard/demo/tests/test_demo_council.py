"""The demo council loads through the same services and validation as practitioners' saves, and
gives each role work to see."""

import datetime as dt

import pytest

from safeguard.assessment.selectors import to_do
from safeguard.audit.models import AuditEvent
from safeguard.demo.council import load_demo_council
from safeguard.people.models import Child
from safeguard.timescales import calendar
from safeguard.timescales.models import Clock
from safeguard.workforce.models import User

pytestmark = pytest.mark.django_db


def test_demo_council_loads_once_with_a_user_per_role():
    calendar.invalidate()
    passwords = load_demo_council()
    assert passwords is not None
    # Every user who may sign in has a password shown; the colleagues who fill the demo manager's
    # team to six (issue 18) do not sign in.
    assert set(passwords) == {u.username for u in User.objects.all() if u.has_usable_password()}
    manager = User.objects.get(username="tm.demo")
    assert User.objects.filter(team__manager=manager, role="social_worker").count() == 6
    assert {u.role for u in User.objects.all()} >= {
        "social_worker", "team_manager", "iro", "lado", "analyst", "administrator", "councillor"}
    assert Child.objects.count() >= 15
    assert Child.objects.filter(date_of_birth__isnull=True).exists()  # an unborn child
    assert AuditEvent.objects.filter(action="create").count() > Child.objects.count()
    assert load_demo_council() is None  # idempotent: nothing is added twice


def test_demo_worklists_show_due_and_overdue_work():
    calendar.invalidate()
    load_demo_council()
    sw = User.objects.get(username="sw.demo")
    iro = User.objects.get(username="iro.demo")
    assert to_do(sw).total
    assert {"T10", "T08"} & {c.code for c in to_do(iro, scope="iro", per_page=500).rows}
    assert Clock.objects.filter(met_date__isnull=False).exists()
    # Issue 17: the IRO's desk has an alert escalated and still open, one resolved, and monitoring.
    from safeguard.iro.selectors import iro_caseload, practice_alerts
    from safeguard.looked_after.models import LookedAfterReviewMinutes

    assert {a.stage for a in practice_alerts(iro, status="open")} == {"stage_1"}
    assert practice_alerts(iro, status="resolved").exists()
    assert any(r.last_monitored_on for r in iro_caseload(iro).rows)
    assert LookedAfterReviewMinutes.objects.filter(child_views__contains="my mum").exists()


def test_the_demo_workers_children_have_full_case_records(settings, tmp_path):
    """Issue 16: `make demo` shows full records: notes (one about two siblings), the family, the
    professionals, a document; the words are synthetic."""
    from safeguard.casework.models import CaseNote, CaseNoteChild, Document
    from safeguard.people.models import Professional, Relationship

    settings.DOCUMENTS_DIR = tmp_path
    calendar.invalidate()
    load_demo_council()
    sw = User.objects.get(username="sw.demo")
    mine = Child.objects.filter(allocations__worker=sw, allocations__end_date__isnull=True,
                                is_restricted=False).distinct()
    assert mine.exists()
    for child in mine:
        assert CaseNoteChild.objects.filter(child=child).count() >= 3
        assert Relationship.objects.filter(child=child, kind="mother", person__isnull=False).exists()
        assert Professional.objects.filter(child=child).exists()
        assert Document.objects.filter(child=child).exists()
    shared = CaseNote.objects.filter(title="Both children seen at the office").get()
    assert shared.children.count() == 2


def test_the_demo_workers_incoming_has_news_and_old_allocations_are_read():
    """Issue 18: the demo worker's Incoming shows a child allocated this week and an assessment
    the manager returned with comments; allocations older than the window are not news."""
    from safeguard.assessment.selectors import INCOMING_DAYS, incoming
    from safeguard.core.errors import today
    from safeguard.notifications.models import Notification
    from safeguard.notifications.selectors import unread_count
    from safeguard.workforce.models import Allocation

    calendar.invalidate()
    load_demo_council()
    sw = User.objects.get(username="sw.demo")
    news = incoming(sw)
    assert news.allocated and news.returned
    assert "school" in news.returned[0].comments
    assert unread_count(sw) > 0
    news_of = set(Notification.objects.filter(to=sw, kind="allocated", read_at__isnull=True)
                  .values_list("child_id", flat=True))
    since = today() - dt.timedelta(days=INCOMING_DAYS)
    recent = set(Allocation.objects.filter(worker=sw, start_date__gte=since)
                 .values_list("child_id", flat=True))
    assert news_of and news_of <= recent
    assert all((today() - a.start_date).days <= INCOMING_DAYS for a in news.allocated)
