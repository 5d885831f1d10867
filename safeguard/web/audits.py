"""Pages: case file audits and the audit scorecard (issue 21, items 1-2). Thin: reads are
`assurance.audits.selectors`, writes `assurance.audits.services`; who may do what is
`assurance.audits.rules` (the child's record itself is opened only by the access policy)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path

from safeguard.access import policy
from safeguard.assurance.audits import rules, selectors, services
from safeguard.assurance.audits.models import Grade, ProgrammeKind
from safeguard.core.errors import EditConflict, RecordInvalid, today
from safeguard.workforce.models import Team, User

from .audits_forms import ActionDoneForm, ActionForm, GradingForm, ProgrammeForm, ResponseForm
from .views import _violations_to_form


def _reader(request):
    if not rules.can_see_audits(request.user):
        raise PermissionDenied("case file audits are for practitioners, managers and analysts")
    return request.user


def _version(request) -> int:
    text = request.POST.get("version", "")
    return int(text) if text.isdigit() else 0


def _month(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(f"{text}-01") if len(text) == 7 else None
    except ValueError:
        return None


@login_required
def index(request):
    """Audits waiting for me (to grade, moderate or answer), actions assigned to me, programmes."""
    user = _reader(request)
    return render(request, "web/audits/index.html", {
        "mine": selectors.my_audits(user),
        "actions": list(selectors.actions_for(user)[:50]),
        "programmes": list(selectors.programmes(user)[:24]),
        "can_run": rules.can_run_programme(user),
        "can_score": rules.can_see_scorecard(user), "today": today(),
    })


def _staff(user):
    return (User.objects.filter(local_authority_id=user.local_authority_id, is_active=True,
                                role__in=sorted(policy.CHILD_READERS - {policy.ANALYST}))
            .order_by("first_name", "last_name"))


@login_required
def programme_new(request):
    user = request.user
    if not rules.can_run_programme(user):
        raise PermissionDenied("audit programmes are run by team managers")
    tools = list(selectors.tools())
    if not tools:
        services.tools_load_defaults()
        tools = list(selectors.tools())
    options = {"tools": tools, "teams": Team.objects.filter(local_authority_id=user.local_authority_id)
               .order_by("name"), "staff": list(_staff(user)), "today": today()}
    form = ProgrammeForm(request.POST or None, **options,
                         initial={"teams": [user.team_id] if user.team_id else [], "auditor": user.pk})
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            prog = services.programme_run(
                by=user, title=c["title"], kind=c["kind"], theme=c["theme"], tool_id=c["tool"],
                month=_month(c["month"]), team_ids=c["teams"], per_team=c["per_team"],
                auditor_id=c["auditor"], moderator_id=c["moderator"])
        except RecordInvalid as exc:
            _violations_to_form(form, exc)
        else:
            n = prog.audits.count()
            messages.success(request, f"{n} {'child' if n == 1 else 'children'} drawn for {prog.title}")
            return redirect("web:audit_programme", prog.pk)
    return render(request, "web/audits/programme_new.html", {"form": form})


@login_required
def programme(request, programme_id):
    user = _reader(request)
    prog = selectors.programme(user, programme_id)
    return render(request, "web/audits/programme.html", {
        "programme": prog, "audits": selectors.programme_audits(user, prog),
        "teams": list(prog.teams.order_by("name"))})


def _audit(request, audit_id):
    return selectors.case_audit(_reader(request), audit_id)


@login_required
def case_audit(request, audit_id):
    user = request.user
    audit = _audit(request, audit_id)
    return render(request, "web/audits/audit.html", {
        "audit": audit, "domains": selectors.graded_domains(audit),
        "can_grade": rules.can_grade(user, audit), "can_moderate": rules.can_moderate(user, audit),
        "response_role": rules.response_role(user, audit),
        "can_add_action": rules.can_add_action(user, audit),
        "can_enter_partner_grades": rules.can_enter_partner_grades(user, audit),
        "completable": {a.pk for a in audit.action_rows if rules.can_complete_action(user, a, audit)},
    })


def _conflict(request, audit):
    messages.error(request, "Someone saved this audit since you opened it: your change was not applied. "
                            "Here it is as it now stands.")
    return redirect("web:case_audit", audit.pk)


@login_required
def grade(request, audit_id):
    user = request.user
    audit = _audit(request, audit_id)
    if not rules.can_grade(user, audit):
        raise PermissionDenied("only the audit's auditor grades it, before moderation")
    initial = {"overall": audit.overall, "note": audit.summary}
    for g in audit.grade_rows:
        if g.role == "auditor":
            initial.update({f"grade_{g.domain_id}": g.grade, f"evidence_{g.domain_id}": g.evidence})
    form = GradingForm(request.POST or None, domains=audit.domain_rows, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.audit_grade(by=user, audit_id=audit.pk, expected_version=_version(request),
                                 grades=form.grades(), overall=form.cleaned_data["overall"],
                                 summary=form.cleaned_data["note"])
        except EditConflict:
            return _conflict(request, audit)
        except RecordInvalid as exc:
            _violations_to_form(form, exc, aliases={"graded_on": "overall"})
        else:
            messages.success(request, "Audit graded")
            return redirect("web:case_audit", audit.pk)
    return render(request, "web/audits/grade.html",
                  {"audit": audit, "form": form, "heading": "Grade the case"})


@login_required
def moderate(request, audit_id):
    user = request.user
    audit = _audit(request, audit_id)
    if not rules.can_moderate(user, audit):
        raise PermissionDenied("only the audit's moderator moderates it, once graded")
    form = GradingForm(request.POST or None, domains=audit.domain_rows, evidence_label="Your comment",
                       overall_label="Overall grade after moderation", note_label="Moderation summary",
                       note_required=True, agreed=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.audit_moderate(by=user, audit_id=audit.pk,
                                    expected_version=_version(request),
                                    grades=form.grades(), agreed=form.agreed(),
                                    overall=form.cleaned_data["overall"], note=form.cleaned_data["note"])
        except EditConflict:
            return _conflict(request, audit)
        except RecordInvalid as exc:
            _violations_to_form(form, exc,
                                aliases={"moderated_overall": "overall", "moderation_note": "note"})
        else:
            messages.success(request, "Moderation recorded")
            return redirect("web:case_audit", audit.pk)
    return render(request, "web/audits/grade.html", {
        "audit": audit, "form": form, "heading": "Moderate the audit",
        "auditor_grades": {r["domain"].pk: r["auditor"] for r in selectors.graded_domains(audit)}})


@login_required
def partners(request, audit_id):
    """A multi-agency audit: the auditor enters one partner agency's grades at a time."""
    user = request.user
    audit = _audit(request, audit_id)
    if not rules.can_enter_partner_grades(user, audit):
        raise PermissionDenied("the auditor of a multi-agency audit enters partners' grades")
    form = GradingForm(request.POST or None, domains=audit.domain_rows, agency=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_grade(by=user, audit_id=audit.pk, expected_version=_version(request),
                                   agency=form.cleaned_data["agency"], grades=form.grades())
        except EditConflict:
            return _conflict(request, audit)
        except RecordInvalid as exc:
            _violations_to_form(form, exc)
        else:
            messages.success(request, f"Grades of {form.cleaned_data['agency']} recorded")
            return redirect("web:case_audit", audit.pk)
    return render(request, "web/audits/grade.html", {"audit": audit, "form": form,
                                                     "heading": "Enter a partner agency's grades"})


@login_required
def respond(request, audit_id):
    user = request.user
    audit = _audit(request, audit_id)
    role = rules.response_role(user, audit)
    if not role:
        raise PermissionDenied("the worker whose case it is, or their manager, responds once it is graded")
    form = ResponseForm(request.POST or None, initial={"response": getattr(audit, f"{role}_response")})
    if request.method == "POST" and form.is_valid():
        try:
            services.audit_respond(by=user, audit_id=audit.pk, expected_version=_version(request),
                                   response=form.cleaned_data["response"])
        except EditConflict:
            return _conflict(request, audit)
        except RecordInvalid as exc:
            _violations_to_form(form, exc)
        else:
            messages.success(request, "Response recorded")
            return redirect("web:case_audit", audit.pk)
    return render(request, "web/audits/form.html", {
        "audit": audit, "form": form, "heading": f"Respond as the {role}", "button": "Save response"})


@login_required
def action_new(request, audit_id):
    user = request.user
    audit = _audit(request, audit_id)
    if not rules.can_add_action(user, audit):
        raise PermissionDenied("the auditor, moderator or team manager sets actions once the audit is graded")
    form = ActionForm(request.POST or None, staff=selectors.assignees(audit),
                      initial={"assigned_to": audit.worker_id})
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            services.action_add(by=user, audit_id=audit.pk, what=c["what"], assigned_to_id=c["assigned_to"],
                                due_date=c["due_date"])
        except RecordInvalid as exc:
            _violations_to_form(form, exc)
        else:
            messages.success(request, "Action added to the child's record")
            return redirect("web:case_audit", audit.pk)
    return render(request, "web/audits/form.html", {
        "audit": audit, "form": form, "heading": "Add an action arising", "button": "Add action"})


@login_required
def action_done(request, action_id):
    user = _reader(request)
    action = selectors.actions_for(user).filter(pk=action_id).first()
    if action is None:  # not assigned to me: a manager of the team may close it from the audit page
        audit_id = request.GET.get("audit") or request.POST.get("audit")
        audit = selectors.case_audit(user, int(audit_id)) if str(audit_id or "").isdigit() else None
        action = next((a for a in getattr(audit, "action_rows", ()) if a.pk == action_id), None)
        if action is None or not rules.can_complete_action(user, action, audit):
            raise PermissionDenied("no such action, or not yours to close")
    form = ActionDoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_complete(by=user, action_id=action.pk, expected_version=_version(request),
                                     note=form.cleaned_data["done_note"],
                                     done_on=form.cleaned_data["done_on"])
        except EditConflict:
            messages.error(request, "Someone saved this action since you opened it: reload it and try again.")
            return redirect("web:audits")
        except RecordInvalid as exc:
            _violations_to_form(form, exc)
        else:
            messages.success(request, "Action marked done on the child's record")
            return redirect("web:case_audit", action.audit_id)
    return render(request, "web/audits/action_done.html", {"action": action, "form": form})


# --- the scorecard ------------------------------------------------------------------------------


def _scorer(request):
    if not rules.can_see_scorecard(request.user):
        raise PermissionDenied("the audit scorecard is for managers, analysts and leaders")
    return request.user


@login_required
def scorecard(request):
    user = _scorer(request)
    last = _month(request.GET.get("to", "")) or today().replace(day=1)
    dimension = request.GET.get("by", "domain")
    card = selectors.scorecard(user, dimension=dimension, last_month=last)
    return render(request, "web/audits/scorecard.html", {
        **card, "to": last, "dimensions": selectors.DIMENSIONS, "can_drill": policy.can_drill(user)})


@login_required
def scorecard_audits(request):
    user = _scorer(request)
    if not policy.can_drill(user):
        raise PermissionDenied("the audits behind a figure are for managers, analysts, IROs, administrators")
    last = _month(request.GET.get("to", "")) or today().replace(day=1)
    month = _month(request.GET.get("month", ""))
    dimension = request.GET.get("by", "domain")
    grade = request.GET.get("grade", "")
    grade = grade if grade in Grade.values else ""
    audits = selectors.scorecard_audits(user, dimension=dimension, key=request.GET.get("key", ""),
                                        month=month, last_month=last, grade=grade)
    return render(request, "web/audits/scorecard_audits.html", {
        "audits": audits, "month": month, "to": last, "dimension": dimension,
        "label": request.GET.get("label", ""), "grade": Grade(grade).label if grade else "",
        "kinds": dict(ProgrammeKind.choices)})


urlpatterns = [
    path("audits/", index, name="audits"),
    path("audits/programmes/new/", programme_new, name="audit_programme_new"),
    path("audits/programmes/<int:programme_id>/", programme, name="audit_programme"),
    path("audits/scorecard/", scorecard, name="audit_scorecard"),
    path("audits/scorecard/audits/", scorecard_audits, name="audit_scorecard_audits"),
    path("audits/<int:audit_id>/", case_audit, name="case_audit"),
    path("audits/<int:audit_id>/grade/", grade, name="case_audit_grade"),
    path("audits/<int:audit_id>/moderate/", moderate, name="case_audit_moderate"),
    path("audits/<int:audit_id>/respond/", respond, name="case_audit_respond"),
    path("audits/<int:audit_id>/partners/", partners, name="case_audit_partners"),
    path("audits/<int:audit_id>/actions/new/", action_new, name="audit_action_new"),
    path("audits/actions/<int:action_id>/done/", action_done, name="audit_action_done"),
]
