"""Reads about the council and its staff."""

from __future__ import annotations

from safeguard.core.errors import RecordInvalid, Violation

from .models import LocalAuthority


def council_for(by) -> LocalAuthority:
    """The council a return, report or forecast is for: the user's, or the only one on the record."""
    if by is not None and getattr(by, "local_authority_id", None):
        return by.local_authority
    councils = list(LocalAuthority.objects.all()[:2])
    if len(councils) != 1:
        raise RecordInvalid([Violation("local_authority", "local",
                                       "say which council: give a user who belongs to one "
                                       f"({len(councils)} councils on the record)")])
    return councils[0]
