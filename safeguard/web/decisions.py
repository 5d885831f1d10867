"""Who decides (issue 17): the council's one table of the decisions that need a manager or a chair,
open to every member of staff; an administrator changes a local row with a reason; a team manager
delegates their decisions for a period. Thin: the rules are `access.services`'."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render

from safeguard.access import policy, selectors, services
from safeguard.core.errors import RecordInvalid, today

from . import forms
from .views import _violations_to_form


@login_required
def table(request):
    """Every decision, who takes it, whether the council may change it and the rule behind it."""
    rows = [{"rule": r, "who": policy.who_decides(r.roles)} for r in selectors.decision_rules()]
    return render(request, "web/decisions/table.html", {
        "rows": rows, "may_change": policy.role_of(request.user) == policy.ADMINISTRATOR,
        "may_delegate": policy.role_of(request.user) == policy.TEAM_MANAGER,
        "delegations": selectors.delegations_for(request.user)})


@login_required
def change(request, code):
    """An administrator changes who takes a local decision; the reason is kept with its history."""
    if policy.role_of(request.user) != policy.ADMINISTRATOR:
        raise PermissionDenied("only an administrator changes who takes a decision")
    rule = next((r for r in selectors.decision_rules() if r.code == code), None)
    if rule is None:
        raise Http404("no such decision")
    if request.method == "POST":
        form = forms.DecisionRuleForm(request.POST)
        if form.is_valid():
            try:
                services.decision_rule_change(by=request.user, code=code, roles=form.cleaned_data["roles"],
                                              reason=form.cleaned_data["reason"])
            except RecordInvalid as exc:
                _violations_to_form(form, exc, {"code": "roles"})
            else:
                messages.success(request, f"Saved: who takes “{rule.label}”")
                return redirect("web:decisions")
    else:
        form = forms.DecisionRuleForm(initial={"roles": rule.roles})
    history = [{"v": v, "who": policy.who_decides(v.roles)} for v in selectors.decision_rule_history(code)]
    return render(request, "web/decisions/change.html", {"rule": rule, "form": form, "history": history},
                  status=400 if form.errors else 200)


@login_required
def delegate(request):
    """A team manager delegates their decisions to a colleague for a period (their leave)."""
    if policy.role_of(request.user) != policy.TEAM_MANAGER:
        raise PermissionDenied("only a team manager delegates their decisions")
    extra = {"local_authority_id": request.user.local_authority_id}
    if request.method == "POST" and "end" in request.POST:
        try:
            services.decision_delegation_end(by=request.user, delegation_id=int(request.POST["end"]))
        except (RecordInvalid, ValueError):
            messages.info(request, "That delegation could not be ended: it has ended already")
        else:
            messages.success(request, "Saved: the delegation has ended")
        return redirect("web:decisions")
    if request.method == "POST":
        form = forms.DelegationForm(request.POST, **extra)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.decision_delegate(by=request.user, delegate_id=d["delegate"].pk,
                                           starts_on=d["starts_on"], ends_on=d["ends_on"], reason=d["reason"])
            except RecordInvalid as exc:
                _violations_to_form(form, exc)
            else:
                messages.success(request, f"Saved: your decisions are delegated to {d['delegate']}")
                return redirect("web:decisions")
    else:
        form = forms.DelegationForm(initial={"starts_on": today()}, **extra)
    return render(request, "web/step.html", {"form": form, "title": "Delegate your decisions"},
                  status=400 if form.errors else 200)
