"""Issue 15, finding 5 (lost update): a step's form carries the record it was read from, and the
version read, in hidden fields; a save made from a form that a colleague's save has overtaken is
refused, with what changed since shown from the record's history (django-simple-history), and
what the worker typed kept for them to check and save again."""

from __future__ import annotations

from django import forms
from django.utils import dateformat, timezone

from safeguard.core.errors import EditConflict

PK, VERSION = "record_pk", "record_version"
FIELDS = (PK, VERSION)
# Not worth showing as a change: who saved is said once per change, not as a field.
_NOT_SHOWN = ("recorded_by",)


def carry(form, record, *, version: bool) -> None:
    """Add the hidden fields: the record's primary key and, with `version`, the version read.
    Shown forms take the values as read now; posted forms take what the browser sent back."""
    form.fields[PK] = forms.CharField(widget=forms.HiddenInput, required=False, initial=_key(record))
    if version:
        form.fields[VERSION] = forms.CharField(
            widget=forms.HiddenInput, required=False, initial=record.version
        )


def _key(record) -> str:
    """Which record, by kind and primary key: a step whose target may be one of two kinds (the
    allocation a new one replaces, or the child when there is none) cannot mistake one for the other."""
    return f"{record._meta.label_lower}:{record.pk}"


def _whole(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def posted_version(form, record, *, version: bool) -> int | None:
    """Check the hidden fields a posted form carries against the record the step acts on now.
    Missing, garbled or another record's: a form error (the save is not attempted). Returns the
    version the form was read at (None where the step carries no version)."""
    label, _, number = (form.data.get(PK) or "").partition(":")
    pk = _whole(number) if label else None
    if pk is None:
        form.add_error(None, "This form is missing which record it was opened for. Open the step again.")
        return None
    if (label, pk) != (record._meta.label_lower, record.pk):
        form.add_error(
            None,
            f"This form was opened for another {record._meta.verbose_name} ({pk}) than the one this step "
            f"now acts on ({record.pk}): someone else has changed the record since. Open the step again.",
        )
        return None
    if not version:
        return None
    read = _whole(form.data.get(VERSION))
    if read is None or read < 1:
        form.add_error(None, "This form is missing which version of the record it was opened at. "
                             "Open the step again.")
    return read


def _shown(obj, name: str, value) -> str:
    """A value as a person reads it: a choice's label, a related record's name, blank said so."""
    if value in (None, "", [], ()):
        return "(blank)"
    try:
        field = obj._meta.get_field(name)
    except Exception:  # noqa: BLE001 - an m2m or renamed field: show the raw value
        return str(value)
    if getattr(field, "choices", None):
        label = dict(field.flatchoices).get(value, value)
        return f"{value}: {label}" if len(str(value)) <= 3 and label != value else str(label)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "get_full_name"):
        return value.get_full_name() or value.get_username()
    return str(value)


def _who(row) -> str:
    user = row.history_user
    if user is None:
        return "a system job"
    return user.get_full_name() or user.get_username()


def changes_since(obj, read_version: int) -> list[str]:
    """What happened to `obj` after the version a user read: one line per save since, naming each
    field changed (old → new), who saved it and when. Empty when the history does not hold the
    version read (e.g. a version the record never had), or for a record that keeps no history (an
    allegation)."""
    if not hasattr(obj, "history"):
        return []
    rows = list(obj.history.filter(version__gte=read_version).order_by("history_date", "history_id"))
    if not rows or rows[0].version != read_version:
        return []
    lines = []
    for before, after in zip(rows, rows[1:], strict=False):
        delta = after.diff_against(before, excluded_fields=_NOT_SHOWN, foreign_keys_are_objs=True)
        named = "; ".join(
            f"{obj._meta.get_field(c.field).verbose_name}: {_shown(obj, c.field, c.old)} → "
            f"{_shown(obj, c.field, c.new)}"
            for c in delta.changes
        )
        when = dateformat.format(timezone.localtime(after.history_date), r"j F Y \a\t H:i")
        lines.append(f"Changed by {_who(after)} on {when}: {named or 'no field you can see changed'}.")
    return lines


def refuse(form, exc: EditConflict) -> None:
    """The form shown again after a stale save: the refusal and what changed since as its errors
    (the GOV.UK error summary), and the version now carried, so that a worker who has checked the
    changes can save again on purpose."""
    obj, read = exc.obj, exc.expected_version
    name = obj._meta.verbose_name
    form.add_error(
        None,
        f"Someone else saved this {name} after you opened this form, so your change was not saved. "
        "What you typed is kept below: check what changed, then save again if it is still right.",
    )
    lines = changes_since(obj, read)
    for line in lines or [f"You opened version {read} of this {name}; it is now at version {obj.version}."]:
        form.add_error(None, line)
    data = form.data.copy()
    data[VERSION] = str(obj.version)
    form.data = data
