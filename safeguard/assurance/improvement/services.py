"""Every write of the improvement plan: checked (`checks.py`, each refusal naming its field),
saved with its history (simple_history), audited in the one shape (`audit.services.audit_detail`),
in one transaction. A record that is changed is locked with `core.records.lock_for_edit` and
refused on a stale version. The plan is the council's, not a child's: no child's record is opened.

A judgement keeps the figures the panel saw: each linked measure's value for the quarter the
review reads (from the scorecard) and each audit theme's share graded good or better, written
beside it as `Reading` rows in the same transaction."""

from __future__ import annotations

import copy
import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction

from safeguard.assurance.audits import selectors as audit_selectors
from safeguard.audit.services import audit_detail, audit_record
from safeguard.core.errors import Checks
from safeguard.core.records import lock_for_edit
from safeguard.workforce.models import User

from . import rules, selectors
from .checks import check_action, check_action_status, check_inspection, check_judgement, check_recommendation
from .models import (
    ActionStatus,
    AuditScope,
    Evidence,
    EvidenceKind,
    ImprovementAction,
    Inspection,
    Reading,
    Recommendation,
    ReviewJudgement,
)


def _typed(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _writer(by) -> None:
    if not rules.can_write(by):
        raise PermissionDenied(
            "the improvement plan is kept by heads of service, team managers, administrators and analysts"
        )


def _save(by, event: str, before, after) -> None:
    """Save one record and write its audit row (none for an edit that changed nothing)."""
    after.recorded_by = before.recorded_by if before is not None else by
    after.save()
    detail = audit_detail(event, before, after)
    if before is None or detail["changes"]:
        audit_record(actor=by, action="create" if before is None else "update", obj=after, detail=detail)


def _recommendation(by, recommendation_id: int, expected_version: int | None) -> Recommendation:
    """The recommendation, of the user's council, locked for this change; refused on a stale version."""
    if not Recommendation.objects.filter(
        pk=recommendation_id, inspection__local_authority_id=by.local_authority_id
    ).exists():
        raise Recommendation.DoesNotExist(f"no recommendation {recommendation_id} in your council")
    return lock_for_edit(Recommendation, recommendation_id, expected_version)


@transaction.atomic
def inspection_record(*, by, source: str, reported_on: dt.date | None, reference: str = "") -> Inspection:
    """An inspection or review whose recommendations the council will track."""
    _writer(by)
    checks = Checks()
    inspection = Inspection(
        local_authority_id=by.local_authority_id,
        source=_typed(source),
        reported_on=reported_on,
        reference=_typed(reference),
    )
    check_inspection(inspection, checks)
    checks.raise_if_any()
    _save(by, "improvement_inspection_record", None, inspection)
    return inspection


@transaction.atomic
def recommendation_add(
    *,
    by,
    inspection_id: int,
    text: str,
    made_on: dt.date | None = None,
    source: str = "",
    background: str = "",
    number: int | None = None,
) -> Recommendation:
    """A recommendation of the inspection, numbered as in its report (the next number by default);
    dated and sourced as the inspection unless said otherwise."""
    _writer(by)
    if not Inspection.objects.filter(pk=inspection_id, local_authority_id=by.local_authority_id).exists():
        raise Inspection.DoesNotExist(f"no inspection {inspection_id} in your council")
    inspection = lock_for_edit(Inspection, inspection_id, None)  # numbers are taken one at a time
    taken = set(Recommendation.objects.filter(inspection=inspection).values_list("number", flat=True))
    number = number if number not in (None, "") else max(taken, default=0) + 1
    rec = Recommendation(
        inspection=inspection,
        number=number,
        text=_typed(text),
        made_on=made_on or inspection.reported_on,
        source=_typed(source) or inspection.source,
        background=_typed(background),
    )
    checks = Checks()
    check_recommendation(rec, checks, inspection=inspection)
    checks.require(number not in taken, "number", "local", f"Recommendation {number} is already recorded")
    checks.raise_if_any()
    _save(by, "improvement_recommendation_add", None, rec)
    return rec


@transaction.atomic
def recommendation_update(
    *,
    by,
    recommendation_id: int,
    expected_version: int | None,
    text: str,
    made_on: dt.date | None,
    source: str,
    background: str = "",
) -> Recommendation:
    """Correct or complete a recommendation's words, date, source or background."""
    _writer(by)
    held = _recommendation(by, recommendation_id, expected_version)
    after = copy.copy(held)
    after.text, after.made_on, after.source, after.background = (
        _typed(text),
        made_on,
        _typed(source),
        _typed(background),
    )
    checks = Checks()
    check_recommendation(after, checks, inspection=held.inspection)
    checks.raise_if_any()
    _save(by, "improvement_recommendation_update", held, after)
    return after


def _owner(by, owner_id, checks: Checks) -> User | None:
    owner = (
        User.objects.filter(pk=owner_id, local_authority_id=by.local_authority_id, is_active=True).first()
        if str(owner_id or "").isdigit()
        else None
    )
    checks.require(owner is not None, "owner", "local", "Choose an owner from the council's staff")
    return owner


@transaction.atomic
def action_add(
    *,
    by,
    recommendation_id: int,
    what: str,
    owner_id: int,
    due_date: dt.date | None,
    status: str = ActionStatus.NOT_STARTED,
) -> ImprovementAction:
    """An action towards a recommendation: what, who owns it (a member of the council's staff), by when."""
    _writer(by)
    rec = _recommendation(by, recommendation_id, None)
    checks = Checks()
    owner = _owner(by, owner_id, checks)
    action = ImprovementAction(
        recommendation=rec,
        what=_typed(what),
        owner=owner,
        due_date=due_date,
        status=status if status != ActionStatus.DONE else ActionStatus.NOT_STARTED,
    )
    check_action(action, checks)
    checks.raise_if_any()
    _save(by, "improvement_action_add", None, action)
    return action


@transaction.atomic
def action_update(
    *,
    by,
    action_id: int,
    expected_version: int | None,
    status: str,
    done_on: dt.date | None = None,
    note: str = "",
) -> ImprovementAction:
    """How an action stands: not started, in progress, or done (with the date), and a note of
    progress. Its owner may say so, as may those who keep the plan."""
    found = ImprovementAction.objects.filter(
        pk=action_id, recommendation__inspection__local_authority_id=by.local_authority_id
    ).first()
    if found is None:
        raise ImprovementAction.DoesNotExist(f"no action {action_id} in your council")
    if not rules.can_update_action(by, found):
        raise PermissionDenied("the action's owner, or those who keep the plan, say how it stands")
    held = lock_for_edit(ImprovementAction, action_id, expected_version)
    after = copy.copy(held)
    after.status = status
    after.done_on = done_on
    after.progress_note = _typed(note) if note is not None else held.progress_note
    checks = Checks()
    check_action_status(after, checks)
    checks.raise_if_any()
    _save(by, "improvement_action_update", held, after)
    return after


def _evidence(by, evidence: Evidence, checks: Checks) -> Evidence:
    checks.free_text(evidence)
    checks.raise_if_any()
    _save(by, "improvement_evidence_link", None, evidence)
    return evidence


@transaction.atomic
def evidence_link_measure(*, by, recommendation_id: int, indicator_id: str, note: str = "") -> Evidence:
    """Link a scorecard measure, by its catalogue id; its value is read at each judgement."""
    _writer(by)
    rec = _recommendation(by, recommendation_id, None)
    indicator_id = (indicator_id or "").strip().upper()
    names = selectors.measure_names(by.local_authority)
    checks = Checks()
    if checks.require(bool(indicator_id), "indicator_id", "local", "Choose a measure from the scorecard"):
        checks.require(
            indicator_id in names,
            "indicator_id",
            "local",
            f"{indicator_id} is not a measure of the performance catalogue",
        )
    checks.require(
        not Evidence.objects.filter(
            recommendation=rec, kind=EvidenceKind.MEASURE, indicator_id=indicator_id
        ).exists(),
        "indicator_id",
        "local",
        f"{indicator_id} is already linked to this recommendation",
    )
    return _evidence(
        by,
        Evidence(
            recommendation=rec,
            kind=EvidenceKind.MEASURE,
            indicator_id=indicator_id,
            label=names.get(indicator_id, indicator_id)[:200],
            note=_typed(note),
        ),
        checks,
    )


@transaction.atomic
def evidence_link_audit(
    *, by, recommendation_id: int, scope: str, key: str = "", programme_id: int | None = None, note: str = ""
) -> Evidence:
    """Link a figure of the audit scorecard: a theme, a domain of the audit tools, or one programme;
    its share graded good or better is read at each judgement."""
    _writer(by)
    rec = _recommendation(by, recommendation_id, None)
    checks = Checks()
    key = (key or "").strip()
    programme = None
    label = ""
    if not checks.require(
        scope in AuditScope.values,
        "audit_scope",
        "local",
        "Choose an audit theme, an audit domain or a programme",
    ):
        checks.raise_if_any()
    if scope == AuditScope.PROGRAMME:
        programme = audit_selectors.programmes(by).filter(pk=programme_id).first() if programme_id else None
        checks.require(
            programme is not None, "programme", "local", "Choose an audit programme of your council"
        )
        key, label = "", f"Audit programme: {programme.title}" if programme else ""
    else:
        options = dict(selectors.theme_choices() if scope == AuditScope.THEME else selectors.domain_choices())
        field = "theme" if scope == AuditScope.THEME else "domain"
        checks.require(key in options, field, "local", f"Choose an audit {field} of the audit scorecard")
        label = f"Audit {field}: {options.get(key, key)}"
    taken = Evidence.objects.filter(
        recommendation=rec, kind=EvidenceKind.AUDIT, audit_scope=scope, audit_key=key, programme=programme
    ).exists()
    checks.require(not taken, "audit_scope", "local", "That audit evidence is already linked")
    return _evidence(
        by,
        Evidence(
            recommendation=rec,
            kind=EvidenceKind.AUDIT,
            audit_scope=scope,
            audit_key=key,
            programme=programme,
            label=label[:200],
            note=_typed(note),
        ),
        checks,
    )


@transaction.atomic
def evidence_add_text(*, by, recommendation_id: int, label: str, text: str) -> Evidence:
    """Other evidence in words: a report, a peer review's finding, a partner's feedback."""
    _writer(by)
    rec = _recommendation(by, recommendation_id, None)
    checks = Checks()
    label, text = _typed(label), _typed(text)
    checks.require(bool(label), "label", "local", 'Name the evidence, for example "Practice week findings"')
    checks.require(bool(text), "note", "local", "Say what the evidence shows")
    return _evidence(by, Evidence(recommendation=rec, kind=EvidenceKind.TEXT, label=label, note=text), checks)


@transaction.atomic
def judgement_record(
    *,
    by,
    recommendation_id: int,
    expected_version: int | None,
    judged_on: dt.date | None,
    judgement: str,
    agreed_by: str,
    commentary: str,
    monitored_by: str = "",
) -> ReviewJudgement:
    """The self-assessment at a review: met, partly met or not yet met, with who agreed it, why, and
    where it is monitored until met; each linked measure's and audit figure's value as read for
    that review is kept beside it. The recommendation's version moves, so a form opened before a
    colleague's judgement is refused."""
    _writer(by)
    held = _recommendation(by, recommendation_id, expected_version)
    j = ReviewJudgement(
        recommendation=held,
        judged_on=judged_on,
        judgement=judgement or "",
        agreed_by=_typed(agreed_by),
        commentary=_typed(commentary),
        monitored_by=_typed(monitored_by),
    )
    checks = Checks()
    check_judgement(j, checks, recommendation=held)
    if judged_on is not None:
        checks.require(
            not ReviewJudgement.objects.filter(recommendation=held, judged_on=judged_on).exists(),
            "judged_on",
            "local",
            f"A judgement is already recorded on {judged_on:%-d %B %Y}",
        )
    checks.raise_if_any()
    _save(by, "improvement_judgement_record", None, j)
    evidence = list(Evidence.objects.filter(recommendation=held).select_related("programme"))
    measures = selectors.measure_readings(
        by.local_authority, [e.indicator_id for e in evidence if e.kind == EvidenceKind.MEASURE], judged_on
    )
    audits = selectors.audit_readings(by, evidence, judged_on)
    for e in evidence:
        figure = measures.get(e.indicator_id) if e.kind == EvidenceKind.MEASURE else audits.get(e.pk)
        if figure is None:
            continue
        _save(
            by,
            "improvement_judgement_record",
            None,
            Reading(
                judgement=j,
                evidence=e,
                value=figure.value,
                numerator=figure.numerator,
                denominator=figure.denominator,
                unit=figure.unit,
                shown=figure.shown[:80],
                period_label=figure.period_label[:60],
                read_on=judged_on,
            ),
        )
    _save(by, "improvement_judgement_record", held, copy.copy(held))  # the version moves
    return j
