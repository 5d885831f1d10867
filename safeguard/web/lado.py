"""The LADO's desk (issue 18, item 3): allegations against adults who work with children (KCSIE
Part 4), from the referral through the response, strategy meetings, reviews, police and court
involvement to the outcome, the employer's action and closure, each with its T16 clocks.

Thin: reads go through `safeguard.lado.selectors` (role checked, every read audited) and writes
through `safeguard.lado.services` (checked, audited, clocks re-derived). Only the LADO, their
manager and administrators see allegations; anyone else is refused the same way whatever id they
ask for, so a refusal says nothing about whether an allegation exists."""

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

from safeguard.core.errors import EditConflict, RecordInvalid, today
from safeguard.lado import selectors, services
from safeguard.lado.access import can_record_allegations, can_see_allegations
from safeguard.lado.models import Allegation
from safeguard.timescales.rules import RULES

from . import conflicts
from . import lado_forms as f
from .views import _violations_to_form

REFUSED = "allegations are for the LADO, their manager and administrators"


def _see(user) -> None:
    if not can_see_allegations(user):
        raise PermissionDenied(REFUSED)


def _record(user) -> None:
    if not can_record_allegations(user):
        raise PermissionDenied("only the LADO or an administrator may record allegations")


def _whole(value: str | None, default: int = 1) -> int:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 6 else default


def _allegation(user, allegation_id: int) -> Allegation:
    """The allegation, through the selector (which audits the view, or the refusal). Someone who
    may not see allegations is refused alike for every id; a LADO asking for another council's
    allegation, or one that does not exist, is told it is not found."""
    try:
        return selectors.allegation_get(user, allegation_id)
    except Allegation.DoesNotExist:
        _see(user)
        raise Http404("no such allegation") from None


# --- the list ------------------------------------------------------------------------------------


@login_required
def desk(request):
    """Every allegation the user may see: who and where, status, referral date and the next LADO
    timescale due, filtered by status and due date and paged with the total."""
    _see(request.user)
    filters = f.AllegationFilterForm(request.GET).filters()
    day = today()
    found = selectors.allegation_page(request.user, **filters, page=_whole(request.GET.get("page")),
                                      as_at=day)
    rows = [{"a": a, "rule": RULES.get(a.next_code), "overdue": a.next_due is not None and a.next_due < day,
             "days": (a.next_due - day).days if a.next_due else None} for a in found.rows]
    form = f.AllegationFilterForm(initial=filters)
    return render(request, "web/lado/desk.html", {
        "found": found, "rows": rows, "form": form, "filters": filters,
        "may_record": can_record_allegations(request.user),
        "page": found.page, "page_links": found.page_links,
        "query": f"status={filters['status']}&due={filters['due']}"})


# --- recording an allegation ---------------------------------------------------------------------


@login_required
def new(request):
    """Record a referral to the LADO."""
    _record(request.user)
    if request.user.local_authority_id is None:
        raise PermissionDenied("you are not a member of a council's staff, so cannot record its allegations")
    if request.method == "POST":
        form = f.AllegationDetailsForm(request.POST)
        if form.is_valid():
            try:
                a = services.allegation_record(by=request.user, local_authority=request.user.local_authority,
                                               **form.service_fields())
            except RecordInvalid as exc:
                _violations_to_form(form, exc)
            else:
                messages.success(request, f"Saved: allegation {a.reference} recorded")
                return redirect("web:lado_allegation", allegation_id=a.pk)
    else:
        form = f.AllegationDetailsForm()
    return render(request, "web/lado/step.html", {"form": form, "title": "Record an allegation"},
                  status=400 if form.errors else 200)


# --- one allegation ------------------------------------------------------------------------------


@login_required
def allegation(request, allegation_id: int):
    """Everything recorded about one allegation, its clocks, meetings and reviews, and the steps."""
    a = _allegation(request.user, allegation_id)
    day = today()
    clocks = [{"clock": c, "rule": RULES.get(c.code),
               "overdue": c.met_date is None and c.stopped_date is None and c.due_date < day,
               "days": (c.due_date - day).days} for c in selectors.allegation_clocks(request.user, a)]
    may_record = can_record_allegations(request.user)
    return render(request, "web/lado/allegation.html", {
        "a": a, "clocks": clocks, "meetings": list(a.strategy_meetings.all()),
        "reviews": list(a.reviews.all()),
        "steps": [(slug, s.link(a)) for slug, s in STEPS.items() if may_record and s.offered(a)]})


@dataclass(frozen=True)
class Step:
    """One thing the LADO records about an allegation: its form, when the page offers it, what the
    form starts with, and the service it posts to (with the version the form was read at)."""

    title: str
    form: type
    offered: Callable[[Allegation], bool]
    initial: Callable[[Allegation], dict]
    save: Callable[..., object]
    #: The link's words once the step has been taken (the response may be reconsidered).
    again: str = ""
    taken: Callable[[Allegation], bool] = lambda a: False

    def link(self, a: Allegation) -> str:
        return self.again if self.again and self.taken(a) else self.title


def _response(by, a, v, d):
    return services.allegation_record_response(by=by, allegation_id=a.pk, expected_version=v,
                                               response=d["response"], response_date=d["response_date"])


def _meeting(by, a, v, d):
    return services.strategy_meeting_record(by=by, allegation_id=a.pk, expected_version=v,
                                            held_on=d["held_on"])


def _review(by, a, v, d):
    return services.review_record(by=by, allegation_id=a.pk, expected_version=v, held_on=d["held_on"])


def _involvement(by, a, v, d):
    return services.allegation_record_involvement(
        by=by, allegation_id=a.pk, expected_version=v, police_involved=f.known(d["police_involved"]),
        court_proceedings=f.known(d["court_proceedings"]))


def _close(by, a, v, d):
    return services.allegation_close(by=by, allegation_id=a.pk, expected_version=v,
                                     closure_date=d["closure_date"], outcome=d["outcome"],
                                     employer_action=d["employer_action"])


def _outcome(by, a, v, d):
    return services.allegation_record_outcome(by=by, allegation_id=a.pk, expected_version=v,
                                              outcome=d["outcome"], employer_action=d["employer_action"])


def _details(by, a, v, d):
    return services.allegation_update(by=by, allegation_id=a.pk, expected_version=v, **d)


STEPS: dict[str, Step] = {
    "response": Step(
        "Record the LADO's response", f.ResponseForm, lambda a: a.is_open,
        lambda a: {"response": a.response, "response_date": a.response_date or today()}, _response,
        again="Change the LADO's response", taken=lambda a: bool(a.response)),
    "strategy-meeting": Step(
        "Record a strategy meeting", f.MeetingForm, lambda a: a.is_open and a.threshold_met,
        lambda a: {"held_on": today()}, _meeting),
    "review": Step(
        "Record a review", f.ReviewForm, lambda a: a.is_open and bool(a.strategy_meetings.all()),
        lambda a: {"held_on": today()}, _review),
    "involvement": Step(
        "Record police and court involvement", f.InvolvementForm, lambda a: True,
        lambda a: {"police_involved": f.shown_known(a.police_involved),
                   "court_proceedings": f.shown_known(a.court_proceedings)}, _involvement),
    "close": Step(
        "Record the outcome and employer action, and close", f.CloseForm,
        lambda a: a.is_open and bool(a.response),
        lambda a: {"closure_date": today()}, _close),
    "outcome": Step(
        "Change the outcome or employer action", f.OutcomeForm, lambda a: not a.is_open,
        lambda a: {"outcome": a.outcome, "employer_action": a.employer_action}, _outcome),
    "details": Step(
        "Change the allegation's details", f.AllegationDetailsForm, lambda a: True,
        f.AllegationDetailsForm.initial_of, _details),
}


@login_required
def step(request, allegation_id: int, slug: str):
    """One step's form. It carries the allegation's version, so a colleague's save in between is
    refused (409) rather than overwritten."""
    s = STEPS.get(slug)
    if s is None:
        raise Http404("no such step")
    a = _allegation(request.user, allegation_id)
    _record(request.user)
    status = 200
    if request.method == "POST":
        form = s.form(request.POST)
        conflicts.carry(form, a, version=True)
        valid = form.is_valid()
        version = conflicts.posted_version(form, a, version=True)
        if valid and not form.errors:
            data = {k: v for k, v in form.cleaned_data.items() if k not in conflicts.FIELDS}
            if isinstance(form, f.AllegationDetailsForm):
                data = form.service_fields()
            try:
                with transaction.atomic():
                    s.save(request.user, a, version, data)
            except RecordInvalid as exc:
                _violations_to_form(form, exc)
            except EditConflict as exc:
                conflicts.refuse(form, exc)
                status = 409
            else:
                messages.success(request, f"Saved: {s.title[:1].lower()}{s.title[1:]}")
                return redirect("web:lado_allegation", allegation_id=a.pk)
        if status == 200:
            status = 400
    else:
        form = s.form(initial=s.initial(a))
        conflicts.carry(form, a, version=True)
    return render(request, "web/lado/step.html", {"form": form, "title": s.title, "a": a}, status=status)


urlpatterns = [
    path("lado/", desk, name="lado"),
    path("lado/new/", new, name="lado_new"),
    path("lado/<int:allegation_id>/", allegation, name="lado_allegation"),
    path("lado/<int:allegation_id>/<slug:slug>/", step, name="lado_step"),
]
