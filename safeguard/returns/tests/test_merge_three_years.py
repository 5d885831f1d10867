"""Issue 19, done when: a generated council's returns for three consecutive years (2023-24,
2024-25, 2025-26), imported year by year into an empty council, give back the same files for each
year, and its scorecard equals the original's for every indicator the returns can carry. Each
year's file is checked after the import of all three, so a later year's merge must not change
what an earlier year's return says."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

import pytest
from django.db import transaction

from safeguard.demo.generate import generate_council
from safeguard.demo.parameters import CouncilShape
from safeguard.people.models import PopulationEstimate
from safeguard.performance.scorecard import build_scorecard
from safeguard.returns import cin_census, ssda903
from safeguard.returns.cin_census.export import file_name
from safeguard.workforce.models import LocalAuthority, User

YEARS = (2024, 2025, 2026)

#: Indicators the two returns cannot carry, so the imported council's figure may differ; every
#: other indicator of the scorecard must come back the same in every column.
NOT_CARRIED = {
    "FD-01": "contacts are in neither return", "FD-02": "contacts are in neither return",
    "FD-08A": "early help is in neither return", "FD-08B": "early help is in neither return",
    "CP-13": "visits are in neither return", "LAC-10": "visits are in neither return",
    "PF-01B": "private fostering is in neither return", "PF-03": "private fostering is in neither return",
    "CIN-02": "the CIN census names no social worker (the SSDA903's SWEpisodes cover looked-after "
              "children only)", "WF-05": "as CIN-02",
    "WF-01": "caseloads: as CIN-02", "WF-02": "IROs are in neither return",
    "WF-03A": "agency staff are in neither return",
    "HL-01": "the SSDA903 carries no date an initial health assessment was requested",
    "HL-02": "the SSDA903 carries no date of an initial health assessment",
    "HL-04": "OC2 says only whether health assessments were up to date at 31 March",
    "MS-03A": "return home interviews are in Annex A, not the SSDA903",
    "MS-03B": "return home interviews are in Annex A, not the SSDA903",
    "CL-01": "leaving-care eligibility is not an item of either return",
    "LAC-07": "long-term stability needs the start of care, which lies before the first year "
              "imported for children in care more than three years",
    "PM-06": "AD1 (with the match date) is returned only in the year of the adoption",
}
#: Care leavers' OC3 rows carry no date within the year: the year's figure comes back, the
#: quarters' (which depend on when in the year the council recorded them) need not.
YEAR_ONLY = {"CL-02", "CL-03"}


def _figures(card, only_year: set[str]) -> dict[str, dict]:
    return {row.id: {column: (r.value, r.numerator, r.denominator) if r else None
                     for column, r in row.columns.items() if column == "year" or row.id not in only_year}
            for row in card.rows if row.id not in NOT_CARRIED}


def _tables(folder: Path) -> dict[str, list[str]]:
    return {p.name: p.read_text(encoding="utf-8").splitlines() for p in sorted(folder.glob("*.csv"))}


def _differences(first: dict[str, list[str]], second: dict[str, list[str]]) -> dict[str, int]:
    """Each table that differs, with the number of rows in one and not the other."""
    out = {}
    for name in sorted(set(first) | set(second)):
        a, b = first.get(name, []), second.get(name, [])
        if a != b:
            out[name] = len(set(a) ^ set(b)) or -1  # -1: the same rows in another order
    return out


@pytest.mark.slow
@pytest.mark.django_db
def test_three_years_imported_in_order_give_back_each_years_files(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    shape = CouncilShape(children=4_000, la_code="E06000099", la_number=899, name="Tiny")
    with transaction.atomic():
        generate_council(shape, seed=11, as_at=dt.date(2026, 3, 31), years=4, jobs=1)
    source = LocalAuthority.objects.get(code="E06000099")
    exporter = User.objects.create_user(username="exporter", password="x", role=User.Role.ANALYST,
                                        local_authority=source)
    target = LocalAuthority.objects.create(code="E06000098", la_number=898, name="Imported")
    PopulationEstimate.objects.bulk_create(  # ONS estimates, the rates' denominator: not in a return
        PopulationEstimate(local_authority=target, mid_year=p.mid_year, age=p.age, count=p.count)
        for p in PopulationEstimate.objects.filter(local_authority=source))
    analyst = User.objects.create_user(username="analyst898", password="x", role=User.Role.ANALYST,
                                       local_authority=target)
    differ: dict[str, object] = {}
    for year in YEARS:
        ssda903.export_return(year=year, out=tmp_path / f"903_{year}", by=exporter)
        [cin] = cin_census.export_return(year=year, out=tmp_path / f"cin_{year}", by=exporter)
        moved = tmp_path / f"cin_{year}_898.xml"
        moved.write_bytes(cin.read_bytes().replace(b"<LEA>899</LEA>", b"<LEA>898</LEA>"))
        cin_census.import_return(moved, by=None, year=year)
        ssda903.import_return(tmp_path / f"903_{year}", by=analyst, year=year)
    for year in YEARS:
        ssda903.export_return(year=year, out=tmp_path / f"903_{year}_again", by=analyst)
        found = _differences(_tables(tmp_path / f"903_{year}"), _tables(tmp_path / f"903_{year}_again"))
        if found:
            differ[f"903 {year}"] = found
        written = cin_census.export_return(year=year, out=tmp_path / f"cin_{year}_again", by=None)
        again = next(p for p in written if p.name == file_name(year, 898))
        given = (tmp_path / f"cin_{year}_898.xml").read_text(encoding="utf-8").splitlines()
        back = again.read_text(encoding="utf-8").splitlines()
        if back != given:
            differ[f"CIN {year}"] = [line for line in difflib.unified_diff(given, back, n=6, lineterm="")
                                     ][:200]
    original, imported = _figures(build_scorecard(source, 2026), YEAR_ONLY), \
        _figures(build_scorecard(target, 2026), YEAR_ONLY)
    assert len(original) > 60
    differ["scorecard 2025-26"] = {k: (v, imported[k]) for k, v in original.items() if imported[k] != v}
    differ = {k: v for k, v in differ.items() if v}
    assert not differ, (sorted(differ), differ)
