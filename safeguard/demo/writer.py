"""Writing a generated council in bulk: records already checked in memory (through the same checks
as a practitioner's save) are inserted table by table, with their history rows, audit rows and
clocks, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from safeguard.audit.models import AuditEvent
from safeguard.people.history import _SOURCES, ChildHistory
from safeguard.timescales.derive import wanted_links
from safeguard.timescales.models import Clock

#: Insert order: every table after the tables it points to.
ORDER = [
    "contacts", "referrals", "early_help", "private_fostering", "assessments", "factors",
    "cin_plans", "strategy_discussions", "section47s", "cp_plans", "conferences", "core_groups",
    "pre_proceedings", "emergency_orders", "periods", "episodes", "la_reviews", "health_assessments",
    "annual_outcomes", "missing", "adoptions", "previous_permanence", "dolos", "care_leaver_contacts",
    "care_leaver_status", "peps", "permanence_plans", "visits", "relationships", "disabilities",
    "allocations",
]
BATCH = 2000


class Ids:
    """Primary keys handed out before saving, so records can point at each other in memory."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def next(self, model) -> int:
        label = model._meta.label
        if label not in self._next:
            top = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            self._next[label] = top + 1
        pk = self._next[label]
        self._next[label] += 1
        return pk

    def assign(self, obj):
        obj.pk = self.next(type(obj))
        return obj


def _bulk(model, objs: list, when: dt.datetime) -> None:
    if not objs:
        return
    if hasattr(model, "history"):
        bulk_create_with_history(objs, model, batch_size=BATCH, default_date=when,
                                 default_change_reason="generated")
    else:
        model.objects.bulk_create(objs, batch_size=BATCH)


def write_histories(histories: Iterable[ChildHistory], *, reason: str, cal=None) -> dict[str, int]:
    """Insert every record of these children, their clocks and one audit row per child."""
    from safeguard.people.models import Child

    histories = list(histories)
    when = timezone.now()
    counts: dict[str, int] = {}
    children = [h.child for h in histories]
    _bulk(Child, children, when)
    counts["people.Child"] = len(children)
    for name in ORDER:
        model = apps.get_model(_SOURCES[name][0])
        rows = [obj for h in histories for obj in getattr(h, name)]
        _bulk(model, rows, when)
        counts[model._meta.label] = len(rows)
    clocks = []
    for h in histories:
        for link in wanted_links(h, cal):
            clocks.append(Clock(child_id=h.child.pk, code=link.code, subject_type=link.subject_type,
                                subject_id=link.subject_id, sequence=link.sequence,
                                start_date=link.start_date, unit=link.unit, amount=link.amount,
                                due_date=link.due_date, met_date=link.met_date,
                                met_by_type=link.met_by_type, met_by_id=link.met_by_id,
                                stopped_date=link.stopped_date, stopped_reason=link.stopped_reason))
    Clock.objects.bulk_create(clocks, batch_size=BATCH)
    counts["timescales.Clock"] = len(clocks)
    AuditEvent.objects.bulk_create(
        [AuditEvent(action="import", object_type="people.Child", object_id=str(c.pk), child_id=c.pk,
                    reason=reason) for c in children], batch_size=BATCH)
    return counts


def reset_sequences(models) -> None:
    """After inserting explicit keys, move PostgreSQL's sequences past them (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
