"""The improvement plan (issue 21, item 5): an inspection's recommendations, each with its
background, the actions taken (owner, due date, status), the evidence behind it (scorecard
measures by id, case file audit themes, words), and the self-assessment judgements made at each
review (met, partly met, not yet met), each keeping the figures the panel saw.

The plan is the council's, not any child's: it names no child. Its records are locked and audited
as the council's other records are (`core.records.lock_for_edit`, `audit.services.audit_detail`),
and each keeps its history (simple_history)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from safeguard.core.models import Recorded


class Judgement(models.TextChoices):
    """The self-assessment's three judgements (as in Cheshire East's 2017 self-assessment)."""

    MET = "met", "Met"
    PARTLY_MET = "partly_met", "Partly met"
    NOT_YET_MET = "not_yet_met", "Not yet met"


class ActionStatus(models.TextChoices):
    """Stored states; "overdue" is derived (not done, and the due date has passed)."""

    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


#: What a page shows for an action not done whose due date has passed.
OVERDUE = "overdue"


class EvidenceKind(models.TextChoices):
    MEASURE = "measure", "Scorecard measure"
    AUDIT = "audit", "Case file audits"
    TEXT = "text", "Other evidence"


class AuditScope(models.TextChoices):
    """Which figure of the audit scorecard a link reads: a theme (the scorecard's programme
    dimension), a domain of the audit tools, or one programme."""

    THEME = "theme", "Audit theme"
    DOMAIN = "domain", "Audit domain"
    PROGRAMME = "programme", "Audit programme"


class Inspection(Recorded):
    """An inspection or review whose recommendations the council tracks (e.g. an Ofsted ILACS
    inspection, a peer review, a serious case review)."""

    local_authority = models.ForeignKey(
        "workforce.LocalAuthority", on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField("inspection or review", max_length=200)
    reported_on = models.DateField("date of the report")
    reference = models.CharField(max_length=60, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-reported_on", "-pk"]
        indexes = [models.Index(fields=["local_authority", "reported_on"])]

    def __str__(self) -> str:
        return f"{self.source} ({self.reported_on:%B %Y})"


class Recommendation(Recorded):
    """One recommendation of an inspection, numbered as in the report."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="recommendations")
    number = models.PositiveSmallIntegerField()
    text = models.TextField("recommendation")
    made_on = models.DateField("date of the recommendation")
    source = models.CharField("source", max_length=200)
    background = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["inspection", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "number"], name="improvement_recommendation_number"
            ),
        ]

    def __str__(self) -> str:
        return f"Recommendation {self.number}"


class ImprovementAction(Recorded):
    """What the council does about a recommendation: who owns it, by when, and when it was done."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.PROTECT, related_name="actions")
    what = models.TextField("what is to be done")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    status = models.CharField(max_length=12, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED)
    done_on = models.DateField(null=True, blank=True)
    progress_note = models.TextField("progress", blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status="done", done_on__isnull=False)
                    | Q(status__in=["not_started", "in_progress"], done_on__isnull=True)
                ),
                name="improvement_action_done_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Improvement action {self.pk}"

    def status_on(self, day: dt.date) -> str:
        """The status as a page shows it on `day`: overdue once the due date has passed undone."""
        if self.status == ActionStatus.DONE:
            return ActionStatus.DONE
        return OVERDUE if self.due_date < day else self.status


class Evidence(Recorded):
    """One piece of evidence for a recommendation: a scorecard measure (by its catalogue id), a
    figure of the audit scorecard, or words. `label` keeps the measure's or theme's name as linked."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(max_length=8, choices=EvidenceKind.choices)
    indicator_id = models.CharField("measure", max_length=20, blank=True)
    audit_scope = models.CharField(max_length=10, choices=AuditScope.choices, blank=True)
    audit_key = models.CharField(max_length=40, blank=True)
    programme = models.ForeignKey(
        "audits.AuditProgramme", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    label = models.CharField(max_length=200)
    note = models.TextField("what it shows", blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["recommendation", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "indicator_id"],
                condition=Q(kind="measure"),
                name="improvement_measure_once",
            ),
            models.CheckConstraint(
                condition=(Q(kind="measure") & ~Q(indicator_id=""))
                | (Q(kind="audit") & ~Q(audit_scope=""))
                | (Q(kind="text") & ~Q(note="")),
                name="improvement_evidence_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class ReviewJudgement(Recorded):
    """A judgement at one review: met, partly met or not yet met, when, who agreed it, why, and
    where the recommendation is monitored from now on. Each review is its own row."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.PROTECT, related_name="judgements")
    judged_on = models.DateField("date of the judgement")
    judgement = models.CharField(max_length=12, choices=Judgement.choices)
    agreed_by = models.CharField("agreed by", max_length=200)
    commentary = models.TextField()
    monitored_by = models.CharField("where it is monitored", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["recommendation", "-judged_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "judged_on"], name="improvement_one_judgement_a_day"
            ),
            models.CheckConstraint(
                condition=Q(judgement__in=Judgement.values), name="improvement_judgement_scale"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_judgement_display()} on {self.judged_on}"


class Reading(Recorded):
    """The figure a piece of evidence showed when a judgement was made, kept beside it: a
    measure's value for the reporting period the panel had, or the share of audit grades good or
    better. Written with the judgement and never changed."""

    judgement = models.ForeignKey(ReviewJudgement, on_delete=models.PROTECT, related_name="readings")
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="readings")
    value = models.FloatField(null=True, blank=True)
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    shown = models.CharField("value as shown", max_length=80, blank=True)
    period_label = models.CharField(max_length=60, blank=True)
    read_on = models.DateField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["judgement", "evidence"]
        constraints = [
            models.UniqueConstraint(fields=["judgement", "evidence"], name="improvement_one_reading_each"),
        ]

    def __str__(self) -> str:
        return f"{self.evidence}: {self.shown or 'no figure'} ({self.period_label})"
