"""The one bulk writer: whole children's records already checked in memory (through the same checks
as a practitioner's save), from a return being imported or a council being generated, inserted table
by table with their history rows, audit rows and clocks, inside the caller's transaction. It reaches
the casework models through Django's app registry, so the casework apps can build on the record."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import signal
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from operator import itemgetter

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

from safeguard.audit.models import AuditEvent
from safeguard.audit.services import audit_detail, audit_values
from safeguard.core.bulk import converter, insert_rows, update_by_key
from safeguard.record.change import record_changed
from safeguard.record.history import _SOURCES, ChildHistory
from safeguard.timescales.derive import sync_children_clocks, wanted_links
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


def _fast_bulk(model, objs: list, when: dt.datetime) -> None:
    """Records already checked in memory, and their history rows (what bulk_create_with_history
    writes, without building an object per row), as plain rows: several times faster than the
    ORM's bulk_create."""
    # Keys handed out by `Ids` are written; tables keyed by the database (clocks, audit) are not.
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and objs[0].pk is None)]
    getters = []
    for f in fields:
        conv = converter(f)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:
                setattr(obj, f.attname, when)
        getters.append((f.attname, conv))
    rows = []
    for obj in objs:
        rows.append(tuple(conv(obj.__dict__[a]) if conv else obj.__dict__[a] for a, conv in getters))
    insert_rows(model, fields, rows)
    _insert_history(model, fields, rows, [(when, "generated", "+", None)] * len(rows))


def _bulk(model, objs: list, when: dt.datetime) -> None:
    if objs:
        _fast_bulk(model, objs, when)


def _bulk_values(model, values: list[dict], when: dt.datetime) -> None:
    """Rows of a table keyed by the database (clocks, audit), straight from their values: the
    same row `_fast_bulk` would write for `model(**v)`, without building the objects."""
    if not values:
        return
    if hasattr(model, "history"):
        _bulk(model, [model(**v) for v in values], when)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    plan = []  # per column: (key in the values, converter, fixed value)
    for f in fields:
        conv = converter(f)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            plan.append((None, None, conv(when) if conv else when))
        elif f.attname in values[0] or f.name in values[0]:
            plan.append((f.attname if f.attname in values[0] else f.name, conv, None))
        else:
            default = f.get_default()
            plan.append((None, None, conv(default) if conv else default))
    rows = [tuple((conv(v[key]) if conv else v[key]) if key is not None else fixed
                  for key, conv, fixed in plan) for v in values]
    insert_rows(model, fields, rows)


def write_histories(histories: Iterable[ChildHistory], *, reason: str, cal=None) -> dict[str, int]:
    """Insert every record of these children, their clocks and one audit row per child."""
    Child = apps.get_model("people.Child")  # noqa: N806
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
            clocks.append({"child_id": h.child.pk, "code": link.code, "subject_type": link.subject_type,
                           "subject_id": link.subject_id, "sequence": link.sequence,
                           "start_date": link.start_date, "unit": link.unit, "amount": link.amount,
                           "due_date": link.due_date, "met_date": link.met_date,
                           "met_by_type": link.met_by_type, "met_by_id": link.met_by_id,
                           "stopped_date": link.stopped_date, "stopped_reason": link.stopped_reason})
    _bulk_values(Clock, clocks, when)
    counts["timescales.Clock"] = len(clocks)
    _bulk_values(AuditEvent, [{"action": "import", "object_type": "people.Child", "object_id": str(c.pk),
                               "child_id": c.pk, "reason": reason} for c in children], when)
    record_changed.send(sender=None, local_authority_ids=sorted({c.local_authority_id for c in children}))
    return counts


def reset_sequences(models) -> None:
    """After inserting explicit keys, move PostgreSQL's sequences past them (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


# --- rows: histories turned into plain tuples, so they can be built in worker processes --------

class LocalIds(Ids):
    """Keys counted from 1 for each table without asking the database: a chunk of children is
    built with these, and `Rows.shift` moves them past the keys already used when it is written."""

    def next(self, model) -> int:
        label = model._meta.label
        pk = self._next.get(label, 1)
        self._next[label] = pk + 1
        return pk

    def used(self) -> dict[str, int]:
        return {label: n - 1 for label, n in self._next.items()}


def _row_maker(fields: list) -> tuple[Callable, Callable]:
    """Two functions for a table's rows: one picks the fields' values (by attname) from an
    object's dict as a tuple, the other converts those that need it for the database."""
    pick = itemgetter(*(f.attname for f in fields))
    convs = [(i, c) for i, f in enumerate(fields) if (c := converter(f)) is not None]
    if not convs:
        return pick, tuple

    def convert(values: tuple) -> tuple:
        out = list(values)
        for i, c in convs:
            out[i] = c(out[i])
        return tuple(out)

    return pick, convert


def _generated_labels() -> list[str]:
    return ["people.Child"] + [_SOURCES[name][0] for name in ORDER]


#: The order tables are written in: every table after the tables it points to.
_ORDER = {label: i for i, label in enumerate(_generated_labels())}

#: Clocks about a placement name it by its period of care's key * 1000 + n (timescales.derive).
PLACEMENT = "looked_after.Placement"


class Rows:
    """Every row of a chunk of children, table by table, with keys local to the chunk."""

    def __init__(self) -> None:
        self.tables: dict[str, list[tuple]] = {}
        self.used: dict[str, int] = {}

    @staticmethod
    def fields(model) -> list:
        return [f for f in model._meta.concrete_fields if not (f.primary_key and model is Clock)]

    @classmethod
    def build(cls, histories: list[ChildHistory], ids: LocalIds, when: dt.datetime, cal=None) -> Rows:
        rows = cls()
        rows.used = ids.used()
        pairs = [("people.Child", [h.child for h in histories])]
        pairs += [(_SOURCES[name][0], [obj for h in histories for obj in getattr(h, name)]) for name in ORDER]
        for label, objs in pairs:
            fields = cls.fields(apps.get_model(label))
            stamped = {f.attname: when for f in fields
                       if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
            pick, convert = _row_maker(fields)
            rows.tables[label] = [convert(pick({**obj.__dict__, **stamped} if stamped else obj.__dict__))
                                  for obj in objs]
        clock_fields = cls.fields(Clock)
        pick, convert = _row_maker(clock_fields)
        clock_rows = []
        for h in histories:
            for link in wanted_links(h, cal):
                clock_rows.append(convert(pick({**vars(link), "child_id": h.child.pk})))
        rows.tables["timescales.Clock"] = clock_rows
        return rows

    def shift(self, offsets: dict[str, int]) -> None:
        """Move every key and every link between generated records by the table's offset."""
        generated = set(_generated_labels())
        for label, table in self.tables.items():
            model = apps.get_model(label)
            moves = []
            for i, f in enumerate(self.fields(model)):
                if f.primary_key and label in generated:
                    moves.append((i, label))
                elif (f.is_relation and (f.many_to_one or f.one_to_one)
                      and f.related_model._meta.label in generated):
                    moves.append((i, f.related_model._meta.label))
            by_type = []
            if model is Clock:
                names = [f.attname for f in self.fields(Clock)]
                by_type = [(names.index("subject_id"), names.index("subject_type")),
                           (names.index("met_by_id"), names.index("met_by_type"))]
            if not moves and not by_type:
                continue
            out = []
            for row in table:
                row = list(row)
                for i, target in moves:
                    if row[i] is not None:
                        row[i] += offsets.get(target, 0)
                for i, t in by_type:
                    if row[i] is not None and row[t] in generated:
                        row[i] += offsets.get(row[t], 0)
                    elif row[i] is not None and row[t] == PLACEMENT:
                        row[i] += offsets.get("looked_after.PeriodOfCare", 0) * 1000
                out.append(tuple(row))
            self.tables[label] = out

    def insert(self, when: dt.datetime, reason: str) -> dict[str, int]:
        """Write the rows, their history rows and one audit row per child."""
        counts = {}
        for label, table in self.tables.items():
            model = apps.get_model(label)
            fields = self.fields(model)
            counts[label] = len(table)
            if not table:
                continue
            _insert_with_history(model, fields, table, when, reason)
        child_pk = [f.attname for f in self.fields(apps.get_model("people.Child"))].index("id")
        _bulk_values(AuditEvent, [{"action": "import", "object_type": "people.Child",
                                   "object_id": str(r[child_pk]), "child_id": r[child_pk],
                                   "reason": reason} for r in self.tables["people.Child"]], when)
        council = [f.attname for f in self.fields(apps.get_model("people.Child"))].index("local_authority_id")
        record_changed.send(sender=None,
                            local_authority_ids=sorted({r[council] for r in self.tables["people.Child"]}))
        return counts


def next_keys() -> dict[str, int]:
    """The highest key already used in each generated table (0 if empty)."""
    out = {}
    for label in _generated_labels():
        model = apps.get_model(label)
        out[label] = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return out


@contextmanager
def in_processes(work: Callable, chunks: list, jobs: int) -> Iterator[Iterable]:
    """`work` over each chunk, results in chunk order, computed by `jobs` forked processes (or
    here, for one). Workers inherit what the caller set up, never touch the database and ignore
    Ctrl-C: the caller stops them, and its transaction rolls back."""
    pool = None
    try:
        if jobs > 1:
            pool = multiprocessing.get_context("fork").Pool(
                jobs, initializer=signal.signal, initargs=(signal.SIGINT, signal.SIG_IGN))
            yield pool.imap(work, chunks)
        else:
            yield map(work, chunks)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


def write_records(tables: dict[str, list[dict]], *, when: dt.datetime, reason: str) -> dict[str, int]:
    """Insert records a child's history does not hold (case notes, persons, households,
    professionals, documents), given as attribute values with their keys already handed out,
    table by table in the order given (every table after the ones it points to), each with its
    history row. A value given for `created_at`/`updated_at` is kept (a note's recording time is
    part of the record); a missing one is `when`. No audit row: the child's import row covers them."""
    counts: dict[str, int] = {}
    for label, values in tables.items():
        counts[label] = len(values)
        if not values:
            continue
        model = apps.get_model(label)
        fields = list(model._meta.concrete_fields)
        plan = []  # per column: (attname, converter, value when not given)
        for f in fields:
            conv = converter(f)
            stamped = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            plan.append((f.attname, conv, when if stamped else f.get_default()))
        rows = [tuple((conv(v[a]) if conv else v[a]) if a in v else (conv(d) if conv else d)
                      for a, conv, d in plan) for v in values]
        _insert_with_history(model, fields, rows, when, reason)
    return counts


def _insert_with_history(model, fields: list, rows: list[tuple], when: dt.datetime, reason: str) -> None:
    """Insert rows (tuples in the order of `fields`) and, for a model that keeps history, each
    one's first history row ("+", dated `when`, with `reason`)."""
    insert_rows(model, fields, rows)
    _insert_history(model, fields, rows, [(when, reason, "+", None)] * len(rows))


def _insert_history(model, fields: list, rows: list[tuple], tails: list[tuple]) -> None:
    """The history row of each row (converted, in the order of `fields`) of a model that keeps
    history: its values, then its tail (history date, change reason, type "+", "~" or "-", user)."""
    if not hasattr(model, "history") or not rows:
        return
    hmodel = model.history.model
    position = {f.attname: i for i, f in enumerate(fields)}
    hfields = [f for f in hmodel._meta.concrete_fields if f.attname != "history_id"]
    copied = [f for f in hfields if f.attname in position]
    added = [f.attname for f in hfields if f.attname not in position]
    conv = converter(hmodel._meta.get_field("history_date"))
    tail_of = {name: i for i, name in enumerate(HISTORY_TAIL)}
    pick = itemgetter(*(position[f.attname] for f in copied))

    def tail(t: tuple) -> tuple:
        return tuple((conv(t[0]) if conv else t[0]) if name == "history_date" else t[tail_of[name]]
                     for name in added)

    insert_rows(hmodel, copied + [hmodel._meta.get_field(a) for a in added],
                [pick(r) + tail(t) for r, t in zip(rows, tails, strict=True)])


#: What a history row adds to the record's own fields, in the order of `_insert_history`'s tails.
HISTORY_TAIL = ("history_date", "history_change_reason", "history_type", "history_user_id")


class Batch:
    """Changes to children already on the record, each checked when it was made (the unit of
    work, as any save), held here as rows and written together by `write`: a merging import
    changes thousands of records, and writes them, their history rows and audit rows in a few
    statements a table rather than three for each. A record becomes its row when its change is
    added, so what is written is what was checked, whatever happens to the object later."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[int, tuple]] = {}  # by model, the row of each record added
        self.inserted: dict[str, set[int]] = {}  # the keys of those new to the database
        self.history: dict[str, list[tuple]] = {}  # by model: (row, history tail), in order
        self.audit: list[dict] = []
        self.clocks: dict[int, ChildHistory] = {}  # children whose clocks are to be derived

    def add(self, change) -> None:
        when = timezone.now()
        user = getattr(change.by, "pk", None)
        reason = change.reason
        for action, record, held in change._staged:
            if action == "delete":  # no merge removes a record, so a batch writes no removals
                raise ValueError(f"{change.event}: a batch writes no removals")
            model = type(record)
            label = model._meta.label
            new = action == "create"
            if not new and hasattr(record, "version"):
                record.version += 1  # as `core.models.Recorded.save` counts a save
            for f in _stamped(model):
                if getattr(f, "auto_now", False) or new:
                    setattr(record, f.attname, when)
            row = _plan(model)[1](record.__dict__)
            self.rows.setdefault(label, {})[record.pk] = row
            if new:
                self.inserted.setdefault(label, set()).add(record.pk)
            self.history.setdefault(label, []).append(
                (row, (when, reason[:100], "+" if new else "~", user)))
            self.audit.append(audit_values(
                actor=change.by, action=action, object_type=label, object_id=str(record.pk),
                child_id=change.child.pk, reason=reason, detail=audit_detail(change.event, held, record)))

    def write(self) -> None:
        """Updates by key, then inserts (so a period of care ended frees the place of
        the one opened after it: a unique constraint is checked row by row, not at the end), the
        history and audit rows, and the clocks of the children whose changes move them."""
        labels = sorted(self.rows, key=lambda x: _ORDER.get(x, len(_ORDER)))
        for label in labels:
            model = apps.get_model(label)
            fields = _plan(model)[0]
            at, new = _key_at(model), self.inserted.get(label, set())
            others = [i for i in range(len(fields)) if i != at]
            update_by_key(model, [fields[i] for i in others],
                          [(r[at], *(r[i] for i in others)) for pk, r in self.rows[label].items()
                           if pk not in new])
        for label in labels:
            model = apps.get_model(label)
            fields, _, convert = _plan(model)
            new = self.inserted.get(label, set())
            insert_rows(model, fields, [convert(r) for pk, r in self.rows[label].items() if pk in new])
            _insert_history(model, fields, [convert(r) for r, _ in self.history[label]],
                            [t for _, t in self.history[label]])
        _bulk_values(AuditEvent, self.audit, timezone.now())
        sync_children_clocks(self.clocks.values())


@cache
def _plan(model) -> tuple[list, Callable, Callable]:
    """A table's fields, and `_row_maker`'s two functions for them."""
    fields = Rows.fields(model)
    return (fields, *_row_maker(fields))


@cache
def _key_at(model) -> int:
    """Where a table's key is in its rows."""
    return [f.primary_key for f in _plan(model)[0]].index(True)


@cache
def _stamped(model) -> list:
    return [f for f in model._meta.concrete_fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
