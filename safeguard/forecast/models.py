"""The council's weekly cost of a placement in each cost category, with the date it applies from."""

from django.db import models
from simple_history.models import HistoricalRecords

from safeguard.core.models import Recorded

from .model import CATEGORIES, CATEGORY_LABELS


class PlacementCost(Recorded):
    """A weekly unit cost the council uses for forecasting, in force from `effective_from` until the
    next row for the same category."""

    category = models.CharField(max_length=30, choices=[(c, CATEGORY_LABELS[c]) for c in CATEGORIES])
    weekly_cost = models.DecimalField("weekly cost (£)", max_digits=9, decimal_places=2)
    effective_from = models.DateField()
    source = models.CharField(max_length=200, blank=True, help_text="where the figure comes from")
    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "effective_from"]
        constraints = [
            models.UniqueConstraint("category", "effective_from", name="one_placement_cost_per_day"),
            models.CheckConstraint(
                condition=models.Q(weekly_cost__gte=0), name="placement_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} £{self.weekly_cost}/week from {self.effective_from:%d/%m/%Y}"
