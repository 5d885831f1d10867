"""The LADO's forms (issue 18, item 3). They only shape what was typed; the rules are the LADO
services' (`safeguard.lado.checks`), whose refusals are shown beside the field they name, so the
form fields carry the services' names."""

from __future__ import annotations

from django import forms

from safeguard.lado.models import (
    CategoryOfHarm,
    EmployerAction,
    EmployingAgency,
    Outcome,
    ReferringAgency,
    Response,
    Setting,
)

from .forms import DeskFilterForm, GovDateField, GovForm, Radios

#: A yes/no question the LADO may not yet be able to answer (the model's fields may be empty).
KNOWN = [("yes", "Yes"), ("no", "No"), ("unknown", "Not known yet")]


def known(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def shown_known(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "unknown")


def _choices(enum, blank="Choose"):
    return [("", blank), *enum.choices]


def _date(label: str, required: bool = True, hint: str = "For example, 27 3 2026") -> GovDateField:
    return GovDateField(label=label, required=required, help_text=hint,
                        error_messages={"required": f"Enter the {label[:1].lower()}{label[1:]}"})


class AllegationFilterForm(DeskFilterForm):
    due_label = "Next LADO timescale due"


class AllegationDetailsForm(GovForm):
    """The referral as the LADO receives it (KCSIE Part 4; INDICATORS.md B11's categories)."""

    reference = forms.CharField(label="LADO reference", max_length=40,
                                help_text="Your council's reference, for example LADO-2026-014")
    referral_date = _date("Date the referral was received")
    referring_agency = forms.ChoiceField(label="Referring agency", choices=_choices(ReferringAgency))
    adult_name = forms.CharField(label="The adult's name", max_length=200, required=False)
    employer_name = forms.CharField(label="Employer", max_length=200, required=False,
                                    help_text="The organisation, for example Riverside Primary School")
    role = forms.CharField(label="The adult's role", max_length=100, required=False,
                           help_text="For example, class teacher, foster carer, football coach")
    employing_agency = forms.ChoiceField(label="Kind of employer", required=False,
                                         choices=_choices(EmployingAgency, "Not known"))
    setting = forms.ChoiceField(label="Setting", required=False, choices=_choices(Setting, "Not known"))
    employer_aware_date = _date("Date the employer became aware", required=False)
    category_of_harm = forms.ChoiceField(label="Category of harm", widget=Radios, required=False,
                                         choices=CategoryOfHarm.choices)
    disability = forms.ChoiceField(label="Are children with disabilities involved?", widget=Radios,
                                   choices=KNOWN, initial="unknown")
    non_recent = forms.ChoiceField(label="Is it a non-recent allegation?", widget=Radios, choices=KNOWN,
                                   initial="unknown")

    @classmethod
    def initial_of(cls, a) -> dict:
        return {"reference": a.reference, "referral_date": a.referral_date,
                "referring_agency": a.referring_agency, "role": a.role, "adult_name": a.adult_name,
                "employer_name": a.employer_name,
                "employing_agency": a.employing_agency,
                "setting": a.setting, "employer_aware_date": a.employer_aware_date,
                "category_of_harm": a.category_of_harm, "disability": shown_known(a.disability),
                "non_recent": shown_known(a.non_recent)}

    def service_fields(self) -> dict:
        d = self.cleaned_data
        return {"reference": d["reference"], "referral_date": d["referral_date"],
                "referring_agency": d["referring_agency"], "role": d["role"].strip(),
                "adult_name": d["adult_name"].strip(), "employer_name": d["employer_name"].strip(),
                "employing_agency": d["employing_agency"], "setting": d["setting"],
                "employer_aware_date": d["employer_aware_date"], "category_of_harm": d["category_of_harm"],
                "disability": known(d["disability"]), "non_recent": known(d["non_recent"])}


class ResponseForm(GovForm):
    response = forms.ChoiceField(label="The LADO's response", widget=Radios, choices=Response.choices)
    response_date = _date("Date of the decision")


class MeetingForm(GovForm):
    held_on = _date("Date of the meeting")


class ReviewForm(GovForm):
    held_on = _date("Date of the review")


class InvolvementForm(GovForm):
    police_involved = forms.ChoiceField(label="Are the police investigating?", widget=Radios, choices=KNOWN)
    court_proceedings = forms.ChoiceField(label="Are there court proceedings?", widget=Radios, choices=KNOWN)


class CloseForm(GovForm):
    closure_date = _date("Date the allegation was concluded")
    outcome = forms.ChoiceField(
        label="Outcome", widget=Radios, required=False, choices=Outcome.choices,
        help_text="Required when the threshold was met (KCSIE Part 4 definitions); "
                  "not recorded after consultation or no further action")
    employer_action = forms.ChoiceField(label="Employer action", required=False,
                                        choices=_choices(EmployerAction, "Not known yet"))


class OutcomeForm(GovForm):
    outcome = forms.ChoiceField(label="Outcome", widget=Radios, required=False, choices=Outcome.choices)
    employer_action = forms.ChoiceField(label="Employer action", required=False,
                                        choices=_choices(EmployerAction, "Not known yet"))
