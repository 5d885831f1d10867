"""Every write of scorecard sets and the committee pack: checked (each refusal names its field and
rule), locked against a lost update by the version the form was built from, saved (versioned by
simple_history) and audited in the one shape (`audit.services.audit_detail`), in one transaction.
Neither is a child's record, so the record's `Change` is not opened: `core.records.lock_for_edit`."""

from __future__ import annotations

import copy

from django.core.exceptions import PermissionDenied
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from safeguard.audit.services import audit_detail, audit_record
from safeguard.core.errors import Checks
from safeguard.core.records import lock_for_edit
from safeguard.performance import catalogue as cat
from safeguard.performance.models import MeasureSetting
from safeguard.performance.rules import parse_target

from . import rules
from .models import CommitteePack, ScorecardSet, SetCommentary, SetMeasure

#: The parts a pack may be assembled from besides its scorecard sets ("set:<id>").
PARTS = {
    "iro": "The IRO and Safeguarding Unit annual report",
    "lado": "The LADO annual report",
    "audits": "The audit scorecard",
    "improvement": "The improvement plan: self-assessment",
}
MAX_MEASURES = 60


def _require_writer(by) -> None:
    if not rules.can_write(by):
        raise PermissionDenied(
            "scorecard sets and the committee pack are written by heads of service, "
            "analysts and administrators"
        )


def known_measures(la) -> dict[str, str]:
    """Every measure a set may hold: the catalogue, then the council's hand-entered measures."""
    known = {ind.id: ind.name for ind in cat.CATALOGUE.values()}
    for s in MeasureSetting.objects.filter(local_authority=la).exclude(indicator_id__in=list(known)):
        known[s.indicator_id] = s.name or s.indicator_id
    return known


def _check_measures(la, measures, targets: dict, checks: Checks) -> list[tuple[str, str]]:
    known = known_measures(la)
    ids = [str(m).strip().upper() for m in measures or ()]
    unknown = [i for i in ids if i not in known]
    checks.require(
        not unknown,
        "measures",
        "GOV-MEASURE",
        f"Measures: {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not in the "
        "indicator catalogue or the council's hand-entered measures",
    )
    checks.require(bool(ids), "measures", "GOV-MEASURE", "Measures: choose at least one measure")
    checks.require(
        len(ids) <= MAX_MEASURES,
        "measures",
        "GOV-MEASURE",
        f"Measures: a set holds at most {MAX_MEASURES} measures",
    )
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    checks.require(
        not repeated, "measures", "GOV-MEASURE", f"Measures: {', '.join(repeated)} is listed more than once"
    )
    out = []
    for i in dict.fromkeys(ids):
        text = (targets or {}).get(i, "").strip()
        if text:
            try:
                parse_target(text)
            except ValueError:
                checks.fail(
                    "targets",
                    "GOV-TARGET",
                    f"Targets: {i} target {text!r} is not a number, '<15', '>=85' or a band '35-40'",
                )
        out.append((i, text))
    stray = sorted(set(t.upper() for t in (targets or {})) - set(ids))
    checks.require(
        not stray,
        "targets",
        "GOV-TARGET",
        f"Targets: {', '.join(stray)} has a target but is not one of the set's measures",
    )
    return out


def _measure_list(s: ScorecardSet) -> list[str]:
    return [f"{m.indicator_id}{' ' + m.target if m.target else ''}" for m in s.measures.all()]


@transaction.atomic
def scorecard_set_save(
    *,
    by,
    name: str,
    measures: list[str],
    targets: dict[str, str] | None = None,
    purpose: str = "",
    set_id: int | None = None,
    expected_version: int | None = None,
) -> ScorecardSet:
    """Create a set, or replace an existing set's name, measures (in the order given) and targets.
    The measures and their targets go into the audit as a list, so "what changed" shows them."""
    _require_writer(by)
    la = by.local_authority
    checks = Checks()
    name = (name or "").strip()
    checks.require(bool(name), "name", "GOV-NAME", "Name: enter the scorecard's name")
    held = None
    if set_id is not None:
        if not ScorecardSet.objects.filter(pk=set_id, local_authority=la).exists():
            raise PermissionDenied("no such scorecard set in your council")
        held = lock_for_edit(ScorecardSet, set_id, expected_version)
    if name:
        clash = ScorecardSet.objects.filter(local_authority=la, name__iexact=name)
        if held is not None:
            clash = clash.exclude(pk=held.pk)
        checks.require(
            not clash.exists(),
            "name",
            "GOV-NAME",
            f"Name: the council already has a scorecard called {name!r}",
        )
    chosen = _check_measures(la, measures, {k.upper(): v for k, v in (targets or {}).items()}, checks)
    obj = copy.copy(held) if held is not None else ScorecardSet(local_authority=la)
    obj.name, obj.purpose = name, (purpose or "").strip()
    checks.free_text(obj)
    checks.raise_if_any()
    before = _measure_list(held) if held is not None else []
    if held is not None:
        obj.version = held.version + 1
    obj.updated_by = by
    obj.save()
    for m in list(obj.measures.all()):  # one by one, so each removal is kept in the history
        m.delete()
    bulk_create_with_history(
        [
            SetMeasure(scorecard_set=obj, indicator_id=i, position=n, target=t)
            for n, (i, t) in enumerate(chosen, start=1)
        ],
        SetMeasure,
        default_user=by,
    )
    detail = audit_detail("scorecard_set_save", held, obj)
    after = _measure_list(obj)
    if after != before:
        detail["changes"]["measures"] = [before or None, after]
    audit_record(
        actor=by,
        action="update" if held is not None else "create",
        obj=obj,
        detail=detail,
        reason=f"scorecard set {name}",
    )
    return obj


@transaction.atomic
def set_commentary_save(*, by, set_id: int, period_label: str, texts: dict[str, str]) -> int:
    """The set's commentary for one period, measure by measure; an emptied box removes it (its
    words stay in the history). Returns how many changed."""
    _require_writer(by)
    s = ScorecardSet.objects.filter(pk=set_id, local_authority_id=by.local_authority_id).first()
    if s is None:
        raise PermissionDenied("no such scorecard set in your council")
    checks = Checks()
    checks.require(bool(period_label), "period", "GOV-PERIOD", "Period: choose the period")
    ids = set(s.measures.values_list("indicator_id", flat=True))
    for i, text in texts.items():
        checks.require(i in ids, f"comment_{i}", "GOV-MEASURE", f"{i} is not one of the set's measures")
        checks.text(text, f"comment_{i}", f"Commentary on {i}", limit=2_000, multiline=True)
    checks.raise_if_any()
    held = {
        c.indicator_id: c for c in SetCommentary.objects.filter(scorecard_set=s, period_label=period_label)
    }
    changed = 0
    for i, text in texts.items():
        text = (text or "").strip()
        old = held.get(i)
        if old is None and text:
            new = SetCommentary.objects.create(
                scorecard_set=s, indicator_id=i, period_label=period_label, text=text, updated_by=by
            )
            audit_record(
                actor=by, action="create", obj=new, detail=audit_detail("set_commentary_save", None, new)
            )
        elif old is not None and text and text != old.text:
            before = copy.copy(old)
            old.text, old.updated_by = text, by
            old.save()
            audit_record(
                actor=by, action="update", obj=old, detail=audit_detail("set_commentary_save", before, old)
            )
        elif old is not None and not text:
            audit_record(
                actor=by, action="delete", obj=old, detail=audit_detail("set_commentary_save", old, None)
            )
            old.delete()
        else:
            continue
        changed += 1
    return changed


def _check_parts(la, parts, checks: Checks) -> list[str]:
    sets = set(ScorecardSet.objects.filter(local_authority=la).values_list("pk", flat=True))
    out = []
    for p in parts or ():
        p = str(p)
        if p in PARTS or (p.startswith("set:") and p[4:].isdigit() and int(p[4:]) in sets):
            out.append(p)
        else:
            checks.fail(
                "parts",
                "GOV-PART",
                f"Parts: {p!r} is not a scorecard set of the council or a report the pack can include",
            )
    checks.require(bool(out), "parts", "GOV-PART", "Parts: choose at least one part for the pack")
    return list(dict.fromkeys(out))


@transaction.atomic
def committee_pack_save(
    *,
    by,
    year: int,
    quarter: int,
    title: str,
    parts: list[str],
    purpose: str = "",
    recommendations: str = "",
    financial: str = "",
    legal: str = "",
    risk: str = "",
    supporting: str = "",
    expected_version: int | None = None,
) -> CommitteePack:
    """The author's words and the chosen parts of the quarter's pack. A committee report states its
    purpose and recommendations before anything else, so both are required."""
    _require_writer(by)
    la = by.local_authority
    checks = Checks()
    checks.require(
        isinstance(year, int) and 2000 <= year <= 2100,
        "year",
        "GOV-PERIOD",
        "Year: enter the reporting year by its ending, for example 2027 for 2026-27",
    )
    checks.require(quarter in (1, 2, 3, 4), "quarter", "GOV-PERIOD", "Quarter: choose quarter 1, 2, 3 or 4")
    checks.require(bool((title or "").strip()), "title", "GOV-TEXT", "Title: enter the report's title")
    checks.require(
        bool((purpose or "").strip()),
        "purpose",
        "GOV-TEXT",
        "Purpose of the report: say what the report is for",
    )
    checks.require(
        bool((recommendations or "").strip()),
        "recommendations",
        "GOV-TEXT",
        "Recommendations: say what the committee is asked to do",
    )
    chosen = _check_parts(la, parts, checks)
    checks.raise_if_any()
    held = CommitteePack.objects.filter(local_authority=la, year=year, quarter=quarter).first()
    if held is not None:
        held = lock_for_edit(CommitteePack, held.pk, expected_version)
    obj = (
        copy.copy(held) if held is not None else CommitteePack(local_authority=la, year=year, quarter=quarter)
    )
    for field, value in (
        ("title", title),
        ("purpose", purpose),
        ("recommendations", recommendations),
        ("financial", financial),
        ("legal", legal),
        ("risk", risk),
        ("supporting", supporting),
    ):
        setattr(obj, field, (value or "").strip())
    obj.parts = chosen
    checks.free_text(obj)
    checks.raise_if_any()
    if held is not None:
        obj.version = held.version + 1
    obj.updated_by = by
    obj.save()
    audit_record(
        actor=by,
        action="update" if held is not None else "create",
        obj=obj,
        detail=audit_detail("committee_pack_save", held, obj),
        reason=f"committee pack {year} Q{quarter}",
    )
    return obj
