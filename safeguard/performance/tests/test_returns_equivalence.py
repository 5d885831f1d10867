"""Any council's data (issue 5): the figures are the same whether the record was entered in
Safeguard or imported from another system's CIN census and SSDA903 returns. A small synthetic
council is generated, its 2025-26 returns exported, and each return imported into an empty
council; every indicator the return carries must come out the same for the reporting year.

Measures that need history from before the year (re-referral look-back FD-05, review and visit
chains begun earlier, care entered before the year for adoption timeliness) or data the returns do
not carry (contacts, allocations, population) are outside the comparison: the returns hold only
the year's activity."""

import datetime as dt
import re

import pytest
from django.db import transaction

from safeguard.demo.generate import generate_council
from safeguard.demo.parameters import CouncilShape
from safeguard.performance import catalogue as cat
from safeguard.performance.compute import evaluate
from safeguard.performance.periods import reporting_year
from safeguard.returns import cin_census, ssda903
from safeguard.workforce.models import LocalAuthority, User

YEAR = 2026
FROM_CIN_CENSUS = [
    "FD-03",
    "FD-06A",
    "FD-06B",
    "FD-07",
    "AS-01",
    "AS-02",
    "AS-04",
    "AS-05",
    "CP-01",
    "CP-02",
    "CP-03",
    "CP-04",
    "CP-05",
    "CP-06",
    "CP-09",
    "CP-10",
    "CP-11",
    "CP-15",
    "CIN-01",
    "CIN-03",
]
FROM_SSDA903 = [
    "LAC-01",
    "LAC-04",
    "LAC-05",
    "LAC-09A",
    "LAC-09B",
    "LAC-09C",
    "LAC-11",
    "HL-03",
    "HL-05A",
    "HL-05B",
    "HL-05C",
    "PM-01",
    "PM-02",
    "PM-03",
    "PM-04",
]


def _figures(la, ids):
    out = {}
    for iid in ids:
        r = evaluate(cat.get(iid), la, reporting_year(YEAR))
        out[iid] = (r.value, r.numerator, r.denominator, r.breakdown)
    return out


def _analyst(code, number, name):
    la = LocalAuthority.objects.create(code=code, la_number=number, name=name)
    return User.objects.create_user(
        username=f"analyst{number}", password="x", role=User.Role.ANALYST, local_authority=la
    )


@pytest.mark.django_db
def test_same_figures_from_a_generated_council_and_its_cin_census(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    shape = CouncilShape(children=4_000, la_code="E06000099", la_number=899, name="Tiny")
    with transaction.atomic():
        generate_council(shape, seed=11, as_at=dt.date(2026, 3, 31), years=3, jobs=1)
    source = LocalAuthority.objects.get(code="E06000099")
    exporter = User.objects.create_user(
        username="exporter", password="x", role=User.Role.ANALYST, local_authority=source
    )
    cin_files = cin_census.export_return(year=YEAR, out=tmp_path / "cin", by=exporter)

    cin_user = _analyst("E06000098", 898, "Imported CIN")
    xml = cin_files[0].read_text(encoding="utf-8")
    moved = tmp_path / "cin_898.xml"
    moved.write_text(re.sub(r"<LEA>899</LEA>", "<LEA>898</LEA>", xml), encoding="utf-8")
    cin_census.import_return(moved, by=cin_user)

    entered = _figures(source, FROM_CIN_CENSUS)
    assert entered["FD-03"][0] > 50 and entered["CP-06"][0] > 5  # a council with real activity
    assert _figures(cin_user.local_authority, FROM_CIN_CENSUS) == entered


@pytest.mark.django_db
def test_same_looked_after_figures_from_the_record_and_its_ssda903(
    la, worker, make_child, tmp_path, settings, chair_review
):
    """The SSDA903 round trip on a hand-built council (the importer refuses a generated council whose
    adoption decisions predate the year's first episode, 903 rule 1003: reported, not worked round)."""
    from safeguard.looked_after import services as ls

    from .test_looked_after import move, start

    settings.VAR_DIR = tmp_path / "var"
    D = dt.date
    a, b, c, d = (make_child(date_of_birth=D(2012, 1, 1)) for _ in range(4))
    start(worker, a, D(2025, 4, 20))
    move(worker, a, D(2025, 7, 1), placement="U5")
    move(worker, a, D(2025, 9, 1), rne="L", legal_status="C1")
    move(worker, a, D(2026, 1, 5), placement="U1", placement_provider="PR4")
    chair_review(a, D(2025, 5, 14), participation="PN1")
    chair_review(a, D(2025, 8, 1), participation="PN7")
    start(worker, b, D(2025, 6, 2), legal_status="V2", placement="K2", placement_provider="PR4")
    ls.period_of_care_end(by=worker, child_id=b.pk, end_date=D(2025, 11, 1), reason_ceased="E47")
    start(worker, c, D(2025, 5, 1), placement="U2")
    start(worker, d, D(2025, 8, 1), legal_status="V3", placement="U6")
    exporter = User.objects.create_user(
        username="exporter", password="x", role=User.Role.ANALYST, local_authority=la
    )
    ssda903.export_return(year=YEAR, out=tmp_path / "903", by=exporter)
    lac_user = _analyst("E06000097", 897, "Imported 903")
    result = ssda903.import_return(tmp_path / "903", by=lac_user, year=YEAR)
    assert result.imported == 4
    entered = _figures(la, FROM_SSDA903)
    assert entered["LAC-01"][0] == 2 and entered["LAC-05"][1:3] == (1, 2)
    assert _figures(lac_user.local_authority, FROM_SSDA903) == entered
