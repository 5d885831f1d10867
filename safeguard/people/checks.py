"""Validation at entry for a child's identity, relationships and visits: pure functions over the
child's record in memory (see record/history.py), shared by the services and the generator."""

from __future__ import annotations

import re

from dateutil.relativedelta import relativedelta

from safeguard.core import codes
from safeguard.core.errors import Checks, today
from safeguard.record.history import ChildHistory

from .identifiers import nhs_number_problem, upn_problem
from .models import (
    Address,
    Child,
    ChildWarning,
    Household,
    HouseholdMember,
    Organisation,
    Person,
    Professional,
    Relationship,
    Visit,
)

#: An LA child ID (903 CHILD, CIN LAchildID): letters and digits, with "_" or "-" inside, up to 36
#: characters (the CIN census reader's and the model's limit). The DfE schema types it only as a
#: string; councils' systems issue plain alphanumeric keys, and the generator ("DEMO00001",
#: "G8121234"), the 903 samples (digits) and the CIN samples ("child_fails_assessments") all fit.
#: Quotes, slashes, spaces and a leading "=", "+", "-" or "@" (a formula when a return is opened in
#: a spreadsheet) never do (issue 15, finding 3).
LA_CHILD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,35}")


def check_child(child: Child, disabilities: list[str] | None, checks: Checks) -> None:
    """Identity, codes and identifiers of a child being registered or corrected."""
    now = today()
    if checks.require(bool(child.la_child_id), "la_child_id", "CIN 8500", "LA child ID is required"):
        checks.require(LA_CHILD_ID.fullmatch(child.la_child_id) is not None, "la_child_id", "local",
                       f"LA child ID {child.la_child_id[:40]!r} must be 1 to 36 letters, digits, '_' "
                       "or '-', starting with a letter or digit")
    checks.free_text(child)
    checks.require(bool(child.first_name and child.last_name), "last_name", "local",
                   "first and last names are required")
    checks.require(
        child.date_of_birth is not None or child.expected_date_of_birth is not None,
        "date_of_birth", "CIN 8525", "either a date of birth or an expected date of birth is needed",
    )
    if child.date_of_birth:
        checks.require(child.date_of_birth <= now, "date_of_birth", "903 301",
                       "date of birth cannot be in the future")
        checks.not_before_1900(child.date_of_birth, "date_of_birth", "date of birth")
    checks.not_before_1900(child.expected_date_of_birth, "expected_date_of_birth",
                           "expected date of birth")
    checks.not_before_1900(child.uasc_ceased_date, "uasc_ceased_date", "date UASC status ceased")
    if child.date_of_death:
        checks.require(
            child.date_of_birth is None or child.date_of_death >= child.date_of_birth,
            "date_of_death", "CIN 8535Q", "date of death cannot be before date of birth",
        )
        checks.require(child.date_of_death <= now, "date_of_death", "local",
                       "date of death cannot be in the future")
    checks.code(child.sex, codes.Sex, "sex", "903 101", "Sex")
    if child.date_of_birth is None and child.sex:
        checks.require(child.sex == "U", "sex", "CIN 8750", "an unborn child's sex must be U")
    checks.code(child.ethnicity, codes.Ethnicity, "ethnicity", "903 103", "Ethnicity")
    if child.upn:
        problem = upn_problem(child.upn)
        checks.require(problem is None, "upn", "903 168", f"UPN {child.upn} {problem}")
        checks.require(not child.upn_unknown, "upn_unknown", "903 168",
                       "give either a UPN or the reason it is unknown, not both")
    if child.former_upn:
        problem = upn_problem(child.former_upn)
        checks.require(problem is None, "former_upn", "CIN 1560Q",
                       f"former UPN {child.former_upn} {problem}")
    checks.code(child.upn_unknown, codes.UPNUnknown, "upn_unknown", "903 168",
                "Reason UPN unknown", required=False)
    if child.nhs_number:
        problem = nhs_number_problem(child.nhs_number)
        checks.require(problem is None, "nhs_number", "NHS mod 11", f"NHS number {problem}")
    if child.uasc_ceased_date:
        checks.require(child.uasc, "uasc_ceased_date", "903 303",
                       "date UASC status ceased needs the child to be recorded as UASC")
        if child.date_of_birth:
            checks.require(
                child.uasc_ceased_date <= child.date_of_birth + relativedelta(years=18),
                "uasc_ceased_date", "903 304",
                "date UASC status ceased must be on or before the 18th birthday",
            )
    if disabilities is not None:
        for code in disabilities:
            checks.code(code, codes.Disability, "disabilities", "CIN 8540", "Disability")
        checks.require(len(set(disabilities)) == len(disabilities), "disabilities", "CIN 8794",
                       "a disability code may be recorded only once")
        checks.require("NONE" not in disabilities or len(disabilities) == 1, "disabilities",
                       "CIN 8790", "NONE cannot be combined with another disability")


def check_relationship_add(history: ChildHistory, rel: Relationship, checks: Checks, *,
                           relative_dob=None) -> None:
    """A family relationship; a child's own child must fit the mother's age (903 rules 620, 621)."""
    child = history.child
    checks.free_text(rel)
    checks.not_before_1900(relative_dob, "relative_date_of_birth", "the relative's date of birth")
    checks.code(rel.kind, Relationship.Kind, "kind", "local", "Relationship")
    checks.require(rel.relative_id != child.pk, "relative", "local", "a child cannot be their own relative")
    checks.require(bool(rel.relative_id or rel.relative_name), "relative_name", "local",
                   "name the relative or link their record")
    if rel.kind == Relationship.Kind.CHILD:
        _own_child_rules(child, relative_dob, "relative_date_of_birth", checks)


def _own_child_rules(child: Child, own_child_dob, field: str, checks: Checks) -> None:
    """The child is a parent: the 903 MOTHER and MC_DOB items (rules 174, 620, 621)."""
    checks.require(child.sex in ("F", "M"), "kind", "903 174", "a parent's sex must be recorded")
    if own_child_dob and child.date_of_birth:
        checks.require(own_child_dob > child.date_of_birth, field, "903 621",
                       "a mother cannot be younger than her child")
        if child.sex == "F":
            checks.require(own_child_dob >= child.date_of_birth + relativedelta(years=11),
                           field, "903 620",
                           "the mother would be under 11 years old at the child's birth")


def check_visit_record(history: ChildHistory, visit: Visit, checks: Checks) -> None:
    """A visit happened on a real day in the child's life, and 'seen alone' implies 'seen'."""
    child = history.child
    checks.free_text(visit)
    checks.require(visit.visit_date <= today(), "visit_date", "local",
                   "a visit cannot be recorded in the future")
    checks.not_before_1900(visit.visit_date, "visit_date", "the visit")
    if child.date_of_birth:
        checks.require(visit.visit_date >= child.date_of_birth, "visit_date", "local",
                       "a visit cannot be before the child's birth")
    if child.date_of_death:
        checks.require(visit.visit_date <= child.date_of_death, "visit_date", "local",
                       "a visit cannot be after the child's death")
    checks.require(visit.seen or not visit.seen_alone, "seen_alone", "local",
                   "a child seen alone must have been seen")


# --- the people around the child (issue 16) ----------------------------------------------------

#: A parent is at least this many years older than the child: younger is a typing slip (a date of
#: birth in the wrong century, the child's and the parent's swapped), not a fact to store.
PARENT_MIN_YEARS_OLDER = 12
#: A correction says why, in words a reader of the record (or a court) can follow.
REASON_MIN_CHARS = 10
#: A UK postcode (BS 7666): outward code, a space, inward code; GIR 0AA is the one exception.
UK_POSTCODE = re.compile(r"(GIR 0AA|[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2})")
#: An email address as a person types one: something@somewhere.tld, no spaces.
EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
#: A phone number: digits, spaces, brackets, hyphens, an optional leading "+"; 7 to 15 digits
#: (ITU E.164 allows 15; UK numbers have 10 or 11).
PHONE = re.compile(r"\+?[0-9 ()-]+")
PARENT_KINDS = frozenset({Relationship.Kind.MOTHER, Relationship.Kind.FATHER})


def normal_postcode(value: str) -> str:
    """A postcode as typed ("sw1a1aa", " SW1A  1AA") in its one stored form ("SW1A 1AA")."""
    compact = "".join((value or "").split()).upper()
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def _contact(obj, checks: Checks) -> None:
    """Email and phone, where given, have the shape of an email address and a phone number."""
    email = getattr(obj, "email", "")
    if email:
        checks.require(EMAIL.fullmatch(email) is not None, "email", "local",
                       "enter an email address in the form name@example.com")
    phone = getattr(obj, "phone", "")
    if phone:
        digits = sum(ch.isdigit() for ch in phone)
        checks.require(PHONE.fullmatch(phone) is not None and 7 <= digits <= 15, "phone", "local",
                       "enter a phone number of 7 to 15 digits (spaces, brackets, '-' and a leading "
                       "'+' allowed)")


def _postcode(value: str, checks: Checks) -> None:
    if value:
        checks.require(UK_POSTCODE.fullmatch(value) is not None, "postcode", "local",
                       f"{value[:12]!r} is not a UK postcode (for example SW1A 1AA)")


def _reason(reason: str, checks: Checks) -> None:
    checks.require(len((reason or "").strip()) >= REASON_MIN_CHARS, "reason", "local",
                   f"give the reason in at least {REASON_MIN_CHARS} characters")


def check_person(history: ChildHistory, person: Person, checks: Checks, *, reason: str | None = None
                 ) -> None:
    """A person's details as added or corrected: names, dates and contact details; a correction
    (`reason` given) says why."""
    checks.require(bool(person.first_name.strip() and person.last_name.strip()), "last_name", "local",
                   "first and last names are required (write 'Unknown' if a name is not known)")
    if person.date_of_birth:
        checks.require(person.date_of_birth <= today(), "date_of_birth", "local",
                       "date of birth cannot be in the future")
        checks.not_before_1900(person.date_of_birth, "date_of_birth", "date of birth")
    if person.date_of_death:
        checks.not_future(person.date_of_death, "date_of_death", "local", "date of death")
        checks.require(not person.date_of_birth or person.date_of_death >= person.date_of_birth,
                       "date_of_death", "local", "date of death cannot be before date of birth")
    checks.code(person.sex, codes.Sex, "sex", "local", "Sex", required=False)
    _contact(person, checks)
    if reason is not None:
        _reason(reason, checks)


def check_person_link(history: ChildHistory, rel: Relationship, checks: Checks, *, person: Person
                      ) -> None:
    """How a person is related to the child: a known kind, a person of the child's council, not
    linked twice in the same way, and a parent old enough to be one."""
    child = history.child
    checks.code(rel.kind, Relationship.Kind, "kind", "local", "Relationship")
    checks.require(person.local_authority_id == child.local_authority_id, "person_id", "local",
                   "that person is not on this council's record")
    checks.require(not person.recorded_in_error, "person_id", "local",
                   "that person was recorded in error")
    if person.pk is not None:
        twice = [r for r in history.relationships if r.person_id == person.pk and r.kind == rel.kind
                 and not r.recorded_in_error and r is not rel]
        checks.require(not twice, "kind", "local",
                       f"{person} is already recorded as this child's {rel.get_kind_display().lower()}")
    born = child.date_of_birth or child.expected_date_of_birth
    if rel.kind in PARENT_KINDS and person.date_of_birth and born:
        checks.require(person.date_of_birth + relativedelta(years=PARENT_MIN_YEARS_OLDER) <= born,
                       "date_of_birth", "local",
                       f"a {rel.get_kind_display().lower()} must be at least {PARENT_MIN_YEARS_OLDER} "
                       "years older than the child (check both dates of birth)")
    if rel.kind == Relationship.Kind.CHILD:
        _own_child_rules(child, person.date_of_birth, "date_of_birth", checks)


def check_address(history: ChildHistory, address: Address, checks: Checks, *,
                  current: Address | None = None) -> None:
    """An address someone moved to: a first line, a UK postcode, a start date that has come and
    comes after the address they are moving from began."""
    checks.require(bool(address.line_1.strip()), "line_1", "local", "address line 1 is required")
    _postcode(address.postcode, checks)
    checks.require(address.from_date is not None, "from_date", "local",
                   "say from when they lived there")
    checks.not_future(address.from_date, "from_date", "local", "the date they moved in")
    if current is not None and address.from_date and current.from_date:
        checks.require(address.from_date > current.from_date, "from_date", "local",
                       f"the move must be after they moved to {current} ({current.from_date:%d/%m/%Y})")


def check_household(history: ChildHistory, household: Household, checks: Checks, *,
                    from_date, current: HouseholdMember | None = None,
                    members: list[Person | Child] = ()) -> None:
    """A household the child lives in from `from_date`: an address, a start that has come and
    follows the child's current household, members of the child's council."""
    checks.require(bool(household.line_1.strip()), "line_1", "local", "address line 1 is required")
    _postcode(household.postcode, checks)
    checks.require(from_date is not None, "from_date", "local", "say from when they lived together")
    checks.not_future(from_date, "from_date", "local", "the date they started living together")
    if current is not None and from_date and current.from_date:
        checks.require(from_date > current.from_date, "from_date", "local",
                       f"the child has lived in their current household since "
                       f"{current.from_date:%d/%m/%Y}: the new one must start later")
    child = history.child
    for member in members:
        checks.require(member.local_authority_id == child.local_authority_id, "members", "local",
                       "every member must be on this council's record")


def check_organisation(history: ChildHistory, org: Organisation, checks: Checks) -> None:
    """An agency a professional works for: a known kind and a name."""
    checks.code(org.kind, Organisation.Kind, "organisation_kind", "local", "Organisation type")
    checks.require(bool(org.name.strip()), "organisation_name", "local",
                   "name the organisation (the surgery, the school, the police force)")
    _contact(org, checks)


def check_professional(history: ChildHistory, pro: Professional, checks: Checks) -> None:
    """A professional in the child's network: who, in what role, from and to when."""
    checks.require(bool(pro.name.strip()), "name", "local", "the professional's name is required")
    checks.require(bool(pro.role.strip()), "role", "local",
                   "their role is required (for example class teacher, health visitor)")
    _contact(pro, checks)
    checks.not_future(pro.start_date, "start_date", "local", "the date they started")
    checks.not_future(pro.end_date, "end_date", "local", "the date they stopped")
    if pro.start_date and pro.end_date:
        checks.require(pro.end_date >= pro.start_date, "end_date", "local",
                       "the end date cannot be before the start date")
    checks.require(not pro.recorded_in_error, "recorded_in_error", "local",
                   "this professional was recorded in error")


def check_mark_in_error(history: ChildHistory, record, checks: Checks, *, by, was) -> None:
    """Corrections, never deletions: the author or a team manager marks an entry recorded in
    error, with a reason; an entry is marked once."""
    checks.require(not was.recorded_in_error, "recorded_in_error", "local",
                   "this entry is already marked recorded in error")
    checks.require(getattr(by, "pk", None) is not None and (
        was.recorded_by_id == by.pk or getattr(by, "role", "") == "team_manager"),
        "recorded_in_error", "local",
        "only the person who recorded it or a team manager may mark it recorded in error")
    _reason(record.error_reason, checks)


def check_warning(history: ChildHistory, warning, checks: Checks) -> None:
    """A warning everyone opening the record sees: what kind, what to know, from when (and to when)."""
    checks.code(warning.kind, ChildWarning.Kind, "kind", "local", "Kind of warning")
    checks.require(bool(warning.detail.strip()), "detail", "local",
                   "say what a colleague opening the record needs to know")
    if checks.require(warning.start_date is not None, "start_date", "local", "give the date it applies from"):
        checks.not_future(warning.start_date, "start_date", "local", "the date it applies from")
        checks.require(warning.end_date is None or warning.end_date >= warning.start_date, "end_date",
                       "local", "a warning cannot end before it starts")
