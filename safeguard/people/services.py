"""Recording a child's identity, family and visits. Every function validates (people/checks.py),
saves, refreshes the clocks and audits in one transaction; a refused save changes nothing."""

from __future__ import annotations

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from safeguard.audit.services import audit_record
from safeguard.core.errors import Checks, EditConflict
from safeguard.timescales.services import refresh_clocks

from .checks import check_child, check_relationship_add, check_visit_record
from .history import ChildHistory
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
    check_child(child, disabilities, checks)
    _check_la_child_id_free(child, checks)
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
    history = ChildHistory.load(child_id)
    child = history.child
    if expected_version is not None and child.version != expected_version:
        raise EditConflict(child, expected_version)
    before = {k: str(getattr(child, k)) for k in changes}
    for k, v in changes.items():
        setattr(child, k, v)
    checks = Checks()
    check_child(child, disabilities, checks)
    _check_la_child_id_free(child, checks)
    checks.raise_if_any()
    child.save()
    if disabilities is not None:
        _set_disabilities(child, disabilities)
    refresh_clocks(child, history)
    audit_record(actor=by, action="update", obj=child,
                 detail={"changed": sorted(k for k in changes if before[k] != str(changes[k]))})
    return child


@transaction.atomic
def relationship_add(*, by, child_id: int, kind: str, relative_id: int | None = None,
                     relative_name: str = "", relative_date_of_birth=None) -> Relationship:
    """Record a family relationship. A child's own child gives the 903 MOTHER and MC_DOB items."""
    history = ChildHistory.load(child_id)
    rel = Relationship(child=history.child, kind=kind, relative_id=relative_id,
                       relative_name=relative_name, relative_date_of_birth=relative_date_of_birth,
                       recorded_by=by)
    dob = relative_date_of_birth
    if dob is None and relative_id:
        dob = Child.objects.filter(pk=relative_id).values_list("date_of_birth", flat=True).first()
    checks = Checks()
    check_relationship_add(history, rel, dob, checks)
    checks.raise_if_any()
    rel.save()
    history.add(rel)
    audit_record(actor=by, action="create", obj=rel)
    return rel


@transaction.atomic
def visit_record(*, by, child_id: int, visit_date, seen: bool = True, seen_alone: bool = False,
                 bedroom_seen: bool | None = None, by_iro: bool = False, notes: str = "") -> Visit:
    """Record a visit to the child. It stops whichever visit clock (CIN, CP, looked after) runs."""
    history = ChildHistory.load(child_id)
    visit = Visit(child=history.child, visit_date=visit_date, seen=seen, seen_alone=seen_alone,
                  bedroom_seen=bedroom_seen, by_iro=by_iro, notes=notes, recorded_by=by)
    checks = Checks()
    check_visit_record(history, visit, checks)
    checks.raise_if_any()
    visit.save()
    history.add(visit)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="create", obj=visit)
    return visit


@transaction.atomic
def child_restrict(*, by, child_id: int, restricted: bool, reason: str = "") -> Child:
    """Mark a record restricted (a staff member's own family, an adoption) or lift it. A team
    manager decides, with a reason; from then on only explicit grants or break-glass open it."""
    history = ChildHistory.load(child_id)
    child = history.child
    checks = Checks()
    checks.require(getattr(by, "role", "") == "team_manager", "is_restricted", "local",
                   "only a team manager may restrict or lift a restriction")
    reason = (reason or "").strip()
    checks.require(not restricted or len(reason) >= 10, "restriction_reason", "local",
                   "give the reason for the restriction in at least 10 characters")
    checks.raise_if_any()
    before = child.is_restricted
    child.is_restricted, child.restriction_reason = restricted, reason[:200] if restricted else ""
    child.save()
    audit_record(actor=by, action="update", obj=child, reason=reason,
                 detail={"is_restricted": [before, restricted]})
    return child
