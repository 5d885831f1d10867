"""Forms for scorecard sets and the committee pack (issue 21, items 6 and 8). Measures are chosen
with checkboxes grouped by the catalogue's sections; their order and the set's own targets are typed,
one measure a line, as a committee report lists them."""

from __future__ import annotations

from django import forms

from safeguard.core.errors import NARRATIVE_LIMIT

from .forms import Checkboxes, GovForm, GroupedCheckboxes

QUARTERS = [
    (1, "Quarter 1 (April to June)"),
    (2, "Quarter 2 (July to September)"),
    (3, "Quarter 3 (October to December)"),
    (4, "Quarter 4 (January to March)"),
]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]


class ScorecardSetForm(GovForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label="Name", max_length=120, help_text="For example, Corporate parenting")
    purpose = forms.CharField(
        label="Who reads it (optional)",
        max_length=300,
        required=False,
        help_text="For example, the corporate parenting board, every quarter",
    )
    measures = forms.MultipleChoiceField(
        label="Measures",
        widget=GroupedCheckboxes,
        required=False,
        help_text="Choose the measures this scorecard holds",
    )
    order = forms.CharField(
        label="Order (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The measures' ids in the order the scorecard shows them, one a line, "
        "for example CP-04. Measures not listed follow in the catalogue's order.",
    )
    targets = forms.CharField(
        label="This scorecard's targets (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One a line: the measure's id and its target, for example "
        "CP-04 >=85 or LAC-05 <10 or WF-02 50-70. Others keep the "
        "council's target.",
    )

    def __init__(self, *args, catalogue: dict[str, list[tuple[str, str]]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measures"].choices = [
            (section, [(i, f"{i} {name}") for i, name in items]) for section, items in catalogue.items()
        ]

    def clean_order(self):
        return [i.upper() for i in _lines(self.cleaned_data.get("order", ""))]

    def clean_targets(self):
        out = {}
        for line in (self.cleaned_data.get("targets") or "").splitlines():
            if not line.strip():
                continue
            parts = line.split(None, 1)
            if len(parts) != 2:
                raise forms.ValidationError(
                    f"Targets: {line.strip()!r} needs the measure's id and its target, for example CP-04 >=85"
                )
            out[parts[0].upper()] = parts[1].strip()
        return out

    def ordered_measures(self) -> list[str]:
        """The chosen measures in the typed order, then the rest in the catalogue's order; an id typed
        in the order but not ticked is kept, so the service names it if it is unknown."""
        chosen = list(self.cleaned_data.get("measures") or [])
        order = self.cleaned_data.get("order") or []
        return list(dict.fromkeys([*order, *chosen]))


class CommentaryForm(GovForm):
    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        for row in rows:
            self.fields[f"comment_{row.id}"] = forms.CharField(
                label=f"{row.id} {row.name}",
                required=False,
                max_length=2_000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )


class PeriodForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(choices=QUARTERS, coerce=int)


class CommitteePackForm(GovForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label="Title", max_length=200)
    parts = forms.MultipleChoiceField(
        label="Parts of the pack",
        widget=Checkboxes,
        help_text="Each part adds its section to the supporting information and its detail to the appendices",
        error_messages={"required": "Parts: choose at least one part for the pack"},
    )
    purpose = forms.CharField(
        label="Purpose of the report",
        max_length=NARRATIVE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Purpose of the report: say what the report is for"},
    )
    recommendations = forms.CharField(
        label="Recommendations",
        max_length=NARRATIVE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="A blank line between recommendations",
        error_messages={"required": "Recommendations: say what the committee is asked to do"},
    )
    financial = forms.CharField(
        label="Financial implications (optional)",
        max_length=NARRATIVE_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    legal = forms.CharField(
        label="Legal implications (optional)",
        max_length=NARRATIVE_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    risk = forms.CharField(
        label="Risk implications (optional)",
        max_length=NARRATIVE_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    supporting = forms.CharField(
        label="Supporting information: introduction (optional)",
        max_length=NARRATIVE_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, parts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parts"].choices = list(parts)
