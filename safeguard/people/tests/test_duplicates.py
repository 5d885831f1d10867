"""Probable duplicates before a new child is added (issue 16 item 7; Working Together 2023: one
record per child, so what is known about a child is not split between two records)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.people.duplicates import fold, name_parts, probable_duplicates, same_first_name, same_last_name
from safeguard.workforce.models import LocalAuthority

BORN = dt.date(2015, 6, 1)


@pytest.mark.parametrize(("a", "b"), [
    ("Zoë", "zoe"), ("Anne-Marie", "Anne Marie"), ("Anne-Marie", "annemarie"), ("ÉLODIE", "elodie"),
])
def test_first_names_compare_whatever_the_case_accents_and_hyphens(a, b):
    """Working Together 2023: one record per child; a name typed differently is the same name."""
    assert same_first_name(a, b)


def test_different_first_names_do_not_match():
    """Working Together 2023: twins share a surname and a date of birth, not a first name."""
    assert not same_first_name("Amy", "Amelia")
    assert not same_first_name("Mary", "Mary-Jane")
    assert not same_first_name("", "")


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("Whitmore-Osei", "whitmore osei", True),
    ("Whitmore-Osei", "WHITMOREOSEI", True),
    ("O'Brien", "OBrien", True),
    ("Osei", "Whitmore-Osei", True),
    ("Whitmore", "Whitmore-Osei", True),
    ("Osei", "Mensah-Owusu", False),
    ("Brien", "O'Brien", False),
    ("", "Osei", False),
])
def test_surnames_are_hyphen_tolerant(a, b, expected):
    """Issue 16 item 7: a double-barrelled surname matches itself however it is written, and either
    of its parts (a family may use one or both)."""
    assert same_last_name(a, b) is expected
    assert same_last_name(b, a) is expected


def test_name_parts_and_fold():
    """Issue 16 item 7: the parts of a name are split on spaces and hyphens, not apostrophes."""
    assert name_parts("Whitmore-Osei") == ["whitmore", "osei"]
    assert name_parts(" de la  Cruz ") == ["de", "la", "cruz"]
    assert name_parts("O'Brien") == ["obrien"]
    assert fold("Zoë O'Brien-Smith") == "zoeobriensmith"


@pytest.mark.django_db
def test_same_name_and_date_of_birth_is_a_probable_duplicate(la, make_child):
    """Working Together 2023: one record per child. The same first and last name (however
    written) and date of birth in the same council is a probable duplicate."""
    existing = make_child(first_name="Zoë", last_name="Whitmore-Osei", date_of_birth=BORN)
    for first, last in (("Zoe", "Whitmore Osei"), ("ZOË", "whitmore-osei"), ("zoe", "Osei")):
        assert probable_duplicates(local_authority=la, first_name=first, last_name=last,
                                   date_of_birth=BORN) == [existing], (first, last)


@pytest.mark.django_db
def test_a_different_name_or_date_is_not(la, make_child):
    """Working Together 2023: a twin (same surname and birthday, another first name) or a namesake
    born another day is a different child."""
    make_child(first_name="Zoe", last_name="Osei", date_of_birth=BORN)
    assert probable_duplicates(local_authority=la, first_name="Amara", last_name="Osei",
                               date_of_birth=BORN) == []
    assert probable_duplicates(local_authority=la, first_name="Zoe", last_name="Osei",
                               date_of_birth=BORN + dt.timedelta(days=1)) == []
    assert probable_duplicates(local_authority=la, first_name="Zoe", last_name="Osei") == []


@pytest.mark.django_db
def test_the_same_nhs_number_is_a_probable_duplicate_whatever_the_name(la, make_child):
    """Working Together 2023: the NHS number is the consistent identifier across agencies; the same
    number is the same child, even under another name or date of birth. Spaces are ignored."""
    existing = make_child(first_name="Kai", last_name="Mensah", nhs_number="9434765919")
    assert probable_duplicates(local_authority=la, first_name="Kay", last_name="Smith",
                               nhs_number="943 476 5919") == [existing]


@pytest.mark.django_db
def test_number_matches_come_first_then_by_name(la, make_child):
    """Issue 16 item 7: the strongest match, the same NHS number, is listed first."""
    by_name = make_child(first_name="Kai", last_name="Mensah", date_of_birth=BORN)
    by_number = make_child(first_name="Kai", last_name="Adjei", date_of_birth=BORN, nhs_number="9434765919")
    found = probable_duplicates(local_authority=la, first_name="Kai", last_name="Mensah",
                                date_of_birth=BORN, nhs_number="9434765919")
    assert found == [by_number, by_name]


@pytest.mark.django_db
def test_an_unborn_child_expected_that_day_is_a_probable_duplicate(la, make_child):
    """Working Together 2023: a child recorded before birth is the same child once born."""
    unborn = make_child(first_name="Baby", last_name="Osei", date_of_birth=None, expected_date_of_birth=BORN,
                        sex="U")
    assert probable_duplicates(local_authority=la, first_name="Baby", last_name="Osei",
                               date_of_birth=BORN) == [unborn]


@pytest.mark.django_db
def test_only_the_same_council_in_one_query(la, make_child, worker):
    """Working Together 2023: one record per child within the council; another council's record is
    theirs. One query, whatever is found."""
    from safeguard.people.services import child_register

    other = LocalAuthority.objects.create(code="E06000050", la_number=896, name="Cheshire West")
    child_register(by=worker, local_authority=other, la_child_id="X1", first_name="Zoe", last_name="Osei",
                   date_of_birth=BORN, sex="F", ethnicity="WBRI", nhs_number="9434765919")
    mine = [make_child(first_name="Zoe", last_name="Osei", date_of_birth=BORN) for _ in range(3)]
    with CaptureQueriesContext(connection) as ctx:
        found = probable_duplicates(local_authority=la.pk, first_name="Zoe", last_name="Osei",
                                    date_of_birth=BORN, nhs_number="9434765919")
    assert found == mine and len(ctx.captured_queries) == 1


@pytest.mark.django_db
def test_nothing_to_compare_asks_nothing(django_assert_num_queries):
    """Issue 16 item 7: without a date of birth or an NHS number there is no probable duplicate,
    and the database is not asked."""
    with django_assert_num_queries(0):
        assert probable_duplicates(local_authority=1, first_name="Zoe", last_name="Osei") == []
        assert probable_duplicates(local_authority=1, first_name="", last_name="", date_of_birth=BORN) == []
