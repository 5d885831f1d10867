"""A made-up year of complaints and compliments for the demo council, recorded through the services
(so each is checked, audited and has its clocks): most answered at stage 1 in time, some late or
extended, a few investigated at stage 2, one taken to a review panel, the latest still open so the
worklist has clocks due and overdue. Names and words are invented (synthetic)."""

from __future__ import annotations

import datetime as dt
import random

from safeguard.access import policy
from safeguard.people.models import Child
from safeguard.timescales import calendar
from safeguard.workforce.models import Team

from . import services
from .access import is_complaints_manager
from .models import ComplainantKind, Outcome, Theme

SUMMARIES = {
    Theme.COMMUNICATION: "Calls and emails to the social worker were not returned.",
    Theme.DELAY: "The assessment took longer than we were told it would.",
    Theme.QUALITY: "The report had facts about our family wrong.",
    Theme.DECISION: "We disagree with the decision to end the support.",
    Theme.STAFF: "The worker was late to visits and did not explain why.",
    Theme.CONTACT: "Family time with my brother keeps being cancelled.",
    Theme.PLACEMENT: "I was moved without being asked what I wanted.",
    Theme.FINANCE: "The allowance we were promised has not been paid.",
    Theme.OTHER: "Concerns about how the meeting was run.",
}
LEARNING = ["Return calls within one working day and log them on the record.",
            "Check the family's account of facts before a report is shared.",
            "Explain cancelled family time to the child the same day, with a new date.",
            "Ask the child's wishes before any planned move, and record them.",
            "Send the outcome of a decision in writing within five working days."]
NAMES = ["Dana Frost", "Kerry Ashdown", "Nadia Foxwood", "Leanne Marlow", "Priti Hollins", "Joanne Kestrel"]


def _wd(cal, day: dt.date, n: int) -> dt.date:
    return cal.add_working_days(day, n)


def load_demo_complaints(la, by, today: dt.date, *, per_year: int = 36, seed: int = 2026) -> int:
    """Record `per_year` complaints received over the year to `today` and half as many compliments,
    by `by` (the complaints manager; a team manager files only about their own teams). Returns the
    number of complaints."""
    rng = random.Random(seed)
    cal = calendar.current()
    teams = list(Team.objects.filter(local_authority=la).order_by("pk"))
    if not is_complaints_manager(by):
        teams = [t for t in teams if t.pk in policy.team_ids(by)]
    if not teams:
        return 0
    children = list(Child.objects.filter(local_authority=la, is_restricted=False).order_by("pk")
                    .values_list("pk", flat=True)[:400])
    themes = list(Theme.values)
    created = 0
    for n in range(per_year):
        received = today - dt.timedelta(days=int(365 * (per_year - n) / per_year))
        while not cal.is_working_day(received):
            received += dt.timedelta(days=1)
        if received > today:
            break
        kind = rng.choice([ComplainantKind.PARENT] * 5 + [ComplainantKind.CHILD] * 2
                          + [ComplainantKind.CARER, ComplainantKind.OTHER])
        theme = rng.choice(themes)
        named = children and (kind == ComplainantKind.CHILD or rng.random() < 0.7)
        child_id = rng.choice(children) if named else None
        if kind == ComplainantKind.CHILD and child_id is None:
            kind = ComplainantKind.PARENT
        c = services.complaint_record(
            by=by, local_authority=la, reference=f"CS-{received:%Y}-{n + 1:03d}", received_on=received,
            complainant_kind=kind,
            complainant_name="" if kind == ComplainantKind.CHILD else rng.choice(NAMES),
            child_id=child_id, team_id=rng.choice(teams).pk, theme=theme, summary=SUMMARIES[theme],
            advocacy_offered=kind == ComplainantKind.CHILD or rng.random() < 0.2,
            advocacy_accepted=(rng.random() < 0.6) if kind == ComplainantKind.CHILD else None)
        created += 1
        # Stage 1: usually answered within 10 working days; sometimes extended, sometimes late.
        extended = rng.random() < 0.15
        if extended and _wd(cal, received, 5) <= today:
            c = services.complaint_extend(by=by, complaint_id=c.pk, expected_version=c.version,
                                          extended_on=_wd(cal, received, 5),
                                          reason="Waiting for accounts from the staff involved")
        answer = _wd(cal, received, rng.choice([4, 6, 8, 9, 10, 12] + ([16, 19] if extended else [])))
        if answer > today:
            continue
        outcome = rng.choice([Outcome.UPHELD, Outcome.PARTLY, Outcome.PARTLY, Outcome.NOT_UPHELD,
                              Outcome.NOT_UPHELD])
        c = services.complaint_respond(by=by, complaint_id=c.pk, expected_version=c.version,
                                       responded_on=answer, outcome=outcome,
                                       findings="Met the complainant and explained the findings.")
        if rng.random() < 0.18:
            asked = _wd(cal, answer, 5)
            if asked > today:
                continue
            c = services.complaint_escalate(by=by, complaint_id=c.pk, expected_version=c.version,
                                            requested_on=asked,
                                            investigator="Investigating officer (external)",
                                            independent_person="Independent person (commissioned)")
            answer = _wd(cal, asked, rng.choice([18, 22, 25, 30]))
            if answer > today:
                continue
            c = services.complaint_respond(by=by, complaint_id=c.pk, expected_version=c.version,
                                           responded_on=answer, outcome=rng.choice(Outcome.values),
                                           findings="Investigation report and adjudication sent.")
            if created % 12 == 5:
                asked = _wd(cal, answer, 10)
                panel, report, reply = _wd(cal, asked, 25), _wd(cal, asked, 29), _wd(cal, asked, 40)
                if reply > today:
                    continue
                c = services.complaint_escalate(by=by, complaint_id=c.pk, expected_version=c.version,
                                                requested_on=asked)
                c = services.complaint_record_panel(by=by, complaint_id=c.pk, expected_version=c.version,
                                                    panel_held_on=panel, panel_report_on=report)
                c = services.complaint_respond(by=by, complaint_id=c.pk, expected_version=c.version,
                                               responded_on=reply, outcome=Outcome.PARTLY,
                                               findings="The council accepted the panel's recommendations.")
        closed = _wd(cal, answer, 20)
        if closed <= today:
            services.complaint_close(by=by, complaint_id=c.pk, expected_version=c.version,
                                     closed_on=closed,
                                     learning=rng.choice(LEARNING) if outcome != Outcome.NOT_UPHELD else "")
    for _ in range(per_year // 2):
        received = today - dt.timedelta(days=rng.randint(0, 364))
        services.compliment_record(by=by, local_authority=la, received_on=received,
                                   from_kind=rng.choice([ComplainantKind.PARENT, ComplainantKind.CARER,
                                                         ComplainantKind.OTHER]),
                                   team_id=rng.choice(teams).pk,
                                   summary="Thank you for listening and for the help with the move.")
    return created
