"""Scorecards as sets and the committee pack (issue 21, items 6 and 8). A set is a council's named
selection from the one indicator catalogue, in its own order, with its own targets and commentary;
the pack is the text a committee report's author writes for one quarter. Neither is a child's record:
each is locked for edit by its version and audited (`core.records.lock_for_edit`)."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class ScorecardSet(models.Model):
    """A scorecard drawn from the catalogue, e.g. "Corporate parenting" for the corporate parenting
    board, so each committee reads its measures in its own order."""

    local_authority = models.ForeignKey("workforce.LocalAuthority", on_delete=models.CASCADE)
    name = models.CharField("Name", max_length=120)
    purpose = models.CharField("Who reads it", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint("local_authority", "name", name="one_set_per_name")]

    def __str__(self) -> str:
        return self.name


class SetMeasure(models.Model):
    """One measure of a set, at its place, with the set's own target where it differs from the
    council's (`MeasureSetting`)."""

    scorecard_set = models.ForeignKey(ScorecardSet, on_delete=models.CASCADE, related_name="measures")
    indicator_id = models.CharField(max_length=12)
    position = models.PositiveSmallIntegerField()
    target = models.CharField("Target", max_length=20, blank=True)  # as typed: '>=85', '<15', '35-40'
    history = HistoricalRecords()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint("scorecard_set", "indicator_id", name="one_measure_per_set")]

    def __str__(self) -> str:
        return f"{self.indicator_id} in set {self.scorecard_set_id}"


class SetCommentary(models.Model):
    """What the service says about a measure of a set for a period (e.g. '2026-27 Q2')."""

    scorecard_set = models.ForeignKey(ScorecardSet, on_delete=models.CASCADE, related_name="commentary")
    indicator_id = models.CharField(max_length=12)
    period_label = models.CharField(max_length=20)
    text = models.TextField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "scorecard_set", "indicator_id", "period_label", name="one_set_commentary_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period_label}"


class CommitteePack(models.Model):
    """The author's words for one quarter's committee report, and the parts it is assembled from.
    The figures are never stored here: the pack is built from the record when it is downloaded."""

    local_authority = models.ForeignKey("workforce.LocalAuthority", on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()  # the reporting year by its ending: 2027 is 2026-27
    quarter = models.PositiveSmallIntegerField()
    title = models.CharField("Title", max_length=200)
    purpose = models.TextField("Purpose of the report", blank=True)
    recommendations = models.TextField("Recommendations", blank=True)
    financial = models.TextField("Financial implications", blank=True)
    legal = models.TextField("Legal implications", blank=True)
    risk = models.TextField("Risk implications", blank=True)
    supporting = models.TextField("Supporting information (introduction)", blank=True)
    parts = models.JSONField(default=list)  # e.g. ["set:3", "lado", "iro", "audits", "improvement"]
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint("local_authority", "year", "quarter", name="one_pack_per_quarter"),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="pack_quarter_1_to_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.year} Q{self.quarter})"
