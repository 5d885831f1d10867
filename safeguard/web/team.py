"""The team manager's trays (issue 18, item 2): the decisions awaiting them, each worker's caseload
(weighted), the team's visits out of time, drift, and unallocated work with allocation in a click;
and the same figures per team across a service. Thin: reads are `workforce.selectors` (and the
decisions and drift of `assessment.selectors`), the one write is `workforce.services.allocation_start`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path

from safeguard.access import policy, selectors
from safeguard.assessment import selectors as oversight
from safeguard.audit.services import audit_children, audit_record
from safeguard.core.errors import RecordInvalid, today
from safeguard.core.paging import page_of
from safeguard.timescales.rules import CIN_EPISODE_DRIFT_MONTHS, CP_PLAN_DRIFT_MONTHS, RULES
from safeguard.workforce import selectors as team
from safeguard.workforce import services as workforce

from .tabs import kept_counts
from .team_forms import TrayAllocateForm
from .views import _page_number, _violations_to_form

#: The decisions a manager owes, in the order the tray shows them, each paged on its own.
DECISION_KINDS = (
    ("contacts", "Contacts awaiting your decision"),
    ("responses", "Referrals awaiting your decision"),
    ("submissions", "Assessments submitted for authorisation"),
    ("section47s", "Section 47 enquiries awaiting your decision"),
    ("closures", "Episodes ready to step down or close"),
)
#: How many of each kind of decision a page shows (the total is always said beside it).
DECISIONS_PAGE = 25

#: The drift groups (INDICATORS.md T19d/T19e, thresholds in timescales/rules.py), longest first.
DRIFT_GROUPS = tuple(
    (f"cp_plan_{m}m", f"Child protection plan open over {m} months")
    for m in sorted(CP_PLAN_DRIFT_MONTHS, reverse=True)
) + ((f"cin_{CIN_EPISODE_DRIFT_MONTHS}m", f"Episode of need open over {CIN_EPISODE_DRIFT_MONTHS} months"),)

#: The drift groups' short column headings on the service page (the full words in each `abbr`).
DRIFT_HEADERS = tuple(
    (f"CP {m}m+" if key.startswith("cp") else f"CIN {CIN_EPISODE_DRIFT_MONTHS}m+", label)
    for (key, label), m in zip(DRIFT_GROUPS, [*sorted(CP_PLAN_DRIFT_MONTHS, reverse=True), None], strict=True)
)


def _manager(request):
    user = request.user
    if not policy.can_authorise(user):
        raise PermissionDenied("the manager's trays are for team managers")
    return user


def oversight_scope(user) -> team.Scope:
    """What the access policy opens to this manager, handed to the oversight reads (which sit
    beside the policy's app, so cannot ask it themselves)."""
    return team.Scope(team_ids=frozenset(policy.team_ids(user)), visible=policy.children_visible_to(user),
                      visible_ids=lambda key, ids: policy.visible_ids(user, key, ids))


#: Who reads the service's figures: managers and heads of service (their own service), analysts and
#: administrators (the council's). Figures only, no child named: administrators and heads of service,
#: who open no record, may read them.
SERVICE_READERS = (policy.TEAM_MANAGER, policy.HEAD_OF_SERVICE, policy.ANALYST, policy.ADMINISTRATOR)
#: Those whose service page is their own service's teams (the team they sit in names the service).
OWN_SERVICE = (policy.TEAM_MANAGER, policy.HEAD_OF_SERVICE)


def can_see_service(user) -> bool:
    return (policy.role_of(user) in SERVICE_READERS and policy.can_see_aggregates(user)
            and bool(user.local_authority_id))


def _drift(user) -> list:
    """The team's drift flags (not visits: their own tray), each group's longest-running first."""
    order = {key: i for i, (key, _label) in enumerate(DRIFT_GROUPS)}
    flags = oversight.drift(team.team_children(oversight_scope(user)), visits=False)
    return sorted(flags, key=lambda d: (order.get(d.kind, len(order)), d.since, d.child_id))


def _tab_counts(user, known: dict) -> dict:
    """The totals of every tab, kept a minute (`tabs.kept_counts`); `known` holds the totals the
    page has just counted itself."""
    readers = {
        "decisions_total": lambda: oversight.decisions_awaiting(user).total,
        "visits_total": lambda: team.visits_out_of_time_count(oversight_scope(user)),
        "drift_total": lambda: len(_drift(user)),
        "unallocated_total": lambda: team.unallocated(oversight_scope(user)).count(),
    }
    return kept_counts(user, "manager", readers, known, by_team=True)


def _tabs(user, tab: str, *, decisions: dict | None = None, drift: list | None = None,
          visits: int | None = None, unallocated: int | None = None) -> dict:
    """The counts on the manager's tabs: the tab on screen passes its own list's total (exact), the
    others come from `_tab_counts`."""
    fresh = {"decisions_total": None if decisions is None else sum(decisions.values()),
             "visits_total": visits, "drift_total": None if drift is None else len(drift),
             "unallocated_total": unallocated}
    return {"tab": tab, **_tab_counts(user, fresh), "alerts": selectors.alerts_for(user)}


def _audit_list(user, worklist: str, child_ids) -> None:
    """A list naming children: one audit row per child named (ARCHITECTURE.md, "Reading")."""
    ids = sorted(set(child_ids))
    if ids:
        audit_children(actor=user, action="view", child_ids=ids, object_type="people.Child",
                       detail={"worklist": worklist, "count": len(ids)})


@login_required
def manager_queue(request):
    """Decisions awaiting the manager, every kind with its total, each paged oldest first."""
    user = _manager(request)
    awaiting = oversight.decisions_awaiting(user)
    sections, named = [], []
    for key, heading in DECISION_KINDS:
        found = page_of(getattr(awaiting, key), page=_page_number(request, key), per_page=DECISIONS_PAGE,
                        total=awaiting.totals[key])
        named += [r.child_id if key in ("contacts", "responses", "closures") else r.referral.child_id
                  for r in found.rows]
        query = request.GET.copy()
        query.pop(key, None)
        sections.append({"key": key, "heading": heading, "found": found, "query": query.urlencode(),
                         "page_links": found.page_links})
    _audit_list(user, "manager_decisions", named)
    audit_record(actor=user, action="view", object_type="web.ManagerQueue", detail=awaiting.totals)
    return render(request, "web/manager.html", {
        **_tabs(user, "decisions", decisions=awaiting.totals), "sections": sections,
        "per_page": DECISIONS_PAGE})


@login_required
def caseloads(request):
    """Each worker of the team with their caseload, weighted by kind of case (the weights stated)."""
    user = _manager(request)
    rows = team.team_caseloads(oversight_scope(user))
    audit_record(actor=user, action="view", object_type="web.TeamCaseloads", detail={"workers": len(rows)})
    return render(request, "web/team/caseloads.html", {
        **_tabs(user, "caseloads"), "rows": rows, "weights": team.CASE_WEIGHTS})


@login_required
def worker(request, worker_id):
    """One worker's children, as their *My cases* shows them, among those open to the manager."""
    user = _manager(request)
    scope = oversight_scope(user)
    member = team.team_worker(scope, worker_id)
    if member is None:
        raise Http404("not a worker of your team")
    cases = team.worker_cases(scope, member, page=_page_number(request))
    figures = team.worker_figures(member)
    _audit_list(user, "team_worker_cases", [c.pk for c in cases.rows])
    return render(request, "web/team/worker.html", {
        **_tabs(user, "caseloads"), "member": member, "figures": figures, "cases": cases,
        "weights": team.CASE_WEIGHTS, "page_links": cases.page_links,
        "page": cases.page})


@login_required
def visits(request):
    """The team's statutory visits out of time, longest overdue first."""
    user = _manager(request)
    found = team.visits_out_of_time(oversight_scope(user), page=_page_number(request))
    _audit_list(user, "team_visits_out_of_time", [c.child_id for c in found.rows])
    day = today()
    rows = [{"clock": c, "name": RULES[c.code].name if c.code in RULES else c.code,
             "days": (day - c.due_date).days} for c in found.rows]
    return render(request, "web/team/visits.html", {
        **_tabs(user, "visits", visits=found.total), "found": found, "rows": rows,
        "page_links": found.page_links, "page": found.page})


@login_required
def drift(request):
    """The team's drift: CP plans over 9, 15 and 18 months and episodes of need over 6, grouped,
    each group paged with its total."""
    user = _manager(request)
    flags = _drift(user)
    groups = [{"key": key, "label": label, "total": sum(1 for d in flags if d.kind == key)}
              for key, label in DRIFT_GROUPS]
    chosen = request.GET.get("group", "")
    if chosen not in {g["key"] for g in groups}:
        chosen = next((g["key"] for g in groups if g["total"]), groups[0]["key"])
    in_group = [d for d in flags if d.kind == chosen]
    found = page_of(in_group, page=_page_number(request), per_page=team.OVERSIGHT_PAGE)
    shown = found.rows
    children = {c.pk: c for c in team.team_children(oversight_scope(user))
                .filter(pk__in=[d.child_id for d in shown]).only("first_name", "last_name", "la_child_id")}
    workers = team.holders([d.child_id for d in shown])
    day = today()
    rows = [{"flag": d, "child": children.get(d.child_id), "worker": workers.get(d.child_id, ""),
             "months": (day.year - d.since.year) * 12 + day.month - d.since.month - (day.day < d.since.day)}
            for d in shown]
    _audit_list(user, "team_drift", [r["child"].pk for r in rows if r["child"]])
    return render(request, "web/team/drift.html", {
        **_tabs(user, "drift", drift=flags), "groups": groups, "chosen": chosen,
        "label": dict(DRIFT_GROUPS)[chosen], "rows": rows, "found": found, "page": found.page,
        "page_links": found.page_links, "query": f"group={chosen}"})


@login_required
def unallocated(request):
    """Open cases no social worker holds, the longest waiting first, each with allocation in a
    click: the team's workers with their weighted caseload beside each name."""
    user = _manager(request)
    scope = oversight_scope(user)
    found = team.unallocated_page(scope, page=_page_number(request))
    _audit_list(user, "team_unallocated", [c.pk for c in found.rows])
    return render(request, "web/team/unallocated.html", {
        **_tabs(user, "unallocated", unallocated=found.total), "found": found,
        "caseloads": team.team_caseloads(scope), "page_links": found.page_links,
        "page": found.page, "today": today()})


@login_required
def allocate(request, child_id):
    """Allocate one unallocated child to a worker of the team, starting today, through the one
    allocation service (checked, saved, audited, the clocks re-derived, in one transaction)."""
    user = _manager(request)
    scope = oversight_scope(user)
    child = team.unallocated_child(scope, child_id)
    if child is None:
        if str(child_id).isdigit() and policy.children_visible_to(user).filter(pk=int(child_id)).exists():
            messages.warning(request, "That child already has an allocated social worker, or no open case")
            return redirect("web:manager_unallocated")
        raise Http404("not on your Unallocated list")
    child.kind = team.case_kind(child)
    loads = team.team_caseloads(scope)
    form = TrayAllocateForm(request.POST if request.method == "POST" else None, caseloads=loads)
    if request.method == "POST" and form.is_valid():
        chosen = next(c.worker for c in loads if c.worker.pk == form.cleaned_data["worker"])
        try:
            workforce.allocation_start(by=user, child_id=child.pk, worker_id=chosen.pk, start_date=today())
        except RecordInvalid as exc:
            _violations_to_form(form, exc)
        else:
            messages.success(request, f"{child.first_name} {child.last_name} allocated to {chosen}")
            return redirect("web:manager_unallocated")
    audit_record(actor=user, action="view", object_type="people.Child", object_id=str(child.pk),
                 child_id=child.pk, detail={"what": "allocate from the Unallocated tray"})
    return render(request, "web/team/allocate.html", {
        **_tabs(user, "unallocated"), "child": child, "form": form, "caseloads": loads, "today": today()})


@login_required
def service(request):
    """The same figures for each team of the service (a manager's own service; the whole council
    for analysts and administrators): figures only, no child named."""
    user = request.user
    if not can_see_service(user):
        raise PermissionDenied("the service's figures are for managers, analysts and administrators")
    manager = policy.can_authorise(user)
    own = policy.role_of(user) in OWN_SERVICE
    teams = team.service_teams(user.local_authority_id, teams_of=policy.team_ids(user) if own else None)
    services = sorted({t.service for t in teams if t.service})
    chosen = request.GET.get("service") or None
    if chosen not in services:
        chosen = None
    if chosen is not None:
        teams = [t for t in teams if t.service == chosen]
    figures = team.team_figures(teams, many=not own)  # the council's thousands of allocations, or a service's
    flags = oversight.drift(team.service_children(teams), visits=False)
    held = team.holding_teams(teams)
    rows = [team.ServiceRow(t, figures[t.pk]) for t in teams]
    by_team = {r.team.pk: r for r in rows}
    for d in flags:
        r = by_team.get(held.get(d.child_id))
        if r is not None:
            r.drift[d.kind] = r.drift.get(d.kind, 0) + 1
    grouped = [{"service": s or "No service named", "rows": [r for r in rows if r.team.service == s],
                "total": team.totals([r for r in rows if r.team.service == s])}
               for s in sorted({t.service for t in teams})]
    for r in rows + [g["total"] for g in grouped]:
        r.drift_counts = [r.drift.get(key, 0) for key, _label in DRIFT_GROUPS]
    audit_record(actor=user, action="view", object_type="web.ServiceFigures",
                 detail={"teams": len(teams), "service": chosen or ""})
    return render(request, "web/team/service.html", {
        "groups": grouped, "total": team.totals(rows), "services": services, "chosen": chosen,
        "weights": team.CASE_WEIGHTS, "drift_headers": DRIFT_HEADERS, "own": own,
        **(_tabs(user, "service") if manager else {})})


urlpatterns = [
    path("manager/", manager_queue, name="manager"),
    path("manager/caseloads/", caseloads, name="manager_caseloads"),
    path("manager/caseloads/<str:worker_id>/", worker, name="manager_worker"),
    path("manager/visits/", visits, name="manager_visits"),
    path("manager/drift/", drift, name="manager_drift"),
    path("manager/unallocated/", unallocated, name="manager_unallocated"),
    path("manager/unallocated/<str:child_id>/", allocate, name="manager_allocate"),
    path("team/service/", service, name="team_service"),
]
