"""The council's administration pages (issue 18, item 4): the council, its teams and services, its
staff (add, change role and team, deactivate, reset a second factor, import from CSV), who decides
(the existing /decisions/) and the bank-holiday calendar, for the council's administrators in the
app rather than Django's admin. Thin: the rules, the audit and the reads are `workforce.services`',
the second factor's `access.services`', the calendar's `timescales.services`'."""

from __future__ import annotations

import datetime as dt
import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from safeguard.access import policy, selectors
from safeguard.access import services as access
from safeguard.core.errors import RecordInvalid, today
from safeguard.timescales import selectors as calendar_selectors
from safeguard.timescales.services import calendar_add_holiday
from safeguard.workforce import selectors as council_staff
from safeguard.workforce import services
from safeguard.workforce.models import User

from . import administration_forms as forms
from .views import _page_number, _violations_to_form


def administrator(view=None, *, needs_council: bool = True):
    """Only the council's administrators (others 403); one with no council yet (a fresh database)
    is sent to set it up first."""

    def wrap(view):
        @login_required
        @functools.wraps(view)
        def inner(request, *args, **kwargs):
            if policy.role_of(request.user) != policy.ADMINISTRATOR:
                raise PermissionDenied("the administration pages are for the council's administrators")
            if needs_council and request.user.local_authority_id is None:
                return redirect("web:admin_council")
            return view(request, *args, **kwargs)

        return inner

    return wrap(view) if view is not None else wrap


def _int(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) <= 12 else None


def _link(request, uidb64: str, token: str) -> str:
    return request.build_absolute_uri(reverse("web:set_password", args=[uidb64, token]))


def _links(request, title: str, people, teams=()):
    """Each new person's set-password link, shown this once (nothing keeps it)."""
    return render(request, "web/administration/link.html", {
        "title": title, "teams": teams, "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "people": [(u, _link(request, *services.first_password_link(u))) for u in people]})


# --- the index and the council -------------------------------------------------------------------


@administrator(needs_council=False)
def index(request):
    """What setting up the council involves, and how far it has gone."""
    council = request.user.local_authority
    if council is None:
        return redirect("web:admin_council")
    return render(request, "web/administration/index.html", {
        "council": council, "summary": council_staff.council_summary(council.pk)})


@administrator(needs_council=False)
def council(request):
    """Set up the council (a fresh database) or correct its details."""
    council = request.user.local_authority
    initial = ({"name": council.name, "code": council.code, "la_number": council.la_number,
                "time_zone": council.time_zone} if council else None)
    form = forms.CouncilForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if council is None:
                services.council_create(by=request.user, name=d["name"], ons_code=d["code"],
                                        la_number=d["la_number"], time_zone=d["time_zone"])
            else:
                services.council_change(by=request.user, council_id=council.pk, name=d["name"],
                                        ons_code=d["code"], la_number=d["la_number"],
                                        time_zone=d["time_zone"])
        except RecordInvalid as exc:
            _violations_to_form(form, exc)
        else:
            messages.success(request, "Saved: the council's details")
            return redirect("web:administration")
    return render(request, "web/administration/form.html", {
        "form": form, "title": "Set up your council" if council is None else "The council's details",
        "intro": "" if council else "Before anything else, put your council on record. The returns find it "
                                    "by its ONS code and DfE LA number.",
        "back": council is not None}, status=400 if form.errors else 200)


# --- teams ---------------------------------------------------------------------------------------


@administrator
def teams(request):
    return render(request, "web/administration/teams.html",
                  {"teams": council_staff.teams_of(request.user.local_authority_id)})


@administrator
def team(request, team_id: int | None = None):
    """Add a team, or change its name, service or manager."""
    council_id = request.user.local_authority_id
    found = council_staff.team_of(council_id, team_id) if team_id is not None else None
    if team_id is not None and found is None:
        raise Http404("no such team")
    initial = ({"name": found.name, "service": found.service, "manager": found.manager_id or ""}
               if found else None)
    form = forms.TeamForm(request.POST or None, initial=initial,
                          managers=council_staff.managers_of(council_id))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if found is None:
                saved = services.team_create(by=request.user, council_id=council_id, name=d["name"],
                                             service=d["service"], manager_id=_int(d["manager"]))
            else:
                saved = services.team_change(by=request.user, team_id=found.pk, name=d["name"],
                                             service=d["service"], manager_id=_int(d["manager"]))
        except RecordInvalid as exc:
            _violations_to_form(form, exc)
        else:
            messages.success(request, f"Saved: {saved.name}")
            return redirect("web:admin_teams")
    return render(request, "web/administration/form.html", {
        "form": form, "title": "Add a team" if found is None else f"Change {found.name}",
        "back": True, "back_to": reverse("web:admin_teams"), "back_label": "Back to teams"},
        status=400 if form.errors else 200)


# --- staff ---------------------------------------------------------------------------------------


@administrator
def staff(request):
    """The council's staff, paged with the total, filtered by team, role and whether active."""
    council_id = request.user.local_authority_id
    team_list = council_staff.teams_of(council_id)
    form = forms.StaffFilterForm(request.GET or {"status": "active"}, teams=team_list)
    chosen = form.cleaned_data if form.is_valid() else {"status": "active"}
    status = chosen.get("status") or "active"
    found = council_staff.staff_list(council_id, team_id=_int(chosen.get("team")),
                                     role=chosen.get("role") or "",
                                     active={"active": True, "inactive": False}.get(status),
                                     page=_page_number(request))
    query = "&".join(f"{k}={v}" for k, v in (("team", chosen.get("team")), ("role", chosen.get("role")),
                                            ("status", status)) if v)
    return render(request, "web/administration/staff.html", {
        "form": form, "found": found, "page": found.page, "query": query,
        "page_links": found.page_links})


@administrator
def staff_add(request):
    """Add a member of staff; their set-password link is shown once, here."""
    council_id = request.user.local_authority_id
    form = forms.StaffAddForm(request.POST or None, teams=council_staff.teams_of(council_id))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = services.staff_add(
                by=request.user, council_id=council_id, username=d["username"], first_name=d["first_name"],
                last_name=d["last_name"], email=d["email"], role=d["role"], team_id=_int(d["team"]),
                sw_id=d["sw_id"], fte=d["fte"], is_agency=d["agency"] == "yes")
        except RecordInvalid as exc:
            _violations_to_form(form, exc, {"user": None})
        else:
            return _links(request, f"{user} is added", [user])
    return render(request, "web/administration/form.html", {
        "form": form, "title": "Add a member of staff", "back": True, "back_to": reverse("web:admin_staff"),
        "back_label": "Back to staff",
        "intro": "They cannot sign in until they set their own password from the link shown next."},
        status=400 if form.errors else 200)


@administrator
def member(request, user_id: int):
    """One member of staff: their details; change their role and team."""
    council_id = request.user.local_authority_id
    user = council_staff.staff_member(council_id, user_id)
    if user is None:
        raise Http404("no such member of staff")
    form = forms.StaffChangeForm(request.POST or None, teams=council_staff.teams_of(council_id),
                                 initial={"role": user.role, "team": user.team_id or ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_change(by=request.user, user_id=user.pk, role=form.cleaned_data["role"],
                                  team_id=_int(form.cleaned_data["team"]))
        except RecordInvalid as exc:
            _violations_to_form(form, exc, {"user": None})
        else:
            messages.success(request, f"Saved: {user}'s role and team")
            return redirect("web:admin_member", user_id=user.pk)
    return render(request, "web/administration/member.html", {
        "member": user, "form": form, "factor": selectors.second_factor_of(user),
        "is_self": user.pk == request.user.pk}, status=400 if form.errors else 200)


@administrator
def deactivate(request, user_id: int):
    """Someone leaves: they can no longer sign in; what they recorded stays theirs."""
    user = council_staff.staff_member(request.user.local_authority_id, user_id)
    if user is None:
        raise Http404("no such member of staff")
    form = forms.DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_deactivate(by=request.user, user_id=user.pk, reason=form.cleaned_data["reason"])
        except RecordInvalid as exc:
            _violations_to_form(form, exc, {"user": None})
        else:
            messages.success(request, f"Saved: {user} is deactivated and can no longer sign in")
            return redirect("web:admin_member", user_id=user.pk)
    return render(request, "web/administration/form.html", {
        "form": form, "title": f"Deactivate {user}", "button": "Deactivate", "back": True,
        "back_to": reverse("web:admin_member", args=[user.pk]), "back_label": f"Back to {user}",
        "intro": "They will no longer be able to sign in. Nothing they recorded is removed."},
        status=400 if form.errors else 200)


@administrator
def second_factor_reset(request, user_id: int):
    """Reset a colleague's authenticator app (a lost phone): they set it up again at sign-in."""
    if request.method != "POST":
        return redirect("web:admin_member", user_id=user_id)
    user = council_staff.staff_member(request.user.local_authority_id, user_id)
    if user is None:
        raise Http404("no such member of staff")
    try:
        access.second_factor_revoke(by=request.user, user_id=user.pk)
    except RecordInvalid as exc:
        for v in exc.violations:
            messages.error(request, v.message[:1].upper() + v.message[1:])
    else:
        messages.success(request, f"Saved: {user}'s authenticator app is reset; they set it up again "
                                  "when they next sign in")
    return redirect("web:admin_member", user_id=user.pk)


@administrator
def password_link(request, user_id: int):
    """A new set-password link (the first expired, or the password is forgotten), shown once."""
    if request.method != "POST":
        return redirect("web:admin_member", user_id=user_id)
    if council_staff.staff_member(request.user.local_authority_id, user_id) is None:
        raise Http404("no such member of staff")
    try:
        user, (uidb64, token) = services.staff_password_link(by=request.user, user_id=user_id)
    except RecordInvalid as exc:
        for v in exc.violations:
            messages.error(request, v.message[:1].upper() + v.message[1:])
        return redirect("web:admin_member", user_id=user_id)
    return render(request, "web/administration/link.html", {
        "title": f"A new link for {user}", "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "people": [(user, _link(request, uidb64, token))]})


@administrator
def staff_import(request):
    """Upload a CSV file of staff: all or nothing, with every problem listed (line, column, rule)."""
    council_id = request.user.local_authority_id
    form = forms.StaffImportForm(request.POST or None, request.FILES or None)
    problems, result = [], None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read(services.IMPORT_MAX_BYTES + 1)
        try:
            result = services.staff_import(by=request.user, council_id=council_id, name=upload.name[:100],
                                           content=content)
        except RecordInvalid as exc:
            for v in exc.violations:  # each named FILE:LINE:COLUMN, or a field of the form
                file, line, column = v.field.rsplit(":", 2) if v.field.count(":") >= 2 else ("", "", v.field)
                problems.append({"file": file, "line": line, "column": column, "rule": v.rule,
                                 "message": v.message})
    if result is not None:
        return _links(request, str(result), result.staff, result.teams)
    return render(request, "web/administration/import.html",
                  {"form": form, "problems": problems, "roles": User.Role.choices},
                  status=400 if (form.errors or problems) else 200)


# --- the bank-holiday calendar -------------------------------------------------------------------


@administrator
def holidays(request):
    """The bank holidays added by hand (a state funeral, a coronation) and those coming; add one,
    and every due date it touches moves (the service behind `safeguard calendar add-holiday`)."""
    form = forms.HolidayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            day = calendar_add_holiday(by=request.user, date=form.cleaned_data["date"],
                                       name=form.cleaned_data["name"])
        except RecordInvalid as exc:
            _violations_to_form(form, exc)
        else:
            messages.success(request, f"Saved: {day.date:%-d %B %Y} is a bank holiday ({day.holiday_name}); "
                                      "due dates are recalculated")
            return redirect("web:admin_holidays")
    start = today()
    added, coming = calendar_selectors.bank_holidays(since=start, until=start + dt.timedelta(days=366))
    return render(request, "web/administration/holidays.html",
                  {"form": form, "added": added, "coming": coming}, status=400 if form.errors else 200)


# --- a new member of staff sets their own password ----------------------------------------------


@never_cache
@sensitive_post_parameters("password", "again")
def set_password(request, uidb64: str, token: str):
    """From the link an administrator gave them: nobody but the member of staff knows the password."""
    user = services.first_password_user(uidb64, token)
    if user is None:
        return render(request, "web/administration/set_password.html", {"expired": True}, status=404)
    form = forms.SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_password_set(uidb64=uidb64, token=token, password=form.cleaned_data["password"])
        except RecordInvalid as exc:
            _violations_to_form(form, exc)
        else:
            messages.success(request, "Your password is set: sign in with it now")
            return redirect("web:sign_in")
    return render(request, "web/administration/set_password.html", {"form": form, "member": user},
                  status=400 if form.errors else 200)


urlpatterns = [
    path("administration/", index, name="administration"),
    path("administration/council/", council, name="admin_council"),
    path("administration/teams/", teams, name="admin_teams"),
    path("administration/teams/add/", team, name="admin_team_add"),
    path("administration/teams/<int:team_id>/", team, name="admin_team"),
    path("administration/staff/", staff, name="admin_staff"),
    path("administration/staff/add/", staff_add, name="admin_staff_add"),
    path("administration/staff/import/", staff_import, name="admin_staff_import"),
    path("administration/staff/<int:user_id>/", member, name="admin_member"),
    path("administration/staff/<int:user_id>/deactivate/", deactivate, name="admin_deactivate"),
    path("administration/staff/<int:user_id>/second-factor/", second_factor_reset,
         name="admin_second_factor_reset"),
    path("administration/staff/<int:user_id>/password-link/", password_link, name="admin_password_link"),
    path("administration/bank-holidays/", holidays, name="admin_holidays"),
    path("set-password/<str:uidb64>/<str:token>/", set_password, name="set_password"),
]
