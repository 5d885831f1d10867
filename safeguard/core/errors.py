"""The errors every service raises, so views, API, CLI and imports report them the same way."""

from __future__ import annotations

import datetime as dt
import functools
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


@dataclass(frozen=True)
class Violation:
    """One broken rule: the field it concerns, the rule's code (DfE code where there is one)."""

    field: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message} [rule {self.rule}]"


class RecordInvalid(ValidationError):
    """A save refused at entry. Carries every violation found, not just the first."""

    def __init__(self, violations: list[Violation]):
        self.violations = list(violations)
        by_field: dict[str, list[ValidationError]] = {}
        for v in self.violations:
            by_field.setdefault(v.field, []).append(
                ValidationError(f"{v.message} [rule {v.rule}]", code=v.rule)
            )
        super().__init__(by_field)

    @property
    def rules(self) -> set[str]:
        return {v.rule for v in self.violations}

    def __str__(self) -> str:
        return "; ".join(str(v) for v in self.violations)


class EditConflict(Exception):
    """Someone else saved this record after you opened it; your change was not applied."""

    def __init__(self, obj, expected_version: int):
        self.obj = obj
        self.expected_version = expected_version
        super().__init__(
            f"{obj._meta.verbose_name} {obj.pk} was changed by someone else since you opened it "
            f"(you had version {expected_version}); reload it and apply your change again."
        )


_as_if_today: ContextVar[dt.date | None] = ContextVar("as_if_today", default=None)


def today() -> dt.date:
    """Today's date in the council's time zone (settings TIME_ZONE, whatever zone a request has
    activated): the limit for any date a worker records. Read straight from that zone, since the
    checks ask it for every record an import or the generator builds."""
    return _as_if_today.get() or dt.datetime.now(timezone.get_default_timezone()).date()


def now() -> dt.datetime:
    """The current moment, or the end of the as-if-today day when building a synthetic council."""
    day = _as_if_today.get()
    if day is None:
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def local_time(value: dt.datetime) -> dt.datetime:
    """A moment in the council's time zone (settings TIME_ZONE, not the user's active one), so a
    clock's dates are the same whether its record was built in memory or re-read (in UTC) from the
    database. A naive time is taken to be local already."""
    zone = timezone.get_default_timezone()
    if timezone.is_naive(value):
        return timezone.make_aware(value, zone)
    return value.astimezone(zone)


@contextmanager
def as_if_today(day: dt.date):
    """Run checks as though today were `day`. Only for building synthetic councils whose history
    must run to a collection year's end (e.g. 31 March 2027) before that day has come."""
    token = _as_if_today.set(day)
    try:
        yield
    finally:
        _as_if_today.reset(token)


#: No record of a child's life is dated before this (a date of birth of 1 January 0001 is a typing
#: slip, not a fact; DfE returns start far later).
EARLIEST_DATE = dt.date(1900, 1, 1)
#: The most a narrative (a TextField: notes, summaries, rationales) may hold: some pages of writing.
#: Longer is a pasted document, which belongs in the documents, not a field that every list reads.
NARRATIVE_LIMIT = 10_000
#: Control characters: none in a one-line value; free text may hold tabs and line breaks.
_CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_problem(value: str, limit: int, *, multiline: bool) -> str | None:
    """Why a typed or imported value cannot be stored as text (too long, a NUL or other control
    character, which PostgreSQL refuses with a traceback and SQLite stores), or None."""
    if len(value) > limit:
        return f"is {len(value):,} characters long; the limit is {limit:,}"
    bad = (_CONTROL_IN_TEXT if multiline else _CONTROL_IN_LINE).search(value)
    if bad:
        return (f"holds a control character (U+{ord(bad.group()):04X}) at position {bad.start() + 1}; "
                + ("only tabs and line breaks are allowed" if multiline else "none is allowed"))
    return None


@functools.cache
def _text_fields(model: type) -> tuple[tuple[str, str, int, bool], ...]:
    """(attribute, label, limit, multiline) for each free-text field of a model: CharFields without a
    code list (a coded field is checked against its list) and TextFields."""
    found = []
    for f in model._meta.concrete_fields:
        if isinstance(f, models.TextField):  # a model may allow longer narrative (a case note)
            found.append((f.attname, str(f.verbose_name), getattr(model, "NARRATIVE_LIMIT", NARRATIVE_LIMIT),
                          True))
        elif isinstance(f, models.CharField) and not f.choices and f.max_length:
            found.append((f.attname, str(f.verbose_name), f.max_length, False))
    return tuple(found)


@functools.cache
def _codes_of(choices: type) -> frozenset:
    """The codes of a DfE code list (a TextChoices class), built once: imports check millions."""
    return frozenset(code for code, _ in choices.choices)


class Checks:
    """Collects violations while a service validates, then raises them all together."""

    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self._texts_seen: set[int] = set()

    def require(self, condition: bool, field: str, rule: str, message: str) -> bool:
        if not condition:
            self.violations.append(Violation(field, rule, message))
        return bool(condition)

    def fail(self, field: str, rule: str, message: str) -> None:
        self.violations.append(Violation(field, rule, message))

    def not_future(self, value, field: str, rule: str, label: str) -> None:
        """Something that has happened cannot be dated after today, nor before 1900."""
        if value is not None:
            self.require(value <= today(), field, rule, f"{label} cannot be in the future")
            self.not_before_1900(value, field, label)

    def not_before_1900(self, value, field: str, label: str) -> None:
        """No date in a child's record is before 1900 (issue 15: 1 January 0001 was accepted)."""
        if value is not None:
            day = value.date() if isinstance(value, dt.datetime) else value
            self.require(day >= EARLIEST_DATE, field, "local",
                         f"{label} cannot be before 1 January 1900")

    def text(self, value, field: str, label: str, *, limit: int, multiline: bool = False,
             rule: str = "local") -> bool:
        """A typed value fits its field: at most `limit` characters, no control characters."""
        if not value or not isinstance(value, str):
            return True
        problem = text_problem(value, limit, multiline=multiline)
        return self.require(problem is None, field, rule, f"{label} {problem}")

    def free_text(self, obj) -> None:
        """Every free-text field of a record within its limit (the model's max_length, or
        NARRATIVE_LIMIT for a narrative) and free of control characters, checked before the
        database so SQLite and PostgreSQL refuse the same values the same way. Checked once per
        record per Checks, so an importer may call it after a check that already did."""
        if id(obj) in self._texts_seen:
            return
        self._texts_seen.add(id(obj))
        for attname, label, limit, multiline in _text_fields(type(obj)):
            self.text(getattr(obj, attname, ""), attname, label, limit=limit, multiline=multiline)

    def code(self, value, choices, field: str, rule: str, label: str, *, required=True) -> None:
        """A DfE code must be one of the codes in its list."""
        if value in (None, ""):
            if required:
                self.fail(field, rule, f"{label} is required")
            return
        valid = _codes_of(choices) if isinstance(choices, type) else choices
        if value not in valid:
            self.fail(field, rule, f"{label} '{value}' is not a valid code")

    def raise_if_any(self) -> None:
        if self.violations:
            raise RecordInvalid(self.violations)
