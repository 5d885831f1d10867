"""Case file audits (issue 21, item 1): the tools auditors grade with, the programmes that draw a
sample of children from the record, each child's audit (grades with evidence, the worker's and
manager's responses, moderation) and the actions arising, tracked to done on the child's record.

An audit, its grades and its actions are the child's: they are written through the record's unit
of work (`record.change.Change`), so each save is versioned (simple_history), audited with the
child's id and checked before it is stored. A tool and its domains are the council's reference
data, not any child's."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from safeguard.core.models import Recorded


class Grade(models.TextChoices):
    """Ofsted's four-point scale, as councils' audit tools use it."""

    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"


#: The grades a scorecard counts as "good or better".
GOOD_OR_BETTER = frozenset({Grade.OUTSTANDING, Grade.GOOD})


class ProgrammeKind(models.TextChoices):
    MONTHLY = "monthly", "Monthly sample of each team's open cases"
    THEME = "theme", "Themed audit"
    IRO_THEME = "iro_theme", "IRO themed audit"
    MULTI_AGENCY = "multi_agency", "Multi-agency audit"


class Theme(models.TextChoices):
    """What a themed programme draws from the record (`selectors.sample_frame`)."""

    STRATEGY_DISCUSSIONS = "strategy_discussions", "Strategy discussions held in the month"
    RETURN_HOME = "return_home_interviews", "Children who went missing in the month (return home interviews)"


class AuditStatus(models.TextChoices):
    ASSIGNED = "assigned", "To grade"
    GRADED = "graded", "Graded, awaiting moderation"
    MODERATED = "moderated", "Moderated"


class GradeRole(models.TextChoices):
    AUDITOR = "auditor", "Auditor"
    MODERATOR = "moderator", "Moderator"
    AGREED = "agreed", "Agreed after moderation"
    PARTNER = "partner", "Partner agency"


class ActionStatus(models.TextChoices):
    OPEN = "open", "To do"
    DONE = "done", "Done"


class AuditTool(models.Model):
    """A template auditors grade a case with: its domains, each with questions and guidance."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    purpose = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AuditDomain(models.Model):
    """One area of practice a tool grades (assessment, planning, the child's voice, ...)."""

    tool = models.ForeignKey(AuditTool, on_delete=models.PROTECT, related_name="domains")
    order = models.PositiveSmallIntegerField(default=0)
    code = models.SlugField(max_length=40)
    title = models.CharField(max_length=120)
    questions = models.TextField(help_text="One question a line")
    guidance = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["tool", "order"]
        constraints = [models.UniqueConstraint(fields=["tool", "code"], name="audit_domain_code_per_tool")]

    def __str__(self) -> str:
        return self.title

    @property
    def question_list(self) -> list[str]:
        return [q.strip() for q in self.questions.splitlines() if q.strip()]


class AuditProgramme(Recorded):
    """A round of audits: a month's random sample of each team's open cases, or a theme drawn from
    the record. `seed` makes the draw reproducible: the same record and seed give the same sample."""

    local_authority = models.ForeignKey("workforce.LocalAuthority", on_delete=models.PROTECT,
                                        related_name="+")
    title = models.CharField(max_length=160)
    kind = models.CharField(max_length=16, choices=ProgrammeKind.choices)
    theme = models.CharField(max_length=32, choices=Theme.choices, blank=True)
    tool = models.ForeignKey(AuditTool, on_delete=models.PROTECT, related_name="programmes")
    month = models.DateField(help_text="The first day of the month audited")
    teams = models.ManyToManyField("workforce.Team", blank=True, related_name="+")
    per_team = models.PositiveSmallIntegerField(default=2)
    seed = models.PositiveIntegerField()
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    auditor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-month", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind="monthly") | ~Q(theme=""), name="audit_theme_named"),
            models.CheckConstraint(condition=~Q(moderator=F("auditor")), name="audit_moderator_is_second"),
        ]

    def __str__(self) -> str:
        return self.title


class CaseAudit(Recorded):
    """One sampled child's audit: the auditor's overall judgement and summary, the worker's and
    manager's responses, and the moderation (a second grader; where they disagree the agreed grade
    and why are recorded as `GradeRole.AGREED` grades)."""

    programme = models.ForeignKey(AuditProgramme, on_delete=models.PROTECT, related_name="audits")
    child = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("workforce.Team", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    auditor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=12, choices=AuditStatus.choices, default=AuditStatus.ASSIGNED)
    overall = models.CharField("overall grade", max_length=24, choices=Grade.choices, blank=True)
    summary = models.TextField("summary of findings", blank=True)
    graded_on = models.DateField(null=True, blank=True)
    worker_response = models.TextField("the worker's response", blank=True)
    manager_response = models.TextField("the manager's response", blank=True)
    moderated_overall = models.CharField("overall grade after moderation", max_length=24,
                                         choices=Grade.choices, blank=True)
    moderation_note = models.TextField("moderation", blank=True)
    moderated_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "child"], name="one_audit_per_child_per_programme"),
            models.CheckConstraint(condition=Q(status__in=AuditStatus.values), name="case_audit_status"),
        ]

    def __str__(self) -> str:
        return f"Case audit {self.pk} of child {self.child_id}"

    @property
    def final_overall(self) -> str:
        return self.moderated_overall or self.overall


class DomainGrade(Recorded):
    """One grade of one domain with its evidence, by the auditor, the moderator, a partner agency
    (multi-agency audits) or, where auditor and moderator differ, the grade they agreed."""

    audit = models.ForeignKey(CaseAudit, on_delete=models.PROTECT, related_name="grades")
    domain = models.ForeignKey(AuditDomain, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=GradeRole.choices)
    agency = models.CharField(max_length=120, blank=True)
    grade = models.CharField(max_length=24, choices=Grade.choices)
    evidence = models.TextField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["audit", "domain__order", "role"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "domain", "role", "agency"],
                                    name="one_grade_per_grader"),
            models.CheckConstraint(condition=Q(grade__in=Grade.values), name="domain_grade_scale"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} grade of {self.domain_id}: {self.grade}"


class AuditAction(Recorded):
    """An action arising from an audit, for the child: who does it, by when, and when it was done."""

    NARRATIVE_LIMIT = 2_000
    audit = models.ForeignKey(CaseAudit, on_delete=models.PROTECT, related_name="actions")
    child = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="+")
    what = models.TextField("what is to be done")
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    status = models.CharField(max_length=8, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    done_on = models.DateField(null=True, blank=True)
    done_note = models.TextField("what was done", blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", done_on__isnull=True) | Q(status="done", done_on__isnull=False),
                name="audit_action_done_has_date",
            ),
        ]
        indexes = [models.Index(fields=["assigned_to", "status"]), models.Index(fields=["child", "status"])]

    def __str__(self) -> str:
        return f"Audit action {self.pk} for child {self.child_id}"
