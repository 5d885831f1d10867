"""The unit of work on a child's record: the one way every service, importer and the generator
changes it.

A `Change` holds the child's history (each list read when first used, so a save reads only what
its checks and the clocks need), takes new records and edited *copies* of held ones (never the
stored object, so a check can compare the record on file with the candidate), runs each one's pure
check, and hands the verdict to a sink:

- `DatabaseSink` (the default, for services): refuse with every violation (`RecordInvalid`), or save
  each record (its history row is kept by simple_history), write one audit row per record in the one
  shape below, and re-derive the child's clocks once (when the change touches what they derive
  from). The service's `@transaction.atomic` makes it all or nothing.
- `RebuildSink` (importers and the generator): nothing touches the database; records get their
  primary keys from `record.writer.Ids` and the bulk writer saves whole histories later; a refusal
  goes to the caller's `report`, which names the file, line and field.

The audit `detail` of every change, whatever the record (`audit.services.audit_detail`):

    {"event": "<the service's name, e.g. referral_close>",
     "changes": {"<field>": [<before>, <after>], ...}}

Before is null for a new record and after is null for a removed one. Dates are ISO strings, links
are the linked record's key, and narrative text is never copied into the audit (it shows as
"[narrative, N characters]"; the record's own history keeps the words).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.dispatch import Signal

from safeguard.audit.services import audit_detail, audit_record
from safeguard.core.errors import Checks, Violation
from safeguard.core.records import lock_for_edit
from safeguard.timescales.derive import sync_child_clocks

from .history import _BY_LABEL, ChildHistory, edited

Check = Callable[..., None]

#: The lists of a child's record the clocks are derived from (`timescales.derive.wanted_links`, with
#: the child's own row and the calendar): a change that touches none of them leaves the child's
#: clocks as they are, so its save neither reads these lists nor re-derives the clocks.
CLOCK_LISTS = ("referrals", "assessments", "strategy_discussions", "section47s", "conferences",
               "cp_plans", "core_groups", "periods", "episodes", "la_reviews", "health_assessments",
               "peps", "missing", "private_fostering", "visits")
_CREATE, _UPDATE, _DELETE = "create", "update", "delete"


class Change:
    """One change to one child's record, made of one or more new, edited or removed records."""

    __slots__ = ("history", "by", "event", "reason", "sink", "checks", "held", "_by_pk", "_staged")

    def __init__(self, history: ChildHistory, *, by, event: str, reason: str = "",
                 sink: DatabaseSink | RebuildSink | None = None) -> None:
        self.history, self.by, self.event, self.reason = history, by, event, reason
        self.sink = sink if sink is not None else DatabaseSink()
        self.checks = Checks()
        self.held = None  # the record `of` was asked for
        self._by_pk = getattr(by, "pk", None)
        self._staged: list[tuple[str, Any, Any]] = []  # (action, record, record as held before)

    # --- opening a change ----------------------------------------------------------------------

    @classmethod
    def of_child(cls, child_id: int, *, by, event: str, reason: str = "") -> Change:
        """A change to this child's record; the child is locked until the transaction ends, so two
        saves about one child are checked one after the other."""
        return cls(ChildHistory.open(child_id), by=by, event=event, reason=reason)

    @classmethod
    def of(cls, model: type[models.Model], pk: int, *, by, event: str,
           expected_version: int | None = None) -> Change:
        """A change to (or within) one held record, e.g. referral 7: its child's record is loaded
        and locked, and `change.held` is that record, refused (`EditConflict`) if someone saved it
        after the user read `expected_version`."""
        history = ChildHistory.load_for(model, pk, lazy=True)
        change = cls(history, by=by, event=event)
        change.held = history.for_edit(_BY_LABEL[model._meta.label], pk, expected_version)
        return change

    @property
    def child(self):
        return self.history.child

    # --- what changes --------------------------------------------------------------------------

    def new(self, record, check: Check | None = None, **context):
        """A new record, checked against the history as it stands; held (so later checks in this
        change see it) only if it passes."""
        self._recorded_by(record)
        if self._passes(check, record, context):
            self.sink.stage(record)
            self._hold(record, new=True)
        self._staged.append((_CREATE, record, None))
        return record

    def edit(self, held, check: Check | None = None, *, to: dict, **context):
        """A copy of a held record with the changes in `to`, checked while the history still holds
        the record as it was (some rules compare before and after), then swapped in."""
        candidate = edited(held, **to)  # recorded_by stays who first recorded it (the chronology's credit)
        if self._passes(check, candidate, context):
            self._hold(candidate, new=False)
        self._staged.append((_UPDATE, candidate, held))
        return candidate

    def attached(self, model: type[models.Model], pk: int, expected_version: int | None):
        """A stored record of this child's that the history does not hold (a case note, a person
        linked to the child), locked and refused (`EditConflict`) if someone saved it after the
        user read `expected_version`; edit it with `change.edit`."""
        return lock_for_edit(model, pk, expected_version)

    def remove(self, held) -> None:
        """Take a held record off the child's record (e.g. a disability no longer recorded)."""
        if self.history.holds(held):
            self.history._list_for(held).remove(held)
        self._staged.append((_DELETE, held, held))

    # --- the verdict ---------------------------------------------------------------------------

    @property
    def violations(self) -> list[Violation]:
        return self.checks.violations

    def save(self, result=None):
        """Refuse the whole change, or write it: returns `result` once written (None when a
        rebuild refuses it, having reported why)."""
        if self.checks.violations:
            self._undo()
            return self.sink.refused(self)
        self.sink.write(self)
        return result

    # --- inside --------------------------------------------------------------------------------

    def _passes(self, check: Check | None, candidate, context: dict) -> bool:
        before = len(self.checks.violations)
        if check is not None:
            check(self.history, candidate, self.checks, **context)
        if isinstance(candidate, models.Model):  # whatever the check covers, nothing too long is stored
            self.checks.free_text(candidate)
        return len(self.checks.violations) == before

    def _recorded_by(self, record) -> None:
        if self._by_pk and hasattr(record, "recorded_by_id"):
            record.recorded_by_id = self._by_pk

    def _hold(self, record, *, new: bool) -> None:
        if type(record) is type(self.history.child):
            self.history.child = record
        elif not self.history.holds(record):  # a case note, a document: kept with the child, not held
            return
        elif new:  # not by key: a database change's new records have none until saved
            self.history.add(record)
        else:
            self.history.replace(record)

    def _undo(self) -> None:
        """Put the history back as it was, so a rebuild can go on with the child's next row."""
        for action, record, held in reversed(self._staged):
            if type(record) is type(self.history.child):
                if held is not None:
                    self.history.child = held
                continue
            if not self.history.holds(record):
                continue
            items = self.history._list_for(record)
            if action == _DELETE:
                items.append(held)
                items.sort(key=lambda x: x.pk)
            elif action == _UPDATE:
                self.history.replace(held)
            elif any(x is record for x in items):
                items.remove(record)
        self._staged.clear()


def moves_clocks(change: Change) -> bool:
    """Whether this change adds, edits or removes anything the child's clocks are derived from
    (the child's own row, or a record in `CLOCK_LISTS`). Stored clocks always equal what the record
    implies after every save (and `rederive_clocks` after a calendar change), so a change that
    touches none of it (a case note, a disability, an allocation) would re-derive the same clocks."""
    child_type = type(change.history.child)
    for _, record, _ in change._staged:
        if type(record) is child_type:
            return True
        if change.history.holds(record) and _list_name(record) in CLOCK_LISTS:
            return True
    return False


def _list_name(record) -> str:
    return _BY_LABEL[record._meta.label]


#: Sent inside the change's transaction once it is written (`change=`), or by the bulk writer with the
#: councils it wrote to (`local_authority_ids=`): what is derived outside the casework apps (the
#: scorecard's kept figures) listens; the record knows nothing of it.
record_changed = Signal()


class DatabaseSink:
    """Saves a change inside the service's transaction, audits each record, refreshes the clocks."""

    def stage(self, record) -> None:
        """Records are given their keys when saved."""

    def refused(self, change: Change):
        change.checks.raise_if_any()

    def write(self, change: Change) -> None:
        clocks = moves_clocks(change)
        if clocks:  # what the clocks are derived from, as it stood before this save
            change.history.read(CLOCK_LISTS)
        save_and_audit(change)
        if clocks:
            sync_child_clocks(change.history)
        record_changed.send(sender=Change, change=change)


def save_and_audit(change: Change) -> None:
    """Write a change's records, each with its audit row in the one shape."""
    for action, record, held in change._staged:
        if action == _DELETE:
            detail = audit_detail(change.event, held, None)
            pk = record.pk
            record.delete()
            audit_record(actor=change.by, action=action, object_type=record._meta.label,
                         object_id=str(pk), child_id=change.child.pk, reason=change.reason,
                         detail=detail)
            continue
        record.save()
        audit_record(actor=change.by, action=action, obj=record, child_id=change.child.pk,
                     reason=change.reason, detail=audit_detail(change.event, held, record))


class RebuildSink:
    """Builds histories in memory for `record.writer.write_histories` (importers, the generator):
    keys come from `ids`; a refused change's violations go to `report` (which says where)."""

    def __init__(self, ids, report: Callable[[list[Violation]], None] | None = None) -> None:
        self.ids, self.report = ids, report

    def stage(self, record) -> None:
        if record.pk is None:
            self.ids.assign(record)

    def refused(self, change: Change) -> None:
        if self.report is not None:
            self.report(change.checks.violations)
        return None

    def write(self, change: Change) -> None:
        """Nothing to do until the bulk writer saves the histories."""


def rederive_clocks(child_id: int) -> None:
    """Re-derive one child's clocks from the record as stored (after a calendar change, or when
    the derivation itself changed)."""
    sync_child_clocks(ChildHistory.open(child_id, lock=False))  # reads only what the clocks need
