"""Strategy discussions, section 47 enquiries, child protection conferences and plans."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from safeguard.core import codes
from safeguard.core.models import Recorded


class StrategyDiscussion(Recorded):
    referral = models.ForeignKey(
        "front_door.Referral", on_delete=models.PROTECT, related_name="strategy_discussions"
    )
    held_on = models.DateField()
    s47_initiated = models.BooleanField("decided to start section 47 enquiries", default=False)
    attendees = models.TextField(blank=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Strategy discussion {self.held_on:%d/%m/%Y}"


class Section47Enquiry(Recorded):
    """A section 47 enquiry (CIN census Section47). The ICPC clock (T05) runs from the strategy
    discussion that started it."""

    class Outcome(models.TextChoices):
        ICPC = "icpc", "Initial child protection conference"
        NOT_SUBSTANTIATED = "not_substantiated", "Concerns not substantiated"
        CIN = "cin", "Continue as child in need"
        NFA = "nfa", "No further action"

    referral = models.ForeignKey(
        "front_door.Referral", on_delete=models.PROTECT, related_name="section47_enquiries"
    )
    strategy_discussion = models.ForeignKey(
        StrategyDiscussion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField()  # S47ActualStartDate
    end_date = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    icpc_not_required = models.BooleanField(default=False)  # ICPCnotRequired
    history = HistoricalRecords()

    class Meta:
        verbose_name = "section 47 enquiry"
        verbose_name_plural = "section 47 enquiries"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="s47_dates_in_order",
            )
        ]
        # Enquiries with no outcome yet (awaiting the manager's decision) among every one held.
        indexes = [models.Index(fields=["referral"], condition=Q(outcome=""), name="s47_without_outcome")]

    def __str__(self) -> str:
        return f"Section 47 enquiry from {self.start_date:%d/%m/%Y}"


class Section47Decision(Recorded):
    """The worker's findings and proposed outcome of a section 47 enquiry, and the manager's
    decision on it with their rationale (Working Together 2023: the outcome is a management
    decision). Attached to the enquiry, not held in the child's history: no check or clock reads
    the words, and the history is read on every save of the child."""

    section47 = models.OneToOneField(
        Section47Enquiry, on_delete=models.PROTECT, related_name="decision"
    )
    findings = models.TextField("findings of the enquiry", blank=True)
    proposed_outcome = models.CharField(
        max_length=20, choices=Section47Enquiry.Outcome.choices, blank=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    rationale = models.TextField("the manager's rationale for the outcome", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "section 47 decision"
        constraints = [
            models.CheckConstraint(
                condition=Q(proposed_outcome="")
                | Q(proposed_outcome__in=Section47Enquiry.Outcome.values),
                name="s47_decision_proposed_outcome_code",
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True) | ~Q(findings=""),
                name="s47_decision_submitted_with_findings",
            ),
        ]
        indexes = [models.Index(fields=["submitted_at"])]

    def __str__(self) -> str:
        return f"Decision on section 47 enquiry {self.section47_id}"


class PlanEndReason(models.TextChoices):
    """Why a child protection plan ended (local list; the CIN census records only the date)."""

    NO_LONGER_AT_RISK = "no_longer_at_risk", "No longer at risk of significant harm"
    LOOKED_AFTER = "looked_after", "Became looked after"
    MOVED = "moved_la", "Moved to another local authority"
    REACHED_18 = "reached_18", "Reached 18"
    DIED = "died", "Died"
    OTHER = "other", "Other (give the detail)"


class ChildProtectionPlan(Recorded):
    """A child protection plan (CIN census ChildProtectionPlans). `end_detail` is one line (the
    reason when it is 'other'), kept out of the audit like any words a worker types."""

    EndReason = PlanEndReason
    AUDIT_AS_NARRATIVE = ("end_detail",)

    referral = models.ForeignKey(
        "front_door.Referral", on_delete=models.PROTECT, related_name="cp_plans"
    )
    start_date = models.DateField()  # CPPstartDate
    end_date = models.DateField(null=True, blank=True)  # CPPendDate
    initial_category = models.CharField(max_length=3, choices=codes.CategoryOfAbuse.choices)
    latest_category = models.CharField(max_length=3, choices=codes.CategoryOfAbuse.choices)
    number_of_previous_cpp = models.PositiveSmallIntegerField(null=True, blank=True)
    visit_interval_working_days = models.PositiveSmallIntegerField(null=True, blank=True)
    end_reason = models.CharField(
        "reason the plan ended", max_length=20, choices=EndReason.choices, blank=True
    )
    end_detail = models.CharField("detail of the reason", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "child protection plan"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="cp_plan_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(initial_category__in=codes.CategoryOfAbuse.values)
                & Q(latest_category__in=codes.CategoryOfAbuse.values),
                name="cp_plan_category_codes",
            ),
            models.CheckConstraint(
                condition=Q(end_reason="") | Q(end_reason__in=PlanEndReason.values),
                name="cp_plan_end_reason_code",
            ),
        ]
        indexes = [models.Index(fields=["start_date"]), models.Index(fields=["end_date"])]

    def __str__(self) -> str:
        return f"CP plan from {self.start_date:%d/%m/%Y} ({self.latest_category})"


class Conference(Recorded):
    """A child protection conference for one child: initial, transfer-in or review."""

    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial child protection conference"
        TRANSFER_IN = "transfer_in", "Transfer-in conference"
        REVIEW = "review", "Review child protection conference"

    referral = models.ForeignKey(
        "front_door.Referral", on_delete=models.PROTECT, related_name="conferences"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    section47 = models.ForeignKey(
        Section47Enquiry, null=True, blank=True, on_delete=models.PROTECT, related_name="conferences"
    )
    cp_plan = models.ForeignKey(
        ChildProtectionPlan, null=True, blank=True, on_delete=models.PROTECT,
        related_name="conferences",
    )
    notification_date = models.DateField(
        "written notification from the transferring LA", null=True, blank=True
    )
    held_on = models.DateField()
    plan_required = models.BooleanField("decided the child needs a CP plan", null=True, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="review") | Q(cp_plan__isnull=False),
                name="review_conference_has_plan",
            ),
            models.CheckConstraint(
                condition=~Q(kind="transfer_in") | Q(notification_date__isnull=False),
                name="transfer_in_has_notification_date",
            ),
        ]
        indexes = [models.Index(fields=["kind", "held_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on:%d/%m/%Y}"


class Agency(models.TextChoices):
    """The agencies represented at a conference (a short local list; the names are in the text)."""

    POLICE = "police", "Police"
    HEALTH_VISITOR = "health_visitor", "Health visitor"
    SCHOOL = "school", "School or education setting"
    GP = "gp", "GP"
    PROBATION = "probation", "Probation"
    CAMHS = "camhs", "CAMHS"
    HOUSING = "housing", "Housing"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    OTHER = "other", "Other"


class ChildParticipation(models.TextChoices):
    """How the child took part in their conference."""

    SPOKE = "spoke", "Attended and spoke for themselves"
    ADVOCATE = "advocate", "Attended; views given by an advocate"
    CONVEYED = "conveyed", "Did not attend; views given in writing or by another person"
    NOT_TAKING_PART = "did_not_take_part", "Did not take part"
    TOO_YOUNG = "too_young", "Too young to take part"


class ConferenceDecision(models.TextChoices):
    """What a conference decided: at an initial or transfer-in conference whether a plan is
    needed; at a review whether the plan continues or ends."""

    PLAN_NEEDED = "plan_needed", "A child protection plan is needed"
    PLAN_NOT_NEEDED = "plan_not_needed", "A child protection plan is not needed"
    CONTINUE_PLAN = "continue_plan", "Continue the child protection plan"
    END_PLAN = "end_plan", "End the child protection plan"


class ConferenceMinutes(Recorded):
    """What a conference heard and decided: who was invited, attended and sent apologies, the
    agencies represented, how the child took part and what they said, the decision and its
    reasons, and (at a review) progress against the plan. One per conference, attached to it and
    not held in the child's history (which loads `Conference` on every save of the child)."""

    Participation = ChildParticipation
    Decision = ConferenceDecision

    conference = models.OneToOneField(
        Conference, on_delete=models.PROTECT, related_name="minutes"
    )
    invited = models.TextField("who was invited", blank=True)
    attended = models.TextField("who attended", blank=True)
    apologies = models.TextField("apologies", blank=True)
    agencies = models.JSONField("agencies represented", default=list, blank=True)
    child_participation = models.CharField(
        "how the child took part", max_length=20, choices=Participation.choices, blank=True
    )
    child_views = models.TextField("the child's views", blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decision_reasons = models.TextField("reasons for the decision", blank=True)
    progress = models.TextField("progress against the plan", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "conference minutes"
        verbose_name_plural = "conference minutes"
        constraints = [
            models.CheckConstraint(
                condition=Q(child_participation="")
                | Q(child_participation__in=ChildParticipation.values),
                name="conference_minutes_participation_code",
            ),
            models.CheckConstraint(
                condition=Q(decision="") | Q(decision__in=ConferenceDecision.values),
                name="conference_minutes_decision_code",
            ),
        ]

    def __str__(self) -> str:
        return f"Minutes of conference {self.conference_id}"


class CoreGroupMeeting(Recorded):
    cp_plan = models.ForeignKey(
        ChildProtectionPlan, on_delete=models.PROTECT, related_name="core_groups"
    )
    held_on = models.DateField()
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Core group {self.held_on:%d/%m/%Y}"


class CoreGroupMinutes(Recorded):
    """Who attended a core group and the progress it found against the plan: attached to the
    meeting, not held in the child's history."""

    meeting = models.OneToOneField(
        CoreGroupMeeting, on_delete=models.PROTECT, related_name="minutes"
    )
    attended = models.TextField("who attended", blank=True)
    progress = models.TextField("progress against the plan", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "core group minutes"
        verbose_name_plural = "core group minutes"

    def __str__(self) -> str:
        return f"Minutes of core group {self.meeting_id}"


class EmergencyOrder(Recorded):
    """An emergency protection order (Children Act 1989 s44) or police protection (s46): Ofsted
    Annex A List 7 'subject to an EPO or police protection in the last six months'."""

    class Kind(models.TextChoices):
        EPO = "EPO", "Emergency protection order"
        PPO = "PPO", "Police protection"

    child = models.ForeignKey(
        "people.Child", on_delete=models.PROTECT, related_name="emergency_orders"
    )
    kind = models.CharField(max_length=3, choices=Kind.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="emergency_order_dates_in_order",
            ),
            models.CheckConstraint(condition=Q(kind__in=["EPO", "PPO"]), name="emergency_order_kind"),
        ]
        indexes = [models.Index(fields=["start_date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.start_date:%d/%m/%Y}"


_PP_DATES = (
    "letter_before_proceedings_date", "initial_meeting_date", "step_decision_date",
    "court_application_date", "initial_cp_letter_date",
)


class PreProceedings(Recorded):
    """Pre-proceedings under the Public Law Outline (CIN census 2026 PreProceedingsandFGDM)."""

    referral = models.ForeignKey(
        "front_door.Referral", on_delete=models.PROTECT, related_name="pre_proceedings"
    )
    start_date = models.DateField()  # PPStartDate
    letter_before_proceedings_date = models.DateField(null=True, blank=True)  # LBPSentDate
    fgdm_offered = models.BooleanField(
        "family group decision making offered", null=True, blank=True
    )  # FGDMMeetingOffer
    fgdm_facilitated = models.BooleanField(
        "family group decision making meeting facilitated", null=True, blank=True
    )  # FGDMMeetingFac
    initial_meeting_date = models.DateField(null=True, blank=True)  # InitialPPMeetingDate
    review_meetings_count = models.PositiveSmallIntegerField(null=True, blank=True)  # ReviewMeetingsCount
    step_decision_date = models.DateField(null=True, blank=True)  # StepDecisionDate
    outcome = models.CharField(max_length=2, blank=True)  # PPOutcome (DfE code, one letter)
    court_application_date = models.DateField(null=True, blank=True)  # CourtAppDate
    initial_cp_letter_date = models.DateField(null=True, blank=True)  # LetterInitCPDate
    history = HistoricalRecords()

    class Meta:
        verbose_name = "pre-proceedings"
        verbose_name_plural = "pre-proceedings"
        constraints = [
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": F("start_date")}),
                    name=f"pre_proceedings_{name}_after_start",
                )
                for name in _PP_DATES
            ),
            models.CheckConstraint(
                condition=~Q(fgdm_facilitated=True) | Q(fgdm_offered=True),
                name="pre_proceedings_fgdm_facilitated_was_offered",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=[chr(c) for c in range(ord("A"), ord("Z") + 1)]),
                name="pre_proceedings_outcome_code",
            ),
        ]

    def __str__(self) -> str:
        return f"Pre-proceedings from {self.start_date:%d/%m/%Y}"
