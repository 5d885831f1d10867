"""The Ofsted Annex A lists as the schema shipped beside this file describes them (a copy of
shared/reference/annex_a_schema.yml, from liia-tools' Annex_A_schema.yml): sheet names, the exact
column names in order, and the lettered category codes a cell may hold ("a) Male",
"c) U3: Foster placement - relative - not FFA"). The export writes nothing the schema does not
name, so a council's Annex A tooling reads our workbook as it reads its own."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

SCHEMA_FILE = Path(__file__).with_name("annex_a_schema.yml")
LISTS = tuple(f"List {n}" for n in range(1, 12))


@cache
def _column_map() -> dict[str, dict[str, dict]]:
    with SCHEMA_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)["column_map"]


def columns(sheet: str) -> list[str]:
    """The list's column names, in the schema's order."""
    return list(_column_map()[sheet])


def kind(sheet: str, column: str) -> str:
    """What a column holds: "date", "numeric", "category" or "string" (the schema's own key)."""
    spec = _column_map()[sheet][column] or {}
    return next((k for k in ("date", "numeric", "category") if k in spec), "string")


def categories(sheet: str, column: str) -> list[str]:
    """The category codes a column allows ([] for a free-text, date or number column)."""
    spec = _column_map()[sheet][column] or {}
    return [str(c["code"]) for c in spec.get("category", [])]


@cache
def coded(sheet: str, column: str, key: str) -> str:
    """The schema's category code that carries a DfE code: "1A" -> "a) 1A: Individual",
    "N1" -> "N1 - Abuse or neglect", "WBRI" -> "a) WBRI", "B" -> "B: Parents/relatives".
    The DfE code must stand alone after an optional "x) " letter and before ":", " - " or the
    end, so "E1" never matches "E11". Raises KeyError when the schema has no such code."""
    pattern = re.compile(rf"^(?:[a-z0-9]+\) )?{re.escape(key)}(?::| - |$)")
    for code in categories(sheet, column):
        if pattern.match(code):
            return code
    raise KeyError(f"{sheet} / {column}: no category for {key!r}")
