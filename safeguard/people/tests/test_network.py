"""The people around the child (issue 16, part 2): persons, relationships, addresses, households
and the professional network, each recorded as one checked, audited change to the child's record,
and read back in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.audit.models import AuditEvent
from safeguard.core.errors import EditConflict, RecordInvalid, today
from safeguard.people import services as ps
from safeguard.people.models import (
    Address,
    Child,
    Household,
    HouseholdMember,
    Organisation,
    Person,
    Professional,
    Relationship,
)
from safeguard.people.selectors import network, persons_matching

D = dt.date
pytestmark = pytest.mark.django_db
K = Relationship.Kind


def _refused(call, **kwargs) -> RecordInvalid:
    with pytest.raises(RecordInvalid) as exc:
        call(**kwargs)
    return exc.value


def _fields(exc: RecordInvalid) -> dict[str, str]:
    return {v.field: v.rule for v in exc.violations}


def _mother(worker, child, **extra) -> Relationship:
    fields = dict(by=worker, child_id=child.pk, kind=K.MOTHER, first_name="Jo", last_name="Smith",
                  date_of_birth=D(1990, 3, 1), sex="F")
    fields.update(extra)
    return ps.person_add(**fields)


@pytest.fixture
def other_worker(la, team):
    from safeguard.workforce.models import User

    return User.objects.create_user(username="sw2", password="x", role=User.Role.SOCIAL_WORKER,
                                    team=team, local_authority=la)


@pytest.fixture
def other_la():
    from safeguard.workforce.models import LocalAuthority

    return LocalAuthority.objects.create(code="E06000050", la_number=896, name="Cheshire West")


# --- adding people ------------------------------------------------------------------------------

def test_a_new_person_is_added_with_their_address_and_relationship(child, worker):
    """Working Together 2023 (assessments consider the wider family): a parent is recorded with
    their contact details and where they live, in one audited change to the child's record."""
    rel = _mother(worker, child, aliases="Jo Brown", language="Polish", interpreter_needed=True,
                  phone="+44 (0)1632 960 001", email="jo@example.org", parental_responsibility=True,
                  lives_with_child=True,
                  address={"line_1": "1 Oak Road", "town": "Crewe", "postcode": "cw1 2ab",
                           "from_date": D(2020, 1, 1)})
    person = Person.objects.get()
    assert rel.person == person and rel.kind == K.MOTHER and rel.parental_responsibility
    assert person.local_authority_id == child.local_authority_id
    assert person.recorded_by == worker and rel.recorded_by == worker
    address = Address.objects.get()
    assert (address.person, address.postcode, address.to_date) == (person, "CW1 2AB", None)
    events = AuditEvent.objects.filter(detail__event="person_add", child_id=child.pk)
    assert set(events.values_list("object_type", flat=True)) == {
        "people.Person", "people.Address", "people.Relationship"}
    assert events.get(object_type="people.Person").detail["changes"]["first_name"] == [None, "Jo"]


def test_one_person_is_linked_to_many_children(make_child, worker):
    """Issue 16: one person linked to many children (the mother of a sibling group is one person)."""
    a, b = make_child(), make_child()
    rel = _mother(worker, a)
    again = ps.person_add(by=worker, child_id=b.pk, kind=K.MOTHER, person_id=rel.person_id)
    assert Person.objects.count() == 1 and again.person_id == rel.person_id
    assert set(Relationship.objects.values_list("child_id", flat=True)) == {a.pk, b.pk}


def test_a_person_of_another_council_cannot_be_linked(child, worker, other_la):
    """Issue 16 (local rule): a council links only persons on its own record."""
    stranger = Person.objects.create(local_authority=other_la, first_name="A", last_name="B")
    exc = _refused(ps.person_add, by=worker, child_id=child.pk, kind=K.FATHER,
                   person_id=stranger.pk)
    assert _fields(exc) == {"person_id": "local"}
    assert not Relationship.objects.exists()
    exc = _refused(ps.person_add, by=worker, child_id=child.pk, kind=K.FATHER, person_id=10**6)
    assert _fields(exc) == {"person_id": "local"}


@pytest.mark.parametrize(("extra", "field"), [
    ({"kind": "cousin"}, "kind"),
    ({"first_name": "", "last_name": " "}, "last_name"),
    ({"date_of_birth": today() + dt.timedelta(days=1)}, "date_of_birth"),
    ({"date_of_birth": D(1899, 12, 31)}, "date_of_birth"),
    ({"email": "jo at example"}, "email"),
    ({"email": "jo@example"}, "email"),
    ({"phone": "call me"}, "phone"),
    ({"phone": "12345"}, "phone"),
    ({"sex": "X"}, "sex"),
    ({"address": {"line_1": "1 Oak Road", "postcode": "NOTAPC", "from_date": D(2020, 1, 1)}},
     "postcode"),
    ({"address": {"line_1": "", "postcode": "CW1 2AB", "from_date": D(2020, 1, 1)}}, "line_1"),
])
def test_person_details_are_checked_and_nothing_is_stored(child, worker, extra, field):
    """Issue 16 (local rules): names required for a new person; no date of birth in the future or
    before 1900; an email address and phone number of the right shape; a UK postcode (BS 7666).
    A refused save names the field and stores nothing."""
    exc = _refused(_mother, worker=worker, child=child, **extra)
    assert _fields(exc) == {field: "local"}, exc
    assert not Person.objects.exists() and not Relationship.objects.exists()
    assert not Address.objects.exists()


def test_a_parent_must_be_at_least_twelve_years_older_than_the_child(make_child, worker):
    """Issue 16 (local rule, in the spirit of SSDA903 rule 620 for a mother's age): a mother or
    father born less than 12 years before the child is a typing slip, refused with the rule said."""
    child = make_child(date_of_birth=D(2015, 6, 1))
    exc = _refused(_mother, worker=worker, child=child, date_of_birth=D(2003, 6, 2))
    assert _fields(exc) == {"date_of_birth": "local"} and "at least 12 years older" in str(exc)
    exc = _refused(_mother, worker=worker, child=child, kind=K.FATHER, date_of_birth=D(2014, 1, 1))
    assert "father must be at least 12 years older" in str(exc)
    assert _mother(worker, child, date_of_birth=D(2003, 6, 1)).pk  # exactly 12 years
    # A grandparent or carer has no such rule here; an unborn child is measured by its due date.
    assert _mother(worker, child, kind=K.CARER, date_of_birth=D(2010, 1, 1)).pk
    unborn = make_child(date_of_birth=None, expected_date_of_birth=today() + dt.timedelta(days=30),
                        sex="U")
    exc = _refused(_mother, worker=worker, child=unborn, date_of_birth=today() - dt.timedelta(days=9 * 365))
    assert "at least 12 years older" in str(exc)


def test_the_same_person_is_not_linked_twice_in_the_same_way(child, worker, manager):
    """Issue 16 (local rule): one relationship per person and kind; a link recorded in error does
    not count, so the right one can be recorded after marking the wrong one."""
    rel = _mother(worker, child)
    exc = _refused(ps.person_add, by=worker, child_id=child.pk, kind=K.MOTHER, person_id=rel.person_id)
    assert _fields(exc) == {"kind": "local"} and "already recorded" in str(exc)
    assert ps.person_add(by=worker, child_id=child.pk, kind=K.CARER, person_id=rel.person_id).pk
    ps.relationship_mark_in_error(by=manager, relationship_id=rel.pk, expected_version=rel.version,
                                  reason="linked as mother by mistake")
    assert ps.person_add(by=worker, child_id=child.pk, kind=K.MOTHER, person_id=rel.person_id).pk


def test_a_childs_own_child_gives_the_903_mother_items(make_child, worker):
    """SSDA903 guidance: MOTHER and MC_DOB come from the child's own child; rule 620 (a mother
    under 11 at the birth) and 621 (a mother younger than her child) apply to a person added so."""
    mum = make_child(date_of_birth=D(2008, 1, 1), sex="F")
    rel = ps.person_add(by=worker, child_id=mum.pk, kind=K.CHILD, first_name="Baby", last_name="X",
                        date_of_birth=D(2024, 5, 1))
    assert rel.relative_date_of_birth == D(2024, 5, 1)
    exc = _refused(ps.person_add, by=worker, child_id=mum.pk, kind=K.CHILD, first_name="Too",
                   last_name="Early", date_of_birth=D(2015, 1, 1))
    assert "903 620" in exc.rules


# --- correcting people ----------------------------------------------------------------------------

def test_a_person_is_corrected_with_a_reason_that_the_audit_keeps(make_child, worker, manager):
    """Issue 16, corrections never deletions: a correction gives its reason (at least 10
    characters), is refused on a stale version, and carries a corrected date of birth to the
    own-child relationship (SSDA903 MC_DOB)."""
    mum = make_child(date_of_birth=D(2006, 1, 1), sex="F")
    rel = ps.person_add(by=worker, child_id=mum.pk, kind=K.CHILD, first_name="Baby", last_name="X",
                        date_of_birth=D(2024, 5, 1))
    person = rel.person
    exc = _refused(ps.person_update, by=worker, person_id=person.pk, child_id=mum.pk,
                   expected_version=person.version, reason="typo", first_name="Bea")
    assert _fields(exc) == {"reason": "local"}
    with pytest.raises(TypeError):
        ps.person_update(by=worker, person_id=person.pk, child_id=mum.pk,
                         expected_version=person.version, reason="a good long reason", pk=5)
    fixed = ps.person_update(by=manager, person_id=person.pk, child_id=mum.pk,
                             expected_version=person.version, reason="birth certificate seen",
                             first_name="Bea", date_of_birth=D(2024, 4, 30))
    assert fixed.first_name == "Bea" and fixed.version == person.version + 1
    assert fixed.recorded_by == worker  # the chronology credits who recorded it
    assert Relationship.objects.get(pk=rel.pk).relative_date_of_birth == D(2024, 4, 30)
    row = AuditEvent.objects.get(detail__event="person_update", object_type="people.Person")
    assert row.reason == "birth certificate seen"
    assert row.detail["changes"]["first_name"] == ["Baby", "Bea"]
    with pytest.raises(EditConflict):
        ps.person_update(by=worker, person_id=person.pk, child_id=mum.pk,
                         expected_version=person.version, reason="another correction", last_name="Y")


def test_only_a_person_linked_to_the_child_is_changed_through_its_record(make_child, worker):
    """Issue 16 (local rule): a person is reached through a child they are linked to, so the
    change is checked and audited against that child's record."""
    a, b = make_child(), make_child()
    rel = _mother(worker, a)
    exc = _refused(ps.person_update, by=worker, person_id=rel.person_id, child_id=b.pk,
                   expected_version=1, reason="not their mother at all", first_name="X")
    assert _fields(exc) == {"person_id": "local"}


# --- addresses and households -------------------------------------------------------------------

def test_a_move_closes_the_old_address_and_opens_the_new(child, worker):
    """Issue 16: address history: the old address ends the day before the move."""
    rel = _mother(worker, child, address={"line_1": "1 Oak Road", "postcode": "CW1 2AB",
                                          "from_date": D(2020, 1, 1)})
    new = ps.address_move(by=worker, child_id=child.pk, person_id=rel.person_id,
                          line_1="2 Elm Street", postcode="cw2  7xy", from_date=D(2024, 3, 1))
    old = Address.objects.get(line_1="1 Oak Road")
    assert old.to_date == D(2024, 2, 29) and new.to_date is None and new.postcode == "CW2 7XY"
    exc = _refused(ps.address_move, by=worker, child_id=child.pk, person_id=rel.person_id,
                   line_1="3 Ash Way", from_date=D(2024, 3, 1))
    assert _fields(exc) == {"from_date": "local"}
    exc = _refused(ps.address_move, by=worker, child_id=child.pk, person_id=rel.person_id,
                   line_1="3 Ash Way", from_date=today() + dt.timedelta(days=1))
    assert _fields(exc) == {"from_date": "local"}


def test_the_childs_move_sets_the_home_postcode_in_the_same_change(child, worker):
    """CIN census / SSDA903 HOME_POST: the child's home postcode follows the child's address."""
    ps.address_move(by=worker, child_id=child.pk, line_1="1 Oak Road", postcode="cw1 2ab",
                    from_date=D(2021, 1, 1))
    ps.address_move(by=worker, child_id=child.pk, line_1="2 Elm St", postcode="SK11 6AB",
                    from_date=D(2023, 1, 1))
    fresh = Child.objects.get(pk=child.pk)
    assert fresh.home_postcode == "SK11 6AB" and fresh.version == child.version + 2
    assert list(Address.objects.filter(child=child).order_by("from_date")
                .values_list("to_date", flat=True)) == [D(2022, 12, 31), None]
    assert AuditEvent.objects.filter(detail__event="address_move",
                                     detail__changes__has_key="home_postcode").exists()


def test_household_set_moves_the_child_into_a_new_household(make_child, worker, other_la):
    """Issue 16: households: the child and named people live together; the child's previous
    membership ends the day before they moved in."""
    child, sib = make_child(), make_child()
    mum = _mother(worker, child).person
    first = ps.household_set(by=worker, child_id=child.pk, line_1="1 Oak Road", postcode="CW1 2AB",
                             from_date=D(2020, 1, 1), member_person_ids=[mum.pk, mum.pk],
                             member_child_ids=[sib.pk, child.pk])
    assert first.members.count() == 3
    second = ps.household_set(by=worker, child_id=child.pk, line_1="9 Birch Close",
                              from_date=D(2024, 6, 1))
    mine = HouseholdMember.objects.filter(child=child).order_by("from_date")
    assert [(m.household_id, m.to_date) for m in mine] == [(first.pk, D(2024, 5, 31)),
                                                           (second.pk, None)]
    assert HouseholdMember.objects.get(child=sib).to_date is None  # only the child's ends
    exc = _refused(ps.household_set, by=worker, child_id=child.pk, line_1="1 Any Road",
                   from_date=D(2024, 6, 1))
    assert _fields(exc) == {"from_date": "local"}
    stranger = Person.objects.create(local_authority=other_la, first_name="A", last_name="B")
    exc = _refused(ps.household_set, by=worker, child_id=child.pk, line_1="1 Any Road",
                   from_date=D(2024, 8, 1), member_person_ids=[stranger.pk])
    assert _fields(exc) == {"members": "local"}
    assert Household.objects.count() == 2


# --- professionals ------------------------------------------------------------------------------

def test_professionals_share_their_councils_organisations(make_child, worker):
    """Working Together 2023 (multi-agency working): the professional network names each agency
    once, so every child of one school names the same school."""
    a, b = make_child(), make_child()
    p1 = ps.professional_add(by=worker, child_id=a.pk, role="Class teacher", name="Ms Green",
                             organisation_kind="school", organisation_name="Oak Primary",
                             email="green@oak.sch.uk", start_date=D(2023, 9, 1))
    p2 = ps.professional_add(by=worker, child_id=b.pk, role="Head teacher", name="Mr Ash",
                             organisation_kind="school", organisation_name="oak primary ")
    assert Organisation.objects.count() == 1 and p1.organisation_id == p2.organisation_id
    assert p1.recorded_by == worker
    exc = _refused(ps.professional_add, by=worker, child_id=a.pk, role="", name="X",
                   organisation_kind="spaceship", organisation_name="Y", phone="abc")
    assert set(_fields(exc)) == {"role", "organisation_kind", "phone"}
    assert Organisation.objects.count() == 1 and Professional.objects.count() == 2


def test_a_professional_stops_working_with_the_child(child, worker):
    """Issue 16: the professional network keeps past professionals, with their end date."""
    pro = ps.professional_add(by=worker, child_id=child.pk, role="Health visitor", name="Ann Lee",
                              organisation_kind="health_visiting", organisation_name="HV team",
                              start_date=D(2023, 1, 1))
    exc = _refused(ps.professional_end, by=worker, professional_id=pro.pk, child_id=child.pk,
                   expected_version=pro.version, end_date=D(2022, 1, 1))
    assert _fields(exc) == {"end_date": "local"}
    ended = ps.professional_end(by=worker, professional_id=pro.pk, child_id=child.pk,
                                expected_version=pro.version, end_date=D(2024, 1, 1))
    assert ended.end_date == D(2024, 1, 1)
    with pytest.raises(EditConflict):
        ps.professional_end(by=worker, professional_id=pro.pk, child_id=child.pk,
                            expected_version=pro.version, end_date=D(2024, 2, 1))


# --- recorded in error --------------------------------------------------------------------------

def test_only_the_author_or_a_manager_marks_an_entry_in_error(child, worker, other_worker, manager):
    """Issue 16 (corrections, never deletions): the author or a team manager marks a mistaken
    relationship or professional recorded in error, with a reason; it stays in the database and
    the audit, and leaves the network."""
    rel = _mother(worker, child)
    exc = _refused(ps.relationship_mark_in_error, by=other_worker, relationship_id=rel.pk,
                   expected_version=rel.version, reason="wrong family altogether")
    assert _fields(exc) == {"recorded_in_error": "local"}
    exc = _refused(ps.relationship_mark_in_error, by=worker, relationship_id=rel.pk,
                   expected_version=rel.version, reason="oops")
    assert _fields(exc) == {"reason": "local"}
    marked = ps.relationship_mark_in_error(by=worker, relationship_id=rel.pk,
                                           expected_version=rel.version,
                                           reason="wrong family altogether")
    assert marked.recorded_in_error and marked.error_marked_by == worker
    assert marked.error_reason == "wrong family altogether" and marked.error_marked_at
    assert Relationship.objects.filter(pk=rel.pk).exists() and network(child).family == []
    row = AuditEvent.objects.get(detail__event="relationship_mark_in_error")
    assert row.reason == "wrong family altogether"
    exc = _refused(ps.relationship_mark_in_error, by=manager, relationship_id=rel.pk,
                   expected_version=marked.version, reason="wrong family altogether")
    assert "already marked" in str(exc)

    pro = ps.professional_add(by=worker, child_id=child.pk, role="GP", name="Dr Who",
                              organisation_kind="gp", organisation_name="Town Surgery")
    with pytest.raises(EditConflict):
        ps.professional_mark_in_error(by=manager, professional_id=pro.pk, expected_version=9,
                                      reason="entered on the wrong child")
    done = ps.professional_mark_in_error(by=manager, professional_id=pro.pk,
                                         expected_version=pro.version,
                                         reason="entered on the wrong child")
    assert done.recorded_in_error and network(child).professionals == []
    assert AuditEvent.objects.filter(detail__event="professional_mark_in_error",
                                     reason="entered on the wrong child").exists()


# --- reading the network ------------------------------------------------------------------------

def test_network_holds_family_addresses_professionals_and_household(make_child, worker):
    """Working Together 2023 (assessments consider the wider family and the professionals
    involved): the child's page reads everything about the people around the child at once."""
    child, sib = make_child(), make_child()
    mum = _mother(worker, child, address={"line_1": "1 Oak Road", "postcode": "CW1 2AB",
                                          "from_date": D(2019, 1, 1)})
    ps.address_move(by=worker, child_id=child.pk, person_id=mum.person_id, line_1="2 Elm Street",
                    from_date=D(2022, 1, 1))
    ps.relationship_add(by=worker, child_id=child.pk, kind=K.SIBLING, relative_id=sib.pk)
    ps.relationship_add(by=worker, child_id=child.pk, kind=K.GRANDPARENT, relative_name="Nan")
    ps.address_move(by=worker, child_id=child.pk, line_1="2 Elm Street", from_date=D(2022, 1, 1))
    old = ps.professional_add(by=worker, child_id=child.pk, role="Health visitor", name="Ann",
                              organisation_kind="health_visiting", organisation_name="HV",
                              start_date=D(2016, 1, 1))
    ps.professional_end(by=worker, professional_id=old.pk, child_id=child.pk,
                        expected_version=old.version, end_date=D(2019, 9, 1))
    ps.professional_add(by=worker, child_id=child.pk, role="Class teacher", name="Bo",
                        organisation_kind="school", organisation_name="Oak Primary",
                        start_date=D(2023, 9, 1))
    ps.household_set(by=worker, child_id=child.pk, line_1="2 Elm Street", from_date=D(2022, 1, 1),
                     member_person_ids=[mum.person_id], member_child_ids=[sib.pk])

    net = network(child)
    assert [m.kind for m in net.family] == ["Mother", "Sibling", "Grandparent"]
    assert net.family[0].address.line_1 == "2 Elm Street" and net.family[0].name == "Jo Smith"
    assert net.family[1].relative == sib and net.family[2].name == "Nan"
    assert [p.name for p in net.professionals] == ["Bo", "Ann"]  # current first
    assert [p.name for p in net.current_professionals] == ["Bo"]
    assert [p.name for p in net.past_professionals] == ["Ann"]
    assert net.professionals[0].organisation.name == "Oak Primary"
    assert net.household.line_1 == "2 Elm Street" and len(net.household_members) == 3
    assert net.address.line_1 == "2 Elm Street"
    assert len(net.relationships) == 3


def _people(worker, child, n: int) -> None:
    for i in range(n):
        ps.person_add(by=worker, child_id=child.pk, kind=K.OTHER, first_name=f"P{i}",
                      last_name="Smith",
                      address={"line_1": f"{i} Road", "postcode": "CW1 2AB",
                               "from_date": D(2020, 1, 1)})
        ps.professional_add(by=worker, child_id=child.pk, role="Worker", name=f"Pro {i}",
                            organisation_kind="other", organisation_name=f"Agency {i % 3}")


def test_network_reads_in_a_fixed_number_of_queries(make_child, worker):
    """Issue 16 (speed): the child's page reads 40 people in the same number of queries as 2."""
    small, large = make_child(), make_child()
    _people(worker, small, 2)
    _people(worker, large, 40)
    for c in (small, large):
        ps.household_set(by=worker, child_id=c.pk, line_1="1 Oak Road", from_date=D(2020, 1, 1),
                         member_person_ids=list(Person.objects.filter(
                             relationships__child=c).values_list("pk", flat=True)))
    with CaptureQueriesContext(connection) as few:
        net = network(small)
        [(m.name, m.address) for m in net.family]
        [(p.organisation.name) for p in net.professionals]
        [(m.person or m.child) for m in net.household_members]
    with CaptureQueriesContext(connection) as many:
        net = network(large)
        [(m.name, m.address.line_1) for m in net.family]
        [(p.organisation.name) for p in net.professionals]
        [str(m.person or m.child) for m in net.household_members]
    assert len(net.family) == 40 and len(net.household_members) == 41
    assert len(few) == len(many) <= 7, [q["sql"][:80] for q in many]


def test_persons_matching_finds_people_of_the_council_by_any_name(child, worker, other_la):
    """Issue 16: link a person already known (any part of a name or alias) rather than add them
    twice; only the council's own, none recorded in error, at most 20."""
    _mother(worker, child, first_name="Joanna", last_name="Whitmore-Osei", aliases="Jo Brown")
    Person.objects.create(local_authority=other_la, first_name="Joanna", last_name="Osei")
    Person.objects.create(local_authority=child.local_authority, first_name="Joanna",
                          last_name="Osei", recorded_in_error=True)
    la = child.local_authority
    assert [p.last_name for p in persons_matching(la, "osei")] == ["Whitmore-Osei"]
    assert [p.last_name for p in persons_matching(la, "jo  brown")] == ["Whitmore-Osei"]
    assert persons_matching(la, "joanna smith") == [] and persons_matching(la, "  ") == []
    for i in range(25):
        Person.objects.create(local_authority=la, first_name=f"Sam{i:02d}", last_name="Osei")
    assert len(persons_matching(la, "osei")) == 20
