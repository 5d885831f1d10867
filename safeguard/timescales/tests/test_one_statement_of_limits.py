"""Issue 22, "Clock limits stated twice": `rules.RULES` is the one statement of every clock's limits,
and `derive.py` reads each limit from it. Before, `derive.py` wrote its own literals and disagreed
with `rules.py` for T03I, T10, T11, T12R and T15 (and stated T14's 72 hours alone), so editing
`rules.py` changed nothing for those clocks. Where they disagreed, `derive.py`'s behaviour was the
one INDICATORS.md Part A gives, and `rules.py` now says so:

- T03I: initial assessment within 10 working days (Working Together 2010), 7 for referrals before
  April 2010 (Working Together 2006 / NI 59) (INDICATORS.md T03);
- T10: first LAC review within 20 working days, then 3 months, then 6-monthly (Care Planning,
  Placement and Case Review (England) Regulations 2010 reg 33); 28 days for periods of care before
  April 2011 (Review of Children's Cases Regulations 1991) (INDICATORS.md T10);
- T11: visits within 1 week of placement, 6-weekly in the first year, 3-monthly after if long-term,
  weekly until the first review when placed with a parent (CPPCR 2010 reg 28, reg 19) (T11);
- T12R: review health assessments 6-monthly under 5, 12-monthly from 5 (Promoting the health and
  wellbeing of looked-after children 2015) (INDICATORS.md T12);
- T14: return interview offered within 72 elapsed hours, 3 calendar days when only a date is held
  (Children who run away or go missing from home or care 2014; INDICATORS.md §0.4 and T14);
- T15: private fostering visit within 7 working days of notification, 6-weekly in the first year,
  12-weekly after (Children (Private Arrangements for Fostering) Regulations 2005 reg 8) (T15).

The other clocks derived here were already read from `RULES`: T01 (Working Together 2023, one
working day), T02 (Working Together 2023, 45 working days), T03C (NI 60, 35 working days), T04
([L] 15 working days), T05 (Working Together 2023 / CIN census InitialCPCtarget, 15 working days),
T06 ([L] 15 working days), T07 (Working Together, 10 working days), T08 (Working Together 2023,
3 then 6 months), T09 ([L] 10 working days), T12Q ([L] 48 hours as 2 working days), T12I
(Promoting the health of looked-after children 2015, 20 working days), T13 (Promoting the education
of looked-after children 2018, 10 working days).

Two tests keep it so: (1) derive.py's source holds no numeric literal other than 0 and 1 (nor a
(unit, amount) tuple) outside a short justified list; (2) for every clock code derive.py derives and
every limit its rule states, changing that limit in `RULES` changes the due dates derived for that
clock (and no other's). A limit written into derive.py again fails one or the other.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import itertools
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from safeguard.assessment.models import Assessment
from safeguard.child_protection.models import (
    ChildProtectionPlan,
    Conference,
    Section47Enquiry,
    StrategyDiscussion,
)
from safeguard.front_door.models import PrivateFosteringArrangement, Referral
from safeguard.looked_after.models import (
    Episode,
    HealthAssessment,
    LookedAfterReview,
    MissingEpisode,
    PeriodOfCare,
)
from safeguard.people.models import Child, Visit
from safeguard.record.history import ChildHistory
from safeguard.timescales import calendar, derive
from safeguard.timescales.rules import RULES, ClockRule, FromAge, Legacy

D = dt.date
LONDON = ZoneInfo("Europe/London")
DERIVE_SOURCE = Path(derive.__file__).read_text()
DERIVE_TREE = ast.parse(DERIVE_SOURCE)
UNITS = {"WD", "D", "W", "M", "H"}

#: Numeric literals other than 0 and 1 that derive.py may hold, by the function or class that holds
#: them, with why each is not a limit. Keep it short: a limit belongs in rules.py.
ALLOWED_NUMBERS: dict[tuple[str, int | float], str] = {
    ("_PlacementKey.__init__", 1000):
        "a placement's subject id is its period's id x 1000 + its number in the period: an "
        "identifier's encoding (stored in Clock.subject_id), not a limit",
}

#: (unit, amount) tuples derive.py may build, by scope, with why the unit is not a rule's to state.
ALLOWED_LIMIT_TUPLES: dict[tuple[str, str], str] = {
    ("_clocks_referrals", "WD"):
        "T09: a CP plan's own visit interval (INDICATORS.md T09 'per-child override from the "
        "plan') is held in working days (ChildProtectionPlan.visit_interval_working_days); the "
        "amount is the record's, the unit the field's",
}


def _scoped_nodes(tree: ast.AST):
    """Every node with the dotted name of the functions and classes enclosing it."""

    def walk(node: ast.AST, scope: tuple[str, ...]):
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = (*scope, child.name)
            yield ".".join(inner), child
            yield from walk(child, inner)

    yield from walk(tree, ())


# --- (1) no limit written into derive.py ----------------------------------------------------------


def test_derive_states_no_numeric_limit():
    """Issue 22: derive.py holds no number but 0 and 1 (a count's start and step, 'the first link',
    'one year' of T11/T15 'the first year', 'the day before' of T14) outside ALLOWED_NUMBERS, so
    no limit (working days, days, months, hours, an age, a date a rule changed) can be stated here
    rather than in rules.RULES. Every allowed entry must still be needed."""
    found, used = [], set()
    for scope, node in _scoped_nodes(DERIVE_TREE):
        if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
            continue
        if not isinstance(node.value, int | float | complex) or node.value in (0, 1):
            continue
        if (scope, node.value) in ALLOWED_NUMBERS:
            used.add((scope, node.value))
        else:
            found.append(f"line {node.lineno} in {scope or 'module'}: {node.value!r}")
    assert found == [], "limits belong in rules.RULES (issue 22): " + "; ".join(found)
    assert used == set(ALLOWED_NUMBERS), f"stale allowances: {set(ALLOWED_NUMBERS) - used}"


def test_derive_builds_no_limit_of_its_own():
    """Issue 22: a (unit, amount) tuple in derive.py would be a limit stated outside rules.RULES
    even with the amount in a variable; only ALLOWED_LIMIT_TUPLES may build one."""
    found, used = [], set()
    for scope, node in _scoped_nodes(DERIVE_TREE):
        if (isinstance(node, ast.Tuple) and len(node.elts) == 2
                and isinstance(node.elts[0], ast.Constant) and node.elts[0].value in UNITS):
            key = (scope.split(".")[0], node.elts[0].value)
            if key in ALLOWED_LIMIT_TUPLES:
                used.add(key)
            else:
                found.append(f"line {node.lineno} in {scope or 'module'}: {ast.unparse(node)}")
    assert found == [], "limits belong in rules.RULES (issue 22): " + "; ".join(found)
    assert used == set(ALLOWED_LIMIT_TUPLES), f"stale allowances: {set(ALLOWED_LIMIT_TUPLES) - used}"


# --- (2) changing a rule's limit changes what derive.py computes ------------------------------------

#: The clock codes derive.py derives: every string in it that names a rule.
DERIVED_CODES = sorted({
    node.value for node in ast.walk(DERIVE_TREE)
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in RULES
})

#: ClockRule fields that are not limits.
NOT_LIMITS = {"code", "name", "source", "iro"}


def _bigger(limit: tuple[str, int]) -> tuple[str, int]:
    """A different limit in the same unit, far enough off to move a due date (72 -> 145 hours
    moves the date; 1 -> 3 working days, 3 -> 7 months ...)."""
    unit, amount = limit
    return unit, amount * 2 + 1


def _changes(value) -> list[tuple[str, object]]:
    """Each way to change one field of a rule: (what was changed, the new value)."""
    if isinstance(value, tuple) and len(value) == 2 and value[0] in UNITS:
        return [("", _bigger(value))]
    if isinstance(value, Legacy):
        return [
            (".limit", dataclasses.replace(value, limit=_bigger(value.limit))),
            (".until earlier", dataclasses.replace(value, until=D(1990, 1, 1))),
            (".until later", dataclasses.replace(value, until=D(2100, 1, 1))),
        ]
    if isinstance(value, FromAge):
        return [
            (".years", dataclasses.replace(value, years=value.years + 1)),
            (".limit", dataclasses.replace(value, limit=_bigger(value.limit))),
        ]
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return [(" from", (value[0] + 1, value[1])), (" to", (value[0], value[0]))]  # ages
    raise TypeError(f"teach this test how to change a {type(value).__name__} ({value!r}) so it "
                    "can check that derive.py reads it from RULES")


def _variants():
    for code in DERIVED_CODES:
        rule = RULES[code]
        for f in dataclasses.fields(ClockRule):
            value = getattr(rule, f.name)
            if f.name in NOT_LIMITS or value is None:
                continue
            for what, new in _changes(value):
                yield pytest.param(code, f.name, new, id=f"{code}-{f.name}{what}")


_pks = itertools.count(1)


def _make(model, **fields):
    """An unsaved record with its own id: the clocks are derived from the record in memory."""
    return model(pk=next(_pks), **fields)


def _records() -> list[ChildHistory]:
    """Records that start a link under every limit of every clock derive.py derives."""
    # A child in 2010: an initial assessment under Working Together 2006 (7 working days) and a
    # period of care under the 1991 regulations (28 days), over Christmas so that 28 days and 20
    # working days fall on different dates.
    then = _make(Child, date_of_birth=D(2003, 5, 1))
    ref = _make(Referral, child=then, referral_date=D(2010, 2, 1))
    period = _make(PeriodOfCare, child=then, start_date=D(2010, 12, 13))
    legacy = ChildHistory(
        child=then, referrals=[ref],
        assessments=[_make(Assessment, referral_id=ref.pk, kind="initial", start_date=D(2010, 2, 2))],
        periods=[period],
        episodes=[_make(Episode, period_of_care_id=period.pk, decom=period.start_date, rne="S",
                        legal_status="C2", placement="U6")],
    )

    # A child of 4 in 2025: every child protection and looked-after clock; reviews, visits and
    # health assessments that start later links of each chain; a placement with a parent before the
    # first review, an ordinary one, and a long-term fostering placement past its first year; an
    # RHA after the 5th birthday; a missing episode timed to the hour and one held as a date.
    now = _make(Child, date_of_birth=D(2020, 9, 1))
    ref = _make(Referral, child=now, referral_date=D(2025, 1, 6))
    transfer = _make(Referral, child=now, referral_date=D(2025, 3, 3), is_transfer_in_request=True)
    sd = _make(StrategyDiscussion, referral_id=ref.pk, held_on=D(2025, 1, 7), s47_initiated=True)
    s47 = _make(Section47Enquiry, referral_id=ref.pk, strategy_discussion_id=sd.pk,
                start_date=D(2025, 1, 8))
    plan = _make(ChildProtectionPlan, referral_id=ref.pk, start_date=D(2025, 2, 3))
    period = _make(PeriodOfCare, child=now, start_date=D(2025, 5, 5))

    def episode(decom, dec, rne, placement):
        return _make(Episode, period_of_care_id=period.pk, decom=decom, dec=dec, rne=rne,
                     legal_status="C2", placement=placement)

    current = ChildHistory(
        child=now, referrals=[ref, transfer],
        assessments=[_make(Assessment, referral_id=ref.pk, kind=kind, start_date=D(2025, 1, 9))
                     for kind in ("single", "initial", "core")],
        strategy_discussions=[sd], section47s=[s47], cp_plans=[plan],
        conferences=[_make(Conference, referral_id=ref.pk, kind="review", cp_plan_id=plan.pk,
                           held_on=D(2025, 4, 22))],
        periods=[period],
        episodes=[episode(D(2025, 5, 5), D(2025, 6, 10), "S", "P1"),
                  episode(D(2025, 6, 10), D(2025, 7, 15), "P", "U6"),
                  episode(D(2025, 7, 15), None, "P", "U1")],
        la_reviews=[_make(LookedAfterReview, period_of_care_id=period.pk, review_date=day)
                    for day in (D(2025, 5, 30), D(2025, 8, 20))],
        health_assessments=[
            _make(HealthAssessment, child=now, kind="IHA", requested_date=D(2025, 5, 6),
                  completed_date=D(2025, 5, 20)),
            _make(HealthAssessment, child=now, kind="RHA", completed_date=D(2025, 10, 1)),
        ],
        missing=[
            _make(MissingEpisode, child=now, kind="M", start_date=D(2025, 6, 30),
                  end_date=D(2025, 7, 1), returned_at=dt.datetime(2025, 7, 1, 10, tzinfo=LONDON)),
            _make(MissingEpisode, child=now, kind="M", start_date=D(2025, 8, 4), end_date=D(2025, 8, 5)),
        ],
        visits=[_make(Visit, child=now, visit_date=day, seen=True)
                for day in (D(2025, 2, 10), D(2025, 5, 9), D(2025, 5, 14), D(2025, 6, 12),
                            D(2025, 7, 1), D(2025, 7, 20), D(2026, 7, 20))],
    )

    # A privately fostered child: the initial visit, one in the first year, one after it.
    fostered = _make(Child, date_of_birth=D(2012, 1, 1))
    private = ChildHistory(
        child=fostered,
        private_fostering=[_make(PrivateFosteringArrangement, child=fostered,
                                 notified_date=D(2025, 6, 2), start_date=D(2025, 5, 20))],
        visits=[_make(Visit, child=fostered, visit_date=day, seen=True)
                for day in (D(2025, 6, 4), D(2025, 7, 1), D(2026, 7, 1))],
    )
    return [legacy, current, private]


@pytest.fixture(scope="module")
def cal():
    """The package's England calendar from 2010, so no database is read."""
    return calendar.WorkingCalendar(calendar.england_bank_holidays().keys(),
                                    D(calendar.FIRST_YEAR, 1, 1), D(calendar.LAST_YEAR, 12, 31))


@pytest.fixture(scope="module")
def records():
    return _records()


def _due_dates(records, cal) -> dict[str, list]:
    """Each clock code's links as (link, unit, amount, due date), from the record in memory."""
    out: dict[str, list] = {}
    for history in records:
        for link in derive.wanted_links(history, cal):
            out.setdefault(link.code, []).append((link.key, link.unit, link.amount, link.due_date))
    return out


def test_the_records_start_every_clock_derive_derives(records, cal):
    """The records below start a clock of every code derive.py names, so the next test is not
    vacuous for any of them."""
    assert DERIVED_CODES, "no clock codes found in derive.py"
    assert sorted(_due_dates(records, cal)) == DERIVED_CODES


@pytest.mark.parametrize(("code", "field", "new"), list(_variants()))
def test_changing_a_limit_in_rules_changes_the_due_dates_derived(
    monkeypatch, records, cal, code, field, new
):
    """Issue 22: for every clock derive.py derives, each limit its rule states (the first link's,
    later links', the legacy one and the date it ended, after the first year, until the first
    review, from an age, in hours, the ages it applies to) is read from RULES: changing it there
    changes the due dates (or, for the ages, which clocks exist) derived for that clock, and for
    no other clock. A limit stated again in derive.py would leave them unchanged."""
    before = _due_dates(records, cal)
    monkeypatch.setitem(RULES, code, dataclasses.replace(RULES[code], **{field: new}))
    after = _due_dates(records, cal)
    assert after.get(code) != before[code], f"{code}.{field} changed in RULES moved no due date"
    assert {c: v for c, v in after.items() if c != code} == {
        c: v for c, v in before.items() if c != code
    }, f"{code}.{field} changed another clock's due dates"
