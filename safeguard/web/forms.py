"""Forms for each step of the child's journey. They only shape what was typed; the rules live in
the services, whose violations are shown beside the field they name."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from safeguard.access.selectors import (
    SEARCH_IDENTIFIER,
    SEARCH_MAX_CHARS,
    SEARCH_MAX_IDENTIFIER,
    SEARCH_MAX_WORDS,
    SEARCH_NAME,
)
from safeguard.casework.models import ActionStatus, CaseNote, ReviewMeeting
from safeguard.child_protection.models import (
    Agency,
    ChildParticipation,
    ConferenceDecision,
    PlanEndReason,
    Section47Enquiry,
)
from safeguard.core import codes
from safeguard.core.errors import NARRATIVE_LIMIT
from safeguard.front_door.models import Contact, Referral
from safeguard.iro.models import AlertCategory, MonitoringKind, Resolution
from safeguard.looked_after.models import HealthAssessment
from safeguard.timescales.rules import RULES
from safeguard.workforce.models import User

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


#: Shown under each narrative field, whose limit the services' checks enforce (issue 15, finding 8).
NARRATIVE_HINT = f"Up to {NARRATIVE_LIMIT:,} characters."


def _choices(enum, blank="Choose"):
    return [("", blank), *[(v, f"{v}: {label}" if len(v) <= 3 else label) for v, label in enum.choices]]


class GovForm(forms.Form):
    """GOV.UK Design System classes on every widget, and error states tied to their messages."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        govuk_classes(self)

    def full_clean(self):
        super().full_clean()
        govuk_classes(self)

    def add_error(self, field, error):
        super().add_error(field, error)
        govuk_classes(self)


def govuk_classes(form) -> None:
    for name, field in form.fields.items():
        w = field.widget
        if getattr(w, "sg_kind", ""):  # date parts, radios, checkboxes: their templates style them
            continue
        kind = (
            "govuk-select"
            if isinstance(w, forms.Select)
            else "govuk-textarea"
            if isinstance(w, forms.Textarea)
            else "govuk-checkboxes__input"
            if isinstance(w, forms.CheckboxInput)
            else "govuk-file-upload"
            if isinstance(w, forms.FileInput)
            else "govuk-input"
        )
        error = form.is_bound and name in (form._errors or {})
        w.attrs["class"] = kind + (f" {kind}--error" if error and kind != "govuk-checkboxes__input" else "")
        if kind == "govuk-textarea" and getattr(field, "max_length", None):
            w.sg_count = field.max_length  # a GOV.UK character count under the box
            w.attrs["class"] += " govuk-js-character-count"
        described = [f"id_{name}-hint"] if field.help_text else []
        if error:
            described.append(f"id_{name}-error")
        if getattr(w, "sg_count", None):
            described.append(f"id_{name}-info")
        if described:
            w.attrs["aria-describedby"] = " ".join(described)
        else:
            w.attrs.pop("aria-describedby", None)


def yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


# --- GOV.UK patterns: a date as three fields, radios, checkboxes ------------------------------


class DateParts(forms.MultiWidget):
    """The GOV.UK date input: day, month and year as three fields (never a browser date picker,
    which screen readers and older browsers handle badly)."""

    template_name = "web/widgets/date_parts.html"
    sg_kind = "date"

    def __init__(self, attrs=None):
        part = {"inputmode": "numeric", "autocomplete": "off"}
        super().__init__({"day": forms.TextInput(part), "month": forms.TextInput(part),
                          "year": forms.TextInput(part)}, attrs)

    def decompress(self, value):
        return [value.day, value.month, value.year] if value else [None, None, None]


class GovDateField(forms.Field):
    """A date typed in three fields; the message says which part is wrong, as GOV.UK asks."""

    widget = DateParts

    def to_python(self, value):
        parts = [str(p or "").strip() for p in (value or ["", "", ""])]
        if not any(parts):
            return None
        names = ("day", "month", "year")
        missing = [n for n, p in zip(names, parts, strict=True) if not p]
        if missing:
            raise forms.ValidationError(f"{self.label} must include a {' and a '.join(missing)}")
        if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
            raise forms.ValidationError(f"{self.label} must be a real date, like 27 3 2026")
        try:
            return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            raise forms.ValidationError(f"{self.label} must be a real date") from None


class Radios(forms.RadioSelect):
    """GOV.UK radios (never a Yes/No drop-down)."""

    sg_kind = "radios"


class DeskFilterForm(forms.Form):
    """A desk's list filters (open, closed or all; when the next timescale falls due), read from
    the query string; anything else typed there is ignored. `due_label` names the desk's clocks."""

    due_label = "Next timescale due"
    status = forms.ChoiceField(label="Status", widget=Radios, required=False, choices=[
        ("open", "Open"), ("closed", "Closed"), ("all", "All")])
    due = forms.ChoiceField(widget=Radios, required=False, choices=[
        ("", "Any time"), ("overdue", "Overdue"), ("7", "Overdue or due within 7 days"),
        ("28", "Overdue or due within 28 days")])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["due"].label = self.due_label

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"status": data.get("status") or "open", "due": data.get("due") or ""}


class Checkboxes(forms.CheckboxSelectMultiple):
    sg_kind = "checkboxes"


YES_NO_RADIOS = [("yes", "Yes"), ("no", "No")]


class ChildForm(GovForm):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    aliases = forms.CharField(label="Other names the child is known by (optional)", max_length=300,
                              required=False)
    date_of_birth = GovDateField(
        label="Date of birth", required=False,
        help_text="For example, 27 3 2016. Leave blank for an unborn child and give the expected date")
    expected_date_of_birth = GovDateField(label="Expected date of birth (unborn child)", required=False)
    sex = forms.ChoiceField(choices=_choices(codes.Sex))
    ethnicity = forms.ChoiceField(choices=_choices(codes.Ethnicity))
    la_child_id = forms.CharField(label="LA child ID", max_length=36)
    upn = forms.CharField(label="UPN", max_length=13, required=False)
    upn_unknown = forms.ChoiceField(
        label="Reason UPN unknown", choices=_choices(codes.UPNUnknown, "Not applicable"), required=False
    )
    nhs_number = forms.CharField(label="NHS number", max_length=10, required=False)
    home_postcode = forms.CharField(max_length=8, required=False)
    first_language = forms.CharField(label="First language (optional)", max_length=60, required=False)
    religion = forms.CharField(label="Religion (optional)", max_length=60, required=False)
    not_a_duplicate = forms.BooleanField(
        label="I have checked: this is a different child from the records shown", required=False)


class ContactForm(GovForm):
    received_at = forms.DateTimeField(label="Received", widget=DATETIME)
    source = forms.ChoiceField(label="Source", choices=_choices(codes.ReferralSource))
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False,
                              max_length=NARRATIVE_LIMIT, help_text=NARRATIVE_HINT)


class ContactDecisionForm(GovForm):
    decision = forms.ChoiceField(choices=[("", "Choose"), *Contact.Decision.choices])
    decided_at = forms.DateTimeField(label="Decided", widget=DATETIME)


class ReferralResponseForm(GovForm):
    response = forms.ChoiceField(
        label="Response to the referral", choices=[("", "Choose"), *Referral.Response.choices]
    )
    response_date = GovDateField(label="Decision date")


class PrimaryNeedForm(GovForm):
    primary_need = forms.ChoiceField(label="Primary need", choices=_choices(codes.PrimaryNeed))


class AssessmentStartForm(GovForm):
    start_date = GovDateField(label="Assessment start date")
    reason = forms.CharField(
        label="Why is a new assessment needed? (only if this episode already has one)", required=False,
        max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class GroupedCheckboxes(Checkboxes):
    """Checkboxes under sub-headings (choices given as (heading, [(value, label), ...]))."""

    sg_kind = "checkbox-groups"


#: The Assessment Framework's sections (Working Together 2023 ch. 2; DOMAIN.md), with what each
#: covers as its hint.
ASSESSMENT_SECTIONS = {
    "developmental_needs": (
        "The child's developmental needs",
        "Health, education, emotional and behavioural development, identity, family and social "
        "relationships, social presentation, self-care skills"),
    "parenting_capacity": (
        "Parenting capacity",
        "Basic care, ensuring safety, emotional warmth, stimulation, guidance and boundaries, stability"),
    "family_and_environment": (
        "Family and environmental factors",
        "Family history and functioning, wider family, housing, employment, income, the family's "
        "social integration, community resources"),
    "wishes_and_feelings": (
        "The child's wishes and feelings",
        "In the child's own words where you can: what they said, how and where they said it"),
    "analysis": (
        "Analysis",
        "What the information means for the child: harm and risk, strengths, and what is likely if "
        "nothing changes"),
    "recommendation": ("Recommendation", "What should happen next, and why"),
}

_FACTOR_GROUPS = (
    ("Parents, carers and others in the household",
     ("1B", "1C", "2B", "2C", "3B", "3C", "4B", "4C", "5B", "5C", "6B", "6C")),
    ("The child's own needs", ("1A", "2A", "4A", "5A", "6A", "7A", "9A", "14A", "15A")),
    ("Abuse and neglect", ("3A", "16A", "17A", "18B", "18C", "19B", "19C", "22A", "23A")),
    ("Exploitation and going missing", ("10A", "11A", "12A", "13A", "24A")),
    ("Private fostering", ("8B", "8C", "8D", "8E", "8F")),
    ("Other", ("20", "21")),
)
#: The CIN census factors (AssessmentFactors), grouped as a worker thinks of them, each with its code.
FACTOR_CHOICES = [
    (heading, [(code, f"{codes.AssessmentFactor(code).label} ({code})") for code in group])
    for heading, group in _FACTOR_GROUPS
]


def _factors_field(label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, choices=FACTOR_CHOICES, required=False,
                                     widget=GroupedCheckboxes,
                                     help_text="Tick each factor the assessment found. The codes are "
                                               "the CIN census codes.")


class AssessmentSectionForm(GovForm):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 16}), required=False,
                           max_length=NARRATIVE_LIMIT)

    def __init__(self, *args, section: str, amending: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        label, hint = ASSESSMENT_SECTIONS[section]
        self.fields["text"].label, self.fields["text"].help_text = label, hint
        if amending:
            self.fields["reason"] = forms.CharField(
                label="Why are you amending the authorised assessment?", max_length=500,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="Shown with the amendment. The authorised words are kept.")
        govuk_classes(self)


class AssessmentSubmitForm(GovForm):
    child_seen_date = GovDateField(label="Date the child was seen", required=False,
                                   help_text="For example, 27 3 2026")
    outcome = forms.ChoiceField(label="What do you recommend?", widget=Radios, choices=[])
    requires_support = forms.ChoiceField(
        label="Does the child need children's social care support?", choices=YES_NO_RADIOS, widget=Radios)
    factors = _factors_field("Factors identified at assessment")

    def __init__(self, *args, outcomes, seen_recorded: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = outcomes
        if seen_recorded:
            del self.fields["child_seen_date"]


DECISIONS = [("authorise", "Authorise the assessment"), ("return", "Return it to the worker with comments")]


class AssessmentDecisionForm(GovForm):
    decision = forms.ChoiceField(label="Your decision", widget=Radios, choices=DECISIONS)
    comments = forms.CharField(label="Comments", widget=forms.Textarea(attrs={"rows": 5}), required=False,
                               max_length=NARRATIVE_LIMIT,
                               help_text="Needed to return it: say what must change. Shown to the worker.")
    authorisation_date = GovDateField(label="Authorisation date", required=False)
    requires_support = forms.ChoiceField(
        label="Does the child need children's social care support?", choices=YES_NO_RADIOS, widget=Radios,
        required=False)
    factors = _factors_field("Factors identified at assessment")


class StrategyDiscussionForm(GovForm):
    held_on = GovDateField(label="Date held")
    s47_initiated = forms.ChoiceField(label="Were section 47 enquiries started?", choices=YES_NO_RADIOS,
                                      widget=Radios)
    attendees = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                max_length=NARRATIVE_LIMIT, help_text=NARRATIVE_HINT)


class Section47StartForm(GovForm):
    start_date = GovDateField(label="Section 47 start date")


class Section47SubmitForm(GovForm):
    findings = forms.CharField(label="What the enquiry found", widget=forms.Textarea(attrs={"rows": 8}),
                               max_length=NARRATIVE_LIMIT, help_text=NARRATIVE_HINT)
    proposed_outcome = forms.ChoiceField(label="The outcome you propose", widget=Radios,
                                         choices=Section47Enquiry.Outcome.choices)


class Section47OutcomeForm(GovForm):
    end_date = GovDateField(label="Date the enquiry ended")
    outcome = forms.ChoiceField(label="Outcome", widget=Radios, choices=Section47Enquiry.Outcome.choices)
    icpc_not_required = forms.ChoiceField(label="Is an initial conference NOT required?",
                                          choices=YES_NO_RADIOS, widget=Radios)
    rationale = forms.CharField(label="Your rationale", widget=forms.Textarea(attrs={"rows": 4}),
                                max_length=NARRATIVE_LIMIT, help_text="Shown on the child's record")


class _WhoCameForm(GovForm):
    """Who was invited to a meeting, who came, who sent apologies and the agencies represented."""

    invited = forms.CharField(label="Invited", widget=forms.Textarea(attrs={"rows": 2}), required=False,
                              max_length=NARRATIVE_LIMIT)
    attended = forms.CharField(label="Attended", widget=forms.Textarea(attrs={"rows": 2}), required=False,
                               max_length=NARRATIVE_LIMIT)
    apologies = forms.CharField(label="Apologies", widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                max_length=NARRATIVE_LIMIT)
    agencies = forms.MultipleChoiceField(label="Agencies represented", widget=Checkboxes, required=False,
                                         choices=Agency.choices)


class _MinutesForm(_WhoCameForm):
    """What a conference's minutes hold (Working Together 2023 ch. 3): who was invited and came,
    the agencies, the child's participation and views, the decision's reasons."""

    child_participation = forms.ChoiceField(label="How the child took part", widget=Radios,
                                            choices=ChildParticipation.choices)
    child_views = forms.CharField(label="The child's views", widget=forms.Textarea(attrs={"rows": 4}),
                                  required=False, max_length=NARRATIVE_LIMIT,
                                  help_text="In the child's own words where you can")


class ConferenceForm(_MinutesForm):
    held_on = GovDateField(label="Date of the initial conference")
    plan_required = forms.ChoiceField(
        label="Did the conference decide the child needs a CP plan?", choices=YES_NO_RADIOS, widget=Radios
    )
    decision_reasons = forms.CharField(label="The reasons for the decision", max_length=NARRATIVE_LIMIT,
                                       widget=forms.Textarea(attrs={"rows": 5}))
    field_order = ["held_on", "invited", "attended", "apologies", "agencies", "child_participation",
                   "child_views", "plan_required", "decision_reasons"]


class ReviewConferenceForm(_MinutesForm):
    held_on = GovDateField(label="Date of the review conference")
    progress = forms.CharField(label="Progress against the plan", widget=forms.Textarea(attrs={"rows": 5}),
                               max_length=NARRATIVE_LIMIT)
    decision = forms.ChoiceField(label="The conference's decision", widget=Radios,
                                 choices=[(v, label) for v, label in ConferenceDecision.choices
                                          if v in ("continue_plan", "end_plan")])
    decision_reasons = forms.CharField(label="The reasons for the decision", max_length=NARRATIVE_LIMIT,
                                       widget=forms.Textarea(attrs={"rows": 5}))
    field_order = ["held_on", "invited", "attended", "apologies", "agencies", "child_participation",
                   "child_views", "progress", "decision", "decision_reasons"]


class CPPlanEndForm(GovForm):
    end_date = GovDateField(label="Date the plan ended")
    end_reason = forms.ChoiceField(label="Why the plan ended", widget=Radios, choices=PlanEndReason.choices)
    end_detail = forms.CharField(label="If other, say why", max_length=200, required=False)


class LookedAfterReviewForm(_WhoCameForm):
    """A looked-after review and its minutes, recorded by the child's IRO who chaired it (Children
    Act 1989 s25A-25B; Care Planning, Placement and Case Review (England) Regulations 2010 Part 6)."""

    review_date = GovDateField(label="Date of the review")
    participation = forms.ChoiceField(label="How the child took part (REVIEW_CODE)", widget=Radios,
                                      choices=codes.ReviewParticipation.choices)
    views_shared = forms.CharField(label="How the child's views were shared", required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}), max_length=NARRATIVE_LIMIT)
    child_views = forms.CharField(label="The child's views", widget=forms.Textarea(attrs={"rows": 4}),
                                  required=False, max_length=NARRATIVE_LIMIT,
                                  help_text="In the child's own words where you can")
    parents_views = forms.CharField(label="The parents' views", widget=forms.Textarea(attrs={"rows": 3}),
                                    required=False, max_length=NARRATIVE_LIMIT)
    care_plan_appropriate = forms.ChoiceField(label="Does the care plan still meet the child's needs?",
                                              choices=YES_NO_RADIOS, widget=Radios)
    decisions = forms.CharField(label="Decisions and recommendations", max_length=NARRATIVE_LIMIT,
                                widget=forms.Textarea(attrs={"rows": 5}), required=False)
    decision_reasons = forms.CharField(label="The reasons for them", max_length=NARRATIVE_LIMIT,
                                       widget=forms.Textarea(attrs={"rows": 4}), required=False)
    field_order = ["review_date", "participation", "views_shared", "child_views", "parents_views",
                   "invited", "attended", "apologies", "agencies", "care_plan_appropriate", "decisions",
                   "decision_reasons"]


class CPPlanForm(GovForm):
    start_date = GovDateField(label="Plan start date")
    initial_category = forms.ChoiceField(label="Category of abuse", choices=_choices(codes.CategoryOfAbuse))


class CINPlanStartForm(GovForm):
    start_date = GovDateField(label="CIN plan start date")


class CINPlanEndForm(GovForm):
    end_date = GovDateField(label="CIN plan end date")


class _EpisodeForm(GovForm):
    """The SSDA903 items of an episode a worker types; each field is named as the rules name it,
    so a refusal lands beside the item it concerns."""

    legal_status = forms.ChoiceField(label="Legal status (LS)", choices=_choices(codes.LegalStatus))
    category_of_need = forms.ChoiceField(
        label="Category of need (CIN)", choices=_choices(codes.CategoryOfNeed)
    )
    placement = forms.ChoiceField(label="Placement type (PLACE)", choices=_choices(codes.Placement))
    placement_provider = forms.ChoiceField(
        label="Placement provider (PLACE_PROVIDER)",
        choices=_choices(codes.PlacementProvider, "None (temporary or other placement)"),
        required=False,
    )
    placement_postcode = forms.CharField(label="Placement postcode (PL_POST)", max_length=8, required=False)
    urn = forms.CharField(
        label="Ofsted URN",
        max_length=8,
        required=False,
        help_text="Not for placements Ofsted does not register",
    )


class CareStartForm(_EpisodeForm):
    decom = GovDateField(label="Date the child became looked after (DECOM)")
    field_order = ["decom"]


class EpisodeChangeForm(_EpisodeForm):
    decom = GovDateField(label="Date of the change (DECOM of the new episode)")
    rne = forms.ChoiceField(
        label="Reason for new episode (RNE)",
        choices=[c for c in _choices(codes.ReasonForNewEpisode) if c[0] != "S"],
    )
    reason_place_change = forms.ChoiceField(
        label="Reason for placement change (REASON_PLACE_CHANGE)",
        help_text="Needed when the placement changes, unless to or from a temporary placement",
        choices=_choices(codes.ReasonPlaceChange, "Not a change of placement"),
        required=False,
    )
    category_of_need = forms.ChoiceField(
        label="Category of need (CIN)",
        choices=_choices(codes.CategoryOfNeed, "As recorded when care started"),
        required=False,
        help_text="Stays as recorded when the child became looked after",
    )
    field_order = ["decom", "rne"]


class CareEndForm(GovForm):
    dec = GovDateField(label="Date the child ceased to be looked after (DEC)")
    rec = forms.ChoiceField(
        label="Reason episode ceased (REC)",
        choices=[c for c in _choices(codes.ReasonEpisodeCeased) if c[0] != "X1"],
        help_text="A change of placement or legal status is a new episode, not an end of care",
    )


class VisitForm(GovForm):
    visit_date = GovDateField(label="Date of the visit")
    seen = forms.BooleanField(label="Child seen", required=False, initial=True)
    seen_alone = forms.BooleanField(label="Child seen alone", required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                            max_length=NARRATIVE_LIMIT, help_text=NARRATIVE_HINT)


class TransferInConferenceForm(_MinutesForm):
    notification_date = GovDateField(label="Date of written notification from the other council")
    held_on = GovDateField(label="Date of the transfer-in conference")
    plan_required = forms.ChoiceField(
        label="Did the conference decide the child needs a CP plan?", choices=YES_NO_RADIOS, widget=Radios
    )
    decision_reasons = forms.CharField(label="The reasons for the decision", max_length=NARRATIVE_LIMIT,
                                       widget=forms.Textarea(attrs={"rows": 5}))
    field_order = ["notification_date", "held_on"]


class CoreGroupForm(GovForm):
    held_on = GovDateField(label="Date of the core group meeting")
    attended = forms.CharField(label="Who attended", widget=forms.Textarea(attrs={"rows": 2}), required=False,
                               max_length=NARRATIVE_LIMIT)
    progress = forms.CharField(label="Progress against the plan", widget=forms.Textarea(attrs={"rows": 5}),
                               required=False, max_length=NARRATIVE_LIMIT, help_text=NARRATIVE_HINT)


class HealthAssessmentRequestForm(GovForm):
    kind = forms.ChoiceField(label="Which health assessment", widget=Radios,
                             choices=HealthAssessment.Kind.choices)
    requested_date = GovDateField(label="Date requested",
                                  help_text="The initial health assessment is requested promptly: it is due "
                                            "within 20 working days of the child becoming looked after")


class HealthAssessmentCompleteForm(GovForm):
    completed_date = GovDateField(label="Date the health assessment was done")


class HealthAssessmentForm(GovForm):
    """A health assessment done without a request on the record (one requested is completed from
    its request, so that it is counted once)."""

    kind = forms.ChoiceField(label="Which health assessment", widget=Radios,
                             choices=HealthAssessment.Kind.choices)
    completed_date = GovDateField(label="Date done")


class PEPForm(GovForm):
    plan_date = GovDateField(label="Date of the personal education plan meeting")


class MissingStartForm(GovForm):
    kind = forms.ChoiceField(label="Was the child missing or away?", widget=Radios,
                             choices=codes.MissingType.choices)
    start_date = GovDateField(label="Date the child went missing or away")
    end_date = GovDateField(label="Date the child returned", required=False,
                            help_text="Leave blank if the child has not yet returned")


class MissingEndForm(GovForm):
    end_date = GovDateField(label="Date the child returned")
    returned_at = forms.DateTimeField(label="Time of return (if known)", widget=DATETIME, required=False,
                                      help_text="The 72 hours for offering a return interview run from it")


RHI_ACCEPTED = [("yes", "Yes"), ("no", "No, the child declined"), ("", "Not known yet")]


class ReturnInterviewForm(GovForm):
    offered_at = forms.DateTimeField(label="When the return interview was offered", widget=DATETIME)
    accepted = forms.ChoiceField(label="Did the child accept the interview?", widget=Radios,
                                 choices=RHI_ACCEPTED, required=False)
    held_on = GovDateField(label="Date the interview was held", required=False,
                           help_text="Leave blank until it has been held")


class CareLeaverContactForm(GovForm):
    contact_date = GovDateField(label="Date of contact")
    in_touch = forms.ChoiceField(label="In touch (IN_TOUCH)", widget=Radios,
                                 choices=codes.CareLeaverInTouch.choices)
    activity = forms.ChoiceField(label="Main activity (ACTIV)", choices=_choices(codes.CareLeaverActivity))
    accommodation = forms.ChoiceField(label="Accommodation (ACCOM)",
                                      choices=_choices(codes.CareLeaverAccommodation))
    pathway_plan_review_date = GovDateField(label="Date the pathway plan was reviewed", required=False)


class ClosureForm(GovForm):
    closure_date = GovDateField(label="Closure date")
    reason_for_closure = forms.ChoiceField(
        label="Reason for closure", choices=_choices(codes.ReasonForClosure)
    )
    rationale = forms.CharField(label="Management rationale", widget=forms.Textarea(attrs={"rows": 4}),
                                max_length=NARRATIVE_LIMIT, help_text=NARRATIVE_HINT)
    primary_need = forms.ChoiceField(
        label="Primary need",
        help_text="Needed to close an episode that led to action (CIN census)",
        choices=_choices(codes.PrimaryNeed, "Not recorded"),
        required=False,
    )


class AllocateForm(GovForm):
    worker = forms.ModelChoiceField(label="Social worker", queryset=None)
    start_date = GovDateField(label="Start date")
    change_reason = forms.ChoiceField(
        label="Reason for change of worker",
        choices=_choices(codes.SocialWorkerChangeReason, "Not a change"),
        required=False,
    )

    def __init__(self, *args, local_authority_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = User.objects.filter(
            role__in=("social_worker", "team_manager"), is_active=True, local_authority_id=local_authority_id
        ).order_by("last_name")


class IROAllocateForm(GovForm):
    worker = forms.ModelChoiceField(label="IRO or child protection chair", queryset=None)
    start_date = GovDateField(label="Start date")

    def __init__(self, *args, local_authority_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = User.objects.filter(
            role="iro", is_active=True, local_authority_id=local_authority_id
        ).order_by("last_name")


class BreakGlassForm(GovForm):
    reason = forms.CharField(
        label="Why do you need this record now?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        help_text="Your manager is told at once. Access lasts a short time and is audited.",
    )


class RelationshipForm(GovForm):
    reason = forms.CharField(
        label="What is your relationship to this child?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        error_messages={"required": "Say what your relationship to this child is and why you need it"},
        help_text="Kept in the audit and shown to your manager. The record opens to you for a working day.",
    )


class RestrictForm(GovForm):
    restricted = forms.ChoiceField(label="Restrict this record?", choices=YES_NO_RADIOS, widget=Radios)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=200,
        help_text="For example a member of staff's own family, or an adoption. Kept in the audit.",
    )


class GrantForm(GovForm):
    user = forms.ModelChoiceField(label="Member of staff", queryset=None)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=500)
    days = forms.IntegerField(min_value=1, max_value=366, initial=30)

    def __init__(self, *args, local_authority_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(
            role__in=("social_worker", "team_manager", "iro", "personal_adviser", "analyst"),
            is_active=True,
            local_authority_id=local_authority_id,
        ).order_by("last_name")


class FindForm(GovForm):
    """Search terms are bounded (issue 15, finding 8): each name word is compared with every
    candidate name, so a 7 KB term once cost 16 seconds. The selector bounds them again."""

    name = forms.CharField(required=False, max_length=SEARCH_MAX_CHARS,
                           help_text=f"Misspellings are tolerated. Up to {SEARCH_MAX_WORDS} words.")
    date_of_birth = GovDateField(label="Date of birth", required=False)
    identifier = forms.CharField(label="LA child ID, UPN or NHS number", required=False,
                                 max_length=SEARCH_MAX_IDENTIFIER)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data.get("name", "").split())
        if not SEARCH_NAME.fullmatch(name):
            raise forms.ValidationError("Use only letters, digits, spaces, hyphens and apostrophes in a name")
        if len(name.split()) > SEARCH_MAX_WORDS:
            raise forms.ValidationError(f"Search for at most {SEARCH_MAX_WORDS} words of a name")
        return name

    def clean_identifier(self) -> str:
        identifier = self.cleaned_data.get("identifier", "").strip()
        if not SEARCH_IDENTIFIER.fullmatch(identifier):
            raise forms.ValidationError("An identifier has only letters, digits, spaces, '-' and '_'")
        return identifier


class ToDoFilterForm(GovForm):
    """The *To do* tray's filters (a GET form: a bookmarkable view of the list). A manager may look
    at the team's list or their own, and at one worker's."""

    scope = forms.ChoiceField(label="Whose work", required=False, widget=Radios,
                              choices=[("team", "The team's"), ("mine", "My own cases")])
    worker = forms.TypedChoiceField(label="Social worker", required=False, coerce=int, empty_value=None)
    code = forms.ChoiceField(label="What is due", required=False)
    within = forms.ChoiceField(label="Due", required=False, widget=Radios, initial="", choices=[
        ("", "Any time"), ("overdue", "Overdue only"), ("week", "Within 7 days"),
        ("month", "Within 28 days")])

    def __init__(self, *args, workers=(), may_choose_scope=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_choose_scope:
            del self.fields["scope"]
        if workers:
            self.fields["worker"].choices = [("", "Everyone"), *workers]
        else:
            del self.fields["worker"]
        self.fields["code"].choices = [("", "Anything"), *(
            (code, f"{rule.name} ({code})") for code, rule in RULES.items() if not code.startswith("T16"))]


class SignInForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        govuk_classes(self)

    def full_clean(self):
        super().full_clean()
        govuk_classes(self)


class CaseNoteForm(GovForm):
    """A case note (issue 16). Which children it is about, and whether each was seen and seen
    alone, come from the form's child fields (`children`, `seen_<id>`), built per sibling group."""

    kind = forms.ChoiceField(label="What kind of note is this?", widget=Radios,
                             choices=[])
    occurred_on = GovDateField(label="Date it happened", help_text="For example, 27 3 2026")
    occurred_at = forms.TimeField(label="Time it happened (optional)", required=False,
                                  help_text="For example, 14:30",
                                  widget=forms.TimeInput(attrs={"class": "govuk-input--width-5"},
                                                         format="%H:%M"))
    title = forms.CharField(label="Title", max_length=200,
                            help_text="A few words a colleague will recognise in the list")
    text = forms.CharField(
        label="Note", widget=forms.Textarea(attrs={"rows": 14}),
        max_length=CaseNote.NARRATIVE_LIMIT,
        help_text=f"Up to {CaseNote.NARRATIVE_LIMIT:,} characters. A blank line starts a paragraph; "
                  "start a line with '- ' for a list or '## ' for a heading.",
    )
    present = forms.CharField(label="Who was present (optional)", max_length=500, required=False)
    statutory_visit = forms.BooleanField(
        label="This was a statutory visit (it meets the child's visit timescale)", required=False)
    significant = forms.BooleanField(label="Significant event: show it in the chronology",
                                     required=False)
    sensitive = forms.BooleanField(
        label="Contains information about other people (third-party information)", required=False)

    def __init__(self, *args, children=(), kinds=(), **kwargs):
        """`children`: (child, checked) pairs the note may be about: the child and their siblings."""
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(kinds)
        self.children = list(children)
        self.fields["children"] = forms.MultipleChoiceField(
            label="Which children is this note about?", widget=Checkboxes,
            choices=[(str(c.pk), f"{c.first_name} {c.last_name}") for c, _ in self.children],
            initial=[str(c.pk) for c, on in self.children if on],
            error_messages={"required": "Choose at least one child"})
        for c, _ in self.children:
            self.fields[f"seen_{c.pk}"] = forms.ChoiceField(
                label=f"Was {c.first_name} seen?", widget=Radios, required=False,
                choices=[("alone", "Seen alone"), ("seen", "Seen, not alone"),
                         ("not_seen", "Not seen")])
        govuk_classes(self)

    def seen(self) -> dict[int, dict]:
        out = {}
        for c, _ in self.children:
            answer = self.cleaned_data.get(f"seen_{c.pk}") or ""
            out[c.pk] = {"seen": {"alone": True, "seen": True, "not_seen": False}.get(answer),
                         "seen_alone": answer == "alone"}
        return out


class ReasonForm(GovForm):
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=500, help_text="At least 10 characters. Kept in the audit.")


class NoteCorrectionForm(GovForm):
    title = forms.CharField(label="Title", max_length=200)
    text = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 14}),
                           max_length=CaseNote.NARRATIVE_LIMIT,
                           help_text=f"Up to {CaseNote.NARRATIVE_LIMIT:,} characters.")
    present = forms.CharField(label="Who was present (optional)", max_length=500, required=False)
    reason = forms.CharField(label="Why are you correcting this note?",
                             widget=forms.Textarea(attrs={"rows": 3}), max_length=500,
                             help_text="At least 10 characters. Shown with the amendment.")


class PersonForm(GovForm):
    kind = forms.ChoiceField(label="How are they related to the child?", choices=[])
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    aliases = forms.CharField(label="Other names they are known by (optional)", max_length=300,
                              required=False)
    date_of_birth = GovDateField(label="Date of birth (optional)", required=False,
                                 help_text="For example, 27 3 1990")
    sex = forms.ChoiceField(label="Sex", widget=Radios, required=False,
                            choices=[("F", "Female"), ("M", "Male"), ("U", "Not known")])
    language = forms.CharField(label="First language (optional)", max_length=60, required=False)
    phone = forms.CharField(label="Phone (optional)", max_length=30, required=False)
    email = forms.CharField(label="Email (optional)", max_length=200, required=False)
    parental_responsibility = forms.ChoiceField(
        label="Do they have parental responsibility?", widget=Radios, required=False,
        choices=[("yes", "Yes"), ("no", "No"), ("unknown", "Not known")])
    lives_with_child = forms.BooleanField(label="They live with the child", required=False)
    line_1 = forms.CharField(label="Address line 1 (optional)", max_length=200, required=False)
    town = forms.CharField(label="Town or city (optional)", max_length=100, required=False)
    postcode = forms.CharField(label="Postcode (optional)", max_length=8, required=False,
                               widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}))
    address_since = GovDateField(label="Living there since", required=False,
                                 help_text="Needed with an address. For example, 1 9 2024")

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Choose"), *kinds]
        govuk_classes(self)

    def clean(self):
        data = super().clean()
        if data.get("line_1") and not data.get("address_since") and "address_since" not in self.errors:
            self.add_error("address_since", "Say from when they have lived at this address")
        return data


class ProfessionalForm(GovForm):
    organisation_kind = forms.ChoiceField(label="Agency", choices=[])
    organisation_name = forms.CharField(label="Organisation", max_length=200,
                                        help_text="For example, Northgate Primary School")
    role = forms.CharField(label="Their role", max_length=100,
                           help_text="For example, class teacher, health visitor, solicitor")
    name = forms.CharField(label="Name", max_length=200)
    phone = forms.CharField(label="Phone (optional)", max_length=30, required=False)
    email = forms.CharField(label="Email (optional)", max_length=200, required=False)
    start_date = GovDateField(label="Working with the child since (optional)", required=False)

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation_kind"].choices = [("", "Choose"), *kinds]
        govuk_classes(self)


class DocumentForm(GovForm):
    file = forms.FileField(label="Upload a file",
                           help_text="PDF, image or office document, up to 20 MB")
    title = forms.CharField(label="Title (optional)", max_length=200, required=False)
    sensitive = forms.BooleanField(
        label="Contains information about other people (third-party information)", required=False)


class WarningForm(GovForm):
    kind = forms.ChoiceField(label="What kind of warning is it?", widget=Radios, choices=[])
    detail = forms.CharField(label="What should a colleague opening the record know?", max_length=300,
                             help_text="For example, a dog at the address: visit in pairs")
    start_date = GovDateField(label="Applies from", help_text="For example, 27 3 2026")

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(kinds)
        govuk_classes(self)


class CourtChronologyForm(GovForm):
    since = GovDateField(label="From (optional)", required=False, help_text="For example, 1 9 2025")
    until = GovDateField(label="To (optional)", required=False, help_text="For example, 31 3 2026")
    kinds = forms.MultipleChoiceField(label="Which events?", widget=Checkboxes, required=False,
                                      help_text="Leave all unticked for every kind")

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = list(kinds)
        govuk_classes(self)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "To must be the same as or after From")
        return data


# --- the words of a plan (issue 17) ------------------------------------------------------------


class PlanForm(GovForm):
    contingency = forms.CharField(
        label="Contingency: what happens if the plan does not work", required=False,
        widget=forms.Textarea(attrs={"rows": 4}), max_length=NARRATIVE_LIMIT)


class PlanOutcomeForm(GovForm):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(label="Outcome", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class PlanActionForm(GovForm):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    what = forms.CharField(label="What will be done", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    who = forms.CharField(label="Who will do it", required=False, max_length=200)
    by_when = GovDateField(label="By when", required=False)
    status = forms.ChoiceField(label="Where it stands", choices=ActionStatus.choices, initial="not_started")
    outcome_index = forms.ChoiceField(label="Towards which outcome", required=False, choices=[])

    def __init__(self, *args, outcomes: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome_index"].choices = [("", "Not tied to one outcome")] + [
            (str(i), f"Outcome {i + 1}") for i in range(outcomes)]
        govuk_classes(self)

    def is_blank(self) -> bool:
        d = self.cleaned_data
        return not d.get("id") and not (d.get("what") or "").strip() and not (d.get("who") or "").strip()


class PlanReviewForm(GovForm):
    held_on = GovDateField(label="Date of the meeting")
    meeting_kind = forms.ChoiceField(label="Which meeting", widget=Radios, choices=[])
    progress = forms.CharField(label="Progress against the plan", widget=forms.Textarea(attrs={"rows": 5}),
                               max_length=NARRATIVE_LIMIT)

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting_kind"].choices = [(m, ReviewMeeting(m).label) for m in meetings]


class ActionProgressForm(GovForm):
    action_id = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label="Where it stands now", choices=ActionStatus.choices)
    progress = forms.CharField(label="What was said of it", required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 2}))


class _RaisedWithForm(GovForm):
    """Whom the IRO raises a concern with at a stage: a member of staff, or someone not on the
    system (a director, say) by name."""

    raised_with = forms.ModelChoiceField(label="Raised with", queryset=None, required=False,
                                         empty_label="Someone not on the system (name below)")
    raised_with_name = forms.CharField(label="Their name and role, if not on the system", max_length=200,
                                       required=False)

    def __init__(self, *args, local_authority_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["raised_with"].queryset = User.objects.filter(
            is_active=True, local_authority_id=local_authority_id,
            role__in=("social_worker", "team_manager", "personal_adviser")).order_by("last_name")


class MonitoringForm(GovForm):
    held_on = GovDateField(label="Date")
    kind = forms.ChoiceField(label="What you did", widget=Radios, choices=MonitoringKind.choices)
    note = forms.CharField(label="What you found", widget=forms.Textarea(attrs={"rows": 5}),
                           max_length=NARRATIVE_LIMIT, help_text=NARRATIVE_HINT)
    concern_found = forms.ChoiceField(label="Did you find a concern about the child's plan or care?",
                                      choices=YES_NO_RADIOS, widget=Radios)


class PracticeAlertForm(_RaisedWithForm):
    raised_on = GovDateField(label="Date raised")
    category = forms.ChoiceField(label="What the concern is about", widget=Radios,
                                 choices=AlertCategory.choices)
    concern = forms.CharField(label="The concern", widget=forms.Textarea(attrs={"rows": 5}),
                              max_length=NARRATIVE_LIMIT, help_text=NARRATIVE_HINT)
    field_order = ["raised_on", "category", "concern", "raised_with", "raised_with_name"]


class AlertEscalateForm(_RaisedWithForm):
    escalated_on = GovDateField(label="Date escalated")
    field_order = ["escalated_on", "raised_with", "raised_with_name"]


class AlertRespondForm(GovForm):
    responded_on = GovDateField(label="Date of the response")
    response = forms.CharField(label="The response", widget=forms.Textarea(attrs={"rows": 5}),
                               max_length=NARRATIVE_LIMIT, help_text=NARRATIVE_HINT)


class AlertResolveForm(GovForm):
    resolved_on = GovDateField(label="Date resolved")
    resolution = forms.ChoiceField(label="How it was resolved", widget=Radios, choices=Resolution.choices)
    resolution_note = forms.CharField(label="What was agreed", widget=forms.Textarea(attrs={"rows": 4}),
                                      max_length=NARRATIVE_LIMIT, required=False)


ROLE_LABELS = {"social_worker": "Social worker", "team_manager": "Team manager",
               "iro": "IRO or child protection chair", "personal_adviser": "Personal adviser"}


class DecisionRuleForm(GovForm):
    roles = forms.MultipleChoiceField(label="Who takes this decision", widget=Checkboxes,
                                      choices=list(ROLE_LABELS.items()),
                                      help_text="Select all that apply")
    reason = forms.CharField(label="Why the council is changing it", widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=2000, help_text="For example, the decision of the children's "
                             "services leadership team and its date")


class DelegationForm(GovForm):
    delegate = forms.ModelChoiceField(label="Who takes your decisions", queryset=None)
    starts_on = GovDateField(label="From")
    ends_on = GovDateField(label="Until (the last day)")
    reason = forms.CharField(label="Why", max_length=500, help_text="For example, annual leave")

    def __init__(self, *args, local_authority_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = User.objects.filter(
            role__in=tuple(ROLE_LABELS), is_active=True, local_authority_id=local_authority_id
        ).order_by("last_name")
