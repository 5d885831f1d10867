"""Every write to the scorecard's configuration, commentary and hand-entered values: validated,
saved and audited in one transaction. CSV imports are all-or-nothing and name the file, line and
field of each problem."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from safeguard.audit.services import audit_record
from safeguard.core.errors import Checks, RecordInvalid, Violation, today

from . import catalogue as cat
from .models import Commentary, KeptFigure, ManualValue, MeasureSetting
from .rules import parse_target

SETTING_COLUMNS = (
    "indicator_id",
    "name",
    "pi_ref",
    "order",
    "on_scorecard",
    "polarity",
    "unit",
    "target",
    "target_type",
    "target_is_annual_count",
    "statistical_neighbour_average",
    "statistical_neighbour_n",
    "england_average",
    "comparator_year",
    "comparator_source",
    "previous_year_end",
    "rag_tolerance",
    "rag_minimum_denominator",
    "direction_basis",
    "direction_epsilon",
    "range_preferred_side",
    "plan_priority",
    "corporate_priority",
)
VALUE_COLUMNS = ("indicator_id", "period_start", "period_end", "value", "numerator", "denominator", "note")
POLARITIES = (cat.HIGH_GOOD, cat.LOW_GOOD, cat.RANGE, cat.NONE)
_FLOATS = (
    "statistical_neighbour_average",
    "england_average",
    "previous_year_end",
    "rag_tolerance",
    "direction_epsilon",
)
_INTS = ("order", "statistical_neighbour_n", "rag_minimum_denominator")
_BOOLS = ("on_scorecard", "target_is_annual_count")


def _check_setting(fields: dict, checks: Checks, where: str) -> dict:
    """Turn text (a CSV cell or a form field) into typed values, reporting every bad one."""
    clean: dict = {}
    for name, value in fields.items():
        value = "" if value is None else value
        text = str(value).strip()
        label = f"{where}{name}"
        if name == "indicator_id":
            continue
        if name == "target":
            try:
                t = parse_target(text)
            except ValueError:
                checks.fail(
                    label, "PERF-TARGET", f"target {text!r} is not a number, '<15', '>=85' or a band '35-40'"
                )
                continue
            clean.update(
                target_operator=">=" if t.operator == "=" else t.operator, target=t.value, target_high=t.high
            )
            clean["_target_text"] = text
        elif name in _FLOATS:
            try:
                clean[name] = float(text.replace("%", "")) if text else None
            except ValueError:
                checks.fail(label, "PERF-NUMBER", f"{name} {text!r} is not a number")
        elif name in _INTS:
            if text and not text.isdigit():
                checks.fail(label, "PERF-NUMBER", f"{name} {text!r} is not a whole number")
            elif text:
                clean[name] = int(text)
        elif name in _BOOLS:
            if text.lower() not in ("", "yes", "no", "true", "false", "1", "0", "y", "n"):
                checks.fail(label, "PERF-YESNO", f"{name} {text!r} must be yes or no")
            elif text:
                clean[name] = text.lower() in ("yes", "true", "1", "y")
        elif name == "polarity":
            if text and text.upper() not in POLARITIES:
                checks.fail(
                    label, "PERF-POLARITY", f"polarity {text!r} must be one of {', '.join(POLARITIES)}"
                )
            clean[name] = text.upper()
        elif name == "direction_basis":
            if text and text not in MeasureSetting.Basis.values:
                checks.fail(
                    label,
                    "PERF-BASIS",
                    f"direction_basis {text!r} must be one of {', '.join(MeasureSetting.Basis.values)}",
                )
            elif text:
                clean[name] = text
        elif name == "range_preferred_side":
            if text and text.upper() not in ("LOW", "HIGH"):
                checks.fail(label, "PERF-SIDE", "range_preferred_side must be LOW or HIGH")
            clean[name] = text.upper()
        elif name in SETTING_COLUMNS:
            clean[name] = text
        else:
            checks.fail(label, "PERF-COLUMN", f"unknown setting {name!r}")
    return clean


def _target_operator(clean: dict, polarity: str) -> None:
    """A bare number is a point target read through the polarity: '85' for a high-is-good
    measure means at least 85; for a low-is-good one, at most 85."""
    text = clean.pop("_target_text", None)
    if text is None or clean.get("target_operator") not in (">=",) or any(text.startswith(o) for o in "<>"):
        return
    if polarity == cat.LOW_GOOD:
        clean["target_operator"] = "<="


def _save_setting(by, la, indicator_id: str, clean: dict) -> MeasureSetting:
    polarity = clean.get("polarity") or (
        cat.CATALOGUE[indicator_id].polarity if indicator_id in cat.CATALOGUE else cat.NONE
    )
    _target_operator(clean, polarity)
    setting, created = MeasureSetting.objects.get_or_create(local_authority=la, indicator_id=indicator_id)
    for name, value in clean.items():
        setattr(setting, name, value)
    setting.full_clean(exclude=["local_authority"])
    setting.save()
    audit_record(
        actor=by,
        action="create" if created else "update",
        obj=setting,
        reason=f"scorecard setting {indicator_id}",
        detail={k: str(v) for k, v in clean.items()},
    )
    return setting


@transaction.atomic
def measure_settings_import(*, by, local_authority, path: Path) -> list[MeasureSetting]:
    """Import scorecard settings from CSV (columns `SETTING_COLUMNS`; indicator_id required,
    others optional). Rows for ids outside the catalogue add hand-entered measures."""
    name = Path(path).name
    checks = Checks()
    parsed = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        if "indicator_id" not in header:
            raise RecordInvalid(
                [Violation(f"{name}:1:indicator_id", "PERF-COLUMN", "the header has no indicator_id column")]
            )
        for bad in [h for h in header if h not in SETTING_COLUMNS]:
            checks.fail(
                f"{name}:1:{bad}",
                "PERF-COLUMN",
                f"unknown column {bad!r}; expected {', '.join(SETTING_COLUMNS)}",
            )
        seen: dict[str, int] = {}
        for line, raw in enumerate(reader, start=2):
            iid = (raw.get("indicator_id") or "").strip().upper()
            if not iid:
                checks.fail(f"{name}:{line}:indicator_id", "PERF-ID", "indicator_id is required")
                continue
            if iid in seen:
                checks.fail(
                    f"{name}:{line}:indicator_id", "PERF-ID", f"{iid} appears twice (also line {seen[iid]})"
                )
                continue
            seen[iid] = line
            fields = {k: v for k, v in raw.items() if k in SETTING_COLUMNS and k != "indicator_id"}
            parsed.append((iid, _check_setting(fields, checks, f"{name}:{line}:")))
    checks.raise_if_any()
    saved = [_save_setting(by, local_authority, iid, clean) for iid, clean in parsed]
    audit_record(
        actor=by,
        action="import",
        object_type="performance.MeasureSetting",
        object_id=str(local_authority.pk),
        reason=f"scorecard settings import {name}",
        detail={"file": name, "rows": len(saved)},
    )
    return saved


@transaction.atomic
def commentary_save(*, by, local_authority, indicator_id: str, period_label: str, text: str) -> Commentary:
    """Commentary for one measure and period; earlier wording stays in the history."""
    checks = Checks()
    checks.require(bool(text and text.strip()), "text", "PERF-COMMENT", "commentary text is required")
    checks.require(bool(period_label), "period_label", "PERF-COMMENT", "the period is required")
    checks.raise_if_any()
    obj, created = Commentary.objects.get_or_create(
        local_authority=local_authority,
        indicator_id=indicator_id.upper(),
        period_label=period_label,
        defaults={"text": text.strip(), "updated_by": by},
    )
    if not created:
        obj.text, obj.updated_by = text.strip(), by
        obj.save()
    audit_record(
        actor=by,
        action="create" if created else "update",
        obj=obj,
        reason=f"scorecard commentary {indicator_id} {period_label}",
    )
    return obj


def _date(text: str, field: str, checks: Checks) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        checks.fail(field, "PERF-DATE", f"{text!r} is not a date (YYYY-MM-DD)")
        return None


def _check_value(indicator_id, start, end, value, checks: Checks, where: str) -> None:
    ind = cat.CATALOGUE.get(indicator_id)
    if ind is not None and ind.is_held:
        checks.fail(
            f"{where}indicator_id",
            "PERF-HELD",
            f"{indicator_id} is computed from the record; it cannot be entered by hand",
        )
    if start and end and end < start:
        checks.fail(f"{where}period_end", "PERF-DATE", "period_end is before period_start")
    if value is None:
        checks.fail(f"{where}value", "PERF-NUMBER", "value is required")


@transaction.atomic
def manual_value_record(
    *,
    by,
    local_authority,
    indicator_id: str,
    period_start: dt.date,
    period_end: dt.date,
    value: float,
    numerator: float | None = None,
    denominator: float | None = None,
    note: str = "",
) -> ManualValue:
    """A figure for a measure the record cannot hold (hand-entered status in the catalogue, or a
    measure added by configuration), for one period."""
    checks = Checks()
    indicator_id = indicator_id.strip().upper()
    _check_value(indicator_id, period_start, period_end, value, checks, "")
    checks.raise_if_any()
    obj, created = ManualValue.objects.update_or_create(
        local_authority=local_authority,
        indicator_id=indicator_id,
        period_start=period_start,
        period_end=period_end,
        defaults=dict(value=value, numerator=numerator, denominator=denominator, note=note, entered_by=by),
    )
    audit_record(
        actor=by,
        action="create" if created else "update",
        obj=obj,
        reason=f"hand-entered value {indicator_id} {period_start}-{period_end}",
    )
    return obj


@transaction.atomic
def manual_values_import(*, by, local_authority, path: Path) -> list[ManualValue]:
    """Import hand-entered values from CSV (columns `VALUE_COLUMNS`), all or nothing."""
    name = Path(path).name
    checks = Checks()
    rows = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [
            c
            for c in ("indicator_id", "period_start", "period_end", "value")
            if c not in (reader.fieldnames or [])
        ]
        if missing:
            raise RecordInvalid(
                [Violation(f"{name}:1:{m}", "PERF-COLUMN", f"the header has no {m} column") for m in missing]
            )
        for line, raw in enumerate(reader, start=2):
            where = f"{name}:{line}:"
            iid = (raw.get("indicator_id") or "").strip().upper()
            start = _date(raw.get("period_start", ""), f"{where}period_start", checks)
            end = _date(raw.get("period_end", ""), f"{where}period_end", checks)
            numbers = {}
            for col in ("value", "numerator", "denominator"):
                text = (raw.get(col) or "").strip().replace("%", "")
                try:
                    numbers[col] = float(text) if text else None
                except ValueError:
                    checks.fail(f"{where}{col}", "PERF-NUMBER", f"{col} {text!r} is not a number")
                    numbers[col] = 0.0
            _check_value(iid, start, end, numbers["value"], checks, where)
            rows.append((iid, start, end, numbers, (raw.get("note") or "").strip()))
    checks.raise_if_any()
    saved = [
        manual_value_record(
            by=by,
            local_authority=local_authority,
            indicator_id=iid,
            period_start=s,
            period_end=e,
            note=note,
            **nums,
        )
        for iid, s, e, nums, note in rows
    ]
    audit_record(
        actor=by,
        action="import",
        object_type="performance.ManualValue",
        object_id=str(local_authority.pk),
        reason=f"hand-entered values import {name}",
        detail={"file": name, "rows": len(saved)},
    )
    return saved


# --- kept figures ------------------------------------------------------------------------------------


def kept_figures_invalidate(*, local_authority_id: int, since: dt.date | None, reason: str) -> int:
    """A change to the record dated `since` (its earliest date, before or after the change) may
    alter every figure whose window ends on or after that day; `since` None: every figure. Ended
    windows are marked stale with the reason (a history row each, so the published figure and what
    changed it stay on file) and computed again when next asked for; figures of windows not yet
    ended are only the day's working copies and are dropped. Runs inside the change's transaction."""
    day = today()
    figures = KeptFigure.objects.filter(local_authority_id=local_authority_id, stale=False)
    if since is not None:
        figures = figures.filter(window_end__gte=since)
    kept = list(figures)  # one read: a save usually finds none
    running = [f.pk for f in kept if f.window_end >= day]
    if running:
        KeptFigure.objects.filter(pk__in=running).delete()
    ended = [f for f in kept if f.window_end < day]
    for f in ended:
        f.stale, f.stale_reason = True, reason[:300]
    if ended:
        bulk_update_with_history(
            ended, KeptFigure, ["stale", "stale_reason"], default_change_reason=reason[:100]
        )
    return len(ended)


def _business_dates(record) -> list[dt.date] | None:
    """The dates a record stands on (not its own timestamps): the child's own change reaches back
    to the date of birth. None when it has none (an unborn child, say): every period."""
    if record is None:
        return []
    out = []
    for f in record._meta.concrete_fields:
        if isinstance(f, models.DateField) and not (f.auto_now or f.auto_now_add):
            value = getattr(record, f.attname)
            if isinstance(value, dt.datetime):
                value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
            if value is not None:
                out.append(value)
    return out or None


def record_changed(sender=None, *, change=None, local_authority_ids=None, **kwargs) -> None:
    """Receiver of the record's `record_changed` signal (sent by the unit of work once a change is
    written, or by the bulk writer with the councils it wrote to): marks the kept figures the
    change may alter (`kept_figures_invalidate`)."""
    if change is None:
        for la_id in local_authority_ids or ():
            kept_figures_invalidate(local_authority_id=la_id, since=None, reason="records imported")
        return
    since: dt.date | None = dt.date.max
    for _action, record, held in change._staged:
        for obj in (record, held):
            dates = _business_dates(obj)
            if dates is None:
                since = None
                break
            since = min([since, *dates])
        if since is None:
            break
    if since == dt.date.max:
        return
    kept_figures_invalidate(
        local_authority_id=change.child.local_authority_id,
        since=since,
        reason=f"{change.event} for child {change.child.pk}" + (f" dated {since:%d/%m/%Y}" if since else ""),
    )
