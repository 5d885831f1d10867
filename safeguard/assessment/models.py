"""Child and family assessments with their factors, and child in need plans.

An assessment's dates, status and factors are held in the child's history (`record.history`) and
read by the checks, the clocks and the CIN census; its words (`AssessmentContent`), the manager's
decisions on each submission (`AssessmentDecision`) and the amendments after authorisation
(`AssessmentAmendment`) are attached to the child's record but not held, so the narrative is never
read on every save of the child."""

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

    class Status(models.TextChoices):
        """Drafted by the worker, submitted, then returned with comments or authorised by the
        manager (Working Together 2023: management oversight of every assessment)."""

        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for authorisation"
        RETURNED = "returned", "Returned to the worker"
        AUTHORISED = "authorised", "Authorised"

    referral = models.ForeignKey(
        "front_door.Referral", on_delete=models.PROTECT, related_name="assessments"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SINGLE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
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
            ),
            models.CheckConstraint(condition=Q(status__in=["draft", "submitted", "returned",
                                                           "authorised"]),
                                   name="assessment_status"),
            # Authorised has a date; a date without the status is an imported or generated
            # assessment, which is authorised all the same (checks.assessment_stage).
            models.CheckConstraint(condition=~Q(status="authorised")
                                   | Q(authorisation_date__isnull=False),
                                   name="assessment_authorised_has_date"),
        ]
        indexes = [models.Index(fields=["start_date"]), models.Index(fields=["authorisation_date"]),
                   # An authorised assessment that found no need proposes the episode's closure
                   # (`selectors.decisions_awaiting`).
                   models.Index(fields=["referral"], name="assessment_found_no_need",
                                condition=Q(authorisation_date__isnull=False, requires_support=False))]

    def __str__(self) -> str:
        return f"Assessment started {self.start_date:%d/%m/%Y}"


class AssessmentOutcome(models.TextChoices):
    """What the worker proposes should happen next (the recommendation's outcome)."""

    NO_FURTHER_ACTION = "nfa", "No further action"
    EARLY_HELP = "early_help", "Step down to early help"
    CIN_PLAN = "cin_plan", "Child in need plan"
    STRATEGY = "strategy", "Strategy discussion (child protection)"
    LOOKED_AFTER = "looked_after", "Becomes looked after"
    OTHER = "other", "Other"


class AssessmentContent(Recorded):
    """The words of an assessment, following the Assessment Framework (Working Together 2023): the
    child's developmental needs, parenting capacity, family and environmental factors, the child's
    wishes and feelings in their own words, the analysis and the recommendation, with the outcome,
    factors and need of support the worker proposes. One per assessment; drafted over days, frozen
    once authorised (changed after that only by an `AssessmentAmendment`)."""

    Outcome = AssessmentOutcome
    NARRATIVE_LIMIT = 30_000  # each section may run to several pages (core.errors.Checks.free_text)
    AUDIT_AS_NARRATIVE = ("new_assessment_reason",)
    assessment = models.OneToOneField(Assessment, on_delete=models.PROTECT, related_name="content")
    developmental_needs = models.TextField("the child's developmental needs", blank=True)
    parenting_capacity = models.TextField("parenting capacity", blank=True)
    family_and_environment = models.TextField("family and environmental factors", blank=True)
    wishes_and_feelings = models.TextField("the child's wishes and feelings, in their own words",
                                           blank=True)
    analysis = models.TextField("analysis", blank=True)
    recommendation = models.TextField("recommendation", blank=True)
    proposed_outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    proposed_factors = models.JSONField(default=list, blank=True)  # DfE AssessmentFactors codes
    proposed_requires_support = models.BooleanField(null=True, blank=True)
    new_assessment_reason = models.CharField("why a new assessment is needed", max_length=500,
                                             blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(proposed_outcome="")
                                   | Q(proposed_outcome__in=AssessmentOutcome.values),
                                   name="assessment_proposed_outcome"),
        ]

    def __str__(self) -> str:
        return f"Words of assessment {self.assessment_id}"


class AssessmentDecision(Recorded):
    """One submission of an assessment and the manager's decision on it: returned with comments,
    or authorised. Made when the worker submits (no outcome yet), completed when the manager
    decides; every round is kept, so the back-and-forth can be shown."""

    class Outcome(models.TextChoices):
        RETURNED = "returned", "Returned to the worker"
        AUTHORISED = "authorised", "Authorised"

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="decisions")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)  # "" = awaiting
    comments = models.TextField("the manager's comments", blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=["", "returned", "authorised"]),
                                   name="assessment_decision_outcome"),
            models.CheckConstraint(condition=Q(outcome="", decided_at__isnull=True)
                                   | (~Q(outcome="") & Q(decided_at__isnull=False)),
                                   name="assessment_decision_dated"),
            models.CheckConstraint(condition=~Q(outcome="returned") | ~Q(comments=""),
                                   name="assessment_return_has_comments"),
        ]
        indexes = [models.Index(fields=["assessment", "outcome"])]

    def __str__(self) -> str:
        return f"Assessment {self.assessment_id} submitted {self.submitted_at:%d/%m/%Y}"


class AssessmentAmendment(models.Model):
    """A change to an authorised assessment's words: who, when, why, and each section's words
    before and after (the content's own history, version `version`, keeps them too)."""

    AUDIT_AS_NARRATIVE = ("reason", "changes")

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="amendments")
    version = models.PositiveIntegerField()  # the content's version the amendment made
    reason = models.CharField(max_length=500)
    sections = models.JSONField(default=list)  # the sections changed, by name
    changes = models.JSONField(default=dict)  # {section: [before, after]}
    amended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    amended_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(reason=""),
                                              name="assessment_amendment_has_reason")]

    def __str__(self) -> str:
        return f"Assessment {self.assessment_id} amended (version {self.version})"


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
        # The open plans, asked of every open episode whose closure is proposed.
        indexes = [models.Index(fields=["referral"], condition=Q(end_date__isnull=True),
                                name="cin_plan_open")]

    def __str__(self) -> str:
        return f"CIN plan from {self.start_date:%d/%m/%Y}"
