"""Explicit access to a child's record beyond what role, team and allocation give (a manager is
told of break-glass by a `notifications.Notification`), an administrator's second factor, and the
table of who decides."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords


class AccessGrant(models.Model):
    """A time-limited, reasoned right for one user to open one child's record.

    A *grant* is given by a team manager (e.g. for a restricted record: a staff member's own family,
    an adoption); *break-glass* is taken by the user themself in an emergency and alerts a manager;
    a *legitimate relationship* is stated by the user to open a case no social worker holds.
    Neither is ever deleted: revoking sets `revoked_at`.
    """

    class Kind(models.TextChoices):
        GRANT = "grant", "Granted by a manager"
        BREAK_GLASS = "break_glass", "Break-glass (emergency)"
        RELATIONSHIP = "relationship", "Legitimate relationship (stated by the user)"

    child = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reason = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("starts_at")), name="grant_expires_after_start"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="grant_has_reason"),
        ]
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        until = f"{self.expires_at:%d/%m/%Y %H:%M}"
        return f"{self.get_kind_display()}: {self.user} to child {self.child_id} until {until}"


class SecondFactor(models.Model):
    """An administrator's authenticator app: a shared secret for time-based one-time passwords
    (RFC 6238). It counts only once `confirmed_at` is set, after the first correct code; turning
    it off blanks the secret and sets `revoked_at` (the row stays, for the audit's sake).

    `last_used_step` is the 30-second step of the last code accepted: a code for that step or an
    earlier one is refused, so a code seen over someone's shoulder cannot be used again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    secret = models.CharField(max_length=64, blank=True)  # base32; never shown once confirmed
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "user", condition=Q(revoked_at__isnull=True), name="one_live_second_factor_per_user"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=False) | ~Q(secret=""), name="live_second_factor_has_secret"
            ),
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "enrolled" if self.confirmed_at else "being set up"
        return f"Second factor for user {self.user_id} ({state})"


class DecisionRule(models.Model):
    """Who takes one kind of decision about a child (issue 17): the council's one table of the
    decisions that need a manager (or a chair), read by `policy.may_decide` and shown to everyone.

    `roles` are `access.policy` role names (team_manager, iro, ...). A row the law fixes (the
    conference chair, the looked-after review's IRO) is not `changeable`; a local rule ([L]) is,
    by an administrator, with a reason (`services.decision_rule_change`; history kept)."""

    code = models.CharField(max_length=40, unique=True)
    label = models.CharField(max_length=200)
    roles = models.JSONField(default=list)
    changeable = models.BooleanField(default=True)
    local = models.BooleanField("local rule [L]", default=True)
    source = models.CharField(max_length=400)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.label}: {', '.join(self.roles)}"


class DecisionDelegation(models.Model):
    """A team manager's decisions delegated to a named colleague for a period ("their manager, or
    delegate"): from `starts_on` to `ends_on` inclusive, the delegate may take every decision the
    table gives team managers. Never deleted: ending it early sets `revoked_at`."""

    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="delegation_ends_after_start"
            ),
            models.CheckConstraint(condition=~Q(manager=F("delegate")), name="delegation_to_someone_else"),
        ]
        indexes = [models.Index(fields=["delegate", "ends_on"])]

    def __str__(self) -> str:
        return f"Decisions of {self.manager} delegated to {self.delegate}, {self.starts_on} to {self.ends_on}"
