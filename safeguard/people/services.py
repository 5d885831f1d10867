"""Recording a child's identity, family and visits, each as one `Change` to the child's record
(record/change.py): checked, saved, audited and the clocks refreshed in one transaction; a refused
save changes nothing."""

from __future__ import annotations

from django.db import transaction

from safeguard.core.errors import Checks, EditConflict
from safeguard.record.change import Change
from safeguard.record.history import ChildHistory

from .checks import check_child, check_relationship_add, check_visit_record
from .models import Child, ChildDisability, Relationship, Visit

_CHILD_FIELDS = (
    "la_child_id", "upn", "former_upn", "upn_unknown", "nhs_number", "first_name", "last_name",
    "date_of_birth", "expected_date_of_birth", "date_of_death", "sex", "ethnicity",
    "home_postcode", "uasc", "uasc_ceased_date",
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
