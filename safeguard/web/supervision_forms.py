"""Supervision's forms (issue 21, item 3): they shape what was typed; the rules are the supervision
services' (`safeguard.assurance.supervision.services`)."""

from __future__ import annotations

from django import forms

from .forms import GovDateField, GovForm, Radios, govuk_classes

#: Case decisions a session's form offers (more are recorded in a second session form).
DECISION_ROWS = 3


class SessionForm(GovForm):
    """A supervision: date, who else was there, the reflective discussion (private to the two),
    and up to three case decisions, each written on the child's record as management oversight."""

    held_on = GovDateField(label="Date of the supervision", help_text="For example, 27 3 2026",
                           error_messages={"required": "Enter the date of the supervision"})
    others_present = forms.CharField(label="Others present", max_length=500, required=False,
                                     help_text="Anyone other than the two of you, for example an observing "
                                               "practice educator")
    reflective = forms.CharField(
        label="Reflective discussion", required=False, widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Only you and the worker can read this. It is not copied to any child's record.")

    def __init__(self, *args, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Choose a child"), *[(c.pk, f"{c.first_name} {c.last_name} ({c.la_child_id})")
                                             for c in children]]
        for i in range(1, DECISION_ROWS + 1):
            self.fields[f"child_{i}"] = forms.ChoiceField(label=f"Case decision {i}: child", required=False,
                                                          choices=choices)
            self.fields[f"decision_{i}"] = forms.CharField(
                label=f"Case decision {i}: the decision", required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="Recorded on the child's record as management oversight")
        govuk_classes(self)

    def decisions(self) -> list[dict]:
        d = self.cleaned_data
        return [{"child_id": int(d[f"child_{i}"]) if d.get(f"child_{i}") else None,
                 "decision": d.get(f"decision_{i}") or ""} for i in range(1, DECISION_ROWS + 1)]


class FrequencyForm(GovForm):
    unit = forms.ChoiceField(label="Counted in", widget=Radios, choices=[("D", "Days"), ("M", "Months")])
    amount = forms.IntegerField(label="At least once every", min_value=1, max_value=366,
                                widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    reason = forms.CharField(label="Reason for the change", widget=forms.Textarea(attrs={"rows": 3}))


class ArrangementForm(GovForm):
    supervisor = forms.ChoiceField(label="Supervisor")
    asye_started_on = GovDateField(label="Date the ASYE began", required=False,
                                   help_text="Only for a newly qualified social worker in their first year")

    def __init__(self, *args, supervisors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].choices = [(u.pk, u.get_full_name() or u.username) for u in supervisors]
