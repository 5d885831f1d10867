"""Reading the SSDA903 XML (EXPSSDA903, STANDARDS.md §1.1) into the same rows as the CSVs.

Parsed with defusedxml, which refuses entity expansion and external entities, and only after a
size limit. SW episodes and DoLOs are not in the XML (as in the DfE validator's XML reader)."""

from __future__ import annotations

from pathlib import Path

import defusedxml.ElementTree as ET
from defusedxml import DefusedXmlException

from safeguard.core.errors import Violation

from . import reading
from .reading import Row, Tables, parse_date
from .tables import DATE_COLUMNS, REQUIRED_DATES, TABLES

HEADER_ITEMS = {"CHILDID": "CHILD", "UPN": "UPN", "SEX": "SEX", "DOB": "DOB", "ETHNIC": "ETHNIC",
                "MOTHER": "MOTHER", "MC_DOB": "MC_DOB"}
#: child element -> (table, item -> column)
GROUPS = {
    "AREVIEW": ("Reviews", {"REVIEW": "REVIEW", "REVIEW_CODE": "REVIEW_CODE"}),
    "AMISSING": ("Missing", {"MISSING": "MISSING", "MIS_START": "MIS_START", "MIS_END": "MIS_END"}),
    "PERMANENCE": ("PrevPerm", {"PREV_PERM": "PREV_PERM", "LA_PERM": "LA_PERM",
                                "DATE_PERM": "DATE_PERM"}),
    "OC2": ("OC2", {c: c for c in TABLES["OC2"][1][2:]}),
    "AD_PLACED": ("PlacedAdoption", {c: c for c in TABLES["PlacedAdoption"][1][2:]}),
}
AD1_ITEMS = TABLES["AD1"][1][2:]
OC3_ITEMS = TABLES["OC3"][1][2:]
EPISODE_ITEMS = {"DECOM": "DECOM", "RNE": "RNE", "LS": "LS", "CIN": "CIN", "PL": "PLACE",
                 "PL_POST": "PL_POST", "HOME_POST": "HOME_POST", "URN": "URN",
                 "PLACE_PROVIDER": "PLACE_PROVIDER", "DEC": "DEC", "REC": "REC",
                 "REASON_PLACE_CHANGE": "REASON_PLACE_CHANGE"}


def _text(element, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None else ""


def read_xml(path: Path, problems: list[Violation]) -> Tables:
    tables = Tables({}, {})
    size = path.stat().st_size
    if size > reading.MAX_XML_BYTES:
        problems.append(Violation(f"{path.name}:0:file", "format",
                                  f"file is {size:,} bytes, more than the "
                                  f"{reading.MAX_XML_BYTES:,} bytes allowed"))
        return tables
    try:
        root = ET.parse(path, forbid_dtd=True).getroot()
    except DefusedXmlException as exc:
        problems.append(Violation(f"{path.name}:0:document", "format",
                                  f"refused: the XML uses DTDs or entities ({exc.__class__.__name__})"))
        return tables
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else 0
        problems.append(Violation(f"{path.name}:{line}:document", "format",
                                  f"not well-formed XML: {exc}"))
        return tables
    if root.tag != "EXPSSDA903":
        problems.append(Violation(f"{path.name}:0:/{root.tag}", "format",
                                  "the root element must be EXPSSDA903"))
        return tables
    rows: dict[str, list[Row]] = {key: [] for key in TABLES}

    def add(key: str, where: str, cells: dict[str, str]) -> None:
        # the element path stands in for the line number
        row = Row(path.name, where, {c: cells.get(c, "") for c in TABLES[key][1]}, {})
        for column in DATE_COLUMNS[key]:
            try:
                row.dates[column] = parse_date(row.cells[column])
            except ValueError:
                problems.append(Violation(row.at(column), "format",
                                          f"'{row.cells[column]}' is not a date DD/MM/YYYY"))
                tables.drop(row)
                return
        for column in REQUIRED_DATES.get(key, ()):
            if row.dates[column] is None:
                problems.append(Violation(row.at(column), "format", f"{column} is required"))
                tables.drop(row)
                return
        rows[key].append(row)

    for n, child in enumerate(root.findall("CHILD"), start=1):
        where = f"/EXPSSDA903/CHILD[{n}]"
        head = child.find("HEADER")
        if head is None:
            problems.append(Violation(f"{path.name}:0:{where}/HEADER", "format", "no HEADER"))
            continue
        cells = {column: _text(head, tag) for tag, column in HEADER_ITEMS.items()}
        cid, dob, sex = cells["CHILD"], cells["DOB"], cells["SEX"]
        add("Header", f"{where}/HEADER", cells)
        if _text(head, "UASC") == "1" or _text(head, "DUC"):
            add("UASC", f"{where}/HEADER", {"CHILD": cid, "SEX": sex, "DOB": dob,
                                            "DUC": _text(head, "DUC")})
        if _text(head, "DATE_INT"):
            add("AD1", f"{where}/HEADER", {"CHILD": cid, "DOB": dob,
                                           **{c: _text(head, c) for c in AD1_ITEMS}})
        if _text(head, "IN_TOUCH"):
            add("OC3", f"{where}/HEADER", {"CHILD": cid, "DOB": dob,
                                           **{c: _text(head, c) for c in OC3_ITEMS}})
        for tag, (key, items) in GROUPS.items():
            for i, group in enumerate(head.findall(tag), start=1):
                add(key, f"{where}/HEADER/{tag}[{i}]",
                    {"CHILD": cid, "DOB": dob, **{c: _text(group, t) for t, c in items.items()}})
        for i, ep in enumerate(child.findall("EPISODE"), start=1):
            add("Episodes", f"{where}/EPISODE[{i}]",
                {"CHILD": cid, **{c: _text(ep, t) for t, c in EPISODE_ITEMS.items()}})
    for key, found in rows.items():
        if found:
            tables.rows[key], tables.files[key] = found, path
    return tables
