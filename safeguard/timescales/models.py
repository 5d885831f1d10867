"""The working-day calendar and the statutory clocks derived from the record."""

from django.db import models
from django.db.models import F, Q


class CalendarDay(models.Model):
    """One day of the English calendar. `working_day_index` counts working days up to and
    including this day, so working-day arithmetic is integer subtraction, in Python or SQL."""

    date = models.DateField(primary_key=True)
    is_working_day = models.BooleanField()
    working_day_index = models.PositiveIntegerField(db_index=True)
    holiday_name = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=40, blank=True)  # "holidays 0.109" or "added by <user>"

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'working' if self.is_working_day else self.holiday_name or 'weekend'}"


class Clock(models.Model):
    """One instance of a statutory or local timescale (INDICATORS.md Part A): started by an event
    in the record, due on a date computed from the calendar, met by a later event.

    Chains (reviews, visits) are one row per link: meeting link k starts link k+1.
    """

    code = models.CharField(max_length=8, db_index=True)  # T02, T05, T08, T10 ...
    # Empty only for clocks about adults (LADO allegations), which never show on a child's record.
    child = models.ForeignKey(
        "people.Child", null=True, blank=True, on_delete=models.CASCADE, related_name="clocks"
    )
    subject_type = models.CharField(max_length=60)  # model label of the record that started it
    subject_id = models.BigIntegerField()
    sequence = models.PositiveSmallIntegerField(default=1)
    start_date = models.DateField()
    unit = models.CharField(max_length=2)  # WD working days, D days, W weeks, M months, H hours
    amount = models.PositiveIntegerField()
    due_date = models.DateField(db_index=True)
    met_date = models.DateField(null=True, blank=True)
    met_by_type = models.CharField(max_length=60, blank=True)
    met_by_id = models.BigIntegerField(null=True, blank=True)
    stopped_date = models.DateField(null=True, blank=True)
    stopped_reason = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "code", "subject_type", "subject_id", "sequence", name="one_clock_per_link"
            ),
            models.CheckConstraint(
                condition=Q(met_date__isnull=True) | Q(stopped_date__isnull=True),
                name="clock_met_or_stopped_not_both",
            ),
        ]
        indexes = [
            models.Index(fields=["child", "code"]),
            models.Index(
                fields=["due_date"], name="open_clock_due",
                condition=Q(met_date__isnull=True, stopped_date__isnull=True),
            ),
            # A child's open clocks (one in a hundred of all: the rest met or stopped), for the trays'
            # next due, overdue and visits, without reading each child's whole history of clocks.
            models.Index(
                fields=["child", "due_date"], include=["code"], name="open_clock_by_child",
                condition=Q(met_date__isnull=True, stopped_date__isnull=True),
            ),
            # The scorecard's "late" tests (CP-13, LAC-10) read only clocks open or met late.
            models.Index(
                fields=["code", "due_date"], include=["child", "met_date", "stopped_date"],
                name="clock_late_link",
                condition=Q(met_date__isnull=True, stopped_date__isnull=True)
                | Q(met_date__gt=F("due_date")) | Q(stopped_date__gt=F("due_date")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} for {self.child_id} due {self.due_date}"

    @property
    def is_open(self) -> bool:
        return self.met_date is None and self.stopped_date is None

    @property
    def on_time(self) -> bool | None:
        """True/False once met; None while open (even if overdue) or stopped."""
        return None if self.met_date is None else self.met_date <= self.due_date
