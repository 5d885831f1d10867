"""Scorecard configuration held as data (INDICATORS.md Part C): per measure its targets,
comparators, RAG and direction-of-travel rules and plan priority; commentary per measure per
period; and values entered by hand for measures the record cannot hold."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class MeasureSetting(models.Model):
    """How one measure appears on a council's scorecard. A row for an id not in the catalogue
    adds a hand-entered measure (e.g. ED-18 EHC plans in 20 weeks, QA-01 audits)."""

    class Operator(models.TextChoices):
        AT_LEAST = ">=", "at least"
        AT_MOST = "<=", "at most"
        BELOW = "<", "below"
        ABOVE = ">", "above"
        BAND = "band", "within a band"
        NONE = "", "no target"

    class Basis(models.TextChoices):
        PREVIOUS_QUARTER = "previous_quarter", "Previous quarter"
        SAME_PERIOD_LAST_YEAR = "same_period_last_year", "Same period last year"
        PREVIOUS_YEAR_END = "previous_year_end", "Previous year-end"

    local_authority = models.ForeignKey("workforce.LocalAuthority", on_delete=models.CASCADE)
    indicator_id = models.CharField(max_length=12)
    name = models.CharField(max_length=200, blank=True)  # overrides the catalogue name
    pi_ref = models.CharField(max_length=20, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    on_scorecard = models.BooleanField(default=True)
    polarity = models.CharField(max_length=10, blank=True)  # overrides the catalogue polarity
    unit = models.CharField(max_length=20, blank=True)  # for hand-entered measures
    target_operator = models.CharField(max_length=4, choices=Operator.choices, blank=True)
    target = models.FloatField(null=True, blank=True)
    target_high = models.FloatField(null=True, blank=True)  # band upper bound
    target_type = models.CharField(max_length=10, blank=True)  # NATIONAL | LOCAL
    target_is_annual_count = models.BooleanField(default=False)  # YTD counts pro-rated (C4)
    statistical_neighbour_average = models.FloatField(null=True, blank=True)
    statistical_neighbour_n = models.PositiveSmallIntegerField(null=True, blank=True)
    england_average = models.FloatField(null=True, blank=True)
    comparator_year = models.CharField(max_length=9, blank=True)
    comparator_source = models.CharField(max_length=200, blank=True)
    previous_year_end = models.FloatField(null=True, blank=True)  # when the record does not reach back
    rag_tolerance = models.FloatField(null=True, blank=True)  # C5 tau
    rag_minimum_denominator = models.PositiveIntegerField(default=10)  # C5 N_min
    direction_basis = models.CharField(max_length=24, choices=Basis.choices, default=Basis.PREVIOUS_QUARTER)
    direction_epsilon = models.FloatField(null=True, blank=True)  # C6 epsilon
    range_preferred_side = models.CharField(max_length=4, blank=True)  # LOW | HIGH (C2)
    plan_priority = models.CharField(max_length=200, blank=True)
    corporate_priority = models.CharField(max_length=200, blank=True)
    # With no target of its own, the shipped default target (`Comparator`) applies unless this is off.
    use_default_target = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "indicator_id"]
        constraints = [
            models.UniqueConstraint("local_authority", "indicator_id", name="one_setting_per_measure"),
            models.CheckConstraint(
                condition=~Q(target_operator="band")
                | (Q(target__isnull=False) & Q(target_high__isnull=False)),
                name="band_target_has_both_ends",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} settings for {self.local_authority_id}"


class Commentary(models.Model):
    """What the service says about a measure for a period (e.g. '2025-26 Q2'); every edit is kept."""

    local_authority = models.ForeignKey("workforce.LocalAuthority", on_delete=models.CASCADE)
    indicator_id = models.CharField(max_length=12)
    period_label = models.CharField(max_length=20)
    text = models.TextField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "commentary"
        constraints = [
            models.UniqueConstraint(
                "local_authority", "indicator_id", "period_label", name="one_commentary_per_measure_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period_label}"


class ManualValue(models.Model):
    """A figure typed in for a measure the record cannot hold, for one period."""

    local_authority = models.ForeignKey("workforce.LocalAuthority", on_delete=models.CASCADE)
    indicator_id = models.CharField(max_length=12)
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.FloatField()
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "local_authority",
                "indicator_id",
                "period_start",
                "period_end",
                name="one_manual_value_per_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="manual_value_period_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period_start}-{self.period_end}: {self.value}"


class KeptFigure(models.Model):
    """One computed figure of a measure for one window (council, measure, window, indicative), kept
    so that a period is computed once: the scorecard page reads it rather than the record. A figure
    of an ended window stays until a change to a record dated on or before its end marks it stale
    (`stale_reason` says which change); the next scorecard computes it again. A window not yet ended
    is kept for the day it was computed only. Every version is in `history`, so the figure a
    committee was shown on a given day can be read back."""

    local_authority = models.ForeignKey("workforce.LocalAuthority", on_delete=models.CASCADE)
    indicator_id = models.CharField(max_length=12)
    # The window the measure counted; a snapshot that reads only its as-at date starts on its end.
    window_start = models.DateField()
    window_end = models.DateField()
    indicative = models.BooleanField(default=False)
    value = models.FloatField(null=True, blank=True)
    # value, numerator and denominator exactly as computed (a count stays a whole number)
    exact = models.JSONField(default=list)
    status = models.CharField(max_length=20)
    note = models.CharField(max_length=300, blank=True)
    breakdown = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField()
    computed_on = models.DateField()  # the day it was computed: an unended window is kept that day only
    # A fingerprint of the definitions that computed it: a changed definition computes it again.
    definitions = models.CharField(max_length=16, blank=True)
    stale = models.BooleanField(default=False)
    stale_reason = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "local_authority", "indicator_id", "window_start", "window_end", "indicative",
                name="one_kept_figure_per_window",
            )
        ]
        indexes = [models.Index("local_authority", "window_end", name="kept_figure_by_end")]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.window_start}-{self.window_end}: {self.value}"


class Comparator(models.Model):
    """A published figure a measure is read against: the England average (DfE statistics, Open
    Government Licence), a council's statistical-neighbour average, or a default target. Shipped as
    data (`performance/data/comparators.csv`, loaded by migration) and refreshed by
    `safeguard scorecard comparators`; a figure the council set on its own `MeasureSetting` wins.
    Rows without a council are national; statistical-neighbour rows belong to one council."""

    class Kind(models.TextChoices):
        ENGLAND = "england", "England average"
        NEIGHBOURS = "statistical_neighbours", "Statistical neighbour average"
        TARGET = "target", "Default target"

    local_authority = models.ForeignKey(
        "workforce.LocalAuthority", null=True, blank=True, on_delete=models.CASCADE
    )
    indicator_id = models.CharField(max_length=12)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    operator = models.CharField(max_length=4, blank=True)  # targets: >=, <=, <, >, band
    value = models.FloatField()
    value_high = models.FloatField(null=True, blank=True)  # a band's upper end
    neighbours = models.PositiveSmallIntegerField(null=True, blank=True)  # n behind an SN average
    year = models.CharField(max_length=9)  # the reporting year the figure is for, e.g. 2024-25
    publication = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    note = models.CharField(max_length=300, blank=True)
    loaded_from = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                "indicator_id", "kind", condition=Q(local_authority__isnull=True),
                name="one_national_comparator",
            ),
            models.UniqueConstraint(
                "local_authority", "indicator_id", "kind", condition=Q(local_authority__isnull=False),
                name="one_council_comparator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.kind} {self.value} ({self.year})"
