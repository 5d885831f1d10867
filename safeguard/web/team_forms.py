"""The team manager's forms (issue 18, item 2): allocating a child from the Unallocated tray."""

from __future__ import annotations

from django import forms


class TrayAllocateForm(forms.Form):
    """Allocation in a click: one of the team's workers, each shown with their weighted caseload.
    The allocation starts today; a back-dated start is the child page's "Allocate a social worker"."""

    worker = forms.TypedChoiceField(
        label="Social worker", coerce=int,
        error_messages={
            "required": "Choose the social worker to allocate the child to",
            "invalid_choice": "Choose one of your team's social workers: the worker chosen is not in "
                              "your team or council",
        },
    )

    def __init__(self, *args, caseloads=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].choices = [(c.worker.pk, str(c.worker)) for c in caseloads]
