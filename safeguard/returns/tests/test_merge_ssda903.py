"""Merging SSDA903 imports (issue 19): a council's 2024-25 return, then its 2025-26 one, into an
empty council. The DfE SSDA903 guidance: each year's return holds every episode of the year and
the episode open at 31 March carried over from the previous year (with its DECOM unchanged);
a child is the same child by CHILD within the council, an episode the same by (CHILD, DECOM).

The later file adds to the children already held (new episodes, ends of open episodes, reviews,
missing episodes, the adoption), the same file again changes nothing, and a file that contradicts
the record is refused row by row unless the changes are accepted (then audited)."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from safeguard.audit.models import AuditEvent
from safeguard.looked_after import services as ls
from safeguard.looked_after.checks import PLACEHOLDER_URN
from safeguard.looked_after.models import Episode, MissingEpisode, PeriodOfCare
from safeguard.people.models import Child
from safeguard.record.history import ChildHistory
from safeguard.returns.report import ImportRefused
from safeguard.returns.ssda903 import export_return, import_return
from safeguard.timescales.derive import wanted_links
from safeguard.timescales.models import Clock

D = dt.date


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def two_years(la, worker, make_child, chair_review, tmp_path):
    """A council's 2024-25 and 2025-26 returns, from records entered through the services: A1 in
    care across the year end (moves in both years, a review and a missing episode in the second);
    E5 placed for adoption and adopted in November 2025; B2 whose care ends in August 2025; C3 who
    first comes into care in 2025-26."""
    by = worker
    a = make_child(la_child_id="A1", sex="F", date_of_birth=D(2012, 5, 1))
    ls.period_of_care_start(by=by, child_id=a.pk, decom=D(2024, 5, 1), legal_status="C2",
                            category_of_need="N1", placement="U4", placement_provider="PR1",
                            placement_postcode="CW2 3CD", urn="SC123456")
    ls.episode_change(by=by, child_id=a.pk, change_date=D(2025, 2, 1), rne="L", legal_status="C1")
    chair_review(a, D(2024, 5, 28), participation="PN1")
    ls.episode_change(by=by, child_id=a.pk, change_date=D(2025, 6, 1), rne="P", placement="U5",
                      reason_place_change="CARPL", placement_postcode="CW3 4EF", urn="SC654321")
    chair_review(a, D(2025, 8, 1), participation="PN1")
    ls.missing_episode_start(by=by, child_id=a.pk, kind="M", start_date=D(2025, 7, 5),
                             end_date=D(2025, 7, 7))

    e = make_child(la_child_id="E5", sex="M", date_of_birth=D(2023, 1, 1))
    ls.period_of_care_start(by=by, child_id=e.pk, decom=D(2024, 9, 10), legal_status="C1",
                            category_of_need="N1", placement="U6", placement_provider="PR1",
                            placement_postcode="CW5 5EE", urn="SC222222")
    journey = ls.adoption_decision_record(by=by, child_id=e.pk, decision_date=D(2024, 12, 1))
    ls.episode_change(by=by, child_id=e.pk, change_date=D(2025, 2, 1), rne="L", legal_status="E1")
    ls.episode_change(by=by, child_id=e.pk, change_date=D(2025, 6, 1), rne="P", placement="A6",
                      placement_provider="PR1", reason_place_change="CARPL",
                      placement_postcode="CW6 6FF", urn=PLACEHOLDER_URN)
    ls.adoption_milestone_record(by=by, adoption_id=journey.pk, expected_version=None,
                                 matched_date=D(2025, 5, 15), placed_date=D(2025, 6, 1),
                                 adoption_order_date=D(2025, 11, 20), foster_carer_adoption=False,
                                 number_of_adopters=2, sex_of_adopters="MF",
                                 legal_status_of_adopters="L11")
    ls.period_of_care_end(by=by, child_id=e.pk, end_date=D(2025, 11, 20), reason_ceased="E11")

    b = make_child(la_child_id="B2", sex="M", date_of_birth=D(2009, 3, 3))
    ls.period_of_care_start(by=by, child_id=b.pk, decom=D(2024, 6, 1), legal_status="V2",
                            category_of_need="N2", placement="U6", placement_provider="PR1",
                            placement_postcode="M1 1AA", urn="SC111111")
    ls.period_of_care_end(by=by, child_id=b.pk, end_date=D(2025, 8, 1), reason_ceased="E4A")

    c = make_child(la_child_id="C3", sex="F", date_of_birth=D(2015, 6, 15))
    ls.period_of_care_start(by=by, child_id=c.pk, decom=D(2025, 10, 1), legal_status="V2",
                            category_of_need="N4", placement="U6", placement_provider="PR1",
                            placement_postcode="CW7 7GG", urn="SC333333")
    export_return(year=2025, out=tmp_path / "y2025", by=worker)
    export_return(year=2026, out=tmp_path / "y2026", by=worker)
    return tmp_path / "y2025", tmp_path / "y2026"


@pytest.fixture
def other_council(db):
    """An empty council to import into."""
    from safeguard.workforce.models import LocalAuthority, User

    other = LocalAuthority.objects.create(code="E06000050", la_number=896, name="Cheshire West")
    return User.objects.create_user(username="analyst2", password="x", role=User.Role.ANALYST,
                                    local_authority=other)


def _read(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.csv"))}


def _child(user, la_child_id: str) -> Child:
    return Child.objects.get(local_authority=user.local_authority, la_child_id=la_child_id)


def _episodes(child: Child) -> list[tuple]:
    return list(Episode.objects.filter(period_of_care__child=child).order_by("decom")
                .values_list("decom", "dec", "rec", "placement"))


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (old, text)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_next_years_return_adds_to_the_children_already_held(two_years, other_council, tmp_path):
    """SSDA903 guidance: the 2025-26 return carries A1's episode open at 31 March 2025 (DECOM
    01/02/2025) and the year's new ones; E5's episode ends E11 with the AD1 row; B2's open episode
    ends E4A. Imported after 2024-25, each child's later history is added, not skipped."""
    y2025, y2026 = two_years
    first = import_return(y2025, year=2025, by=other_council)
    assert first.imported == 3 and not first.updated  # C3 is not in care until 2025-26
    a1 = _child(other_council, "A1")
    assert _episodes(a1) == [(D(2024, 5, 1), D(2025, 2, 1), "X1", "U4"), (D(2025, 2, 1), None, "", "U4")]

    second = import_return(y2026, year=2026, by=other_council)
    assert second.imported == 1 and sorted(second.updated) == ["A1", "B2", "E5"], str(second)
    assert "1 children imported, 3 already on the record updated" in str(second)
    assert _episodes(a1) == [(D(2024, 5, 1), D(2025, 2, 1), "X1", "U4"),
                             (D(2025, 2, 1), D(2025, 6, 1), "X1", "U4"),
                             (D(2025, 6, 1), None, "", "U5")]
    assert a1.missing_episodes.get().start_date == D(2025, 7, 5)
    assert sorted(r.review_date for p in a1.periods_of_care.all() for r in p.reviews.all()) == [
        D(2024, 5, 28), D(2025, 8, 1)]
    e5 = _child(other_council, "E5")
    journey = e5.adoptions.get()
    assert (journey.decision_date, journey.matched_date, journey.adoption_order_date) == (
        D(2024, 12, 1), D(2025, 5, 15), D(2025, 11, 20))
    assert e5.periods_of_care.get().end_date == D(2025, 11, 20)  # no longer looked after
    assert _episodes(e5)[-1][1:3] == (D(2025, 11, 20), "E11")
    assert _child(other_council, "B2").periods_of_care.get().end_date == D(2025, 8, 1)
    # The merged record gives back the 2025-26 return it was given.
    export_return(year=2026, out=tmp_path / "again", by=other_council)
    assert _read(tmp_path / "again") == _read(y2026)
    # Each change to a held child went through the unit of work: one audit row per record.
    audited = AuditEvent.objects.filter(child_id=a1.pk, detail__event="ssda903_import",
                                        object_type="looked_after.Episode")
    assert audited.filter(action="create").count() == 1 and audited.filter(action="update").count() == 1


def test_merged_records_keep_their_history_version_and_clocks(two_years, other_council):
    """A merge is written in batches, not a save at a time, yet leaves what any save leaves: each
    record added or changed has its history row (the import's reason, the importing user), a
    changed record's version moves on, and the stored clocks are what the record implies
    (timescales.derive; e.g. the Children Act 1989 review clocks of A1's period of care)."""
    y2025, y2026 = two_years
    import_return(y2025, year=2025, by=other_council)
    import_return(y2026, year=2026, by=other_council)
    a1 = _child(other_council, "A1")
    carried = Episode.objects.get(period_of_care__child=a1, decom=D(2025, 2, 1))  # ended by 2025-26
    assert carried.version == 2
    assert [(h.history_type, h.dec, h.history_change_reason, h.history_user_id)
            for h in carried.history.order_by("history_id")] == [
        ("+", None, "SSDA903 import of y2025", None),
        ("~", D(2025, 6, 1), "SSDA903 import of y2026", other_council.pk)]
    added = Episode.objects.get(period_of_care__child=a1, decom=D(2025, 6, 1))
    assert (added.version, [h.history_type for h in added.history.all()]) == (1, ["+"])
    assert added.created_at == added.updated_at
    for la_child_id in ("A1", "B2", "E5"):
        child = _child(other_council, la_child_id)
        stored = sorted((c.code, c.subject_type, c.subject_id, c.sequence, c.due_date, c.met_date,
                         c.stopped_date) for c in Clock.objects.filter(child=child))
        implied = sorted((lk.code, lk.subject_type, lk.subject_id, lk.sequence, lk.due_date,
                          lk.met_date, lk.stopped_date)
                         for lk in wanted_links(ChildHistory.load(child.pk, lock=False)))
        assert stored == implied and stored, la_child_id


def test_a_database_refusal_is_reported_at_its_child_and_changes_nothing(two_years, other_council):
    """A rule the checks do not hold but the database does (here a trigger refusing A1's missing
    episodes): the batch of merges is rolled back and merged again a child at a time, so the
    report names A1's header row alone, and nothing of any child is changed."""
    y2025, y2026 = two_years
    import_return(y2025, year=2025, by=other_council)
    a1 = _child(other_council, "A1")
    episodes, audits = Episode.objects.count(), AuditEvent.objects.count()
    table = MissingEpisode._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE FUNCTION refuse_missing() RETURNS trigger AS $$ BEGIN "
                           "RAISE EXCEPTION 'no missing episodes for this child'; END $$ LANGUAGE plpgsql")
            cursor.execute(f"CREATE TRIGGER refuse_missing BEFORE INSERT ON {table} FOR EACH ROW "
                           f"WHEN (NEW.child_id = {a1.pk}) EXECUTE FUNCTION refuse_missing()")
        else:
            cursor.execute(f"CREATE TRIGGER refuse_missing BEFORE INSERT ON {table} "
                           f"WHEN NEW.child_id = {a1.pk} BEGIN "
                           "SELECT RAISE(ABORT, 'no missing episodes for this child'); END")
    with pytest.raises(ImportRefused) as refused:
        import_return(y2026, year=2026, by=other_council)
    database = [p for p in refused.value.report.problems if "database refused" in p.message]
    assert [(p.file, p.field, p.child) for p in database] == [("header.csv", "row", "A1")], \
        refused.value.report.lines()
    assert "no missing episodes for this child" in database[0].message
    assert Episode.objects.count() == episodes and AuditEvent.objects.count() == audits
    assert not a1.missing_episodes.exists()


def test_the_same_file_again_changes_nothing(two_years, other_council):
    """A re-import of the same return: nothing added, nothing changed, nothing audited."""
    y2025, y2026 = two_years
    import_return(y2025, year=2025, by=other_council)
    import_return(y2026, year=2026, by=other_council)
    audits, episodes = AuditEvent.objects.count(), Episode.objects.count()
    periods = list(PeriodOfCare.objects.order_by("pk").values_list("pk", "start_date", "end_date"))
    again = import_return(y2026, year=2026, by=other_council)
    assert not again.changed and again.imported == 0 and not again.updated
    assert again.skipped == ["A1", "B2", "C3", "E5"]
    assert "no changes" in str(again)
    assert AuditEvent.objects.count() == audits and Episode.objects.count() == episodes
    assert list(PeriodOfCare.objects.order_by("pk").values_list("pk", "start_date", "end_date")) == periods
    # The earlier year again, after the later: everything in it is already held.
    assert not import_return(y2025, year=2025, by=other_council).changed
    assert AuditEvent.objects.count() == audits


def test_a_contradiction_is_refused_row_by_row_and_changes_nothing(two_years, other_council, tmp_path):
    """A different date of birth, an episode start that changed and a closed episode whose end
    differs: each reported (file, line, field, held value, file value); nothing is changed."""
    y2025, y2026 = two_years
    import_return(y2025, year=2025, by=other_council)
    import_return(y2026, year=2026, by=other_council)
    for table in y2026.glob("*.csv"):  # the DOB is repeated in each table (903 INT17)
        table.write_text(table.read_text(encoding="utf-8").replace("01/05/2012", "02/05/2012"),
                         encoding="utf-8")
    _edit(y2026, "episodes.csv", "B2,01/06/2024,S,V2,N2,U6,PR1,01/08/2025,E4A",
          "B2,01/06/2024,S,V2,N2,U6,PR1,03/08/2025,E4A")
    _edit(y2026, "episodes.csv", "A1,01/02/2025,L,C1,N1,U4,PR1,01/06/2025,X1",
          "A1,03/02/2025,L,C1,N1,U4,PR1,01/06/2025,X1")
    audits = AuditEvent.objects.count()
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    with pytest.raises(ImportRefused) as refused:
        import_return(y2026, year=2026, by=other_council)
    found = {(p.file, p.field, p.child): p.message for p in refused.value.report.problems
             if p.rule == "contradiction"}
    assert set(found) == {("header.csv", "DOB", "A1"), ("episodes.csv", "DEC", "B2"),
                          ("episodes.csv", "DECOM", "A1")}, refused.value.report.lines()
    assert "holds DOB 01/05/2012, the file says 02/05/2012" in found["header.csv", "DOB", "A1"]
    assert "holds DEC 01/08/2025, the file says 03/08/2025" in found["episodes.csv", "DEC", "B2"]
    assert "holds DECOM 01/02/2025, the file says 03/02/2025" in found["episodes.csv", "DECOM", "A1"]
    assert all(p.line.isdigit() for p in refused.value.report.problems)
    assert _child(other_council, "A1").date_of_birth == D(2012, 5, 1)
    assert AuditEvent.objects.count() == audits

    accepted = import_return(y2026, year=2026, by=other_council, accept_changes=True)
    assert sorted(accepted.updated) == ["A1", "B2"] and len(accepted.accepted) == 3, str(accepted)
    a1 = _child(other_council, "A1")
    assert a1.date_of_birth == D(2012, 5, 2)
    assert _episodes(a1)[:2] == [(D(2024, 5, 1), D(2025, 2, 3), "X1", "U4"),
                                 (D(2025, 2, 3), D(2025, 6, 1), "X1", "U4")]
    b2 = _child(other_council, "B2")
    assert b2.periods_of_care.get().end_date == D(2025, 8, 3)
    dob = AuditEvent.objects.get(child_id=a1.pk, object_type="people.Child", action="update")
    assert dob.detail == {"event": "ssda903_import",
                          "changes": {"date_of_birth": ["2012-05-01", "2012-05-02"]}}
    # The episode and its period of care, each audited.
    assert AuditEvent.objects.filter(child_id=b2.pk, action="update", pk__gt=last).count() == 2
    # Accepted, the file now matches the record: again, it changes nothing.
    assert not import_return(y2026, year=2026, by=other_council).changed


def test_cli_accept_changes(two_years, other_council):
    """`safeguard returns import ssda903 DIR --accept-changes`; without it, the command fails and
    says nothing was changed; a re-import says "no changes"."""
    y2025, y2026 = two_years
    call_command("returns", "import", "ssda903", str(y2025), "--year", "2025", "--user", "analyst2",
                 stdout=StringIO())
    _edit(y2026, "header.csv", "B2,M,03/03/2009", "B2,F,03/03/2009")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("returns", "import", "ssda903", str(y2026), "--year", "2026",
                     "--user", "analyst2", stdout=StringIO(), stderr=err)
    assert "the record holds SEX M, the file says F" in err.getvalue()
    out = StringIO()
    call_command("returns", "import", "ssda903", str(y2026), "--year", "2026", "--user", "analyst2",
                 "--accept-changes", stdout=out)
    assert "header.csv" in out.getvalue() and "M -> F" in out.getvalue()
    assert _child(other_council, "B2").sex == "F"
    out = StringIO()
    call_command("returns", "import", "ssda903", str(y2026), "--year", "2026", "--user", "analyst2",
                 "--allow-empty", stdout=out)
    assert "no changes" in out.getvalue()
