"""Bringing a council's history into Safeguard from a CIN census file.

Each child's whole record is built in memory as a `ChildHistory`, in the order things happened
(an episode is opened, its work recorded day by day, then it is closed), each step one `Change`
(record/change.py) checked by the same `check_*` function a practitioner's save runs. A
`RebuildSink` keeps the records in memory and reports a refused change at the return's line
and element. Any problem anywhere rejects the file: all problems are collected and raised
together as `RecordInvalid`, and nothing is written. A clean file is written in one transaction
through the record's bulk writer (`write_histories`). A child already on the record (same
LAchildID) is merged instead (`Builder.merge`): what it holds is left alone, what the file adds
or ends is saved through the unit of work (a `MergeSink`), and a contradiction refuses the file
unless the changes are accepted.

What the return does not carry is filled in plainly and said so: names (the return has none),
the decision on the referral (from ReferralNFA), and a transfer-in conference where an episode's
DateOfInitialCPC belongs to no Section47 in the file.
"""

from __future__ import annotations

import bisect
import datetime as dt
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from safeguard.assessment import checks as ac
from safeguard.assessment.models import Assessment, AssessmentFactorIdentified, CINPlan
from safeguard.audit.services import audit_record
from safeguard.child_protection import checks as cpc
from safeguard.child_protection.models import ChildProtectionPlan, Conference, Section47Enquiry
from safeguard.core.errors import Checks, RecordInvalid, Violation
from safeguard.core.progress import Progress
from safeguard.front_door import checks as fc
from safeguard.front_door.models import Referral
from safeguard.people import checks as pc
from safeguard.people.models import Child, ChildDisability
from safeguard.record.change import Change, RebuildSink
from safeguard.record.history import _SOURCES, ChildHistory, held
from safeguard.record.writer import ORDER, Ids, reset_sequences, write_histories
from safeguard.workforce.models import LocalAuthority

from ..report import ImportChange, Report, blocking, cascade, refuse_if_errors, year_bounds
from ..ssda903.importing import CONTRADICTION, NOT_YET_KNOWN, MergeSink, _shown, merge_held
from .reading import Reader, XChild, XEpisode, XReturn

KIND = "cin_census"
EVENT = "cin_census_import"
FIRST_NAME = "(not in return)"  # the CIN census carries no names; a worker adds them later


# Where a check's model field comes from in the return: (record element, {field: element}).
TAGS: dict[str, tuple[str, dict[str, str]]] = {
    "child": ("Child", {
        "la_child_id": "LAchildID", "upn": "UPN", "former_upn": "FormerUPN",
        "upn_unknown": "UPNunknown", "date_of_birth": "PersonBirthDate",
        "expected_date_of_birth": "ExpectedPersonBirthDate", "date_of_death": "PersonDeathDate",
        "sex": "Sex", "ethnicity": "Ethnicity", "disabilities": "Disabilities"}),
    "referral": ("CINdetails", {
        "referral_date": "CINreferralDate", "source": "ReferralSource",
        "primary_need": "PrimaryNeedCode", "closure_date": "CINclosureDate",
        "reason_for_closure": "ReasonForClosure", "response": "ReferralNFA",
        "referral": "ReferralNFA"}),
    "assessment": ("Assessments", {
        "start_date": "AssessmentActualStartDate", "authorisation_date":
        "AssessmentAuthorisationDate", "factors": "FactorsIdentifiedAtAssessment"}),
    "cin_plan": ("CINPlanDates", {"start_date": "CINPlanStartDate", "end_date": "CINPlanEndDate"}),
    "s47": ("Section47", {"start_date": "S47ActualStartDate", "end_date": "DateOfInitialCPC",
                          "icpc_not_required": "ICPCnotRequired"}),
    "icpc": ("Section47", {"held_on": "DateOfInitialCPC", "section47": "ICPCnotRequired"}),
    "transfer_in": ("CINdetails", {"held_on": "DateOfInitialCPC"}),
    "review": ("CPPreviewDate", {"held_on": "CPPreviewDate"}),
    "cp_plan": ("ChildProtectionPlans", {
        "start_date": "CPPstartDate", "end_date": "CPPendDate",
        "initial_category": "InitialCategoryOfAbuse", "latest_category": "LatestCategoryOfAbuse",
        "number_of_previous_cpp": "NumberOfPreviousCPP"}),
}


class _Importer:
    """Stands in for the manager's sign-off the return implies (closures, authorisations were
    made and returned by the council); the person importing is audited separately."""

    pk = None
    can_authorise = True


IMPORTER = _Importer()


@dataclass
class ImportResult:
    """What an import did, for the command line and the audit trail."""

    file: Path
    kept_as: Path
    local_authority: str
    year: int | None = None
    imported: int = 0
    skipped: list[str] = field(default_factory=list)  # on the record already, nothing new for them
    updated: list[str] = field(default_factory=list)  # on the record already, added to or changed
    accepted: list[str] = field(default_factory=list)  # contradictions taken from the file
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    report: Report | None = None  # the warnings (DfE queries) of an import that went ahead

    @property
    def changed(self) -> bool:
        """Whether the import changed the record at all."""
        return bool(self.imported or self.updated)

    def __str__(self) -> str:
        year = f" (collection year {self.year - 1}-{self.year % 100:02d})" if self.year else ""
        done = (f"imported {self.imported} child(ren)" if self.imported
                else "imported no children")
        if self.updated:
            done += f", updated {len(self.updated)} already on record"
        done += f"; original kept as {self.kept_as}" if self.changed else "; no changes"
        lines = [f"CIN census {self.file.name}{year} for {self.local_authority}: {done}"]
        if self.skipped:
            shown = ", ".join(self.skipped[:10]) + (" ..." if len(self.skipped) > 10 else "")
            lines.append(f"  skipped {len(self.skipped)} child(ren) already on record, no changes: "
                         f"{shown}")
        if self.accepted:
            lines.append(f"  {len(self.accepted)} value(s) on the record changed to the file's "
                         "(--accept-changes):")
            lines += [f"    {a}" for a in self.accepted]
        for label, n in sorted(self.counts.items()):
            if n:
                lines.append(f"  {label}: {n}")
        lines += [f"  note: {n}" for n in self.notes]
        if self.report is not None:
            lines += self.report.lines()
        return "\n".join(lines)


def keep_original(path: Path) -> Path:
    """Copy an imported file as received to var/imports/cin_census/<timestamp>-<name>, readable by
    the service's own user alone (file 0600, folders 0700): it holds children's records.

    Only a file that was imported is kept (issue 15, finding 7): it is the source of what is now on
    the record. A refused file changed nothing, every problem in it is reported to whoever imported
    it, and they still have it; keeping it (a 201 MB one included, readable by all) served no one
    and held children's data the council had not taken on. `safeguard returns purge-kept` removes
    kept originals past the council's retention period."""
    folder = Path(settings.VAR_DIR) / "imports" / KIND
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for level in (folder, folder.parent):
        os.chmod(level, 0o700)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    kept = folder / f"{stamp}-{path.name}"
    fd = os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, path.open("rb") as src:
        shutil.copyfileobj(src, out)
    return kept


def collection_year(parsed: XReturn, year: int | None, reader: Reader) -> int | None:
    """The collection year (by its end: 2026 = 2025-26): the one given (`--year`), else the
    header's Year, else the year its ReferenceDate ends; never guessed from other dates in the
    file, where one stray date would move the whole return. None (reported) if unknown."""
    from_file = parsed.year or (_year_ending(parsed.reference_date) if parsed.reference_date else None)
    if year is not None:
        if from_file is not None and from_file != year:
            reader.notes.append(f"header: the file says collection year {from_file}; imported as "
                                f"{year}, as --year says")
        return year
    if from_file is None:
        reader.fail(parsed.lea_line, "Year", "format",
                    "the collection year is not in the header (CollectionDetails Year or "
                    "ReferenceDate): give it with --year (e.g. --year 2026 for 2025-26)")
    return from_file


def _year_ending(day: dt.date) -> int:
    return day.year + 1 if day.month >= 4 else day.year


def import_return(path, *, by, year: int | None = None, accept_changes: bool = False) -> ImportResult:
    """Import one CIN census XML file for collection `year` (else the header's); raise
    `ImportRefused` (a RecordInvalid) listing every problem if any is an error. All or nothing
    per file: one refused child refuses the file."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise RecordInvalid([Violation(f"{name}:0:file", "format", "no such file")])
    reader = Reader(name, year=year)
    parsed = reader.read(path)
    if parsed is None:  # the reader said why
        refuse_if_errors(f"CIN census {name}", reader.problems)
        raise RecordInvalid(reader.problems)
    year = collection_year(parsed, year, reader)
    la = _council(reader, parsed.lea, parsed.lea_line, by)
    child_of = _child_at(parsed)
    title = f"CIN census {name}"
    result = ImportResult(file=path, kept_as=Path(), local_authority=str(la or parsed.lea),
                          year=year, notes=parsed.notes)
    with transaction.atomic():
        known = dict(Child.objects.filter(local_authority=la).values_list("la_child_id", "pk")
                     ) if la is not None else {}
        # Value problems are found even when the header is refused, so one pass reports all.
        builder = Builder(name, la, by, Ids(), year=year)
        seen: dict[str, int] = {}
        merged: list[XChild] = []
        bar = Progress(title, len(parsed.children), unit="children")
        for xc in parsed.children:
            bar.advance(0 if xc.la_child_id in known and xc.clean else 1)
            if xc.la_child_id in seen:
                builder.fail(xc.line, "LAchildID", "format",
                             f"child {xc.la_child_id} appears twice in the file (also at line "
                             f"{seen[xc.la_child_id]})")
                continue
            seen[xc.la_child_id] = xc.line
            if xc.la_child_id in known:
                if xc.clean:
                    merged.append(xc)
            elif xc.clean:  # a child the reader already reported is not checked further
                builder.child(xc)
        # Merged even when something else is refused, so one pass reports every problem; the
        # transaction then rolls the merges back with the rest.

        def merge(i: int, key: int, history: ChildHistory) -> str:
            bar.advance()
            return builder.merge(merged[i], key, accept=accept_changes, history=history)

        def refused(i: int, exc: DatabaseError) -> None:
            builder.fail(merged[i].line, "LAchildID", "format",
                         f"the database refused the child's records: {exc}")

        outcomes = merge_held(builder.merge_sink, [known[xc.la_child_id] for xc in merged], merge,
                              refused, [builder.problems, builder.accepted])
        for xc, done in zip(merged, outcomes, strict=True):
            if done == "changed":
                result.updated.append(xc.la_child_id)
            elif done == "unchanged":
                result.skipped.append(xc.la_child_id)
        bar.close()
        builder.merge_sink.finish()
        problems = reader.problems + builder.problems
        report = refuse_if_errors(title, problems, child_of)
        if la is None:  # reported above; never reached, kept for the type checker
            raise RecordInvalid(reader.problems)
        try:
            counts = write_histories(builder.histories, reason=f"CIN census import {name}")
            reset_sequences([Child] + [_model(n) for n in ORDER])
        except DatabaseError as exc:  # a rule the checks do not cover: report, never a traceback
            raise RecordInvalid([Violation(f"{name}:0:database", "format",
                                           f"the database refused the records: {exc}")]) from exc
        result.imported = len(builder.histories)
        result.accepted = builder.accepted
        if result.changed:  # a file that changed nothing leaves no trace
            kept = result.kept_as = keep_original(path)
            audit_record(actor=by, action="import", object_type="returns.CINCensus",
                         object_id=f"{la.la_number}", reason=f"CIN census import {name}",
                         detail={"file": name, "kept_as": str(kept), "children": len(builder.histories),
                                 "updated": len(result.updated), "unchanged": len(result.skipped),
                                 "accepted": len(result.accepted), "year": year,
                                 "warnings": len(report.warnings)})
    counts.update(builder.merge_sink.tally)
    result.counts = {k: v for k, v in counts.items() if k != "timescales.Clock" and v}
    result.report = report if report.problems else None
    return result


def _child_at(parsed: XReturn):
    """Which child a line of the file belongs to (for the report's child column)."""
    starts = sorted((c.line, c.la_child_id) for c in parsed.children)
    lines = [line for line, _ in starts]

    def child_of(file: str, line: str) -> str:
        if not line.isdigit():
            return ""
        i = bisect.bisect_right(lines, int(line)) - 1
        return starts[i][1] if i >= 0 else ""
    return child_of


def _held_by(items: list, referral_id: int, **values):
    """The record of this referral with these values that the record already holds, or None."""
    return next((x for x in items if x.referral_id == referral_id
                 and all(getattr(x, k) == v for k, v in values.items())), None)


def _check_child(history, child: Child, checks: Checks, *, disabilities: list[str]) -> None:
    """The child's identity and disabilities, as at registration (the file's own duplicates and
    the children already on record are found before)."""
    pc.check_child(child, disabilities, checks)


def _model(name: str):
    return apps.get_model(_SOURCES[name][0])


def _council(reader: Reader, lea: str, line: int, by) -> LocalAuthority | None:
    """The council the return is for (Header/Source/LEA), which must be on record and, for a
    user who belongs to a council, theirs."""
    if not lea:
        reader.fail(line, "LEA", "format", "the header gives no LEA (LA number)")
        return None
    if not (lea.isdigit() and len(lea) == 3):
        reader.fail(line, "LEA", "format", f"LEA {lea!r} is not a three-digit LA number")
        return None
    la = LocalAuthority.objects.filter(la_number=int(lea)).first()
    if la is None:
        reader.fail(line, "LEA", "format", f"no council with LA number {lea} is on record")
        return None
    if getattr(by, "local_authority_id", None) and by.local_authority_id != la.pk:
        reader.fail(line, "LEA", "local", f"the file is for LA {lea}, not your council")
        return None
    return la


class Builder:
    """Builds children's histories from parsed returns through the services' checks."""

    def __init__(self, name: str, la: LocalAuthority | None, by, ids: Ids, *,
                 year: int | None = None) -> None:
        self.name, self.la, self.by, self.ids = name, la, by, ids
        #: The census year: the DfE applies some rules (e.g. 2885) only to what falls inside it.
        self.census = year_bounds(year) if year else None
        self.problems: list[Violation] = []
        self.histories: list[ChildHistory] = []
        self._who = ""
        self.merging = False  # adding to a child already on the record (`merge`)
        self.merge_sink = MergeSink(ids)  # one source of keys with the new children's
        self.accepted: list[str] = []  # the file's values taken with --accept-changes

    def fail(self, line: int, item: str, rule: str, message: str) -> None:
        self.problems.append(Violation(f"{self.name}:{line}:{item}", rule,
                                       f"{self._who}{message}"))

    def report(self, where: tuple[dict[str, int], str], violations) -> None:
        """Point each violation at the element it concerns: its line and DfE element name."""
        lines, kind = where
        record, tags = TAGS[kind]
        for v in violations:
            tag = tags.get(v.field)
            line = lines.get(tag) if tag else None
            if line is None:
                line, tag = lines.get(record, 0), tag or v.field
            self.fail(line, tag, v.rule, v.message)

    def change(self, history: ChildHistory, where: tuple[dict[str, int], str]) -> Change:
        """One step of a child's history (the importing user records it), kept in memory; if
        refused, reported at the elements `where` names."""
        if self.merging:  # a child already on the record: saved and audited as any save is
            return ImportChange(history, by=self.by, event=EVENT, kind="cin",
                                warn=partial(self.report, where), reason=f"CIN census import {self.name}",
                                sink=self.merge_sink.reporting(partial(self.report, where)))
        return ImportChange(history, by=self.by, event=EVENT, kind="cin",
                            warn=partial(self.report, where),
                            sink=RebuildSink(self.ids, report=partial(self.report, where)))

    # --- a child ---------------------------------------------------------------------------
    def child(self, xc: XChild) -> None:
        self._who = f"child {xc.la_child_id}: "
        before = len(self.problems)
        child = Child(local_authority_id=getattr(self.la, "pk", None), la_child_id=xc.la_child_id,
                      first_name=FIRST_NAME, last_name=xc.la_child_id[:100], upn=xc.upn,
                      former_upn=xc.former_upn, upn_unknown=xc.upn_unknown,
                      date_of_birth=xc.birth_date, expected_date_of_birth=xc.expected_birth_date,
                      date_of_death=xc.death_date, sex=xc.sex, ethnicity=xc.ethnicity)
        history = ChildHistory(child=child)
        change = self.change(history, (xc.lines, "child"))
        change.new(child, _check_child, disabilities=xc.disabilities)
        for code in xc.disabilities:
            change.new(ChildDisability(child_id=child.pk, code=code))
        if change.save(child) is None:
            return
        for ep in sorted(xc.episodes, key=lambda e: (e.referral_date or dt.date.min, e.line)):
            if ep.referral_date is None:
                continue  # already reported by the reader
            self.episode(history, ep)
        if not blocking(self.problems[before:]):  # a DfE query warns, and the child is imported
            self.histories.append(history)

    # --- a child already on the record (merging) ---------------------------------------------
    def merge(self, xc: XChild, child_id: int, *, accept: bool, history: ChildHistory | None = None) -> str:
        """Bring a later (or the same) year's census of a child already on the record into it.
        A CIN episode is the same episode by (child, CINreferralDate), and within it an assessment,
        S47, CIN plan or CP plan by its start date, a review by its date: what is held is left
        alone, what is new is added, and what the record holds open and the file ends (a closure,
        a plan's end, an authorisation) is ended, each through the record's unit of work. Where the
        file contradicts the record, nothing of the child changes unless `accept`. Returns
        "changed", "unchanged" or "refused" (reported)."""
        self._who = f"child {xc.la_child_id}: "
        h = history or ChildHistory.load(child_id)
        written, start = self.merge_sink.written, len(self.problems)
        self.merging = True
        try:
            differ, fills = self.differences(h, xc)
            if differ and not accept:
                for line, tag, was, now, _ in differ:
                    self.fail(line, tag, CONTRADICTION,
                              f"the record holds {tag} {_shown(was)}, the file says {_shown(now)}: "
                              "nothing of this child was changed; import with --accept-changes to "
                              "take the file's value")
                return "refused"
            for line, tag, was, now, apply in differ:
                before = len(self.problems)
                apply()
                if not blocking(self.problems[before:]):
                    self.accepted.append(f"{self.name}:{line}:{tag}: child {xc.la_child_id}: "
                                         f"{_shown(was)} -> {_shown(now)}")
            for fill in fills:
                fill()
            if blocking(self.problems[start:]):
                return "refused"
            for ep in sorted(xc.episodes, key=lambda e: (e.referral_date or dt.date.min, e.line)):
                if ep.referral_date is not None:
                    self.episode(h, ep)
        except BaseException:
            self.merge_sink.discard()
            raise
        finally:
            self.merging = False
            self.merge_sink.settle()
        return "changed" if self.merge_sink.written > written else "unchanged"

    def open_until(self, xs) -> dt.date | None:
        """What the census says of when an S47 enquiry that needed no ICPC ended, which it does not
        carry: one begun before the census year and returned in it was still open on the year's
        first day. That day is kept as its end (the earliest the file allows), so the record
        returns it in that year's census again; None when the file says nothing more."""
        if xs.icpc_not_required and self.census and xs.start and xs.start < self.census[0]:
            return self.census[0]
        return None

    def correct(self, h: ChildHistory, where, record, to: dict, check=None, **context):
        """The edit that takes the file's values `to` into a held record (as held at the time)."""
        def apply() -> None:
            current = h.child if isinstance(record, Child) else h.on_file(record)
            change = self.change(h, where)
            change.edit(current, check, to=to, **context)
            change.save()
        return apply

    def differences(self, h: ChildHistory, xc: XChild) -> tuple[list[tuple], list[Callable]]:
        """Where the file contradicts the record: (line, element, held, file, edit taking the
        file's value); and the edits that fill what the record holds as not yet known (a child
        born since: date of birth, sex). A blank the file fills (an end, a closure) is no
        contradiction either."""
        out, fills, known = [], [], {}
        child = h.child
        year_end = self.census[1] if self.census else dt.date.max

        def differs(held_value, given) -> bool:
            """Held and given differ, and not only because the file (of an earlier year) was
            drawn before the record's end."""
            return held_value is not None and held_value != given and not (
                given is None and held_value > year_end)

        for name, tag, value in (("date_of_birth", "PersonBirthDate", xc.birth_date),
                                 ("sex", "Sex", xc.sex), ("ethnicity", "Ethnicity", xc.ethnicity)):
            if value and getattr(child, name) != value:
                if getattr(child, name) in NOT_YET_KNOWN:
                    known[name] = value
                else:
                    out.append((xc.lines.get(tag, xc.line), tag, getattr(child, name), value,
                                self.correct(h, (xc.lines, "child"), child, {name: value}, _check_child,
                                             disabilities=h.disability_codes())))
        if known:  # held as not yet known (a child born since): filled in one edit
            fills.append(self.correct(h, (xc.lines, "child"), child, known, _check_child,
                                      disabilities=h.disability_codes()))
        for ep in xc.episodes:
            ref = next((r for r in h.referrals if r.referral_date == ep.referral_date), None)
            if ref is None:
                continue
            where = (ep.lines, "referral")
            if differs(ref.closure_date, ep.closure_date):
                out.append((ep.lines.get("CINclosureDate", ep.line), "CINclosureDate",
                            ref.closure_date, ep.closure_date,
                            self.correct(h, where, ref, {"closure_date": ep.closure_date,
                                                         "reason_for_closure": ep.reason_for_closure})))
            for lines, start, end in ep.cin_plans:
                p = next((p for p in h.cin_plans if p.referral_id == ref.pk and p.start_date == start), None)
                if p is not None and differs(p.end_date, end):
                    out.append((lines.get("CINPlanEndDate", ep.line), "CINPlanEndDate", p.end_date, end,
                                self.correct(h, (lines, "cin_plan"), p, {"end_date": end})))
            for xp in ep.cp_plans:
                p = next((p for p in h.cp_plans if p.referral_id == ref.pk and p.start_date == xp.start),
                         None)
                if p is not None and differs(p.end_date, xp.end):
                    out.append((xp.lines.get("CPPendDate", xp.line), "CPPendDate", p.end_date, xp.end,
                                self.correct(h, (xp.lines, "cp_plan"), p, {"end_date": xp.end})))
            for xs in ep.section47s:
                held_s47 = next((s for s in h.section47s if s.referral_id == ref.pk
                                 and s.start_date == xs.start), None)
                until = self.open_until(xs)
                # Held with no end, or with the end an earlier census gave it (no outcome was
                # recorded here): the file says it was still open when this year began.
                if held_s47 is not None and until and (held_s47.end_date is None or (
                        not held_s47.outcome and held_s47.end_date < until)):
                    fills.append(self.correct(h, (xs.lines, "s47"), held_s47, {"end_date": until},
                                              cpc.check_section47_still_open))
            for xa in ep.assessments:
                a = next((a for a in h.assessments if a.referral_id == ref.pk and a.start_date == xa.start),
                         None)
                if a is not None and differs(a.authorisation_date, xa.authorised):
                    out.append((xa.lines.get("AssessmentAuthorisationDate", xa.line),
                                "AssessmentAuthorisationDate", a.authorisation_date, xa.authorised,
                                self.correct(h, (xa.lines, "assessment"), a,
                                             {"authorisation_date": xa.authorised})))
        return out, fills

    # --- an episode of need ----------------------------------------------------------------
    def episode(self, h: ChildHistory, ep: XEpisode) -> None:
        where = (ep.lines, "referral")
        referral = next((r for r in h.referrals if r.referral_date == ep.referral_date),
                        None) if self.merging else None
        if referral is None:
            change = self.change(h, where)
            referral = change.save(change.new(
                Referral(child_id=h.child.pk, referral_date=ep.referral_date, source=ep.source,
                         primary_need=ep.primary_need), fc.check_referral_open))
            if referral is None:
                return
            response = "nfa" if ep.nfa else ("strategy" if ep.section47s else "assessment")
            change = self.change(h, where)
            if change.save(change.edit(referral, fc.check_referral_record_response, by=IMPORTER,
                                       to=dict(response=response, response_date=ep.referral_date,
                                               referral_nfa=ep.nfa))) is None:
                return
        rid = referral.pk
        events: list[tuple[tuple, Callable[[], None]]] = []

        def at(day, priority, order, fn):
            if day is not None:
                events.append(((day, priority, order, len(events)), fn))

        s47_icpcs = {s.icpc for s in ep.section47s if s.icpc and not s.icpc_not_required}
        cp_starts = {p.start for p in ep.cp_plans if p.start}
        conferences: dict[dt.date, int] = {}  # deciding conference by date, for CP plan starts
        refused: dict[dt.date, tuple[int, str]] = {}  # a refused S47 / conference: its line, tag

        # Assessments: started, then authorised with their factors.
        for xa in ep.assessments:
            box = {}

            def start(xa=xa, box=box):
                change = self.change(h, (xa.lines, "assessment"))
                a = box["a"] = change.save(change.new(
                    Assessment(referral_id=rid, start_date=xa.start,
                               internal_review_date=xa.internal_review),
                    ac.check_assessment_start))
                if a is not None and xa.authorised is None and xa.factors:
                    # Factors on an assessment the return shows as not yet authorised.
                    change = self.change(h, (xa.lines, "assessment"))
                    ac.check_assessment_factors(xa.factors, change.checks)
                    for code in xa.factors:
                        change.new(AssessmentFactorIdentified(assessment_id=a.pk, code=code))
                    change.save()

            def authorise(xa=xa, box=box):
                a = box.get("a")
                if a is None:
                    return
                factors = xa.factors or []
                change = self.change(h, (xa.lines, "assessment"))
                change.edit(held(h.assessments, a.pk), ac.check_assessment_authorise,
                            to=dict(authorisation_date=xa.authorised,
                                    requires_support=factors != [ac.NO_FACTORS],
                                    status="authorised"),
                            by=IMPORTER, factors=factors)
                for code in factors:
                    change.new(AssessmentFactorIdentified(assessment_id=a.pk, code=code))
                change.save()

            if xa.start is None:
                continue
            ha = _held_by(h.assessments, rid, start_date=xa.start)
            if ha is None:
                at(xa.start, 1, 1, start)
            else:
                box["a"] = ha
            if xa.authorised is not None and (ha is None or ha.authorisation_date is None):
                at(xa.authorised, 1, 0 if xa.authorised > xa.start else 2, authorise)

        # Section 47 enquiries and the initial conferences they led to.
        for xs in ep.section47s:
            box = {}

            def s47_start(xs=xs, box=box):
                change = self.change(h, (xs.lines, "s47"))
                box["s"] = change.save(change.new(
                    Section47Enquiry(referral_id=rid, start_date=xs.start,
                                     icpc_not_required=xs.icpc_not_required,
                                     end_date=self.open_until(xs)),
                    cpc.check_section47_start))
                if box["s"] is None and xs.icpc is not None:
                    refused.setdefault(xs.icpc, (xs.line, "Section47"))

            def icpc(xs=xs, box=box):
                s = box.get("s")
                if s is None:
                    return
                if not xs.icpc_not_required:
                    change = self.change(h, (xs.lines, "s47"))
                    s = change.save(change.edit(
                        held(h.section47s, s.pk), cpc.check_section47_record_outcome,
                        to=dict(end_date=xs.icpc, outcome="icpc", icpc_not_required=False)))
                    if s is None:
                        refused.setdefault(xs.icpc, (xs.line, "Section47"))
                        return
                change = self.change(h, (xs.lines, "icpc"))
                conf = change.save(change.new(
                    Conference(referral_id=rid, kind="initial", section47_id=s.pk,
                               held_on=xs.icpc, plan_required=xs.icpc in cp_starts),
                    cpc.check_conference_record))
                if conf is None:
                    refused.setdefault(xs.icpc, (xs.lines.get("DateOfInitialCPC", xs.line),
                                                 "DateOfInitialCPC"))
                elif xs.icpc in cp_starts:
                    conferences.setdefault(xs.icpc, conf.pk)

            if xs.start is None:
                continue
            hs = _held_by(h.section47s, rid, start_date=xs.start)
            if hs is None:
                at(xs.start, 1, 3, s47_start)
            else:
                box["s"] = hs
            conf = hs and next((c for c in h.conferences if c.section47_id == hs.pk), None)
            if conf is None:
                at(xs.icpc, 2, 0, icpc)
            elif xs.icpc in cp_starts:
                conferences.setdefault(xs.icpc, conf.pk)

        # An episode's own DateOfInitialCPC with no Section47 behind it: a transfer-in conference.
        if ep.initial_cpc and ep.initial_cpc not in s47_icpcs:
            def transfer_in(day=ep.initial_cpc):
                change = self.change(h, (ep.lines, "transfer_in"))
                conf = change.save(change.new(
                    Conference(referral_id=rid, kind="transfer_in", held_on=day,
                               notification_date=ep.referral_date, plan_required=day in cp_starts),
                    cpc.check_conference_record))
                if conf is None:
                    refused.setdefault(day, (ep.lines.get("DateOfInitialCPC", ep.line),
                                             "DateOfInitialCPC"))
                elif day in cp_starts:
                    conferences.setdefault(day, conf.pk)
            held_in = _held_by(h.conferences, rid, kind="transfer_in", held_on=ep.initial_cpc)
            if held_in is None:
                at(ep.initial_cpc, 2, 1, transfer_in)
            elif ep.initial_cpc in cp_starts:
                conferences.setdefault(ep.initial_cpc, held_in.pk)

        # Child in need plans.
        for lines, start, end in ep.cin_plans:
            box = {}

            def cin_start(lines=lines, start=start, box=box):
                change = self.change(h, (lines, "cin_plan"))
                box["p"] = change.save(change.new(CINPlan(referral_id=rid, start_date=start),
                                                  ac.check_cin_plan_start))

            def cin_end(lines=lines, end=end, box=box):
                if box.get("p") is not None:
                    change = self.change(h, (lines, "cin_plan"))
                    change.edit(held(h.cin_plans, box["p"].pk), ac.check_cin_plan_end,
                                to=dict(end_date=end))
                    change.save()

            if start is None:
                continue
            hp = _held_by(h.cin_plans, rid, start_date=start)
            if hp is None:
                at(start, 7, 0, cin_start)
            else:
                box["p"] = hp
            if hp is None or hp.end_date is None:
                at(end, 3, 0, cin_end)

        # Child protection plans, their reviews and ends.
        for xp in ep.cp_plans:
            box = {}

            def cp_start(xp=xp, box=box):
                conf_id = conferences.get(xp.start)
                later = len(xp.reviews) + (xp.end is not None)
                if conf_id is None and xp.start in refused:
                    # The conference that decided the plan was refused (and reported): the plan,
                    # its reviews and end depend on it, so are not checked (no 2885 cascade).
                    line, tag = refused[xp.start]
                    self.problems.append(cascade(f"{self.name}:{line}:{tag}", 1 + later,
                                                 h.child.la_child_id))
                    return
                change = self.change(h, (xp.lines, "cp_plan"))
                plan = change.new(
                    ChildProtectionPlan(referral_id=rid, start_date=xp.start,
                                        initial_category=xp.initial_category,
                                        latest_category=xp.initial_category,
                                        number_of_previous_cpp=xp.previous),
                    cpc.check_cp_plan_start, conference_id=conf_id, census_year=self.census)
                if not change.violations:
                    if plan.number_of_previous_cpp is None:
                        plan.number_of_previous_cpp = cpc.previous_cp_plans(h, xp.start)
                    conf = cpc.deciding_conference(h, plan, conf_id)
                    if conf is not None:
                        change.edit(conf, to=dict(cp_plan_id=plan.pk))
                if change.save(plan) is None:
                    if later:
                        self.problems.append(cascade(f"{self.name}:{xp.line}:ChildProtectionPlans",
                                                     later, h.child.la_child_id))
                    return
                if xp.latest_category != xp.initial_category:
                    change = self.change(h, (xp.lines, "cp_plan"))
                    plan = change.save(change.edit(plan, cpc.check_cp_plan_change_category,
                                                   to=dict(latest_category=xp.latest_category)))
                box["p"] = plan

            def review(line, day, box=box):
                if box.get("p") is not None:
                    change = self.change(h, ({"CPPreviewDate": line}, "review"))
                    change.new(Conference(referral_id=rid, kind="review", cp_plan_id=box["p"].pk,
                                          held_on=day), cpc.check_conference_record)
                    change.save()

            def cp_end(xp=xp, box=box):
                if box.get("p") is not None:
                    change = self.change(h, (xp.lines, "cp_plan"))
                    change.edit(held(h.cp_plans, box["p"].pk), cpc.check_cp_plan_end,
                                to=dict(end_date=xp.end))
                    change.save()

            if xp.start is None:
                continue
            if not xp.latest_category:
                self.fail(xp.line, "LatestCategoryOfAbuse", "CIN 8910",
                          "the latest category of abuse is missing")
            hp = _held_by(h.cp_plans, rid, start_date=xp.start)
            if hp is None:
                at(xp.start, 6, 0, cp_start)
            else:
                box["p"] = hp
            for line, day in xp.reviews:
                if hp is None or not ChildHistory.of(h.conferences, cp_plan_id=hp.pk, kind="review",
                                                     held_on=day):
                    at(day, 4, 0, lambda line=line, day=day, review=review: review(line, day))
            if hp is None or hp.end_date is None:
                at(xp.end, 5, 0, cp_end)

        for _, fn in sorted(events, key=lambda e: e[0]):
            fn()

        if (ep.closure_date is not None or ep.reason_for_closure) and held(
                h.referrals, rid).closure_date is None:
            change = self.change(h, where)
            change.edit(held(h.referrals, rid), fc.check_referral_close,
                        to=dict(closure_date=ep.closure_date,
                                reason_for_closure=ep.reason_for_closure,
                                closure_rationale=f"Closed as returned in CIN census file {self.name}."),
                        authorised_by=IMPORTER)
            change.save()
