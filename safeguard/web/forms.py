"""Forms for each step of the child's journey. They only shape what was typed; the rules live in
the services, whose violations are shown beside the field they name."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from safeguard.access.selectors import (
    SEARCH_IDENTIFIER,
    SEARCH_MAX_CHARS,
    SEARCH_MAX_IDENTIFIER,
    SEARCH_MAX_WORDS,
    SEARCH_NAME,
)
from safeguard.child_protection.models import Section47Enquiry
from safeguard.core import codes
from safeguard.core.errors import NARRATIVE_LIMIT
from safeguard.front_door.models import Contact, Referral
from safeguard.workforce.models import User

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
YES_NO = [("", "Choose"), ("yes", "Yes"), ("no", "No")]


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
        kind = (
            "govuk-select"
            if isinstance(w, forms.Select)
            else "govuk-textarea"
            if isinstance(w, forms.Textarea)
            else "govuk-checkboxes__input"
            if isinstance(w, forms.CheckboxInput)
            else "govuk-input"
        )
        error = form.is_bound and name in (form._errors or {})
        w.attrs["class"] = kind + (f" {kind}--error" if error and kind != "govuk-checkboxes__input" else "")
        described = [f"id_{name}-hint"] if field.help_text else []
        if error:
            described.append(f"id_{name}-error")
        if described:
            w.attrs["aria-describedby"] = " ".join(described)
        else:
            w.attrs.pop("aria-describedby", None)


def yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class ChildForm(GovForm):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    date_of_birth = forms.DateField(
        widget=DATE, required=False, help_text="Leave blank for an unborn child and give the expected date"
    )
    expected_date_of_birth = forms.DateField(widget=DATE, required=False)
    sex = forms.ChoiceField(choices=_choices(codes.Sex))
    ethnicity = forms.ChoiceField(choices=_choices(codes.Ethnicity))
    la_child_id = forms.CharField(label="LA child ID", max_length=36)
    upn = forms.CharField(label="UPN", max_length=13, required=False)
    upn_unknown = forms.ChoiceField(
        label="Reason UPN unknown", choices=_choices(codes.UPNUnknown, "Not applicable"), required=False
    )
    nhs_number = forms.CharField(label="NHS number", max_length=10, required=False)
    home_postcode = forms.CharField(max_length=8, required=False)


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
    response_date = forms.DateField(label="Decision date", widget=DATE)


class PrimaryNeedForm(GovForm):
    primary_need = forms.ChoiceField(label="Primary need", choices=_choices(codes.PrimaryNeed))


class AssessmentStartForm(GovForm):
    start_date = forms.DateField(label="Assessment start date", widget=DATE)


class AssessmentAuthoriseForm(GovForm):
    authorisation_date = forms.DateField(label="Authorisation date", widget=DATE)
    factors = forms.MultipleChoiceField(
        label="Factors identified at assessment",
        choices=codes.AssessmentFactor.choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    requires_support = forms.ChoiceField(
        label="Does the child need children's social care support?", choices=YES_NO
    )


class StrategyDiscussionForm(GovForm):
    held_on = forms.DateField(label="Date held", widget=DATE)
    s47_initiated = forms.ChoiceField(label="Were section 47 enquiries started?", choices=YES_NO)
    attendees = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                max_length=NARRATIVE_LIMIT, help_text=NARRATIVE_HINT)


class Section47StartForm(GovForm):
    start_date = forms.DateField(label="Section 47 start date", widget=DATE)


class Section47OutcomeForm(GovForm):
    end_date = forms.DateField(label="Date the enquiry ended", widget=DATE)
    outcome = forms.ChoiceField(choices=[("", "Choose"), *Section47Enquiry.Outcome.choices])
    icpc_not_required = forms.ChoiceField(label="Is an initial conference NOT required?", choices=YES_NO)


class ConferenceForm(GovForm):
    held_on = forms.DateField(label="Date of the initial conference", widget=DATE)
    plan_required = forms.ChoiceField(
        label="Did the conference decide the child needs a CP plan?", choices=YES_NO
    )
    chair = forms.ModelChoiceField(label="Chair", queryset=None, required=False)

    def __init__(self, *args, local_authority_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = User.objects.filter(
            role="iro", is_active=True, local_authority_id=local_authority_id
        )


class ReviewConferenceForm(GovForm):
    held_on = forms.DateField(label="Date of the review conference", widget=DATE)


class LookedAfterReviewForm(GovForm):
    review_date = forms.DateField(label="Date of the review", widget=DATE)
    participation = forms.ChoiceField(
        label="How the child took part", choices=_choices(codes.ReviewParticipation)
    )


class CPPlanForm(GovForm):
    start_date = forms.DateField(label="Plan start date", widget=DATE)
    initial_category = forms.ChoiceField(label="Category of abuse", choices=_choices(codes.CategoryOfAbuse))


class CINPlanStartForm(GovForm):
    start_date = forms.DateField(label="CIN plan start date", widget=DATE)


class CINPlanEndForm(GovForm):
    end_date = forms.DateField(label="CIN plan end date", widget=DATE)


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
    decom = forms.DateField(label="Date the child became looked after (DECOM)", widget=DATE)
    field_order = ["decom"]


class EpisodeChangeForm(_EpisodeForm):
    decom = forms.DateField(label="Date of the change (DECOM of the new episode)", widget=DATE)
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
    dec = forms.DateField(label="Date the child ceased to be looked after (DEC)", widget=DATE)
    rec = forms.ChoiceField(
        label="Reason episode ceased (REC)",
        choices=[c for c in _choices(codes.ReasonEpisodeCeased) if c[0] != "X1"],
        help_text="A change of placement or legal status is a new episode, not an end of care",
    )


class VisitForm(GovForm):
    visit_date = forms.DateField(widget=DATE)
    seen = forms.BooleanField(label="Child seen", required=False, initial=True)
    seen_alone = forms.BooleanField(label="Child seen alone", required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                            max_length=NARRATIVE_LIMIT, help_text=NARRATIVE_HINT)


class ClosureForm(GovForm):
    closure_date = forms.DateField(label="Closure date", widget=DATE)
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
    start_date = forms.DateField(widget=DATE)
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
    start_date = forms.DateField(widget=DATE)

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
    restricted = forms.ChoiceField(label="Restrict this record?", choices=YES_NO)
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
    date_of_birth = forms.DateField(widget=DATE, required=False)
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


class SignInForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        govuk_classes(self)

    def full_clean(self):
        super().full_clean()
        govuk_classes(self)
