"""A child's whole record held in memory, so that validation at entry and the clocks read one
snapshot instead of querying table by table.

A `record.change.Change` opens it (`ChildHistory.open`, locking the child; each list is read when
first used, so a save reads only the lists its checks and the clocks need) before it checks a save;
the importers and the synthetic council generator build it up in memory through the same `Change`
and checks before the bulk writer saves it. Checks must only read these lists (never query), so
every path applies identical rules.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import F

from safeguard.core.errors import EditConflict

# attribute name -> (model label, how rows are found for one child)
_SOURCES: dict[str, tuple[str, str]] = {
    "contacts": ("front_door.Contact", "child"),
    "referrals": ("front_door.Referral", "child"),
    "early_help": ("front_door.EarlyHelpEpisode", "child"),
    "private_fostering": ("front_door.PrivateFosteringArrangement", "child"),
    "assessments": ("assessment.Assessment", "referral__child"),
    "factors": ("assessment.AssessmentFactorIdentified", "assessment__referral__child"),
    "cin_plans": ("assessment.CINPlan", "referral__child"),
    "strategy_discussions": ("child_protection.StrategyDiscussion", "referral__child"),
    "section47s": ("child_protection.Section47Enquiry", "referral__child"),
    "conferences": ("child_protection.Conference", "referral__child"),
    "cp_plans": ("child_protection.ChildProtectionPlan", "referral__child"),
    "core_groups": ("child_protection.CoreGroupMeeting", "cp_plan__referral__child"),
    "pre_proceedings": ("child_protection.PreProceedings", "referral__child"),
    "emergency_orders": ("child_protection.EmergencyOrder", "child"),
    "periods": ("looked_after.PeriodOfCare", "child"),
    "episodes": ("looked_after.Episode", "period_of_care__child"),
    "la_reviews": ("looked_after.LookedAfterReview", "period_of_care__child"),
    "health_assessments": ("looked_after.HealthAssessment", "child"),
    "annual_outcomes": ("looked_after.AnnualHealthOutcomes", "child"),
    "missing": ("looked_after.MissingEpisode", "child"),
    "adoptions": ("looked_after.AdoptionJourney", "child"),
    "previous_permanence": ("looked_after.PreviousPermanenceRecord", "child"),
    "dolos": ("looked_after.DeprivationOfLiberty", "child"),
    "care_leaver_contacts": ("looked_after.CareLeaverContact", "child"),
    "care_leaver_status": ("looked_after.CareLeaverStatus", "child"),
    "peps": ("looked_after.PersonalEducationPlan", "child"),
    "permanence_plans": ("looked_after.PermanencePlan", "child"),
    "visits": ("people.Visit", "child"),
    "relationships": ("people.Relationship", "child"),
    "disabilities": ("people.ChildDisability", "child"),
    "allocations": ("workforce.Allocation", "child"),
}
_BY_LABEL = {label: name for name, (label, _) in _SOURCES.items()}
_BY_MODEL: dict[type, str] = {}


@dataclass
class ChildHistory:
    """Every record of one child, as lists of model instances in the order they happened."""

    child: Any
    contacts: list = field(default_factory=list)
    referrals: list = field(default_factory=list)
    early_help: list = field(default_factory=list)
    private_fostering: list = field(default_factory=list)
    assessments: list = field(default_factory=list)
    factors: list = field(default_factory=list)
    cin_plans: list = field(default_factory=list)
    strategy_discussions: list = field(default_factory=list)
    section47s: list = field(default_factory=list)
    conferences: list = field(default_factory=list)
    cp_plans: list = field(default_factory=list)
    core_groups: list = field(default_factory=list)
    pre_proceedings: list = field(default_factory=list)
    emergency_orders: list = field(default_factory=list)
    periods: list = field(default_factory=list)
    episodes: list = field(default_factory=list)
    la_reviews: list = field(default_factory=list)
    health_assessments: list = field(default_factory=list)
    annual_outcomes: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    adoptions: list = field(default_factory=list)
    previous_permanence: list = field(default_factory=list)
    dolos: list = field(default_factory=list)
    care_leaver_contacts: list = field(default_factory=list)
    care_leaver_status: list = field(default_factory=list)
    peps: list = field(default_factory=list)
    permanence_plans: list = field(default_factory=list)
    visits: list = field(default_factory=list)
    relationships: list = field(default_factory=list)
    disabilities: list = field(default_factory=list)
    allocations: list = field(default_factory=list)

    @classmethod
    def load(cls, child_id: int, *, lock: bool = True) -> ChildHistory:
        """Read the child's whole record; with `lock`, hold the child's row for this transaction
        so that two saves about one child are checked one after the other."""
        history = cls.open(child_id, lock=lock)
        history.read(_SOURCES)
        return history

    @classmethod
    def load_many(cls, child_ids: Iterable[int], *, lock: bool = True) -> dict[int, ChildHistory]:
        """The whole records of many children, by child id, in one query a list of the record
        rather than one per child and list: an import merging thousands of children into the
        record reads them so (`load`, one child at a time, is the same for each)."""
        Child = apps.get_model("people.Child")
        ids = sorted(set(child_ids))
        rows = Child.objects.select_for_update() if lock else Child.objects
        out: dict[int, ChildHistory] = {}
        for child in rows.filter(pk__in=ids).order_by("pk"):
            history = out[child.pk] = cls.__new__(cls)
            history.child = child
            history.__dict__.update({name: [] for name in _SOURCES})
        for name, (label, path) in _SOURCES.items():
            qs = apps.get_model(label).objects.filter(**{f"{path}__in": ids}).order_by("pk")
            if path == "child":
                for item in qs:
                    out[item.child_id].__dict__[name].append(item)
                continue
            for item in qs.annotate(history_child_id=F(path)):
                out[item.__dict__.pop("history_child_id")].__dict__[name].append(item)
        return out

    @classmethod
    def open(cls, child_id: int, *, lock: bool = True) -> ChildHistory:
        """The child (locked with `lock`), each list of the record read from the database when
        first used: a save reads only what its checks and clocks need (the child's row is locked
        before any list is read, so every list read later in the transaction is as it was when
        the change began: no other save of this child can run in between)."""
        Child = apps.get_model("people.Child")
        rows = Child.objects.select_for_update() if lock else Child.objects
        history = cls.__new__(cls)  # no list set: `__getattr__` reads each when first asked for
        history.child = rows.get(pk=child_id)
        return history

    @classmethod
    def load_for(cls, model, pk: int, *, lock: bool = True, lazy: bool = False) -> ChildHistory:
        """Load the history of the child a record belongs to (e.g. the child of assessment 7)."""
        path = _SOURCES[_BY_LABEL[model._meta.label]][1]
        child_id = model.objects.filter(pk=pk).values_list(f"{path}_id", flat=True).first()
        if child_id is None:
            raise model.DoesNotExist(f"{model._meta.verbose_name} {pk} does not exist")
        return cls.open(child_id, lock=lock) if lazy else cls.load(child_id, lock=lock)

    def __getattr__(self, name: str) -> list:
        """A list of the record not read yet (a history from `open`): read it now, once."""
        source = _SOURCES.get(name)
        child = self.__dict__.get("child")
        if source is None or child is None:
            raise AttributeError(name)
        label, path = source
        items = list(apps.get_model(label).objects.filter(**{path: child.pk}).order_by("pk"))
        self.__dict__[name] = items
        return items

    def read(self, names: Iterable[str]) -> None:
        """Read these lists now if they have not been (before a save changes what they hold)."""
        for name in names:
            getattr(self, name)

    def unread(self) -> list[str]:
        """The lists of the record this history has not read from the database."""
        return [name for name in _SOURCES if name not in self.__dict__]

    def for_edit(self, name: str, pk: int, expected_version: int | None):
        """The held record to change; refuse if someone saved it since the user opened it.
        The child's row is locked by `load`, so no one can save it between this check and ours."""
        obj = next((x for x in getattr(self, name) if x.pk == pk), None)
        if obj is None:
            label, _ = _SOURCES[name]
            raise LookupError(f"{label} {pk} is not on this child's record")
        if expected_version is not None and obj.version != expected_version:
            raise EditConflict(obj, expected_version)
        return obj

    def add(self, obj) -> Any:
        """Hold a newly saved (or generated) record, so later checks see it."""
        self._list_for(obj).append(obj)
        return obj

    def replace(self, obj) -> Any:
        """Swap in the changed version of a record already held (matched by primary key)."""
        items = self._list_for(obj)
        for i, item in enumerate(items):
            if item.pk == obj.pk:
                items[i] = obj
                return obj
        items.append(obj)
        return obj

    @staticmethod
    def holds(obj) -> bool:
        """Whether records of this kind are held (case notes and documents are the child's but
        are not: no check or clock reads them)."""
        return type(obj) in _BY_MODEL or obj._meta.label in _BY_LABEL

    def _list_for(self, obj) -> list:
        name = _BY_MODEL.get(type(obj))
        if name is None:  # a model's label is a formatted string: look it up once per model
            name = _BY_MODEL[type(obj)] = _BY_LABEL[obj._meta.label]
        return getattr(self, name)

    def on_file(self, obj) -> Any:
        """The version of a record as the history holds it (before a change being checked)."""
        return held(self._list_for(obj), obj.pk)

    # --- look-ups the checks share -------------------------------------------------------------

    @staticmethod
    def of(items: Iterable, **links) -> list:
        """Items whose foreign-key ids equal the given values, e.g. `of(h.assessments, referral_id=3)`."""
        return [x for x in items if all(getattr(x, k) == v for k, v in links.items())]

    def referral(self, referral_id: int):
        return next(r for r in self.referrals if r.pk == referral_id)

    def period(self, period_id: int):
        return next(p for p in self.periods if p.pk == period_id)

    def disability_codes(self) -> list[str]:
        return [d.code for d in self.disabilities]


def held(items: Iterable, pk) -> Any:
    """The record with this primary key among those held, or None."""
    return next((x for x in items if x.pk is not None and x.pk == pk), None)


def edited(obj, **changes) -> Any:
    """A copy of a held record with changes applied: the candidate a change is checked as, while
    the history keeps the record as it was (some rules compare before and after)."""
    candidate = copy.copy(obj)
    for name, value in changes.items():
        setattr(candidate, name, value)
    return candidate
