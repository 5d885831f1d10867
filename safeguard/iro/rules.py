"""The IRO's dispute resolution process: its stages, in order, and each stage's limit in English
working days. One table; every due date, check and figure of the IRO's desk reads it.

The IRO Handbook (2010) ch. 6 asks each council to have a formal dispute resolution process, with
informal resolution first and short timescales at each step, and says the IRO may refer the case to
Cafcass (Children Act 1989 s25B(3)) if the concern is not resolved. The stages and their limits
below are local [L] (each council's protocol): a council that runs different limits changes them
here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from safeguard.timescales import calendar

from .models import AlertStage


@dataclass(frozen=True)
class DisputeStage:
    stage: str
    raised_with: str  # who the concern is taken to at this stage
    working_days: int | None  # None: no local limit (a referral to Cafcass)
    source: str


#: The stages in the order they are taken: an alert starts informally and escalates one stage at a
#: time; a referral to Cafcass is the last resort.
DISPUTE_STAGES: tuple[DisputeStage, ...] = (
    DisputeStage(AlertStage.INFORMAL, "the social worker or team manager", 5,
                 "[L] local dispute resolution protocol: informal resolution within 5 working days "
                 "(IRO Handbook 2010 ch. 6: resolve informally first)"),
    DisputeStage(AlertStage.STAGE_1, "the team manager", 5,
                 "[L] local dispute resolution protocol: stage 1, team manager, 5 working days"),
    DisputeStage(AlertStage.STAGE_2, "the service manager", 5,
                 "[L] local dispute resolution protocol: stage 2, service manager, 5 working days"),
    DisputeStage(AlertStage.STAGE_3, "the head of service", 5,
                 "[L] local dispute resolution protocol: stage 3, head of service, 5 working days"),
    DisputeStage(AlertStage.STAGE_4, "the director of children's services", 5,
                 "[L] local dispute resolution protocol: stage 4, director, 5 working days"),
    DisputeStage(AlertStage.CAFCASS, "Cafcass", None,
                 "Children Act 1989 s25B(3): the IRO may refer the case to Cafcass; IRO Handbook "
                 "2010 ch. 6: when the council's own process has not resolved it"),
)
BY_STAGE: dict[str, DisputeStage] = {s.stage: s for s in DISPUTE_STAGES}
ORDER: dict[str, int] = {s.stage: i for i, s in enumerate(DISPUTE_STAGES)}
FIRST_STAGE = DISPUTE_STAGES[0].stage
LAST_STAGE = DISPUTE_STAGES[-1].stage


def next_stage(stage: str) -> str | None:
    """The stage an alert escalates to from `stage` (None after the last)."""
    i = ORDER.get(stage)
    if i is None or i + 1 >= len(DISPUTE_STAGES):
        return None
    return DISPUTE_STAGES[i + 1].stage


def stage_label(stage: str) -> str:
    return AlertStage(stage).label if stage in AlertStage.values else str(stage)


def due_on(stage: str, started_on: dt.date) -> dt.date | None:
    """When a stage's response is due: its limit in working days after it started (England and
    Wales bank holidays excluded, by the council's calendar), or None if the stage has no limit."""
    rule = BY_STAGE[stage]
    if rule.working_days is None:
        return None
    return calendar.current().add_working_days(started_on, rule.working_days)
