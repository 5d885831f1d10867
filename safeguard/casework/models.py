"""What practitioners write about a child every day: case notes, documents, the drafts that keep
a half-written form safe, and the words of the child's plans (outcomes, actions, contingency) with
the plan as it stood at each review. None of it is held in `record.history.ChildHistory` (no statutory check
or clock reads the words); a note that records a statutory visit adds a `people.Visit` in the same
change, which is what the clocks read."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from safeguard.core.models import InError, Recorded


class NoteKind(models.TextChoices):
    """What a case note records."""

    HOME_VISIT = "home_visit", "Home visit"
    OFFICE_VISIT = "office_visit", "Office visit"
    PHONE_CALL = "phone_call", "Phone call"
    EMAIL_OR_LETTER = "email_or_letter", "Email or letter"
    MEETING = "meeting", "Meeting"
    DIRECT_WORK = "direct_work", "Direct work"
    MANAGEMENT_OVERSIGHT = "management_oversight", "Management oversight"
    SUPERVISION_DECISION = "supervision_decision", "Supervision decision"
    SIGNIFICANT_EVENT = "significant_event", "Significant event"


class CaseNote(Recorded, InError):
    """One note of contact with the family or of a professional conversation. A note about a
    sibling group is one note, shown in each child's record (`CaseNoteChild`). The words are
    stored as the worker typed them and rendered escaped (`casework.text.render`)."""

    Kind = NoteKind
    NARRATIVE_LIMIT = 30_000  # a long visit or direct-work note (core.errors.Checks.free_text)
    AUDIT_AS_NARRATIVE = ("title", "present")  # third parties' names stay out of the audit
    kind = models.CharField(max_length=24, choices=Kind.choices)
    occurred_on = models.DateField("date it happened")
    occurred_at = models.TimeField("time it happened", null=True, blank=True)
    title = models.CharField(max_length=200)
    text = models.TextField()
    present = models.CharField("who was present", max_length=500, blank=True)
    significant = models.BooleanField("significant event", default=False)
    sensitive = models.BooleanField("contains third-party information", default=False)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=NoteKind.values), name="case_note_kind"),
            models.CheckConstraint(condition=~Q(kind="significant_event") | Q(significant=True),
                                   name="significant_event_is_significant"),
            models.CheckConstraint(condition=Q(recorded_in_error=False) | ~Q(error_reason=""),
                                   name="case_note_error_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_on}: {self.title}"


class CaseNoteChild(models.Model):
    """A child a note is about, and what the note says of them: seen, seen alone, bedroom seen.
    `visit` is the statutory visit this note recorded for the child (one act, no second form)."""

    note = models.ForeignKey(CaseNote, on_delete=models.PROTECT, related_name="children")
    child = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="case_notes")
    seen = models.BooleanField(null=True, blank=True)
    seen_alone = models.BooleanField(default=False)
    bedroom_seen = models.BooleanField(null=True, blank=True)
    visit = models.OneToOneField("people.Visit", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="case_note")
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint("note", "child", name="case_note_child_once"),
            models.CheckConstraint(condition=Q(seen_alone=False) | Q(seen=True),
                                   name="note_seen_alone_implies_seen"),
        ]
        indexes = [models.Index(fields=["child", "note"])]

    def __str__(self) -> str:
        return f"{self.note_id} about {self.child_id}"


class CaseNoteAmendment(models.Model):
    """A correction of a note: who, when and why (the words before and after are in the note's
    own history, version `version`)."""

    AUDIT_AS_NARRATIVE = ("reason",)

    note = models.ForeignKey(CaseNote, on_delete=models.PROTECT, related_name="amendments")
    version = models.PositiveIntegerField()  # the note's version the correction made
    reason = models.CharField(max_length=500)
    amended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    amended_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="amendment_has_reason")]

    def __str__(self) -> str:
        return f"Note {self.note_id} amended (version {self.version})"


class Document(Recorded, InError):
    """An uploaded file, attached to a child and optionally to a note, an assessment or a plan.
    The bytes live outside the web root under their SHA-256 (`casework.documents`); the type is
    the one read from the content, never the name's."""

    child = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="documents")
    case_note = models.ForeignKey(CaseNote, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="documents")
    assessment = models.ForeignKey("assessment.Assessment", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    cin_plan = models.ForeignKey("assessment.CINPlan", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    cp_plan = models.ForeignKey("child_protection.ChildProtectionPlan", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    scanned = models.CharField(max_length=20, default="not_scanned")  # "clean" or "not_scanned"
    sensitive = models.BooleanField("contains third-party information", default=False)
    history = HistoricalRecords()

    class Meta:
        indexes = [models.Index(fields=["child", "created_at"]), models.Index(fields=["sha256"])]

    def __str__(self) -> str:
        return self.title


class Draft(models.Model):
    """A form being written, saved on the server as the user types, so that nothing is lost when
    a session times out. `key` names the form (e.g. "case-note:child-12:user-4" for a new note, or
    "case-note:57" for a correction, which two people may open: their saves are checked by
    `version`, never silently overwritten)."""

    key = models.CharField(max_length=120, unique=True)
    child = models.ForeignKey("people.Child", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    url = models.CharField("where the form is", max_length=300)
    data = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key


class PlanKind(models.TextChoices):
    """Which plan the words are: each belongs to a dated record the returns read (the CIN plan,
    the CP plan, the period of care), except the pathway plan, which is the care leaver's own."""

    CIN = "cin", "Child in need plan"
    CP = "cp", "Child protection plan"
    CARE = "care", "Care plan"
    PATHWAY = "pathway", "Pathway plan"


class ActionStatus(models.TextChoices):
    """Where an action of the plan stands."""

    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    NOT_DONE = "not_done", "Not done"
    NO_LONGER_NEEDED = "no_longer_needed", "No longer needed"


class ReviewMeeting(models.TextChoices):
    """The meeting at which progress against the plan was reviewed."""

    REVIEW_CONFERENCE = "review_conference", "Review child protection conference"
    CORE_GROUP = "core_group", "Core group meeting"
    CIN_REVIEW = "cin_review", "Child in need review"
    LOOKED_AFTER_REVIEW = "looked_after_review", "Looked-after review"
    PATHWAY_REVIEW = "pathway_review", "Pathway plan review"


class Plan(Recorded):
    """The words of a child's plan: what should change for the child (outcomes), who does what by
    when (actions) and what happens if the plan does not work (contingency). The dates the returns
    read stay on the dated record (`assessment.CINPlan`, `child_protection.ChildProtectionPlan`,
    `looked_after.PeriodOfCare`); a pathway plan has none and belongs to the child alone. Not held
    in `record.history.ChildHistory`: no check or clock reads the words (`casework.plans`).

    Working Together 2023 ch. 3 (CIN and CP plans); Care Planning, Placement and Case Review
    (England) Regulations 2010 reg 4-5 (care plan); Care Leavers (England) Regulations 2010 reg 6
    (pathway plan)."""

    Kind = PlanKind
    child = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="plans")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    cin_plan = models.ForeignKey("assessment.CINPlan", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    cp_plan = models.ForeignKey("child_protection.ChildProtectionPlan", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    period_of_care = models.ForeignKey("looked_after.PeriodOfCare", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    contingency = models.TextField("contingency plan", blank=True)
    last_reviewed_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PlanKind.values), name="plan_kind"),
            models.CheckConstraint(
                condition=(
                    Q(kind="cin", cin_plan__isnull=False, cp_plan__isnull=True,
                      period_of_care__isnull=True)
                    | Q(kind="cp", cin_plan__isnull=True, cp_plan__isnull=False,
                        period_of_care__isnull=True)
                    | Q(kind="care", cin_plan__isnull=True, cp_plan__isnull=True,
                        period_of_care__isnull=False)
                    | Q(kind="pathway", cin_plan__isnull=True, cp_plan__isnull=True,
                        period_of_care__isnull=True)),
                name="plan_linked_to_its_kind"),
            models.UniqueConstraint("cin_plan", name="one_plan_per_cin_plan"),
            models.UniqueConstraint("cp_plan", name="one_plan_per_cp_plan"),
            models.UniqueConstraint("period_of_care", name="one_care_plan_per_period"),
            models.UniqueConstraint("child", condition=Q(kind="pathway"),
                                    name="one_pathway_plan_per_child"),
        ]
        indexes = [models.Index(fields=["child", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of child {self.child_id}"


class PlanOutcome(Recorded):
    """One outcome the plan is for, in words (what should be different for the child). Taken off
    a revised plan it is marked `removed`, never deleted: the reviews' snapshots and the record's
    history still show it."""

    NARRATIVE_LIMIT = 2_000  # an outcome is a sentence or two, not a report
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="outcomes")
    text = models.TextField("outcome")
    order = models.PositiveSmallIntegerField(default=0)
    removed = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="plan_outcome_has_words")]
        indexes = [models.Index(fields=["plan", "order"])]

    def __str__(self) -> str:
        return f"Outcome {self.order + 1} of plan {self.plan_id}"


class PlanAction(Recorded):
    """One action of the plan: what is to be done, who does it (a name or a role: "Mother",
    "School nurse"), by when, and where it stands. Removed from a revised plan it is marked
    `removed`, never deleted."""

    Status = ActionStatus
    NARRATIVE_LIMIT = 2_000
    AUDIT_AS_NARRATIVE = ("who",)  # family members' and others' names stay out of the audit
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="actions")
    outcome = models.ForeignKey(PlanOutcome, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="actions")
    what = models.TextField("what is to be done")
    who = models.CharField("who does it", max_length=200)
    by_when = models.DateField("by when")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NOT_STARTED)
    order = models.PositiveSmallIntegerField(default=0)
    removed = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ActionStatus.values),
                                   name="plan_action_status"),
            models.CheckConstraint(condition=~Q(what="") & ~Q(who=""),
                                   name="plan_action_what_and_who"),
        ]
        indexes = [models.Index(fields=["plan", "order"])]

    def __str__(self) -> str:
        return f"Action {self.order + 1} of plan {self.plan_id}"


class PlanReview(Recorded):
    """A review of the plan at a meeting (review conference, core group, CIN review, looked-after
    review, pathway plan review): the progress made, and `snapshot`, the plan as it stood once the
    review was recorded (outcomes, actions with their status and the progress said of each,
    contingency), so the plan at each review can be shown whatever was revised since.

    The meeting itself, where there is a record of it, is named by `meeting_label` and
    `meeting_id` (e.g. "child_protection.CoreGroupMeeting", 12): no link, so that casework need not
    import the apps that record meetings."""

    Meeting = ReviewMeeting
    AUDIT_AS_NARRATIVE = ("snapshot",)  # the plan's words, and names, stay out of the audit
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="reviews")
    held_on = models.DateField("date of the meeting")
    meeting_kind = models.CharField(max_length=20, choices=Meeting.choices)
    meeting_label = models.CharField(max_length=60, blank=True)
    meeting_id = models.PositiveBigIntegerField(null=True, blank=True)
    progress = models.TextField("progress against the plan")
    snapshot = models.JSONField(default=dict)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(meeting_kind__in=ReviewMeeting.values),
                                   name="plan_review_meeting_kind"),
            models.CheckConstraint(condition=~Q(progress=""), name="plan_review_has_progress"),
            models.CheckConstraint(
                condition=(Q(meeting_label="", meeting_id__isnull=True)
                           | (~Q(meeting_label="") & Q(meeting_id__isnull=False))),
                name="plan_review_meeting_named_whole"),
        ]
        indexes = [models.Index(fields=["plan", "held_on"])]

    def __str__(self) -> str:
        return f"{self.get_meeting_kind_display()} on {self.held_on}"
