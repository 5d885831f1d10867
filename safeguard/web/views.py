"""The practitioners' pages. Thin: access and audit happen in `safeguard.access.selectors`, every
change in the services; a refused save shows each violation beside its field, keeping what was typed."""

from __future__ import annotations

import csv
import re
from urllib.parse import urlencode

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from safeguard.access import policy, selectors
from safeguard.access import services as access
from safeguard.assessment import selectors as oversight
from safeguard.audit.services import audit_record
from safeguard.casework import chronology
from safeguard.casework import drafts as draft_store
from safeguard.casework import selectors as casework_selectors
from safeguard.child_protection.models import ChildProtectionPlan
from safeguard.core import codes
from safeguard.core.cells import safe_row
from safeguard.core.errors import EditConflict, RecordInvalid, today
from safeguard.forecast import access as forecast_access
from safeguard.forecast import report
from safeguard.forecast.selectors import episodes_for_forecast, placement_costs
from safeguard.front_door.models import Referral
from safeguard.looked_after.models import CareLeaverEligibility, PeriodOfCare
from safeguard.people import services as people
from safeguard.people.duplicates import probable_duplicates
from safeguard.performance import catalogue
from safeguard.performance.catalogue import CATALOGUE
from safeguard.performance.periods import quarter, reporting_year, reporting_year_of
from safeguard.performance.render import render_html, section_html, section_summary
from safeguard.performance.scorecard import build_scorecard
from safeguard.performance.selectors import can_drill, indicator_children
from safeguard.record.history import ChildHistory
from safeguard.timescales import calendar
from safeguard.timescales.models import Clock
from safeguard.timescales.rules import RULES

from . import child_page, conflicts, forms, second_factor, steps
from .tabs import kept_counts


class SignIn(auth_views.LoginView):
    template_name = "web/sign_in.html"
    authentication_form = forms.SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        """A right password signs in at once, unless a second factor is due: then the session only
        holds a pending sign-in until the code is right (second_factor.py)."""
        pending = second_factor.after_password(self.request, form.get_user(), self.get_success_url())
        return pending or super().form_valid(form)


class SignOut(auth_views.LogoutView):
    pass


def locked_out(request, credentials=None, *args, **kwargs):
    return render(request, "web/locked_out.html", status=429)


def _refused(request, exc: selectors.NotAllowed, form=None):
    """The refusal page: a practitioner may state a relationship to a case no social worker holds,
    or break the glass on one closed to them otherwise."""
    if form is None:
        form = forms.RelationshipForm() if exc.can_state_relationship else forms.BreakGlassForm()
    return render(request, "web/refused.html", {"exc": exc, "form": form}, status=403)


def _open(request, child_id, *, purpose="view", what="record"):
    try:
        return selectors.child_open(request.user, child_id, purpose=purpose, what=what)
    except selectors.NotAllowed as exc:
        raise _Refusal(exc) from None


class _Refusal(Exception):
    def __init__(self, exc):
        self.exc = exc


def refusing(view):
    """Turn a refusal into the refusal page (with break-glass where the user may use it). A POST
    (a save) is one transaction with the opening of the child and its audit row: one commit, not
    two. What the view did before it failed is still committed, as it was with two (the audit of
    the opening; a service that failed has rolled back its own savepoint). Should the commit itself
    fail after the view failed, the view's error is the one raised, the commit's attached to it."""

    def answer(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _Refusal as r:
            return _refused(request, r.exc)

    def wrapped(request, *args, **kwargs):
        if request.method != "POST":
            return answer(request, *args, **kwargs)
        failed = None
        try:
            with transaction.atomic():
                try:
                    return answer(request, *args, **kwargs)
                except Exception as exc:  # committed, then raised: PermissionDenied, Http404, a fault
                    failed = exc
        except Exception:
            if failed is None:
                raise
            raise failed  # noqa: B904 - the view's own error; the commit's is its context, not its cause
        raise failed

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _clock_rows(qs):
    day = today()
    return [
        {
            "clock": c,
            "rule": RULES.get(c.code),
            "overdue": c.due_date < day,
            "days": (c.due_date - day).days,
            "step": c.code in steps.FOR_CLOCK and c.child_id,
        }
        for c in qs
    ]


# --- home and my work ---------------------------------------------------------------------------


@login_required
def home(request):
    role = policy.role_of(request.user)
    if role == policy.ADMINISTRATOR:
        return redirect("web:administration")
    if role in (policy.COUNCILLOR, policy.ANALYST):
        return redirect("web:performance")
    if role == policy.HEAD_OF_SERVICE:
        return redirect("web:team_service")
    if role == policy.COMPLAINTS_MANAGER:
        return redirect("web:complaints")
    return redirect("web:my_work")


def _tray_counts(user, scope: str = "mine", **known) -> dict:
    """The counts on the trays' tabs (To do, My cases, Incoming, Drafts), shown on every tray so a
    worker sees at once where work is waiting; a tray passes the count it has already read, the
    others are kept a minute (`tabs.kept_counts`)."""
    readers = {
        "todo_total": lambda: oversight.to_do(user, scope=scope, per_page=0).total,
        "cases_total": lambda: len(oversight.my_children_ids(user)),
        "incoming_total": lambda: oversight.incoming(user).total,
        "drafts_total": lambda: len(draft_store.drafts_of(user)),
    }
    return kept_counts(user, f"trays:{scope}", readers, known, by_team=scope == "team")


def _tray_user(request):
    """Trays are for practitioners; the LADO has their own desk, others their landing page."""
    role = policy.role_of(request.user)
    if role not in policy.PRACTITIONERS:
        raise _Redirect("web:home" if role != policy.LADO else "web:lado")
    return request.user


class _Redirect(Exception):
    def __init__(self, to: str):
        self.to = to


def tray(view):
    """A worker's tray: signed in, a practitioner, and paged from `?page=`."""

    @login_required
    def wrapped(request, *args, **kwargs):
        try:
            _tray_user(request)
        except _Redirect as r:
            return redirect(r.to)
        return view(request, *args, **kwargs)

    wrapped.__name__, wrapped.__doc__ = view.__name__, view.__doc__
    return wrapped


@tray
def my_work(request):
    """*To do*: every open clock of the worker's children (or the team's, or the IRO's), however far
    off, soonest first, grouped by urgency, with filters and the total; paged, never cut."""
    user = request.user
    role = policy.role_of(user)
    scope = {policy.IRO: "iro", policy.TEAM_MANAGER: "team"}.get(role, "mine")
    manager = role == policy.TEAM_MANAGER
    form = forms.ToDoFilterForm(request.GET or None, initial={"scope": scope},
                                workers=_team_workers(user) if manager else [], may_choose_scope=manager)
    chosen = form.cleaned_data if form.is_valid() else {}
    scope = chosen.get("scope") or scope
    number = _page_number(request)
    todo = oversight.to_do(user, scope=scope, worker_id=chosen.get("worker"), code=chosen.get("code", ""),
                           within=chosen.get("within", ""), page=number)
    rows = _clock_rows(todo.rows)
    audit_record(actor=user, action="view", object_type="timescales.Clock", detail={
        "worklist": scope, "count": len(rows), "children": sorted({r["clock"].child_id for r in rows})})
    workers = dict(form.fields["worker"].choices) if "worker" in form.fields else {}
    for r in rows:
        r["urgency"] = r["clock"].urgency
        r["worker"] = workers.get(r["clock"].worker_id, "")
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "web/my_work.html", {
        **_tray_counts(user, scope, todo_total=todo.total),
        "rows": rows, "todo": todo, "scope": scope, "form": form, "tab": "todo",
        "urgency": oversight.URGENCY, "alerts": selectors.alerts_for(user), "query": query.urlencode(),
        "page": todo.page, "page_links": todo.page_links})


def _team_workers(user) -> list:
    """(id, name) of the manager's team's active staff, for the worker filter."""
    return [(u.pk, str(u)) for u in oversight.team_workers(user)]


@tray
def my_cases(request):
    """Every child allocated to the worker, due or not (issue 18), siblings together, paged with
    the total shown."""
    user = request.user
    number = _page_number(request)
    cases = oversight.my_cases(user, page=number)
    audit_record(actor=user, action="view", object_type="people.Child", detail={
        "worklist": "my_cases", "count": len(cases.rows), "children": [c.pk for c in cases.rows]})
    legal = dict(codes.LegalStatus.choices)
    leaving_care = {code: label.split(":")[0] for code, label in CareLeaverEligibility.choices}
    return render(request, "web/my_cases.html", {
        **_tray_counts(user, cases_total=cases.total),
        "cases": cases, "tab": "cases", "today": today(),
        "rows": [{"child": c, "legal": legal.get(c.legal_status, ""),
                  "care_leaver": leaving_care.get(c.care_leaver, "")} for c in cases.rows],
        "page": cases.page, "page_links": cases.page_links})


@tray
def incoming(request):
    """*Incoming*: children allocated to the worker lately, assessments returned to them for
    amendment, and (for a manager or delegate) the decisions awaiting them."""
    user = request.user
    arrived = oversight.incoming(user)
    children = sorted({a.child_id for a in arrived.allocated}
                      | {a.referral.child_id for a in arrived.returned})
    audit_record(actor=user, action="view", object_type="people.Child", detail={
        "worklist": "incoming", "count": len(children), "children": children})
    return render(request, "web/incoming.html", {
        **_tray_counts(user, incoming_total=arrived.total), "incoming": arrived, "tab": "incoming",
        "incoming_days": oversight.INCOMING_DAYS})


@tray
def drafts(request):
    """*Drafts*: the worker's unfinished forms, newest first, each a link back to where it was
    being written (the words are kept on the server as they are typed)."""
    user = request.user
    mine = draft_store.drafts_of(user)
    return render(request, "web/drafts.html", {
        **_tray_counts(user, drafts_total=len(mine)), "drafts": mine, "tab": "drafts"})


# --- finding and opening a child ------------------------------------------------------------------


@login_required
def find_child(request):
    if policy.role_of(request.user) not in policy.CHILD_READERS:
        raise PermissionDenied("your role does not open children's records")
    form = forms.FindForm(request.GET or None)
    found = None
    if form.is_bound and form.is_valid() and any(form.cleaned_data.values()):
        found = selectors.child_search(request.user, page=_page_number(request), **form.cleaned_data)
    template = "web/_find_results.html" if request.htmx else "web/find.html"
    return render(request, template, {"form": form, "found": found})


@login_required
def child_new(request):
    """Add a child; first warn of a probable duplicate (same NHS number, or same name and date of
    birth), since one child with two records is a child whose history no one sees whole."""
    if policy.role_of(request.user) not in policy.RECORDERS:
        raise PermissionDenied("your role does not record children")
    form = forms.ChildForm(request.POST or None)
    duplicates = None
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "") and k != "not_a_duplicate"}
        if not form.cleaned_data.get("not_a_duplicate"):
            duplicates = _probable_duplicates(request.user, data)
        if not duplicates:
            try:
                child = people.child_register(
                    by=request.user, local_authority=request.user.local_authority, **data
                )
            except RecordInvalid as exc:
                _violations_to_form(form, exc)
            else:
                messages.success(request, f"{child} added to the record")
                return redirect("web:child", child_id=child.pk)
    return render(request, "web/child_new.html", {"form": form, "duplicates": duplicates},
                  status=409 if duplicates else 200)


def _probable_duplicates(user, data: dict) -> dict | None:
    """Children of the council who may be this child: those open to the user are linked; of the
    rest only the LA child ID is said. The check reads child data, so it is audited."""
    found = probable_duplicates(
        local_authority=user.local_authority, first_name=data.get("first_name", ""),
        last_name=data.get("last_name", ""),
        date_of_birth=data.get("date_of_birth") or data.get("expected_date_of_birth"),
        nhs_number=data.get("nhs_number", ""))
    if not found:
        return None
    open_ids = set(policy.children_visible_to(user).filter(pk__in=[c.pk for c in found])
                   .values_list("pk", flat=True))
    audit_record(actor=user, action="search", object_type="people.Child",
                 detail={"purpose": "duplicate_check", "count": len(found),
                         "shown": sorted(open_ids)})
    return {"open": [c for c in found if c.pk in open_ids],
            "closed": [c.la_child_id for c in found if c.pk not in open_ids]}


def _page_number(request, name: str = "page") -> int:
    """The page asked for in `?page=` (or another name, where a page holds several lists)."""
    text = request.GET.get(name, "")
    return max(1, min(int(text), 10_000)) if text.isdigit() else 1


@login_required
@refusing
def child_record(request, child_id):
    """The child's page: badges, workers, plans, what is due next, chronology, who has viewed.
    Read by `child_page` (only what the page shows), not by `ChildHistory.load` (a save's whole record)."""
    kind, number = request.GET.get("kind", ""), _page_number(request)
    if request.htmx and request.GET.get("part") == "chronology":
        child, basis = _open(request, child_id, what="chronology")
        page = child_page.chronology_page(child, kind=kind, number=number)
        return render(
            request,
            "web/_chronology.html",
            {"page": page, "child": child, "kind": kind, "kinds": chronology.KINDS},
        )
    child, basis = _open(request, child_id)
    context = child_page.child_page(request.user, child, basis, kind=kind, number=number)
    context["due"] = _clock_rows(context["due"])
    return render(request, "web/child.html", context)


@login_required
@refusing
def child_export(request, child_id):
    """The chronology as CSV: an export, audited as one. Every cell goes through the one cell
    sanitiser (issue 15, finding 3: OWASP CSV injection); the file name is built from letters,
    digits, `-` and `_` of the child's id only (the primary key if none are left), so no quote,
    slash or line break reaches the header. NoStoreMiddleware keeps it out of every cache."""
    if policy.role_of(request.user) not in policy.EXPORTERS:
        raise PermissionDenied("your role may not export children's records")
    child, _ = _open(request, child_id, purpose="export", what="chronology.csv")
    h = ChildHistory.load(child.pk, lock=False)
    name = "".join(ch for ch in child.la_child_id if ch.isascii() and (ch.isalnum() or ch in "-_"))[:40]
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="chronology-{name or child.pk}.csv"'
    out = csv.writer(response)
    out.writerow(["date", "kind", "event", "recorded_by"])
    for e in chronology.entries(h, notes=casework_selectors.significant_events(child)):
        out.writerow(safe_row([e.date.isoformat(), e.kind, e.text, str(e.recorded_by or "")]))
    return response


def _take_access(request, child_id, *, form_class, service, done: str, **offer):
    """Break-glass or a stated relationship: a reasoned grant the user takes for themself."""
    form = form_class(request.POST)
    if not child_id.isdigit() or len(child_id) > 18:
        raise Http404("no such record")
    if form.is_valid():
        try:
            service(by=request.user, child_id=int(child_id), reason=form.cleaned_data["reason"])
        except RecordInvalid as exc:
            _violations_to_form(form, exc)
        else:
            messages.warning(request, done)
            return redirect("web:child", child_id=child_id)
    return _refused(request, selectors.NotAllowed(child_id, "not open to you", **offer), form)


@login_required
@require_POST
def break_glass(request, child_id):
    return _take_access(
        request, child_id, form_class=forms.BreakGlassForm, service=access.break_glass,
        done="Break-glass access granted. Your manager has been told.", can_break_glass=True,
    )


@login_required
@require_POST
def relationship(request, child_id):
    return _take_access(
        request, child_id, form_class=forms.RelationshipForm, service=access.relationship_state,
        done="Record opened on your stated relationship. Your manager has been told.",
        can_state_relationship=True,
    )


@login_required
@refusing
def grant(request, child_id):
    if not policy.can_grant(request.user):
        raise PermissionDenied("only a team manager may grant access")
    child, _ = _open(request, child_id, what="grant form")
    form = forms.GrantForm(request.POST or None, local_authority_id=request.user.local_authority_id)
    if request.method == "POST" and form.is_valid():
        try:
            access.access_grant(
                by=request.user,
                child_id=child.pk,
                user_id=form.cleaned_data["user"].pk,
                reason=form.cleaned_data["reason"],
                days=form.cleaned_data["days"],
            )
        except RecordInvalid as exc:
            _violations_to_form(form, exc)
        else:
            messages.success(request, "Access granted")
            return redirect("web:child", child_id=child.pk)
    return render(
        request, "web/step.html", {"form": form, "title": "Grant access to this record", "child": child}
    )


@login_required
@refusing
def restrict(request, child_id):
    """A team manager restricts a record (or lifts the restriction), with a reason."""
    if not policy.can_grant(request.user):
        raise PermissionDenied("only a team manager may restrict a record")
    child, _ = _open(request, child_id, what="restrict form")
    form = forms.RestrictForm(
        request.POST or None, initial={"restricted": "yes" if child.is_restricted else "no"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            people.child_restrict(
                by=request.user,
                child_id=child.pk,
                restricted=forms.yes_no(form.cleaned_data["restricted"]) is True,
                reason=form.cleaned_data["reason"],
            )
        except RecordInvalid as exc:
            _violations_to_form(form, exc)
        else:
            if forms.yes_no(form.cleaned_data["restricted"]):
                messages.success(
                    request,
                    f"{child} is restricted: only people you grant access can open it (or break the glass)",
                )
                return redirect("web:manager")
            messages.success(request, "Restriction lifted")
            return redirect("web:child", child_id=child.pk)
    return render(request, "web/step.html", {"form": form, "title": "Restrict this record", "child": child})


# --- recording the steps ----------------------------------------------------------------------------


# Where a service names a field differently from the form that collects it.
_FIELD_ALIASES = {"closure_rationale": "rationale", "worker": "worker", "restriction_reason": "reason"}


def _violations_to_form(form, exc: RecordInvalid, aliases: dict | None = None,
                        rows: dict | None = None) -> list[str]:
    """Each refusal beside the field it names. `rows` maps a list the service numbers
    (`outcomes[1]`, `actions[2].by_when`) to its row forms and the field a refusal of the whole row
    goes beside. A refusal that names no field goes on the form's own errors. Returns every
    refusal as one line, for a page that lists them in its summary."""
    aliases = {**_FIELD_ALIASES, **(aliases or {})}
    listed = []
    for v in exc.violations:
        text = f"{v.message} [rule {v.rule}]"
        line = f"{v.field.replace('_', ' ')}: {text}"
        listed.append(line)
        head, _, attr = v.field.partition(".")
        name, _, index = head.partition("[")
        index = index.rstrip("]")
        if rows and name in rows and index.isdigit() and int(index) < len(rows[name][0]):
            row = rows[name][0][int(index)]
            field = attr if attr in row.fields else rows[name][1]
            if field:
                row.add_error(field, text)
                continue
        name = aliases.get(v.field, v.field)
        field = name if name in form.fields else None
        form.add_error(field, text if field else line)
    return listed


@login_required
@refusing
def clock_step(request, child_id, code):
    """From a clock on a worklist to the form that meets it (issue 17: no clock without a form)."""
    child, _ = _open(request, child_id, purpose="view", what=f"due {code}")
    spec, why = steps.for_clock(ChildHistory.load(child.pk, lock=False), request.user, code)
    if spec is None:
        messages.info(request, f"{RULES[code].name if code in RULES else code}: {why}")
        return redirect("web:child", child_id=child.pk)
    return redirect("web:step", child_id=child.pk, key=spec.key)


@login_required
@refusing
def step(request, child_id, key):
    """One step of the journey: the form, the service's verdict beside each field, what was typed kept."""
    spec = steps.STEPS.get(key)
    if spec is None:
        raise Http404("no such step")
    child, _ = _open(request, child_id, purpose="view", what=f"record {key}")
    if not policy.can_change_child(request.user, child):
        raise PermissionDenied("you may read this record but not change it")
    if not steps.may_take(spec, request.user):
        raise PermissionDenied(steps.refused(spec))
    h = ChildHistory.load(child.pk, lock=False)
    target = spec.target(h)
    if target is None:
        messages.info(request, f"“{spec.title}” does not apply to this child's record now")
        return redirect("web:child", child_id=child.pk)
    if spec.page:
        return redirect(spec.page(child, target))
    extra = {"local_authority_id": request.user.local_authority_id} if spec.form_kwargs else {}
    # Issue 15, finding 5: the form carries the record it was read from (and the version read).
    carried, with_version = spec.carries is not None, spec.carries == steps.VERSION
    conflict = False
    if request.method == "POST":
        form = spec.form(request.POST, **extra)
        if carried:
            conflicts.carry(form, target, version=with_version)
        valid = form.is_valid()
        version = conflicts.posted_version(form, target, version=with_version) if carried else None
        if valid and not form.errors:
            data = {k: v for k, v in form.cleaned_data.items() if k not in conflicts.FIELDS}
            try:
                with transaction.atomic():
                    spec.save(request.user, h, target, data, version)
            except RecordInvalid as exc:
                _violations_to_form(form, exc, spec.field_aliases)
            except EditConflict as exc:
                conflict = True
                conflicts.refuse(form, exc)
            else:
                messages.success(request, f"Saved: {spec.title.lower()}")
                return redirect("web:child", child_id=child.pk)
    else:
        form = spec.form(initial=spec.initial(target), **extra)
        if carried:
            conflicts.carry(form, target, version=with_version)
    return render(
        request,
        "web/step.html",
        {"form": form, "title": spec.title, "child": child, "target": target},
        status=409 if conflict else 400 if form.errors else 200,
    )


# --- managers, IROs, performance, audit -------------------------------------------------------------


@login_required
def performance(request):
    """Aggregates only (councillors, senior leaders, analysts): counts, never a child's name."""
    if not policy.can_see_aggregates(request.user):
        raise PermissionDenied("the figures are for managers, analysts and councillors")
    la = request.user.local_authority_id
    day = today()
    figures = [
        (
            "Open episodes of need (children in need)",
            Referral.objects.filter(child__local_authority_id=la, closure_date__isnull=True).count(),
        ),
        (
            "Children on a child protection plan",
            ChildProtectionPlan.objects.filter(
                referral__child__local_authority_id=la, end_date__isnull=True
            ).count(),
        ),
        (
            "Children looked after",
            PeriodOfCare.objects.filter(child__local_authority_id=la, end_date__isnull=True).count(),
        ),
        (
            "Statutory clocks overdue",
            Clock.objects.filter(
                child__local_authority_id=la,
                met_date__isnull=True,
                stopped_date__isnull=True,
                due_date__lt=day,
            ).count(),
        ),
    ]
    year, quarter_number, period_errors = _scorecard_period(request.GET)
    if request.user.local_authority_id is None:
        raise PermissionDenied("your account belongs to no council, so there is no scorecard to show")
    drill = can_drill(request.user)
    card = build_scorecard(request.user.local_authority, year, quarter_number, keep=True)
    # Those who may not see the children behind a figure get the published (suppressed) view. The
    # page is a summary whose sections open into their tables; one section's own page adds its charts.
    sections = {s["slug"]: s for s in section_summary(card)}
    section = sections.get(request.GET.get("section", ""))
    if section is not None:
        scorecard_html = mark_safe(section_html(  # noqa: S308 - built from numbers and escaped text
            card, section["section"], public=not drill, chart_mode="svg-trend"))
    else:
        scorecard_html = mark_safe(render_html(card, public=not drill, standalone=False))  # noqa: S308
    drill_links = []
    if drill:
        query = urlencode({"year": year, "quarter": quarter_number or "year"})
        for row in card.rows:
            if row.id.upper() not in CATALOGUE or (section and row.section != section["section"]):
                continue  # a hand-entered measure: no children in the record behind it
            value = row.current.value if row.current else None
            drill_links.append(
                {
                    "id": row.id,
                    "name": row.name,
                    "value": "-" if value is None else (f"{value:,.1f}" if value % 1 else f"{value:,.0f}"),
                    "url": reverse("web:performance_drill", args=[row.id]) + "?" + query,
                }
            )
    return render(
        request,
        "web/performance.html",
        {
            "figures": figures,
            "card": card,
            "scorecard_html": scorecard_html,
            "public": not drill,
            "drill_links": drill_links,
            "year": year,
            "quarter": quarter_number,
            "years": range(reporting_year_of(day) - 4, reporting_year_of(day) + 1),
            "period_errors": period_errors,
            "sections": list(sections.values()),
            "section": section,
            "period_query": urlencode({"year": year, "quarter": quarter_number or "year"}),
        },
        status=400 if period_errors else 200,
    )


def _scorecard_period(params) -> tuple[int, int | None, list[str]]:
    """The reporting year (by its ending, DfE convention) and quarter asked for; today's by default.
    A bad value falls back to the default and says so."""
    day = today()
    year, quarter_number = reporting_year_of(day), (day.month - 4) % 12 // 3 + 1
    errors = []
    if "year" in params:
        text = params.get("year", "")
        # The scorecard reaches back to the previous year's end, so that must be in the calendar.
        earliest = max(2000, reporting_year_of(calendar.current().first) + 2)
        if text.isdigit() and earliest <= int(text) <= reporting_year_of(day) + 1:
            year = int(text)
        else:
            errors.append(f"year: {text[:10]!r} is not a reporting year from {earliest} to "
                          f"{reporting_year_of(day) + 1} (e.g. 2026 for April 2025 to March 2026)")
    if "quarter" in params:
        text = params.get("quarter", "")
        if text in ("", "year"):
            quarter_number = None
        elif text in ("1", "2", "3", "4"):
            quarter_number = int(text)
        else:
            errors.append(f"quarter: {text!r} must be 1 to 4, or blank for the whole year")
    return year, quarter_number, errors


@login_required
def performance_drill(request, indicator_id):
    """The children behind one figure. The performance selector decides who may see them and
    audits the look (or the refusal) itself; a refusal is a 403."""
    try:
        indicator = catalogue.get(indicator_id)
    except KeyError:
        raise Http404("no such indicator") from None
    year, quarter_number, period_errors = _scorecard_period(request.GET)
    if period_errors:
        raise Http404("; ".join(period_errors))
    if request.user.local_authority_id is None:
        raise PermissionDenied("your account belongs to no council")
    period = quarter(year, quarter_number) if quarter_number else reporting_year(year)
    rows = indicator_children(
        request.user, local_authority=request.user.local_authority, indicator_id=indicator.id, period=period
    )
    return render(
        request,
        "web/performance_drill.html",
        {
            "indicator": indicator,
            "period": period,
            "counted": len(rows),
            "in_numerator": sum(1 for r in rows if r["in_numerator"]),
            # Only the children the user may open are listed; the rest are a count they cannot act on.
            "rows": [r for r in rows if r["named"] or not r.get("k_child")],
            "hidden": sum(1 for r in rows if r.get("k_child") and not r["named"]),
            "back": reverse("web:performance") + "?" + request.GET.urlencode(),
        },
    )


class ForecastForm(django_forms.Form):
    """The command's --as-at, --reference-months and --horizon-months (issue 8), with its limits."""

    as_at = django_forms.DateField(
        label="As at (last day of data used)",
        widget=django_forms.DateInput(attrs={"type": "date", "class": "govuk-input"}),
    )
    reference_months = django_forms.IntegerField(
        label="Reference window (months)",
        min_value=1,
        max_value=120,
        widget=django_forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-4"}),
    )
    horizon_months = django_forms.IntegerField(
        label="Horizon (months)",
        min_value=1,
        max_value=60,
        widget=django_forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-4"}),
    )


_STYLE_COLOUR = re.compile(r'<span style="color:(#[0-9a-fA-F]{6})">')
_BODY = re.compile(r"<body>(.*)</body>", re.S)


def _forecast_fragment(page: str) -> str:
    """The forecast report's body inside our layout: its <style> block dropped (safeguard/web/static
    carries the rules) and its legend colours turned into classes, so the CSP needs no 'unsafe-inline'."""
    match = _BODY.search(page)
    body = match.group(1) if match else page
    return _STYLE_COLOUR.sub(lambda m: f'<span class="sg-swatch sg-swatch-{m.group(1)[1:].lower()}">', body)


@login_required
def forecast(request):
    """Analysts' page: the looked-after projection and its cost, charted against history."""
    forecast_access.require_forecast(request.user)
    defaults = {"as_at": today().isoformat(), "reference_months": 24, "horizon_months": 24}
    data = request.GET if "as_at" in request.GET else defaults
    form = ForecastForm(data)
    fragment = None
    if form.is_valid():
        episodes = episodes_for_forecast(request.user, purpose="web forecast page")
        try:
            result = report.build_forecast(
                episodes,
                as_at=form.cleaned_data["as_at"],
                reference_months=form.cleaned_data["reference_months"],
                horizon_months=form.cleaned_data["horizon_months"],
                cost_rows=placement_costs(),
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            fragment = mark_safe(_forecast_fragment(report.to_html(result)))  # noqa: S308
    return render(
        request,
        "web/forecast.html",
        {"form": form, "report": fragment},
        status=400 if form.errors else 200,
    )


@login_required
def audit(request):
    """Managers and administrators search the audit: who saw or changed what, when and why."""
    if not policy.can_search_audit(request.user):
        raise PermissionDenied("the audit is for managers and administrators")
    child_id = request.GET.get("child", "")
    rows = selectors.audit_search(
        request.user,
        child_id=int(child_id) if child_id.isdigit() else None,
        actor=request.GET.get("actor", "").strip(),
        action=request.GET.get("action", ""),
        break_glass_only=request.GET.get("break_glass") == "1",
    )
    return render(request, "web/audit.html", {"rows": rows, "q": request.GET})
