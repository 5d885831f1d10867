"""The team manager's trays: decisions awaiting them, the team's caseloads and drift."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import path

from safeguard.access import policy, selectors
from safeguard.assessment import selectors as oversight
from safeguard.audit.services import audit_record
from safeguard.child_protection import selectors as cp_selectors
from safeguard.workforce.models import Allocation, User


@login_required
def manager_queue(request):
    """Decisions waiting for the manager, the team's caseloads and drift."""
    user = request.user
    if not policy.can_authorise(user):
        raise PermissionDenied("the manager's queue is for team managers")
    decisions = oversight.decisions_awaiting(user)
    contacts = decisions.contacts[:100]
    responses, signoffs = decisions.responses[:100], decisions.submissions[:100]
    closures = decisions.closures[:100]
    enquiries = cp_selectors.section47_awaiting_decision(user)[:100]
    visible = policy.children_visible_to(user)
    team_children = Allocation.objects.filter(
        end_date__isnull=True, kind="social_worker", team_id__in=policy.team_ids(user)
    ).values("child_id")
    caseloads = (
        User.objects.filter(team_id__in=policy.team_ids(user), is_active=True)
        .annotate(
            cases=Count(
                "allocations", filter=Q(allocations__end_date__isnull=True, allocations__kind="social_worker")
            )
        )
        .order_by("-cases")
    )
    team_ids = list(visible.filter(pk__in=team_children).values_list("pk", flat=True)[:5000])
    drift = oversight.drift(team_ids)
    names = {c.pk: c for c in visible.filter(pk__in=[d.child_id for d in drift])}
    audit_record(
        actor=user,
        action="view",
        object_type="web.ManagerQueue",
        detail={"contacts": len(contacts), "responses": len(responses), "signoffs": len(signoffs),
                "closures": len(closures), "section47s": len(enquiries)},
    )
    return render(
        request,
        "web/manager.html",
        {
            "contacts": contacts,
            "responses": responses,
            "signoffs": signoffs,
            "enquiries": enquiries,
            "closures": closures,
            "caseloads": caseloads,
            "drift": [(d, names.get(d.child_id)) for d in drift][:200],
            "alerts": selectors.alerts_for(user),
        },
    )


urlpatterns = [
    path("manager/", manager_queue, name="manager"),
]
