"""Who may run a forecast: it reads every child's episodes (though it reports only counts), so only
those who see the whole service's figures: analysts, team managers, administrators and senior
leaders. Costs are set by analysts and administrators (finance works through them)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

FORECASTERS = {"analyst", "team_manager", "administrator", "councillor"}
COST_SETTERS = {"analyst", "administrator"}


def _active(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def can_forecast(user) -> bool:
    return _active(user) and getattr(user, "role", "") in FORECASTERS


def require_forecast(user) -> None:
    if not can_forecast(user):
        raise PermissionDenied(
            "only analysts, team managers, administrators and senior leaders may run the forecast"
        )


def require_set_costs(user) -> None:
    if not (_active(user) and getattr(user, "role", "") in COST_SETTERS):
        raise PermissionDenied("only analysts and administrators may set placement costs")
