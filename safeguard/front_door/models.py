"""The front door: contacts, referrals (each opens an episode of need), early help, private fostering."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from safeguard.core import codes
from safeguard.core.models import Recorded


class Contact(Recorded):
    """Information about a child from anyone, and the front door's decision on it (Annex A List 1)."""

    class Decision(models.TextChoices):
        NFA = "nfa", "No further action"
        ADVICE = "advice", "Information and advice"
        EARLY_HELP = "early_help", "Early help"
        REFERRAL = "referral", "Referral to children's social care"

    child = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="contacts")
    received_at = models.DateTimeField()
    source = models.CharField(max_length=2, choices=codes.ReferralSource.choices)
    summary = models.TextField(blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_at__isnull=True) | Q(decided_at__gte=F("received_at")),
                name="contact_decided_after_received",
            ),
            models.CheckConstraint(
                condition=Q(decision="") | Q(decided_at__isnull=False),
                name="contact_decision_dated",
            ),
        ]
        # The front door's queue (contacts awaiting a decision) is a few rows among every contact ever
        # received: the manager's trays count it on every page.
        indexes = [models.Index(fields=["received_at"], condition=Q(decision=""),
                                name="contact_awaiting_decision")]

    def __str__(self) -> str:
        return f"Contact about {self.child} on {self.received_at:%d/%m/%Y}"


class Referral(Recorded):
    """A referral to children's social care. It opens an episode of need (CIN census CINdetails),
    which runs until its closure date and reason."""

    class Response(models.TextChoices):
        NFA = "nfa", "No further action"
        ADVICE = "advice", "Information and advice"
        EARLY_HELP = "early_help", "Step down to early help"
        ASSESSMENT = "assessment", "Child and family assessment"
        STRATEGY = "strategy", "Strategy discussion"

    child = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="referrals")
    contact = models.OneToOneField(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="referral"
    )
    referral_date = models.DateField()  # CINreferralDate
    source = models.CharField(max_length=2, choices=codes.ReferralSource.choices)  # ReferralSource
    primary_need = models.CharField(
        max_length=2, choices=codes.PrimaryNeed.choices, blank=True
    )  # PrimaryNeedCode
    referral_nfa = models.BooleanField(default=False)  # ReferralNFA
    is_transfer_in_request = models.BooleanField(default=False)
    response = models.CharField(max_length=10, choices=Response.choices, blank=True)
    response_date = models.DateField(null=True, blank=True)
    response_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closure_date = models.DateField(null=True, blank=True)  # CINclosureDate
    reason_for_closure = models.CharField(
        max_length=3, choices=codes.ReasonForClosure.choices, blank=True
    )  # ReasonForClosure
    closure_rationale = models.TextField(blank=True)
    closure_authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(closure_date__isnull=True) | Q(closure_date__gte=F("referral_date")),
                name="referral_closed_after_opened",
            ),
            models.CheckConstraint(
                condition=Q(closure_date__isnull=True, reason_for_closure="")
                | (Q(closure_date__isnull=False) & ~Q(reason_for_closure="")),
                name="referral_closure_date_and_reason_together",
            ),
            models.CheckConstraint(
                condition=Q(response_date__isnull=True) | Q(response_date__gte=F("referral_date")),
                name="referral_response_after_referral",
            ),
            # CIN 8525-type rule: one episode of need per child per referral date.
            models.UniqueConstraint("child", "referral_date", name="one_referral_per_child_per_day"),
        ]
        indexes = [models.Index(fields=["referral_date"]), models.Index(fields=["closure_date"]),
                   # The open episodes (a tenth of every referral held) in date order: the manager's
                   # responses and closures awaiting a decision and the unallocated cases start
                   # here, and read only what the index carries (on PostgreSQL, no table read).
                   models.Index(fields=["referral_date"], include=["id", "child", "response"],
                                condition=Q(closure_date__isnull=True), name="referral_open_by_date")]

    def __str__(self) -> str:
        return f"Referral of {self.child} on {self.referral_date:%d/%m/%Y}"

    @property
    def is_open(self) -> bool:
        return self.closure_date is None


class EarlyHelpEpisode(Recorded):
    """Early help assessment and support (Annex A List 2)."""

    child = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="early_help")
    start_date = models.DateField()
    assessment_completed_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    organisation = models.CharField(max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="early_help_dates_in_order",
            )
        ]


class PrivateFosteringArrangement(Recorded):
    """A private fostering arrangement notified to the council (Children Act 1989 Part IX; T15)."""

    child = models.ForeignKey(
        "people.Child", on_delete=models.PROTECT, related_name="private_fostering"
    )
    notified_date = models.DateField()
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    carer_name = models.CharField(max_length=200)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="private_fostering_dates_in_order",
            )
        ]
