"""Allocating a child's case to a worker, IRO or personal adviser: allocations are part of the
child's record, so each function is one `Change` to it (record/change.py): checked, saved, audited
and the clocks refreshed in one transaction; a refused save changes nothing.

Below them, setting up the council (issue 18): the council, its teams and staff, each change
checked, saved and audited in one transaction, and the reads its administration pages need."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import re
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from safeguard.audit.services import audit_detail, audit_record
from safeguard.core import codes
from safeguard.core.errors import Checks, RecordInvalid, Violation
from safeguard.notifications.services import Kind, notify
from safeguard.record.change import Change
from safeguard.record.history import ChildHistory

from .models import Allocation, LocalAuthority, Team, User

_ROLES_FOR = {"social_worker": ("social_worker", "team_manager"), "iro": ("iro",),
              "personal_adviser": ("personal_adviser", "social_worker")}


def current_allocation(history: ChildHistory, kind: str) -> Allocation | None:
    return next((a for a in history.allocations if a.kind == kind and a.end_date is None), None)


def check_allocation_start(history: ChildHistory, allocation: Allocation, worker: User,
                           change_reason: str, checks: Checks) -> None:
    """One allocation of each kind at a time, to someone whose role can hold it; a change of
    social worker gives the 903 reason (SW13STG1) and starts after the last (SW10STG2)."""
    checks.code(allocation.kind, Allocation.Kind, "kind", "local", "Allocation kind")
    checks.not_future(allocation.start_date, "start_date", "local", "An allocation")
    checks.require(worker.role in _ROLES_FOR.get(allocation.kind, ()), "worker", "local",
                   f"{worker} is a {worker.get_role_display()}, not able to hold this allocation")
    current = current_allocation(history, allocation.kind)
    if current is not None:
        checks.require(allocation.start_date > current.start_date, "start_date", "903 SW10STG2",
                       "a new allocation must start after the current one")
        checks.code(change_reason, codes.SocialWorkerChangeReason, "change_reason", "903 SW13STG1",
                    "Reason for change of worker", required=allocation.kind == "social_worker")


@transaction.atomic
def allocation_start(*, by, child_id: int, worker_id: int, start_date: dt.date,
                     kind: str = Allocation.Kind.SOCIAL_WORKER, change_reason: str = "") -> Allocation:
    """Allocate the case. Any open allocation of the same kind ends the day before with the
    reason given (903 SW_REASON), so a child always has one worker of each kind."""
    change = Change.of_child(child_id, by=by, event="allocation_start")
    worker = User.objects.get(pk=worker_id)
    allocation = Allocation(child=change.child, worker=worker, team=worker.team, kind=kind,
                            start_date=start_date)
    # Checked while the current allocation is still open; it is ended before the new one is
    # added, because the database holds one open allocation of each kind even for a moment.
    check_allocation_start(change.history, allocation, worker, change_reason, change.checks)
    # Live entry only (an imported return's workers are the exporting council's, as recorded there).
    change.checks.require(worker.is_active and worker.local_authority_id == change.child.local_authority_id,
                          "worker", "local", f"{worker} works for another council or has left")
    current = current_allocation(change.history, kind)
    if current is not None:
        change.edit(current, to={"end_date": start_date - dt.timedelta(days=1),
                                 "end_reason": change_reason})
    change.new(allocation)
    saved = change.save(allocation)
    notify(worker, Kind.ALLOCATED, f"This child's case is allocated to you from {start_date:%-d %B %Y}.",
           reverse("web:child", args=[change.child.pk]), change.child, by=by)
    return saved


# --- setting up the council: the council, its teams and its staff (issue 18, item 4) -------------
# An administrator's changes (or a command's, `by=None`: a system job, as for the calendar). Each
# function checks everything first (pure checks naming field, rule and message), then saves and
# writes its audit rows in the one shape (`audit_detail`) inside one transaction. Staff are never
# deleted: a leaver is deactivated, so the record keeps who did what.

#: An English council's ONS code (GSS): a unitary (E06), metropolitan district (E08), London borough
#: (E09) or county (E10): the councils with children's services (Children Act 2004 s.63).
ONS_CODE = re.compile(r"^E(06|08|09|10)\d{6}$")
#: A DfE LA number is three digits (the CIN census's LEA, the SSDA903 header's LA).
LA_NUMBER = re.compile(r"^\d{3}$")
#: The SSDA903 SW_ID (a Social Work England registration number, e.g. SW123456): letters and digits.
SW_ID = re.compile(r"^[A-Za-z0-9]{1,20}$")
USERNAME = re.compile(r"^[\w.@+-]{1,150}$")
FIRST_PASSWORD_MIN = 12
#: The most staff one CSV file brings in, and its size: a council's whole workforce fits easily.
IMPORT_MAX_ROWS = 5_000
IMPORT_MAX_BYTES = 2_000_000
MIN_REASON = 10


def _check_administrator(by, checks: Checks, council_id: int | None = None) -> None:
    """A person doing this must be an active administrator, of this council when one is named
    (a command run on the server, `by=None`, is the system)."""
    if by is None:
        return
    if checks.require(getattr(by, "is_active", False) and by.role == User.Role.ADMINISTRATOR, "by",
                      "local", "only the council's administrators set up the council and its staff"):
        if council_id is not None and by.local_authority_id is not None:
            checks.require(by.local_authority_id == council_id, "by", "local",
                           "you administer another council")


def check_council(council: LocalAuthority, checks: Checks) -> None:
    """The council's name, ONS code, DfE LA number and time zone, each well formed and (for the
    codes) not already another council's, since the returns find the council by them."""
    checks.require(bool(council.name.strip()), "name", "local", "give the council's name")
    checks.text(council.name, "name", "The council's name", limit=100)
    if checks.require(bool(ONS_CODE.match(council.code or "")), "code", "local",
                      "the ONS code is E06, E08, E09 or E10 and six digits, like E06000049"):
        checks.require(not LocalAuthority.objects.filter(code=council.code).exclude(pk=council.pk).exists(),
                       "code", "local", f"another council on record has ONS code {council.code}")
    if checks.require(bool(LA_NUMBER.match(str(council.la_number or ""))) and int(council.la_number) >= 100,
                      "la_number", "local", "the DfE LA number is three digits, like 895"):
        checks.require(not LocalAuthority.objects.filter(la_number=council.la_number).exclude(
            pk=council.pk).exists(), "la_number", "local",
            f"another council on record has LA number {council.la_number}")
    checks.require(council.time_zone in _time_zones(), "time_zone", "local",
                   f"{str(council.time_zone)[:60]!r} is not a time zone: use a name like Europe/London")


def _time_zones() -> set[str]:
    return zoneinfo.available_timezones()


def _la_number(value) -> int | str:
    """A typed LA number as a number when it is one, else as typed (so the check can name it)."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and len(text) <= 4 else text


@transaction.atomic
def council_create(*, by, name: str, ons_code: str, la_number, time_zone: str = "Europe/London"
                   ) -> LocalAuthority:
    """Put a council on record: the first step of setting up a fresh database. An administrator
    who belongs to no council yet becomes this council's administrator."""
    checks = Checks()
    _check_administrator(by, checks)
    if by is not None:
        checks.require(by.local_authority_id is None, "by", "local",
                       "you are already an administrator of a council: change its details instead")
    council = LocalAuthority(name=(name or "").strip(), code=(ons_code or "").strip().upper(),
                             la_number=_la_number(la_number), time_zone=(time_zone or "").strip())
    check_council(council, checks)
    checks.raise_if_any()
    council.save()
    audit_record(actor=by, action="create", obj=council, detail=audit_detail("council_create", None, council))
    if by is not None:
        before = User.objects.get(pk=by.pk)
        after = copy.copy(before)
        after.local_authority = council
        after.save(update_fields=["local_authority"])
        by.local_authority = council  # the signed-in user, as this request goes on to use it
        audit_record(actor=by, action="update", obj=after,
                     detail=audit_detail("council_create", before, after))
    return council


def _held(model, pk: int, checks: Checks, field: str, missing: str):
    """The row to change, locked for this transaction; refused with `missing` if there is none."""
    found = model.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        checks.fail(field, "local", missing)
        checks.raise_if_any()
    return found


def _save_change(by, event: str, before, after, checks: Checks, field: str, **save):
    """Refuse a change that changes nothing; else save it and audit before and after."""
    detail = audit_detail(event, before, after)
    checks.require(bool(detail["changes"]), field, "local", "nothing was changed")
    checks.raise_if_any()
    after.save(**save)
    audit_record(actor=by, action="update", obj=after, detail=detail)
    return after


@transaction.atomic
def council_change(*, by, council_id: int, name: str, ons_code: str, la_number, time_zone: str
                   ) -> LocalAuthority:
    """Correct the council's details (a new name after a reorganisation, a mistyped code)."""
    checks = Checks()
    _check_administrator(by, checks, council_id)
    council = _held(LocalAuthority, council_id, checks, "council", "there is no such council")
    before = copy.copy(council)
    council.name, council.code = (name or "").strip(), (ons_code or "").strip().upper()
    council.la_number, council.time_zone = _la_number(la_number), (time_zone or "").strip()
    check_council(council, checks)
    return _save_change(by, "council_change", before, council, checks, "name")


def check_team(team: Team, checks: Checks) -> None:
    """A team's name is unique in its council (people pick it from lists); its manager is an
    active team manager of the same council."""
    checks.require(bool(team.name.strip()), "name", "local", "give the team's name")
    checks.text(team.name, "name", "The team's name", limit=100)
    checks.text(team.service, "service", "The service", limit=60)
    if team.name.strip():
        checks.require(not Team.objects.filter(local_authority_id=team.local_authority_id,
                                               name__iexact=team.name).exclude(pk=team.pk).exists(),
                       "name", "local", f"the council has a team called {team.name} already")
    if team.manager_id is not None:
        manager = User.objects.filter(pk=team.manager_id).first()
        checks.require(manager is not None and manager.is_active and manager.role == User.Role.TEAM_MANAGER
                       and manager.local_authority_id == team.local_authority_id, "manager", "local",
                       "the manager must be an active team manager of the council")


@transaction.atomic
def team_create(*, by, council_id: int, name: str, service: str = "", manager_id: int | None = None) -> Team:
    """Add a team (and so its service, which is the name teams share)."""
    checks = Checks()
    _check_administrator(by, checks, council_id)
    checks.require(LocalAuthority.objects.filter(pk=council_id).exists(), "council", "local",
                   "set up the council first")
    team = Team(local_authority_id=council_id, name=(name or "").strip(), service=(service or "").strip(),
                manager_id=manager_id)
    check_team(team, checks)
    checks.raise_if_any()
    team.save()
    audit_record(actor=by, action="create", obj=team, detail=audit_detail("team_create", None, team))
    return team


@transaction.atomic
def team_change(*, by, team_id: int, name: str, service: str, manager_id: int | None) -> Team:
    """Rename a team, move it to another service or give it a new manager."""
    checks = Checks()
    team = _held(Team, team_id, checks, "team", "there is no such team")
    _check_administrator(by, checks, team.local_authority_id)
    before = copy.copy(team)
    team.name, team.service, team.manager_id = (name or "").strip(), (service or "").strip(), manager_id
    check_team(team, checks)
    return _save_change(by, "team_change", before, team, checks, "name")


def check_staff(user: User, checks: Checks, *, new: bool) -> None:
    """A member of staff: a username no one else has (any case), names, a working email, a role,
    a team of the same council, and (SSDA903 SW_ID) a registration number no colleague has."""
    if new:
        before = len(checks.violations)
        for name, label in (("username", "username"), ("first_name", "first name"),
                            ("last_name", "last name"), ("email", "work email address")):
            checks.require(bool(getattr(user, name)), name, "local", f"give the {label}")
        _check_row_fields(user, checks)
        bad = {v.field for v in checks.violations[before:]}
        if "username" not in bad:
            checks.require(not User.objects.filter(username__iexact=user.username).exists(), "username",
                           "local", f"someone on record already has the username {user.username}")
        if "email" not in bad:
            checks.require(not User.objects.filter(email__iexact=user.email, is_active=True).exists(),
                           "email", "local", f"someone on record already has the email {user.email}")
        if user.sw_id and "sw_id" not in bad:
            checks.require(not User.objects.filter(local_authority_id=user.local_authority_id,
                                                   sw_id__iexact=user.sw_id).exists(),
                           "sw_id", "903 SW_ID", f"a colleague has registration number {user.sw_id}")
        checks.require(user.fte is not None and Decimal("0.01") <= user.fte <= 1, "fte", "local",
                       "the full-time equivalent is from 0.01 to 1, like 0.6")
    checks.code(user.role, User.Role, "role", "local", "Role")
    if user.team_id is not None:
        checks.require(Team.objects.filter(pk=user.team_id,
                                           local_authority_id=user.local_authority_id).exists(),
                       "team", "local", "choose a team of the council")


@transaction.atomic
def staff_add(*, by, council_id: int, username: str, first_name: str, last_name: str, email: str,
              role: str, team_id: int | None = None, sw_id: str = "", fte=Decimal(1),
              is_agency: bool = False) -> User:
    """Add a member of staff, who cannot sign in until they set a password from the link made for
    them (`first_password_link`): nobody else ever knows it."""
    checks = Checks()
    _check_administrator(by, checks, council_id)
    checks.require(LocalAuthority.objects.filter(pk=council_id).exists(), "council", "local",
                   "set up the council first")
    user = User(username=(username or "").strip(), first_name=(first_name or "").strip(),
                last_name=(last_name or "").strip(), email=(email or "").strip(), role=role,
                team_id=team_id, local_authority_id=council_id, sw_id=(sw_id or "").strip(),
                fte=fte, is_agency=bool(is_agency))
    check_staff(user, checks, new=True)
    checks.raise_if_any()
    user.set_unusable_password()
    user.save()
    audit_record(actor=by, action="create", obj=user, detail=audit_detail("staff_add", None, user))
    return user


def _managed_teams(user: User) -> list[str]:
    return list(Team.objects.filter(manager_id=user.pk).order_by("name").values_list("name", flat=True))


@transaction.atomic
def staff_change(*, by, user_id: int, role: str, team_id: int | None) -> User:
    """Move someone to another team or role. A manager still named as a team's manager keeps that
    role until the team has another (the team's decisions must go to someone)."""
    checks = Checks()
    user = _held(User, user_id, checks, "user", "there is no such member of staff")
    _check_administrator(by, checks, user.local_authority_id)
    before = copy.copy(user)
    user.role, user.team_id = role, team_id
    check_staff(user, checks, new=False)
    if by is not None:
        checks.require(user.pk != by.pk or role == before.role, "role", "local",
                       "you cannot change your own role: ask another administrator")
    if before.role == User.Role.TEAM_MANAGER and role != User.Role.TEAM_MANAGER:
        managed = _managed_teams(user)
        checks.require(not managed, "role", "local",
                       f"{user} manages {', '.join(managed)}: give the team another manager first")
    return _save_change(by, "staff_change", before, user, checks, "role", update_fields=["role", "team"])


@transaction.atomic
def staff_deactivate(*, by, user_id: int, reason: str) -> User:
    """Someone leaves: they can no longer sign in, and stay on record as the author of what they
    did. Their children are reallocated and their teams given a manager first, so no child's case
    is left with someone who has gone."""
    checks = Checks()
    user = _held(User, user_id, checks, "user", "there is no such member of staff")
    _check_administrator(by, checks, user.local_authority_id)
    checks.require(user.is_active, "user", "local", f"{user} is not active already")
    if by is not None:
        checks.require(user.pk != by.pk, "user", "local", "you cannot deactivate yourself")
    open_cases = Allocation.objects.filter(worker_id=user.pk, end_date__isnull=True).count()
    checks.require(open_cases == 0, "user", "local",
                   f"{user} holds {open_cases} open allocation{'s' if open_cases != 1 else ''}: "
                   "reallocate the children first")
    managed = _managed_teams(user)
    checks.require(not managed, "user", "local", f"{user} manages {', '.join(managed)}: "
                   "give the team another manager first")
    reason = (reason or "").strip()
    checks.require(len(reason) >= MIN_REASON, "reason", "local",
                   f"give the reason in at least {MIN_REASON} characters; it is kept in the audit")
    checks.text(reason, "reason", "The reason", limit=500)
    checks.raise_if_any()
    before = copy.copy(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(actor=by, action="update", obj=user, reason=reason,
                 detail=audit_detail("staff_deactivate", before, user))
    return user


def first_password_link(user: User) -> tuple[str, str]:
    """(uidb64, token) for the page where a new member of staff sets their own password. Shown to
    the administrator once (page or command output); it stops working once a password is set, or
    after PASSWORD_RESET_TIMEOUT (Django's signed token)."""
    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


def _user_for_link(uidb64: str, token: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    return user if user is not None and default_token_generator.check_token(user, token) else None


def first_password_user(uidb64: str, token: str) -> User | None:
    """Whose link this is, while it still works (else None)."""
    return _user_for_link(uidb64, token)


@transaction.atomic
def staff_password_link(*, by, user_id: int) -> tuple[User, tuple[str, str]]:
    """A new set-password link for someone whose first link expired or who forgot their password:
    audited (who made a link for whom), though nothing changes until the link is used."""
    checks = Checks()
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        checks.fail("user", "local", "there is no such member of staff")
        checks.raise_if_any()
    _check_administrator(by, checks, user.local_authority_id)
    checks.require(user.is_active, "user", "local", f"{user} is deactivated")
    checks.raise_if_any()
    audit_record(actor=by, action="update", obj=user, reason="set-password link made",
                 detail={"event": "staff_password_link", "changes": {}})
    return user, first_password_link(user)


@transaction.atomic
def staff_password_set(*, uidb64: str, token: str, password: str) -> User:
    """A member of staff sets their password from the link they were given (NCSC password
    guidance: long rather than complex; at least 12 characters, such as three random words)."""
    checks = Checks()
    user = _user_for_link(uidb64, token)
    checks.require(user is not None, "password", "local",
                   "this link has expired or been used: ask your administrator for a new one")
    password = password or ""
    checks.require(len(password) >= FIRST_PASSWORD_MIN, "password", "local",
                   f"the password is at least {FIRST_PASSWORD_MIN} characters: three random words work well")
    checks.require(len(password) <= 200, "password", "local", "the password is at most 200 characters")
    if user is not None and len(password) >= FIRST_PASSWORD_MIN:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            for message in exc.messages:
                checks.fail("password", "local", message)
    checks.raise_if_any()
    before = copy.copy(user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action="update", obj=user,
                 detail=audit_detail("staff_password_set", before, user))
    return user


# --- staff from a CSV file, all or nothing ----------------------------------------------------------

STAFF_COLUMNS = ("username", "first_name", "last_name", "email", "role", "team", "service", "sw_id", "fte",
                 "agency")
STAFF_REQUIRED = ("username", "first_name", "last_name", "email", "role")
_YES, _NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0", ""}


@dataclass
class StaffImported:
    """What a clean file brought in: the staff (in file order) and the teams it created."""

    file: str
    staff: list[User] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)

    def __str__(self) -> str:
        staff, teams = len(self.staff), len(self.teams)
        return (f"{self.file}: {staff} member{'s' if staff != 1 else ''} of staff added"
                + (f", {teams} team{'s' if teams != 1 else ''} created" if teams else ""))


def _role_of(text: str) -> str | None:
    """A role as the file gives it: its code (team_manager) or its name (Team manager)."""
    key = text.strip().lower()
    for value, label in User.Role.choices:
        if key in (value, label.lower(), value.replace("_", " ")):
            return value
    return None


def _read_staff_csv(name: str, content: bytes | str, fail) -> list[tuple[int, dict[str, str]]] | None:
    """The file's rows as (line, {column: value}), or None when the file or its header cannot be
    read at all (a bad row is reported and the rest still read)."""
    if isinstance(content, bytes):
        if len(content) > IMPORT_MAX_BYTES:
            fail(0, "file", f"the file is {len(content):,} bytes; the most is {IMPORT_MAX_BYTES:,}")
            return None
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            fail(0, "file", f"the file is not UTF-8 text (byte {exc.start + 1}): save it as CSV UTF-8")
            return None
    content = content.removeprefix("\ufeff")
    if "\x00" in content:
        fail(0, "file", "the file holds a NUL character: it is not a CSV text file")
        return None
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        fail(1, "header", f"the header cannot be read: {exc}")
        return None
    if not header or not any(h.strip() for h in header):
        fail(1, "header", "the file is empty: the first line names the columns "
             f"({', '.join(STAFF_COLUMNS)})")
        return None
    columns = [h.strip().lower().replace(" ", "_") for h in header]
    for i, column in enumerate(columns, 1):
        if column not in STAFF_COLUMNS:
            fail(1, column or f"column {i}", f"unknown column {header[i - 1][:40]!r}: the columns are "
                 f"{', '.join(STAFF_COLUMNS)}")
        elif columns.index(column) != i - 1:
            fail(1, column, f"the column {column} is named twice")
    for column in STAFF_REQUIRED:
        if column not in columns:
            fail(1, column, f"the header has no {column} column, which is required")
    if any(c not in STAFF_COLUMNS for c in columns) or len(set(columns)) != len(columns) or not set(
            STAFF_REQUIRED) <= set(columns):
        return None
    rows = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= IMPORT_MAX_ROWS:
                fail(line, "file", f"the file has more than {IMPORT_MAX_ROWS:,} rows: split it")
                break
            if len(values) != len(columns):
                fail(line, "row", f"the row has {len(values)} values; the header names {len(columns)}")
                continue
            rows.append((line, {c: v.strip() for c, v in zip(columns, values, strict=True)}))
    except csv.Error as exc:
        fail(reader.line_num, "row", f"the line cannot be read as CSV: {exc}")
    return rows


def staff_import(*, by, council_id: int, name: str, content: bytes | str) -> StaffImported:
    """Bring a council's staff in from a CSV file with a header row, all or nothing: every problem
    in the file is reported at once (file, line, column, rule) and nothing is saved unless the
    whole file is right. A team the file names that is not on record is created when the row gives
    its service, and refused when it does not (a typing slip must not make a team)."""
    problems: list[Violation] = []

    def fail(line: int, column: str, message: str, rule: str = "local") -> None:
        problems.append(Violation(f"{name}:{line}:{column}", rule, message))

    checks = Checks()
    _check_administrator(by, checks, council_id)
    checks.require(LocalAuthority.objects.filter(pk=council_id).exists(), "council", "local",
                   "set up the council first")
    checks.raise_if_any()
    rows = _read_staff_csv(name, content, fail)
    if rows is None:
        raise RecordInvalid(problems)
    teams = {t.name.lower(): t for t in Team.objects.filter(local_authority_id=council_id)}
    new_teams: dict[str, tuple[int, Team]] = {}  # by lower-case name: (line that made it, team)
    seen: dict[str, dict[str, int]] = {"username": {}, "email": {}, "sw_id": {}}
    taken = _taken(council_id, rows)
    staff: list[tuple[int, User]] = []
    for line, row in rows:
        user, ok = _staff_row(line, row, council_id, teams, new_teams, fail)
        for column, label in (("username", "username"), ("email", "email"),
                              ("sw_id", "registration number")):
            value = getattr(user, column).lower()
            if not value:
                continue
            rule = "903 SW_ID" if column == "sw_id" else "local"
            if value in seen[column]:
                fail(line, column, f"{label} {getattr(user, column)} is also on line {seen[column][value]}",
                     rule)
            else:
                seen[column][value] = line
            if value in taken[column]:
                fail(line, column, f"someone on record already has the {label} {getattr(user, column)}", rule)
        if ok:
            staff.append((line, user))
    if problems:
        raise RecordInvalid(problems)
    return _staff_import_save(by=by, name=name, staff=staff, teams=[t for _, t in new_teams.values()])


def _taken(council_id: int, rows) -> dict[str, set[str]]:
    """Usernames, emails and registration numbers already on record that the file also names:
    three queries whatever the file's length (each list cut into chunks SQLite can take)."""
    wanted = {c: sorted({r.get(c, "").lower() for _, r in rows if r.get(c)})
              for c in ("username", "email", "sw_id")}
    found: dict[str, set[str]] = {c: set() for c in wanted}
    for column, values in wanted.items():
        for i in range(0, len(values), 500):
            chunk = values[i:i + 500]
            qs = User.objects.annotate(key=Lower(column)).filter(key__in=chunk)
            if column == "sw_id":
                qs = qs.filter(local_authority_id=council_id)
            if column == "email":
                qs = qs.filter(is_active=True)
            found[column] |= set(qs.values_list("key", flat=True))
    return found


def _staff_row(line: int, row: dict[str, str], council_id: int, teams: dict[str, Team],
               new_teams: dict[str, tuple[int, Team]], fail) -> tuple[User, bool]:
    """One row as a new member of staff and whether it is right, each problem reported at its
    column (every column is checked, so one pass reports all of a row's problems)."""
    ok = True

    def bad(column: str, message: str, rule: str = "local") -> None:
        nonlocal ok
        ok = False
        fail(line, column, message, rule)

    for column in STAFF_REQUIRED:
        if not row.get(column):
            bad(column, f"{column.replace('_', ' ')} is required")
    role = _role_of(row.get("role", ""))
    if row.get("role") and role is None:
        bad("role", f"role {row['role'][:40]!r} is not one of: "
            + ", ".join(value for value, _ in User.Role.choices))
    team = None
    team_name = row.get("team", "")
    service = row.get("service", "")
    if team_name:
        team = teams.get(team_name.lower())
        if team is not None:
            if service and service.lower() != team.service.lower():
                bad("service", f"team {team.name} is in the service {team.service or '(none)'!r}, "
                    f"not {service[:60]!r}")
        elif team_name.lower() in new_teams:
            made_on, team = new_teams[team_name.lower()]
            if service and service.lower() != team.service.lower():
                bad("service", f"line {made_on} puts the new team {team.name} in {team.service!r}, "
                    f"not {service[:60]!r}")
        elif service:
            team = Team(local_authority_id=council_id, name=team_name, service=service)
            team_checks = Checks()
            team_checks.text(team.name, "team", "The team's name", limit=100)
            team_checks.text(team.service, "service", "The service", limit=60)
            for v in team_checks.violations:
                bad(v.field, v.message)
            new_teams[team_name.lower()] = (line, team)
        else:
            bad("team", f"there is no team {team_name[:100]!r} on record: add it first, or give its "
                "service in the service column to create it")
    elif service:
        bad("service", "a service is given without a team")
    fte = Decimal(1)
    if row.get("fte"):
        try:
            fte = Decimal(row["fte"])
        except InvalidOperation:
            fte = None
        if fte is None or not fte.is_finite() or not Decimal("0.01") <= fte <= 1 or fte != fte.quantize(
                Decimal("0.01")):
            bad("fte", f"fte {row['fte'][:20]!r} is not a full-time equivalent from 0.01 to 1, like 0.6")
            fte = Decimal(1)
    agency = row.get("agency", "").lower()
    if agency not in _YES | _NO:
        bad("agency", f"agency {row['agency'][:20]!r} is not yes or no")
    user = User(username=row.get("username", ""), first_name=row.get("first_name", ""),
                last_name=row.get("last_name", ""), email=row.get("email", ""), role=role or "",
                local_authority_id=council_id, sw_id=row.get("sw_id", ""), fte=fte, is_agency=agency in _YES)
    checks = Checks()
    _check_row_fields(user, checks)
    for v in checks.violations:
        bad(v.field, v.message, v.rule)
    user._import_team = team  # saved with the teams, which may be new
    return user, ok


def _check_row_fields(user: User, checks: Checks) -> None:
    """The per-field rules of `check_staff` that need no database (uniqueness is checked across
    the whole file and the record at once by the caller)."""
    if user.username:
        checks.require(bool(USERNAME.match(user.username)), "username", "local",
                       "the username is letters, digits and @ . + - _ only, at most 150 characters")
    checks.text(user.first_name, "first_name", "The first name", limit=150)
    checks.text(user.last_name, "last_name", "The last name", limit=150)
    if user.email:
        try:
            validate_email(user.email)
        except ValidationError:
            checks.fail("email", "local",
                        f"{user.email[:254]!r} is not an email address, like name@council.gov.uk")
    if user.sw_id:
        checks.require(bool(SW_ID.match(user.sw_id)), "sw_id", "903 SW_ID",
                       "the registration number is letters and digits, at most 20, like SW123456")


@transaction.atomic
def _staff_import_save(*, by, name: str, staff: list[tuple[int, User]], teams: list[Team]) -> StaffImported:
    result = StaffImported(file=name)
    for team in teams:
        team.save()
        audit_record(actor=by, action="create", obj=team, reason=f"staff import {name}"[:500],
                     detail=audit_detail("staff_import", None, team))
        result.teams.append(team)
    for _line, user in staff:
        team = user.__dict__.pop("_import_team", None)
        user.team = team
        user.set_unusable_password()
        user.save()
        audit_record(actor=by, action="create", obj=user, reason=f"staff import {name}"[:500],
                     detail=audit_detail("staff_import", None, user))
        result.staff.append(user)
    return result
