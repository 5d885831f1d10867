"""Pages: supervision (issue 21, item 3). Compliance by worker and team against the council's table
of expected frequencies [L]; recording a session with its case decisions (each written on the
child's record as management oversight); one session, whose reflective discussion only its two
parties see; a worker's sessions; and the table itself. Thin: reads through
`assurance.supervision.selectors`, writes through its services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path

from safeguard.access import policy
from safeguard.assurance.supervision import selectors, services
from safeguard.assurance.supervision.models import SupervisionFrequency, SupervisionSession
from safeguard.core.errors import EditConflict, RecordInvalid, today
from safeguard.workforce.models import User

from . import conflicts
from . import supervision_forms as f
from .views import _violations_to_form


@login_required
def compliance(request):
    """Each supervised worker's last supervision and the next due, by team, with the share up to date."""
    if not selectors.can_read_compliance(request.user):
        raise PermissionDenied("supervision compliance is for managers")
    teams = selectors.compliance(request.user)
    return render(request, "web/supervision/compliance.html", {
        "teams": teams, "today": today(),
        "may_change_table": policy.role_of(request.user) in services.TABLE_KEEPERS})


def _worker(request, worker_id: int) -> User:
    worker = selectors.worker_for(request.user, worker_id)
    if worker is None:
        raise Http404("no such worker")
    return worker


@login_required
def worker(request, worker_id: int):
    """A worker's sessions (never the reflections; each opens to its two parties in full)."""
    w = _worker(request, worker_id)
    return render(request, "web/supervision/worker.html", {
        "w": w, "sessions": selectors.sessions_of(request.user, w.pk),
        "may_record": services.supervises(request.user, w)})


@login_required
def record(request, worker_id: int):
    """The supervisor records a supervision with its case decisions."""
    w = _worker(request, worker_id)
    if not services.supervises(request.user, w):
        raise PermissionDenied("only the worker's supervisor records their supervision")
    children = selectors.discussable_children(request.user, w)
    if request.method == "POST":
        form = f.SessionForm(request.POST, children=children)
        if form.is_valid():
            d = form.cleaned_data
            try:
                session = services.session_record(by=request.user, supervisee_id=w.pk, held_on=d["held_on"],
                                                  others_present=d["others_present"],
                                                  reflective=d["reflective"], decisions=form.decisions())
            except RecordInvalid as exc:
                rows = {f"decisions[{i}].child_id": f"child_{i + 1}" for i in range(f.DECISION_ROWS)}
                rows |= {f"decisions[{i}].decision": f"decision_{i + 1}" for i in range(f.DECISION_ROWS)}
                _violations_to_form(form, exc, aliases=rows)
            else:
                messages.success(request, "Saved: supervision recorded")
                return redirect("web:supervision_session", session_id=session.pk)
    else:
        form = f.SessionForm(children=children, initial={"held_on": today()})
    return render(request, "web/supervision/step.html", {
        "form": form, "w": w, "title": f"Record supervision: {w.get_full_name() or w.username}"},
        status=400 if form.errors else 200)


@login_required
def session(request, session_id: int):
    try:
        s = selectors.session_get(request.user, session_id)
    except SupervisionSession.DoesNotExist:
        raise Http404("no such supervision") from None
    return render(request, "web/supervision/session.html", {
        "s": s, "reflection": selectors.reflection_of(request.user, s),
        "party": selectors.is_party(request.user, s), "decisions": selectors.decisions_of(request.user, s)})


@login_required
def standards(request):
    """The council's table of expected frequencies [L]."""
    if not selectors.can_read_compliance(request.user):
        raise PermissionDenied("supervision standards are for managers")
    return render(request, "web/supervision/standards.html", {
        "rows": selectors.frequencies(),
        "may_change": policy.role_of(request.user) in services.TABLE_KEEPERS})


@login_required
def standard_change(request, frequency_id: int):
    if policy.role_of(request.user) not in services.TABLE_KEEPERS:
        raise PermissionDenied("only an administrator changes the expected frequency of supervision")
    row = SupervisionFrequency.objects.filter(pk=frequency_id).first()
    if row is None:
        raise Http404("no such row")
    status = 200
    if request.method == "POST":
        form = f.FrequencyForm(request.POST)
        conflicts.carry(form, row, version=True)
        valid = form.is_valid()
        version = conflicts.posted_version(form, row, version=True)
        if valid and not form.errors:
            d = form.cleaned_data
            try:
                services.frequency_change(by=request.user, frequency_id=row.pk, expected_version=version,
                                          unit=d["unit"], amount=d["amount"], reason=d["reason"])
            except RecordInvalid as exc:
                _violations_to_form(form, exc)
            except EditConflict as exc:
                conflicts.refuse(form, exc)
                status = 409
            else:
                messages.success(request, f"Saved: {row.description}")
                return redirect("web:supervision_standards")
        status = 400 if status == 200 else status
    else:
        form = f.FrequencyForm(initial={"unit": row.unit, "amount": row.amount})
        conflicts.carry(form, row, version=True)
    return render(request, "web/supervision/step.html", {"form": form, "title": f"Change: {row.description}"},
                  status=status)


urlpatterns = [
    path("supervision/", compliance, name="supervision"),
    path("supervision/standards/", standards, name="supervision_standards"),
    path("supervision/standards/<int:frequency_id>/", standard_change, name="supervision_standard_change"),
    path("supervision/workers/<int:worker_id>/", worker, name="supervision_worker"),
    path("supervision/workers/<int:worker_id>/record/", record, name="supervision_record"),
    path("supervision/sessions/<int:session_id>/", session, name="supervision_session"),
]
