"""The counts on a user's tabs (a worker's trays, a manager's trays), kept a minute rather than read
on every page: each is a count over open work, on a large council most of a page's time (issue 20).
The tab on screen always counts its own list afresh and passes that count in; the user's own change
(a save, an allocation, a decision, a draft) drops their kept counts at once; a change by someone else
shows on the other tabs' labels within `TAB_COUNTS_SECONDS`."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction

from safeguard.access import policy

TAB_COUNTS_SECONDS = 60


def _version_key(user_id: int) -> str:
    return f"tabs-version:{user_id}"


def kept_counts(user, kind: str, readers: dict[str, Callable[[], int]], known: dict, *,
                by_team: bool = False) -> dict:
    """Every tab's total: `known` holds those the page has just counted itself (None where it has
    not), the others are kept or, once a minute, read by `readers`. `kind` names the set of tabs (and
    its scope); `by_team` when the counts are over the user's teams, so a move between teams is
    counted afresh."""
    teams = ",".join(map(str, sorted(policy.team_ids(user)))) if by_team else ""
    key = f"tabs:{user.pk}:{cache.get(_version_key(user.pk), 0)}:{kind}:{teams}"
    counts = cache.get(key)
    if counts is None:
        counts = {name: read() if known.get(name) is None else known[name] for name, read in readers.items()}
    elif all(known.get(name) in (None, v) for name, v in counts.items()):
        return counts
    counts = {**counts, **{name: v for name, v in known.items() if v is not None}}  # what the page just read
    cache.set(key, counts, TAB_COUNTS_SECONDS)
    return counts


def forget_tab_counts(user_id: int) -> None:
    """Drop every count kept for this user (all kinds): a new version names new keys, and the old
    keys end within the minute (the version outlives them, so an old key is never named again)."""
    cache.set(_version_key(user_id), time.time_ns(), 2 * TAB_COUNTS_SECONDS)


def tab_counts_changed(sender=None, *, change=None, **kwargs) -> None:
    """Receiver of the record's `record_changed`: the author's own counts are read afresh once the
    change commits (a worker who saves, a manager who allocates or decides, sees their tabs move)."""
    by = getattr(change, "by", None)
    if by is not None and by.pk:
        transaction.on_commit(lambda: forget_tab_counts(by.pk))
