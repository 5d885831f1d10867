"""Reads of child protection records for the pages: a conference with its minutes and chair, and
the section 47 enquiries whose outcome a manager owes (Working Together 2023: the outcome of an
enquiry is a management decision). Every read starts from what the access policy opens to the
user; the page writes the audit row of what it shows."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet

from safeguard.access import policy
from safeguard.workforce.models import Allocation

from .models import Agency, Conference, ConferenceMinutes, Section47Enquiry


@dataclass(frozen=True)
class ConferenceDetail:
    conference: Conference  # with referral__child, section47, cp_plan and chair loaded
    minutes: ConferenceMinutes | None  # None until the chair records them
    chair: object | None  # the chairing User, or None (imported or older conferences)
    agencies: tuple[str, ...]  # the labels of the agencies represented, in the order recorded


def conference_detail(user, conference_id: int) -> ConferenceDetail | None:
    """One conference the user may see, with its minutes and chair, in one query (plus the
    policy's look-up of the user's teams, once per request); None if there is no such conference
    or the user may not open the child."""
    conf = (policy.visible_to(user, Conference)
            .select_related("referral__child", "section47", "cp_plan", "chair", "minutes")
            .filter(pk=conference_id).first())
    if conf is None:
        return None
    try:
        minutes = conf.minutes
    except ObjectDoesNotExist:
        minutes = None
    labels = dict(Agency.choices)
    agencies = tuple(labels.get(code, str(code)) for code in (minutes.agencies if minutes else ()))
    return ConferenceDetail(conference=conf, minutes=minutes, chair=conf.chair, agencies=agencies)


def section47_awaiting_decision(user) -> QuerySet:
    """Section 47 enquiries submitted by a worker and not yet decided, for a team manager: those
    of children their teams hold, or submitted by a member of their teams, among the children the
    policy opens to them. Oldest submission first, with the child, the submission and who made it
    loaded (`enquiry.decision.findings`, `.proposed_outcome`, `.submitted_by`, `.submitted_at`).
    Empty for anyone who cannot authorise."""
    if not getattr(user, "can_authorise", False):
        return Section47Enquiry.objects.none()
    teams = policy.team_ids(user)
    held = Allocation.objects.filter(end_date__isnull=True, kind=Allocation.Kind.SOCIAL_WORKER,
                                     team_id__in=teams)
    # The enquiries awaiting an outcome are few: their children are read first and each tested on its
    # own (`policy.among_visible`) rather than every child the manager may open being found.
    waiting = Section47Enquiry.objects.filter(outcome="", decision__submitted_at__isnull=False)
    return (waiting
            .filter(referral__child__in=policy.among_visible(
                user, waiting.values_list("referral__child", flat=True)))
            .filter(Q(decision__submitted_by__team_id__in=teams)
                    | Q(referral__child_id__in=held.values("child_id")))
            .select_related("referral__child", "decision", "decision__submitted_by")
            .order_by("decision__submitted_at", "pk"))
