"""Pages: the improvement plan (issue 21, item 5). The plan of an inspection's recommendations with
each one's latest judgement, a recommendation with its actions, evidence and judgement history,
the forms that add to it, and the self-assessment report in the structure of Cheshire East's 2017
report, printable. Thin: reads `assurance.improvement.selectors`, writes its services; who may do
what is `assurance.improvement.rules`. No child is named on these pages."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path

from safeguard.assurance.improvement import rules, selectors, services
from safeguard.assurance.improvement.models import ImprovementAction, Inspection, Recommendation
from safeguard.core.errors import EditConflict, RecordInvalid, today

from . import conflicts
from . import improvement_forms as f
from .views import _violations_to_form

REFUSED = "the improvement plan is for managers, leaders, analysts and councillors"


def _reader(request):
    if not rules.can_read(request.user):
        raise PermissionDenied(REFUSED)
    return request.user


def _writer(request):
    if not rules.can_write(request.user):
        raise PermissionDenied(
            "the improvement plan is kept by heads of service, team managers, administrators and analysts"
        )
    return request.user


def _whole(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


def _recommendation(user, recommendation_id: int) -> Recommendation:
    try:
        return selectors.recommendation(user, recommendation_id)
    except Recommendation.DoesNotExist:
        raise Http404("no such recommendation") from None


@login_required
def plan(request):
    """The plan: each recommendation of the inspection with its latest judgement and its actions."""
    user = _reader(request)
    try:
        p = selectors.plan(user, _whole(request.GET.get("inspection")))
    except Inspection.DoesNotExist:
        raise Http404("no such inspection") from None
    return render(request, "web/improvement/plan.html", {"p": p, "may_write": rules.can_write(user)})


def _form_page(request, form, title: str, *, back: str, back_label: str, caption: str = "", status=None):
    return render(
        request,
        "web/improvement/step.html",
        {"form": form, "title": title, "back": back, "back_label": back_label, "caption": caption},
        status=status or (400 if form.errors else 200),
    )


def _attempt(form, save, aliases=None) -> object | None:
    """Run the service; its refusals beside the fields they name."""
    try:
        with transaction.atomic():
            return save()
    except RecordInvalid as exc:
        _violations_to_form(form, exc, aliases=aliases)
    return None


@login_required
def inspection_new(request):
    user = _writer(request)
    form = f.InspectionForm(request.POST or None, initial={"source": "Ofsted ILACS inspection"})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = _attempt(
            form,
            lambda: services.inspection_record(
                by=user, source=d["source"], reported_on=d["reported_on"], reference=d["reference"]
            ),
        )
        if done:
            messages.success(request, f"Saved: {done}")
            return redirect(f"/improvement/?inspection={done.pk}")
    return _form_page(
        request,
        form,
        "Add an inspection or review",
        back="/improvement/",
        back_label="Back to the improvement plan",
    )


@login_required
def recommendation_new(request, inspection_id: int):
    user = _writer(request)
    inspection = selectors.inspections(user).filter(pk=inspection_id).first()
    if inspection is None:
        raise Http404("no such inspection")
    form = f.RecommendationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = _attempt(
            form,
            lambda: services.recommendation_add(
                by=user,
                inspection_id=inspection.pk,
                number=d["number"],
                text=d["text"],
                made_on=d["made_on"],
                source=d["source"],
                background=d["background"],
            ),
        )
        if done:
            messages.success(request, f"Saved: recommendation {done.number} added")
            return redirect("web:improvement_recommendation", recommendation_id=done.pk)
    return _form_page(
        request,
        form,
        "Add a recommendation",
        back=f"/improvement/?inspection={inspection.pk}",
        back_label="Back to the improvement plan",
        caption=str(inspection),
    )


@login_required
def recommendation(request, recommendation_id: int):
    """One recommendation: the summary, its actions, evidence and each judgement with its figures."""
    user = _reader(request)
    rec = _recommendation(user, recommendation_id)
    return render(
        request, "web/improvement/recommendation.html", {"rec": rec, "may_write": rules.can_write(user)}
    )


def _rec_form(
    request,
    recommendation_id: int,
    form_class,
    title: str,
    save,
    *,
    options=None,
    initial=None,
    aliases=None,
    versioned: bool = False,
):
    """A form that adds to one recommendation; with `versioned`, it carries the version read and a
    colleague's save in between is refused (409), what was typed kept."""
    user = _writer(request)
    rec = _recommendation(user, recommendation_id)
    back = f"/improvement/recommendations/{rec.pk}/"
    status = None
    if request.method == "POST":
        form = form_class(request.POST, **(options or {}))
        if versioned:
            conflicts.carry(form, rec, version=True)
        valid = form.is_valid()
        version = conflicts.posted_version(form, rec, version=True) if versioned else None
        if valid and not form.errors:
            try:
                done = _attempt(form, lambda: save(user, rec, form, version), aliases)
            except EditConflict as exc:
                conflicts.refuse(form, exc)
                status = 409
            else:
                if done:
                    messages.success(request, f"Saved: {title[:1].lower()}{title[1:]}")
                    return redirect(back)
    else:
        form = form_class(initial=initial or {}, **(options or {}))
        if versioned:
            conflicts.carry(form, rec, version=True)
    return _form_page(
        request,
        form,
        title,
        back=back,
        back_label=f"Back to recommendation {rec.number}",
        caption=f"Recommendation {rec.number}: {rec.text[:120]}",
        status=status,
    )


@login_required
def action_new(request, recommendation_id: int):
    owners = list(selectors.owners(request.user)) if rules.can_write(request.user) else []

    def save(user, rec, form, _):
        d = form.cleaned_data
        return services.action_add(
            by=user,
            recommendation_id=rec.pk,
            what=d["what"],
            owner_id=d["owner"],
            due_date=d["due_date"],
            status=d["status"],
        )

    return _rec_form(
        request,
        recommendation_id,
        f.ActionForm,
        "Add an action",
        save,
        options={"owners": owners},
        initial={"status": "not_started"},
    )


@login_required
def measure_new(request, recommendation_id: int):
    measures = (
        selectors.measure_choices(request.user.local_authority) if rules.can_write(request.user) else []
    )

    def save(user, rec, form, _):
        d = form.cleaned_data
        return services.evidence_link_measure(
            by=user, recommendation_id=rec.pk, indicator_id=d["indicator_id"], note=d["note"]
        )

    return _rec_form(
        request,
        recommendation_id,
        f.MeasureForm,
        "Link a scorecard measure",
        save,
        options={"measures": measures},
    )


@login_required
def audit_new(request, recommendation_id: int):
    options = {}
    if rules.can_write(request.user):
        options = {
            "themes": selectors.theme_choices(),
            "domains": selectors.domain_choices(),
            "programmes": selectors.programme_choices(request.user),
        }

    def save(user, rec, form, _):
        return services.evidence_link_audit(
            by=user, recommendation_id=rec.pk, note=form.cleaned_data["note"], **form.link()
        )

    return _rec_form(
        request,
        recommendation_id,
        f.AuditLinkForm,
        "Link audit evidence",
        save,
        options=options,
        aliases={"audit_scope": "audit", "theme": "audit", "domain": "audit", "programme": "audit"},
    )


@login_required
def evidence_new(request, recommendation_id: int):
    def save(user, rec, form, _):
        d = form.cleaned_data
        return services.evidence_add_text(by=user, recommendation_id=rec.pk, label=d["label"], text=d["note"])

    return _rec_form(request, recommendation_id, f.EvidenceTextForm, "Add other evidence", save)


@login_required
def judge(request, recommendation_id: int):
    def save(user, rec, form, version):
        d = form.cleaned_data
        return services.judgement_record(
            by=user,
            recommendation_id=rec.pk,
            expected_version=version,
            judged_on=d["judged_on"],
            judgement=d["judgement"],
            agreed_by=d["agreed_by"],
            commentary=d["commentary"],
            monitored_by=d["monitored_by"],
        )

    user = request.user
    latest = None
    if rules.can_write(user) and request.method != "POST":
        rec = _recommendation(user, recommendation_id)
        latest = rec.latest
    initial = {
        "judged_on": today(),
        "agreed_by": latest.agreed_by if latest else "",
        "monitored_by": latest.monitored_by if latest else "",
    }
    return _rec_form(
        request,
        recommendation_id,
        f.JudgementForm,
        "Record a judgement",
        save,
        initial=initial,
        versioned=True,
    )


@login_required
def action_update(request, action_id: int):
    """Say how an action stands (its owner, or those who keep the plan); carries its version."""
    user = _reader(request)
    try:
        a = selectors.action(user, action_id)
    except ImprovementAction.DoesNotExist:
        raise Http404("no such action") from None
    if not rules.can_update_action(user, a):
        raise PermissionDenied("the action's owner, or those who keep the plan, say how it stands")
    back = f"/improvement/recommendations/{a.recommendation_id}/"
    status = None
    if request.method == "POST":
        form = f.ActionUpdateForm(request.POST)
        conflicts.carry(form, a, version=True)
        valid = form.is_valid()
        version = conflicts.posted_version(form, a, version=True)
        if valid and not form.errors:
            d = form.cleaned_data
            try:
                done = _attempt(
                    form,
                    lambda: services.action_update(
                        by=user,
                        action_id=a.pk,
                        expected_version=version,
                        status=d["status"],
                        done_on=d["done_on"],
                        note=d["note"],
                    ),
                )
            except EditConflict as exc:
                conflicts.refuse(form, exc)
                status = 409
            else:
                if done:
                    messages.success(request, "Saved: the action's progress")
                    return redirect(back)
    else:
        form = f.ActionUpdateForm(
            initial={"status": a.status, "done_on": a.done_on or None, "note": a.progress_note}
        )
        conflicts.carry(form, a, version=True)
    return _form_page(
        request,
        form,
        "Update the action",
        back=back,
        back_label=f"Back to recommendation {a.recommendation.number}",
        caption=a.what[:160],
        status=status,
    )


@login_required
def report(request):
    """The self-assessment report as at a date (today by default; not before 2000 nor after today),
    printable."""
    user = _reader(request)
    form = f.AsOfForm(request.GET or None)
    as_of = today()
    if form.is_bound and form.is_valid() and form.cleaned_data["as_of"]:
        chosen = form.cleaned_data["as_of"]
        if dt.date(2000, 1, 1) <= chosen <= today():
            as_of = chosen
        else:
            form.add_error("as_of", "The date must be between 1 January 2000 and today")
    sa = selectors.self_assessment(user.local_authority, as_of)
    if not form.is_bound:
        form = f.AsOfForm(initial={"as_of": as_of})
    return render(request, "web/improvement/report.html", {"sa": sa, "form": form})


urlpatterns = [
    path("improvement/", plan, name="improvement"),
    path("improvement/report/", report, name="improvement_report"),
    path("improvement/inspections/new/", inspection_new, name="improvement_inspection_new"),
    path(
        "improvement/inspections/<int:inspection_id>/recommendations/new/",
        recommendation_new,
        name="improvement_recommendation_new",
    ),
    path(
        "improvement/recommendations/<int:recommendation_id>/",
        recommendation,
        name="improvement_recommendation",
    ),
    path(
        "improvement/recommendations/<int:recommendation_id>/actions/new/",
        action_new,
        name="improvement_action_new",
    ),
    path(
        "improvement/recommendations/<int:recommendation_id>/measures/new/",
        measure_new,
        name="improvement_measure_new",
    ),
    path(
        "improvement/recommendations/<int:recommendation_id>/audits/new/",
        audit_new,
        name="improvement_audit_new",
    ),
    path(
        "improvement/recommendations/<int:recommendation_id>/evidence/new/",
        evidence_new,
        name="improvement_evidence_new",
    ),
    path("improvement/recommendations/<int:recommendation_id>/judge/", judge, name="improvement_judge"),
    path("improvement/actions/<int:action_id>/", action_update, name="improvement_action_update"),
]
