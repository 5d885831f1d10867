"""Recording a child's identity, family and visits, each as one `Change` to the child's record
(record/change.py): checked, saved, audited and the clocks refreshed in one transaction; a refused
save changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from safeguard.core.errors import Checks, EditConflict, RecordInvalid, Violation, now
from safeguard.record.change import Change
from safeguard.record.history import ChildHistory

from .checks import (
    check_address,
    check_child,
    check_household,
    check_mark_in_error,
    check_organisation,
    check_person,
    check_person_link,
    check_professional,
    check_relationship_add,
    check_visit_record,
    check_warning,
    normal_postcode,
)
from .models import (
    Address,
    Child,
    ChildDisability,
    ChildWarning,
    Household,
    HouseholdMember,
    Organisation,
    Person,
    Professional,
    Relationship,
    Visit,
)

_CHILD_FIELDS = (
    "la_child_id", "upn", "former_upn", "upn_unknown", "nhs_number", "first_name", "last_name",
    "date_of_birth", "expected_date_of_birth", "date_of_death", "sex", "ethnicity",
    "home_postcode", "uasc", "uasc_ceased_date", "aliases", "first_language", "religion",
    "immigration_status",
)


def _check_la_child_id_free(child: Child, checks: Checks) -> None:
    """Across children, so it reads the database; the generator assigns unique ids instead. An id
    the pure check refused (e.g. holding a NUL, which PostgreSQL cannot compare) is not looked up."""
    if child.la_child_id and child.local_authority_id and not any(
            v.field == "la_child_id" for v in checks.violations):
        clash = Child.objects.filter(
            local_authority_id=child.local_authority_id, la_child_id=child.la_child_id
        ).exclude(pk=child.pk)
        checks.require(not clash.exists(), "la_child_id", "CIN 8510",
                       f"LA child ID {child.la_child_id} is already used for another child")


def _child_checks(history: ChildHistory, child: Child, checks: Checks, *, disabilities) -> None:
    check_child(child, disabilities, checks)
    _check_la_child_id_free(child, checks)


def _set_disabilities(change: Change, disabilities: list[str]) -> None:
    held = change.history.disabilities
    for d in [d for d in held if d.code not in disabilities]:
        change.remove(d)
    kept = {d.code for d in held}
    for code in disabilities:
        if code not in kept:
            change.new(ChildDisability(child=change.child, code=code))


def _unknown(fields, allowed) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unknown child fields: {sorted(unknown)}")


@transaction.atomic
def child_register(*, by, local_authority, disabilities: list[str] | None = None, **fields) -> Child:
    """Add a child to the record (at first contact, or before birth)."""
    _unknown(fields, _CHILD_FIELDS)
    child = Child(local_authority=local_authority, **fields)
    change = Change(ChildHistory(child=child), by=by, event="child_register")
    change.new(child, _child_checks, disabilities=disabilities)
    _set_disabilities(change, disabilities or [])
    return change.save(child)


@transaction.atomic
def child_update(*, by, child_id: int, expected_version: int | None,
                 disabilities: list[str] | None = None, **changes) -> Child:
    """Correct or complete a child's details (e.g. record the birth of an unborn child)."""
    _unknown(changes, _CHILD_FIELDS)
    change = Change.of_child(child_id, by=by, event="child_update")
    if expected_version is not None and change.child.version != expected_version:
        raise EditConflict(change.child, expected_version)
    child = change.edit(change.child, _child_checks, to=changes, disabilities=disabilities)
    if disabilities is not None:
        _set_disabilities(change, disabilities)
    return change.save(child)


@transaction.atomic
def relationship_add(*, by, child_id: int, kind: str, relative_id: int | None = None,
                     relative_name: str = "", relative_date_of_birth=None) -> Relationship:
    """Record a family relationship. A child's own child gives the 903 MOTHER and MC_DOB items."""
    change = Change.of_child(child_id, by=by, event="relationship_add")
    dob = relative_date_of_birth
    if dob is None and relative_id:
        dob = Child.objects.filter(pk=relative_id).values_list("date_of_birth", flat=True).first()
    rel = change.new(Relationship(child=change.child, kind=kind, relative_id=relative_id,
                                  relative_name=relative_name,
                                  relative_date_of_birth=relative_date_of_birth),
                     check_relationship_add, relative_dob=dob)
    return change.save(rel)


@transaction.atomic
def visit_record(*, by, child_id: int, visit_date, seen: bool = True, seen_alone: bool = False,
                 bedroom_seen: bool | None = None, by_iro: bool = False, notes: str = "") -> Visit:
    """Record a visit to the child. It stops whichever visit clock (CIN, CP, looked after) runs."""
    change = Change.of_child(child_id, by=by, event="visit_record")
    visit = change.new(Visit(child=change.child, visit_date=visit_date, seen=seen,
                             seen_alone=seen_alone, bedroom_seen=bedroom_seen, by_iro=by_iro,
                             notes=notes), check_visit_record)
    return change.save(visit)


def _check_restriction(history: ChildHistory, child: Child, checks: Checks, *, by) -> None:
    checks.require(getattr(by, "role", "") == "team_manager", "is_restricted", "local",
                   "only a team manager may restrict or lift a restriction")
    checks.require(not child.is_restricted or len(child.restriction_reason) >= 10,
                   "restriction_reason", "local",
                   "give the reason for the restriction in at least 10 characters")


@transaction.atomic
def child_restrict(*, by, child_id: int, restricted: bool, reason: str = "") -> Child:
    """Mark a record restricted (a staff member's own family, an adoption) or lift it. A team
    manager decides, with a reason; from then on only explicit grants or break-glass open it."""
    reason = (reason or "").strip()
    change = Change.of_child(child_id, by=by, event="child_restrict", reason=reason)
    child = change.edit(change.child, _check_restriction, by=by,
                        to={"is_restricted": restricted,
                            "restriction_reason": reason[:200] if restricted else ""})
    return change.save(child)


# --- the people around the child (issue 16) ----------------------------------------------------
# Persons, addresses, households, organisations and professionals are not held in the child's
# history (no clock reads them): each is staged with `change.new` or `change.attached` + `edit`,
# which still checks, saves and audits it in the one shape, in the child's one transaction.

_PERSON_FIELDS = ("first_name", "last_name", "aliases", "date_of_birth", "date_of_death", "sex",
                  "gender", "language", "interpreter_needed", "phone", "email")
_ONE_DAY = dt.timedelta(days=1)


def _refuse(field: str, message: str) -> None:
    """A refusal found before any record is staged (nothing to check it against)."""
    raise RecordInvalid([Violation(field, "local", message)])


def _linked_person(change: Change, person_id: int) -> Person:
    """A person linked to this child (by a relationship not in error): only they may be changed
    through this child's record."""
    if not any(r.person_id == person_id and not r.recorded_in_error
               for r in change.history.relationships):
        _refuse("person_id", "that person is not linked to this child")
    return Person.objects.get(pk=person_id)


def _new_address(change: Change, *, person: Person | None, line_1: str, line_2: str, town: str,
                 postcode: str, from_date, current: Address | None = None) -> Address:
    owner = {"person": person} if person is not None else {"child": change.child}
    return change.new(Address(**owner, line_1=line_1.strip(), line_2=line_2.strip(),
                              town=town.strip(), postcode=normal_postcode(postcode),
                              from_date=from_date),
                      check_address, current=current)


@transaction.atomic
def person_add(*, by, child_id: int, kind: str, first_name: str = "", last_name: str = "",
               person_id: int | None = None, aliases: str = "", date_of_birth=None, sex: str = "",
               gender: str = "", language: str = "", interpreter_needed: bool = False,
               phone: str = "", email: str = "", parental_responsibility: bool | None = None,
               lives_with_child: bool = False, address: dict | None = None) -> Relationship:
    """Add someone to the child's family network: a new person (with the start of their address
    history) or one already on the council's record (`person_id`, e.g. the mother of a sibling),
    and how they are related to the child. A person who is the child's own child gives the 903
    MOTHER / MC_DOB items, so their date of birth is copied onto the relationship."""
    change = Change.of_child(child_id, by=by, event="person_add")
    if person_id is not None:
        person = Person.objects.filter(pk=person_id).first()
        if person is None:
            _refuse("person_id", "that person is not on the record")
    else:
        person = change.new(Person(
            local_authority_id=change.child.local_authority_id, first_name=first_name.strip(),
            last_name=last_name.strip(), aliases=aliases.strip(), date_of_birth=date_of_birth,
            sex=sex, gender=gender.strip(), language=language.strip(),
            interpreter_needed=interpreter_needed, phone=phone.strip(), email=email.strip()),
            check_person)
        if address:
            _new_address(change, person=person, line_1=address.get("line_1", ""),
                         line_2=address.get("line_2", ""), town=address.get("town", ""),
                         postcode=address.get("postcode", ""), from_date=address.get("from_date"))
    rel = change.new(Relationship(
        child=change.child, kind=kind, person=person,
        relative_date_of_birth=person.date_of_birth if kind == Relationship.Kind.CHILD else None,
        parental_responsibility=parental_responsibility, lives_with_child=lives_with_child),
        check_person_link, person=person)
    return change.save(rel)


@transaction.atomic
def person_update(*, by, person_id: int, child_id: int, expected_version: int, reason: str,
                  **changes) -> Person:
    """Correct a person's details, with the reason (kept in the audit). The person is shared by
    every child they are linked to; this child's own-child relationship keeps the 903 MC_DOB."""
    unknown = set(changes) - set(_PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    reason = (reason or "").strip()
    change = Change.of_child(child_id, by=by, event="person_update", reason=reason)
    _linked_person(change, person_id)
    held = change.attached(Person, person_id, expected_version)
    for name in ("first_name", "last_name", "aliases", "gender", "language", "phone", "email"):
        if isinstance(changes.get(name), str):
            changes[name] = changes[name].strip()
    person = change.edit(held, check_person, to=changes, reason=reason)
    if "date_of_birth" in changes:
        for rel in list(change.history.relationships):
            if rel.person_id == person_id and rel.kind == Relationship.Kind.CHILD:
                change.edit(rel, None, to={"relative_date_of_birth": person.date_of_birth})
    return change.save(person)


@transaction.atomic
def address_move(*, by, child_id: int, person_id: int | None = None, line_1: str, line_2: str = "",
                 town: str = "", postcode: str = "", from_date) -> Address:
    """Record a move: the current address ends the day before `from_date` and the new one opens,
    for a person linked to the child or (no `person_id`) the child, whose home postcode (the CIN
    and 903 returns' item) follows in the same change."""
    change = Change.of_child(child_id, by=by, event="address_move")
    person = _linked_person(change, person_id) if person_id is not None else None
    owner = {"person_id": person_id} if person is not None else {"child_id": child_id}
    open_ids = list(Address.objects.filter(**owner, to_date__isnull=True)
                    .order_by("-from_date", "-pk").values_list("pk", flat=True))
    currents = [change.attached(Address, pk, None) for pk in open_ids]
    new = _new_address(change, person=person, line_1=line_1, line_2=line_2, town=town,
                       postcode=postcode, from_date=from_date,
                       current=currents[0] if currents else None)
    if from_date is not None:
        for current in currents:
            change.edit(current, None, to={"to_date": max(from_date - _ONE_DAY, current.from_date)
                                           if current.from_date else from_date - _ONE_DAY})
    if person is None:
        change.edit(change.child, None, to={"home_postcode": new.postcode})
    return change.save(new)


def _organisation(change: Change, kind: str, name: str) -> Organisation:
    """The council's organisation of this kind and name (matched whatever the case), or a new one."""
    la_id = change.child.local_authority_id
    found = Organisation.objects.filter(local_authority_id=la_id, kind=kind,
                                        name__iexact=name).order_by("pk").first() if name else None
    if found is not None:
        return found
    return change.new(Organisation(local_authority_id=la_id, kind=kind, name=name),
                      check_organisation)


@transaction.atomic
def professional_add(*, by, child_id: int, role: str, name: str, organisation_kind: str,
                     organisation_name: str, phone: str = "", email: str = "",
                     start_date=None) -> Professional:
    """Add a professional to the child's network with their organisation (found by kind and name
    among the council's, or added), so every child of one school names the same school."""
    change = Change.of_child(child_id, by=by, event="professional_add")
    org = _organisation(change, organisation_kind, organisation_name.strip())
    pro = change.new(Professional(child=change.child, role=role.strip(), name=name.strip(),
                                  organisation=org, phone=phone.strip(), email=email.strip(),
                                  start_date=start_date),
                     check_professional)
    return change.save(pro)


def _childs_professional(change: Change, professional_id: int, expected_version: int | None
                         ) -> Professional:
    pro = change.attached(Professional, professional_id, expected_version)
    if pro.child_id != change.child.pk:
        raise LookupError(f"professional {professional_id} is not on this child's record")
    return pro


@transaction.atomic
def professional_end(*, by, professional_id: int, child_id: int, expected_version: int,
                     end_date) -> Professional:
    """A professional stops working with the child (kept in the network, as past)."""
    change = Change.of_child(child_id, by=by, event="professional_end")
    held = _childs_professional(change, professional_id, expected_version)
    pro = change.edit(held, check_professional, to={"end_date": end_date})
    return change.save(pro)


@transaction.atomic
def household_set(*, by, child_id: int, line_1: str, line_2: str = "", town: str = "",
                  postcode: str = "", from_date, member_person_ids: Iterable[int] = (),
                  member_child_ids: Iterable[int] = ()) -> Household:
    """The child (and the named persons and children) live together at this address from
    `from_date`; the child's previous household membership ends the day before."""
    change = Change.of_child(child_id, by=by, event="household_set")
    child = change.child
    person_ids = list(dict.fromkeys(member_person_ids))
    child_ids = [c for c in dict.fromkeys(member_child_ids) if c != child.pk]
    persons = list(Person.objects.filter(pk__in=person_ids))
    children = list(Child.objects.filter(pk__in=child_ids))
    if len(persons) != len(person_ids) or len(children) != len(child_ids):
        _refuse("members", "a member named is not on the record")
    current_ids = list(HouseholdMember.objects.filter(child_id=child.pk, to_date__isnull=True)
                       .order_by("-from_date", "-pk").values_list("pk", flat=True))
    currents = [change.attached(HouseholdMember, pk, None) for pk in current_ids]
    household = change.new(Household(local_authority_id=child.local_authority_id,
                                     line_1=line_1.strip(), line_2=line_2.strip(),
                                     town=town.strip(), postcode=normal_postcode(postcode)),
                           check_household, from_date=from_date,
                           current=currents[0] if currents else None,
                           members=[*persons, *children])
    if from_date is not None:
        for current in currents:
            end = from_date - _ONE_DAY
            change.edit(current, None, to={
                "to_date": max(end, current.from_date) if current.from_date else end})
    change.new(HouseholdMember(household=household, child=child, from_date=from_date))
    for other in children:
        change.new(HouseholdMember(household=household, child=other, from_date=from_date))
    for person in persons:
        change.new(HouseholdMember(household=household, person=person, from_date=from_date))
    return change.save(household)


def _in_error(by, reason: str) -> dict:
    return {"recorded_in_error": True, "error_reason": reason, "error_marked_by": by,
            "error_marked_at": now()}


@transaction.atomic
def relationship_mark_in_error(*, by, relationship_id: int, expected_version: int,
                               reason: str) -> Relationship:
    """Corrections, never deletions: a relationship recorded by mistake is marked so, with the
    reason; it leaves the family network and the genogram, and stays in the history and the audit."""
    reason = (reason or "").strip()
    change = Change.of(Relationship, relationship_id, by=by, event="relationship_mark_in_error",
                       expected_version=expected_version)
    change.reason = reason
    rel = change.edit(change.held, check_mark_in_error, to=_in_error(by, reason), by=by,
                      was=change.held)
    return change.save(rel)


@transaction.atomic
def professional_mark_in_error(*, by, professional_id: int, expected_version: int,
                               reason: str) -> Professional:
    """A professional recorded by mistake (the wrong child, a duplicate) is marked so, with the
    reason; they leave the network and the ecomap, and stay in the history and the audit."""
    reason = (reason or "").strip()
    child_id = Professional.objects.filter(pk=professional_id).values_list(
        "child_id", flat=True).first()
    if child_id is None:
        raise Professional.DoesNotExist(f"professional {professional_id} does not exist")
    change = Change.of_child(child_id, by=by, event="professional_mark_in_error", reason=reason)
    held = _childs_professional(change, professional_id, expected_version)
    pro = change.edit(held, check_mark_in_error, to=_in_error(by, reason), by=by, was=held)
    return change.save(pro)


@transaction.atomic
def warning_add(*, by, child_id: int, kind: str, detail: str, start_date) -> ChildWarning:
    """A warning at the top of the child's record (a risk to workers, exploitation, missing)."""
    change = Change.of_child(child_id, by=by, event="warning_add")
    warning = change.new(ChildWarning(child=change.child, kind=kind, detail=detail.strip(),
                                      start_date=start_date), check_warning)
    return change.save(warning)


@transaction.atomic
def warning_end(*, by, warning_id: int, child_id: int, expected_version: int, end_date) -> ChildWarning:
    """The warning no longer applies: it leaves the summary and stays in the record's history."""
    change = Change.of_child(child_id, by=by, event="warning_end")
    held = change.attached(ChildWarning, warning_id, expected_version)
    if held.child_id != child_id:
        raise LookupError(f"warning {warning_id} is not on this child's record")
    warning = change.edit(held, check_warning, to={"end_date": end_date})
    return change.save(warning)
