"""How services open a stored record that is not part of a child's record (an allegation about an
adult, a prospective adopters' household) for change: locked, and checked for a lost update. A child's
records change only through the record's unit of work (`record.change.Change`), which does the same
for them."""

from __future__ import annotations

from typing import TypeVar

from django.db import models

from .errors import EditConflict

M = TypeVar("M", bound=models.Model)


def lock_for_edit(model: type[M], pk, expected_version: int | None) -> M:
    """Lock the row for this transaction; refuse if it changed since the user opened it.

    `expected_version` is the version the user's form was built from. `None` is only for
    system jobs (imports, recalculation) that hold the lock and re-read what they change.
    """
    obj = model.objects.select_for_update().get(pk=pk)
    if expected_version is not None and obj.version != expected_version:
        raise EditConflict(obj, expected_version)
    return obj
