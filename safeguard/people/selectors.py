"""Reading the people around a child: the family network, the professionals, the household and
the addresses, in a fixed number of queries whatever the number of people (the child's page shows
them all at once). The caller has already opened the child through `access.policy`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from safeguard.core.errors import today

from .models import (
    Address,
    Child,
    ChildWarning,
    Household,
    HouseholdMember,
    Person,
    Professional,
    Relationship,
)

#: How many people `persons_matching` offers: enough to pick from, few enough to read.
MATCH_LIMIT = 20


@dataclass(frozen=True)
class FamilyMember:
    """One relationship of the child: a person, another child on the record, or someone only
    named; and where they live now (None if not known)."""

    relationship: Relationship
    person: Person | None
    relative: Child | None
    address: Address | None

    @property
    def name(self) -> str:
        who = self.person or self.relative
        return f"{who.first_name} {who.last_name}" if who is not None else self.relationship.relative_name

    @property
    def kind(self) -> str:
        return self.relationship.get_kind_display()

    @property
    def date_of_birth(self) -> dt.date | None:
        who = self.person or self.relative
        return who.date_of_birth if who is not None else self.relationship.relative_date_of_birth


@dataclass
class Network:
    """Everything the child's page, the genogram and the ecomap draw about the people around
    the child. Relationships and professionals recorded in error are left out."""

    child: Child
    family: list[FamilyMember] = field(default_factory=list)
    professionals: list[Professional] = field(default_factory=list)  # current first, then past
    household: Household | None = None
    household_members: list[HouseholdMember] = field(default_factory=list)  # the child's too
    address: Address | None = None  # the child's current address
    on: dt.date | None = None  # the day "current" was judged on

    @property
    def relationships(self) -> list[Relationship]:
        return [m.relationship for m in self.family]

    @property
    def current_professionals(self) -> list[Professional]:
        return [p for p in self.professionals if is_current(p.start_date, p.end_date, self.on)]

    @property
    def past_professionals(self) -> list[Professional]:
        return [p for p in self.professionals if not is_current(p.start_date, p.end_date, self.on)]


def is_current(from_date: dt.date | None, to_date: dt.date | None, on: dt.date | None = None) -> bool:
    """Whether something dated from and to is in force on a day (today by default); an unknown
    start counts as long ago, an unknown end as not yet."""
    on = on or today()
    return (from_date is None or from_date <= on) and (to_date is None or to_date >= on)


def current_address(addresses, on: dt.date | None = None) -> Address | None:
    """The address in force on the day: of those, the one moved into last."""
    live = [a for a in addresses if is_current(a.from_date, a.to_date, on)]
    return max(live, key=lambda a: (a.from_date or dt.date.min, a.pk or 0), default=None)


def network(child: Child) -> Network:
    """The child's family network, professionals, household and address in at most seven queries
    whatever their number: relationships (with each person or relative child, and their
    addresses: two prefetches), professionals (with organisations), the child's household
    membership (with its members: one prefetch) and the child's addresses."""
    on = today()
    may_be_current = Q(to_date__isnull=True) | Q(to_date__gte=on)
    live_addresses = Address.objects.filter(may_be_current).order_by("from_date", "pk")
    rels = list(
        Relationship.objects.filter(child=child, recorded_in_error=False)
        .select_related("person", "relative")
        .prefetch_related(Prefetch("person__addresses", queryset=live_addresses, to_attr="live"),
                          Prefetch("relative__addresses", queryset=live_addresses, to_attr="live"))
        .order_by("pk")
    )
    family = []
    for rel in sorted(rels, key=lambda r: (KIND_ORDER.get(r.kind, 99), r.pk)):
        who = rel.person or rel.relative
        address = current_address(getattr(who, "live", ()), on) if who is not None else None
        family.append(FamilyMember(rel, rel.person, rel.relative, address))
    pros = list(Professional.objects.filter(child=child, recorded_in_error=False)
                .select_related("organisation").order_by("start_date", "pk"))
    pros.sort(key=lambda p: not is_current(p.start_date, p.end_date, on))  # stable: current first
    address, household, members = home(child, on)
    return Network(child=child, family=family, professionals=pros, household=household,
                   household_members=members, address=address, on=on)


def home(child: Child, on: dt.date | None = None) -> tuple[Address | None, Household | None, list]:
    """Where the child lives and with whom, in three queries: the child's addresses, the household
    membership in force with its members (one prefetch)."""
    on = on or today()
    may_be_current = Q(to_date__isnull=True) | Q(to_date__gte=on)
    membership = (HouseholdMember.objects.filter(child=child).filter(may_be_current)
                  .filter(Q(from_date__isnull=True) | Q(from_date__lte=on))
                  .select_related("household")
                  .prefetch_related(Prefetch(
                      "household__members",
                      queryset=HouseholdMember.objects.filter(may_be_current)
                      .select_related("person", "child").order_by("pk"),
                      to_attr="live"))
                  .order_by("-from_date", "-pk").first())
    household = membership.household if membership is not None else None
    own = list(Address.objects.filter(child=child).filter(may_be_current))
    return current_address(own, on), household, list(household.live) if household is not None else []


#: The order the family is listed in: parents first, then the child's generation, then the rest.
KIND_ORDER = {kind: i for i, kind in enumerate([
    Relationship.Kind.MOTHER, Relationship.Kind.FATHER, Relationship.Kind.STEP_PARENT,
    Relationship.Kind.PARTNER_OF_PARENT, Relationship.Kind.SIBLING, Relationship.Kind.HALF_SIBLING,
    Relationship.Kind.CHILD, Relationship.Kind.GRANDPARENT, Relationship.Kind.AUNT_OR_UNCLE,
    Relationship.Kind.CARER, Relationship.Kind.HOUSEHOLD_MEMBER, Relationship.Kind.OTHER,
])}


def persons_matching(local_authority, text: str) -> list[Person]:
    """People of the council whose names or aliases contain every word typed (to link someone
    already known, e.g. the mother of a sibling, rather than add them twice); up to 20."""
    words = (text or "").split()[:5]
    if not words:
        return []
    rows = Person.objects.filter(local_authority=local_authority, recorded_in_error=False)
    for word in words:
        rows = rows.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                           | Q(aliases__icontains=word))
    return list(rows.order_by("last_name", "first_name", "pk")[:MATCH_LIMIT])


def siblings_on_record(child: Child) -> list[Child]:
    """The child's brothers and sisters who are children on the record (a visit to a sibling group
    is one case note, shown in each child's record), in one query."""
    kinds = (Relationship.Kind.SIBLING, Relationship.Kind.HALF_SIBLING)
    ids = Relationship.objects.filter(child=child, kind__in=kinds, relative__isnull=False,
                                      recorded_in_error=False).values("relative_id")
    return list(Child.objects.filter(pk__in=ids).order_by("date_of_birth", "pk"))


def warnings_of(child: Child) -> list[ChildWarning]:
    """The warnings in force today, for the top of the child's record, in one query."""
    day = today()
    return list(ChildWarning.objects.filter(child=child, recorded_in_error=False, start_date__lte=day)
                .exclude(end_date__lt=day).order_by("start_date", "pk"))


def person_of_child(child: Child, person_id: int) -> Person:
    """A person linked to this child (the page it is asked from names the child, whose record the
    access policy has opened), or LookupError."""
    person = Person.objects.filter(pk=person_id, relationships__child=child).first()
    if person is None:
        raise LookupError(f"person {person_id} is not linked to this child")
    return person
