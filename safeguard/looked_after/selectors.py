"""Reads of looked-after records for the pages: a looked-after review with its minutes and the
IRO who chaired it. Every read starts from what the access policy opens to the user; the page
writes the audit row of what it shows."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q

from safeguard.access import policy
from safeguard.child_protection.models import Agency
from safeguard.workforce.models import Allocation

from .models import LookedAfterReview, LookedAfterReviewMinutes


@dataclass(frozen=True)
class ReviewDetail:
    review: LookedAfterReview  # with period_of_care__child and minutes (and their chair) loaded
    minutes: LookedAfterReviewMinutes | None  # None until the IRO records them
    chair: object | None  # the chairing IRO: the minutes' chair, else the IRO allocated that day
    agencies: tuple[str, ...]  # the labels of the agencies represented, in the order recorded


def review_detail(user, review_id: int) -> ReviewDetail | None:
    """One looked-after review the user may see, with its minutes and chair: one query, and one
    more for the IRO allocated on the review date when no minutes name a chair (plus the policy's
    look-up of the user's teams, once per request); None if there is no such review or the user
    may not open the child."""
    review = (policy.visible_to(user, LookedAfterReview)
              .select_related("period_of_care__child", "minutes", "minutes__chair")
              .filter(pk=review_id).first())
    if review is None:
        return None
    try:
        minutes = review.minutes
    except ObjectDoesNotExist:
        minutes = None
    chair = minutes.chair if minutes is not None and minutes.chair_id is not None else None
    if chair is None:
        day = review.review_date
        allocation = (Allocation.objects.select_related("worker")
                      .filter(child_id=review.period_of_care.child_id, kind=Allocation.Kind.IRO,
                              start_date__lte=day)
                      .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
                      .order_by("-start_date", "-pk").first())
        chair = allocation.worker if allocation is not None else None
    labels = dict(Agency.choices)
    agencies = tuple(labels.get(code, str(code)) for code in (minutes.agencies if minutes else ()))
    return ReviewDetail(review=review, minutes=minutes, chair=chair, agencies=agencies)
