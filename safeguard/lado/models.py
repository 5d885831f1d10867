"""Allegations against adults who work with children, as the Local Authority Designated Officer
(LADO) records them (KCSIE Part 4; Working Together 2023 ch. 2; INDICATORS.md B11).

Allegations are about adults, not children: nothing here links to a child's record, and only the
LADO, their manager and administrators may see them (see selectors.py).
The category labels are exactly the row labels of the LADO annual report tables.
"""

from django.db import models
from django.db.models import F, Q

from safeguard.core.models import Recorded


class ReferringAgency(models.TextChoices):
    EARLY_YEARS = "early_years", "Early Years"
    EDUCATION = "education", "Education"
    FOSTERING = "fostering", "Fostering"
    HEALTH = "health", "Health"
    LEISURE_LA = "leisure_la", "Leisure LA"
    OFSTED = "ofsted", "Ofsted"
    POLICE = "police", "Police"
    RESIDENTIAL = "residential", "Residential"
    SOCIAL_CARE = "social_care", "Social Care"
    TRANSPORT = "transport", "Transport"
    VOLUNTARY = "voluntary", "Vol Organisations"
    OTHER = "other", "Other"


class EmployingAgency(models.TextChoices):
    EARLY_YEARS = "early_years", "Early Years"
    FOSTERING_LA = "fostering_la", "Fostering LA"
    FOSTERING_NON_LA = "fostering_non_la", "Fostering Non LA"
    SOCIAL_CARE = "social_care", "Social Care"
    LEISURE_LA = "leisure_la", "Leisure LA"
    HEALTH = "health", "Health"
    RESIDENTIAL = "residential", "Residential"
    EDUCATION = "education", "Education"
    SELF_EMPLOYED = "self_employed", "Self Employed"
    TRANSPORT = "transport", "Transport"
    OTHER = "other", "Other"
    VOLUNTARY = "voluntary", "Vol Organisation"


class Setting(models.TextChoices):
    EARLY_YEARS = "early_years", "Early Years"
    EDUCATION = "education", "Education"
    FOSTER_CARER = "foster_carer", "Foster Carer"
    RESIDENTIAL = "residential", "Residential"
    SOCIAL_CARE = "social_care", "Social Care"
    SPORTS = "sports", "Sports"
    SELF_EMPLOYED = "self_employed", "Self Employed"
    TRANSPORT = "transport", "Transport"
    VOLUNTARY = "voluntary", "Voluntary"


class CategoryOfHarm(models.TextChoices):
    EMOTIONAL = "emotional", "Emotional"
    RISK_OF_HARM = "risk_of_harm", "Risk of Harm"
    PHYSICAL = "physical", "Physical"
    SEXUAL = "sexual", "Sexual"
    NEGLECT = "neglect", "Neglect"


class Response(models.TextChoices):
    """The LADO's decision on a referral (council LADO procedures)."""

    CONSULTATION = "consultation", "Consultation"
    NFA = "nfa", "NFA after initial consideration"
    THRESHOLD_MET = "threshold_met", "Threshold met"


class Outcome(models.TextChoices):
    """KCSIE Part 4 outcome definitions (unfounded: Welsh procedures wording)."""

    SUBSTANTIATED = "substantiated", "Substantiated"
    UNSUBSTANTIATED = "unsubstantiated", "Unsubstantiated"
    UNFOUNDED = "unfounded", "Unfounded"
    FALSE = "false", "False"
    MALICIOUS = "malicious", "Malicious"


class EmployerAction(models.TextChoices):
    CESSATION = "cessation", "Cessation of Use"
    DISMISSAL = "dismissal", "Dismissal"
    NO_ACTION = "no_action", "No action/NFA"
    RISK_ASSESSMENT = "risk_assessment", "Employer Risk Assessment"
    RESIGNATION = "resignation", "Resignation"
    TRAINING = "training", "Further concerns/Training Needs Identified"
    DEREGISTERED = "deregistered", "Deregistered"


class Allegation(Recorded):
    """One referral to the LADO about an adult who works with children."""

    local_authority = models.ForeignKey(
        "workforce.LocalAuthority", on_delete=models.PROTECT, related_name="lado_allegations"
    )
    reference = models.CharField("LADO reference", max_length=40)
    referral_date = models.DateField("date the referral was received by the LADO")
    employer_aware_date = models.DateField(
        "date the employer became aware", null=True, blank=True
    )
    referring_agency = models.CharField(max_length=20, choices=ReferringAgency.choices)
    employing_agency = models.CharField(max_length=20, choices=EmployingAgency.choices, blank=True)
    setting = models.CharField(max_length=20, choices=Setting.choices, blank=True)
    adult_name = models.CharField("the adult's name", max_length=200, blank=True)
    employer_name = models.CharField("employer (organisation)", max_length=200, blank=True)
    role = models.CharField("the adult's role", max_length=100, blank=True)
    category_of_harm = models.CharField(max_length=20, choices=CategoryOfHarm.choices, blank=True)
    response = models.CharField("LADO response", max_length=20, choices=Response.choices, blank=True)
    response_date = models.DateField(
        "date of the threshold decision", null=True, blank=True,
        help_text="When the LADO decided the response; the strategy meeting clock runs from it.",
    )
    police_involved = models.BooleanField("police investigation", null=True, blank=True)
    court_proceedings = models.BooleanField(null=True, blank=True)
    disability = models.BooleanField("children with disabilities involved", null=True, blank=True)
    non_recent = models.BooleanField("non-recent allegation", null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    employer_action = models.CharField(max_length=20, choices=EmployerAction.choices, blank=True)
    closure_date = models.DateField(null=True, blank=True)

    # The adult's and the employer's names identify a person: the audit says they changed, never
    # what they were.
    AUDIT_AS_NARRATIVE = ("adult_name", "employer_name")

    class Meta:
        ordering = ["-referral_date", "reference"]
        constraints = [
            models.UniqueConstraint("local_authority", "reference", name="lado_reference_unique"),
            models.CheckConstraint(
                condition=Q(employer_aware_date__isnull=True)
                | Q(employer_aware_date__lte=F("referral_date")),
                name="lado_employer_aware_before_referral",
            ),
            models.CheckConstraint(
                condition=Q(response_date__isnull=True) | Q(response_date__gte=F("referral_date")),
                name="lado_response_after_referral",
            ),
            models.CheckConstraint(
                condition=Q(closure_date__isnull=True) | Q(closure_date__gte=F("referral_date")),
                name="lado_closure_after_referral",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(closure_date__isnull=False),
                name="lado_outcome_needs_closure",
            ),
            models.CheckConstraint(
                condition=Q(employer_action="") | Q(closure_date__isnull=False),
                name="lado_employer_action_needs_closure",
            ),
        ]
        indexes = [
            models.Index(fields=["local_authority", "referral_date"]),
            models.Index(fields=["local_authority", "closure_date"]),
        ]

    def __str__(self) -> str:
        return f"LADO {self.reference}"

    @property
    def is_open(self) -> bool:
        return self.closure_date is None

    @property
    def threshold_met(self) -> bool:
        return self.response == Response.THRESHOLD_MET


class StrategyMeeting(Recorded):
    """A LADO strategy meeting (the first after the threshold decision, or a later one)."""

    allegation = models.ForeignKey(Allegation, on_delete=models.CASCADE, related_name="strategy_meetings")
    held_on = models.DateField()

    class Meta:
        ordering = ["held_on"]
        constraints = [
            models.UniqueConstraint("allegation", "held_on", name="lado_one_meeting_a_day"),
        ]

    def __str__(self) -> str:
        return f"Strategy meeting {self.held_on}"


class Review(Recorded):
    """A LADO strategy review while the allegation is open (local procedures: every 4 weeks)."""

    allegation = models.ForeignKey(Allegation, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField()

    class Meta:
        ordering = ["held_on"]
        constraints = [
            models.UniqueConstraint("allegation", "held_on", name="lado_one_review_a_day"),
        ]

    def __str__(self) -> str:
        return f"Review {self.held_on}"
