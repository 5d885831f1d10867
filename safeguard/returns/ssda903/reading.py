"""Reading a folder of SSDA903 CSVs into rows, refusing anything malformed with the file, line,
column and reason: unknown or missing headers, files too large or not UTF-8 text, bad dates,
duplicate rows, children missing from the Header (DfE internal checks INT01-INT36); then, once the
collection year is known, the tables and the codes that changed over the years checked against that
year's (`check_year`, safeguard/returns/years.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from operator import gt
from pathlib import Path

from safeguard.core import codes
from safeguard.core.errors import Violation, text_problem

from ..years import returns_year, years_valid
from .tables import (
    DATE_COLUMNS,
    DATE_FORMAT,
    DOB_DIFFERS,
    KEYS,
    NOT_IN_HEADER,
    ONCE_ONLY,
    REQUIRED_DATES,
    TABLES,
)

#: A 903 table for a whole council is a few MB; anything this size is not a return.
MAX_CSV_BYTES = 100 * 1024 * 1024
MAX_XML_BYTES = 200 * 1024 * 1024
#: The longest value any 903 column holds (CHILD, as LAchildID, is at most 36; codes, dates and
#: postcodes are shorter). Columns stored in a shorter model field are held to its max_length by the
#: records' checks as well.
MAX_CELL = 36
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class Row:
    """One data row: where it came from, its cells (stripped text) and its parsed dates."""

    file: str
    line: int | str  # a line number, or an element path in XML
    cells: dict[str, str]
    dates: dict[str, dt.date | None]

    def at(self, column: str) -> str:
        return f"{self.file}:{self.line}:{column}"

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass
class Tables:
    rows: dict[str, list[Row]]
    files: dict[str, Path]  # table key -> file it came from
    #: The child of each row refused while reading ((file, line) -> CHILD): the rest of that
    #: child's rows are not checked, as they would fail only for want of the refused one.
    dropped: dict[tuple[str, str], str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def drop(self, row: Row) -> None:
        self.dropped[(row.file, str(row.line))] = row["CHILD"]


_PARSED: dict[str, dt.date] = {}


def parse_date(text: str) -> dt.date | None:
    """DD/MM/YYYY (strptime's reading of it). A return repeats the same few thousand dates, so
    each distinct text is parsed once."""
    if not text:
        return None
    day = _PARSED.get(text)
    if day is None:
        day = dt.datetime.strptime(text, DATE_FORMAT).date()
        if len(_PARSED) < 100_000:
            _PARSED[text] = day
    return day


def _closest(columns: set[str]) -> tuple[str, set[str], set[str]]:
    key = max(TABLES, key=lambda k: len(columns & set(TABLES[k][1])) - len(columns ^ set(TABLES[k][1])) / 100)
    expected = set(TABLES[key][1])
    return key, expected - columns, columns - expected


def _read_text(path: Path, problems: list[Violation], limit: int) -> str | None:
    size = path.stat().st_size
    if size > limit:
        problems.append(Violation(f"{path.name}:0:file", "format",
                                  f"file is {size:,} bytes, more than the {limit:,} bytes "
                                  "allowed for one SSDA903 file"))
        return None
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Violation(f"{path.name}:0:file", "format",
                                  f"not UTF-8 text (byte {exc.start}); save the file as UTF-8 CSV"))
        return None


#: Conventional file name (lower case) -> table key, for a file too empty to show its headers.
BY_FILE_NAME = {name.lower(): key for key, (name, _) in TABLES.items()}


def read_csv(path: Path, problems: list[Violation],
             dropped: dict[tuple[str, str], str] | None = None) -> tuple[str, list[Row]] | None:
    """The table this file holds (found by its exact set of headers, as the DfE validator
    does) and its rows; None if it cannot be read at all. An empty file (no header either) is a
    table with no rows when its name is the table's conventional one (a council with no adoptions
    sends an empty ad1.csv), and is otherwise refused, as nothing says which table it is. Rows
    refused here are noted in `dropped` with their child."""
    text = _read_text(path, problems, MAX_CSV_BYTES)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        problems.append(Violation(f"{path.name}:1:header", "format", f"not a CSV file: {exc}"))
        return None
    if not header:
        key = BY_FILE_NAME.get(path.name.lower())
        if key is not None and key != "Header":
            return key, []
        problems.append(Violation(f"{path.name}:1:header", "format",
                                  "the file is empty" + (": the Header table is required"
                                                         if key == "Header" else
                                                         ", so its table cannot be told from its "
                                                         "headers")))
        return None
    columns = [c.strip().upper() for c in header]
    key = next((k for k, (_, cols) in TABLES.items() if set(cols) == set(columns)), None)
    if key is None or len(columns) != len(set(columns)):
        near, missing, extra = _closest(set(columns))
        detail = "; ".join(x for x in (
            f"missing {', '.join(sorted(missing))}" if missing else "",
            f"unexpected {', '.join(sorted(extra))}" if extra else "",
            "a column is repeated" if len(columns) != len(set(columns)) else "") if x)
        problems.append(Violation(f"{path.name}:1:header", "format",
                                  "the headers match no SSDA903 table; nearest is "
                                  f"{near} ({TABLES[near][0]}): {detail}"))
        return None
    rows: list[Row] = []
    seen: dict[tuple, int] = {}
    date_columns = DATE_COLUMNS[key]
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(columns):
                problems.append(Violation(f"{path.name}:{line}:row", "format",
                                          f"{len(cells)} cells where the header has "
                                          f"{len(columns)}"))
                continue
            values = {c: v.strip() for c, v in zip(columns, cells, strict=True)}
            row = Row(path.name, line, values, {})
            ok = True
            for column in date_columns:
                try:
                    row.dates[column] = parse_date(values[column])
                except ValueError:
                    ok = False
                    problems.append(Violation(row.at(column), "format",
                                              f"'{values[column]}' is not a date in the form "
                                              "DD/MM/YYYY"))
            for column in REQUIRED_DATES.get(key, ()):
                if not values[column]:
                    ok = False
                    problems.append(Violation(row.at(column), "format", f"{column} is required"))
            if not values["CHILD"]:
                ok = False
                problems.append(Violation(row.at("CHILD"), "format", "CHILD is required"))
            identity = tuple(values[c] for c in KEYS[key])
            if identity in seen:
                ok = False
                rule = ONCE_ONLY.get(key, "format")
                problems.append(Violation(row.at(KEYS[key][-1]), rule,
                                          f"duplicate row: {', '.join(KEYS[key])} "
                                          f"{' / '.join(identity)} already on line {seen[identity]}"))
            else:
                seen[identity] = line
            if ok:
                rows.append(row)
            elif dropped is not None and values["CHILD"]:
                dropped[(path.name, str(line))] = values["CHILD"]
    except csv.Error as exc:
        problems.append(Violation(f"{path.name}:{reader.line_num}:row", "format",
                                  f"not valid CSV: {exc}"))
    return key, rows


def read_folder(folder: Path, problems: list[Violation]) -> Tables:
    """Every CSV in the folder, one table each; the Header must be there."""
    tables = Tables({}, {})
    paths = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    if not paths:
        problems.append(Violation(f"{folder.name}:0:folder", "format",
                                  "no .csv files: an SSDA903 import is a folder of the return's "
                                  "CSV files (header.csv, episodes.csv, ...)"))
        return tables
    for path in paths:
        read = read_csv(path, problems, tables.dropped)
        if read is None:
            continue
        key, rows = read
        if key in tables.files:
            problems.append(Violation(f"{path.name}:1:header", "format",
                                      f"a second {key} table: {tables.files[key].name} already "
                                      "has these columns; keep one file per table"))
            continue
        tables.files[key] = path
        tables.rows[key] = rows
        if not rows and path.stat().st_size == 0:
            tables.notes.append(f"{path.name} is empty: read as the {key} table with no rows")
    return tables


def cross_check(tables: Tables, problems: list[Violation]) -> None:
    """Every child in another table is in the Header with the same date of birth (and sex)."""
    if "Header" not in tables.rows:
        if tables.rows:
            problems.append(Violation("header.csv:0:file", "format",
                                      "the Header table (CHILD, SEX, DOB, ETHNIC, UPN, MOTHER, "
                                      "MC_DOB) is missing, so no child can be identified"))
        return
    header = {r["CHILD"]: r for r in tables.rows["Header"]}
    for key, rows in tables.rows.items():
        if key == "Header":
            continue
        kept = []
        for row in rows:
            head = header.get(row["CHILD"])
            if head is None:
                problems.append(Violation(row.at("CHILD"), NOT_IN_HEADER.get(key, "format"),
                                          f"child {row['CHILD']} is not in the Header"))
                continue
            if "DOB" in row.cells and row.dates.get("DOB") != head.dates.get("DOB"):
                problems.append(Violation(row.at("DOB"), DOB_DIFFERS.get(key, "format"),
                                          f"date of birth {row['DOB']} differs from the Header "
                                          f"({head['DOB']})"))
                tables.drop(row)
                continue
            if key == "UASC" and row["SEX"] != head["SEX"]:
                problems.append(Violation(row.at("SEX"), "903 INT21",
                                          f"sex {row['SEX']} differs from the Header ({head['SEX']})"))
                tables.drop(row)
                continue
            kept.append(row)
        tables.rows[key] = kept


def check_cells(tables: Tables, problems: list[Violation], limits: dict[str, int]) -> None:
    """Every value fits before anything reaches the database (issue 15, finding 7): no control
    character (a NUL made PostgreSQL fail with a traceback and SQLite store it; the 903 has no free
    text, so none is allowed) and no more characters than its column's field holds (`limits`, else
    MAX_CELL). A row with a bad value is dropped and reported at file:line:column. A national return
    has tens of millions of cells, so a row is first checked whole in C (one search, one comparison
    per cell) and only a row that fails is looked at cell by cell."""
    bounds: dict[tuple[str, ...], tuple[int, ...]] = {}
    for key, rows in tables.rows.items():
        kept = []
        for row in rows:
            columns = tuple(row.cells)
            limit = bounds.get(columns)
            if limit is None:
                limit = bounds[columns] = tuple(limits.get(c, MAX_CELL) for c in columns)
            values = row.cells.values()
            if not any(map(gt, map(len, values), limit)) and not _CONTROL.search("".join(values)):
                kept.append(row)
                continue
            for column, value in row.cells.items():
                problem = text_problem(value, limits.get(column, MAX_CELL), multiline=False)
                if problem is not None:
                    problems.append(Violation(row.at(column), "format", f"{column} {problem}"))
            if row["CHILD"] and len(row["CHILD"]) <= limits.get("CHILD", MAX_CELL):
                tables.drop(row)
        tables.rows[key] = kept


#: Where each year-dependent item is: (table, column, item name in years.SSDA903_CODES).
_YEAR_ITEMS = (("Header", "SEX", "SEX"), ("UASC", "SEX", "UASC.SEX"), ("Episodes", "PLACE", "PLACE"),
               ("Episodes", "REC", "REC"), ("Episodes", "REASON_PLACE_CHANGE", "REASON_PLACE_CHANGE"))
_SEXES = frozenset(codes.Sex.values)
_RECS = frozenset(codes.ReasonEpisodeCeased.values)
_CHANGES = frozenset(codes.ReasonPlaceChange.values)
#: The codes the record itself takes for each item (its own checks refuse the rest).
_RECORD_TAKES = {"SEX": lambda row: _SEXES, "UASC.SEX": lambda row: _SEXES,
                 "PLACE": lambda row: codes.placements_on(row.dates.get("DECOM")),
                 "REC": lambda row: _RECS, "REASON_PLACE_CHANGE": lambda row: _CHANGES}


def check_year(tables: Tables, year: int, problems: list[Violation]) -> None:
    """The return as its collection year had it: each table part of that year's return, and each
    code that changed over the years valid in that year (SEX 1/2 to 2023-24 and M/F/U after, rule
    101; PLACE H5/P2/Z1 to 2024-25, K3 from 2024-25, Z11-Z14 from 2025-26, rule 146; ...), read
    into the code the record keeps (SEX 1 -> M). A year outside 2013-14 to 2026-27 is refused.

    A code of another year is reported here, under the item's rule, saying the years it was valid.
    A code of no year is left to the record's own checks, which report it with the rest of the row;
    a code of another year that the record would refuse too (P2 in an episode of 2025-26) refuses
    its row here, so that it is reported once and the child's later rows are counted at it."""
    try:
        this = returns_year(year)
    except ValueError as exc:
        problems.append(Violation("return:0:year", "format", f"{exc}: give the year the return is for"))
        return
    for key, path in list(tables.files.items()):
        if key not in this.ssda903_tables and tables.rows.get(key):
            problems.append(Violation(f"{path.name}:1:header", "format",
                                      f"the {key} table is not part of the {this.label} SSDA903 "
                                      "(the DfE validator of that year matches no table to these "
                                      "columns); leave it out"))
            for row in tables.rows[key]:
                tables.drop(row)
            tables.rows[key] = []
    for key, column, item in _YEAR_ITEMS:
        valid, rule = this.ssda903_codes[item], this.ssda903_rules[item]
        kept = []
        for row in tables.rows.get(key, ()):
            value = row[column].upper()
            when = "" if not value or value in valid else years_valid(item, value)
            if when:
                problems.append(Violation(
                    row.at(column), rule,
                    f"{column} '{row[column]}' is not a code of the {this.label} SSDA903 (valid "
                    f"{when}); {this.label} codes: {', '.join(sorted(valid))}"))
            if value:
                value = this.to_record(item, value)
                row.cells[column] = value
            if when and value not in _RECORD_TAKES[item](row):
                tables.drop(row)
                continue
            kept.append(row)
        if key in tables.rows:
            tables.rows[key] = kept
