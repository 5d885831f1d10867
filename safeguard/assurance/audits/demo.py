"""A year of case file audits for a synthetic council (issue 21: `make demo` shows them). Called by
the demo generator once the council's record is written; every write goes through the audit
services (so through the record's unit of work, with grants and audit rows), each on the day it
would have happened (`core.errors.as_if_today`). Synthetic words only."""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Q

from safeguard.access import policy
from safeguard.core.errors import RecordInvalid, as_if_today, today
from safeguard.workforce.models import Team, User

from . import services
from .models import AuditTool, Grade
from .selectors import month_end

_EVIDENCE = {
    Grade.OUTSTANDING: "Exceptionally clear: the child's experience and progress are evident throughout.",
    Grade.GOOD: "Current and purposeful; the record shows the work and why it was done.",
    Grade.REQUIRES_IMPROVEMENT: "Present but dated or thin; some decisions lack a recorded rationale.",
    Grade.INADEQUATE: "Missing or well out of date; the child's circumstances are not clear from the record.",
}
_RESPONSES = ("Thank you: I have updated the record and will discuss the findings in supervision.",
              "I agree with most of the findings; the plan has been revised.")


def _grade(rng: random.Random, good_share: float) -> str:
    if rng.random() < good_share:
        return Grade.OUTSTANDING if rng.random() < 0.12 else Grade.GOOD
    return Grade.INADEQUATE if rng.random() < 0.2 else Grade.REQUIRES_IMPROVEMENT


def demo_audits(*, local_authority, end: dt.date | None = None, months: int = 12, per_team: int = 2,
                seed: int = 21) -> int:
    """Run a monthly programme for each managed team for `months` months to the month before `end`,
    grade each audit (another team's manager audits), moderate most (an IRO, or another manager),
    record responses, and set actions where a domain falls short, the older ones done. The share
    graded good or better rises over the year, so the scorecard has a trend. Returns the audits made."""
    rng = random.Random(seed)
    end = end or today()
    services.tools_load_defaults()
    tool = AuditTool.objects.get(code="case-file")
    teams = list(Team.objects.filter(local_authority=local_authority, manager__role=policy.TEAM_MANAGER,
                                     manager__is_active=True).select_related("manager").order_by("pk"))
    if len(teams) < 2:
        return 0
    iros = list(User.objects.filter(Q(role=policy.IRO), local_authority=local_authority, is_active=True)
                .order_by("pk")[:4])
    made = 0
    first = end.replace(day=1)
    for _ in range(months):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    for i in range(months):
        month = first
        for _ in range(i):
            month = month_end(month) + dt.timedelta(days=1)
        good_share = 0.55 + 0.25 * i / max(months - 1, 1)
        for n, team in enumerate(teams):
            auditor = teams[(n + 1) % len(teams)].manager
            moderator = iros[(i + n) % len(iros)] if iros else teams[(n + 2) % len(teams)].manager
            if moderator == auditor:
                moderator = None
            drawn_on = min(month_end(month) + dt.timedelta(days=3), end)
            try:
                with as_if_today(drawn_on):
                    prog = services.programme_run(
                        by=team.manager, title=f"{team.name}: case file audit, {month:%B %Y}", kind="monthly",
                        tool_id=tool.pk, month=month, team_ids=[team.pk], per_team=per_team,
                        auditor_id=auditor.pk, moderator_id=moderator.pk if moderator else None)
            except RecordInvalid:
                continue  # no open case in the team that month
            for audit in prog.audits.select_related("worker").all():
                made += 1
                graded_on = min(drawn_on + dt.timedelta(days=10), end)
                _work_through(audit, tool, rng, good_share, graded_on=graded_on, end=end)
    return made


def _work_through(audit, tool, rng: random.Random, good_share: float, *, graded_on: dt.date,
                  end: dt.date) -> None:
    domains = list(tool.domains.order_by("order"))
    grades = {d.pk: _grade(rng, good_share) for d in domains}
    overall = max(set(grades.values()), key=list(grades.values()).count)
    with as_if_today(graded_on):
        audit = services.audit_grade(by=audit.auditor, audit_id=audit.pk, expected_version=audit.version,
                                     grades={k: (g, _EVIDENCE[g]) for k, g in grades.items()},
                                     overall=overall, summary="Synthetic audit for the demonstration.")
    moderated_on = min(graded_on + dt.timedelta(days=7), end)
    if audit.moderator_id and rng.random() < 0.8:
        theirs = dict(grades)
        agreed = {}
        if rng.random() < 0.25:  # a disagreement on one domain, resolved at the moderator's grade
            d = rng.choice(domains)
            ri = Grade.REQUIRES_IMPROVEMENT
            theirs[d.pk] = ri if grades[d.pk] != ri else Grade.GOOD
            agreed[d.pk] = (theirs[d.pk], "Discussed with the auditor; agreed on a second reading.")
        with as_if_today(moderated_on):
            audit = services.audit_moderate(
                by=audit.moderator, audit_id=audit.pk, expected_version=audit.version,
                grades={k: (g, "Agree with the auditor's evidence." if g == grades[k] else _EVIDENCE[g])
                        for k, g in theirs.items()},
                agreed=agreed, overall=overall, note="Moderated against the tool's guidance.")
    if audit.worker_id and rng.random() < 0.7:
        with as_if_today(moderated_on):
            audit = services.audit_respond(by=audit.worker, audit_id=audit.pk, expected_version=audit.version,
                                           response=rng.choice(_RESPONSES))
    short = {Grade.REQUIRES_IMPROVEMENT, Grade.INADEQUATE} & set(grades.values())
    if not (audit.worker_id and short):
        return
    due = moderated_on + dt.timedelta(days=21)
    with as_if_today(moderated_on):
        try:
            action = services.action_add(by=audit.auditor, audit_id=audit.pk, assigned_to_id=audit.worker_id,
                                         what="Bring the plan and chronology up to date.", due_date=due)
        except RecordInvalid:  # the worker no longer holds the case: no action for them
            return
    if due < end - dt.timedelta(days=14):
        with as_if_today(due - dt.timedelta(days=rng.randint(0, 10))):
            services.action_complete(by=action.assigned_to, action_id=action.pk,
                                     expected_version=action.version, note="Plan and chronology updated.")
