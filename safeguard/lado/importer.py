"""Import past years of LADO referrals from a CSV so the comparison tables start on day one.

The file is imported whole or not at all: every row is read and checked first (with the same
`check_allegation_entry` the services use), every problem is reported with its line and field, and only
a clean file is written, row by row through the services, in one transaction. The original file is
kept under var/imports/lado/ for the record.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from safeguard.audit.services import audit_record
from safeguard.core.errors import Checks, text_problem

from .access import can_record_allegations
from .models import (
    Allegation,
    CategoryOfHarm,
    EmployerAction,
    EmployingAgency,
    Outcome,
    ReferringAgency,
    Response,
    Setting,
)
from .services import allegation_close, allegation_record, check_allegation_entry, strategy_meeting_record

COLUMNS = ("reference", "referral_date", "employer_aware_date", "referring_agency", "employing_agency",
           "setting", "role", "category_of_harm", "response", "strategy_meeting_date", "police_involved",
           "court_proceedings", "disability", "non_recent", "outcome", "employer_action", "closure_date")
DATES = ("referral_date", "employer_aware_date", "strategy_meeting_date", "closure_date")
FLAGS = ("police_involved", "court_proceedings", "disability", "non_recent")
CODED = {"referring_agency": ReferringAgency, "employing_agency": EmployingAgency, "setting": Setting,
         "category_of_harm": CategoryOfHarm, "response": Response, "outcome": Outcome,
         "employer_action": EmployerAction}
YES, NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0"}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_BYTES = 20 * 1024 * 1024
#: Columns typed as free text, held to their Allegation field's max_length; any other value (a
#: code's label, a date, yes/no) is at most MAX_CELL characters (issue 15, finding 7).
TEXT_COLUMNS = ("reference", "role")
MAX_CELL = 100


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.field}: {self.reason}"


class ImportRefused(Exception):
    """The file was not imported; nothing was stored. `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s); nothing was imported")


@dataclass
class ImportResult:
    created: int
    kept_as: Path


def _text_limit(column: str) -> int:
    """The most characters a column's value may have: the Allegation field's max_length for the
    free-text columns (reference, role); codes, dates and flags are checked against their forms."""
    field = Allegation._meta.get_field(column) if column in TEXT_COLUMNS else None
    return field.max_length if field is not None else MAX_CELL


def _parse_row(line: int, raw: dict[str, str], problems: list[Problem]) -> dict | None:
    values: dict = {}
    ok = True
    for column in COLUMNS:
        text = (raw.get(column) or "").strip()
        problem = text_problem(text, _text_limit(column), multiline=False)
        if problem is not None:  # before the database, the same on SQLite and PostgreSQL
            problems.append(Problem(line, column, f"{column} {problem} [rule local]"))
            ok = False
            continue
        if column in DATES:
            if not text:
                values[column] = None
                continue
            try:
                if not ISO_DATE.fullmatch(text):
                    raise ValueError(text)
                values[column] = dt.date.fromisoformat(text)
            except ValueError:
                problems.append(Problem(line, column, f"'{text}' is not a date in the form YYYY-MM-DD"))
                ok = False
        elif column in FLAGS:
            if text.lower() in YES:
                values[column] = True
            elif text.lower() in NO:
                values[column] = False
            elif not text:
                values[column] = None
            else:
                problems.append(Problem(line, column, f"'{text}' is not yes or no"))
                ok = False
        elif column in CODED:
            choices = CODED[column]
            by_label = {label.lower(): code for code, label in choices.choices}
            if not text:
                values[column] = ""
            elif text.lower() in by_label:
                values[column] = by_label[text.lower()]
            else:
                problems.append(Problem(line, column, f"'{text}' is not one of: "
                                        + ", ".join(choices.labels)))
                ok = False
        else:
            values[column] = text
    return values if ok else None


def read_file(path: Path) -> str:
    """The file's text, or ImportRefused with a clear reason (too large, not UTF-8, missing)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportRefused([Problem(0, "file", f"cannot read {path}: {exc.strerror}")]) from exc
    if size > MAX_BYTES:
        raise ImportRefused([Problem(0, "file", f"{path.name} is {size / 1024 / 1024:.1f} MB; "
                                                "the limit is 20 MB (split it by year)")])
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ImportRefused([Problem(line, "file", "the file is not UTF-8 text (save it from your "
                                                   "spreadsheet as 'CSV UTF-8')")]) from exc


def check_file(text: str, local_authority) -> list[tuple[int, dict]]:
    """Parse and validate every row; ImportRefused listing every problem, or the clean rows."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    headers = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    if not headers:
        raise ImportRefused([Problem(1, "header", "the file is empty")])
    problems: list[Problem] = []
    unknown = [h for h in headers if h not in COLUMNS]
    missing = [c for c in COLUMNS if c not in headers]
    duplicated = sorted({h for h in headers if headers.count(h) > 1})
    if unknown:
        problems.append(Problem(1, "header", f"unknown column(s): {', '.join(unknown)}"))
    if missing:
        problems.append(Problem(1, "header", f"missing column(s): {', '.join(missing)}"))
    if duplicated:
        problems.append(Problem(1, "header", f"column(s) given twice: {', '.join(duplicated)}"))
    if problems:
        problems.append(Problem(1, "header", "expected columns: " + ", ".join(COLUMNS)))
        raise ImportRefused(problems)
    reader.fieldnames = headers

    rows: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    try:
        for raw in reader:
            line = reader.line_num
            if None in raw:
                problems.append(Problem(line, "row", "more values than columns"))
                continue
            if not any((v or "").strip() for v in raw.values()):
                continue  # blank line
            found = sum(v is not None for v in raw.values())
            if found < len(COLUMNS):  # a short row: its values may sit under the wrong columns
                problems.append(Problem(line, "row", f"{found} value(s) where the header has "
                                                     f"{len(COLUMNS)}; every row needs a value for "
                                                     "each column, blank where unknown"))
                continue
            values = _parse_row(line, raw, problems)
            reference = (raw.get("reference") or "").strip()
            if reference and reference in seen:
                problems.append(Problem(line, "reference", f"reference {reference} is also on line "
                                                           f"{seen[reference]}"))
            seen.setdefault(reference, line)
            if values is None:
                continue
            meeting = values.pop("strategy_meeting_date")
            allegation = Allegation(local_authority=local_authority, **values)
            checks = Checks()
            check_allegation_entry(allegation, checks, meetings=[meeting] if meeting else [], reviews=[])
            for v in checks.violations:
                field = "strategy_meeting_date" if v.field == "held_on" else v.field
                problems.append(Problem(line, field, f"{v.message} [rule {v.rule}]"))
            values["strategy_meeting_date"] = meeting
            rows.append((line, values))
    except csv.Error as exc:
        problems.append(Problem(reader.line_num, "file", f"not a readable CSV file: {exc}"))
    if problems:
        raise ImportRefused(problems)
    if not rows:
        raise ImportRefused([Problem(0, "file", "the file has a header but no rows")])
    return rows


def _keep_original(path: Path) -> Path:
    """The imported file as received, readable by the service's own user alone (file 0600,
    folders 0700): it names children and the adults concerned."""
    folder = Path(settings.VAR_DIR) / "imports" / "lado"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for level in (folder, folder.parent):
        os.chmod(level, 0o700)
    kept = folder / f"{timezone.now():%Y%m%dT%H%M%S%f}-{path.name}"
    fd = os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, path.open("rb") as src:
        shutil.copyfileobj(src, out)
    return kept


def import_allegations(path: Path | str, *, by, local_authority=None) -> ImportResult:
    """Import the file whole, or raise ImportRefused and store nothing."""
    path = Path(path)
    if not can_record_allegations(by):
        raise ImportRefused([Problem(0, "user", "only the LADO or an administrator may import allegations")])
    local_authority = local_authority or by.local_authority
    if local_authority is None:
        raise ImportRefused([Problem(0, "user", f"{by.username} belongs to no local authority")])
    rows = check_file(read_file(path), local_authority)
    with transaction.atomic():
        for _line, values in rows:
            meeting = values.pop("strategy_meeting_date")
            close = {k: values.pop(k) for k in ("closure_date", "outcome", "employer_action")}
            a = allegation_record(by=by, local_authority=local_authority, **values)
            if meeting:
                strategy_meeting_record(by=by, allegation_id=a.pk, expected_version=None, held_on=meeting)
            if close["closure_date"]:
                allegation_close(by=by, allegation_id=a.pk, expected_version=None, **close)
        kept = _keep_original(path)
        audit_record(actor=by, action="import", object_type="lado.Allegation",
                     detail={"file": path.name, "kept_as": str(kept), "rows": len(rows)})
    return ImportResult(len(rows), kept)
