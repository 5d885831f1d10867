"""Supervision (issue 21, item 3): sessions recorded by the supervisor, the reflective discussion
kept private to the two, case decisions written on each discussed child's record as management
oversight (a `casework.CaseNote` through the record's unit of work), and the expected frequency per
role, a table the council may change [L] (Standards for employers of social workers in England;
the ASYE framework for newly qualified social workers)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from safeguard.core.models import Recorded


class SupervisionFrequency(Recorded):
    """How often a role is supervised: one row of the council's table [L]. A row with an ASYE band
    (weeks since the newly qualified worker's Assessed and Supported Year in Employment began,
    from `asye_from_weeks` up to `asye_until_weeks`) applies to a worker in that band; otherwise
    the role's row applies. The interval is a limit as the clocks state one: (unit, amount), D
    calendar days or M calendar months, turned into a date by `timescales.rules.due_date`."""

    key = models.CharField(max_length=30, unique=True)
    description = models.CharField(max_length=200)
    role = models.CharField(max_length=20)
    asye_from_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    asye_until_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    unit = models.CharField(max_length=2, choices=[("D", "days"), ("M", "months")])
    amount = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=300)
    history = HistoricalRecords()

    class Meta:
        ordering = ["role", "asye_from_weeks", "key"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=1),
                                              name="supervision_interval_positive")]

    def __str__(self) -> str:
        return self.description

    @property
    def limit(self) -> tuple[str, int]:
        return (self.unit, self.amount)


class SupervisionArrangement(Recorded):
    """Who supervises a worker, and when a newly qualified worker's ASYE began (their first year
    is supervised more often)."""

    supervisee = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                      related_name="supervision_arrangement")
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asye_started_on = models.DateField("date the ASYE began", null=True, blank=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.supervisee} supervised by {self.supervisor}"


class SupervisionSession(Recorded):
    """One supervision, recorded by the supervisor. The reflective discussion is the supervisor's
    and the supervisee's only: `selectors` never read it for anyone else, and the audit never
    copies narrative."""

    local_authority = models.ForeignKey("workforce.LocalAuthority", on_delete=models.PROTECT)
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    supervisee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="supervisions")
    held_on = models.DateField("date of the supervision")
    others_present = models.CharField("others present", max_length=500, blank=True)
    reflective = models.TextField("reflective discussion", blank=True)
    history = HistoricalRecords()

    AUDIT_AS_NARRATIVE = ("others_present",)

    class Meta:
        indexes = [models.Index(fields=["supervisee", "held_on"])]

    def __str__(self) -> str:
        return f"Supervision of {self.supervisee} on {self.held_on}"


class SupervisionDecision(Recorded):
    """A case decision made in supervision: the words are the management-oversight note on the
    child's record; this links the note to the session it came from."""

    session = models.ForeignKey(SupervisionSession, on_delete=models.PROTECT, related_name="decisions")
    child = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="+")
    note = models.OneToOneField("casework.CaseNote", on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Decision for child {self.child_id} in {self.session}"
