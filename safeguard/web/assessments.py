"""The assessment's pages (issue 17): its sections written over days as a GOV.UK task list, kept
as a draft while typed; submitted by the worker; authorised or returned with comments by the
manager; amended after authorisation only with a reason. Thin: access and the view's audit in
`_open`, every change in `assessment.services`, every read in `assessment.selectors`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from safeguard.access import policy
from safeguard.assessment import selectors, services
from safeguard.assessment.models import Assessment, AssessmentOutcome
from safeguard.casework import drafts
from safeguard.core.errors import EditConflict, RecordInvalid, today

from . import forms
from .casework import _restored
from .views import _open, _violations_to_form, refusing

Status = Assessment.Status
_CONFLICT = ("Someone saved this assessment after you opened it. What you typed is below; open the "
             "assessment again to see their changes.")


def _detail(request, child, assessment_id):
    try:
        d = selectors.assessment_detail(int(assessment_id), user=request.user)
    except Assessment.DoesNotExist:
        raise Http404("no such assessment") from None
    if d.assessment.referral.child_id != child.pk:
        raise Http404("no such assessment on this record")
    return d


def _may_change(request, child) -> None:
    if not policy.can_change_child(request.user, child):
        raise PermissionDenied("you may read this record but not change it")


def _sections(d) -> list[dict]:
    content = d.content
    return [{"name": name, "label": label, "hint": hint,
             "text": getattr(content, name, "") if content else "",
             "done": bool(content and getattr(content, name, "").strip())}
            for name, (label, hint) in forms.ASSESSMENT_SECTIONS.items()]


def _version(d) -> int:
    """The words' version a save must send: 0 while no words are held yet."""
    return d.content.version if d.content is not None else 0


@login_required
@refusing
def assessment(request, child_id, assessment_id):
    """The assessment as a task list: each section and whether it is written, the proposal, the
    manager's decisions with their comments, and any amendments after authorisation."""
    child, _ = _open(request, child_id, what=f"assessment {assessment_id}")
    d = _detail(request, child, assessment_id)
    status = d.assessment.status
    can_change = policy.can_change_child(request.user, child)
    sections = _sections(d)
    return render(request, "web/assessment/assessment.html", {
        "child": child, "d": d, "a": d.assessment, "sections": sections,
        "written": sum(s["done"] for s in sections),
        "may_write": can_change and status in (Status.DRAFT, Status.RETURNED),
        "may_submit": can_change and status in (Status.DRAFT, Status.RETURNED),
        "may_amend": can_change and status == Status.AUTHORISED,
        "may_decide": can_change and policy.may_decide(request.user, policy.ASSESSMENT_AUTHORISATION)
        and status == Status.SUBMITTED,
        "returned": next((x for x in reversed(d.decisions) if x.outcome == "returned"), None)
        if status == Status.RETURNED else None,
        "outcome": AssessmentOutcome(d.content.proposed_outcome).label
        if d.content and d.content.proposed_outcome else "",
    })


@login_required
@refusing
def section(request, child_id, assessment_id, name):
    """Write one section. What is typed is kept as a draft as it is typed; "Save" writes it to the
    assessment. Once authorised, a change is an amendment with a reason."""
    if name not in forms.ASSESSMENT_SECTIONS:
        raise Http404("no such section")
    child, _ = _open(request, child_id, what=f"assessment {assessment_id} {name}")
    _may_change(request, child)
    d = _detail(request, child, assessment_id)
    status = d.assessment.status
    if status == Status.SUBMITTED:
        messages.info(request, "The assessment is with your manager: it can be changed once they return it")
        return redirect("web:assessment", child_id=child.pk, assessment_id=d.assessment.pk)
    amending = status == Status.AUTHORISED
    key = drafts.assessment_draft_key(d.assessment.pk, name)
    draft = drafts.draft_for(request.user, key)
    kwargs = {"section": name, "amending": amending}
    conflict = False
    if request.method == "POST":
        form = forms.AssessmentSectionForm(request.POST, **kwargs)
        version = request.POST.get("version", "")
        if form.is_valid() and version.isdigit():
            text = form.cleaned_data["text"]
            try:
                if amending:
                    services.assessment_amend(by=request.user, assessment_id=d.assessment.pk,
                                              expected_version=int(version),
                                              reason=form.cleaned_data["reason"], **{name: text})
                else:
                    services.assessment_save(by=request.user, assessment_id=d.assessment.pk,
                                             expected_version=int(version), **{name: text})
            except RecordInvalid as exc:
                _violations_to_form(form, exc, {name: "text"})
            except EditConflict:
                conflict = True
                form.add_error(None, _CONFLICT)
            else:
                drafts.draft_discard(by=request.user, key=key)
                messages.success(request, f"Saved: {forms.ASSESSMENT_SECTIONS[name][0]}")
                return redirect("web:assessment", child_id=child.pk, assessment_id=d.assessment.pk)
    elif draft is not None:
        form = _restored(forms.AssessmentSectionForm, draft, **kwargs)
    else:
        form = forms.AssessmentSectionForm(
            initial={"text": getattr(d.content, name, "") if d.content else ""}, **kwargs)
    return render(request, "web/assessment/section.html", {
        "child": child, "a": d.assessment, "form": form, "amending": amending,
        "title": forms.ASSESSMENT_SECTIONS[name][0], "version": _version(d),
        "draft_key": key, "draft": draft, "draft_version": draft.version if draft else "",
        "draft_save_url": reverse("web:draft_save")},
        status=409 if conflict else 400 if request.method == "POST" else 200)


def _outcomes():
    return AssessmentOutcome.choices


@login_required
@refusing
def submit(request, child_id, assessment_id):
    """The worker submits the assessment for the manager's decision with what they propose."""
    child, _ = _open(request, child_id, what=f"submit assessment {assessment_id}")
    _may_change(request, child)
    d = _detail(request, child, assessment_id)
    a = d.assessment
    seen = a.child_seen_date is not None
    kwargs = {"outcomes": _outcomes(), "seen_recorded": seen}
    if request.method == "POST":
        form = forms.AssessmentSubmitForm(request.POST, **kwargs)
        version = request.POST.get("version", "")
        if form.is_valid() and version.isdigit():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    if not seen and data.get("child_seen_date"):
                        a = services.assessment_record_child_seen(
                            by=request.user, assessment_id=a.pk, expected_version=a.version,
                            child_seen_date=data["child_seen_date"])
                    services.assessment_submit(
                        by=request.user, assessment_id=a.pk, expected_version=int(version),
                        factors=data["factors"], requires_support=forms.yes_no(data["requires_support"]),
                        outcome=data["outcome"])
            except RecordInvalid as exc:
                _violations_to_form(form, exc)
            except EditConflict:
                form.add_error(None, _CONFLICT)
            else:
                messages.success(request, "Submitted: your manager has the assessment for their decision")
                return redirect("web:assessment", child_id=child.pk, assessment_id=a.pk)
    else:
        c = d.content
        form = forms.AssessmentSubmitForm(initial={
            "outcome": c.proposed_outcome if c else "",
            "factors": (c.proposed_factors or []) if c else [],
            "requires_support": {True: "yes", False: "no"}.get(c.proposed_requires_support) if c else None,
        }, **kwargs)
    return render(request, "web/assessment/form.html", {
        "child": child, "a": a, "form": form, "title": "Submit the assessment for authorisation",
        "button": "Submit for authorisation", "version": _version(d)},
        status=400 if request.method == "POST" else 200)


@login_required
@refusing
def decide(request, child_id, assessment_id):
    """The manager authorises the assessment or returns it to the worker with comments."""
    child, _ = _open(request, child_id, what=f"decide assessment {assessment_id}")
    _may_change(request, child)
    if not policy.may_decide(request.user, policy.ASSESSMENT_AUTHORISATION):
        raise PermissionDenied(policy.deciders(policy.ASSESSMENT_AUTHORISATION))
    d = _detail(request, child, assessment_id)
    a = d.assessment
    if request.method == "POST":
        form = forms.AssessmentDecisionForm(request.POST)
        version = request.POST.get("version", "")
        if form.is_valid() and version.isdigit():
            data = form.cleaned_data
            try:
                if data["decision"] == "return":
                    services.assessment_return(by=request.user, assessment_id=a.pk,
                                               expected_version=int(version), comments=data["comments"])
                else:
                    services.assessment_authorise(
                        by=request.user, assessment_id=a.pk, expected_version=int(version),
                        authorisation_date=data["authorisation_date"], factors=data["factors"],
                        requires_support=forms.yes_no(data["requires_support"]),
                        comments=data["comments"])
            except RecordInvalid as exc:
                _violations_to_form(form, exc, {"decided_by": "decision", "authorised_by": "decision",
                                                "status": "decision"})
            except EditConflict:
                form.add_error(None, _CONFLICT)
            else:
                messages.success(request, "Assessment returned to the worker" if data["decision"] == "return"
                                 else "Assessment authorised")
                return redirect("web:assessment", child_id=child.pk, assessment_id=a.pk)
    else:
        c = d.content
        form = forms.AssessmentDecisionForm(initial={
            "authorisation_date": today(),
            "factors": (c.proposed_factors or []) if c else [],
            "requires_support": {True: "yes", False: "no"}.get(c.proposed_requires_support) if c else None,
        })
    return render(request, "web/assessment/form.html", {
        "child": child, "a": a, "form": form, "title": "Authorise or return the assessment",
        "button": "Record my decision", "version": a.version, "d": d, "sections": _sections(d)},
        status=400 if request.method == "POST" else 200)
