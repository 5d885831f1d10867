"""The IRO's desk: practice alerts and the dispute resolution they may escalate to, and the IRO's
monitoring of the child's case between reviews (Children Act 1989 s25B; IRO Handbook 2010).

These are the child's records but no statutory check or clock reads them, so they are attached to
the child and not held in `record.history.ChildHistory`; they are written through the record's unit
of work all the same (`iro.services`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from safeguard.core.models import Recorded


class AlertCategory(models.TextChoices):
    """What the IRO is concerned about (the headings a Safeguarding Unit's annual report counts)."""

    CARE_PLANNING = "care_planning", "Care planning"
    DRIFT = "drift_delay", "Drift and delay"
    PLACEMENT = "placement", "Placement"
    PARTICIPATION = "participation", "Child's participation and voice"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    CONTACT = "contact", "Contact and family time"
    VISITS = "statutory_visits", "Statutory visits"
    OTHER = "other", "Other"


class AlertStage(models.TextChoices):
    """The stages of the dispute resolution process, in order (`iro.rules.DISPUTE_STAGES`)."""

    INFORMAL = "informal", "Informal resolution"
    STAGE_1 = "stage_1", "Stage 1: team manager"
    STAGE_2 = "stage_2", "Stage 2: service manager"
    STAGE_3 = "stage_3", "Stage 3: head of service"
    STAGE_4 = "stage_4", "Stage 4: director"
    CAFCASS = "cafcass", "Referral to Cafcass"


class Resolution(models.TextChoices):
    """How the concern was resolved."""

    PUT_RIGHT = "put_right", "The concern was put right"
    PLAN_CHANGED = "plan_changed", "The care plan was changed"
    EXPLAINED = "explained", "The IRO accepted the explanation given"
    CAFCASS = "cafcass", "Resolved after referral to Cafcass"
    CASE_ENDED = "case_ended", "The child's case ended"


class MonitoringKind(models.TextChoices):
    """The IRO's oversight between reviews (IRO Handbook 2010 ch. 3-4)."""

    MIDWAY = "midway_review", "Midway review / file check"
    CHILD = "child", "Conversation with the child"
    SOCIAL_WORKER = "social_worker", "Conversation with the social worker"
    CARER = "carer", "Conversation with the carer"
    OTHER = "other", "Other"


class IROMonitoring(Recorded):
    """One act of the IRO's monitoring of the child's case between reviews (Children Act 1989
    s25B(1)(a): the IRO monitors the council's performance of its functions in the case)."""

    Kind = MonitoringKind

    child = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="iro_monitoring")
    iro = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField("date")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = models.TextField("what the IRO found")
    concern_found = models.BooleanField("a concern was found", default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "IRO monitoring"
        verbose_name_plural = "IRO monitoring"
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MonitoringKind.values), name="iro_monitoring_kind"),
        ]
        indexes = [models.Index(fields=["child", "held_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on:%d/%m/%Y}"


class PracticeAlert(Recorded):
    """A concern the IRO raises about the child's case: resolved informally, or escalated stage by
    stage through the council's dispute resolution process (IRO Handbook 2010 ch. 6). `stage` and
    `due_on` are the current stage's; every stage is kept as a `PracticeAlertStep`."""

    Category = AlertCategory
    Stage = AlertStage
    AUDIT_AS_NARRATIVE = ("raised_with_name",)

    child = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="practice_alerts")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_on = models.DateField()
    category = models.CharField(max_length=20, choices=Category.choices)
    concern = models.TextField("the concern")
    monitoring = models.ForeignKey(IROMonitoring, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="alerts", verbose_name="found in monitoring")
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.INFORMAL)
    stage_started_on = models.DateField()
    due_on = models.DateField("response due", null=True, blank=True)
    raised_with = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    raised_with_name = models.CharField("raised with (not a user)", max_length=200, blank=True)
    resolved_on = models.DateField(null=True, blank=True)
    resolution = models.CharField("how it was resolved", max_length=20, choices=Resolution.choices,
                                  blank=True)
    resolution_note = models.TextField("about the resolution", blank=True)
    resolved_within_timescale = models.BooleanField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(category__in=AlertCategory.values),
                                   name="practice_alert_category"),
            models.CheckConstraint(condition=Q(stage__in=AlertStage.values), name="practice_alert_stage"),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True, resolution="")
                | Q(resolved_on__isnull=False, resolution__in=Resolution.values),
                name="practice_alert_resolved_with_how"),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=models.F("raised_on")),
                name="practice_alert_resolved_after_raised"),
        ]
        indexes = [models.Index(fields=["child", "resolved_on"]), models.Index(fields=["raised_on"])]

    def __str__(self) -> str:
        return f"Practice alert {self.raised_on:%d/%m/%Y} ({self.get_stage_display()})"

    @property
    def is_open(self) -> bool:
        return self.resolved_on is None


class PracticeAlertStep(Recorded):
    """One stage of an alert: when it began, when a response is due, who it was taken to, and the
    response they gave."""

    Stage = AlertStage
    AUDIT_AS_NARRATIVE = ("raised_with_name",)

    alert = models.ForeignKey(PracticeAlert, on_delete=models.PROTECT, related_name="steps")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    started_on = models.DateField()
    due_on = models.DateField("response due", null=True, blank=True)
    raised_with = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    raised_with_name = models.CharField("raised with (not a user)", max_length=200, blank=True)
    response = models.TextField(blank=True)
    responded_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint("alert", "stage", name="one_step_per_stage"),
            models.CheckConstraint(condition=Q(stage__in=AlertStage.values),
                                   name="practice_alert_step_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} from {self.started_on:%d/%m/%Y}"
