"""The complaints desk's forms (issue 21, item 4). They only shape what was typed; the rules are
the complaints services' (`safeguard.assurance.complaints.services`), whose refusals are shown
beside the field they name, so the fields carry the services' names."""

from __future__ import annotations

from django import forms

from safeguard.assurance.complaints.models import ComplainantKind, Outcome, Theme

from .forms import DeskFilterForm, GovDateField, GovForm, Radios

YES_NO = [("yes", "Yes"), ("no", "No")]
ACCEPTED = [("yes", "Yes"), ("no", "No"), ("unknown", "Not answered yet")]


def _date(label: str, required: bool = True) -> GovDateField:
    return GovDateField(label=label, required=required, help_text="For example, 27 3 2026",
                        error_messages={"required": f"Enter the {label[:1].lower()}{label[1:]}"})


def _text(label: str, required: bool = False, hint: str = "", rows: int = 5) -> forms.CharField:
    return forms.CharField(label=label, required=required, help_text=hint,
                           widget=forms.Textarea(attrs={"rows": rows}))


class ComplaintFilterForm(DeskFilterForm):
    due_label = "Next timescale due"


class ComplaintForm(GovForm):
    """A complaint as received; stage 1 starts on the day it was received."""

    reference = forms.CharField(label="Complaint reference", max_length=40,
                                help_text="Your council's reference, for example CS-2026-031")
    received_on = _date("Date the complaint was received")
    complainant_kind = forms.ChoiceField(label="Who made the complaint?", widget=Radios,
                                         choices=ComplainantKind.choices)
    complainant_name = forms.CharField(label="Complainant's name", max_length=200, required=False)
    la_child_id = forms.CharField(label="The child's LA child ID", max_length=36, required=False,
                                  help_text="If the complaint is about a child: the ID on their record")
    team = forms.ChoiceField(label="Team complained about", required=False)
    theme = forms.ChoiceField(label="What is it about?", choices=[("", "Choose"), *Theme.choices])
    summary = _text("Summary of the complaint")
    advocacy_offered = forms.ChoiceField(label="Was advocacy offered?", widget=Radios, choices=YES_NO,
                                         help_text="A child or young person who complains must be offered "
                                                   "help from an advocate")
    advocacy_accepted = forms.ChoiceField(label="Was advocacy accepted?", widget=Radios, choices=ACCEPTED,
                                          initial="unknown", required=False)

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "No team"), *[(t.pk, t.name) for t in teams]]

    def service_fields(self) -> dict:
        d = self.cleaned_data
        return dict(reference=d["reference"], received_on=d["received_on"],
                    complainant_kind=d["complainant_kind"], complainant_name=d["complainant_name"],
                    la_child_id=d["la_child_id"], team_id=int(d["team"]) if d["team"] else None,
                    theme=d["theme"], summary=d["summary"], advocacy_offered=d["advocacy_offered"] == "yes",
                    advocacy_accepted={"yes": True, "no": False}.get(d.get("advocacy_accepted") or ""))


class ExtendForm(GovForm):
    extended_on = _date("Date of the extension")
    reason = _text("Reason for the extension", required=True,
                   hint="The complainant is told the reason and the new date", rows=3)


class RespondForm(GovForm):
    responded_on = _date("Date of the response")
    outcome = forms.ChoiceField(label="Outcome", widget=Radios, choices=Outcome.choices)
    findings = _text("Summary of the response")


class EscalateForm(GovForm):
    requested_on = _date("Date the next stage was requested")
    investigator = forms.CharField(label="Investigating officer", max_length=200, required=False,
                                   help_text="Stage 2 only")
    independent_person = forms.CharField(label="Independent person", max_length=200, required=False,
                                         help_text="Stage 2 only")


class PanelForm(GovForm):
    panel_held_on = _date("Date the review panel was held")
    panel_report_on = _date("Date of the panel's report", required=False)


class CloseForm(GovForm):
    closed_on = _date("Date of closure")
    ended = forms.ChoiceField(label="How did it end?", widget=Radios, choices=[
        ("closed", "Answered and closed"), ("withdrawn", "Withdrawn by the complainant")], initial="closed")
    learning = _text("Learning", hint="What the service will change as a result")


class ComplimentForm(GovForm):
    received_on = _date("Date the compliment was received")
    from_kind = forms.ChoiceField(label="Who was it from?", widget=Radios, choices=ComplainantKind.choices)
    team = forms.ChoiceField(label="Team", required=False)
    summary = _text("What they said", required=True)

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "No team"), *[(t.pk, t.name) for t in teams]]
