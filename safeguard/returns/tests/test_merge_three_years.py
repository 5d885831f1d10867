"""Issue 19, done when: a generated council's returns for three consecutive years (2023-24,
2024-25, 2025-26), imported year by year into an empty council, give back the same files for each
year. Each year's file is checked after the import of all three, so a later year's merge must not
change what an earlier year's return says."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

import pytest
from django.db import transaction

from safeguard.demo.generate import generate_council
from safeguard.demo.parameters import CouncilShape
from safeguard.returns import cin_census, ssda903
from safeguard.returns.cin_census.export import file_name
from safeguard.workforce.models import LocalAuthority, User

YEARS = (2024, 2025, 2026)


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
    assert not differ, (sorted(differ), differ)
