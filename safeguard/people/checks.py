"""Validation at entry for a child's identity, relationships and visits: pure functions over the
child's record in memory (see record/history.py), shared by the services and the generator."""

from __future__ import annotations

import re

from dateutil.relativedelta import relativedelta

from safeguard.core import codes
from safeguard.core.errors import Checks, today
from safeguard.record.history import ChildHistory

from .identifiers import nhs_number_problem, upn_problem
from .models import Child, Relationship, Visit

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
        checks.require(child.sex in ("F", "M"), "kind", "903 174", "a parent's sex must be recorded")
        if relative_dob and child.date_of_birth:
            checks.require(relative_dob > child.date_of_birth, "relative_date_of_birth", "903 621",
                           "a mother cannot be younger than her child")
            if child.sex == "F":
                checks.require(relative_dob >= child.date_of_birth + relativedelta(years=11),
                               "relative_date_of_birth", "903 620",
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
