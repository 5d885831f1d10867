"""A complaint's clocks, derived from the complaint whenever a service saves it (as the LADO's are
from an allegation): each limit is read from `timescales.rules.COMPLAINT_RULES` (an extended stage
from `COMPLAINT_EXTENDED`) and each due date from the working-day calendar by `rules.due_date`,
so a bank holiday added later moves them like every other clock (`recalculate_due_dates`).

CMP1  stage 1 response, 10 working days from receipt (20 once extended);
CMP2  stage 2 response, 25 working days from the request (65 once extended);
CMP3  stage 3 review panel held, 30 working days from the request;
CMP3R the panel's report, 5 working days from the panel;
CMP3D the council's response, 15 working days from the report.
A stage's clock stops when the complainant moves on to the next stage before a response, or when
the complaint is closed or withdrawn. The clocks belong to no child (`Clock.child` is empty)."""

from __future__ import annotations

from safeguard.timescales import calendar
from safeguard.timescales.derive import Event, Link, single, sync_links
from safeguard.timescales.models import Clock
from safeguard.timescales.rules import COMPLAINT_EXTENDED, COMPLAINT_RULES

from .models import Complaint, ComplaintStage

SUBJECT_TYPE = "complaints.Complaint"
STAGE_CODES = {1: "CMP1", 2: "CMP2", 3: "CMP3"}
CODES = ("CMP1", "CMP2", "CMP3", "CMP3R", "CMP3D")


def _event(day, stage: ComplaintStage) -> Event | None:
    return Event(day, stage._meta.label, stage.pk) if day else None


def complaint_links(complaint: Complaint, stages: list[ComplaintStage], cal=None) -> list[Link]:
    """The clock links a complaint and its stages imply. A date outside the working-day calendar
    gives no clock rather than a wrong one."""
    cal = cal or calendar.current()
    by_stage = {s.stage: s for s in stages}
    ended = complaint.closed_on
    reason = "complaint withdrawn" if complaint.withdrawn else "complaint closed"
    links: list[Link] = []

    def add(code, start, met, end, why, limit=None):
        try:
            links.append(single(code, complaint, start, met, end, why, cal,
                                limit or COMPLAINT_RULES[code].limit))
        except ValueError:
            pass

    for number, code in STAGE_CODES.items():
        s = by_stage.get(number)
        if s is None:
            continue
        after = by_stage.get(number + 1)
        end, why = (after.requested_on, f"moved to stage {number + 1}") if after else (ended, reason)
        limit = COMPLAINT_EXTENDED.get(code) if s.extended_on else None
        if number < 3:
            add(code, s.requested_on, _event(s.responded_on, s), end, why, limit)
            continue
        add(code, s.requested_on, _event(s.panel_held_on, s), ended, reason)
        if s.panel_held_on:
            add("CMP3R", s.panel_held_on, _event(s.panel_report_on, s), ended, reason)
        if s.panel_report_on:
            add("CMP3D", s.panel_report_on, _event(s.responded_on, s), ended, reason)
    return links


def sync_complaint_clocks(complaint: Complaint, stages: list[ComplaintStage], cal=None) -> None:
    """Make the stored clocks of this complaint equal to what its record implies."""
    existing = Clock.objects.filter(subject_type=SUBJECT_TYPE, subject_id=complaint.pk)
    sync_links(existing, complaint_links(complaint, stages, cal))
