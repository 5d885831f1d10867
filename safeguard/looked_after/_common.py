"""Look-ups the looked-after services share: the child (locked), their periods and episodes."""

from __future__ import annotations

import datetime as dt

from safeguard.core.errors import Checks
from safeguard.people.models import Child

from .models import AdoptionJourney, DeprivationOfLiberty, Episode, MissingEpisode, PeriodOfCare


def lock_child(child_id: int) -> Child:
    """Lock the child so two workers cannot change the same care history at once."""
    return Child.objects.select_for_update().get(pk=child_id)


def open_period(child) -> PeriodOfCare | None:
    return PeriodOfCare.objects.filter(child=child, end_date__isnull=True).first()


def latest_period(child) -> PeriodOfCare | None:
    return PeriodOfCare.objects.filter(child=child).order_by("-start_date", "-id").first()


def period_on(child, day: dt.date) -> PeriodOfCare | None:
    """The period of care the child was in on a day (a period's last day counts)."""
    return (
        PeriodOfCare.objects.filter(child=child, start_date__lte=day)
        .exclude(end_date__lt=day).order_by("-start_date").first()
    )


def open_episode(period: PeriodOfCare) -> Episode | None:
    return period.episodes.filter(dec__isnull=True).order_by("-decom").first()


def episode_on(child, day: dt.date) -> Episode | None:
    return (
        Episode.objects.filter(period_of_care__child=child, decom__lte=day)
        .exclude(dec__lt=day).order_by("-decom", "-id").first()
    )


def last_episode(child) -> Episode | None:
    return Episode.objects.filter(period_of_care__child=child).order_by("-decom", "-id").first()


def open_missing(child) -> MissingEpisode | None:
    return MissingEpisode.objects.filter(child=child, end_date__isnull=True).first()


def open_dolo(child) -> DeprivationOfLiberty | None:
    return DeprivationOfLiberty.objects.filter(child=child, end_date__isnull=True).first()


def live_adoption_decision(child, on: dt.date | None = None) -> AdoptionJourney | None:
    """The decision to place for adoption still in force (not reversed, no adoption order)."""
    qs = AdoptionJourney.objects.filter(child=child, decision_reversed_date__isnull=True,
                                        adoption_order_date__isnull=True)
    if on is not None:
        qs = qs.filter(decision_date__lte=on)
    return qs.order_by("-decision_date").first()


def not_before_birth(checks: Checks, child, day: dt.date | None, field: str, rule: str,
                     label: str) -> None:
    if day is not None and child.date_of_birth is not None:
        checks.require(day >= child.date_of_birth, field, rule,
                       f"{label} cannot be before the child's date of birth")
