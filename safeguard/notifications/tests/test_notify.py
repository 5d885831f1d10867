"""Notifications (issue 18, item 5): a member of staff is told, in the app, when a child is
allocated to them, a decision awaits them, their work is returned for amendment, someone takes
access to their team's child's record, or a clock is about to fall overdue; by email too where the
council has a mail server, the email saying nothing about the child (UK GDPR Art. 5(1)(f) and
Art. 32: security of processing; email is not a secure channel).

Sources of the duties the notices serve: Working Together to Safeguard Children 2023, ch. 2
(management oversight of decisions on assessments; timeliness) and ch. 3 (section 47 enquiries:
the outcome is a management decision); the statutory clocks of `timescales.rules`."""

from __future__ import annotations

import datetime as dt
import io
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from safeguard.access import services as access
from safeguard.assessment import services as asmt
from safeguard.assessment.tests.helpers import submit
from safeguard.audit.models import AuditEvent
from safeguard.child_protection import services as cp
from safeguard.core.errors import today
from safeguard.front_door import services as front_door
from safeguard.notifications import services
from safeguard.notifications.models import Notification
from safeguard.record.change import rederive_clocks
from safeguard.timescales import calendar
from safeguard.timescales.models import Clock
from safeguard.workforce import services as workforce

pytestmark = pytest.mark.django_db
Kind = Notification.Kind
REASON = "Police at the door, child missing"
MAIL = dict(EMAIL_HOST="smtp.example.org", SAFEGUARD_SITE_URL="https://safeguard.example.org")


def _notices(user, kind):
    return list(Notification.objects.filter(to=user, kind=kind).order_by("pk"))


def _assessment(world, child=None):
    """An assessment of the worker's own child (team A), started ten days ago."""
    child = child or world.own
    referral = front_door.referral_open(by=world.sw_a, child_id=child.pk, source="2A", primary_need="N1",
                                        referral_date=today() - dt.timedelta(days=12))
    return asmt.assessment_start(by=world.sw_a, referral_id=referral.pk,
                                 start_date=today() - dt.timedelta(days=10))


# --- each hook ---------------------------------------------------------------------------------

def test_allocating_a_child_tells_the_worker_and_links_to_the_child(world):
    """Issue 18, item 5: "allocated a child". The worker learns of a new case at once, not when
    its first deadline nears."""
    child = world.new_child()
    workforce.allocation_start(by=world.tm_a, child_id=child.pk, worker_id=world.sw_a2.pk, start_date=today())
    [notice] = [n for n in _notices(world.sw_a2, Kind.ALLOCATED) if n.child_id == child.pk]
    assert notice.child == child and notice.link == f"/children/{child.pk}/" and notice.read_at is None
    assert child.last_name not in notice.text  # the child is shown by the page, if open to the reader
    assert AuditEvent.objects.filter(detail__event="notify", object_id=str(notice.pk),
                                     actor=world.tm_a).exists()


def test_a_submitted_assessment_tells_the_childs_team_manager_and_their_delegate(world):
    """Working Together 2023 ch. 2: an assessment is signed off by a manager. The manager of the
    team holding the case, and whoever holds their decisions by delegation today, are told; the
    other team's manager and the worker who submitted are not."""
    access.decision_delegate(by=world.tm_a, delegate_id=world.sw_a2.pk, starts_on=today(),
                             ends_on=today() + dt.timedelta(days=7), reason="Annual leave this week")
    assessment = submit(world.sw_a, _assessment(world))
    told = Notification.objects.filter(kind=Kind.DECISION_AWAITING)
    assert set(told.values_list("to__username", flat=True)) == {"tm_a", "sw_a2"}
    notice = told.get(to=world.tm_a)
    assert notice.link == f"/children/{world.own.pk}/assessments/{assessment.pk}/"
    assert notice.child == world.own and str(world.sw_a) in notice.text


def test_an_assessment_returned_for_amendment_tells_the_worker_who_submitted_it(world):
    """Working Together 2023 ch. 2 (management oversight): the manager returns the assessment with
    comments; the worker who submitted it is told (the comments stay on the assessment's page)."""
    assessment = submit(world.sw_a, _assessment(world))
    comments = "Say more about the father's part in the child's care."
    asmt.assessment_return(by=world.tm_a, assessment_id=assessment.pk, expected_version=assessment.version,
                           comments=comments)
    [notice] = _notices(world.sw_a, Kind.RETURNED)
    assert notice.link == f"/children/{world.own.pk}/assessments/{assessment.pk}/"
    assert comments not in notice.text and str(world.tm_a) in notice.text


def test_section_47_findings_tell_the_manager_who_decides_the_outcome(world):
    """Working Together 2023 ch. 3: the outcome of a section 47 enquiry is a management decision;
    the manager is told the findings await them, with a link to the step that records it."""
    referral = front_door.referral_open(by=world.sw_a, child_id=world.own.pk, source="2A",
                                        referral_date=today() - dt.timedelta(days=5))
    enquiry = cp.section47_start(by=world.sw_a, referral_id=referral.pk,
                                 start_date=today() - dt.timedelta(days=4))
    cp.section47_submit(by=world.sw_a, section47_id=enquiry.pk, expected_version=enquiry.version,
                        findings="Synthetic findings of the enquiry.", proposed_outcome="icpc")
    [notice] = _notices(world.tm_a, Kind.DECISION_AWAITING)
    assert notice.link == f"/children/{world.own.pk}/record/section47-outcome/"
    assert not Notification.objects.filter(kind=Kind.DECISION_AWAITING).exclude(to=world.tm_a).exists()


def test_break_glass_tells_the_team_manager_with_the_reason_and_the_audit(world):
    """Issue 15 / 18: break-glass on a restricted record alerts the worker's manager at once, with
    the reason and a link to the child's audit; the notice itself does not name the child."""
    access.break_glass(by=world.sw_a, child_id=world.restricted.pk, reason=REASON)
    [notice] = _notices(world.tm_a, Kind.BREAK_GLASS)
    assert notice.link == f"/audit/?child={world.restricted.pk}" and "Police at the door" in notice.text
    assert world.restricted.last_name not in notice.text


def test_a_refused_change_tells_no_one(world):
    """A notice is written in the caller's transaction: a change rolled back leaves no notice and
    sends no email (nothing is told of what did not happen)."""
    world.sw_a.email = "sw_a@example.org"
    world.sw_a.save()
    before = Notification.objects.count()
    with override_settings(**MAIL), pytest.raises(RuntimeError):
        with transaction.atomic():
            services.notify(world.sw_a, Kind.ALLOCATED, "A case", f"/children/{world.own.pk}/", world.own)
            raise RuntimeError("the change was refused")
    assert Notification.objects.count() == before and mail.outbox == []


def test_a_link_off_this_site_is_refused():
    """A notification's link is followed after signing in: never to another site (OWASP:
    unvalidated redirects)."""
    for link in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", ""):
        assert not services.on_site(link), link
        with pytest.raises(ValueError):
            services.notify([], Kind.ALLOCATED, "x", link)
    assert services.on_site("/children/12/?tab=notes")


# --- a clock about to fall overdue: `safeguard notify_due` --------------------------------------

def test_notify_due_tells_the_worker_once_per_clock_however_often_it_runs(world):
    """Working Together 2023 ch. 2: the assessment's 45 working days (T02). Two working days before
    it falls due the worker holding the case is told once; running again, even after the clocks are
    re-derived, tells no one twice. A clock already overdue is not "about to" fall overdue."""
    _assessment(world)
    clock = Clock.objects.get(child=world.own, code="T02", met_date__isnull=True)
    working = calendar.current()
    two_before = next(d for d in (clock.due_date - dt.timedelta(days=n) for n in range(10))
                      if working.working_days_between(d, clock.due_date) == 2)
    clocks, made = services.notify_due(as_at=two_before)
    assert clocks >= 1
    [notice] = [n for n in _notices(world.sw_a, Kind.CLOCK_DUE) if n.key == services.clock_key(clock)]
    assert notice.link == f"/children/{world.own.pk}/due/T02/" and "2 working days left" in notice.text
    assert notice.child == world.own and world.own.last_name not in notice.text
    assert not Notification.objects.filter(kind=Kind.CLOCK_DUE, to=world.iro).exists()

    rederive_clocks(world.own.pk)
    assert services.notify_due(as_at=two_before)[1] == 0
    assert services.notify_due(as_at=clock.due_date)[1] == 0  # the day itself: told already
    assert Notification.objects.filter(kind=Kind.CLOCK_DUE, key=services.clock_key(clock)).count() == 1
    Notification.objects.filter(kind=Kind.CLOCK_DUE).delete()
    services.notify_due(as_at=clock.due_date + dt.timedelta(days=1))  # overdue now: not this clock
    assert not Notification.objects.filter(key=services.clock_key(clock)).exists()


def test_the_notify_due_command_reports_and_is_idempotent(world):
    """The command the council runs each morning (`safeguard notify_due --within 2`)."""
    _assessment(world)
    clock = Clock.objects.get(child=world.own, code="T02", met_date__isnull=True)
    tomorrow = calendar.current().add_working_days(today(), 1)
    Clock.objects.filter(pk=clock.pk).update(due_date=tomorrow)
    out = []
    for _ in range(2):
        buffer = io.StringIO()
        call_command("notify_due", "--within", "2", stdout=buffer)
        out.append(buffer.getvalue())
    assert "1 notification made" in out[0] and "0 notifications made" in out[1]
    assert Notification.objects.filter(kind=Kind.CLOCK_DUE, to=world.sw_a).count() == 1


# --- email -----------------------------------------------------------------------------------

def _tell(world, child):
    return services.notify(world.sw_a2, Kind.ALLOCATED, f"{world.tm_a} allocated you this child's case.",
                           f"/children/{child.pk}/", child, by=world.tm_a)[0]


def test_email_only_where_a_mail_server_is_set_and_never_about_the_child(
        world, django_capture_on_commit_callbacks):
    """UK GDPR Art. 5(1)(f), Art. 32: email is not a secure channel. With no mail server set up
    nothing is sent; with one, the email says only that there is a notification and links to it,
    sent after the commit, and `emailed_at` records it."""
    world.sw_a2.email = "sw_a2@example.org"
    world.sw_a2.save()
    with django_capture_on_commit_callbacks(execute=True):
        first = _tell(world, world.team)
    first.refresh_from_db()
    assert mail.outbox == [] and first.emailed_at is None

    with override_settings(**MAIL), django_capture_on_commit_callbacks(execute=True) as sent_after_commit:
        notice = _tell(world, world.team)
        assert mail.outbox == []  # not before the commit
    assert len(sent_after_commit) == 1
    [email] = mail.outbox
    assert email.to == ["sw_a2@example.org"] and email.subject == services.EMAIL_SUBJECT
    assert f"https://safeguard.example.org/notifications/{notice.pk}/" in email.body
    child = world.team
    for detail in (child.first_name, child.last_name, child.la_child_id, notice.text, str(world.tm_a)):
        assert detail not in email.body and detail not in email.subject, detail
    notice.refresh_from_db()
    assert notice.emailed_at is not None

    world.sw_a2.email = ""
    world.sw_a2.save()
    with override_settings(**MAIL), django_capture_on_commit_callbacks(execute=True):
        _tell(world, world.team)
    assert len(mail.outbox) == 1  # no address, no email


def test_a_mail_server_that_is_down_loses_only_the_email(world, django_capture_on_commit_callbacks):
    world.sw_a2.email = "sw_a2@example.org"
    world.sw_a2.save()
    down = mock.patch("safeguard.notifications.services.send_mail", side_effect=ConnectionRefusedError)
    with override_settings(**MAIL), down, django_capture_on_commit_callbacks(execute=True):
        notice = _tell(world, world.team)
    notice.refresh_from_db()
    assert notice.emailed_at is None and notice.read_at is None


# --- reading ---------------------------------------------------------------------------------

def test_marking_read_is_your_own_and_audited(world):
    access.break_glass(by=world.sw_a, child_id=world.restricted.pk, reason=REASON)
    notice = Notification.objects.get(kind=Kind.BREAK_GLASS)
    with pytest.raises(Notification.DoesNotExist):
        services.notification_mark_read(by=world.tm_b, notification_id=notice.pk)
    read = services.notification_mark_read(by=world.tm_a, notification_id=notice.pk)
    again = services.notification_mark_read(by=world.tm_a, notification_id=notice.pk)
    assert read.read_at is not None and again.read_at == read.read_at
    rows = AuditEvent.objects.filter(detail__event="notification_mark_read", object_id=str(notice.pk))
    assert rows.count() == 1 and rows.get().actor == world.tm_a and "read_at" in rows.get().detail["changes"]

    assert services.notify(world.tm_a, Kind.ALLOCATED, "Mine", "/", by=world.tm_a) == []  # own act
    services.notify([world.tm_a, world.tm_a], Kind.ALLOCATED, "One", f"/children/{world.own.pk}/", world.own)
    services.notify(world.tm_a, Kind.ALLOCATED, "Two", f"/children/{world.own.pk}/", world.own)
    assert services.notifications_mark_all_read(by=world.tm_a) == 2
    assert services.notifications_mark_all_read(by=world.tm_a) == 0
    row = AuditEvent.objects.get(detail__event="notifications_mark_all_read")
    assert len(row.detail["notifications"]) == 2
    assert not Notification.objects.filter(to=world.tm_a, read_at__isnull=True).exists()
