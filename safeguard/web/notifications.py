"""What the app tells a member of staff (`notifications`): the inbox at /notifications/, opening a
notification (marks it read and follows its link), marking read, and the unread count the
navigation shows (`unread`, a context processor)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from safeguard.access import policy
from safeguard.audit.services import audit_children
from safeguard.notifications import selectors
from safeguard.notifications import services as notices
from safeguard.notifications.models import Notification


def unread(request) -> dict:
    """`unread_notifications` for the navigation: counted (one query) only if a page shows it."""
    return {"unread_notifications": SimpleLazyObject(lambda: selectors.unread_count(request.user))}


def _page_number(request) -> int:
    text = request.GET.get("page", "")
    return max(1, min(int(text), 10_000)) if text.isdigit() else 1


@login_required
@require_GET
def inbox(request):
    """Your notifications, unread first, a page at a time with the totals. A child is named only if
    their record is open to you, and each child named is an audited view (a list naming children)."""
    user = request.user
    found = selectors.inbox(user, page=_page_number(request),
                            visible_children=policy.children_visible_to(user))
    named = {n.child_id for n in found.rows if n.child_named}
    if named:
        audit_children(actor=user, action="view", child_ids=named, object_type="people.Child",
                       detail={"worklist": "notifications", "count": len(named)})
    return render(request, "web/notifications/inbox.html", {
        "inbox": found, "rows": found.rows, "page": found.page,
        "page_links": found.page_links})


def _mine(request, notification_id) -> Notification:
    """One of your own notifications, marked read; someone else's, or none, is a 404 (the same)."""
    try:
        return notices.notification_mark_read(by=request.user, notification_id=int(notification_id))
    except Notification.DoesNotExist:
        raise Http404("no such notification") from None


def _on_this_site(request, target: str) -> bool:
    return url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure())


@login_required
@require_GET
def notification(request, notification_id):
    """Open a notification: like opening a letter, reading it marks it read; then on to what it is
    about (the link an email carries, so it must work from a plain GET after signing in)."""
    link = _mine(request, notification_id).link
    on_site = notices.on_site(link) and _on_this_site(request, link)
    return redirect(link if on_site else reverse("web:notifications"))


@login_required
@require_POST
def notification_read(request, notification_id):
    """Mark one of your own notifications read without opening it. Back to a page of this site
    only (an off-site `next` would make the button a springboard for phishing)."""
    _mine(request, notification_id)
    back = request.POST.get("next", "")
    return redirect(back if _on_this_site(request, back) else reverse("web:notifications"))


@login_required
@require_POST
def notifications_read(request):
    """Mark all your notifications read."""
    notices.notifications_mark_all_read(by=request.user)
    return redirect("web:notifications")


urlpatterns = [
    path("notifications/", inbox, name="notifications"),
    path("notifications/read/", notifications_read, name="notifications_read"),
    path("notifications/<int:notification_id>/", notification, name="notification"),
    path("notifications/<int:notification_id>/read/", notification_read, name="notification_read"),
]
