"""Every write of a complaint or compliment: checked, saved with its history (simple_history),
audited in the one shape (`audit.services.audit_detail`), and the complaint's clocks re-derived,
in one transaction. A complaint is locked with `lock_for_edit` and refused on a stale version; each
step saves the complaint itself, so its version moves and a form read before any step is refused.

The procedure's rules (Children Act 1989 Representations Procedure (England) Regulations 2006;
Getting the Best from Complaints 2006): a complaint starts at stage 1 on receipt; stages 1 and 2
may be extended once, with a reason; the complainant may ask for the next stage (stage 2 after
stage 1, a review panel after stage 2); stage 3 holds the panel, its report, then the council's
response; a stage's response carries its outcome (upheld, partly upheld, not upheld)."""

from __future__ import annotations

import copy
import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction

from safeguard.audit.services import audit_detail, audit_record
from safeguard.core.errors import Checks
from safeguard.core.records import lock_for_edit
from safeguard.people.models import Child
from safeguard.workforce.models import Team

from .access import may_file_for_team
from .clocks import sync_complaint_clocks
from .models import ComplainantKind, Complaint, ComplaintStage, Compliment, Outcome, Theme

RULE = "Representations Procedure 2006"


def _typed(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _in_council(by, checks: Checks, *, child_id, team_id, la_id,
                la_child_id: str = "") -> tuple[Child | None, Team | None]:
    """The child and team named, each of the complainant's council (a wrong id is refused as
    not found, whatever council it belongs to). A form names the child by the council's own
    child ID (`la_child_id`), as the complaints manager knows them."""
    if not child_id and (la_child_id or "").strip():
        child_id = (Child.objects.filter(la_child_id=la_child_id.strip(), local_authority_id=la_id)
                    .values_list("pk", flat=True).first()) or -1
    child = Child.objects.filter(pk=child_id, local_authority_id=la_id).first() if child_id else None
    team = Team.objects.filter(pk=team_id, local_authority_id=la_id).first() if team_id else None
    checks.require(not child_id or child is not None, "child", "local",
                   "No child with that id in this council")
    checks.require(not team_id or team is not None, "team", "local", "Choose a team of this council")
    return child, team


def _save(by, event: str, written: list[tuple[object | None, object]]) -> None:
    """Save each (before, after) pair and write one audit row per record that changed."""
    for before, after in written:
        after.recorded_by = before.recorded_by if before is not None else by
        after.save()
        detail = audit_detail(event, before, after)
        if before is None or detail["changes"]:
            audit_record(actor=by, action="create" if before is None else "update", obj=after,
                         child_id=getattr(after, "child_id", None)
                         or getattr(getattr(after, "complaint", None), "child_id", None), detail=detail)


def _stages(complaint: Complaint) -> list[ComplaintStage]:
    return list(ComplaintStage.objects.filter(complaint=complaint).order_by("stage"))


def _open(by, complaint_id: int, expected_version: int | None) -> tuple[Complaint, list[ComplaintStage]]:
    """The complaint locked for this change, refused on a stale version or to one who does not
    handle it."""
    complaint = lock_for_edit(Complaint, complaint_id, expected_version)
    if (complaint.local_authority_id != getattr(by, "local_authority_id", None)
            or not may_file_for_team(by, complaint.team_id)):
        raise PermissionDenied("only the complaints manager or the team's manager may change this complaint")
    return complaint, _stages(complaint)


def _finish(by, event: str, complaint: Complaint, stages: list[ComplaintStage],
            written: list[tuple[object | None, object]]) -> Complaint:
    """Save what changed and the complaint (its version moves), then re-derive its clocks."""
    if not any(after is complaint for _, after in written):
        complaint.save()  # the version moves: a form read before this step is now stale
    _save(by, event, written)
    sync_complaint_clocks(complaint, stages)
    return complaint


def _check_date(checks: Checks, value, field: str, label: str, *, not_before: dt.date | None = None,
                before_label: str = "") -> None:
    if checks.require(value is not None, field, "local", f"Enter the {label}"):
        checks.not_future(value, field, "local", label[:1].upper() + label[1:])
        if not_before is not None:
            checks.require(value >= not_before, field, RULE,
                           f"The {label} cannot be before {before_label} ({not_before:%-d %B %Y})")


@transaction.atomic
def complaint_record(*, by, local_authority, reference: str, received_on: dt.date, complainant_kind: str,
                     theme: str, complainant_name: str = "", child_id: int | None = None,
                     team_id: int | None = None, summary: str = "", advocacy_offered: bool = False,
                     advocacy_accepted: bool | None = None, la_child_id: str = "") -> Complaint:
    """A complaint received: stage 1 (local resolution) starts on the day of receipt."""
    checks = Checks()
    if not may_file_for_team(by, team_id):
        raise PermissionDenied("only the complaints manager, or a team manager for their own team, may "
                               "record a complaint")
    reference = (reference or "").strip()
    checks.require(bool(reference), "reference", "local", "Enter the complaint's reference")
    taken = Complaint.objects.filter(local_authority=local_authority, reference=reference).exists()
    checks.require(not taken, "reference", "local", f"Complaint {reference} is already recorded")
    _check_date(checks, received_on, "received_on", "date the complaint was received")
    checks.require(complainant_kind in ComplainantKind.values, "complainant_kind", "local",
                   "Choose who made the complaint")
    checks.require(theme in Theme.values, "theme", "local", "Choose what the complaint is about")
    if complainant_kind == ComplainantKind.CHILD:
        checks.require(bool(child_id or la_child_id), "child", RULE,
                       "A complaint made by a child names the child")
        checks.require(bool(advocacy_offered), "advocacy_offered", "Children Act 1989 s26A",
                       "A child who complains must be offered help from an advocate")
    checks.require(advocacy_accepted is None or advocacy_offered, "advocacy_accepted", "local",
                   "Advocacy can only be accepted once offered")
    child, team = _in_council(by, checks, child_id=child_id, team_id=team_id, la_id=local_authority.pk,
                              la_child_id=la_child_id)
    complaint = Complaint(local_authority=local_authority, reference=reference, received_on=received_on,
                          complainant_kind=complainant_kind,
                          complainant_name=(complainant_name or "").strip(),
                          child=child, team=team, theme=theme, summary=_typed(summary),
                          advocacy_offered=bool(advocacy_offered), advocacy_accepted=advocacy_accepted)
    checks.free_text(complaint)
    checks.raise_if_any()
    stage = ComplaintStage(complaint=complaint, stage=1, requested_on=received_on)
    _save(by, "complaint_record", [(None, complaint)])
    stage.complaint = complaint
    _save(by, "complaint_record", [(None, stage)])
    sync_complaint_clocks(complaint, [stage])
    return complaint


@transaction.atomic
def complaint_update(*, by, complaint_id: int, expected_version: int | None, **to) -> Complaint:
    """Correct or complete who complained, about whom, the theme, summary and advocacy."""
    allowed = {"complainant_kind", "complainant_name", "theme", "summary", "advocacy_offered",
               "advocacy_accepted", "team_id", "child_id"}
    if set(to) - allowed:
        raise TypeError(f"unknown complaint fields: {sorted(set(to) - allowed)}")
    held, stages = _open(by, complaint_id, expected_version)
    after = copy.copy(held)
    checks = Checks()
    child, team = _in_council(by, checks, child_id=to.pop("child_id", held.child_id),
                              team_id=to.pop("team_id", held.team_id), la_id=held.local_authority_id)
    after.child, after.team = child, team
    for field, value in to.items():
        setattr(after, field, _typed(value) if field == "summary" else value)
    checks.require(after.theme in Theme.values, "theme", "local", "Choose what the complaint is about")
    checks.require(after.advocacy_accepted is None or after.advocacy_offered, "advocacy_accepted", "local",
                   "Advocacy can only be accepted once offered")
    checks.free_text(after)
    checks.raise_if_any()
    return _finish(by, "complaint_update", after, stages, [(held, after)])


def _current(stages: list[ComplaintStage]) -> ComplaintStage:
    return stages[-1]


@transaction.atomic
def complaint_extend(*, by, complaint_id: int, expected_version: int | None, extended_on: dt.date,
                     reason: str) -> Complaint:
    """Extend the current stage once, with the reason (stage 1 to 20 working days, stage 2 to 65)."""
    complaint, stages = _open(by, complaint_id, expected_version)
    held = _current(stages)
    checks = Checks()
    checks.require(complaint.closed_on is None, "extended_on", "local", "The complaint is closed")
    checks.require(held.stage in (1, 2), "extended_on", RULE, "Only stages 1 and 2 may be extended")
    checks.require(held.extended_on is None, "extended_on", RULE,
                   f"Stage {held.stage} was already extended on {held.extended_on}")
    checks.require(held.responded_on is None, "extended_on", RULE, f"Stage {held.stage} has had its response")
    checks.require(bool(_typed(reason)), "extension_reason", RULE, "Give the reason for the extension")
    _check_date(checks, extended_on, "extended_on", "date of the extension", not_before=held.requested_on,
                before_label="the stage's start")
    after = copy.copy(held)
    after.extended_on, after.extension_reason = extended_on, _typed(reason)
    checks.free_text(after)
    checks.raise_if_any()
    stages[-1] = after
    return _finish(by, "complaint_extend", complaint, stages, [(held, after)])


@transaction.atomic
def complaint_respond(*, by, complaint_id: int, expected_version: int | None, responded_on: dt.date,
                      outcome: str, findings: str = "") -> Complaint:
    """The response to the current stage with its outcome: the stage 1 or stage 2 response, or at
    stage 3 the council's response to the panel's report."""
    complaint, stages = _open(by, complaint_id, expected_version)
    held = _current(stages)
    checks = Checks()
    checks.require(complaint.closed_on is None, "responded_on", "local", "The complaint is closed")
    checks.require(held.responded_on is None, "responded_on", "local",
                   f"Stage {held.stage} already had its response on {held.responded_on}")
    start, label = held.requested_on, "the stage's start"
    if held.stage == 3:
        checks.require(held.panel_report_on is not None, "responded_on", RULE,
                       "Record the review panel and its report before the council's response")
        start, label = held.panel_report_on or start, "the panel's report"
    _check_date(checks, responded_on, "responded_on", "date of the response", not_before=start,
                before_label=label)
    checks.require(outcome in Outcome.values, "outcome", RULE, "Choose the outcome")
    after = copy.copy(held)
    after.responded_on, after.outcome, after.findings = responded_on, outcome, _typed(findings)
    checks.free_text(after)
    checks.raise_if_any()
    stages[-1] = after
    return _finish(by, "complaint_respond", complaint, stages, [(held, after)])


@transaction.atomic
def complaint_escalate(*, by, complaint_id: int, expected_version: int | None, requested_on: dt.date,
                       investigator: str = "", independent_person: str = "") -> Complaint:
    """The complainant asks for the next stage: a stage 2 investigation (an investigating officer
    and an independent person), or a stage 3 review panel."""
    held, stages = _open(by, complaint_id, expected_version)
    current = _current(stages)
    checks = Checks()
    checks.require(held.closed_on is None, "requested_on", "local", "The complaint is closed")
    checks.require(current.stage < 3, "requested_on", RULE, "Stage 3 is the procedure's last stage")
    if current.stage == 2:
        checks.require(current.responded_on is not None, "requested_on", RULE,
                       "A review panel follows the stage 2 response")
    _check_date(checks, requested_on, "requested_on", "date the next stage was requested",
                not_before=current.responded_on or current.requested_on, before_label="the last step")
    if current.stage == 1:
        checks.require(bool((investigator or "").strip()), "investigator", RULE,
                       "Name the investigating officer for stage 2")
        checks.require(bool((independent_person or "").strip()), "independent_person", RULE,
                       "Name the independent person for stage 2")
    new = ComplaintStage(complaint=held, stage=current.stage + 1, requested_on=requested_on,
                         investigator=(investigator or "").strip(),
                         independent_person=(independent_person or "").strip())
    checks.free_text(new)
    checks.raise_if_any()
    after = copy.copy(held)
    after.stage = new.stage
    stages.append(new)
    _finish(by, "complaint_escalate", after, stages, [(held, after), (None, new)])
    return after


@transaction.atomic
def complaint_record_panel(*, by, complaint_id: int, expected_version: int | None, panel_held_on: dt.date,
                           panel_report_on: dt.date | None = None) -> Complaint:
    """Stage 3: the review panel held, and (when it comes) the panel's report."""
    complaint, stages = _open(by, complaint_id, expected_version)
    held = _current(stages)
    checks = Checks()
    checks.require(held.stage == 3, "panel_held_on", RULE, "A review panel is stage 3")
    _check_date(checks, panel_held_on, "panel_held_on", "date the panel was held",
                not_before=held.requested_on, before_label="the request")
    if panel_report_on is not None and panel_held_on is not None:
        _check_date(checks, panel_report_on, "panel_report_on", "date of the panel's report",
                    not_before=panel_held_on, before_label="the panel")
    checks.raise_if_any()
    after = copy.copy(held)
    after.panel_held_on, after.panel_report_on = panel_held_on, panel_report_on
    stages[-1] = after
    return _finish(by, "complaint_record_panel", complaint, stages, [(held, after)])


@transaction.atomic
def complaint_close(*, by, complaint_id: int, expected_version: int | None, closed_on: dt.date,
                    learning: str = "", withdrawn: bool = False) -> Complaint:
    """Close a complaint with its learning (what the service will change), or mark it withdrawn.
    A complaint that is not withdrawn closes once its current stage has had its response."""
    held, stages = _open(by, complaint_id, expected_version)
    current = _current(stages)
    checks = Checks()
    checks.require(held.closed_on is None, "closed_on", "local", f"Closed already on {held.closed_on}")
    if not withdrawn:
        checks.require(current.responded_on is not None, "closed_on", RULE,
                       f"Stage {current.stage} has not had its response")
    _check_date(checks, closed_on, "closed_on", "date of closure",
                not_before=current.responded_on or current.requested_on, before_label="the last step")
    after = copy.copy(held)
    after.closed_on, after.withdrawn, after.learning = closed_on, bool(withdrawn), _typed(learning)
    checks.free_text(after)
    checks.raise_if_any()
    return _finish(by, "complaint_close", after, stages, [(held, after)])


@transaction.atomic
def compliment_record(*, by, local_authority, received_on: dt.date, from_kind: str, summary: str,
                      team_id: int | None = None, child_id: int | None = None) -> Compliment:
    """Praise received about a team or a worker, counted in the annual report."""
    if not may_file_for_team(by, team_id):
        raise PermissionDenied("only the complaints manager, or a team manager for their own team, may "
                               "record a compliment")
    checks = Checks()
    _check_date(checks, received_on, "received_on", "date the compliment was received")
    checks.require(from_kind in ComplainantKind.values, "from_kind", "local", "Choose who it came from")
    checks.require(bool(_typed(summary)), "summary", "local", "Say what the compliment said")
    child, team = _in_council(by, checks, child_id=child_id, team_id=team_id, la_id=local_authority.pk)
    compliment = Compliment(local_authority=local_authority, received_on=received_on, from_kind=from_kind,
                            team=team, child=child, summary=_typed(summary))
    checks.free_text(compliment)
    checks.raise_if_any()
    _save(by, "compliment_record", [(None, compliment)])
    return compliment
