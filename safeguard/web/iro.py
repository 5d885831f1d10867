"""The IRO's desk (issue 17): the IRO's caseload, practice alerts through the stages of dispute
resolution, and the figures the IRO service's annual report gives councillors. Thin: the rules and
reads are `safeguard.iro`'s; access starts from the policy, and each page's read is audited."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render

from safeguard.access import policy
from safeguard.assessment import selectors as oversight
from safeguard.audit.services import audit_record
from safeguard.child_protection.models import ChildParticipation
from safeguard.core.codes import ReviewParticipation
from safeguard.core.errors import EditConflict, RecordInvalid, today
from safeguard.iro import rules, selectors
from safeguard.iro import services as iro
from safeguard.iro.models import AlertCategory, AlertStage, MonitoringKind

from . import conflicts, forms
from .views import _clock_rows, _open, _violations_to_form, refusing

_FILTERS = {"open": dict(status="open"), "overdue": dict(status="open", overdue=True),
            "resolved": dict(status="resolved"), "all": {}}


def _iro_only(user) -> None:
    if policy.role_of(user) != policy.IRO:
        raise PermissionDenied("the IRO's desk is for independent reviewing officers and CP chairs")


@login_required
def desk(request):
    """The IRO's caseload, practice alerts and the conferences and reviews due."""
    user = request.user
    _iro_only(user)
    day = today()
    caseload = selectors.iro_caseload(user, as_at=day)
    shown = request.GET.get("alerts", "open")
    alerts = list(selectors.practice_alerts(user, as_at=day, **_FILTERS.get(shown, _FILTERS["open"]))[:200])
    todo = oversight.to_do(user, scope="iro")
    due = _clock_rows(todo.rows)
    audit_record(actor=user, action="view", object_type="iro.PracticeAlert", detail={
        "worklist": "iro", "caseload": len(caseload.rows), "alerts": len(alerts), "count": len(due),
        "children": sorted({r.child_id for r in caseload.rows})[:200]})
    participation = {**dict(ReviewParticipation.choices), **dict(ChildParticipation.choices)}
    cases = [{"row": r, "participation": participation.get(r.last_participation, ""),
              "overdue": r.next_review_due is not None and r.next_review_due < day} for r in caseload.rows]
    return render(request, "web/iro/desk.html", {
        "caseload": caseload, "cases": cases, "alerts": alerts, "shown": shown, "rows": due, "today": day,
        "due_total": todo.total,
        "filters": [("open", "Open"), ("overdue", "Overdue"), ("resolved", "Resolved"), ("all", "All")]})


def _alert(request, child_id, alert_id, *, what):
    child, _ = _open(request, child_id, what=what)
    alert = next((a for a in selectors.alerts_for_child(request.user, child.pk) if a.pk == alert_id), None)
    if alert is None:
        raise Http404("no such practice alert for this child")
    return child, alert


@login_required
@refusing
def alert(request, child_id, alert_id):
    """One practice alert: the concern, each stage with its due date and response, the resolution."""
    child, alert = _alert(request, child_id, alert_id, what=f"practice alert {alert_id}")
    can_act = policy.can_change_child(request.user, child)
    return render(request, "web/iro/alert.html", {
        "child": child, "alert": alert, "today": today(),
        "stages": [(s, rules.stage_label(s.stage)) for s in alert.all_steps],
        "next_stage": rules.next_stage(alert.stage) and rules.stage_label(rules.next_stage(alert.stage)),
        "is_iro": can_act and policy.role_of(request.user) == policy.IRO,
        "may_respond": can_act and alert.resolved_on is None,
        "category": AlertCategory(alert.category).label, "stage": rules.stage_label(alert.stage)})


_ACTIONS = {
    "respond": ("Record the response", forms.AlertRespondForm),
    "escalate": ("Escalate the practice alert", forms.AlertEscalateForm),
    "resolve": ("Record that the concern is resolved", forms.AlertResolveForm),
}


def _act(user, alert, action: str, d: dict, version: int | None):
    if action == "respond":
        return iro.practice_alert_respond(by=user, alert_id=alert.pk, expected_version=version,
                                          response=d["response"], responded_on=d["responded_on"])
    if action == "escalate":
        return iro.practice_alert_escalate(
            by=user, alert_id=alert.pk, expected_version=version, escalated_on=d["escalated_on"],
            raised_with_id=d["raised_with"] and d["raised_with"].pk, raised_with_name=d["raised_with_name"])
    return iro.practice_alert_resolve(by=user, alert_id=alert.pk, expected_version=version,
                                      resolved_on=d["resolved_on"], resolution=d["resolution"],
                                      resolution_note=d["resolution_note"])


@login_required
@refusing
def alert_act(request, child_id, alert_id, action):
    """Respond to, escalate or resolve a practice alert: the version read (of the current stage, for
    a response; of the alert, otherwise) is carried, so a colleague's change in between is not
    overwritten."""
    if action not in _ACTIONS:
        raise Http404("no such action")
    child, alert = _alert(request, child_id, alert_id, what=f"{action} practice alert {alert_id}")
    if not policy.can_change_child(request.user, child):
        raise PermissionDenied("you may read this record but not change it")
    title, form_class = _ACTIONS[action]
    if action == "escalate":
        title = f"Escalate to {rules.stage_label(rules.next_stage(alert.stage) or alert.stage).lower()}"
    extra = {"local_authority_id": request.user.local_authority_id} if action == "escalate" else {}
    conflict = False
    target = alert.all_steps[-1] if action == "respond" else alert
    if request.method == "POST":
        form = form_class(request.POST, **extra)
        conflicts.carry(form, target, version=True)
        valid = form.is_valid()
        version = conflicts.posted_version(form, target, version=True)
        if valid and not form.errors:
            data = {k: v for k, v in form.cleaned_data.items() if k not in conflicts.FIELDS}
            try:
                with transaction.atomic():
                    _act(request.user, alert, action, data, version)
            except RecordInvalid as exc:
                _violations_to_form(form, exc)
            except EditConflict as exc:
                conflict = True
                conflicts.refuse(form, exc)
            else:
                messages.success(request, f"Saved: {title[:1].lower()}{title[1:]}")
                return redirect("web:practice_alert", child_id=child.pk, alert_id=alert.pk)
    else:
        first = {"respond": "responded_on", "escalate": "escalated_on", "resolve": "resolved_on"}[action]
        form = form_class(initial={first: today()}, **extra)
        conflicts.carry(form, target, version=True)
    return render(request, "web/step.html", {"form": form, "title": title, "child": child,
                                             "target": f"Practice alert raised {alert.raised_on:%-d %B %Y}"},
                  status=409 if conflict else 400 if form.errors else 200)


def _year_starting(value: str | None) -> int:
    """The financial year (April to March) the report covers: the one asked for, else the last ended."""
    day = today()
    latest = day.year - 1 if day.month >= 4 else day.year - 2
    return int(value) if value and value.isdigit() and 2000 <= int(value) <= latest + 1 else latest


@login_required
def report(request):
    """The IRO service's annual figures (IRO Handbook 2010 ch. 7): aggregates only, no child named."""
    user = request.user
    if not (policy.can_see_aggregates(user) or policy.role_of(user) == policy.IRO):
        raise PermissionDenied("the IRO service's figures are for IROs, managers, analysts and councillors")
    year = _year_starting(request.GET.get("year"))
    start, end = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
    figures = selectors.iro_annual_figures(user.local_authority_id, start, end)
    audit_record(actor=user, action="view", object_type="iro.PracticeAlert",
                 detail={"report": "iro_annual", "year": year})
    return render(request, "web/iro/report.html", {
        "f": figures, "year": year, "years": list(range(_year_starting(None), _year_starting(None) - 5, -1)),
        "categories": [(AlertCategory(c).label, n) for c, n in figures.alerts_by_category.items()],
        "stages": [(AlertStage(s).label, n) for s, n in figures.alerts_by_stage_reached.items()],
        "monitoring": [(MonitoringKind(k).label, n) for k, n in figures.monitoring_by_kind.items()],
        "participation": [(code, dict(ReviewParticipation.choices).get(code, ""), n)
                          for code, n in sorted(figures.participation.items())]})
