"""One report of an import, complete and labelled with the return's own rule codes.

An import collects every problem in one pass (the reader's structural problems and the records'
value problems together) as `Violation`s located `file:line:item`. This module turns them into
the report a council's analyst works from: each problem's severity (a DfE *query*, a rule ending
in Q, is a warning that never blocks; rows not checked because an earlier row of the same child
was refused are a "skipped" line at the row that caused them), a summary by rule at the top, and
the same rows as CSV (`safeguard returns import ... --report FILE.csv`).

A rule the record's checks name by the other return's code (the child's identity is checked once,
for both returns) is relabelled with this return's code (`relabel`), so a CIN census reader is
never sent to the 903 guidance and the other way round.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from safeguard.core.cells import safe_cell
from safeguard.core.errors import Checks, RecordInvalid, Violation
from safeguard.record.change import Change

ERROR, WARNING, SKIPPED = "error", "warning", "skipped"
#: The rule of a line that counts the rows not checked because of the refused row it points at.
CASCADE = "cascade"
CSV_COLUMNS = ("file", "line", "child", "field", "rule", "severity", "message")

#: The CIN census code of a rule the child's checks name by its SSDA903 code: (rule, field) or rule.
CIN_FOR_903 = {
    ("903 101", "sex"): "CIN 4180",
    ("903 103", "ethnicity"): "CIN 4220",
    ("903 168", "upn"): "CIN 1510",
    ("903 168", "upn_unknown"): "CIN 8770Q",
}
#: The SSDA903 code of a rule the child's checks name by its CIN census code. The 903 reader
#: already requires CHILD and DOB, so the CIN rules on those (8500, 8525) cannot reach a 903 record.
NINE_O_THREE_FOR_CIN: dict[tuple[str, str], str] = {}


def is_query(rule: str) -> bool:
    """A DfE query (e.g. CIN 1560Q, 8825Q): the DfE asks the council to confirm, never refuses."""
    return bool(re.fullmatch(r"(CIN|903) \w*\dQ", rule))


def severity_of(rule: str) -> str:
    if rule == CASCADE:
        return SKIPPED
    return WARNING if is_query(rule) else ERROR


def blocking(problems: Iterable[Violation]) -> list[Violation]:
    """The problems that refuse an import (errors); queries and skipped lines never do."""
    return [v for v in problems if severity_of(v.rule) == ERROR]


def relabel(violation: Violation, *, kind: str) -> Violation:
    """The violation with this return's own code for its rule. A rule of the other return with
    no counterpart in this one is a Safeguard rule here ("local"), its source kept in the message.
    `kind` is "cin" or "903"; the field is the check's model field (before it is located)."""
    other, table = ("903 ", CIN_FOR_903) if kind == "cin" else ("CIN ", NINE_O_THREE_FOR_CIN)
    if not violation.rule.startswith(other):
        return violation
    rule = table.get((violation.rule, violation.field)) or table.get(violation.rule)
    if rule is None:
        source = "SSDA903" if kind == "cin" else "CIN census"
        return Violation(violation.field, "local",
                         f"{violation.message} (Safeguard applies {source} rule "
                         f"{violation.rule.split()[1]} here; this return has no such rule)")
    return Violation(violation.field, rule, violation.message)


def cascade(where: str, rows: int, child: str) -> Violation:
    """The line that says how many of a child's other rows were not checked because the row at
    `where` was refused (they depend on it: a review needs the episode it falls in)."""
    return Violation(where, CASCADE,
                     f"{rows} other row(s) of child {child} were not checked, as they would fail "
                     "only for want of this refused row (fix it and import again)")


class ImportChange(Change):
    """A `Change` made by an importer: a DfE query its checks raise is reported as a warning
    (through `warn`) and does not refuse the record, as the DfE never refuses a return for a
    query; every other violation refuses it as at entry."""

    __slots__ = ("warn", "kind")

    def __init__(self, history, *, warn: Callable[[list[Violation]], None], kind: str,
                 **kwargs) -> None:
        super().__init__(history, **kwargs)
        self.warn, self.kind = warn, kind

    def new(self, record, check=None, **context):
        return super().new(record, self._labelled(check), **context)

    def edit(self, held, check=None, *, to: dict, **context):
        return super().edit(held, self._labelled(check), to=to, **context)

    def save(self, result=None):
        self._split(self.checks, 0)  # what an importer added to `checks` itself
        return super().save(result)

    def _labelled(self, check):
        if check is None:
            return None

        def checked(history, candidate, checks: Checks, **context) -> None:
            before = len(checks.violations)
            check(history, candidate, checks, **context)
            self._split(checks, before)
        return checked

    def _split(self, checks: Checks, start: int) -> None:
        found = [relabel(v, kind=self.kind) for v in checks.violations[start:]]
        queries = [v for v in found if is_query(v.rule)]
        checks.violations[start:] = [v for v in found if not is_query(v.rule)]
        if queries:
            self.warn(queries)


@dataclass(frozen=True)
class Problem:
    """One line of the report."""

    file: str
    line: str
    child: str
    field: str
    rule: str
    severity: str
    message: str

    def __str__(self) -> str:
        who = f" child {self.child}:" if self.child and self.child not in self.message else ""
        return (f"{self.file}:{self.line}:{self.field}:{who} {self.message} "
                f"[{self.severity}, rule {self.rule}]")


def _where(field: str) -> tuple[str, str, str]:
    """`file:line:item` (a file name may itself hold a colon) as its three parts."""
    parts = field.rsplit(":", 2)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else (field, "", "")


def _line_key(line: str) -> tuple[int, str]:
    return (int(line), "") if line.isdigit() else (0, line)


class Report:
    """Every problem of one import, in file order, with a summary by rule."""

    def __init__(self, title: str, problems: Iterable[Violation],
                 child_of: Callable[[str, str], str] = lambda file, line: "") -> None:
        self.title = title
        self.problems = sorted(
            (Problem(*_where(v.field)[:2], child_of(*_where(v.field)[:2]), _where(v.field)[2],
                     v.rule, severity_of(v.rule), v.message) for v in problems),
            key=lambda p: (p.file, _line_key(p.line), p.field, p.rule))

    def of(self, severity: str) -> list[Problem]:
        return [p for p in self.problems if p.severity == severity]

    @property
    def errors(self) -> list[Problem]:
        return self.of(ERROR)

    @property
    def warnings(self) -> list[Problem]:
        return self.of(WARNING)

    def summary(self) -> list[str]:
        """One line per rule, most frequent first: what to fix first."""
        counts = Counter((p.severity, p.rule) for p in self.problems)
        order = {ERROR: 0, WARNING: 1, SKIPPED: 2}
        lines = [f"{self.title}: {len(self.errors)} error(s), {len(self.warnings)} warning(s) "
                 "(DfE queries, which never block)"]
        skipped = sum(_count(p.message) for p in self.of(SKIPPED))
        if skipped:
            lines[0] += f", {skipped} row(s) not checked because an earlier row was refused"
        for (severity, rule), n in sorted(counts.items(), key=lambda x: (order[x[0][0]], -x[1], x[0][1])):
            if severity != SKIPPED:
                lines.append(f"  {rule:<14} {severity:<8} {n}")
        return lines

    def lines(self) -> list[str]:
        return self.summary() + [str(p) for p in self.problems] if self.problems else []

    def write_csv(self, path: Path) -> Path:
        """The report as CSV (file, line, child, field, rule, severity, message), every cell made
        safe to open in a spreadsheet (`core.cells`)."""
        path = Path(path)
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(CSV_COLUMNS)
            for p in self.problems:
                writer.writerow([safe_cell(getattr(p, c)) for c in CSV_COLUMNS])
        return path


def _count(message: str) -> int:
    found = re.match(r"(\d+) ", message)
    return int(found.group(1)) if found else 0


class ImportRefused(RecordInvalid):
    """An import refused: `violations` are the errors (as for any refused save); `report` holds
    every problem, warnings and skipped rows included."""

    def __init__(self, report: Report, errors: list[Violation]) -> None:
        super().__init__(errors)
        self.report = report


def refuse_if_errors(title: str, problems: list[Violation],
                     child_of: Callable[[str, str], str] = lambda file, line: "") -> Report:
    """The report of `problems`; raise `ImportRefused` if any of them is an error."""
    report = Report(title, problems, child_of)
    errors = blocking(problems)
    if errors:
        raise ImportRefused(report, sorted(errors, key=lambda v: (
            _where(v.field)[0], _line_key(_where(v.field)[1]), v.field)))
    return report


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """Collection year Y (by its end) runs from 1 April Y-1 to 31 March Y."""
    return dt.date(year - 1, 4, 1), dt.date(year, 3, 31)
