"""The child and family record: identity, characteristics, relationships, visits."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from safeguard.core import codes
from safeguard.core.models import Recorded


class Child(Recorded):
    """A child known to children's social care (CIN census ChildIdentifiers, 903 Header)."""

    local_authority = models.ForeignKey("workforce.LocalAuthority", on_delete=models.PROTECT)
    la_child_id = models.CharField("LA child ID", max_length=36)  # CIN LAchildID / 903 CHILD
    upn = models.CharField("UPN", max_length=13, blank=True)
    former_upn = models.CharField("former UPN", max_length=13, blank=True)
    upn_unknown = models.CharField(
        "reason UPN unknown", max_length=3, choices=codes.UPNUnknown.choices, blank=True
    )
    nhs_number = models.CharField("NHS number", max_length=10, blank=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)  # PersonBirthDate / DOB
    expected_date_of_birth = models.DateField(null=True, blank=True)  # unborn children
    date_of_death = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=codes.Sex.choices)
    ethnicity = models.CharField(max_length=4, choices=codes.Ethnicity.choices)
    home_postcode = models.CharField(max_length=8, blank=True)
    uasc = models.BooleanField("unaccompanied asylum-seeking child", default=False)
    uasc_ceased_date = models.DateField("date UASC status ceased", null=True, blank=True)  # DUC
    is_restricted = models.BooleanField(default=False)
    restriction_reason = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "children"
        constraints = [
            models.UniqueConstraint("local_authority", "la_child_id", name="la_child_id_unique"),
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=False) | Q(expected_date_of_birth__isnull=False),
                name="child_has_birth_or_expected_date",
            ),
            models.CheckConstraint(
                condition=Q(date_of_death__isnull=True)
                | Q(date_of_birth__isnull=True)
                | Q(date_of_death__gte=models.F("date_of_birth")),
                name="child_death_after_birth",
            ),
            models.CheckConstraint(condition=Q(sex__in=codes.Sex.values), name="child_sex_code"),
            models.CheckConstraint(
                condition=Q(ethnicity__in=codes.Ethnicity.values), name="child_ethnicity_code"
            ),
            models.CheckConstraint(
                condition=Q(uasc_ceased_date__isnull=True) | Q(uasc=True),
                name="child_duc_only_if_uasc",
            ),
        ]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["date_of_birth"]),
            models.Index(fields=["upn"]),
            models.Index(fields=["nhs_number"]),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.la_child_id})"

    @property
    def is_unborn(self) -> bool:
        return self.date_of_birth is None


class ChildDisability(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="disabilities")
    code = models.CharField(max_length=4, choices=codes.Disability.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "child disabilities"
        constraints = [
            models.UniqueConstraint("child", "code", name="disability_once_per_child"),  # 8794
            models.CheckConstraint(
                condition=Q(code__in=codes.Disability.values), name="disability_code"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Relationship(Recorded):
    """A family relationship. `relative` links another child on the record where there is one.

    The 903 MOTHER / MC_DOB items come from a relationship of kind CHILD on a female child.
    """

    class Kind(models.TextChoices):
        MOTHER = "mother", "Mother"
        FATHER = "father", "Father"
        SIBLING = "sibling", "Sibling"
        HALF_SIBLING = "half_sibling", "Half-sibling"
        CHILD = "child", "Own child"
        GRANDPARENT = "grandparent", "Grandparent"
        OTHER = "other", "Other relative or carer"

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="relationships")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    relative = models.ForeignKey(
        Child, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    relative_name = models.CharField(max_length=200, blank=True)
    relative_date_of_birth = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(relative=models.F("child")), name="relationship_not_to_self"
            ),
            models.CheckConstraint(
                condition=Q(relative__isnull=False) | ~Q(relative_name=""),
                name="relationship_names_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.child}"


class Visit(Recorded):
    """A statutory visit to the child. Which clock it stops (CIN, CP, looked after) follows from
    the child's status on the day, so the worker records it once."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="visits")
    visit_date = models.DateField()
    seen = models.BooleanField(default=True)
    seen_alone = models.BooleanField(default=False)
    bedroom_seen = models.BooleanField(null=True, blank=True)
    by_iro = models.BooleanField("visit or contact by the IRO", default=False)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(seen=True) | Q(seen_alone=False), name="seen_alone_implies_seen"
            )
        ]
        indexes = [models.Index(fields=["child", "visit_date"])]

    def __str__(self) -> str:
        return f"Visit to {self.child} on {self.visit_date}"


class PopulationEstimate(models.Model):
    """Children resident in the council by single year of age at mid-year (ONS mid-year estimates
    in production; synthetic for a generated council). Rates per 10,000 for reporting year t use
    mid_year t-1 (INDICATORS.md §0.3 rule 4)."""

    local_authority = models.ForeignKey("workforce.LocalAuthority", on_delete=models.CASCADE)
    mid_year = models.PositiveSmallIntegerField()
    age = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField()
    vintage = models.CharField(max_length=40, default="ONS mid-year estimates")

    class Meta:
        constraints = [
            models.UniqueConstraint("local_authority", "mid_year", "age", name="one_estimate_per_age"),
            models.CheckConstraint(condition=Q(age__lte=17), name="population_children_only"),
        ]

    def __str__(self) -> str:
        return f"{self.local_authority_id} mid-{self.mid_year} age {self.age}: {self.count}"
