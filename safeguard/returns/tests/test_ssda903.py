"""SSDA903 export and import: hand-built records through the services -> export -> files as the
DfE specifies (STANDARDS.md §1.1) -> import into an empty council -> export again, identical."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from safeguard.audit.models import AuditEvent
from safeguard.core.errors import RecordInvalid
from safeguard.looked_after import services as ls
from safeguard.looked_after.checks import PLACEHOLDER_URN
from safeguard.people.models import Child
from safeguard.people.services import relationship_add
from safeguard.returns.ssda903 import export_return, import_return
from safeguard.returns.ssda903.tables import TABLES
from safeguard.workforce.services import allocation_start

D = dt.date
YEAR = 2026  # 1 April 2025 to 31 March 2026


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def council(la, worker, make_child, chair_review):
    """A small council: a young mother in care with a review, moves and a missing episode; a
    UASC boy whose care ends, with a DoLO and previous permanence; an adoption; two care leavers
    (one who left in the year, one who left before it)."""
    by = worker
    a = make_child(la_child_id="A1", sex="F", date_of_birth=D(2010, 5, 1), home_postcode="CW1 2AB")
    relationship_add(by=by, child_id=a.pk, kind="child", relative_name="Baby",
                     relative_date_of_birth=D(2025, 1, 10))
    ls.period_of_care_start(by=by, child_id=a.pk, decom=D(2025, 5, 1), legal_status="C1",
                            category_of_need="N1", placement="U6", placement_provider="PR1",
                            placement_postcode="CW2 3CD", urn="SC123456")
    chair_review(a, D(2025, 5, 28), participation="PN1")
    ls.episode_change(by=by, child_id=a.pk, change_date=D(2025, 9, 1), rne="L", legal_status="C2")
    ls.episode_change(by=by, child_id=a.pk, change_date=D(2025, 12, 1), rne="P", placement="U4",
                      reason_place_change="CARPL", placement_postcode="CW3 4EF", urn="SC654321")
    ls.missing_episode_start(by=by, child_id=a.pk, kind="M", start_date=D(2026, 1, 5),
                             end_date=D(2026, 1, 7))
    allocation_start(by=by, child_id=a.pk, worker_id=worker.pk, start_date=D(2025, 5, 1))

    b = make_child(la_child_id="B2", sex="M", date_of_birth=D(2008, 3, 3), ethnicity="BAFR",
                   uasc=True)
    ls.period_of_care_start(by=by, child_id=b.pk, decom=D(2025, 6, 1), legal_status="V2",
                            category_of_need="N2", placement="K2", placement_provider="PR4",
                            placement_postcode="M1 1AA", urn="SC111111")
    ls.deprivation_of_liberty_record(by=by, child_id=b.pk, start_date=D(2025, 7, 1),
                                     end_date=D(2025, 8, 1))
    ls.previous_permanence_record(by=by, child_id=b.pk, option="Z1")
    ls.period_of_care_end(by=by, child_id=b.pk, end_date=D(2026, 2, 1), reason_ceased="E4A")

    e = make_child(la_child_id="E5", sex="M", date_of_birth=D(2022, 1, 1))
    ls.period_of_care_start(by=by, child_id=e.pk, decom=D(2025, 4, 10), legal_status="C1",
                            category_of_need="N1", placement="U6", placement_provider="PR1",
                            placement_postcode="CW5 5EE", urn="SC222222")
    journey = ls.adoption_decision_record(by=by, child_id=e.pk, decision_date=D(2025, 6, 1))
    ls.episode_change(by=by, child_id=e.pk, change_date=D(2025, 7, 1), rne="L", legal_status="E1")
    chair_review(e, D(2025, 7, 2), participation="PN0")
    ls.episode_change(by=by, child_id=e.pk, change_date=D(2025, 9, 1), rne="P", placement="A6",
                      placement_provider="PR1", reason_place_change="CARPL",
                      placement_postcode="CW6 6FF", urn=PLACEHOLDER_URN)
    ls.adoption_milestone_record(by=by, adoption_id=journey.pk, expected_version=None,
                                 matched_date=D(2025, 8, 15), placed_date=D(2025, 9, 1),
                                 adoption_order_date=D(2026, 2, 1), foster_carer_adoption=False,
                                 number_of_adopters=2, sex_of_adopters="MF",
                                 legal_status_of_adopters="L11")
    ls.period_of_care_end(by=by, child_id=e.pk, end_date=D(2026, 2, 1), reason_ceased="E11")

    c = make_child(la_child_id="C3", sex="F", date_of_birth=D(2007, 6, 15))
    ls.period_of_care_start(by=by, child_id=c.pk, decom=D(2023, 1, 1), legal_status="V2",
                            category_of_need="N4", placement="U6", placement_provider="PR1",
                            placement_postcode="CW7 7GG", urn="SC333333")
    ls.period_of_care_end(by=by, child_id=c.pk, end_date=D(2025, 6, 15), reason_ceased="E17")
    ls.care_leaver_contact_record(by=by, child_id=c.pk, contact_date=D(2025, 7, 1),
                                  in_touch="YES", activity="F2", accommodation="Z1")

    d = make_child(la_child_id="D4", sex="M", date_of_birth=D(2006, 1, 10))
    ls.period_of_care_start(by=by, child_id=d.pk, decom=D(2021, 3, 1), legal_status="V2",
                            category_of_need="N5", placement="U6", placement_provider="PR1",
                            placement_postcode="CW8 8HH", urn="SC444444")
    ls.period_of_care_end(by=by, child_id=d.pk, end_date=D(2024, 1, 10), reason_ceased="E17")
    ls.care_leaver_contact_record(by=by, child_id=d.pk, contact_date=D(2025, 6, 1),
                                  in_touch="YES", activity="F5", accommodation="U1")
    return la


@pytest.fixture
def other_council(db):
    """An empty council to import into: the same database, nothing of its own yet."""
    from safeguard.workforce.models import LocalAuthority, User

    other = LocalAuthority.objects.create(code="E06000050", la_number=896, name="Cheshire West")
    return User.objects.create_user(username="analyst2", password="x", role=User.Role.ANALYST,
                                    local_authority=other)


def _read(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.csv"))}


def test_export_writes_every_table_with_exact_headers_and_dates(council, worker, tmp_path):
    """SSDA903 guidance / STANDARDS.md §1.1: one CSV per table, the validator's exact columns,
    DD/MM/YYYY dates; episodes open at 31 March are open in the return."""
    written = export_return(year=YEAR, out=tmp_path / "out", by=worker)
    assert sorted(p.name for p in written) == sorted(name for name, _ in TABLES.values())
    files = _read(tmp_path / "out")
    for name, columns in TABLES.values():
        assert files[name].splitlines()[0] == ",".join(columns)
    header = files["header.csv"].splitlines()[1:]
    assert header == ["A1,F,01/05/2010,WBRI,,1,10/01/2025", "B2,M,03/03/2008,BAFR,,,",
                      "C3,F,15/06/2007,WBRI,,0,", "D4,M,10/01/2006,WBRI,,,",
                      "E5,M,01/01/2022,WBRI,,,"]
    episodes = files["episodes.csv"].splitlines()[1:]
    assert episodes[0] == "A1,01/05/2025,S,C1,N1,U6,PR1,01/09/2025,X1,,CW1 2AB,CW2 3CD,SC123456"
    assert episodes[2] == "A1,01/12/2025,P,C2,N1,U4,PR1,,,,CW1 2AB,CW3 4EF,SC654321"
    assert not any(row.startswith("D4") for row in episodes)  # left care before the year
    assert files["uasc.csv"].splitlines()[1:] == ["B2,M,03/03/2008,"]
    assert files["oc3.csv"].splitlines()[1:] == ["C3,15/06/2007,YES,F2,Z1",
                                                "D4,10/01/2006,YES,F5,U1"]
    assert files["ad1.csv"].splitlines()[1:] == ["E5,01/01/2022,01/06/2025,15/08/2025,0,2,MF,L11"]
    assert files["placed_for_adoption.csv"].splitlines()[1:] == ["E5,01/01/2022,01/06/2025,,"]
    assert files["sw_episodes.csv"].splitlines()[1:] == ["A1,01/05/2010,SW1234567,01/05/2025,,FCONTA"]
    assert files["DoLo.csv"].splitlines()[1:] == ["B2,03/03/2008,01/07/2025,01/08/2025"]
    assert files["missing.csv"].splitlines()[1:] == ["A1,01/05/2010,M,05/01/2026,07/01/2026"]
    assert files["previous_permanence.csv"].splitlines()[1:] == ["B2,03/03/2008,Z1,,"]
    assert AuditEvent.objects.filter(action="export", object_type="returns.SSDA903").count() == 1


def test_previous_year_written_alongside(council, worker, tmp_path):
    """Cross-year rules (502, 503A-J) need last year's files, uploaded as 'Prev year'."""
    written = export_return(year=YEAR, out=tmp_path / "out", by=worker, previous_year=True)
    previous = _read(tmp_path / "out" / "previous")
    assert len(written) == 24 and len(previous) == 12
    assert previous["episodes.csv"].splitlines()[1:] == [
        "C3,01/01/2023,S,V2,N4,U6,PR1,,,,,CW7 7GG,SC333333"]


def test_round_trip_is_exact(council, worker, other_council, tmp_path):
    """Export -> import into an empty council -> export gives the same files, byte for byte."""
    export_return(year=YEAR, out=tmp_path / "first", by=worker)
    result = import_return(tmp_path / "first", year=YEAR, by=other_council)
    assert result.imported == 5 and result.year == YEAR and not result.skipped
    assert "5 children imported" in str(result)
    export_return(year=YEAR, out=tmp_path / "second", by=other_council)
    assert _read(tmp_path / "second") == _read(tmp_path / "first")
    assert result.kept_at is not None and (result.kept_at / "episodes.csv").exists()
    imported = Child.objects.get(local_authority=other_council.local_authority, la_child_id="A1")
    assert imported.periods_of_care.count() == 1 and imported.relationships.count() == 1
    assert AuditEvent.objects.filter(action="import", child_id=imported.pk).exists()


def test_import_in_two_processes_gives_the_same_record(council, worker, other_council, tmp_path):
    """A large return is rebuilt in chunks by two processes: a refused row in any chunk leaves
    the council's record unchanged, with every chunk's problems reported; an accepted return
    writes the same record (so exports the same files) as one process would."""
    export_return(year=YEAR, out=tmp_path / "first", by=worker)
    bad = tmp_path / "bad"
    shutil.copytree(tmp_path / "first", bad)
    episodes = (bad / "episodes.csv").read_text().splitlines()
    episodes = [line.replace(",S,", ",Q,", 1) if i else line for i, line in enumerate(episodes)]
    (bad / "episodes.csv").write_text("\n".join(episodes) + "\n")
    with pytest.raises(RecordInvalid) as refused:
        import_return(bad, year=YEAR, by=other_council, jobs=2, chunk=1)
    assert not Child.objects.filter(local_authority=other_council.local_authority).exists()
    rows_refused = {v.field for v in refused.value.violations if v.field.startswith("episodes.csv")}
    assert len(rows_refused) > 1, refused.value.violations

    result = import_return(tmp_path / "first", year=YEAR, by=other_council, jobs=2, chunk=2)
    assert result.imported == 5
    export_return(year=YEAR, out=tmp_path / "second", by=other_council)
    assert _read(tmp_path / "second") == _read(tmp_path / "first")


def test_importing_twice_duplicates_nothing(council, worker, other_council, tmp_path):
    """Children are matched by LA child id (CHILD): a second import skips them."""
    export_return(year=YEAR, out=tmp_path / "out", by=worker)
    import_return(tmp_path / "out", year=YEAR, by=other_council)
    before = Child.objects.count()
    again = import_return(tmp_path / "out", year=YEAR, by=other_council)
    assert again.imported == 0 and again.skipped == ["A1", "B2", "C3", "D4", "E5"]
    assert Child.objects.count() == before
    assert "already on the record" in str(again)


def test_cli_export_and_import(council, other_council, tmp_path):
    """`safeguard returns export ssda903` and `... import ssda903 DIR` report what they did."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("returns", "export", "ssda903", "--year", str(YEAR), "--out",
                 str(tmp_path / "cli"), "--user", "sw1", stdout=out)
    assert "episodes.csv" in out.getvalue()
    out = StringIO()
    call_command("returns", "import", "ssda903", str(tmp_path / "cli"), "--user", "analyst2",
                 "--year", str(YEAR), stdout=out)
    assert "5 children imported" in out.getvalue()


def test_round_trip_of_care_that_began_before_the_year(la, worker, team, make_child, other_council,
                                                      tmp_path, chair_review):
    """SSDA903: a child whose period of care began before the return (its first episode in the file
    continues an earlier one, RNE P) with a decision to place for adoption made before that episode
    (903 1003/553), in the OC2 cohort (903 190), and whose first social worker in the file took over
    from one the file does not hold (SW_REASON), imports and exports again identically."""
    from safeguard.workforce.models import User

    by = worker
    other = User.objects.create_user(username="sw2", password="x", role=User.Role.SOCIAL_WORKER,
                                     team=team, local_authority=la, sw_id="SW7654321")
    f = make_child(la_child_id="F6", sex="M", date_of_birth=D(2014, 6, 1))
    ls.period_of_care_start(by=by, child_id=f.pk, decom=D(2022, 1, 10), legal_status="C2",
                            category_of_need="N1", placement="U4", placement_provider="PR1",
                            placement_postcode="CW2 3CD", urn="SC123456")
    allocation_start(by=by, child_id=f.pk, worker_id=worker.pk, start_date=D(2022, 1, 10))
    ls.adoption_decision_record(by=by, child_id=f.pk, decision_date=D(2024, 3, 1))
    ls.episode_change(by=by, child_id=f.pk, change_date=D(2024, 6, 1), rne="P", placement="U6",
                      reason_place_change="CARPL", placement_postcode="CW3 4EF", urn="SC654321")
    allocation_start(by=by, child_id=f.pk, worker_id=other.pk, start_date=D(2024, 9, 1),
                     change_reason="PCCHAN")
    chair_review(f, D(2025, 4, 20), participation="PN1")
    ls.episode_change(by=by, child_id=f.pk, change_date=D(2025, 5, 1), rne="L", legal_status="E1")
    ls.annual_outcomes_record(by=by, child_id=f.pk, year_ending=D(2026, 3, 31), sdq_score=12,
                              convicted=False, immunisations=True, teeth_check=True,
                              health_assessment=True, substance_misuse=False)
    export_return(year=YEAR, out=tmp_path / "first", by=worker)
    first = _read(tmp_path / "first")
    assert first["episodes.csv"].splitlines()[1].startswith("F6,01/06/2024,P,")
    assert "PCCHAN" in first["sw_episodes.csv"]
    result = import_return(tmp_path / "first", year=YEAR, by=other_council)
    assert result.imported == 1, str(result)
    export_return(year=YEAR, out=tmp_path / "second", by=other_council)
    assert _read(tmp_path / "second") == first
    imported = Child.objects.get(local_authority=other_council.local_authority, la_child_id="F6")
    assert imported.periods_of_care.get().start_date == D(2024, 3, 1)  # the decision shows care by then
