"""Recording a child's identity, family and visits. Every function validates, saves, refreshes
the clocks and audits in one transaction; a refused save changes nothing."""

from __future__ import annotations

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from safeguard.audit.services import audit_record
from safeguard.core import codes
from safeguard.core.errors import Checks, today
from safeguard.core.records import lock_for_edit
from safeguard.timescales.services import refresh_clocks

from .identifiers import nhs_number_problem, upn_problem
from .models import Child, ChildDisability, Relationship, Visit

_CHILD_FIELDS = (
    "la_child_id", "upn", "former_upn", "upn_unknown", "nhs_number", "first_name", "last_name",
    "date_of_birth", "expected_date_of_birth", "date_of_death", "sex", "ethnicity",
    "home_postcode", "uasc", "uasc_ceased_date",
)


def _check_child(child: Child, disabilities: list[str] | None, checks: Checks) -> None:
    now = today()
    checks.require(bool(child.la_child_id), "la_child_id", "CIN 8500", "LA child ID is required")
    checks.require(bool(child.first_name and child.last_name), "last_name", "local",
                   "first and last names are required")
    checks.require(
        child.date_of_birth is not None or child.expected_date_of_birth is not None,
        "date_of_birth", "CIN 8525", "either a date of birth or an expected date of birth is needed",
    )
    if child.date_of_birth:
        checks.require(child.date_of_birth <= now, "date_of_birth", "903 301",
                       "date of birth cannot be in the future")
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
            from dateutil.relativedelta import relativedelta

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
    if child.la_child_id and child.local_authority_id:
        clash = Child.objects.filter(
            local_authority_id=child.local_authority_id, la_child_id=child.la_child_id
        ).exclude(pk=child.pk)
        checks.require(not clash.exists(), "la_child_id", "CIN 8510",
                       f"LA child ID {child.la_child_id} is already used for another child")


def _set_disabilities(child: Child, disabilities: list[str]) -> None:
    child.disabilities.exclude(code__in=disabilities).delete()
    existing = set(child.disabilities.values_list("code", flat=True))
    bulk_create_with_history(
        [ChildDisability(child=child, code=c) for c in disabilities if c not in existing],
        ChildDisability,
    )


@transaction.atomic
def child_register(*, by, local_authority, disabilities: list[str] | None = None, **fields) -> Child:
    """Add a child to the record (at first contact, or before birth)."""
    unknown = set(fields) - set(_CHILD_FIELDS)
    if unknown:
        raise TypeError(f"unknown child fields: {sorted(unknown)}")
    child = Child(local_authority=local_authority, recorded_by=by, **fields)
    checks = Checks()
    _check_child(child, disabilities, checks)
    checks.raise_if_any()
    child.save()
    if disabilities:
        _set_disabilities(child, disabilities)
    audit_record(actor=by, action="create", obj=child)
    return child


@transaction.atomic
def child_update(*, by, child_id: int, expected_version: int | None,
                 disabilities: list[str] | None = None, **changes) -> Child:
    """Correct or complete a child's details (e.g. record the birth of an unborn child)."""
    unknown = set(changes) - set(_CHILD_FIELDS)
    if unknown:
        raise TypeError(f"unknown child fields: {sorted(unknown)}")
    child = lock_for_edit(Child, child_id, expected_version)
    before = {k: str(getattr(child, k)) for k in changes}
    for k, v in changes.items():
        setattr(child, k, v)
    checks = Checks()
    _check_child(child, disabilities, checks)
    checks.raise_if_any()
    child.save()
    if disabilities is not None:
        _set_disabilities(child, disabilities)
    refresh_clocks(child)
    audit_record(actor=by, action="update", obj=child,
                 detail={"changed": sorted(k for k in changes if before[k] != str(changes[k]))})
    return child


@transaction.atomic
def relationship_add(*, by, child_id: int, kind: str, relative_id: int | None = None,
                     relative_name: str = "", relative_date_of_birth=None) -> Relationship:
    """Record a family relationship. A child's own child gives the 903 MOTHER and MC_DOB items."""
    child = Child.objects.get(pk=child_id)
    checks = Checks()
    checks.code(kind, Relationship.Kind, "kind", "local", "Relationship")
    checks.require(relative_id != child_id, "relative", "local", "a child cannot be their own relative")
    checks.require(bool(relative_id or relative_name), "relative_name", "local",
                   "name the relative or link their record")
    if kind == Relationship.Kind.CHILD:
        checks.require(child.sex == "F" or child.sex == "M", "kind", "903 174",
                       "a parent's sex must be recorded")
        dob = relative_date_of_birth
        if dob is None and relative_id:
            dob = Child.objects.get(pk=relative_id).date_of_birth
        if dob and child.date_of_birth:
            from dateutil.relativedelta import relativedelta

            checks.require(dob > child.date_of_birth, "relative_date_of_birth", "903 621",
                           "a mother cannot be younger than her child")
            if child.sex == "F":
                checks.require(dob >= child.date_of_birth + relativedelta(years=11),
                               "relative_date_of_birth", "903 620",
                               "the mother would be under 11 years old at the child's birth")
    checks.raise_if_any()
    rel = Relationship.objects.create(
        child=child, kind=kind, relative_id=relative_id, relative_name=relative_name,
        relative_date_of_birth=relative_date_of_birth, recorded_by=by,
    )
    audit_record(actor=by, action="create", obj=rel)
    return rel


@transaction.atomic
def visit_record(*, by, child_id: int, visit_date, seen: bool = True, seen_alone: bool = False,
                 bedroom_seen: bool | None = None, by_iro: bool = False, notes: str = "") -> Visit:
    """Record a visit to the child. It stops whichever visit clock (CIN, CP, looked after) runs."""
    child = Child.objects.get(pk=child_id)
    checks = Checks()
    checks.require(visit_date <= today(), "visit_date", "local",
                   "a visit cannot be recorded in the future")
    if child.date_of_birth:
        checks.require(visit_date >= child.date_of_birth, "visit_date", "local",
                       "a visit cannot be before the child's birth")
    checks.require(seen or not seen_alone, "seen_alone", "local",
                   "a child seen alone must have been seen")
    checks.raise_if_any()
    visit = Visit.objects.create(
        child=child, visit_date=visit_date, seen=seen, seen_alone=seen_alone,
        bedroom_seen=bedroom_seen, by_iro=by_iro, notes=notes, recorded_by=by,
    )
    refresh_clocks(child)
    audit_record(actor=by, action="create", obj=visit)
    return visit
