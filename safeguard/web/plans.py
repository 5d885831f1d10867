"""The words of a plan (issue 17): outcomes, actions (what, who, by when, where each stands) and
contingency for a CIN plan, a CP plan, a care plan or a pathway plan; progress recorded at each
review, and the plan as it stood at each review shown. Thin: every change in `casework.plans`, access and the
view's audit in `_open`."""

from __future__ import annotations

from django import forms as djforms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render

from safeguard.access import policy
from safeguard.casework import plans
from safeguard.casework.models import PlanKind, PlanReview
from safeguard.core.errors import EditConflict, RecordInvalid

from . import forms
from .views import _open, _violations_to_form, refusing

_KINDS = (PlanKind.CIN, PlanKind.CP, PlanKind.CARE, PlanKind.PATHWAY)
OutcomeForms = djforms.formset_factory(forms.PlanOutcomeForm, extra=2)
ActionForms = djforms.formset_factory(forms.PlanActionForm, extra=3)
ProgressForms = djforms.formset_factory(forms.ActionProgressForm, extra=0)


def _link(child, kind: str, record_id: int) -> dict:
    """The dated record the plan belongs to; a pathway plan belongs to the child alone, whose
    number stands in the address as its record."""
    if kind not in _KINDS:
        raise Http404("no such kind of plan")
    if kind not in plans.LINKS:
        if record_id != child.pk:
            raise Http404("a pathway plan belongs to the child")
        return {}
    return {f"{plans.LINKS[kind]}_id": record_id}


def _view(child, kind, record_id):
    return plans.plan_of(child.pk, kind, **_link(child, kind, record_id))


def _may_change(request, child) -> None:
    if not policy.can_change_child(request.user, child):
        raise PermissionDenied("you may read this record but not change it")


def _context(child, kind, record_id, **more) -> dict:
    return {"child": child, "kind": kind, "record_id": record_id, "kind_label": PlanKind(kind).label,
            **more}


@login_required
@refusing
def plan(request, child_id, kind, record_id):
    """The plan as it stands, and its reviews."""
    child, _ = _open(request, child_id, what=f"{kind} plan {record_id}")
    view = _view(child, kind, record_id)
    return render(request, "web/plans/plan.html", _context(
        child, kind, record_id, view=view, can_change=policy.can_change_child(request.user, child)))


@login_required
@refusing
def plan_edit(request, child_id, kind, record_id):
    """Write the plan, or change it: the outcomes and actions as they will stand."""
    child, _ = _open(request, child_id, what=f"change {kind} plan {record_id}")
    _may_change(request, child)
    view = _view(child, kind, record_id)
    outcomes = view.outcomes if view else []
    count = len(outcomes) + OutcomeForms.extra
    problems, conflict = [], False
    if request.method == "POST":
        form = forms.PlanForm(request.POST)
        outcome_set = OutcomeForms(request.POST, prefix="o")
        action_set = ActionForms(request.POST, prefix="a", form_kwargs={"outcomes": count})
        valid = form.is_valid() & outcome_set.is_valid() & action_set.is_valid()
        version = request.POST.get("version", "")
        if valid:
            sent_outcomes = [f for f in outcome_set if (f.cleaned_data.get("text") or "").strip()
                             or f.cleaned_data.get("id")]
            position = {outcome_set.forms.index(f): n for n, f in enumerate(sent_outcomes)}
            sent_actions = [f for f in action_set if not f.is_blank()]
            try:
                plans.plan_write(
                    by=request.user, child_id=child.pk, kind=kind,
                    expected_version=int(version) if version.isdigit() else None,
                    contingency=form.cleaned_data["contingency"],
                    outcomes=[{"id": f.cleaned_data.get("id"), "text": f.cleaned_data["text"]}
                              for f in sent_outcomes],
                    actions=[{"id": f.cleaned_data.get("id"), "what": f.cleaned_data["what"],
                              "who": f.cleaned_data["who"], "by_when": f.cleaned_data["by_when"],
                              "status": f.cleaned_data["status"],
                              "outcome_index": position.get(int(f.cleaned_data["outcome_index"]))
                              if f.cleaned_data["outcome_index"] else None}
                             for f in sent_actions],
                    **_link(child, kind, record_id))
            except RecordInvalid as exc:
                problems = _violations_to_form(form, exc, rows={"outcomes": (sent_outcomes, "text"),
                                                                 "actions": (sent_actions, None)})
            except EditConflict:
                conflict = True
                problems = ["Someone changed this plan after you opened it. What you typed is below; "
                            "open the plan again to see their changes."]
            else:
                messages.success(request, f"Saved: the {PlanKind(kind).label.lower()}")
                return redirect("web:plan", child_id=child.pk, kind=kind, record_id=record_id)
        else:
            problems = ["Check the fields marked below"]
    else:
        form = forms.PlanForm(initial={"contingency": view.plan.contingency if view else ""})
        outcome_set = OutcomeForms(prefix="o", initial=[{"id": o.outcome.pk, "text": o.outcome.text}
                                                        for o in outcomes])
        index = {o.outcome.pk: str(i) for i, o in enumerate(outcomes)}
        action_set = ActionForms(prefix="a", form_kwargs={"outcomes": count}, initial=[
            {"id": a.pk, "what": a.what, "who": a.who, "by_when": a.by_when, "status": a.status,
             "outcome_index": index.get(a.outcome_id, "")} for a in (view.actions if view else [])])
    return render(request, "web/plans/edit.html", _context(
        child, kind, record_id, form=form, outcome_set=outcome_set, action_set=action_set,
        problems=problems, version=view.plan.version if view else ""),
        status=409 if conflict else 400 if request.method == "POST" else 200)


@login_required
@refusing
def plan_review(request, child_id, kind, record_id):
    """Record progress against the plan at a meeting; the plan as it then stood is kept."""
    child, _ = _open(request, child_id, what=f"review {kind} plan {record_id}")
    _may_change(request, child)
    view = _view(child, kind, record_id)
    if view is None:
        messages.info(request, "Write the plan before recording a review of it")
        return redirect("web:plan_edit", child_id=child.pk, kind=kind, record_id=record_id)
    actions = view.actions
    meetings = plans.MEETINGS_FOR[kind]
    problems = []
    if request.method == "POST":
        form = forms.PlanReviewForm(request.POST, meetings=meetings)
        progress_set = ProgressForms(request.POST, prefix="p")
        if form.is_valid() & progress_set.is_valid():
            d = form.cleaned_data
            try:
                plans.plan_review_record(
                    by=request.user, child_id=child.pk, plan_id=view.plan.pk, held_on=d["held_on"],
                    meeting_kind=d["meeting_kind"], progress=d["progress"],
                    expected_version=view.plan.version,
                    action_updates=[f.cleaned_data for f in progress_set])
            except RecordInvalid as exc:
                problems = _violations_to_form(form, exc)
            else:
                messages.success(request, "Saved: progress against the plan")
                return redirect("web:plan", child_id=child.pk, kind=kind, record_id=record_id)
        else:
            problems = ["Check the fields marked below"]
    else:
        form = forms.PlanReviewForm(meetings=meetings)
        progress_set = ProgressForms(prefix="p", initial=[{"action_id": a.pk, "status": a.status}
                                                          for a in actions])
    return render(request, "web/plans/review.html", _context(
        child, kind, record_id, form=form, rows=list(zip(actions, progress_set.forms, strict=True)),
        progress_set=progress_set, problems=problems),
        status=400 if request.method == "POST" else 200)


@login_required
@refusing
def plan_at_review(request, child_id, kind, record_id, review_id):
    """The plan as it stood when a review was recorded."""
    child, _ = _open(request, child_id, what=f"{kind} plan {record_id} at review {review_id}")
    view = _view(child, kind, record_id)
    if view is None or not any(r.pk == review_id for r in view.reviews):
        raise Http404("no such review of this plan")
    try:
        then = plans.plan_as_at(review_id)
    except PlanReview.DoesNotExist:
        raise Http404("no such review") from None
    labels = dict(forms.ActionStatus.choices)
    for action in then.actions:
        action["status_label"] = labels.get(action["status"], action["status"])
    return render(request, "web/plans/at_review.html", _context(child, kind, record_id, then=then))
