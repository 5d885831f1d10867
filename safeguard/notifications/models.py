"""What the app tells a member of staff: a message with a link, read in the app and, where the
council has a mail server, announced by an email that says nothing about the child."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Notification(models.Model):
    """One message to one member of staff. Never deleted: reading it sets `read_at`; an email
    announcing it sets `emailed_at`. `key` names what a notice sent once is about (a clock's natural
    key), so that `safeguard notify_due` run every morning never tells anyone twice."""

    class Kind(models.TextChoices):
        ALLOCATED = "allocated", "Child allocated to you"
        DECISION_AWAITING = "decision_awaiting", "Decision awaiting you"
        RETURNED = "returned", "Returned for amendment"
        BREAK_GLASS = "break_glass", "Access taken to a child's record"
        CLOCK_DUE = "clock_due", "About to fall overdue"

    #: The words are the user's to read, not the append-only audit's (`audit_detail`).
    AUDIT_AS_NARRATIVE = ("text",)

    to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    child = models.ForeignKey("people.Child", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    text = models.CharField(max_length=500)
    link = models.CharField(max_length=300)  # a path on this site, e.g. /children/12/
    key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("to", "key", condition=~Q(key=""), name="notify_once_per_key"),
            models.CheckConstraint(condition=Q(link__startswith="/") & ~Q(link__startswith="//"),
                                   name="notification_link_on_this_site"),
        ]
        indexes = [models.Index(fields=["to", "read_at", "created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.to_id}: {self.text[:60]}"
