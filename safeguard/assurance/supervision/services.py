"""Every write of supervision: checked, saved with its history, audited in the one shape (narrative
never copied into the audit), in one transaction. A session's case decisions are written on each
child's record as management-oversight notes by `casework.services.note_record`, the record's one
way of changing (locked, checked, versioned, audited, the child's clocks re-derived): the decision
shows in the child's chronology, and the session only links to it."""

from __future__ import annotations

import copy
import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction

from safeguard.access import policy
from safeguard.audit.services import audit_detail, audit_record
from safeguard.casework.models import NoteKind
from safeguard.casework.services import note_record
from safeguard.core.errors import Checks
from safeguard.core.records import lock_for_edit
from safeguard.workforce.models import User

from .models import SupervisionArrangement, SupervisionDecision, SupervisionFrequency, SupervisionSession

RULE = "Standards for employers of social workers"
#: Who may change the council's table of frequencies.
TABLE_KEEPERS = frozenset({policy.ADMINISTRATOR})


def _typed(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _title(words: str) -> str:
    """The note's title: "Supervision decision: " and the decision's first line, shortened."""
    first = words.splitlines()[0] if words else ""
    return "Supervision decision: " + (first if len(first) <= 150 else first[:149] + "…")


def supervises(by, supervisee: User) -> bool:
    """The supervisee's supervisor: the one their arrangement names, or else a manager of their
    team (policy.team_ids: their own team and those they manage)."""
    if (not policy.active(by) or by.pk == supervisee.pk
            or by.local_authority_id != supervisee.local_authority_id):
        return False
    arrangement = SupervisionArrangement.objects.filter(supervisee=supervisee).only("supervisor_id").first()
    if arrangement is not None and arrangement.supervisor_id == by.pk:
        return True
    return policy.role_of(by) == policy.TEAM_MANAGER and supervisee.team_id in policy.team_ids(by)


def _audit(by, event: str, before, after, **extra) -> None:
    audit_record(actor=by, action="create" if before is None else "update", obj=after,
                 detail=audit_detail(event, before, after), **extra)


@transaction.atomic
def session_record(*, by, supervisee_id: int, held_on: dt.date, others_present: str = "",
                   reflective: str = "", decisions: list[dict] | None = None) -> SupervisionSession:
    """A supervision recorded by the supervisor, with each case decision written on the child's
    record as management oversight (Working Together 2023: managers' oversight of casework is
    recorded on the child's file). `decisions` is a list of {"child_id", "decision"}."""
    supervisee = User.objects.filter(pk=supervisee_id).first()
    if supervisee is None or not supervises(by, supervisee):
        raise PermissionDenied("only the worker's supervisor records their supervision")
    checks = Checks()
    if checks.require(held_on is not None, "held_on", "local", "Enter the date of the supervision"):
        checks.not_future(held_on, "held_on", "local", "The date of the supervision")
    session = SupervisionSession(local_authority_id=supervisee.local_authority_id, supervisor=by,
                                 supervisee=supervisee, held_on=held_on, recorded_by=by,
                                 others_present=(others_present or "").strip(), reflective=_typed(reflective))
    checks.free_text(session)
    wanted = [d for d in (decisions or []) if d.get("child_id") or _typed(d.get("decision"))]
    for i, d in enumerate(wanted):
        checks.require(bool(d.get("child_id")), f"decisions[{i}].child_id", "local", "Choose the child")
        checks.require(bool(_typed(d.get("decision"))), f"decisions[{i}].decision", "local",
                       "Write the decision")
    checks.raise_if_any()
    session.save()
    _audit(by, "session_record", None, session)
    names = f"{by.get_full_name() or by}, {supervisee.get_full_name() or supervisee}"
    for d in wanted:
        words = _typed(d["decision"])
        # Significant: a case decision belongs in the child's chronology (and the court's), titled
        # with its own words so the chronology says what was decided.
        note = note_record(by=by, child_ids=[int(d["child_id"])], kind=NoteKind.MANAGEMENT_OVERSIGHT,
                           occurred_on=held_on, title=_title(words), text=words, present=names,
                           significant=True)
        link = SupervisionDecision(session=session, child_id=int(d["child_id"]), note=note, recorded_by=by)
        link.save()
        _audit(by, "session_record", None, link, child_id=link.child_id)
    return session


@transaction.atomic
def arrangement_set(*, by, supervisee_id: int, supervisor_id: int,
                    asye_started_on: dt.date | None = None) -> SupervisionArrangement:
    """Name a worker's supervisor and, for a newly qualified worker, when their ASYE began."""
    supervisee = User.objects.filter(pk=supervisee_id).first()
    if supervisee is None or not (supervises(by, supervisee) or policy.role_of(by) == policy.ADMINISTRATOR):
        raise PermissionDenied("only the worker's manager sets their supervision")
    checks = Checks()
    supervisor = User.objects.filter(pk=supervisor_id, local_authority_id=supervisee.local_authority_id,
                                     is_active=True).first()
    checks.require(supervisor is not None, "supervisor", "local", "Choose a supervisor of this council")
    checks.require(supervisor_id != supervisee_id, "supervisor", "local",
                   "A worker cannot supervise themself")
    checks.not_future(asye_started_on, "asye_started_on", "local", "The date the ASYE began")
    checks.raise_if_any()
    held = SupervisionArrangement.objects.select_for_update().filter(supervisee=supervisee).first()
    after = (copy.copy(held) if held is not None
             else SupervisionArrangement(supervisee=supervisee, recorded_by=by))
    after.supervisor, after.asye_started_on = supervisor, asye_started_on
    after.save()
    _audit(by, "arrangement_set", held, after)
    return after


@transaction.atomic
def frequency_change(*, by, frequency_id: int, expected_version: int | None, unit: str, amount: int,
                     reason: str) -> SupervisionFrequency:
    """Change a row of the council's table of expected frequencies [L], with the reason."""
    if policy.role_of(by) not in TABLE_KEEPERS:
        raise PermissionDenied("only an administrator changes the expected frequency of supervision")
    held = lock_for_edit(SupervisionFrequency, frequency_id, expected_version)
    checks = Checks()
    checks.require(unit in ("D", "M"), "unit", "local", "Choose days or months")
    checks.require(isinstance(amount, int) and 1 <= amount <= 366, "amount", "local",
                   "Enter a whole number from 1 to 366")
    checks.require(len(_typed(reason)) >= 10, "reason", "local", "Give the reason in at least 10 characters")
    checks.raise_if_any()
    after = copy.copy(held)
    after.unit, after.amount = unit, amount
    after.save()
    audit_record(actor=by, action="update", obj=after, reason=_typed(reason),
                 detail=audit_detail("frequency_change", held, after))
    return after
