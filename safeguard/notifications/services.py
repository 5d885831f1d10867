"""Telling a member of staff something: `notify` (in the caller's transaction, so a refused change
tells no one) and marking what they have read. Each writes its audit row in the same transaction,
in the record's one shape (`audit_detail`; the words themselves stay out of the audit).

Email is not a secure channel: where the council has a mail server (`EMAIL_HOST` set in the
settings), an email says only that there is a new notification and where to read it, and is sent
once the change is committed, so a rolled-back change never emails anyone."""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.apps import apps
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from safeguard.audit.services import audit_detail, audit_record
from safeguard.core.errors import today
from safeguard.timescales import calendar
from safeguard.timescales.models import Clock
from safeguard.timescales.rules import RULES

from .models import Notification

log = logging.getLogger(__name__)

Kind = Notification.Kind

EMAIL_SUBJECT = "A new notification in Safeguard"
#: The whole body of the email, but for the link: nothing about the child or the work.
EMAIL_BODY = ("You have a new notification in Safeguard.\n\nSign in to read it: {url}\n\n"
              "This email says no more because email is not a secure channel.\n")


def on_site(link: str) -> bool:
    """A path on this site (never another host, nor `//host`, nor `/\\host`): a notification's
    link is followed after signing in, so it must not become a springboard for phishing."""
    return (link or "").startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts=None)


def email_configured() -> bool:
    """The settings name a mail server. Django's own default (localhost) does not count: a
    council that has not set one up gets no email rather than errors."""
    return settings.is_overridden("EMAIL_HOST") and bool(settings.EMAIL_HOST)


def _recipients(to) -> list:
    people = [to] if hasattr(to, "pk") else list(to)
    seen, out = set(), []
    for person in people:
        if person is not None and person.pk not in seen and getattr(person, "is_active", False):
            seen.add(person.pk)
            out.append(person)
    return out


@transaction.atomic
def notify(to, kind: str, text: str, link: str, child=None, *, by=None, key: str = "") -> list[Notification]:
    """Tell `to` (a member of staff, or several) something, with a link to act on it. `by` is who
    caused it (never told of their own act; the audit's actor). `key` makes a notice once-only: no
    one is told twice about the same key (a clock's, from `safeguard notify_due`). Inactive staff
    are not told. Returns the notifications made."""
    if not on_site(link):
        raise ValueError(f"a notification links to a path on this site, not {link!r}")
    if kind not in Kind.values:
        raise ValueError(f"no kind of notification {kind!r}")
    people = [p for p in _recipients(to) if by is None or p.pk != getattr(by, "pk", None)]
    if key:
        told = set(Notification.objects.filter(key=key, to__in=people).values_list("to_id", flat=True))
        people = [p for p in people if p.pk not in told]
    made = []
    for person in people:
        notification = Notification.objects.create(
            to=person, kind=kind, child=child, text=" ".join(text.split())[:500], link=link, key=key)
        audit_record(actor=by, action="create", obj=notification, child_id=getattr(child, "pk", None),
                     detail=audit_detail("notify", None, notification))
        if email_configured() and person.email:
            transaction.on_commit(partial(_email, notification.pk))
        made.append(notification)
    return made


def _email(notification_id: int) -> None:
    """After the commit: announce one notification by email and note when. A mail server that is
    down loses only the email (the notification is in the app); `emailed_at` stays empty."""
    notification = Notification.objects.select_related("to").get(pk=notification_id)
    path = reverse("web:notification", args=[notification.pk])
    url = getattr(settings, "SAFEGUARD_SITE_URL", "").rstrip("/") + path
    try:
        send_mail(EMAIL_SUBJECT, EMAIL_BODY.format(url=url), None, [notification.to.email])
    except OSError:  # smtplib.SMTPException and connection errors alike
        log.warning("could not email notification %s", notification.pk, exc_info=True)
        return
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())


@transaction.atomic
def notification_mark_read(*, by, notification_id: int) -> Notification:
    """Mark one of your own notifications read (someone else's is `Notification.DoesNotExist`,
    so a page can say "not found" without saying whose it is)."""
    notification = Notification.objects.select_for_update().get(pk=notification_id, to=by)
    if notification.read_at is None:
        before = Notification.objects.get(pk=notification.pk)
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        audit_record(actor=by, action="update", obj=notification, child_id=notification.child_id,
                     detail=audit_detail("notification_mark_read", before, notification))
    return notification


@transaction.atomic
def notifications_mark_all_read(*, by) -> int:
    """Mark every unread notification of yours read: one audit row naming them all."""
    ids = list(Notification.objects.select_for_update().filter(to=by, read_at__isnull=True)
               .order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    at = timezone.now()
    Notification.objects.filter(pk__in=ids).update(read_at=at)
    audit_record(actor=by, action="update", object_type=Notification._meta.label, detail={
        "event": "notifications_mark_all_read", "changes": {"read_at": [None, at.isoformat()]},
        "notifications": ids})
    return len(ids)



#: Who holds a clock's work, by allocation kind (`workforce.Allocation.Kind`); an IRO also holds
#: the clocks the IRO's worklist shows (`timescales.rules.ClockRule.iro`).
_HOLDERS = ("social_worker", "personal_adviser")


def clock_key(clock: Clock) -> str:
    """A clock's natural key (`one_clock_per_link`): the same however often clocks are re-derived."""
    return f"clock:{clock.code}:{clock.subject_type}:{clock.subject_id}:{clock.sequence}"


def notify_due(*, within: int = 2, as_at: dt.date | None = None) -> tuple[int, int]:
    """Tell each worker holding a child's case of every open clock that falls due within `within`
    working days (not yet overdue), once per clock whatever how often this runs: the notice's key is
    the clock's. Returns (clocks due, notifications made). A system job: no one is the actor."""
    day = as_at or today()
    working = calendar.current()
    last = working.add_working_days(day, within)
    clocks = list(Clock.objects.filter(met_date__isnull=True, stopped_date__isnull=True, child__isnull=False,
                                       due_date__gte=day, due_date__lte=last)
                  .select_related("child").order_by("due_date", "pk"))
    # Allocations sit a layer above (workforce): reached through Django's app registry, not imported.
    allocation = apps.get_model("workforce", "Allocation")
    holders: dict[int, list] = {}
    for a in (allocation.objects.filter(end_date__isnull=True, child_id__in={c.child_id for c in clocks})
              .select_related("worker").order_by("pk")):
        holders.setdefault(a.child_id, []).append(a)
    made = 0
    for clock in clocks:
        rule = RULES.get(clock.code)
        kinds = (*_HOLDERS, "iro") if rule is not None and rule.iro else _HOLDERS
        to = [a.worker for a in holders.get(clock.child_id, ()) if a.kind in kinds]
        left = working.working_days_between(day, clock.due_date)
        name = rule.name if rule is not None else clock.code
        when = "today" if left <= 0 else f"{left} working day{'s' if left != 1 else ''} left"
        link = reverse("web:clock_step", args=[clock.child_id, clock.code])
        made += len(notify(to, Kind.CLOCK_DUE, f"{name} is due on {clock.due_date:%-d %B %Y}: {when}.", link,
                           clock.child, key=clock_key(clock)))
    return len(clocks), made
