"""The demo council's scorecards as sets (issue 21, item 6) and a committee pack's words for the
current quarter, written through the services as an analyst would."""

from __future__ import annotations

import datetime as dt

from safeguard.performance.periods import reporting_year_of

from .services import committee_pack_save, scorecard_set_save

DEMO_SETS = (
    (
        "Children and families",
        "The children and families scrutiny committee, every quarter",
        ["FD-03", "FD-05", "AS-02", "CIN-01", "CP-04", "CP-06", "CP-09", "CP-12", "LAC-01"],
        {"AS-02": ">=85", "CP-04": ">=80", "CP-09": "<=20", "CP-12": ">=95", "FD-05": "<=22"},
    ),
    (
        "Corporate parenting",
        "The corporate parenting board",
        [
            "LAC-01",
            "LAC-02",
            "LAC-03",
            "LAC-04",
            "LAC-05",
            "LAC-07",
            "HL-02",
            "HL-03",
            "CL-02",
            "CL-03",
            "PM-02",
        ],
        {"LAC-03": ">=95", "LAC-05": "<=10", "LAC-07": ">=70", "HL-03": ">=90", "CL-03": ">=90"},
    ),
    (
        "Front door",
        "The multi-agency safeguarding partnership's front door group",
        ["FD-01", "FD-02", "FD-03", "FD-05", "FD-06A", "FD-07", "AS-02"],
        {"FD-05": "<=20", "AS-02": ">=85"},
    ),
    (
        "Audit",
        "The quality assurance board: the practice standards audits test, read beside the audit scorecard",
        ["AS-05", "CIN-02", "CP-13", "LAC-10", "CP-12", "LAC-03", "WF-01"],
        {"CP-13": ">=90", "LAC-10": ">=90", "WF-01": "<=18"},
    ),
)


def load_demo_sets(by, day: dt.date) -> list:
    """The four sets, and the pack for the quarter before the one `day` falls in."""
    made = [
        scorecard_set_save(by=by, name=name, purpose=purpose, measures=ids, targets=targets)
        for name, purpose, ids, targets in DEMO_SETS
    ]
    year = reporting_year_of(day)
    q = ((day.month - 4) % 12) // 3 + 1
    if q == 1:
        year, q = year - 1, 4
    else:
        q -= 1
    committee_pack_save(
        by=by,
        year=year,
        quarter=q,
        title="Children's services performance report",
        parts=[f"set:{s.pk}" for s in made[:2]] + ["iro", "lado", "audits", "improvement"],
        purpose="To give the committee the quarter's performance of children's social care: the scorecard "
        "of children and families and the corporate parenting board's measures, the IRO service's "
        "and the LADO's figures, the case file audits and progress against the inspection's "
        "recommendations.",
        recommendations="That the committee notes the performance set out in this report.\n\n"
        "That the committee asks for a report on the timeliness of initial child protection "
        "conferences at its next meeting.",
        financial="There are no direct financial implications arising from this report.",
        legal="The council has duties under the Children Act 1989 and 2004; the figures report how "
        "they are met.",
        risk="Where a measure is red, the service's commentary says what is being done and by when.",
    )
    return made
