"""Children looked after: periods of care and their episodes, reviews, health, missing episodes,
adoption, previous permanence, deprivation of liberty and care leavers (SSDA903)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from safeguard.child_protection.models import Agency
from safeguard.core import codes
from safeguard.core.models import Recorded


class PeriodOfCare(Recorded):
    """A continuous period of being looked after: from an episode with RNE 'S' until an episode
    ceases with a reason other than X1."""

    child = models.ForeignKey(
        "people.Child", on_delete=models.PROTECT, related_name="periods_of_care"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "periods of care"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="period_of_care_dates_in_order",
            ),
            models.UniqueConstraint(
                "child", condition=Q(end_date__isnull=True), name="one_open_period_of_care"
            ),
        ]

    def __str__(self) -> str:
        return f"Period of care from {self.start_date:%d/%m/%Y}"


class Episode(Recorded):
    """One 903 episode: a legal status and a placement held over a stretch of days."""

    period_of_care = models.ForeignKey(
        PeriodOfCare, on_delete=models.PROTECT, related_name="episodes"
    )
    decom = models.DateField("date episode commenced")  # DECOM
    rne = models.CharField(max_length=1, choices=codes.ReasonForNewEpisode.choices)  # RNE
    legal_status = models.CharField(max_length=2, choices=codes.LegalStatus.choices)  # LS
    category_of_need = models.CharField(
        max_length=2, choices=codes.CategoryOfNeed.choices
    )  # CIN
    placement = models.CharField(max_length=3)  # PLACE (validated against the year's list)
    placement_provider = models.CharField(
        max_length=3, choices=codes.PlacementProvider.choices, blank=True
    )  # PLACE_PROVIDER
    dec = models.DateField("date episode ceased", null=True, blank=True)  # DEC
    rec = models.CharField(
        "reason episode ceased", max_length=3, choices=codes.ReasonEpisodeCeased.choices,
        blank=True,
    )  # REC
    reason_place_change = models.CharField(
        max_length=6, choices=codes.ReasonPlaceChange.choices, blank=True
    )  # REASON_PLACE_CHANGE
    home_postcode = models.CharField(max_length=8, blank=True)  # HOME_POST
    placement_postcode = models.CharField(max_length=8, blank=True)  # PL_POST
    urn = models.CharField("Ofsted URN", max_length=8, blank=True)  # URN
    history = HistoricalRecords()

    class Meta:
        ordering = ["decom", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(dec__isnull=True) | Q(dec__gte=F("decom")), name="episode_dates_in_order"
            ),  # 356
            models.CheckConstraint(
                condition=Q(dec__isnull=True, rec="") | (Q(dec__isnull=False) & ~Q(rec="")),
                name="episode_dec_and_rec_together",
            ),  # 148
            models.UniqueConstraint("period_of_care", "decom", name="one_episode_start_per_day"),
        ]
        indexes = [models.Index(fields=["decom"]), models.Index(fields=["dec"])]

    def __str__(self) -> str:
        return f"Episode {self.decom:%d/%m/%Y} {self.legal_status}/{self.placement}"


class LookedAfterReview(Recorded):
    """A statutory review of the child's care plan, chaired by the IRO (903 Reviews)."""

    period_of_care = models.ForeignKey(
        PeriodOfCare, on_delete=models.PROTECT, related_name="reviews"
    )
    review_date = models.DateField()  # REVIEW
    participation = models.CharField(
        max_length=3, choices=codes.ReviewParticipation.choices
    )  # REVIEW_CODE
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint("period_of_care", "review_date", name="one_review_per_day")
        ]

    def __str__(self) -> str:
        return f"Review {self.review_date:%d/%m/%Y}"


class LookedAfterReviewMinutes(Recorded):
    """What a looked-after review heard and decided, written by the IRO who chaired it (Care
    Planning, Placement and Case Review (England) Regulations 2010 reg 36 and 45; IRO Handbook
    2010 ch. 3-4): who was invited, attended and sent apologies, the agencies represented, how the
    child's views were shared and the child's and parents' own words, the decisions and
    recommendations with their reasons, and whether the care plan remains appropriate. How the
    child took part is the DfE REVIEW_CODE on the review (PN0-PN7), stated there only; these words
    add to it. One per review, attached to it and not held in the child's history (which loads
    `LookedAfterReview` on every save of the child)."""

    Agency = Agency  # the agencies' codes, shared with conference minutes

    review = models.OneToOneField(
        LookedAfterReview, on_delete=models.PROTECT, related_name="minutes"
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # the child's IRO (None for a review imported or generated without one)
    invited = models.TextField("who was invited", blank=True)
    attended = models.TextField("who attended", blank=True)
    apologies = models.TextField("apologies", blank=True)
    agencies = models.JSONField("agencies represented", default=list, blank=True)
    views_shared = models.TextField("how the child's views were shared", blank=True)
    child_views = models.TextField("the child's views, in their own words", blank=True)
    parents_views = models.TextField("the parents' views", blank=True)
    decisions = models.TextField("decisions and recommendations", blank=True)
    decision_reasons = models.TextField("reasons for the decisions", blank=True)
    care_plan_appropriate = models.BooleanField(
        "the care plan remains appropriate", null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "looked-after review minutes"
        verbose_name_plural = "looked-after review minutes"

    def __str__(self) -> str:
        return f"Minutes of looked-after review {self.review_id}"


class HealthAssessment(Recorded):
    class Kind(models.TextChoices):
        INITIAL = "IHA", "Initial health assessment"
        REVIEW = "RHA", "Review health assessment"
        DENTAL = "DENTAL", "Dental check"

    child = models.ForeignKey(
        "people.Child", on_delete=models.PROTECT, related_name="health_assessments"
    )
    kind = models.CharField(max_length=6, choices=Kind.choices)
    requested_date = models.DateField(null=True, blank=True)
    completed_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_date__isnull=False) | Q(completed_date__isnull=False),
                name="health_assessment_dated",
            ),
            models.CheckConstraint(
                condition=Q(requested_date__isnull=True)
                | Q(completed_date__isnull=True)
                | Q(completed_date__gte=F("requested_date")),
                name="health_assessment_completed_after_request",
            ),
        ]


class AnnualHealthOutcomes(Recorded):
    """Outcomes for children looked after continuously for 12 months at 31 March (903 OC2)."""

    child = models.ForeignKey(
        "people.Child", on_delete=models.PROTECT, related_name="annual_outcomes"
    )
    year_ending = models.DateField()  # always a 31 March
    sdq_score = models.PositiveSmallIntegerField(null=True, blank=True)
    sdq_reason = models.CharField(max_length=4, choices=codes.SDQReason.choices, blank=True)
    convicted = models.BooleanField(null=True, blank=True)
    health_check = models.BooleanField(null=True, blank=True)
    immunisations = models.BooleanField(null=True, blank=True)
    teeth_check = models.BooleanField(null=True, blank=True)
    health_assessment = models.BooleanField(null=True, blank=True)
    substance_misuse = models.BooleanField(null=True, blank=True)
    intervention_received = models.BooleanField(null=True, blank=True)
    intervention_offered = models.BooleanField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "annual health outcomes"
        constraints = [
            models.UniqueConstraint("child", "year_ending", name="one_oc2_per_child_year"),
            models.CheckConstraint(
                condition=Q(sdq_score__isnull=True) | Q(sdq_score__lte=40), name="sdq_score_0_40"
            ),  # 180
        ]


class MissingEpisode(Recorded):
    """A period missing (M) or away without authorisation (A), and the return home interview."""

    child = models.ForeignKey(
        "people.Child", on_delete=models.PROTECT, related_name="missing_episodes"
    )
    kind = models.CharField(max_length=1, choices=codes.MissingType.choices)  # MISSING
    start_date = models.DateField()  # MIS_START
    end_date = models.DateField(null=True, blank=True)  # MIS_END
    returned_at = models.DateTimeField(null=True, blank=True)
    return_interview_offered_at = models.DateTimeField(null=True, blank=True)
    return_interview_accepted = models.BooleanField(null=True, blank=True)
    # Statutory guidance on children who run away or go missing (2014): the interview is offered
    # within 72 hours; whether it was held, and when, is what the IRO and the council follow up.
    return_interview_held_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="missing_dates_in_order",
            ),  # 1005-type
            models.CheckConstraint(condition=Q(kind__in=["M", "A"]), name="missing_type_code"),
        ]


class AdoptionJourney(Recorded):
    """The adoption milestones for one decision that a child should be placed for adoption
    (903 PlacedAdoption and AD1)."""

    child = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="adoptions")
    decision_date = models.DateField()  # DATE_PLACED / DATE_INT
    placement_order_date = models.DateField(null=True, blank=True)
    matched_date = models.DateField(null=True, blank=True)  # DATE_MATCH
    placed_date = models.DateField(null=True, blank=True)
    adoption_order_date = models.DateField(null=True, blank=True)
    decision_reversed_date = models.DateField(null=True, blank=True)  # DATE_PLACED_CEASED
    reason_reversed = models.CharField(
        max_length=3, choices=codes.ReasonPlacedCeased.choices, blank=True
    )  # REASON_PLACED_CEASED
    foster_carer_adoption = models.BooleanField(null=True, blank=True)  # FOSTER_CARE
    number_of_adopters = models.PositiveSmallIntegerField(null=True, blank=True)  # NB_ADOPTR
    sex_of_adopters = models.CharField(
        max_length=2, choices=codes.SexOfAdopters.choices, blank=True
    )  # SEX_ADOPTR
    legal_status_of_adopters = models.CharField(
        max_length=3, choices=codes.LegalStatusOfAdopters.choices, blank=True
    )  # LS_ADOPTR
    adopter_household = models.ForeignKey(
        "AdopterHousehold", null=True, blank=True, on_delete=models.PROTECT, related_name="adoptions"
    )  # Annex A List 11: the household matched with the child
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(decision_reversed_date__isnull=True, reason_reversed="")
                | (Q(decision_reversed_date__isnull=False) & ~Q(reason_reversed="")),
                name="adoption_reversal_date_and_reason_together",
            ),  # 119
            models.CheckConstraint(
                condition=Q(number_of_adopters__isnull=True) | Q(number_of_adopters__in=[1, 2]),
                name="adoption_number_of_adopters",
            ),  # 175
        ]


class PreviousPermanenceRecord(Recorded):
    """Permanence the child had before this period of care (903 PrevPerm)."""

    child = models.OneToOneField(
        "people.Child", on_delete=models.PROTECT, related_name="previous_permanence"
    )
    option = models.CharField(max_length=2, choices=codes.PreviousPermanence.choices)  # PREV_PERM
    la_code = models.CharField(max_length=3, blank=True)  # LA_PERM
    order_date = models.DateField(null=True, blank=True)  # DATE_PERM
    history = HistoricalRecords()


class DeprivationOfLiberty(Recorded):
    """A deprivation of liberty order (903 DoLo, from 2026-27)."""

    child = models.ForeignKey(
        "people.Child", on_delete=models.PROTECT, related_name="deprivations_of_liberty"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "deprivations of liberty"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="dolo_dates_in_order",
            )  # 702
        ]


class CareLeaverContact(Recorded):
    """The council's contact with a care leaver around a birthday (903 OC3)."""

    child = models.ForeignKey(
        "people.Child", on_delete=models.PROTECT, related_name="care_leaver_contacts"
    )
    contact_date = models.DateField()
    in_touch = models.CharField(max_length=4, choices=codes.CareLeaverInTouch.choices)  # IN_TOUCH
    activity = models.CharField(max_length=2, choices=codes.CareLeaverActivity.choices)  # ACTIV
    accommodation = models.CharField(
        max_length=2, choices=codes.CareLeaverAccommodation.choices
    )  # ACCOM
    pathway_plan_review_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()


class PersonalEducationPlan(Recorded):
    child = models.ForeignKey(
        "people.Child", on_delete=models.PROTECT, related_name="education_plans"
    )
    plan_date = models.DateField()
    history = HistoricalRecords()


class PermanenceOption(models.TextChoices):
    FAMILY = "family", "Return to family"
    ADOPTION = "adoption", "Adoption"
    SGO = "sgo", "Special guardianship"
    CAO = "cao", "Child arrangements order"
    FOSTERING = "fostering", "Long-term fostering"
    SUPPORTED = "supported", "Supported living in the community"
    OTHER = "other", "Other"


class PermanencePlan(Recorded):
    """The child's plan for permanence as decided at a review (Ofsted Annex A List 8)."""

    Plan = PermanenceOption

    child = models.ForeignKey(
        "people.Child", on_delete=models.PROTECT, related_name="permanence_plans"
    )
    plan_date = models.DateField()
    plan = models.CharField(max_length=10, choices=Plan.choices)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(plan__in=PermanenceOption.values),
                                   name="permanence_plan_code"),
            models.UniqueConstraint("child", "plan_date", name="one_permanence_plan_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_plan_display()} from {self.plan_date:%d/%m/%Y}"


class CareLeaverEligibility(models.TextChoices):
    """The leaving-care categories of the Children (Leaving Care) Act 2000."""

    ELIGIBLE = "eligible", (
        "Eligible: aged 16 or 17, looked after, and looked after for at least 13 weeks since "
        "age 14 (Sch. 2 para 19B)"
    )
    RELEVANT = "relevant", (
        "Relevant: aged 16 or 17, no longer looked after, having been looked after for at least "
        "13 weeks since age 14 including after 16 (s23A)"
    )
    FORMER_RELEVANT = "former_relevant", (
        "Former relevant: aged 18 to 25, was an eligible or relevant child (s23C)"
    )
    QUALIFYING = "qualifying", (
        "Qualifying: aged 16 to 25, looked after or under special guardianship at or after 16 "
        "but not eligible or relevant (s24)"
    )


class CareLeaverStatus(Recorded):
    """Which leaving-care duties the council owes the young person (Children (Leaving Care) Act
    2000, amending the Children Act 1989)."""

    Eligibility = CareLeaverEligibility

    child = models.OneToOneField(
        "people.Child", on_delete=models.PROTECT, related_name="care_leaver_status"
    )
    eligibility = models.CharField(max_length=16, choices=Eligibility.choices)
    since_date = models.DateField()
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "care leaver statuses"
        constraints = [
            models.CheckConstraint(condition=Q(eligibility__in=CareLeaverEligibility.values),
                                   name="care_leaver_eligibility_code"),
        ]

    def __str__(self) -> str:
        return f"{self.get_eligibility_display().split(':')[0]} since {self.since_date:%d/%m/%Y}"


def care_leaver_status_versions(day):
    """The versions of care-leaver statuses dated on or before `day` (deletions left out), oldest
    first: the last one for each young person is the category in force at the end of that day, a
    later save winning a tie (a correction). The status record itself holds only the current
    category, so a past date must be read from its history."""
    return (CareLeaverStatus.history.filter(since_date__lte=day).exclude(history_type="-")
            .order_by("since_date", "history_date", "history_id"))


def _null_or_on_or_after(later: str, earlier: str) -> Q:
    return Q(**{f"{later}__isnull": True}) | Q(**{f"{earlier}__isnull": True}) | Q(
        **{f"{later}__gte": F(earlier)})


class AdopterHousehold(Recorded):
    """Prospective adopters approaching the council, one or two people (Ofsted Annex A List 11;
    the two-stage process of the Adoption Agencies Regulations 2005 as amended 2013)."""

    local_authority = models.ForeignKey(
        "workforce.LocalAuthority", on_delete=models.PROTECT, related_name="adopter_households"
    )
    reference = models.CharField(max_length=36)
    enquiry_date = models.DateField()
    stage1_start = models.DateField("stage 1 started", null=True, blank=True)
    stage1_end = models.DateField("stage 1 ended", null=True, blank=True)
    stage2_start = models.DateField("stage 2 started", null=True, blank=True)
    stage2_end = models.DateField("stage 2 ended", null=True, blank=True)
    application_date = models.DateField(null=True, blank=True)
    approval_date = models.DateField(null=True, blank=True)
    fostering_for_adoption = models.BooleanField("approved for fostering for adoption", default=False)
    left_process_date = models.DateField(null=True, blank=True)
    reason_left = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint("local_authority", "reference", name="one_adopter_household_ref"),
            models.CheckConstraint(condition=_null_or_on_or_after("stage1_start", "enquiry_date"),
                                   name="adopters_stage1_after_enquiry"),
            models.CheckConstraint(condition=_null_or_on_or_after("stage1_end", "stage1_start"),
                                   name="adopters_stage1_in_order"),
            models.CheckConstraint(condition=_null_or_on_or_after("stage2_start", "stage1_end"),
                                   name="adopters_stage2_after_stage1"),
            models.CheckConstraint(condition=_null_or_on_or_after("stage2_end", "stage2_start"),
                                   name="adopters_stage2_in_order"),
            models.CheckConstraint(condition=_null_or_on_or_after("application_date", "enquiry_date"),
                                   name="adopters_application_after_enquiry"),
            models.CheckConstraint(condition=_null_or_on_or_after("approval_date", "application_date"),
                                   name="adopters_approval_after_application"),
            models.CheckConstraint(
                condition=_null_or_on_or_after("left_process_date", "enquiry_date"),
                name="adopters_left_after_enquiry",
            ),
            models.CheckConstraint(condition=Q(stage1_end__isnull=True) | Q(stage1_start__isnull=False),
                                   name="adopters_stage1_end_needs_start"),
            models.CheckConstraint(condition=Q(stage2_end__isnull=True) | Q(stage2_start__isnull=False),
                                   name="adopters_stage2_end_needs_start"),
            models.CheckConstraint(condition=Q(left_process_date__isnull=False) | Q(reason_left=""),
                                   name="adopters_reason_left_needs_date"),
        ]

    def __str__(self) -> str:
        return f"Adopter household {self.reference}"


class Adopter(Recorded):
    """One prospective adopter in a household (Annex A List 11 characteristics)."""

    household = models.ForeignKey(AdopterHousehold, on_delete=models.PROTECT, related_name="adopters")
    reference = models.CharField(max_length=36)
    sex = models.CharField(max_length=1, choices=codes.Sex.choices)
    ethnicity = models.CharField(max_length=4, choices=codes.Ethnicity.choices)
    disability = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=codes.Sex.values), name="adopter_sex_code"),
            models.CheckConstraint(condition=Q(ethnicity__in=codes.Ethnicity.values),
                                   name="adopter_ethnicity_code"),
        ]

    def __str__(self) -> str:
        return f"Adopter {self.reference}"
