"""Figures computed once and kept (`KeptFigure`): what the scorecard page reads instead of the record.

A figure is kept per (council, measure, window, indicative), the key the scorecard's evaluator
already shares between columns. It is read back while it is valid:

- its window has ended (ends before today) and no change to a record dated on or before its end
  has marked it stale since (`services.kept_figures_invalidate`); or
- its window has not ended, and it was computed today and not marked stale since (a running
  quarter is computed once a day at most, and again after any change dated in it).

A stale or outdated figure is computed again and updated in place; each version is a history row
(`KeptFigure.history`), so the figure a committee was shown can be read back as it was."""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .compute import Result
from .models import KeptFigure
from .periods import window_for

_UPDATED = ("value", "exact", "status", "note", "breakdown", "computed_at", "computed_on", "definitions",
            "stale", "stale_reason")


@lru_cache(maxsize=1)
def definitions() -> str:
    """A fingerprint of the source that turns the record into figures (the catalogue, the
    evaluation, periods and expressions): a figure kept by other definitions is computed again."""
    from . import catalogue, compute, expressions, periods

    files = {Path(m.__file__) for m in (catalogue, compute, expressions, periods, *catalogue.SECTIONS)}
    digest = hashlib.sha256()
    for path in sorted(files | {Path(catalogue.__file__).with_name("base.py")}):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _stored_key(key: tuple) -> tuple:
    """The evaluator's key (id, start or None for an as-at snapshot, end, indicative) as stored:
    an as-at snapshot starts on its end."""
    indicator_id, start, end, indicative = key
    return (indicator_id, start or end, end, indicative)


class Kept:
    """The kept figures one scorecard may read (one query), and those it computed, saved after."""

    def __init__(self, la, ends: set[dt.date], at: dt.datetime):
        self.la, self.at = la, at
        self.day = timezone.localdate(at)
        self.rows: dict[tuple, KeptFigure] = {}
        self.fresh: dict[tuple, Result] = {}
        for f in KeptFigure.objects.filter(local_authority=la, window_end__in=ends):
            self.rows[(f.indicator_id, f.window_start, f.window_end, f.indicative)] = f

    def valid(self, f: KeptFigure) -> bool:
        return (not f.stale and f.definitions == definitions()
                and (f.window_end < self.day or f.computed_on == self.day))

    def get(self, key: tuple, ind, column) -> Result | None:
        f = self.rows.get(_stored_key(key))
        if f is None or not self.valid(f):
            return None
        value, numerator, denominator = f.exact
        return Result(ind.id, column, window_for(ind.period_type, column), value, numerator, denominator,
                      f.status, f.indicative, f.note, dict(f.breakdown))

    def add(self, key: tuple, result: Result) -> None:
        self.fresh[_stored_key(key)] = result

    def save(self) -> None:
        """Keep what was computed: new figures created, stale or outdated ones updated, each with
        its history row. A figure another request kept meanwhile is left as that request kept it."""
        if not self.fresh:
            return
        created, updated, reasons = [], [], set()
        for (indicator_id, start, end, indicative), r in self.fresh.items():
            values = dict(value=r.value, exact=[r.value, r.numerator, r.denominator], status=r.status,
                          note=r.note[:300], breakdown=r.breakdown, computed_at=self.at,
                          computed_on=self.day, definitions=definitions(), stale=False, stale_reason="")
            f = self.rows.get((indicator_id, start, end, indicative))
            if f is None:
                created.append(KeptFigure(local_authority=self.la, indicator_id=indicator_id,
                                          window_start=start, window_end=end, indicative=indicative,
                                          **values))
            else:
                if f.stale_reason:
                    reasons.add(f.stale_reason)
                for name, value in values.items():
                    setattr(f, name, value)
                updated.append(f)
        try:
            with transaction.atomic():
                if created:
                    bulk_create_with_history(created, KeptFigure, default_change_reason="computed",
                                             default_date=self.at)
                if updated:
                    after = f" after {'; '.join(sorted(reasons))}" if reasons else ""
                    # A history row's reason holds 100 characters; the stale row before it has the rest.
                    bulk_update_with_history(updated, KeptFigure, list(_UPDATED),
                                             default_change_reason=f"computed again{after}"[:100],
                                             default_date=self.at)
        except IntegrityError:
            pass  # another request computed the same figures at the same time and kept them first
