"""Bringing a council's history into Safeguard from its SSDA903 return.

Each child's record is rebuilt in memory (a `ChildHistory`), event by event in date order, each
event one `Change` (record/change.py) checked by the same `check_*` function the service runs at
a practitioner's save; a `RebuildSink` keeps the records in memory, and a change it refuses is a
rejected row, reported with its file, line and column. Children
are rebuilt in chunks (in two processes for a large return, as the generator builds a council) and
written as plain rows, all in one transaction that is rolled back if any row of the folder is
refused, so a rejected import changes nothing. Children already on the record (same LA child id)
are merged (`Rebuild.merge`): the rows the record holds are matched and left alone, the rest are
replayed through the same event methods with a `MergeSink` (saved, audited and the clocks
re-derived, as a practitioner's save is), so a later year's return adds to them and the same
return twice changes nothing; a contradiction refuses the file unless the changes are accepted.

The collection year is the one given (`--year`) or stated by the file names (never guessed from the
rows' dates). Every problem is reported in one pass (`returns.report`): a DfE query warns and never
blocks, and a child's rows that depend on a refused row (a review in a refused episode) are counted
at that row instead of each failing in turn.

What the return cannot say, and so is not imported: names (children are recorded as "Unknown"
with the LA child id as the last name, to be corrected), episodes before the year (when the
file's first episode continues an earlier one, the period of care is taken to start on the earliest
day the file shows the child looked after: `care_began_by`), the exact OC3 contact date (taken as the young
person's birthday in the collection year), and the placement order date.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from safeguard.audit.services import audit_record
from safeguard.core import codes
from safeguard.core.errors import Checks, RecordInvalid, Violation, as_if_today, today
from safeguard.core.progress import Progress
from safeguard.looked_after import checks as lc
from safeguard.looked_after.models import (
    AdoptionJourney,
    AnnualHealthOutcomes,
    CareLeaverContact,
    DeprivationOfLiberty,
    Episode,
    LookedAfterReview,
    MissingEpisode,
    PeriodOfCare,
    PreviousPermanenceRecord,
)
from safeguard.people.checks import check_child, check_relationship_add
from safeguard.people.models import Child, Relationship
from safeguard.record.change import (
    CLOCK_LISTS,
    Change,
    RebuildSink,
    moves_clocks,
    record_changed,
)
from safeguard.record.history import _SOURCES, ChildHistory
from safeguard.record.writer import (
    ORDER,
    Batch,
    Ids,
    LocalIds,
    Rows,
    in_processes,
    next_keys,
    reset_sequences,
)
from safeguard.timescales import calendar
from safeguard.workforce.models import Allocation, User
from safeguard.workforce.selectors import council_for
from safeguard.workforce.services import check_allocation_start

from ..report import ImportChange, Report, blocking, cascade, refuse_if_errors
from .reading import Row, Tables, check_cells, check_year, cross_check, read_csv, read_folder
from .tables import collection_bounds
from .xml_reader import read_xml

EVENT = "ssda903_import"

# Model field (as the checks name it) -> 903 column, per kind of record.
CHILD_COLUMNS = {"la_child_id": "CHILD", "sex": "SEX", "date_of_birth": "DOB",
                 "ethnicity": "ETHNIC", "upn": "UPN", "upn_unknown": "UPN",
                 "last_name": "CHILD", "uasc_ceased_date": "DUC"}  # DUC: on the UASC row
EPISODE_COLUMNS = {"decom": "DECOM", "rne": "RNE", "legal_status": "LS",
                   "category_of_need": "CIN", "placement": "PLACE",
                   "placement_provider": "PLACE_PROVIDER", "dec": "DEC", "rec": "REC",
                   "end_date": "DEC", "reason_place_change": "REASON_PLACE_CHANGE",
                   "placement_postcode": "PL_POST", "home_postcode": "HOME_POST", "urn": "URN"}
REVIEW_COLUMNS = {"review_date": "REVIEW", "participation": "REVIEW_CODE"}
MISSING_COLUMNS = {"kind": "MISSING", "start_date": "MIS_START", "end_date": "MIS_END"}
DOLO_COLUMNS = {"start_date": "DOLO_START", "end_date": "DOLO_END"}
ADOPTION_COLUMNS = {"decision_date": "DATE_PLACED", "decision_reversed_date": "DATE_PLACED_CEASED",
                    "reason_reversed": "REASON_PLACED_CEASED"}
AD1_COLUMNS = {"decision_date": "DATE_INT", "matched_date": "DATE_MATCH",
               "foster_carer_adoption": "FOSTER_CARE", "number_of_adopters": "NB_ADOPTR",
               "sex_of_adopters": "SEX_ADOPTR", "legal_status_of_adopters": "LS_ADOPTR",
               "adoption_order_date": "DATE_INT", "placed_date": "DATE_INT"}
PERM_COLUMNS = {"option": "PREV_PERM", "la_code": "LA_PERM", "order_date": "DATE_PERM"}
OC3_COLUMNS = {"in_touch": "IN_TOUCH", "activity": "ACTIV", "accommodation": "ACCOM",
               "contact_date": "CHILD"}
SW_COLUMNS = {"start_date": "SW_DECOM", "end_date": "SW_DEC", "change_reason": "SW_REASON",
              "worker": "SW_ID", "kind": "SW_ID"}
MOTHER_COLUMNS = {"kind": "MOTHER", "relative_date_of_birth": "MC_DOB"}
OC2_FLAG_COLUMNS = {name: name.upper() for name in lc.OC2_FLAGS}

#: Care-history rules an OC3 row cannot meet when the young person left care before the year:
#: the return holds only the year's episodes, so their time in care is not in the file.
OC3_HISTORY_RULES = {"903 1001", "903 1002", "903 1007", "903 1000", "903 1011"}

# Order of events on one day: a period starts, the adoption decision, changes of episode, the
# records of the day, reversals and adoption milestones, then the period ends.
START, DECISION, CHANGE, DAY, MILESTONE, END = range(6)
_LAST = dt.date.max  # records that need the whole year in place (OC2, OC3, SW, PrevPerm)
ADOPTED = {"E11", "E12"}


@dataclass
class ImportResult:
    """What an SSDA903 import brought in."""

    path: Path
    year: int
    imported: int = 0
    skipped: list[str] = field(default_factory=list)  # on the record already, nothing new for them
    updated: list[str] = field(default_factory=list)  # on the record already, added to or changed
    accepted: list[str] = field(default_factory=list)  # contradictions taken from the file
    counts: dict[str, int] = field(default_factory=dict)
    workers_added: int = 0
    kept_at: Path | None = None
    notes: list[str] = field(default_factory=list)
    report: Report | None = None  # the warnings (DfE queries) of an import that went ahead

    @property
    def changed(self) -> bool:
        """Whether the import changed the record at all."""
        return bool(self.imported or self.updated or self.workers_added)

    def __str__(self) -> str:
        done = f"{self.imported} children imported" if self.imported else "imported no children"
        if self.updated:
            done += f", {len(self.updated)} already on the record updated"
        if not self.changed:
            done += "; no changes"
        lines = [f"SSDA903 {self.path.name} (collection year {self.year - 1}-{self.year % 100:02d}): "
                 f"{done}"]
        if self.skipped:
            shown = ", ".join(self.skipped[:10]) + (" ..." if len(self.skipped) > 10 else "")
            lines.append(f"{len(self.skipped)} already on the record, no changes: {shown}")
        if self.accepted:
            lines.append(f"{len(self.accepted)} value(s) on the record changed to the file's "
                         "(--accept-changes):")
            lines += [f"  {a}" for a in self.accepted]
        for label, n in sorted(self.counts.items()):
            if n:
                lines.append(f"  {label}: {n}")
        if self.workers_added:
            lines.append(f"  social workers added from SW_ID: {self.workers_added}")
        if self.kept_at:
            lines.append(f"original kept at {self.kept_at}")
        lines += [f"  note: {n}" for n in self.notes]
        if self.report is not None:
            lines += self.report.lines()
        return "\n".join(lines)


def _flag(row: Row, column: str, rule: str, problems: list[Violation]) -> tuple[bool, bool | None]:
    value = row[column]
    if value in ("", "0", "1"):
        return True, None if value == "" else value == "1"
    problems.append(Violation(row.at(column), rule, f"'{value}' is not 0 or 1"))
    return False, None


def _check_child(history, child: Child, checks: Checks) -> None:
    """The child's identity, as at registration (children already on record are skipped)."""
    check_child(child, None, checks)


def _without(rules: set[str], check: Callable) -> Callable:
    """A check less the rules the return cannot meet (e.g. care before the year, which the
    file does not hold)."""
    if not rules:
        return check

    def checked(history, candidate, checks: Checks, **ctx) -> None:
        before = len(checks.violations)
        check(history, candidate, checks, **ctx)
        checks.violations[before:] = [v for v in checks.violations[before:] if v.rule not in rules]
    return checked


#: The rule of a report row where the file contradicts what the record holds.
CONTRADICTION = "contradiction"
#: A child's identity the record holds as not yet known (unborn: no date of birth, sex U;
#: ethnicity not yet obtained): a later file's value fills it, and is no contradiction.
NOT_YET_KNOWN = (None, "", "U", "NOBT")
#: An episode's details (not its end), as the 903 gives them.
EPISODE_DETAIL = {"rne": "RNE", "legal_status": "LS", "category_of_need": "CIN", "placement": "PLACE",
                  "placement_provider": "PLACE_PROVIDER", "home_postcode": "HOME_POST",
                  "placement_postcode": "PL_POST", "urn": "URN"}
_AS_GIVEN = {"HOME_POST", "PL_POST"}  # stored as written; codes are stored in capitals


def _value(row: Row, column: str, name: str):
    return row[column] if column in _AS_GIVEN else row[column].upper()


def _ended_since(given: dt.date | None, held: dt.date | None, year_end: dt.date) -> bool:
    """An end the file (of an earlier year) could not know: open at its 31 March, ended since."""
    return given is None and held is not None and held > year_end


def _shown(value) -> str:
    if value is None or value == "":
        return "(blank)"
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else str(value)


@dataclass
class Differs:
    """Where the file contradicts the record: the row and column, the record's value and the
    file's, and the edit that takes the file's (None: it cannot be taken)."""

    row: Row
    column: str
    held: object
    given: object
    accept: Callable[[], None] | None


@dataclass
class Held:
    """What the record already holds of a child the file names: the rows (or parts of rows,
    as (row, part)) it holds, the events that complete held records (an end of a missing
    episode), and where the file contradicts it."""

    skip: set = field(default_factory=set)
    fills: list = field(default_factory=list)  # (day, order, action, row)
    differ: list[Differs] = field(default_factory=list)


class MergeSink:
    """The sink for a child already on the record: each change is checked as any save is, and
    held in a `Batch` (its records, their history and audit rows in the one shape) that `flush`
    writes for hundreds of children at once; a refusal is reported at the file's row, not raised,
    so every problem of the file is found, and the file's transaction then rolls back. New records
    take their keys from `ids`, so later records of the change can point at them before they are
    saved.

    A merge is many changes to one child (each episode, review, end): the clocks, a function of the
    record alone, are derived from the child's record as its merge left it (`settle`), with the
    batch; the kept figures of the councils written to are marked once, at the end of the import
    (`finish`)."""

    def __init__(self, ids: Ids, report: Callable | None = None, tally: defaultdict | None = None,
                 pending: dict | None = None) -> None:
        self.ids, self.report = ids, report
        self.tally = tally if tally is not None else defaultdict(int)
        #: shared by every `reporting` copy: "batch", what is yet to be written; "clocks", the
        #: history of the child being merged if its clocks are to be derived; "councils", those
        #: written to.
        self.pending = pending if pending is not None else {"batch": Batch(), "clocks": None,
                                                            "councils": set()}

    def reporting(self, report: Callable) -> MergeSink:
        return MergeSink(self.ids, report, self.tally, self.pending)

    def settle(self) -> None:
        """The merged child's clocks are derived from its record as the merge left it."""
        history, self.pending["clocks"] = self.pending["clocks"], None
        if history is not None:
            self.pending["batch"].clocks[history.child.pk] = history

    def discard(self) -> None:
        """A merge that failed: reported; nothing to derive."""
        self.pending["clocks"] = None

    def flush(self) -> None:
        """Write what the batch holds."""
        batch, self.pending["batch"] = self.pending["batch"], Batch()
        batch.write()

    def drop(self, tally: dict) -> None:
        """Forget the batch (its savepoint was rolled back), and its counts: back to `tally`."""
        self.pending["batch"], self.pending["clocks"] = Batch(), None
        self.tally.clear()
        self.tally.update(tally)

    def finish(self) -> None:
        """What is derived outside the record (the scorecard's kept figures) told once."""
        if self.pending["councils"]:
            record_changed.send(sender=None, local_authority_ids=sorted(self.pending["councils"]))
            self.pending["councils"] = set()

    @property
    def written(self) -> int:
        return sum(self.tally.values())

    def stage(self, record) -> None:
        if record.pk is None:
            self.ids.assign(record)

    def refused(self, change: Change) -> None:
        if self.report is not None:
            self.report(change.checks.violations)
        return None

    def write(self, change: Change) -> None:
        if moves_clocks(change):  # what the clocks are derived from, all read before any change
            change.history.read(CLOCK_LISTS)
            self.pending["clocks"] = change.history
        self.pending["batch"].add(change)
        self.pending["councils"].add(change.child.local_authority_id)
        for action, record, _ in change._staged:
            self.tally[f"{record._meta.label} ({'added' if action == 'create' else 'updated'})"] += 1


#: Children already on the record merged together: their records read in one go, and what their
#: merges change written in one go.
MERGE_READ = 500


def merge_held(sink: MergeSink, children: list[int], merge: Callable[[int, int, ChildHistory], str],
               refused: Callable[[int, DatabaseError], None], undo: list[list]) -> list[str]:
    """Merge the children already on the record (`children`, their keys), MERGE_READ at a time:
    `merge(i, key, history)` replays the file's rows of the i-th into its record through the checks
    (into `sink`), and returns "changed", "unchanged" or "refused"; each batch is written in a
    savepoint. Should the database refuse a batch (a rule the checks miss), it is rolled back and
    merged again a child at a time, so `refused(i, error)` can report it at the child's row; `undo`
    are the lists (problems, values accepted) a merge appends to, put back before the second try.
    Returns the outcome of each child, in order."""
    outcomes: list[str] = []
    for start in range(0, len(children), MERGE_READ):
        keys = children[start:start + MERGE_READ]
        marks, tally = [len(x) for x in undo], dict(sink.tally)
        try:
            with transaction.atomic():
                histories = ChildHistory.load_many(keys)
                done = [merge(start + n, key, histories[key]) for n, key in enumerate(keys)]
                sink.flush()
        except DatabaseError:
            sink.drop(tally)
            for x, n in zip(undo, marks, strict=True):
                del x[n:]
            histories = ChildHistory.load_many(keys)
            done = []
            for n, key in enumerate(keys):
                tally = dict(sink.tally)
                try:
                    with transaction.atomic():
                        outcome = merge(start + n, key, histories[key])
                        sink.flush()
                except DatabaseError as exc:
                    sink.drop(tally)
                    refused(start + n, exc)
                    outcome = "refused"
                done.append(outcome)
        outcomes += done
    return outcomes


class Rebuild:
    """Rebuilds children's histories from the return's rows through the services' checks."""

    def __init__(self, *, la, by, year: int, ids: Ids, problems: list[Violation],
                 reason: str = "") -> None:
        self.la, self.by, self.ids, self.problems = la, by, ids, problems
        self.year_start, self.year_end = collection_bounds(year)
        self.workers: dict[str, User] = {
            u.sw_id: u for u in User.objects.filter(local_authority=la).exclude(sw_id="")}
        self.new_workers: dict[str, User] = {}
        self.sw_of = {u.pk: sw_id for sw_id, u in self.workers.items()}  # each worker's SW_ID by key
        self.reason = reason
        self.merging = False  # rebuilding a child already on the record (`merge`)
        self.merge_sink = MergeSink(Ids())
        self.accepted: list[str] = []  # the file's values taken with --accept-changes

    # --- one change ----------------------------------------------------------------------------

    def change(self, h: ChildHistory, row: Row, columns: dict, elsewhere: dict | None = None) -> Change:
        """One event of a child's history (the importing user records it), kept in memory; if
        refused, each violation is reported at its file, line and column (`elsewhere` sends some
        fields to another row, e.g. the episode that ends)."""
        report = partial(self.report, row, columns, elsewhere)
        if self.merging:  # a child already on the record: saved and audited as any save is
            return ImportChange(h, by=self.by, event=EVENT, kind="903", warn=report,
                                reason=self.reason, sink=self.merge_sink.reporting(report))
        return ImportChange(h, by=self.by, event=EVENT, kind="903", warn=report,
                            sink=RebuildSink(self.ids, report=report))

    def report(self, row: Row, columns: dict, elsewhere: dict | None, violations) -> None:
        for v in violations:
            where = elsewhere.get(v.field, row) if elsewhere else row
            self.problems.append(Violation(where.at(columns.get(v.field, v.field.upper())),
                                           v.rule, v.message))

    # --- one child -----------------------------------------------------------------------------

    def child_values(self, head: Row, uasc: Row | None) -> dict:
        """The child's identity as the return states it (for a new child, and to compare with a
        child already on the record)."""
        upn = head["UPN"].upper()
        unknown = upn in codes.UPNUnknown.values
        return dict(date_of_birth=head.dates.get("DOB"), sex=head["SEX"].upper(),
                    ethnicity=head["ETHNIC"].upper(), upn="" if unknown else upn,
                    upn_unknown=upn if unknown else "", uasc=uasc is not None,
                    uasc_ceased_date=uasc.dates.get("DUC") if uasc else None)

    def child(self, head: Row, rows: dict[str, list[Row]]) -> ChildHistory | None:
        uasc = (rows.get("UASC") or [None])[0]
        child = Child(local_authority=self.la, la_child_id=head["CHILD"], first_name="Unknown",
                      last_name=head["CHILD"][:100], **self.child_values(head, uasc))
        h = ChildHistory(child=child)
        change = self.change(h, head, CHILD_COLUMNS, {"uasc_ceased_date": uasc} if uasc else None)
        others = [r for key, found in rows.items() if key != "Header" for r in found]
        if change.save(change.new(child, _check_child)) is None:
            self.cascade(head.at("row"), len(others) + 1, head["CHILD"])  # the UASC row is the child's too
            return None
        self.mother(h, head)
        self.replay(h, head, rows, Held())
        return h

    def replay(self, h: ChildHistory, head: Row, rows: dict[str, list[Row]], held: Held) -> bool:
        """The return's events of the child in date order, less those `held` already on the record
        (with the ends and fills it found among them); False if the episodes are out of order."""
        others = [r for key, found in rows.items() if key != "Header" for r in found]
        events: list[tuple[dt.date, int, int, Callable[[], None], Row, bool]] = []

        def at(day, order, action, row: Row, chain: bool = False):
            """An event of the child's history, from `row`; `chain`: the episodes' own chain, on
            which every later event of the child depends."""
            events.append((day, order, len(events), action, row, chain))

        episodes = sorted(rows.get("Episodes", []), key=lambda r: r.dates["DECOM"])
        before_order = len(self.problems)
        if not self.episodes_in_order(episodes):
            first = self.problems[before_order].field.rsplit(":", 1)[0] + ":row"
            self.cascade(first, len([r for r in others if r.at("row") != first]), head["CHILD"])
            return False
        skip = held.skip
        continues = bool(episodes) and episodes[0]["RNE"].upper() != "S"
        if continues and episodes[0].at("row") not in skip and lc.open_period(h) is None:
            # care began before the return: open the period when the file first shows it
            began = self.care_began_by(h, rows, episodes[0])
            at(began, START, lambda: self.care_began(h, episodes[0], began), episodes[0], True)
        for i, row in enumerate(episodes):
            rec = row["REC"].upper()
            if row.at("row") not in skip:
                before = episodes[i - 1] if i and episodes[i - 1]["REC"].upper() == "X1" else None
                at(row.dates["DECOM"], CHANGE if before or (i == 0 and continues) else START,
                   lambda row=row, before=before: self.episode(h, row, before), row, True)
            if row.dates["DEC"] and rec != "X1" and (row.at("row"), "end") not in skip:
                at(row.dates["DEC"], END, lambda row=row: self.care_ends(h, row), row, True)
        for row in rows.get("Reviews", []):
            if row.at("row") not in skip:
                at(row.dates["REVIEW"], DAY, lambda row=row: self.review(h, row), row)
        for row in rows.get("Missing", []):
            if row.at("row") not in skip:
                at(row.dates["MIS_START"] or _LAST, DAY, lambda row=row: self.missing(h, row), row)
        for row in rows.get("DoLo", []):
            if row.at("row") not in skip:
                at(row.dates["DOLO_START"] or _LAST, DAY, lambda row=row: self.dolo(h, row), row)
        self.adoption_events(h, rows, episodes, at, held)
        for row in sorted(rows.get("SWEpisodes", []), key=lambda r: r.dates["SW_DECOM"] or _LAST):
            if row.at("row") not in skip:
                at(_LAST, END, lambda row=row: self.social_worker(h, row), row)
        for row in rows.get("PrevPerm", []):
            if row.at("row") not in skip:
                at(_LAST, END, lambda row=row: self.previous_permanence(h, row), row)
        for row in rows.get("OC2", []):
            if row.at("row") not in skip:
                at(_LAST, END, lambda row=row: self.oc2(h, row), row)
        for row in rows.get("OC3", []):
            if row.at("row") not in skip:
                at(_LAST, END, lambda row=row, any_care=bool(episodes): self.oc3(h, row, any_care), row)
        for day, order, action, row in held.fills:
            at(day, order, action, row)
        broken: Row | None = None  # the episode row refused: every later event depends on it
        skipped: set[str] = set()
        for _, _, _, action, row, chain in sorted(events, key=lambda e: e[:3]):
            if broken is not None:
                if row.at("row") != broken.at("row"):
                    skipped.add(row.at("row"))
                continue
            before = len(self.problems)
            action()
            if chain and blocking(self.problems[before:]):
                broken = row
        if broken is not None:
            self.cascade(broken.at("row"), len(skipped), head["CHILD"])
        return True

    # --- a child already on the record (merging) -----------------------------------------------

    def merge(self, child_id: int, head: Row, rows: dict[str, list[Row]], *, accept: bool,
              history: ChildHistory | None = None) -> str:
        """Bring a later (or the same) year's rows of a child already on the record into it:
        what the record holds is matched and left alone, what is new is added and open records
        the file ends are ended, each through the record's unit of work (saved, audited, clocks
        re-derived). Where the file contradicts the record, nothing of the child changes unless
        `accept`, when the file's values are taken first. Returns "changed", "unchanged" or
        "refused" (reported). `history`: the child's, already read (`ChildHistory.load_many`)."""
        h = history or ChildHistory.load(child_id)
        written, start = self.merge_sink.written, len(self.problems)
        self.merging = True
        try:
            held = self.held(h, head, rows)
            if held.differ and not accept:
                self.problems += [self.contradiction(d, head["CHILD"]) for d in held.differ]
                return "refused"
            if held.differ:
                for d in held.differ:
                    if d.accept is None:
                        self.problems.append(self.contradiction(d, head["CHILD"], cannot=True))
                        continue
                    before = len(self.problems)
                    d.accept()
                    if not blocking(self.problems[before:]):
                        self.accepted.append(f"{d.row.at(d.column)}: child {head['CHILD']}: "
                                             f"{_shown(d.held)} -> {_shown(d.given)}")
                if blocking(self.problems[start:]):
                    return "refused"
                held = self.held(h, head, rows)
                if held.differ:  # a correction another one needs first: never loops, reported
                    self.problems += [self.contradiction(d, head["CHILD"], cannot=True)
                                      for d in held.differ]
                    return "refused"
            if (head.at("row"), "mother") not in held.skip:
                self.mother(h, head)
            self.replay(h, head, rows, held)
        except BaseException:
            self.merge_sink.discard()
            raise
        finally:
            self.merging = False
            self.merge_sink.settle()
        return "changed" if self.merge_sink.written > written else "unchanged"

    def contradiction(self, d: Differs, child: str, cannot: bool = False) -> Violation:
        """One row of the report: where, which field, the record's value and the file's."""
        how = ("this cannot be taken from the file (correct the record or the file)" if cannot
               else "nothing of this child was changed; import with --accept-changes to take the "
                    "file's value")
        return Violation(d.row.at(d.column), CONTRADICTION,
                         f"child {child}: the record holds {d.column} {_shown(d.held)}, the file "
                         f"says {_shown(d.given)}: {how}")

    def correct(self, h: ChildHistory, row: Row, columns: dict, record, to: dict,
                check: Callable | None = None, then: Callable[[], None] | None = None):
        """The edit that takes the file's values `to` into a held record (as held at the time)."""
        def apply() -> None:
            current = h.child if isinstance(record, Child) else h.on_file(record)
            change = self.change(h, row, columns)
            change.edit(current, check, to=to)
            if change.save(True) and then is not None:
                then()
        return apply

    def held(self, h: ChildHistory, head: Row, rows: dict[str, list[Row]]) -> Held:
        """Match the file's rows with the child's record: the rows it already holds (skipped),
        the ends and fills it lacks, and where the two differ."""
        out = Held()
        child = h.child
        uasc = (rows.get("UASC") or [None])[0]
        given = self.child_values(head, uasc)
        known = {}  # what the record held as not yet known (born since): filled, in one edit
        for name in ("date_of_birth", "sex", "ethnicity"):
            if given[name] and getattr(child, name) != given[name]:
                if getattr(child, name) in NOT_YET_KNOWN:
                    known[name] = given[name]
                else:
                    out.differ.append(Differs(head, CHILD_COLUMNS[name], getattr(child, name), given[name],
                                              self.correct(h, head, CHILD_COLUMNS, child,
                                                           {name: given[name]}, _check_child)))
        if known:
            out.fills.append((dt.date.min, START,
                              self.correct(h, head, CHILD_COLUMNS, child, known, _check_child), head))
        if given["upn"] and given["upn"] != child.upn:
            if child.upn:
                out.differ.append(Differs(head, "UPN", child.upn, given["upn"], self.correct(
                    h, head, CHILD_COLUMNS, child, {"upn": given["upn"], "upn_unknown": ""},
                    _check_child)))
            else:  # a UPN now known
                out.fills.append((dt.date.min, START, self.correct(
                    h, head, CHILD_COLUMNS, child, {"upn": given["upn"], "upn_unknown": ""},
                    _check_child), head))
        if uasc is not None:
            duc = given["uasc_ceased_date"]
            if not child.uasc or (duc and child.uasc_ceased_date is None):
                out.fills.append((dt.date.min, START, self.correct(
                    h, uasc, CHILD_COLUMNS, child, {"uasc": True, "uasc_ceased_date": duc},
                    _check_child), uasc))
            elif child.uasc_ceased_date != duc:
                out.differ.append(Differs(uasc, "DUC", child.uasc_ceased_date, duc, self.correct(
                    h, uasc, CHILD_COLUMNS, child, {"uasc_ceased_date": duc}, _check_child)))
        if head["MOTHER"] == "1" and any(r.kind == Relationship.Kind.CHILD and
                                         r.relative_date_of_birth == head.dates.get("MC_DOB")
                                         for r in h.relationships):
            out.skip.add((head.at("row"), "mother"))
        self.held_episodes(h, sorted((r for r in rows.get("Episodes", []) if r.dates["DECOM"]),
                                     key=lambda r: r.dates["DECOM"]), out)
        self.held_records(h, rows, out)
        return out

    def held_episodes(self, h: ChildHistory, episodes: list[Row], out: Held) -> None:
        """A 903 episode is the same episode by (child, DECOM). An open episode the file now
        ends is an end (SSDA903 guidance: the episode open at 31 March is carried into the next
        year's return with its DECOM unchanged); an episode the file starts inside one the
        record holds and the file does not show is a start that changed."""
        by_start = {e.decom: e for e in h.episodes}
        shown = {r.dates["DECOM"] for r in episodes}
        unshown = [e for e in h.episodes if e.decom not in shown]
        latest = max(by_start, default=None)
        for row in episodes:
            decom = row.dates["DECOM"]
            ep = by_start.get(decom)
            if ep is None:
                inside = next((e for e in unshown if e.decom < decom
                               and (e.dec is None or decom < e.dec)), None)
                if inside is not None:
                    out.differ.append(Differs(row, "DECOM", inside.decom, decom,
                                              self.move_start(h, row, inside)))
                elif latest is not None and decom < latest:
                    out.differ.append(Differs(row, "DECOM", "no episode then", decom, None))
                continue
            out.skip.add(row.at("row"))
            to = {name: _value(row, column, name) for name, column in EPISODE_DETAIL.items()}
            for name, value in to.items():
                if getattr(ep, name) != value:
                    out.differ.append(Differs(row, EPISODE_COLUMNS[name], getattr(ep, name), value,
                                              self.correct(h, row, EPISODE_COLUMNS, ep, {name: value})))
            if ep.dec is None:
                continue  # an end the file gives is replayed (X1: by the episode that follows)
            out.skip.add((row.at("row"), "end"))
            if row.dates["DEC"] is None and ep.dec > self.year_end:
                continue  # an earlier year's file: open at its 31 March, ended since
            ends = {"dec": row.dates["DEC"], "rec": row["REC"].upper(),
                    "reason_place_change": row["REASON_PLACE_CHANGE"].upper()}
            for name, value in ends.items():
                if getattr(ep, name) != value:
                    out.differ.append(Differs(row, EPISODE_COLUMNS[name], getattr(ep, name), value,
                                              self.move_end(h, row, ep, ends)))

    def move_start(self, h: ChildHistory, row: Row, ep: Episode):
        """Take the file's DECOM for a held episode: the episode before it (ended X1 that day)
        and its period (when it began that day) move with it."""
        def apply() -> None:
            old, new = ep.decom, row.dates["DECOM"]
            current = h.on_file(ep)
            change = self.change(h, row, EPISODE_COLUMNS)
            change.edit(current, to={"decom": new})
            for prev in h.episodes:
                if prev.period_of_care_id == ep.period_of_care_id and prev.dec == old and prev.rec == "X1":
                    change.edit(prev, to={"dec": new})
            period = h.period(ep.period_of_care_id)
            if period.start_date == old:
                change.edit(period, to={"start_date": new})
            change.save()
        return apply

    def move_end(self, h: ChildHistory, row: Row, ep: Episode, ends: dict):
        """Take the file's end of a closed episode; its period ends (or is open again) with it
        when the episode ended the period."""
        def apply() -> None:
            current = h.on_file(ep)
            change = self.change(h, row, EPISODE_COLUMNS)
            change.edit(current, to=ends)
            period = h.period(ep.period_of_care_id)
            if current.rec != "X1" and period.end_date == current.dec:
                change.edit(period, to={"end_date": ends["dec"] if ends["rec"] != "X1" else None})
            change.save()
        return apply

    def held_records(self, h: ChildHistory, rows: dict[str, list[Row]], out: Held) -> None:
        """Reviews, missing episodes, DoLOs, adoption, social workers, previous permanence and
        the OC2/OC3 rows the record already holds, matched by their dates."""
        for row in rows.get("Reviews", []):
            r = next((r for r in h.la_reviews if r.review_date == row.dates["REVIEW"]), None)
            if r is not None:
                out.skip.add(row.at("row"))
                self.compare(h, row, REVIEW_COLUMNS, r, {"participation": row["REVIEW_CODE"].upper()}, out)
        for table, items, columns, start, end, kind, check in (
                ("Missing", h.missing, MISSING_COLUMNS, "MIS_START", "MIS_END", "MISSING",
                 lc.check_missing_episode_end),
                ("DoLo", h.dolos, DOLO_COLUMNS, "DOLO_START", "DOLO_END", None,
                 lc.check_deprivation_of_liberty_end)):
            for row in rows.get(table, []):
                m = next((m for m in items if m.start_date == row.dates[start]), None)
                if m is None:
                    continue
                out.skip.add(row.at("row"))
                if kind:
                    self.compare(h, row, columns, m, {"kind": row[kind].upper()}, out)
                ends = row.dates[end]
                if m.end_date is None and ends is not None:
                    out.fills.append((ends, DAY, self.correct(h, row, columns, m, {"end_date": ends},
                                                              check), row))
                elif m.end_date != ends and not _ended_since(ends, m.end_date, self.year_end):
                    self.compare(h, row, columns, m, {"end_date": ends}, out)
        journeys = {j.decision_date: j for j in h.adoptions}
        for row in rows.get("PlacedAdoption", []):
            j = journeys.get(row.dates["DATE_PLACED"])
            if j is None:
                continue
            out.skip.add((row.at("row"), "decision"))
            reversed_ = {"decision_reversed_date": row.dates["DATE_PLACED_CEASED"],
                         "reason_reversed": row["REASON_PLACED_CEASED"].upper()}
            if j.decision_reversed_date is None and not j.reason_reversed:
                continue  # a reversal the file gives is replayed
            out.skip.add((row.at("row"), "reversal"))
            self.compare(h, row, ADOPTION_COLUMNS, j, reversed_, out)
        for row in rows.get("AD1", []):
            j = journeys.get(row.dates["DATE_INT"])
            if j is None:
                continue
            out.skip.add((row.at("row"), "decision"))
            if j.adoption_order_date is None:
                continue  # the adoption the file gives is replayed
            out.skip.add((row.at("row"), "adopted"))
            number = row["NB_ADOPTR"]
            self.compare(h, row, AD1_COLUMNS, j, {
                "matched_date": row.dates["DATE_MATCH"],
                "number_of_adopters": int(number) if number.isdigit() else number,
                "sex_of_adopters": row["SEX_ADOPTR"].upper(),
                "legal_status_of_adopters": row["LS_ADOPTR"].upper()}, out)
        sw_of = self.sw_of
        for row in rows.get("SWEpisodes", []):
            a = next((a for a in h.allocations if a.kind == Allocation.Kind.SOCIAL_WORKER
                      and sw_of.get(a.worker_id) == row["SW_ID"]
                      and a.start_date == row.dates["SW_DECOM"]), None)
            if a is None:
                continue
            out.skip.add(row.at("row"))
            ends = row.dates["SW_DEC"]
            if a.end_date is None and ends is not None:
                out.fills.append((ends, DAY, self.correct(h, row, SW_COLUMNS, a, {"end_date": ends}), row))
            elif a.end_date != ends and not _ended_since(ends, a.end_date, self.year_end):
                self.compare(h, row, SW_COLUMNS, a, {"end_date": ends}, out)
        for row in rows.get("PrevPerm", []):
            for p in h.previous_permanence:
                out.skip.add(row.at("row"))
                self.compare(h, row, PERM_COLUMNS, p, {"option": row["PREV_PERM"].upper(),
                                                       "la_code": row["LA_PERM"],
                                                       "order_date": row.dates["DATE_PERM"]}, out)
        for row in rows.get("OC2", []):
            o = next((o for o in h.annual_outcomes if o.year_ending == self.year_end), None)
            if o is not None:
                out.skip.add(row.at("row"))
                score = row["SDQ_SCORE"]
                self.compare(h, row, {"sdq_score": "SDQ_SCORE", "sdq_reason": "SDQ_REASON"}, o,
                             {"sdq_score": int(score) if score.isdigit() else None,
                              "sdq_reason": row["SDQ_REASON"].upper()}, out)
        for row in rows.get("OC3", []):
            day = self.oc3_date(h)
            c = next((c for c in h.care_leaver_contacts if c.contact_date == day), None)
            if c is not None:
                out.skip.add(row.at("row"))
                self.compare(h, row, OC3_COLUMNS, c, {"in_touch": row["IN_TOUCH"].upper(),
                                                      "activity": row["ACTIV"].upper(),
                                                      "accommodation": row["ACCOM"].upper()}, out)

    def compare(self, h: ChildHistory, row: Row, columns: dict, record, given: dict, out: Held) -> None:
        """Each field of a held record the file gives otherwise is a contradiction."""
        for name, value in given.items():
            if getattr(record, name) != value:
                out.differ.append(Differs(row, columns.get(name, name.upper()), getattr(record, name),
                                          value, self.correct(h, row, columns, record, {name: value})))

    def cascade(self, where: str, rows: int, child: str) -> None:
        """Say how many of a child's rows were not checked because the row at `where` (file,
        line) was refused."""
        if rows:
            self.problems.append(cascade(where, rows, child))

    def mother(self, h: ChildHistory, head: Row) -> None:
        mother, born = head["MOTHER"], head.dates.get("MC_DOB")
        if mother not in ("", "0", "1"):
            self.problems.append(Violation(head.at("MOTHER"), "903 165",
                                           f"MOTHER '{mother}' is not 0 or 1"))
        elif mother != "1" and born is not None:
            self.problems.append(Violation(head.at("MC_DOB"), "903 612",
                                           "date of birth of the mother's child is given but "
                                           "MOTHER is not 1"))
        elif mother == "1":
            change = self.change(h, head, MOTHER_COLUMNS)
            change.new(Relationship(child_id=h.child.pk, kind=Relationship.Kind.CHILD,
                                    relative_name="Own child (from the SSDA903)",
                                    relative_date_of_birth=born),
                       check_relationship_add, relative_dob=born)
            change.save()

    def episodes_in_order(self, episodes: list[Row]) -> bool:
        """Each episode ends before the next starts: X1 (a new episode the same day) or the end
        of a period of care; only the last may be open."""
        ok = True
        for i, row in enumerate(episodes):
            rec, dec = row["REC"].upper(), row.dates["DEC"]
            nxt = episodes[i + 1] if i + 1 < len(episodes) else None
            if dec is not None and dec < row.dates["DECOM"]:
                # Refused here: the end would otherwise be met before the episode has begun, find
                # nothing to end, and leave the child looked after (issue 15, finding 7).
                ok = False
                self.problems.append(Violation(row.at("DEC"), "903 356",
                                               f"the episode ceased ({row['DEC']}) before it "
                                               f"started ({row['DECOM']})"))
            elif bool(rec) != bool(dec):
                ok = False
                self.problems.append(Violation(row.at("REC" if dec else "DEC"), "903 148",
                                               "date episode ceased and reason episode ceased "
                                               "must both be given or both be blank"))
            elif dec is None and nxt is not None:
                ok = False
                self.problems.append(Violation(row.at("DEC"), "903 501",
                                               f"the episode is open but another starts on "
                                               f"{nxt['DECOM']}"))
            elif rec == "X1" and (nxt is None or nxt.dates["DECOM"] != dec):
                ok = False
                self.problems.append(Violation(  # DfE 388: no continuation episode
                    row.at("REC"), "903 388",
                    "X1 means a new episode begins the same day, but "
                    + ("no episode follows" if nxt is None else f"the next starts on {nxt['DECOM']}")))
        return ok

    # --- looked after --------------------------------------------------------------------------

    def episode(self, h: ChildHistory, row: Row, before: Row | None) -> None:
        ep = Episode(decom=row.dates["DECOM"], rne=row["RNE"].upper(), legal_status=row["LS"].upper(),
                     category_of_need=row["CIN"].upper(), placement=row["PLACE"].upper(),
                     placement_provider=row["PLACE_PROVIDER"].upper(), home_postcode=row["HOME_POST"],
                     placement_postcode=row["PL_POST"], urn=row["URN"].upper())
        period = lc.open_period(h)
        if before is None:
            # The period opened for care that began before the return has no episode yet: this
            # first one continues it (so "already looked after", 903 142, is expected).
            opened = period if period is not None and not lc.episodes_of(h, period.pk) else None
            change = self.change(h, row, EPISODE_COLUMNS)
            change.new(ep, _without({"903 142"} if opened else set(), lc.check_period_of_care_start))
            period = opened or change.new(PeriodOfCare(child_id=h.child.pk, start_date=ep.decom))
            ep.period_of_care_id = period.pk
            change.save()
            return
        prev = lc.open_episode(h, period.pk) if period is not None else None
        if prev is None or prev.decom != before.dates["DECOM"]:
            return  # the episode before was refused, and reported
        ep.period_of_care_id = period.pk
        reason = before["REASON_PLACE_CHANGE"].upper()
        change = self.change(h, row, EPISODE_COLUMNS, {"reason_place_change": before, "dec": before})
        change.new(ep, lc.check_episode_change, reason_place_change=reason,
                   category_of_need=ep.category_of_need)
        change.edit(prev, to=dict(dec=ep.decom, rec="X1", reason_place_change=reason))
        change.save()

    def care_began(self, h: ChildHistory, first: Row, began: dt.date) -> None:
        """The period of care the file's first episode continues, opened on `care_began_by`."""
        change = self.change(h, first, EPISODE_COLUMNS)
        change.new(PeriodOfCare(child_id=h.child.pk, start_date=began))
        change.save()

    def care_began_by(self, h: ChildHistory, rows: dict, first: Row) -> dt.date:
        """The latest date care can have begun when the file's first episode continues an earlier
        one: the earliest day the file shows the child looked after (a review, a missing episode,
        a DoLO, a decision to place for adoption; 1 April for a child in the OC2 cohort)."""
        shown = [first.dates["DECOM"]]
        for table, column in (("Reviews", "REVIEW"), ("Missing", "MIS_START"), ("DoLo", "DOLO_START"),
                              ("PlacedAdoption", "DATE_PLACED"), ("AD1", "DATE_INT")):
            shown += [r.dates[column] for r in rows.get(table, []) if r.dates.get(column)]
        if rows.get("OC2"):
            shown.append(self.year_start)
        began = min(shown)
        born = h.child.date_of_birth
        return max(began, born) if born else began

    def care_ends(self, h: ChildHistory, row: Row) -> None:
        period = lc.open_period(h)
        ep = lc.open_episode(h, period.pk) if period is not None else None
        if ep is None or ep.decom != row.dates["DECOM"]:
            return  # the episode was refused, and reported
        change = self.change(h, row, EPISODE_COLUMNS)
        change.edit(ep, lc.check_period_of_care_end,
                    to=dict(dec=row.dates["DEC"], rec=row["REC"].upper(),
                            reason_place_change=row["REASON_PLACE_CHANGE"].upper()))
        change.edit(period, to=dict(end_date=row.dates["DEC"]))
        change.save()

    def review(self, h: ChildHistory, row: Row) -> None:
        day = row.dates["REVIEW"]
        if day is None:
            self.problems.append(Violation(row.at("REVIEW"), "format", "REVIEW date is required"))
            return
        period = lc.period_on(h, day)
        change = self.change(h, row, REVIEW_COLUMNS)
        change.new(LookedAfterReview(period_of_care_id=period.pk if period else None,
                                     review_date=day, participation=row["REVIEW_CODE"].upper()),
                   lc.check_review_record)
        change.save()

    def missing(self, h: ChildHistory, row: Row) -> None:
        change = self.change(h, row, MISSING_COLUMNS)
        change.new(MissingEpisode(child_id=h.child.pk, kind=row["MISSING"].upper(),
                                  start_date=row.dates["MIS_START"], end_date=row.dates["MIS_END"]),
                   lc.check_missing_episode_start)
        change.save()

    def dolo(self, h: ChildHistory, row: Row) -> None:
        order = DeprivationOfLiberty(child_id=h.child.pk, start_date=row.dates["DOLO_START"],
                                     end_date=row.dates["DOLO_END"])
        if order.start_date is None:
            self.problems.append(Violation(row.at("DOLO_START"), "format",
                                           "DOLO_START is required"))
            return
        change = self.change(h, row, DOLO_COLUMNS)
        change.new(order, lc.check_deprivation_of_liberty_record)
        change.save()

    # --- adoption ------------------------------------------------------------------------------

    def adoption_events(self, h: ChildHistory, rows: dict, episodes: list[Row], at, held: Held) -> None:
        """PlacedAdoption rows and the AD1 row describe decisions to place for adoption; an AD1
        and a PlacedAdoption row with the same decision date are one adoption journey (one the
        record already holds is that journey: `held`)."""
        placed = {r.dates["DATE_PLACED"]: r for r in rows.get("PlacedAdoption", [])}
        ad1 = (rows.get("AD1") or [None])[0]
        decisions = dict(placed)
        if ad1 is not None and ad1.dates["DATE_INT"] not in decisions:
            decisions[ad1.dates["DATE_INT"]] = ad1
        journeys: dict[dt.date, AdoptionJourney] = {j.decision_date: j for j in h.adoptions}
        for day, row in decisions.items():
            if day is None:
                column = "DATE_INT" if row is ad1 else "DATE_PLACED"
                self.problems.append(Violation(row.at(column), "format", f"{column} is required"))
                continue
            if (row.at("row"), "decision") not in held.skip:
                at(day, DECISION, lambda day=day, row=row: self.decision(h, day, row, journeys), row)
            ceased = row.dates.get("DATE_PLACED_CEASED")
            if (row is not ad1 and (ceased or row["REASON_PLACED_CEASED"])
                    and (row.at("row"), "reversal") not in held.skip):
                at(ceased or day, MILESTONE,
                   lambda day=day, row=row: self.reversal(h, journeys.get(day), row), row)
        if ad1 is not None and ad1.dates["DATE_INT"] is not None:
            if (ad1.at("row"), "adopted") in held.skip:
                return
            adopted = next((r for r in episodes if r["REC"].upper() in ADOPTED and r.dates["DEC"]
                            and r.dates["DEC"] >= ad1.dates["DATE_INT"]), None)
            if adopted is None:
                self.problems.append(Violation(ad1.at("CHILD"), "local",
                                               "AD1 is for children adopted in the year, but no "
                                               "episode ends with E11 or E12"))
                return
            at(adopted.dates["DEC"], MILESTONE,
               lambda: self.adopted(h, journeys.get(ad1.dates["DATE_INT"]), ad1, adopted, episodes),
               ad1)

    def decision(self, h, day: dt.date, row: Row, journeys: dict) -> None:
        change = self.change(h, row, ADOPTION_COLUMNS if "DATE_PLACED" in row.cells else AD1_COLUMNS)
        journey = change.new(AdoptionJourney(child_id=h.child.pk, decision_date=day),
                             lc.check_adoption_decision_record)
        if change.save(journey) is not None:
            journeys[day] = journey

    def reversal(self, h, journey, row: Row) -> None:
        if journey is None:
            return  # the decision was refused, and reported
        current = next(j for j in h.adoptions if j.pk == journey.pk)
        change = self.change(h, row, ADOPTION_COLUMNS)
        change.edit(current, lc.check_adoption_decision_reverse,
                    to=dict(decision_reversed_date=row.dates["DATE_PLACED_CEASED"],
                            reason_reversed=row["REASON_PLACED_CEASED"].upper()))
        change.save()

    def adopted(self, h, journey, row: Row, adopted: Row, episodes: list[Row]) -> None:
        if journey is None:
            return
        current = next(j for j in h.adoptions if j.pk == journey.pk)
        ok, foster = _flag(row, "FOSTER_CARE", "903 114", self.problems)
        number = row["NB_ADOPTR"]
        if number not in ("", "1", "2"):
            self.problems.append(Violation(row.at("NB_ADOPTR"), "903 175",
                                           f"'{number}' is not 1 or 2"))
            ok = False
        if not ok:
            return
        placed = next((r.dates["DECOM"] for r in episodes if r["PLACE"].upper() in lc.PLACED_FOR_ADOPTION
                       and current.decision_date <= r.dates["DECOM"] <= adopted.dates["DEC"]), None)
        change = self.change(h, row, AD1_COLUMNS)
        change.edit(current, lc.check_adoption_milestone_record,
                    to=dict(matched_date=row.dates["DATE_MATCH"], placed_date=placed,
                            adoption_order_date=adopted.dates["DEC"], foster_carer_adoption=foster,
                            number_of_adopters=int(number) if number else None,
                            sex_of_adopters=row["SEX_ADOPTR"].upper(),
                            legal_status_of_adopters=row["LS_ADOPTR"].upper()))
        change.save()

    # --- records that need the year in place --------------------------------------------------

    def previous_permanence(self, h, row: Row) -> None:
        change = self.change(h, row, PERM_COLUMNS)
        change.new(PreviousPermanenceRecord(child_id=h.child.pk, option=row["PREV_PERM"].upper(),
                                            la_code=row["LA_PERM"], order_date=row.dates["DATE_PERM"]),
                   lc.check_previous_permanence_record)
        change.save()

    def oc2(self, h, row: Row) -> None:
        ok, values = True, {}
        score = row["SDQ_SCORE"]
        if score and not score.isdigit():
            ok = False
            self.problems.append(Violation(row.at("SDQ_SCORE"), "903 180",
                                           f"'{score}' is not a whole number from 0 to 40"))
        for name, column in OC2_FLAG_COLUMNS.items():
            good, values[name] = _flag(row, column, "903 181", self.problems)
            ok = ok and good
        if not ok:
            return
        change = self.change(h, row, {"sdq_score": "SDQ_SCORE", "sdq_reason": "SDQ_REASON",
                                      "year_ending": "CHILD", **OC2_FLAG_COLUMNS})
        change.new(AnnualHealthOutcomes(child_id=h.child.pk, year_ending=self.year_end,
                                        sdq_score=int(score) if score else None,
                                        sdq_reason=row["SDQ_REASON"].upper(), **values),
                   lc.check_annual_outcomes_record)
        change.save()

    def oc3(self, h, row: Row, any_care: bool) -> None:
        """The contact is dated on the young person's birthday in the year (the 903 asks about
        them around their 17th to 21st birthday and carries no date)."""
        change = self.change(h, row, OC3_COLUMNS)
        change.new(CareLeaverContact(child_id=h.child.pk, contact_date=self.oc3_date(h),
                                     in_touch=row["IN_TOUCH"].upper(), activity=row["ACTIV"].upper(),
                                     accommodation=row["ACCOM"].upper()),
                   _without(set() if any_care else OC3_HISTORY_RULES, lc.check_care_leaver_contact_record))
        change.save()

    def oc3_date(self, h) -> dt.date:
        """The young person's birthday in the collection year (no later than today)."""
        dob = h.child.date_of_birth
        birthday = None
        for year in (self.year_start.year, self.year_end.year):
            try:
                day = dob.replace(year=year)
            except ValueError:  # 29 February
                day = dt.date(year, 3, 1)
            if self.year_start <= day <= self.year_end:
                birthday = day
        return min(birthday, today())

    def social_worker(self, h, row: Row) -> None:
        sw_id = row["SW_ID"]
        start, end, reason = row.dates["SW_DECOM"], row.dates["SW_DEC"], row["SW_REASON"].upper()
        problems = []
        if not sw_id:
            problems.append(Violation(row.at("SW_ID"), "903 SW02STG1", "SW_ID is required"))
        if start is None:
            problems.append(Violation(row.at("SW_DECOM"), "903 SW04STG1", "SW_DECOM is required"))
        elif end is not None and end < start:
            problems.append(Violation(row.at("SW_DEC"), "903 SW06STG1",
                                      "the social worker episode ends before it starts"))
        if problems:
            self.problems.extend(problems)
            return
        worker = self.workers.get(sw_id) or self.new_workers[sw_id]
        # SW_REASON is why this episode began (FCONTA: first contact, SW10STG2); any other
        # reason is why the previous worker's episode, ending within 7 days, changed hands.
        allocation = Allocation(child_id=h.child.pk, kind=Allocation.Kind.SOCIAL_WORKER,
                                worker_id=worker.pk, team_id=worker.team_id, start_date=start,
                                end_date=end)
        before = max((a for a in h.allocations if a.kind == Allocation.Kind.SOCIAL_WORKER
                      and a.end_date is not None and a.start_date < start
                      and abs((start - a.end_date).days) <= 7), key=lambda a: a.start_date,
                     default=None)

        def check(hh, a, checks):
            check_allocation_start(hh, a, worker, "", checks)
            checks.code(reason, codes.SocialWorkerChangeReason, "change_reason", "903 SW13STG1",
                        "Reason for change of social worker", required=False)
            checks.not_future(end, "end_date", "local", "the end of the allocation")

        change = self.change(h, row, SW_COLUMNS)
        change.new(allocation, check)
        if not change.violations and reason != "FCONTA":
            if before is None:
                allocation.start_reason = reason  # the previous worker is not in the return
            elif reason:
                change.edit(before, to=dict(end_reason=reason))
        change.save()

    def add_workers(self, sw_ids: set[str]) -> None:
        """Staff named only by SW_ID in the return become inactive social workers, to be completed
        by an administrator. Their keys are handed out before the children are rebuilt, so every
        chunk points its allocations at the same users."""
        ids = Ids()
        for sw_id in sorted(sw_ids - set(self.workers)):
            self.new_workers[sw_id] = ids.assign(User(
                username=f"sw-{sw_id}".lower()[:150], first_name="Social worker", last_name=sw_id,
                role=User.Role.SOCIAL_WORKER, local_authority=self.la, sw_id=sw_id, is_active=False))
        self.sw_of = {u.pk: sw_id for sw_id, u in {**self.workers, **self.new_workers}.items()}

    def save_workers(self) -> int:
        taken = {u.username for u in self.new_workers.values()} & set(
            User.objects.filter(username__startswith="sw-").values_list("username", flat=True))
        for worker in self.new_workers.values():
            if worker.username in taken:
                worker.username = f"{worker.username}-{self.la.la_number}"
            worker.set_unusable_password()
        User.objects.bulk_create(self.new_workers.values())
        return len(self.new_workers)


#: Children per chunk, and the fewest children worth a second process.
CHUNK_CHILDREN = 500
PARALLEL_FROM = 2 * CHUNK_CHILDREN
_JOB: tuple | None = None  # (rebuild, rows by child, time stamp, calendar), inherited by workers


def _rebuild_chunk(heads: list[Row]) -> tuple[Rows | None, list[Violation], int]:
    """Rebuild one chunk of children with keys local to the chunk; return plain rows (None if
    anything was refused) and the problems found."""
    rebuild, by_child, when, cal = _JOB
    rebuild.ids, rebuild.problems = LocalIds(), []
    histories = [h for head in heads if (h := rebuild.child(head, by_child[head["CHILD"]])) is not None]
    rows = None if blocking(rebuild.problems) else Rows.build(histories, rebuild.ids, when, cal)
    return rows, rebuild.problems, len(histories)


#: A collection year in a file or folder name: 2025 (by its end, as liiatools names its files,
#: e.g. SSDA903_2025_episodes.csv), or 2024-25 / 2024_25 / 202425 (its two calendar years).
_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d\d)(?:[-_ ]?(\d\d))?(?!\d)")


def years_in_name(name: str) -> set[int]:
    """The collection years a file or folder name states (by their end)."""
    found = set()
    for match in _YEAR_IN_NAME.finditer(name):
        first, second = int(match.group(1)), match.group(2)
        if second is None:
            found.add(first)
        elif int(second) == (first + 1) % 100:
            found.add(first + 1)
    return found


def collection_year(path: Path, tables: Tables, year: int | None,
                    problems: list[Violation]) -> int | None:
    """The collection year (by its end: 2026 = 2025-26): the one given (`--year`), else the one
    the folder's or files' names state. Never guessed from the dates in the rows, where one stray
    date would move the whole return. None (reported, asking for --year) if it cannot be known."""
    if year is not None:
        return year
    names = [path.name] + [p.name for p in tables.files.values() if p != path]
    stated = set().union(*(years_in_name(n) for n in names))
    if len(stated) == 1:
        return stated.pop()
    problems.append(Violation(
        f"{path.name}:0:year", "format",
        ("the file names state more than one collection year "
         f"({', '.join(str(y) for y in sorted(stated))})" if stated else
         "the collection year is not stated in the folder's or files' names")
        + ": give it with --year (e.g. --year 2026 for 2025-26)"))
    return None


def cell_limits() -> dict[str, int]:
    """The 903 columns stored as text, held to the max_length of the field each is stored in."""
    def length(model, name: str) -> int:
        return model._meta.get_field(name).max_length

    return {"CHILD": length(Child, "la_child_id"), "UPN": length(Child, "upn"),
            "HOME_POST": length(Episode, "home_postcode"), "PL_POST": length(Episode, "placement_postcode"),
            "URN": length(Episode, "urn"), "LA_PERM": length(PreviousPermanenceRecord, "la_code"),
            "SW_ID": length(User, "sw_id")}


def _private_dir(folder: Path) -> None:
    """The kept originals hold children's records: only the service's own user may read them."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for level in (folder, folder.parent):
        os.chmod(level, 0o700)


def _private_copy(source: Path, target: Path) -> None:
    """Copy a file into place readable by the service's user alone (0600) from its first byte."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
        shutil.copyfileobj(src, out)


def _keep_original(path: Path) -> Path:
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    target = Path(settings.VAR_DIR) / "imports" / "ssda903" / f"{stamp}-{path.name}"
    _private_dir(target.parent)
    if path.is_dir():
        target.mkdir(mode=0o700)
        for item in sorted(path.iterdir()):
            if item.is_file() and item.suffix.lower() == ".csv":
                _private_copy(item, target / item.name)
    else:
        _private_copy(path, target)
    return target


def read_return(path: Path, problems: list[Violation]) -> Tables:
    """A folder of CSVs, one CSV, or the 903 XML (read with defusedxml)."""
    if path.is_dir():
        return read_folder(path, problems)
    if path.suffix.lower() == ".xml":
        return read_xml(path, problems)
    tables = Tables({}, {})
    read = read_csv(path, problems, tables.dropped)
    if read is not None:
        tables.rows[read[0]], tables.files[read[0]] = read[1], path
    return tables


def import_return(path: Path, *, by, year: int | None = None, jobs: int | None = None,
                  chunk: int = CHUNK_CHILDREN, accept_changes: bool = False) -> ImportResult:
    """Import an SSDA903 return (a folder of CSV files, one CSV or the XML) for collection `year`
    (else the year its names state) into the record, all or nothing per return: any error refuses
    it (`ImportRefused`, a RecordInvalid, with the whole report). `jobs` processes rebuild `chunk`
    children at a time (default: two for a large return, else one).

    Children already on the record (same LA child id in the council) are merged (`Rebuild.merge`):
    a later year's file adds to them and ends what it ends; the same file again changes nothing.
    Where the file contradicts the record the import is refused, row by row, unless
    `accept_changes`, when the file's values are taken (and audited)."""
    path = Path(path)
    if not path.exists():
        raise RecordInvalid([Violation(f"{path.name}:0:path", "format",
                                       f"{path} does not exist")])
    problems: list[Violation] = []
    tables = read_return(path, problems)
    check_cells(tables, problems, cell_limits())
    cross_check(tables, problems)
    year = collection_year(path, tables, year, problems)
    if year is not None:  # that year's tables and codes, read into the record's (SEX 1 -> M)
        check_year(tables, year, problems)
    child_of = _child_at(tables)
    title = f"SSDA903 {path.name}"
    if year is None or "Header" not in tables.rows:
        refuse_if_errors(title, problems, child_of)
    la = council_for(by)
    result = ImportResult(path=path, year=year)
    by_child: dict[str, dict[str, list[Row]]] = defaultdict(lambda: defaultdict(list))
    for key, rows in tables.rows.items():
        for row in rows:
            by_child[row["CHILD"]][key].append(row)
    # A child with a row refused while reading is not rebuilt: its other rows would fail only for
    # want of that one. The report counts them at the first refused row.
    first_dropped: dict[str, str] = {}
    for (file, line), child in tables.dropped.items():
        first_dropped.setdefault(child, f"{file}:{line}:row")
    for child, where in first_dropped.items():
        rest = sum(len(found) for found in by_child.get(child, {}).values())
        if rest:
            problems.append(cascade(where, rest, child))
    heads = sorted((r for r in tables.rows.get("Header", []) if r["CHILD"] not in first_dropped),
                   key=lambda r: r["CHILD"])
    # The council's ids, not an IN list of the file's: a national file has more than SQLite's
    # limit of query parameters.
    held_ids = dict(Child.objects.filter(local_authority=la).values_list("la_child_id", "pk"))
    existing = [head for head in heads if head["CHILD"] in held_ids]
    rebuild_heads = heads
    heads = [head for head in heads if head["CHILD"] not in held_ids]
    reason = f"SSDA903 import of {path.name}"
    rebuild = Rebuild(la=la, by=by, year=year, ids=LocalIds(), problems=[],  # each chunk's own
                      reason=reason)
    rebuild.add_workers({r["SW_ID"] for head in rebuild_heads
                         for r in by_child[head["CHILD"]]["SWEpisodes"] if r["SW_ID"]})
    def rows_of(head: Row) -> int:
        return sum(map(len, by_child[head["CHILD"]].values()))

    bar = Progress(title, sum(map(rows_of, rebuild_heads)), unit="rows")
    global _JOB
    # Every record is checked against the same day, however long the import takes.
    with as_if_today(today()), transaction.atomic():
        when = timezone.now()
        _JOB = (rebuild, by_child, when, calendar.current())
        chunks = [heads[i:i + chunk] for i in range(0, len(heads), chunk)]
        if jobs is None:
            jobs = min(2, os.cpu_count() or 1) if len(heads) >= PARALLEL_FROM else 1
        try:
            with in_processes(_rebuild_chunk, chunks, jobs) as results:
                result.workers_added = rebuild.save_workers()
                offsets = next_keys()
                counts: dict[str, int] = defaultdict(int)
                for part, (rows, found, children) in zip(chunks, results, strict=True):
                    bar.advance(sum(map(rows_of, part)))
                    problems.extend(found)
                    if blocking(problems):
                        continue  # read every chunk to report every problem; then roll back
                    rows.shift(offsets)
                    for table, n in rows.used.items():
                        offsets[table] = offsets.get(table, 0) + n
                    for label, n in rows.insert(when, reason).items():
                        counts[label] += n
                    result.imported += children
        finally:
            _JOB = None
        models = [Child, User, *(apps.get_model(_SOURCES[name][0]) for name in ORDER)]
        reset_sequences(models)
        # Merged even when something else is refused, so one pass reports every problem; the
        # transaction then rolls the merges back with the rest.
        with bar:
            _merge(rebuild, existing, by_child, held_ids, accept_changes, result,
                   lambda head: bar.advance(rows_of(head)))
        rebuild.merge_sink.finish()
        problems.extend(rebuild.problems)
        reset_sequences(models)
        report = refuse_if_errors(title, problems, child_of)
        for label, n in rebuild.merge_sink.tally.items():
            counts[label] += n
        result.counts = {k: v for k, v in counts.items() if v}
        result.notes = tables.notes
        result.accepted = rebuild.accepted
        result.report = report if report.problems else None
        if result.changed:  # a file that changed nothing leaves no trace
            result.kept_at = _keep_original(path)
            audit_record(actor=by, action="import", object_type="returns.SSDA903",
                         object_id=path.name[:40], reason=reason[:500],
                         detail={"year": year, "children": result.imported,
                                 "updated": len(result.updated), "unchanged": len(result.skipped),
                                 "accepted": len(result.accepted), "kept_at": str(result.kept_at),
                                 "warnings": len(report.warnings)})
    return result


def _merge(rebuild: Rebuild, heads: list[Row], by_child: dict, held_ids: dict[str, int],
           accept: bool, result: ImportResult, merging: Callable[[Row], None]) -> None:
    """Merge the children already on the record in the main process (`merge_held`).
    `merging(head)` is told of each before it is merged."""
    rebuild.problems = []

    def merge(i: int, key: int, history: ChildHistory) -> str:
        merging(heads[i])
        return rebuild.merge(key, heads[i], by_child[heads[i]["CHILD"]], accept=accept,
                             history=history)

    def refused(i: int, exc: DatabaseError) -> None:
        rebuild.problems.append(Violation(heads[i].at("row"), "format",
                                          f"the database refused the child's records: {exc}"))

    outcomes = merge_held(rebuild.merge_sink, [held_ids[h["CHILD"]] for h in heads], merge, refused,
                          [rebuild.problems, rebuild.accepted])
    for head, done in zip(heads, outcomes, strict=True):
        if done == "changed":
            result.updated.append(head["CHILD"])
        elif done == "unchanged":
            result.skipped.append(head["CHILD"])


def _child_at(tables: Tables):
    """Which child a row of the return is about (for the report's child column)."""
    index: dict[tuple[str, str], str] | None = None

    def child_of(file: str, line: str) -> str:
        nonlocal index
        if index is None:  # built only when there is something to report
            index = {(r.file, str(r.line)): r["CHILD"] for rows in tables.rows.values() for r in rows}
            index.update(tables.dropped)
        return index.get((file, line), "")
    return child_of
