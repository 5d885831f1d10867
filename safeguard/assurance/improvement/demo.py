"""An improvement plan for the demo council (issue 21: `make demo` shows one): an Ofsted ILACS
inspection about a year ago with six recommendations in the style of Ofsted's, actions across the
year (some done, some overdue, some still to come), evidence linked to real measures of the
performance catalogue and to the audit scorecard's themes and domains, and judgements at three
quarterly reviews. Written through the services, so each is checked, versioned and audited, and
each judgement keeps the figures the scorecard and the audit scorecard gave. Synthetic words only."""

from __future__ import annotations

import datetime as dt

from safeguard.core.errors import as_if_today
from safeguard.workforce.models import User

from . import services
from .models import ActionStatus, AuditScope, Inspection

REFERENCE = "ILACS-DEMO-1"
BOARD = "Children's Services Improvement Board"

#: (recommendation, background, measures, audit links (scope, key), other evidence,
#:  actions (what, owner's username, days after the inspection due, days after due it was done or None),
#:  judgements at each review)
PLAN = [
    (
        "Strengthen management oversight and supervision so that decisions are recorded with a clear "
        "rationale and children's plans progress without drift.",
        "Inspectors found that management oversight was present on most files but too often recorded a "
        "decision without the reasons for it, and that some plans drifted between reviews.",
        ["CP-11", "CIN-03"],
        [(AuditScope.DOMAIN, "management-oversight")],
        None,
        [
            (
                "Introduce a recording standard for management decisions, with a template and training for "
                "every team manager.",
                "tm.demo",
                60,
                -5,
            ),
            ("Quarterly drift panel for children on a plan for more than 12 months.", "hos.demo", 150, 10),
            ("Supervision audit of a sample of each team's files.", "tm.demo", 300, None),
        ],
        ["not_yet_met", "partly_met", "partly_met"],
    ),
    (
        "Ensure that assessments are completed within timescales that meet children's needs, and that "
        "their analysis leads to clear plans.",
        "Too many assessments exceeded 45 working days in the assessment teams, and some analysis "
        "restated information rather than weighing it.",
        ["AS-02", "AS-05"],
        [(AuditScope.DOMAIN, "assessment")],
        None,
        [
            (
                "Weekly tracker of open assessments beyond 35 working days, reviewed by team managers.",
                "analyst.demo",
                30,
                -10,
            ),
            ("Workshops on analysis in assessments for all social workers.", "tm.demo", 120, 5),
            ("Review the assessment template with practitioners.", "hos.demo", 200, -20),
        ],
        ["not_yet_met", "partly_met", "met"],
    ),
    (
        "Improve the timeliness and quality of return home interviews for children who go missing, and "
        "use what children say to reduce risk.",
        "Return home interviews were not always offered within 72 hours, and the information gathered "
        "was not consistently used in children's plans or shared with partners.",
        ["MS-03A", "MS-03B"],
        [(AuditScope.THEME, "return_home_interviews")],
        None,
        [
            ("Recommission the return home interview service with a 72-hour standard.", "hos.demo", 90, 20),
            ("Monthly missing children's panel with police and health.", "iro.demo", 180, None),
            ("Themed audit of return home interviews each quarter.", "tm.demo", 420, None),
        ],
        ["not_yet_met", "not_yet_met", "not_yet_met"],
    ),
    (
        "Ensure that care leavers' pathway plans are up to date, written with young people, and address "
        "their accommodation and education, employment or training.",
        "Pathway plans were not always reviewed when young people's circumstances changed, and some did "
        "not reflect their views.",
        ["CL-02", "CL-03"],
        [],
        (
            "Care leavers' forum feedback",
            "Young people at the forum said their personal advisers now write the plan with them.",
        ),
        [
            ("Refresh the pathway plan format with the care leavers' forum.", "hos.demo", 75, 0),
            ("Personal advisers' caseloads below 25.", "hos.demo", 240, None),
        ],
        ["partly_met", "partly_met", "met"],
    ),
    (
        "Ensure that strategy discussions include all relevant agencies and that their decisions are "
        "recorded and acted on.",
        "Police and health did not attend every strategy discussion, and some records did not show who "
        "would do what.",
        ["CP-02", "CP-04"],
        [(AuditScope.THEME, "strategy_discussions")],
        None,
        [
            (
                "Agree attendance standards for strategy discussions with police and health.",
                "hos.demo",
                45,
                15,
            ),
            ("Themed audit of strategy discussions by the IRO service.", "iro.demo", 160, -3),
        ],
        ["not_yet_met", "partly_met", "partly_met"],
    ),
    (
        "Ensure that children subject to child protection plans are visited within timescales and that "
        "core groups review progress against the plan.",
        "Most children were visited in time, but core groups did not always measure progress.",
        ["CP-13", "CP-12"],
        [(AuditScope.DOMAIN, "planning")],
        None,
        [("Visits dashboard for team managers.", "analyst.demo", 40, -2)],
        ["partly_met", "met"],
    ),
]
#: Days before today of each quarterly review.
REVIEWS = (270, 180, 90)


def load_demo_improvement(la, by, today: dt.date, *, days_ago: int = 365) -> int:
    """The demo council's improvement plan, kept by `by` (a head of service). Idempotent: a second
    call finds the inspection and does nothing. Returns the recommendations made."""
    if Inspection.objects.filter(local_authority=la, reference=REFERENCE).exists():
        return 0
    staff = {u.username: u for u in User.objects.filter(local_authority=la, is_active=True)}
    inspected = today - dt.timedelta(days=days_ago)
    with as_if_today(inspected):
        inspection = services.inspection_record(
            by=by, source="Ofsted ILACS inspection", reported_on=inspected, reference=REFERENCE
        )
    made = 0
    for n, (text, background, measures, audits, words, actions, judgements) in enumerate(PLAN, start=1):
        with as_if_today(inspected + dt.timedelta(days=14)):
            rec = services.recommendation_add(
                by=by,
                inspection_id=inspection.pk,
                text=text,
                background=background,
                source=f"Ofsted ILACS inspection report, recommendation {n}",
            )
            for indicator_id in measures:
                services.evidence_link_measure(by=by, recommendation_id=rec.pk, indicator_id=indicator_id)
            for scope, key in audits:
                services.evidence_link_audit(by=by, recommendation_id=rec.pk, scope=scope, key=key)
            if words:
                services.evidence_add_text(by=by, recommendation_id=rec.pk, label=words[0], text=words[1])
            for what, owner, due_in, done_after in actions:
                owner_user = staff.get(owner, by)
                action = services.action_add(
                    by=by,
                    recommendation_id=rec.pk,
                    what=what,
                    owner_id=owner_user.pk,
                    due_date=inspected + dt.timedelta(days=due_in),
                    status=ActionStatus.IN_PROGRESS,
                )
                done_on = (
                    inspected + dt.timedelta(days=due_in + done_after) if done_after is not None else None
                )
                if done_on is not None and done_on <= today:
                    with as_if_today(done_on):
                        services.action_update(
                            by=by,
                            action_id=action.pk,
                            expected_version=action.version,
                            status=ActionStatus.DONE,
                            done_on=done_on,
                            note="Completed and reported to the board.",
                        )
        made += 1
        for days, judgement in zip(REVIEWS, judgements, strict=False):
            judged_on = today - dt.timedelta(days=days)
            rec.refresh_from_db()
            with as_if_today(judged_on):
                services.judgement_record(
                    by=by,
                    recommendation_id=rec.pk,
                    expected_version=rec.version,
                    judged_on=judged_on,
                    judgement=judgement,
                    agreed_by=BOARD,
                    commentary=_COMMENTARY[judgement],
                    monitored_by="" if judgement == "met" else BOARD,
                )
    return made


_COMMENTARY = {
    "not_yet_met": "Actions are under way but the evidence does not yet show a difference for children.",
    "partly_met": "The figures and audits show improvement, but it is not yet consistent across teams.",
    "met": "The improvement is sustained over two quarters in the figures and the audits.",
}
