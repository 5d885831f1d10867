"""Complaints and representations (issue 21, item 4): the children's statutory complaints procedure
(Children Act 1989 s26(3); the Children Act 1989 Representations Procedure (England) Regulations
2006; "Getting the Best from Complaints", DfES 2006), and compliments.

A complaint is not part of the child's case record: the guidance keeps complaint files apart from
case files, so a complaint is locked and audited as the records about adults are
(`core.records.lock_for_edit`), and its clocks belong to no child (`Clock.child` is empty)."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from safeguard.core.models import Recorded


class ComplainantKind(models.TextChoices):
    """Who may make representations (Children Act 1989 s26(3))."""

    CHILD = "child", "The child or young person"
    PARENT = "parent", "A parent or someone with parental responsibility"
    CARER = "carer", "A foster carer or special guardian"
    OTHER = "other", "Someone else with sufficient interest"


class Theme(models.TextChoices):
    """What the complaint is about, for the annual report's themes [L]."""

    COMMUNICATION = "communication", "Communication"
    DELAY = "delay", "Delay or missed timescales"
    QUALITY = "quality", "Quality of service"
    DECISION = "decision", "A decision made about the child"
    STAFF = "staff", "Conduct of staff"
    CONTACT = "contact", "Family time and contact"
    PLACEMENT = "placement", "Placement"
    FINANCE = "finance", "Financial support"
    OTHER = "other", "Other"


class Outcome(models.TextChoices):
    UPHELD = "upheld", "Upheld"
    PARTLY = "partly_upheld", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"


class Complaint(Recorded):
    """One complaint or representation, from receipt to closure."""

    local_authority = models.ForeignKey("workforce.LocalAuthority", on_delete=models.PROTECT)
    reference = models.CharField(max_length=40)
    received_on = models.DateField("date received")
    complainant_kind = models.CharField(max_length=10, choices=ComplainantKind.choices)
    complainant_name = models.CharField(max_length=200, blank=True)
    child = models.ForeignKey("people.Child", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="complaints")
    team = models.ForeignKey("workforce.Team", null=True, blank=True, on_delete=models.PROTECT)
    theme = models.CharField(max_length=20, choices=Theme.choices)
    summary = models.TextField(blank=True)
    # A child or young person who complains is told of advocacy and helped to get it (Children Act
    # 1989 s26A): whether it was offered, and whether accepted.
    advocacy_offered = models.BooleanField(default=False)
    advocacy_accepted = models.BooleanField(null=True, blank=True)
    stage = models.PositiveSmallIntegerField(default=1)  # the stage it has reached
    closed_on = models.DateField(null=True, blank=True)
    withdrawn = models.BooleanField(default=False)
    learning = models.TextField(blank=True)
    history = HistoricalRecords()

    AUDIT_AS_NARRATIVE = ("complainant_name",)

    class Meta:
        constraints = [
            models.UniqueConstraint("local_authority", "reference", name="complaint_reference_unique"),
            models.CheckConstraint(condition=Q(stage__gte=1, stage__lte=3), name="complaint_stage_1_to_3"),
        ]
        indexes = [models.Index(fields=["local_authority", "received_on"])]

    def __str__(self) -> str:
        return f"Complaint {self.reference}"


class ComplaintStage(Recorded):
    """One stage of a complaint: its request, any extension with its reason, its response and
    outcome. Stage 3 also holds the review panel's date and its report's."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="stages")
    stage = models.PositiveSmallIntegerField()
    requested_on = models.DateField()
    extended_on = models.DateField(null=True, blank=True)
    extension_reason = models.CharField(max_length=500, blank=True)
    investigator = models.CharField(max_length=200, blank=True)  # stage 2: investigating officer
    independent_person = models.CharField(max_length=200, blank=True)  # stages 2 and 3
    panel_held_on = models.DateField(null=True, blank=True)
    panel_report_on = models.DateField(null=True, blank=True)
    responded_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    findings = models.TextField(blank=True)
    history = HistoricalRecords()

    AUDIT_AS_NARRATIVE = ("investigator", "independent_person", "extension_reason")

    class Meta:
        constraints = [
            models.UniqueConstraint("complaint", "stage", name="one_row_per_complaint_stage"),
            models.CheckConstraint(condition=Q(stage__gte=1, stage__lte=3),
                                   name="complaint_stage_row_1_to_3"),
        ]
        ordering = ["stage"]

    def __str__(self) -> str:
        return f"{self.complaint} stage {self.stage}"


class Compliment(Recorded):
    """Praise received, counted beside complaints in the annual report."""

    local_authority = models.ForeignKey("workforce.LocalAuthority", on_delete=models.PROTECT)
    received_on = models.DateField("date received")
    from_kind = models.CharField(max_length=10, choices=ComplainantKind.choices)
    team = models.ForeignKey("workforce.Team", null=True, blank=True, on_delete=models.PROTECT)
    child = models.ForeignKey("people.Child", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="compliments")
    summary = models.TextField()
    history = HistoricalRecords()

    class Meta:
        indexes = [models.Index(fields=["local_authority", "received_on"])]

    def __str__(self) -> str:
        return f"Compliment received {self.received_on}"
