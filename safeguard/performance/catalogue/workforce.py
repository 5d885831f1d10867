"""INDICATORS.md B10. Workforce."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import F, IntegerField, Q, QuerySet, Value

from safeguard.child_protection.models import ChildProtectionPlan
from safeguard.workforce.models import Allocation, User

from ..periods import SNAPSHOT
from .base import (
    CHILDREN,
    EVENTS,
    HAND_ENTERED,
    HIGH_GOOD,
    LOW_GOOD,
    PERCENT,
    RATIO,
    Context,
    Windowed,
    _looked_after_between,
    _looked_after_children,
    _open_at,
    _open_between,
    _plan_children,
    allocated_at,
    children,
    define,
    flag,
    looked_after_at,
    of_council,
)


def _cases(kind: str, also: Callable[[Context], Q] | None = None) -> Windowed:
    """Allocations of a kind open at the end of the date (and meeting `also` then)."""
    return Windowed(
        base=lambda c: of_council(
            Allocation.objects.filter(kind=kind), "child__local_authority", c
        ).annotate(k_child=F("child_id"), worker_name=F("worker__username")),
        member=lambda c: _open_at("start_date", "end_date", c.end) & (also(c) if also else Q()),
        cover=lambda c: _open_between("start_date", "end_date", c),
    )


def _fte(la, cases: list[QuerySet], also: Q | None = None) -> list[dict]:
    """For each set of cases (one per column), the FTE of the workers holding one or more of them,
    and of the council's staff `also` names, by council (`k_la`; None when one council is read):
    the holders of every column in one query, each worker counted once a council."""
    grouped = la is None
    picked = [
        qs.order_by()
        .annotate(k_column=Value(i, output_field=IntegerField()))
        .values_list("k_column", *(["k_la"] if grouped else []), "worker_id", "worker__fte")
        for i, qs in enumerate(cases)
    ]
    held: list[dict] = [{} for _ in cases]  # council -> worker -> FTE
    for column, *council, worker, fte in picked[0].union(*picked[1:]):
        held[column].setdefault(council[0] if grouped else None, {})[worker] = fte
    if also is not None:
        staff = User.objects.filter(also)
        staff = staff.exclude(local_authority=None) if grouped else staff.filter(local_authority=la)
        for council, worker, fte in staff.values_list("local_authority_id", "pk", "fte"):
            for column in held:
                column.setdefault(council if grouped else None, {})[worker] = fte
    return [{council: _total(workers.values()) for council, workers in column.items()} for column in held]


def _total(values):
    """As SQL's SUM: None when there is nothing to add."""
    values = [v for v in values if v is not None]
    return sum(values[1:], values[0]) if values else None


def _fte_holding(la, cases: list[QuerySet]) -> list[dict]:
    """DfE: cases / FTE of case holders."""
    return _fte(la, cases)


define(
    id="WF-01",
    name="Average caseload per social worker",
    section="Workforce",
    definition="Children allocated to a social worker at the date divided by the FTE of the "
    "social workers holding one or more cases (each child is one case).",
    source="DfE children's social work workforce [G: S14]",
    cohort="open social worker allocations",
    numerator="cases",
    denominator="FTE of case holders",
    period_type=SNAPSHOT,
    polarity=LOW_GOOD,
    unit=RATIO,
    counts=EVENTS,
    windowed=_cases(Allocation.Kind.SOCIAL_WORKER),
    fields=("worker_name", "start_date"),
    why="allocated to {worker_name} since {start_date:%d/%m/%Y}",
    extra={"denominator": _fte_holding},
)


def _fte_of_iros(la, cases: list[QuerySet]) -> list[dict]:
    """The FTE of all the council's IROs, whether or not they hold a looked-after child (B10 WF-02:
    "Den: FTE IROs"). The record holds current staff only, so the IROs are the active staff in the
    IRO role now, with anyone holding one of the counted cases at the date (an IRO then, though
    since left or moved on)."""
    return _fte(la, cases, Q(role=User.Role.IRO, is_active=True))


define(
    id="WF-02",
    name="IRO caseload",
    section="Workforce",
    definition="Looked-after children allocated to an IRO at the date divided by the FTE of all "
    "the council's IROs (those holding no looked-after child included).",
    source="IRO Handbook [council report; U: 50-70 paragraph]; INDICATORS.md B10",
    cohort="looked-after children with an IRO",
    numerator="children",
    denominator="FTE of IROs",
    period_type=SNAPSHOT,
    polarity=LOW_GOOD,
    unit=RATIO,
    counts=EVENTS,
    windowed=_cases(Allocation.Kind.IRO, lambda c: Q(looked_after_at(c.end, "child_id"))),
    fields=("worker_name", "start_date"),
    why="IRO {worker_name} since {start_date:%d/%m/%Y}",
    extra={"denominator": _fte_of_iros},
)

define(
    id="WF-03A",
    name="Agency social workers (share of FTE)",
    section="Workforce",
    definition="FTE of agency social workers and team managers as a share of all their FTE; "
    "the record holds current staff only, so this is the position now.",
    source="DfE workforce [G: S14; U: denominator]",
    cohort="active social workers and managers",
    numerator="agency FTE",
    denominator="all FTE",
    period_type=SNAPSHOT,
    polarity=LOW_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    weighted=True,
    windowed=Windowed(
        base=lambda c: of_council(
            User.objects.filter(is_active=True, role__in=(User.Role.SOCIAL_WORKER, User.Role.TEAM_MANAGER)),
            "local_authority",
            c,
        ).annotate(
            k_child=Value(None, output_field=IntegerField()), k_num=flag(Q(is_agency=True)), k_val=F("fte")
        ),
        member=lambda c: Q(),  # staff now, whatever the date
    ),
    fields=("username", "fte", "is_agency"),
    why="{username}: {fte} FTE, agency {is_agency}",
)

for _id, _name, _why in [
    ("WF-03B", "Social worker turnover", "leavers are not recorded (staff records hold current staff)"),
    ("WF-03C", "Social worker vacancy rate", "establishment and vacancies are not recorded"),
    ("WF-04", "Supervision in timescale / personal development plans", "supervision is not recorded"),
]:
    define(
        id=_id,
        name=_name,
        section="Workforce",
        definition=f"Entered by hand: {_why}.",
        source="DfE workforce [G: S14]; [council report]",
        cohort="-",
        numerator="-",
        denominator="-",
        period_type=SNAPSHOT,
        polarity=LOW_GOOD if _id != "WF-04" else HIGH_GOOD,
        unit=PERCENT,
        counts=EVENTS,
        status=HAND_ENTERED,
        status_reason=_why,
    )

define(
    id="WF-05",
    name="Children on a plan or looked after with an allocated social worker",
    section="Workforce",
    definition="Children on a CP plan or looked after at the date with an allocated social worker.",
    source="[L]; Darlington [council report]",
    cohort="children on a CP plan or looked after",
    numerator="allocated",
    denominator="children",
    period_type=SNAPSHOT,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    windowed=Windowed(
        base=children,
        member=lambda c: Q(pk__in=_plan_children(c.end)) | Q(pk__in=_looked_after_children(c.end)),
        numerator=lambda c: Q(allocated_at(c.end)),
        cover=lambda c: (
            Q(
                pk__in=ChildProtectionPlan.objects.filter(_open_between("start_date", "end_date", c)).values(
                    "referral__child_id"
                )
            )
            | _looked_after_between(c)
        ),
    ),
    fields=("la_child_id",),
    why="on a plan or looked after at {window_end}",
)
