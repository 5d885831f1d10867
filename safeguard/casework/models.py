"""What practitioners write about a child every day: case notes, documents and the drafts that keep
a half-written form safe. None of it is held in `record.history.ChildHistory` (no statutory check
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
