"""Child and family assessments with their factors, and child in need plans."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from safeguard.core import codes
from safeguard.core.models import Recorded


class Assessment(Recorded):
    """A child and family (single) assessment within an episode of need (CIN census Assessments)."""

    class Kind(models.TextChoices):
        SINGLE = "single", "Child and family assessment"
        INITIAL = "initial", "Initial assessment (before 2013)"
        CORE = "core", "Core assessment (before 2013)"

    referral = models.ForeignKey(
        "front_door.Referral", on_delete=models.PROTECT, related_name="assessments"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SINGLE)
    start_date = models.DateField()  # AssessmentActualStartDate
    child_seen_date = models.DateField(null=True, blank=True)
    internal_review_date = models.DateField(null=True, blank=True)  # AssessmentInternalReviewDate
    authorisation_date = models.DateField(null=True, blank=True)  # AssessmentAuthorisationDate
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requires_support = models.BooleanField(
        "assessed as requiring children's social care support", null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(authorisation_date__isnull=True)
                | Q(authorisation_date__gte=F("start_date")),
                name="assessment_authorised_after_start",
            )
        ]
        indexes = [models.Index(fields=["start_date"]), models.Index(fields=["authorisation_date"])]

    def __str__(self) -> str:
        return f"Assessment started {self.start_date:%d/%m/%Y}"


class AssessmentFactorIdentified(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="factors")
    code = models.CharField(max_length=3, choices=codes.AssessmentFactor.choices)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint("assessment", "code", name="factor_once_per_assessment"),
            models.CheckConstraint(
                condition=Q(code__in=codes.AssessmentFactor.values), name="assessment_factor_code"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class CINPlan(Recorded):
    """A child in need plan (CIN census CINPlanDates)."""

    referral = models.ForeignKey(
        "front_door.Referral", on_delete=models.PROTECT, related_name="cin_plans"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "CIN plan"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="cin_plan_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"CIN plan from {self.start_date:%d/%m/%Y}"
