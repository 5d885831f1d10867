"""The council's organisation: local authorities, teams, staff and who is allocated to which child."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from safeguard.core.codes import SocialWorkerChangeReason
from safeguard.core.models import Recorded


class LocalAuthority(models.Model):
    """One council. A database may hold several (national-scale tests)."""

    code = models.CharField("ONS code", max_length=9, unique=True)  # e.g. E06000049 (UTLA)
    la_number = models.PositiveSmallIntegerField("DfE LA number", unique=True)  # e.g. 895
    name = models.CharField(max_length=100)
    # The council's own zone (an IANA name checked against zoneinfo), set by its administrator.
    time_zone = models.CharField(max_length=60, default="Europe/London")

    class Meta:
        verbose_name_plural = "local authorities"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Team(models.Model):
    local_authority = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT)
    name = models.CharField(max_length=100)
    service = models.CharField(max_length=60, blank=True)  # e.g. "Front door", "Children in care"
    manager = models.ForeignKey(
        "User", null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_teams"
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint("local_authority", "name", name="team_name_unique")]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff who signs in; the role decides the shape of what they can see."""

    class Role(models.TextChoices):
        SOCIAL_WORKER = "social_worker", "Social worker"
        TEAM_MANAGER = "team_manager", "Team manager"
        IRO = "iro", "Independent reviewing officer / CP chair"
        LADO = "lado", "LADO"
        ANALYST = "analyst", "Performance analyst"
        ADMINISTRATOR = "administrator", "Administrator"
        COUNCILLOR = "councillor", "Senior leader / councillor (read-only)"
        PERSONAL_ADVISER = "personal_adviser", "Personal adviser (care leavers)"
        HEAD_OF_SERVICE = "head_of_service", "Head of service"
        COMPLAINTS_MANAGER = "complaints_manager", "Complaints manager"

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.SOCIAL_WORKER)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    local_authority = models.ForeignKey(
        LocalAuthority, null=True, blank=True, on_delete=models.PROTECT
    )
    sw_id = models.CharField(
        "Social Work England registration number", max_length=20, blank=True
    )  # SSDA903 SW_ID
    fte = models.DecimalField(max_digits=3, decimal_places=2, default=1)
    is_agency = models.BooleanField(default=False)

    # The password hash never goes into the append-only audit: a change shows only as changed.
    AUDIT_AS_NARRATIVE = ("password",)

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def can_authorise(self) -> bool:
        """Team managers authorise decisions (Working Together 2023: management oversight)."""
        return self.role == self.Role.TEAM_MANAGER


class Allocation(Recorded):
    """Who holds a child's case, in which role, from when to when (903 SW episodes come from here)."""

    class Kind(models.TextChoices):
        SOCIAL_WORKER = "social_worker", "Allocated social worker"
        IRO = "iro", "Independent reviewing officer"
        PERSONAL_ADVISER = "personal_adviser", "Personal adviser"

    child = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="allocations")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SOCIAL_WORKER)
    worker = models.ForeignKey(User, on_delete=models.PROTECT, related_name="allocations")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    end_reason = models.CharField(
        max_length=6, choices=SocialWorkerChangeReason.choices, blank=True
    )  # SSDA903 SW_REASON
    # Why this allocation began when the one before it is not on record (a return imported from
    # another system says so in SW_REASON); otherwise the previous allocation's end_reason says it.
    start_reason = models.CharField(
        max_length=6, choices=SocialWorkerChangeReason.choices, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="allocation_dates_in_order",
            ),
            models.UniqueConstraint(
                "child", "kind", condition=Q(end_date__isnull=True), name="one_open_allocation_per_kind"
            ),
        ]
        indexes = [
            models.Index(fields=["worker", "end_date"]),
            # "Allocations of a kind open at a date": caseloads and allocated children in the
            # scorecard (WF-01, WF-02, CIN-02, WF-05), without scanning every allocation ever made.
            models.Index(fields=["kind", "end_date"], name="allocation_kind_end_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.worker} for {self.child}"
