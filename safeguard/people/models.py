"""The child and family record: identity, characteristics, relationships, visits."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from safeguard.core import codes
from safeguard.core.models import InError, Recorded


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
    aliases = models.CharField("other names the child is known by", max_length=300, blank=True)
    first_language = models.CharField(max_length=60, blank=True)
    religion = models.CharField(max_length=60, blank=True)
    immigration_status = models.CharField(max_length=100, blank=True)  # e.g. "Refugee status"
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


class ChildWarning(Recorded, InError):
    """A warning shown at the top of the child's record for everyone who opens it: a risk to
    workers visiting, a risk of exploitation, a history of going missing. Ended, never deleted."""

    class Kind(models.TextChoices):
        RISK_TO_WORKERS = "risk_to_workers", "Risk to workers"
        EXPLOITATION = "exploitation", "Risk of exploitation"
        MISSING = "missing", "Goes missing"
        OTHER = "other", "Other"

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="warnings")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    detail = models.CharField(max_length=300)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="warning_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.detail}"


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


class Person(Recorded, InError):
    """Someone in a child's life who is not a child on the record: a parent, a grandparent, a
    parent's partner, a carer. One person is linked to many children (`Relationship.person`)."""

    local_authority = models.ForeignKey("workforce.LocalAuthority", on_delete=models.PROTECT)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    aliases = models.CharField("other names they are known by", max_length=300, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    date_of_death = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=codes.Sex.choices, blank=True)
    gender = models.CharField("gender, as they describe it", max_length=60, blank=True)
    language = models.CharField("first language", max_length=60, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Address(Recorded):
    """Where a person or a child lived, from and to: their address history."""

    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="addresses")
    child = models.ForeignKey(Child, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="addresses")
    line_1 = models.CharField("address line 1", max_length=200)
    line_2 = models.CharField("address line 2", max_length=200, blank=True)
    town = models.CharField("town or city", max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    from_date = models.DateField(null=True, blank=True)
    to_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "addresses"
        constraints = [
            models.CheckConstraint(condition=Q(person__isnull=False) ^ Q(child__isnull=False),
                                   name="address_of_one_person_or_child"),
            models.CheckConstraint(condition=Q(to_date__isnull=True) | Q(from_date__isnull=True)
                                   | Q(to_date__gte=models.F("from_date")),
                                   name="address_to_after_from"),
        ]

    def __str__(self) -> str:
        return ", ".join(x for x in (self.line_1, self.line_2, self.town, self.postcode) if x)


class Household(Recorded):
    """The people who live together at one address: children on the record and persons. A child's
    household is the one they are a member of today (`HouseholdMember` from and to)."""

    local_authority = models.ForeignKey("workforce.LocalAuthority", on_delete=models.PROTECT)
    line_1 = models.CharField("address line 1", max_length=200)
    line_2 = models.CharField("address line 2", max_length=200, blank=True)
    town = models.CharField("town or city", max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return ", ".join(x for x in (self.line_1, self.line_2, self.town, self.postcode) if x)


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    child = models.ForeignKey(Child, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="households")
    person = models.ForeignKey("Person", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="households")
    from_date = models.DateField(null=True, blank=True)
    to_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(person__isnull=False) ^ Q(child__isnull=False),
                                   name="member_is_one_person_or_child"),
        ]

    def __str__(self) -> str:
        return f"{self.child_id or self.person_id} in {self.household_id}"


class Relationship(Recorded, InError):
    """How someone is related to the child: another child on the record (`relative`), a person
    (`person`), or someone only named. The same person may be the mother of several children.

    The 903 MOTHER / MC_DOB items come from a relationship of kind CHILD on a female child.
    """

    class Kind(models.TextChoices):
        MOTHER = "mother", "Mother"
        FATHER = "father", "Father"
        STEP_PARENT = "step_parent", "Step-parent"
        PARTNER_OF_PARENT = "partner_of_parent", "Partner of a parent"
        SIBLING = "sibling", "Sibling"
        HALF_SIBLING = "half_sibling", "Half-sibling"
        CHILD = "child", "Own child"
        GRANDPARENT = "grandparent", "Grandparent"
        AUNT_OR_UNCLE = "aunt_or_uncle", "Aunt or uncle"
        CARER = "carer", "Carer"
        HOUSEHOLD_MEMBER = "household_member", "Household member"
        OTHER = "other", "Other relative or carer"

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="relationships")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    relative = models.ForeignKey(
        Child, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="relationships")
    relative_name = models.CharField(max_length=200, blank=True)
    relative_date_of_birth = models.DateField(null=True, blank=True)
    parental_responsibility = models.BooleanField(null=True, blank=True)
    lives_with_child = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(relative=models.F("child")), name="relationship_not_to_self"
            ),
            models.CheckConstraint(
                condition=Q(relative__isnull=False) | Q(person__isnull=False) | ~Q(relative_name=""),
                name="relationship_names_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.child}"


class Organisation(models.Model):
    """An agency whose professionals work with children: a GP surgery, a school, the police."""

    class Kind(models.TextChoices):
        GP = "gp", "GP surgery"
        SCHOOL = "school", "School or college"
        EARLY_YEARS = "early_years", "Nursery or early years"
        HEALTH_VISITING = "health_visiting", "Health visiting"
        HOSPITAL = "hospital", "Hospital"
        CAMHS = "camhs", "Child and adolescent mental health (CAMHS)"
        POLICE = "police", "Police"
        YOUTH_JUSTICE = "youth_justice", "Youth justice"
        SOLICITOR = "solicitor", "Solicitor"
        PROBATION = "probation", "Probation"
        HOUSING = "housing", "Housing"
        OTHER = "other", "Other"

    local_authority = models.ForeignKey("workforce.LocalAuthority", on_delete=models.PROTECT)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint("local_authority", "kind", "name",
                                               name="organisation_once")]

    def __str__(self) -> str:
        return self.name


class Professional(Recorded, InError):
    """A professional working with the child (the professional network): their role, their
    organisation, how to reach them, and from when to when."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="professionals")
    role = models.CharField(max_length=100)  # "Class teacher", "Health visitor", "Solicitor"
    name = models.CharField(max_length=200)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="professionals")
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(max_length=200, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.name}, {self.role}"


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
