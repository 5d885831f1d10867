"""Reads of child protection records for the pages: a conference with its minutes and chair (the
section 47 enquiries whose outcome a manager owes are among `assessment.selectors.decisions_awaiting`).
Every read starts from what the access policy opens to the user; the page writes the audit row of
what it shows."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist

from safeguard.access import policy

from .models import Agency, Conference, ConferenceMinutes


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
