"""The case file audit forms (issue 21, item 1): running a programme, grading, moderating,
responding, and the actions arising. A grading form has a pair of fields per domain of the tool."""

from __future__ import annotations

import datetime as dt

from django import forms

from safeguard.assurance.audits.models import Grade, ProgrammeKind, Theme

from .forms import Checkboxes, GovDateField, GovForm, Radios

GRADES = list(Grade.choices)


def _month_choices(today: dt.date, back: int = 12) -> list[tuple[str, str]]:
    out, m = [], today.replace(day=1)
    for _ in range(back):
        out.append((f"{m:%Y-%m}", f"{m:%B %Y}"))
        m = (m - dt.timedelta(days=1)).replace(day=1)
    return out


class ProgrammeForm(GovForm):
    title = forms.CharField(label="Title", max_length=160,
                            help_text="For example, Assessment Team A, March case file audit")
    kind = forms.ChoiceField(label="Kind of programme", widget=Radios, choices=ProgrammeKind.choices,
                             error_messages={"required": "Choose the kind of programme"})
    theme = forms.ChoiceField(label="Theme (themed, IRO and multi-agency audits)", required=False,
                              choices=[("", "None (a monthly sample)"), *Theme.choices])
    tool = forms.TypedChoiceField(label="Audit tool", coerce=int)
    month = forms.ChoiceField(label="Month audited")
    teams = forms.TypedMultipleChoiceField(label="Teams", coerce=int, required=False, widget=Checkboxes,
                                           help_text="A monthly sample draws from each team's open cases")
    per_team = forms.IntegerField(label="Children drawn from each team", min_value=1, max_value=20, initial=2)
    auditor = forms.TypedChoiceField(label="Auditor", coerce=int)
    moderator = forms.TypedChoiceField(label="Moderator (second grader)", coerce=int, required=False,
                                       empty_value=None)

    def __init__(self, *args, tools=(), teams=(), staff=(), today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tool"].choices = [(t.pk, t.name) for t in tools]
        self.fields["month"].choices = _month_choices(today)
        self.fields["teams"].choices = [(t.pk, t.name) for t in teams]
        people = [(u.pk, f"{u} ({u.get_role_display()})") for u in staff]
        self.fields["auditor"].choices = [("", "Choose"), *people]
        self.fields["moderator"].choices = [("", "No moderation"), *people]


class ResponseForm(GovForm):
    response = forms.CharField(label="Your response to the findings", max_length=10_000,
                               widget=forms.Textarea(attrs={"rows": 5}))


class ActionForm(GovForm):
    what = forms.CharField(label="What is to be done", widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=2_000)
    assigned_to = forms.TypedChoiceField(label="Assigned to", coerce=int)
    due_date = GovDateField(label="Due date", help_text="For example, 27 3 2026")

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].choices = [("", "Choose"), *[(u.pk, str(u)) for u in staff]]


class ActionDoneForm(GovForm):
    done_note = forms.CharField(label="What was done", widget=forms.Textarea(attrs={"rows": 3}),
                                max_length=2_000)
    done_on = GovDateField(label="Date it was done", required=False,
                           help_text="Leave blank for today. For example, 27 3 2026")


class GradingForm(GovForm):
    """A grade (radios) and evidence per domain; `prefix_name` names the pair, so the moderation
    form reuses it with its own words. Moderation adds the agreed grade where the graders differ."""

    def __init__(self, *args, domains=(), evidence_label="Evidence", overall_label="Overall grade",
                 note_label="Summary of findings", note_required=False, agreed=False, agency=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.domains = list(domains)
        if agency:  # a multi-agency audit: one partner's grades, no overall judgement
            self.fields["agency"] = forms.CharField(label="Partner agency", max_length=120,
                                                    help_text="For example, Police, School nursing")
        for d in self.domains:
            self.fields[f"grade_{d.pk}"] = forms.ChoiceField(
                label=f"{d.title}: grade", choices=GRADES, widget=Radios, required=False)
            self.fields[f"evidence_{d.pk}"] = forms.CharField(
                label=f"{d.title}: {evidence_label.lower()}", widget=forms.Textarea(attrs={"rows": 3}),
                required=False, max_length=10_000)
            if agreed:
                self.fields[f"agreed_{d.pk}"] = forms.ChoiceField(
                    label=f"{d.title}: grade agreed with the auditor (only if you differ)", choices=GRADES,
                    widget=Radios, required=False)
                self.fields[f"agreed_reason_{d.pk}"] = forms.CharField(
                    label=f"{d.title}: how the difference was resolved", required=False, max_length=10_000,
                    widget=forms.Textarea(attrs={"rows": 2}))
        if not agency:
            self.fields["overall"] = forms.ChoiceField(label=overall_label, choices=GRADES, widget=Radios,
                                                       required=False)
            self.fields["note"] = forms.CharField(label=note_label, widget=forms.Textarea(attrs={"rows": 4}),
                                                  required=note_required, max_length=10_000)
        from .forms import govuk_classes

        govuk_classes(self)

    def pairs(self):
        """Per domain: the domain and its bound fields (grade, evidence, and agreed ones if any)."""
        for d in self.domains:
            yield d, [self[name] for name in (f"grade_{d.pk}", f"evidence_{d.pk}", f"agreed_{d.pk}",
                                              f"agreed_reason_{d.pk}") if name in self.fields]

    def grades(self) -> dict:
        c = self.cleaned_data
        return {d.pk: (c.get(f"grade_{d.pk}", ""), c.get(f"evidence_{d.pk}", "")) for d in self.domains}

    def agreed(self) -> dict:
        c = self.cleaned_data
        return {d.pk: (c.get(f"agreed_{d.pk}", ""), c.get(f"agreed_reason_{d.pk}", ""))
                for d in self.domains if f"agreed_{d.pk}" in self.fields}

