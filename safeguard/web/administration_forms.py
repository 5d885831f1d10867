"""Forms of the council's administration pages (issue 18). They only shape what was typed; the
rules (unique codes, a manager who is a team manager, ...) are `workforce.services`' checks, whose
refusals are shown beside the field they name."""

from __future__ import annotations

from django import forms

from safeguard.workforce.models import User

from .forms import YES_NO_RADIOS, GovDateField, GovForm, Radios

ROLE_CHOICES = [("", "Choose a role"), *User.Role.choices]


def _team_choices(teams, blank: str = "No team") -> list[tuple[str, str]]:
    return [("", blank), *[(str(t.pk), f"{t.name} ({t.service})" if t.service else t.name) for t in teams]]


class CouncilForm(GovForm):
    name = forms.CharField(label="Council name", max_length=100, help_text="For example, Cheshire East")
    code = forms.CharField(label="ONS code", max_length=9,
                           help_text="The council's 9-character ONS (GSS) code, for example E06000049")
    la_number = forms.CharField(label="DfE LA number", max_length=3,
                                help_text="The 3-digit number the DfE returns use, for example 895")
    time_zone = forms.CharField(label="Time zone", max_length=60, initial="Europe/London",
                                help_text="The council's time zone: Europe/London in England")


class TeamForm(GovForm):
    name = forms.CharField(label="Team name", max_length=100)
    service = forms.CharField(label="Service", max_length=60, required=False,
                              help_text="The service the team belongs to, for example Front door or "
                                        "Children in care")
    manager = forms.ChoiceField(label="Team manager", required=False,
                                help_text="Only active staff with the team manager role are listed")

    def __init__(self, *args, managers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].choices = [("", "No manager yet"), *[(str(u.pk), str(u)) for u in managers]]


class StaffAddForm(GovForm):
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    username = forms.CharField(label="Username", max_length=150,
                               help_text="What they sign in with: letters, digits and @ . + - _")
    email = forms.CharField(label="Work email address", max_length=254)
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES)
    team = forms.ChoiceField(label="Team", required=False)
    sw_id = forms.CharField(label="Social Work England registration number", max_length=20, required=False,
                            help_text="For social workers, for example SW123456 (the SSDA903 SW_ID)")
    fte = forms.DecimalField(label="Full-time equivalent", max_digits=3, decimal_places=2, initial=1,
                             help_text="1 for full time, 0.6 for three days a week")
    agency = forms.ChoiceField(label="Agency worker?", choices=YES_NO_RADIOS, widget=Radios, initial="no")

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = _team_choices(teams)


class StaffChangeForm(GovForm):
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES)
    team = forms.ChoiceField(label="Team", required=False)

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = _team_choices(teams)


class DeactivateForm(GovForm):
    reason = forms.CharField(label="Why are they leaving?", max_length=500,
                             help_text="At least 10 characters, for example: left the council on 31 May; "
                                       "it is kept in the audit")


class StaffFilterForm(GovForm):
    """The staff list's filters (a GET form: a bad value is ignored, not an error)."""

    team = forms.ChoiceField(label="Team", required=False)
    role = forms.ChoiceField(label="Role", required=False, choices=[("", "All roles"), *User.Role.choices])
    status = forms.ChoiceField(label="Status", required=False,
                               choices=[("active", "Active"), ("inactive", "Deactivated"), ("all", "All")])

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = _team_choices(teams, blank="All teams")


class StaffImportForm(GovForm):
    file = forms.FileField(label="Upload a CSV file", help_text=(
        "The first line names the columns: username, first_name, last_name, email and role (required); "
        "team, service, sw_id, fte and agency (optional). A team not yet on record is created when the "
        "row gives its service."))


class HolidayForm(GovForm):
    date = GovDateField(label="Date of the bank holiday", help_text="For example, 8 5 2028")
    name = forms.CharField(label="Name of the holiday", max_length=100,
                           help_text="For example, Bank holiday for the coronation")


class SetPasswordForm(GovForm):
    password = forms.CharField(label="New password", max_length=200, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text="At least 12 characters: three random words work well")
    again = forms.CharField(label="Type the password again", max_length=200, strip=False,
                            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("again") is not None and data["password"] != data["again"]:
            self.add_error("again", "The passwords do not match: type the same password twice")
        return data
