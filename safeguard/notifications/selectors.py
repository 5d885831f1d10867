"""Reading a member of staff's own notifications: the inbox (unread first, paged, with totals),
the unread count the navigation shows, and the banners on My work and the manager's queue.

Notifications are the reader's own, so these take the user. Whether a notification may name its
child is the access policy's answer, a layer above: the page hands in `visible_children`
(`access.policy.children_visible_to(user)`) and a child closed to the reader is not named."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value

from safeguard.core.paging import Page, within

from .models import Notification

#: How many notifications a page of the inbox shows (the total is always shown beside it).
INBOX_PAGE = 25


def unread_count(user) -> int:
    """For the navigation: one query (none for someone not signed in)."""
    if not getattr(user, "pk", None):
        return 0
    return Notification.objects.filter(to=user, read_at__isnull=True).count()


@dataclass(frozen=True, kw_only=True)
class Inbox(Page):
    """The user's notifications (each row with `child_named`: whether the reader may see whose it
    is), with how many are unread."""

    unread: int


def _with_child_named(qs: QuerySet, visible_children: QuerySet | None) -> QuerySet:
    if visible_children is None:
        return qs.annotate(child_named=Value(False))
    return qs.annotate(child_named=Exists(visible_children.filter(pk=OuterRef("child_id"))))


def inbox(user, *, page: int = 1, per_page: int = INBOX_PAGE,
          visible_children: QuerySet | None = None) -> Inbox:
    """The user's notifications, unread first and newest first within each, one page of them with
    the totals: two queries whatever the number. A page past the end shows the last."""
    mine = Notification.objects.filter(to=user)
    counts = mine.aggregate(total=Count("pk"), unread=Count("pk", filter=Q(read_at__isnull=True)))
    total = counts["total"] or 0
    page = within(page, total, per_page)
    start = (page - 1) * per_page
    rows = list(_with_child_named(mine, visible_children).select_related("child")
                .order_by(F("read_at").desc(nulls_first=True), "-created_at", "-pk")[start:start + per_page])
    return Inbox(rows=rows, total=total, unread=counts["unread"] or 0, page=page, per_page=per_page)


def banners_for(user, *, visible_children: QuerySet | None = None) -> list[Notification]:
    """Unread notices that need a manager's eyes at once (someone took access to a child's record),
    shown as banners on their landing pages until marked read."""
    return list(_with_child_named(
        Notification.objects.filter(to=user, read_at__isnull=True, kind=Notification.Kind.BREAK_GLASS),
        visible_children).select_related("child").order_by("-created_at", "-pk"))


def notification_for(user, notification_id: int) -> Notification | None:
    """One of the user's own notifications (None for someone else's, or none)."""
    return Notification.objects.filter(to=user, pk=notification_id).first()
