"""Pages: complaints and representations (issue 21, item 4). The complaints manager's worklist of
complaints with their clocks (stage 1, 2 and 3 timescales on the working-day calendar), one
complaint with its stages and each step of the procedure, a child's complaints, compliments, and
the annual complaints report. Thin: reads through `assurance.complaints.selectors` (who handles
what, every read audited) and writes through its services (checked, versioned, audited, clocks
re-derived). Anyone else is refused alike whatever id they ask for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path

from safeguard.access import policy
from safeguard.assurance.complaints import selectors, services
from safeguard.assurance.complaints.access import (
    can_handle_complaints,
    can_read_report,
    is_complaints_manager,
)
from safeguard.assurance.complaints.models import Complaint
from safeguard.core.errors import EditConflict, RecordInvalid, today
from safeguard.people.models import Child
from safeguard.workforce.models import Team

from . import complaints_forms as f
from . import conflicts
from .views import _violations_to_form

REFUSED = "complaints are for the complaints manager and the managers of the teams complained about"


def _handle(user) -> None:
    if not can_handle_complaints(user):
        raise PermissionDenied(REFUSED)


def _whole(value: str | None, default: int = 1) -> int:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 6 else default


def _teams(user) -> list[Team]:
    teams = Team.objects.filter(local_authority_id=user.local_authority_id).order_by("name")
    if not is_complaints_manager(user):
        teams = teams.filter(pk__in=policy.team_ids(user))
    return list(teams)


def _view(user, complaint_id: int) -> selectors.ComplaintView:
    _handle(user)
    try:
        return selectors.complaint_get(user, complaint_id)
    except Complaint.DoesNotExist:
        raise Http404("no such complaint") from None


@login_required
def worklist(request):
    """The complaints with their next timescale, soonest due first, filtered and paged."""
    _handle(request.user)
    filters = f.ComplaintFilterForm(request.GET).filters()
    found = selectors.complaint_page(request.user, **filters, page=_whole(request.GET.get("page")))
    return render(request, "web/complaints/worklist.html", {
        "found": found, "form": f.ComplaintFilterForm(initial=filters), "page": found.page,
        "page_links": found.page_links, "query": f"status={filters['status']}&due={filters['due']}",
        "may_report": can_read_report(request.user)})


@login_required
def child_complaints(request, child_id: int):
    """A child's complaints and their timescales: the complaints about this child the user handles
    (the complaint file is kept apart from the case record, so a handler need not hold the case)."""
    _handle(request.user)
    child = Child.objects.filter(pk=child_id, local_authority_id=request.user.local_authority_id).only(
        "pk", "first_name", "last_name", "is_restricted").first()
    if child is None or selectors.child_hidden(request.user, child):
        raise Http404("no such child")
    found = selectors.complaint_page(request.user, status="all", child_id=child.pk,
                                     page=_whole(request.GET.get("page")))
    if not found.total:
        raise Http404("no complaints about this child that you handle")
    return render(request, "web/complaints/child.html", {
        "child": child, "found": found, "page": found.page, "page_links": found.page_links, "query": ""})


@login_required
def new(request):
    """Record a complaint received: stage 1 starts."""
    _handle(request.user)
    teams = _teams(request.user)
    if request.method == "POST":
        form = f.ComplaintForm(request.POST, teams=teams)
        if form.is_valid():
            try:
                c = services.complaint_record(by=request.user, local_authority=request.user.local_authority,
                                              **form.service_fields())
            except RecordInvalid as exc:
                _violations_to_form(form, exc, aliases={"child": "la_child_id"})
            else:
                messages.success(request, f"Saved: complaint {c.reference} recorded at stage 1")
                return redirect("web:complaint", complaint_id=c.pk)
    else:
        form = f.ComplaintForm(teams=teams, initial={"received_on": today()})
    return render(request, "web/complaints/step.html", {"form": form, "title": "Record a complaint"},
                  status=400 if form.errors else 200)


@login_required
def complaint(request, complaint_id: int):
    """One complaint: its details, stages, timescales, and the steps open now."""
    v = _view(request.user, complaint_id)
    return render(request, "web/complaints/complaint.html", {
        "v": v, "c": v.complaint, "stages": v.stages, "clocks": v.clocks,
        "steps": [(slug, s.title_for(v)) for slug, s in STEPS.items() if s.offered(v)]})


@dataclass(frozen=True)
class Step:
    """One step of the procedure: its form, when the page offers it, and the service it posts to
    (with the complaint's version the form was read at)."""

    title: str
    form: type
    offered: Callable[[selectors.ComplaintView], bool]
    save: Callable[..., object]
    initial: Callable[[selectors.ComplaintView], dict] = lambda v: {}

    def title_for(self, v) -> str:
        return self.title.format(stage=v.current.stage, next=v.current.stage + 1)


def _open(v) -> bool:
    return v.complaint.closed_on is None


def _extend(by, c, version, d):
    return services.complaint_extend(by=by, complaint_id=c.pk, expected_version=version,
                                     extended_on=d["extended_on"], reason=d["reason"])


def _respond(by, c, version, d):
    return services.complaint_respond(by=by, complaint_id=c.pk, expected_version=version,
                                      responded_on=d["responded_on"], outcome=d["outcome"],
                                      findings=d["findings"])


def _escalate(by, c, version, d):
    return services.complaint_escalate(by=by, complaint_id=c.pk, expected_version=version,
                                       requested_on=d["requested_on"], investigator=d["investigator"],
                                       independent_person=d["independent_person"])


def _panel(by, c, version, d):
    return services.complaint_record_panel(by=by, complaint_id=c.pk, expected_version=version,
                                           panel_held_on=d["panel_held_on"],
                                           panel_report_on=d["panel_report_on"])


def _close(by, c, version, d):
    return services.complaint_close(by=by, complaint_id=c.pk, expected_version=version,
                                    closed_on=d["closed_on"], learning=d["learning"],
                                    withdrawn=d["ended"] == "withdrawn")


STEPS: dict[str, Step] = {
    "extend": Step("Extend stage {stage}", f.ExtendForm,
                   lambda v: _open(v) and v.current.stage < 3 and not v.current.extended_on
                   and not v.current.responded_on, _extend, lambda v: {"extended_on": today()}),
    "respond": Step("Record the stage {stage} response", f.RespondForm,
                    lambda v: _open(v) and not v.current.responded_on
                    and (v.current.stage < 3 or bool(v.current.panel_report_on)), _respond,
                    lambda v: {"responded_on": today()}),
    "panel": Step("Record the review panel", f.PanelForm,
                  lambda v: _open(v) and v.current.stage == 3 and not v.current.panel_report_on, _panel),
    "escalate": Step("Move to stage {next}", f.EscalateForm,
                     lambda v: _open(v) and (v.current.stage == 1 or (v.current.stage == 2
                                                                      and bool(v.current.responded_on))),
                     _escalate, lambda v: {"requested_on": today()}),
    "close": Step("Close the complaint", f.CloseForm, _open, _close, lambda v: {"closed_on": today()}),
}


@login_required
def step(request, complaint_id: int, slug: str):
    """One step's form, carrying the complaint's version: a colleague's save in between is refused
    (409) rather than overwritten."""
    s = STEPS.get(slug)
    if s is None:
        raise Http404("no such step")
    v = _view(request.user, complaint_id)
    c = v.complaint
    title = s.title_for(v)
    status = 200
    if request.method == "POST":
        form = s.form(request.POST)
        conflicts.carry(form, c, version=True)
        valid = form.is_valid()
        version = conflicts.posted_version(form, c, version=True)
        if valid and not form.errors:
            data = {k: val for k, val in form.cleaned_data.items() if k not in conflicts.FIELDS}
            try:
                with transaction.atomic():
                    s.save(request.user, c, version, data)
            except RecordInvalid as exc:
                _violations_to_form(form, exc, aliases={"extension_reason": "reason"})
            except EditConflict as exc:
                conflicts.refuse(form, exc)
                status = 409
            else:
                messages.success(request, f"Saved: {title[:1].lower()}{title[1:]}")
                return redirect("web:complaint", complaint_id=c.pk)
        if status == 200:
            status = 400
    else:
        form = s.form(initial=s.initial(v))
        conflicts.carry(form, c, version=True)
    return render(request, "web/complaints/step.html", {"form": form, "title": title, "c": c},
                  status=status)


@login_required
def compliments(request):
    """Compliments received, newest first, and recording one."""
    _handle(request.user)
    teams = _teams(request.user)
    if request.method == "POST":
        form = f.ComplimentForm(request.POST, teams=teams)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.compliment_record(by=request.user, local_authority=request.user.local_authority,
                                           received_on=d["received_on"], from_kind=d["from_kind"],
                                           team_id=int(d["team"]) if d["team"] else None,
                                           summary=d["summary"])
            except RecordInvalid as exc:
                _violations_to_form(form, exc)
            else:
                messages.success(request, "Saved: compliment recorded")
                return redirect("web:compliments")
    else:
        form = f.ComplimentForm(teams=teams, initial={"received_on": today()})
    found = selectors.compliment_page(request.user, page=_whole(request.GET.get("page")))
    return render(request, "web/complaints/compliments.html", {
        "form": form, "found": found, "page": found.page, "page_links": found.page_links, "query": ""},
        status=400 if form.errors else 200)


@login_required
def report(request):
    """The annual complaints report for a financial year (April to March)."""
    if not can_read_report(request.user):
        raise PermissionDenied("the complaints report is for the complaints manager and those who read "
                               "figures")
    this_year = selectors.financial_year(today())
    year = _whole(request.GET.get("year"), this_year)
    year = year if 2010 <= year <= this_year else this_year
    r = selectors.annual_report(request.user, year=year)
    return render(request, "web/complaints/report.html", {
        "r": r, "years": list(range(this_year, this_year - 5, -1)), "learning_shown": is_complaints_manager(
            request.user)})


urlpatterns = [
    path("complaints/", worklist, name="complaints"),
    path("complaints/new/", new, name="complaint_new"),
    path("complaints/report/", report, name="complaints_report"),
    path("complaints/compliments/", compliments, name="compliments"),
    path("complaints/<int:complaint_id>/", complaint, name="complaint"),
    path("complaints/<int:complaint_id>/<slug:slug>/", step, name="complaint_step"),
    path("children/<int:child_id>/complaints/", child_complaints, name="child_complaints"),
]
