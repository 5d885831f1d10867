"""Bounds at entry (issue 15, findings 3 and 8): identifiers, free text and dates are checked by the
pure checks before anything is saved, so a refused save stores nothing and names field and rule."""

from __future__ import annotations

import datetime as dt

import pytest

from safeguard.core.errors import NARRATIVE_LIMIT, Checks, RecordInvalid
from safeguard.front_door import services as fds
from safeguard.front_door.models import Contact
from safeguard.people import services
from safeguard.people.checks import check_child
from safeguard.people.models import Child, Relationship, Visit

D = dt.date


def _refused(call, **kwargs) -> RecordInvalid:
    with pytest.raises(RecordInvalid) as exc:
        call(**kwargs)
    return exc.value


def _fields(exc: RecordInvalid) -> dict[str, str]:
    return {v.field: v.rule for v in exc.violations}


@pytest.mark.parametrize("la_child_id", ["=1+1", "'1", 'A"1', "A/1", "A\\1", "A 1", "-A1", "+A1",
                                         "@A1", "A1;", "A" * 37, "A\x001"])
def test_la_child_id_outside_the_pattern_is_refused(make_child, la_child_id):
    """Issue 15, finding 3: an LA child ID (903 CHILD, CIN LAchildID) is 1 to 36 letters, digits,
    '_' or '-', starting with a letter or digit; a formula ("=1+1"), quotes, slashes or spaces are
    refused (local rule: the DfE types it only as a string), and nothing is stored."""
    exc = _refused(make_child, la_child_id=la_child_id)
    assert exc.rules == {"local"} and set(_fields(exc)) == {"la_child_id"}
    assert "letters, digits" in str(exc) or "characters" in str(exc)
    assert Child.objects.count() == 0


@pytest.mark.parametrize("la_child_id", ["1", "DEMO00001", "G8951234", "child_fails_assessments",
                                         "A-1_b", "X" * 36])
def test_identifiers_in_use_are_accepted(make_child, la_child_id):
    """What the generator, the 903 and CIN samples and the tests use is not refused."""
    assert make_child(la_child_id=la_child_id).la_child_id == la_child_id


@pytest.mark.parametrize(("fields", "field"), [
    ({"date_of_birth": D(1, 1, 1)}, "date_of_birth"),
    ({"date_of_birth": D(1899, 12, 31)}, "date_of_birth"),
    ({"date_of_birth": None, "expected_date_of_birth": D(1, 1, 1), "sex": "U"}, "expected_date_of_birth"),
])
def test_no_child_born_before_1900(make_child, fields, field):
    """Issue 15, finding 8: a date of birth of 1 January 0001 was accepted (local rule: nothing in a
    child's record is dated before 1900; the future is already refused by 903 rule 301)."""
    exc = _refused(make_child, **fields)
    assert _fields(exc) == {field: "local"} and "1 January 1900" in str(exc)
    assert Child.objects.count() == 0


def test_born_on_1_january_1900_is_accepted(make_child):
    assert make_child(date_of_birth=D(1900, 1, 1)).date_of_birth == D(1900, 1, 1)


@pytest.mark.parametrize(("fields", "field", "limit"), [
    ({"last_name": "X" * 101}, "last_name", "100"),
    ({"first_name": "A\x00x"}, "first_name", "U+0000"),
    ({"first_name": "A\nB"}, "first_name", "U+000A"),
    ({"home_postcode": "CW1 2ABCD"}, "home_postcode", "8"),
])
def test_child_free_text_bounded_by_the_model(make_child, fields, field, limit):
    """Issue 15, findings 7 and 8: a CharField holds at most its max_length and no control
    character; checked before the database, so SQLite and PostgreSQL refuse alike."""
    exc = _refused(make_child, **fields)
    assert _fields(exc) == {field: "local"} and limit in str(exc)
    assert Child.objects.count() == 0


def test_narrative_over_10000_characters_is_refused(child, worker):
    """Issue 15, finding 8: 1 MB of free text was stored; a narrative holds at most 10,000
    characters (local rule), and the message names the field and the limit."""
    exc = _refused(services.visit_record, by=worker, child_id=child.pk, visit_date=D(2025, 1, 6),
                   notes="x" * 1_000_000)
    assert _fields(exc) == {"notes": "local"} and "10,000" in str(exc)
    exc = _refused(fds.contact_record, by=worker, child_id=child.pk,
                   received_at=dt.datetime(2025, 1, 6, 9, tzinfo=dt.UTC), source="1A",
                   summary="y" * (NARRATIVE_LIMIT + 1))
    assert _fields(exc) == {"summary": "local"} and "10,000" in str(exc)
    assert not Visit.objects.exists() and not Contact.objects.exists()


def test_narrative_keeps_line_breaks_and_tabs_but_no_nul(child, worker):
    visit = services.visit_record(by=worker, child_id=child.pk, visit_date=D(2025, 1, 6),
                                  notes="Seen at home.\r\n\tPlayed.\n" + "z" * (NARRATIVE_LIMIT - 24))
    assert len(visit.notes) == NARRATIVE_LIMIT
    exc = _refused(services.visit_record, by=worker, child_id=child.pk, visit_date=D(2025, 1, 7),
                   notes="bad\x00byte")
    assert _fields(exc) == {"notes": "local"} and "U+0000" in str(exc)
    assert Visit.objects.count() == 1


def test_relationship_name_and_dates_bounded(child, worker):
    """Issue 15, finding 8: relative_name (200) and a relative's date of birth (not before 1900)."""
    exc = _refused(services.relationship_add, by=worker, child_id=child.pk, kind="mother",
                   relative_name="N" * 201)
    assert _fields(exc) == {"relative_name": "local"}
    exc = _refused(services.relationship_add, by=worker, child_id=child.pk, kind="mother",
                   relative_name="Pat", relative_date_of_birth=D(1066, 10, 14))
    assert _fields(exc) == {"relative_date_of_birth": "local"}
    assert not Relationship.objects.exists()


def test_record_dates_before_1900_are_refused(child, worker):
    """Issue 15, finding 8: the shared not-in-the-future check also refuses dates before 1900."""
    exc = _refused(services.visit_record, by=worker, child_id=child.pk, visit_date=D(1899, 1, 1))
    assert "visit_date" in _fields(exc)
    checks = Checks()
    checks.not_future(D(1, 1, 1), "start_date", "local", "the start")
    assert [v.field for v in checks.violations] == ["start_date"]


def test_pure_check_names_field_and_rule(la):
    """The pure check (no database) reports the field and the rule, as the importers show it."""
    child = Child(local_authority=la, la_child_id="=1+1", first_name="A", last_name="B" * 101,
                  date_of_birth=D(1, 1, 1), sex="F", ethnicity="WBRI")
    checks = Checks()
    check_child(child, None, checks)
    assert {(v.field, v.rule) for v in checks.violations} == {
        ("la_child_id", "local"), ("last_name", "local"), ("date_of_birth", "local")}
