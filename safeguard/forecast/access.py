"""The forecast's gates, from the access policy's one rule for each (`policy.can_forecast`: it reads
every child's episodes, though it reports only counts, so analysts only; `policy.can_set_costs`)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from safeguard.access import policy


def require_forecast(user) -> None:
    if not policy.can_forecast(user):
        raise PermissionDenied("only performance analysts may run the forecast")


def require_set_costs(user) -> None:
    if not policy.can_set_costs(user):
        raise PermissionDenied("only analysts and administrators may set placement costs")
