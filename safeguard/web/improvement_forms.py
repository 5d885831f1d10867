"""The improvement plan's forms (issue 21, item 5). They only shape what was typed; the rules are
the plan's services' (`safeguard.assurance.improvement.services`), whose refusals are shown beside
the field they name, so the fields carry the services' names."""

from __future__ import annotations

from django import forms

from safeguard.assurance.improvement.models import ActionStatus, Judgement

from .forms import GovDateField, GovForm, Radios


def _date(label: str, required: bool = True, hint: str = "For example, 27 3 2026") -> GovDateField:
    return GovDateField(
        label=label,
        required=required,
        help_text=hint,
        error_messages={"required": f"Enter the {label[:1].lower()}{label[1:]}"},
    )


def _text(label: str, required: bool = False, hint: str = "", rows: int = 5) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=hint,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": f"Enter the {label[:1].lower()}{label[1:]}"},
    )


class InspectionForm(GovForm):
    source = forms.CharField(
        label="Inspection or review",
        max_length=200,
        help_text="For example, Ofsted ILACS inspection, or peer review",
    )
    reported_on = _date("Date of the report")
    reference = forms.CharField(
        label="Reference (optional)",
        max_length=60,
        required=False,
        help_text="For example, the inspection's unique reference number",
    )


class RecommendationForm(GovForm):
    number = forms.IntegerField(
        label="Number (optional)",
        required=False,
        min_value=1,
        max_value=999,
        help_text="As numbered in the report; leave blank for the next number",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    text = _text("Recommendation", required=True, hint="As the report words it", rows=4)
    made_on = _date(
        "Date of the recommendation",
        required=False,
        hint="Leave blank for the date of the inspection's report",
    )
    source = forms.CharField(
        label="Source (optional)",
        max_length=200,
        required=False,
        help_text="Leave blank for the inspection, or give the paragraph",
    )
    background = _text("Background", hint="What the inspectors found, and why it matters")


class ActionForm(GovForm):
    what = _text("What is to be done", required=True, rows=3)
    owner = forms.ChoiceField(label="Owner")
    due_date = _date("Due date")
    status = forms.ChoiceField(
        label="Status",
        widget=Radios,
        initial=ActionStatus.NOT_STARTED,
        choices=[c for c in ActionStatus.choices if c[0] != ActionStatus.DONE],
    )

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [
            ("", "Choose"),
            *[(u.pk, u.get_full_name() or u.get_username()) for u in owners],
        ]


class ActionUpdateForm(GovForm):
    status = forms.ChoiceField(
        label="How does the action stand?", widget=Radios, choices=ActionStatus.choices
    )
    done_on = _date("Date it was done", required=False, hint="Only if it is done. For example, 27 3 2026")
    note = _text("Progress (optional)", rows=3)


class MeasureForm(GovForm):
    indicator_id = forms.ChoiceField(
        label="Measure",
        help_text="A measure of the performance scorecard; its value is kept at each judgement",
    )
    note = _text("What it shows (optional)", rows=3)

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator_id"].choices = [("", "Choose a measure"), *measures]


class AuditLinkForm(GovForm):
    audit = forms.ChoiceField(
        label="Audit evidence",
        help_text="A theme or domain of the audit scorecard, or one audit programme; "
        "the share graded good or better is kept at each judgement",
    )
    note = _text("What it shows (optional)", rows=3)

    def __init__(self, *args, themes=(), domains=(), programmes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audit"].choices = [
            ("", "Choose"),
            ("Audit themes", [(f"theme:{k}", v) for k, v in themes]),
            ("Audit domains", [(f"domain:{k}", v) for k, v in domains]),
            *([("Audit programmes", [(f"programme:{k}", v) for k, v in programmes])] if programmes else []),
        ]

    def link(self) -> dict:
        scope, _, key = self.cleaned_data["audit"].partition(":")
        if scope == "programme":
            return {"scope": scope, "programme_id": int(key) if key.isdigit() else None}
        return {"scope": scope, "key": key}


class EvidenceTextForm(GovForm):
    label = forms.CharField(
        label="Evidence",
        max_length=200,
        help_text="For example, Practice week findings, or Peer review letter",
    )
    note = _text("What it shows", required=True, rows=4)


class JudgementForm(GovForm):
    judged_on = _date("Date of the judgement")
    judgement = forms.ChoiceField(label="Judgement", widget=Radios, choices=Judgement.choices)
    agreed_by = forms.CharField(
        label="Agreed by",
        max_length=200,
        help_text="The person or board who agreed it, for example Improvement Board",
    )
    commentary = _text("Evaluation", required=True, hint="Why this judgement: what the evidence shows")
    monitored_by = forms.CharField(
        label="Where it is monitored",
        max_length=200,
        required=False,
        help_text="Until it is met: the board or committee that monitors it",
    )


class AsOfForm(GovForm):
    """The report's date, read from the query string."""

    as_of = _date("Report as at", required=False, hint="For example, 31 3 2026. Leave blank for today")
