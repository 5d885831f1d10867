"""Every read of a child's record goes through here: it checks access and writes the audit row
(who, what, when, why, request id) in the same transaction as the read."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from safeguard.audit.models import AuditEvent
from safeguard.audit.services import audit_record
from safeguard.core.errors import today
from safeguard.core.paging import page_links
from safeguard.notifications import selectors as notices
from safeguard.notifications.models import Notification
from safeguard.people.duplicates import fold, name_parts
from safeguard.people.models import Address, Child
from safeguard.workforce.models import Allocation, Team, User

from . import policy
from .models import DecisionDelegation, DecisionRule, SecondFactor


class NotAllowed(Exception):
    """The user may not open this record (or it does not exist: the two look the same)."""

    def __init__(self, child_id, reason: str, *, can_break_glass: bool = False,
                 can_state_relationship: bool = False):
        self.child_id = child_id
        self.reason = reason
        self.can_break_glass = can_break_glass
        self.can_state_relationship = can_state_relationship
        super().__init__(reason)


def child_open(user, child_id, *, purpose: str = "view", what: str = "record"):
    """The child, after checking access and auditing the view in the same transaction. A refusal
    is audited too (and committed) before NotAllowed is raised."""
    child, decided, refusal = _child_open(user, child_id, purpose=purpose, what=what)
    if refusal is not None:
        raise refusal
    return child, decided


@transaction.atomic(savepoint=False)  # inside a save's transaction, no savepoint of its own
def _child_open(user, child_id, *, purpose: str, what: str):
    try:
        child = Child.objects.filter(pk=int(child_id)).first()
    except (TypeError, ValueError, OverflowError):
        child = None
    if child is None:
        audit_record(
            actor=user,
            action=purpose,
            object_type="people.Child",
            object_id=str(child_id)[:40],
            reason="refused: no such record",
            detail={"what": what, "refused": True},
        )
        practitioner = policy.role_of(user) in policy.PRACTITIONERS
        return (
            None,
            None,
            NotAllowed(child_id, "no such record, or not open to you", can_break_glass=practitioner),
        )
    decided = policy.basis(user, child)
    if not decided.allowed:
        audit_record(
            actor=user,
            action=purpose,
            obj=child,
            reason=f"refused: {decided.reason}",
            detail={"what": what, "refused": True},
        )
        return (
            None,
            None,
            NotAllowed(
                child.pk, decided.reason, can_break_glass=policy.can_break_glass(user, child),
                can_state_relationship=policy.can_state_relationship(user, child),
            ),
        )
    audit_record(actor=user, action=purpose, obj=child, reason=decided.reason, detail={"what": what})
    return child, decided, None


def _initials_q(words: list[str]) -> Q:
    """Children with a name or a part of a name ("Whitmore-Osei", "Anne Marie") that starts with a
    letter typed. Misspellings rarely touch the first letter, so a large council is not read whole;
    the scoring does the tolerance."""
    initials = Q()
    for letter in {w[0] for w in words}:
        for field in ("first_name", "last_name"):
            initials |= Q(**{f"{field}__istartswith": letter})
            for separator in ("-", " "):
                initials |= Q(**{f"{field}__icontains": separator + letter})
    return initials


def _name_score(word: str, wholes: tuple[str, str], parts: list[str], floor: float = 0.0) -> float:
    """How close one typed word is to a child's name: to the whole first or last name (as before),
    or to any part of one, so "Osei" and "Whitmore" both find "Whitmore-Osei". A part counts when
    the word starts it or is close to it; not when a short part starts the word ("la" of "de la
    Cruz" must not match "Lambert"). Exact above `floor`; at or below it, only known to be so."""
    for whole in wholes:
        if whole and (whole.startswith(word) or word.startswith(whole)):
            return 1.0
    for part in parts:
        if part.startswith(word):
            return 1.0
    best = floor
    for other in (*wholes, *parts):
        best = _better_ratio(word, other, best)
    return best


def _score(words: list[str], first: str, last: str) -> float | None:
    """The mean closeness of the words typed to a name, or None when it cannot reach the tolerance.
    Each word is asked only for as much as the rest could still make up (a word's closeness is at
    most 1), so a name nowhere near costs the cheap bounds of `_better_ratio`, not the full
    comparison: that is most names of a large council."""
    first_parts, last_parts = name_parts(first), name_parts(last)
    wholes = (fold(first), fold(last))
    # A name of one part is its whole, already scored: only names of several parts add any.
    parts = (first_parts if len(first_parts) > 1 else []) + (last_parts if len(last_parts) > 1 else [])
    needed, total = NAME_TOLERANCE * len(words), 0.0
    for i, word in enumerate(words):
        # The least this word may score if every word after it scores 1 (a hair less, for rounding).
        floor = max(0.0, needed - total - (len(words) - i - 1) - 1e-9)
        score = _name_score(word, wholes, parts, floor)
        if floor > 0 and score <= floor:
            return None
        total += score
    mean = total / len(words)
    return mean if mean >= NAME_TOLERANCE else None


def _better_ratio(a: str, b: str, best: float) -> float:
    """The closeness of a and b if above `best`, else `best`: the cheap upper bounds are asked
    first, so most names (nowhere near) never pay for the full comparison."""
    if not a or not b:
        return best
    matcher = difflib.SequenceMatcher(None, a, b)
    if matcher.real_quick_ratio() <= best or matcher.quick_ratio() <= best:
        return best
    return max(best, matcher.ratio())


def _by_name(qs, words: list[str]) -> list[int]:
    """Keys of the children whose names are close to the words typed, closest first (then by
    surname, first name and key). Many children share a name, so each distinct name is folded and
    scored once, not each row."""
    children_named: dict[tuple[str, str], list[int]] = {}
    for pk, first, last in qs.filter(_initials_q(words)).order_by().values_list(
            "pk", "first_name", "last_name")[:MAX_CANDIDATES]:
        children_named.setdefault((first, last), []).append(pk)
    scored = []
    for (first, last), pks in children_named.items():
        score = _score(words, first, last)
        if score is not None:
            scored.append((-score, last, first, sorted(pks)))
    scored.sort(key=lambda s: s[:3])
    return [pk for *_, pks in scored for pk in pks]


NAME_TOLERANCE = 0.75
MAX_CANDIDATES = 50000

#: Bounds on search terms (issue 15, finding 8): every name word is scored against every distinct
#: candidate name, so the work grows with the words typed and their length; a 7 KB term cost 16 s
#: of CPU. A name is at most 100 characters and 5 words of letters, digits, spaces, hyphens and
#: apostrophes; an identifier (LA child ID up to 36, UPN 13, NHS number 10 with spaces) at most 40.
SEARCH_MAX_CHARS = 100
SEARCH_MAX_WORDS = 5
SEARCH_MAX_IDENTIFIER = 40
SEARCH_NAME = re.compile(r"(?:[^\W_]|[\s'’-])*")  # one branch per character: no backtracking
SEARCH_IDENTIFIER = re.compile(r"[A-Za-z0-9 _-]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


#: Children shown on a page of search results (Issue 16: pages with a total, not a silent cut).
PAGE_SIZE = 20


@dataclass(frozen=True)
class Found:
    """A page of search results. Each child in `results` also carries what tells namesakes apart:
    `age_text` ("7 years", "5 months", "unborn"), `address_today` (their address today, else their
    home postcode, else "") and `social_worker` (the worker allocated today, or None)."""

    results: list[Child]
    closed: list[Child]
    total: int
    page: int
    pages: int
    per_page: int = PAGE_SIZE

    @property
    def first_shown(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.results else 0

    @property
    def last_shown(self) -> int:
        return (self.page - 1) * self.per_page + len(self.results)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def previous_page(self) -> int:
        return self.page - 1

    @property
    def next_page(self) -> int:
        return self.page + 1

    @property
    def page_links(self) -> list[int | None]:
        """The page numbers the GOV.UK pagination shows: the first, the last, and those next to the
        current page, with None where numbers are left out (shown as an ellipsis)."""
        return page_links(self.page, self.pages)

    def __getitem__(self, key: str):
        """`found["results"]`, as callers read the dictionary this once was."""
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None


def age_text(date_of_birth: dt.date | None, on: dt.date, *, date_of_death: dt.date | None = None) -> str:
    """An age as a practitioner says it: "unborn", "2 days", "3 weeks", "5 months" under two, else "7 years".
    A child who has died is given the age they reached ("died aged 3 years")."""
    if date_of_birth is None:
        return "unborn"
    died = date_of_death is not None and date_of_death <= on
    day = date_of_death if died else on
    if day < date_of_birth:
        return "unborn"
    months = (day.year - date_of_birth.year) * 12 + day.month - date_of_birth.month
    if day.day < date_of_birth.day:
        months -= 1
    if months >= 24:
        text = _plural(months // 12, "year")
    elif months >= 1:
        text = _plural(months, "month")
    elif (day - date_of_birth).days >= 7:
        text = _plural((day - date_of_birth).days // 7, "week")
    else:
        text = _plural((day - date_of_birth).days, "day")
    return f"died aged {text}" if died else text


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _describe(children: list[Child], day: dt.date) -> None:
    """Give each child on the page their age, address and social worker today, in two queries
    whatever the number of children."""
    ids = [c.pk for c in children]
    addresses: dict[int, Address] = {}
    for address in Address.objects.filter(
        Q(from_date__isnull=True) | Q(from_date__lte=day), Q(to_date__isnull=True) | Q(to_date__gte=day),
        child_id__in=ids,
    ).order_by("child_id", F("from_date").desc(nulls_last=True), "-pk"):
        addresses.setdefault(address.child_id, address)
    workers: dict[int, object] = {}
    for allocation in Allocation.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day), child_id__in=ids,
        kind=Allocation.Kind.SOCIAL_WORKER, start_date__lte=day,
    ).select_related("worker").order_by("child_id", "-start_date", "-pk"):
        workers.setdefault(allocation.child_id, allocation.worker)
    for child in children:
        child.age_text = age_text(child.date_of_birth, day, date_of_death=child.date_of_death)
        address = addresses.get(child.pk)
        child.address_today = str(address) if address is not None else child.home_postcode
        child.social_worker = workers.get(child.pk)


@transaction.atomic
def child_search(
    user, *, name: str = "", date_of_birth: dt.date | None = None, identifier: str = "",
    page: int = 1, per_page: int = PAGE_SIZE,
) -> Found:
    """Find children by name (tolerant of misspellings, and of any part of a double-barrelled
    name), date of birth, LA child id, UPN or NHS number, among those the user may open: one page
    of them, with the total, each with their age, address and social worker today to tell namesakes
    apart. A record closed to the user shows up only on an exact identifier (someone who has the
    identifier knows the child exists), so they can break the glass. The search itself is audited
    with its terms and the children shown. A fixed number of queries whatever is found."""
    # Bounded here too, whoever calls: longer terms are cut to the bounds the form enforces, so no
    # single request can cost seconds.
    # Control characters go too: PostgreSQL cannot hold a NUL (in the query or the audit row).
    name = " ".join(_CONTROL.sub("", (name or "")[:SEARCH_MAX_CHARS]).split()[:SEARCH_MAX_WORDS])
    identifier = _CONTROL.sub("", (identifier or "")[:SEARCH_MAX_IDENTIFIER])
    per_page = max(1, min(int(per_page), 100))
    visible = policy.children_visible_to(user)
    qs = visible
    ident = re.sub(r"\s", "", identifier)
    if ident:
        id_q = Q(la_child_id__iexact=ident) | Q(upn__iexact=ident) | Q(nhs_number=ident)
        qs = qs.filter(id_q)
    if date_of_birth:
        qs = qs.filter(Q(date_of_birth=date_of_birth) | Q(expected_date_of_birth=date_of_birth))
    # A name part may be written with hyphens or apostrophes ("Whitmore-Osei", "O'Brien"): each
    # word typed is folded as a whole, and its parts are found by `_name_score`.
    words = [fold(w) for w in (name or "").split() if fold(w)]
    if words:
        ids = _by_name(qs, words)
        total = len(ids)
    elif ident or date_of_birth:
        ordered = qs.order_by("last_name", "first_name", "pk")
        total = ordered.count()
        ids = None
    else:
        ids, total = [], 0
    pages = max(1, -(-total // per_page))
    page = max(1, min(int(page or 1), pages))
    start = (page - 1) * per_page
    if ids is None:
        results = list(ordered[start:start + per_page])
    else:
        shown = ids[start:start + per_page]
        in_bulk = Child.objects.in_bulk(shown)
        results = [in_bulk[pk] for pk in shown]
    _describe(results, today())
    closed = []
    if ident and policy.role_of(user) in policy.PRACTITIONERS:
        closed = list(
            Child.objects.filter(local_authority_id=user.local_authority_id)
            .filter(Q(la_child_id__iexact=ident) | Q(upn__iexact=ident) | Q(nhs_number=ident))
            .exclude(pk__in=visible.values("pk"))
            .only("pk", "la_child_id")[:5]
        )
    audit_record(
        actor=user,
        action="search",
        object_type="people.Child",
        detail={
            "name": name,
            "date_of_birth": str(date_of_birth or ""),
            "identifier": identifier,
            "found": total,
            "page": page,
            "shown": [c.pk for c in results],
            "closed": [c.pk for c in closed],
        },
    )
    return Found(results=results, closed=closed, total=total, page=page, pages=pages, per_page=per_page)


def child_viewers(user, child, limit: int = 20) -> list[AuditEvent]:
    """Who has opened this record lately (the child page shows it; reading it needs access)."""
    if not policy.can_view_child(user, child):
        return []
    return list(
        AuditEvent.objects.filter(child_id=child.pk, action__in=("view", "export"))
        .select_related("actor")
        .order_by("-at", "-pk")[:limit]
    )


def audit_search(
    user,
    *,
    child_id: int | None = None,
    actor: str = "",
    action: str = "",
    break_glass_only: bool = False,
    limit: int = 200,
) -> list[AuditEvent]:
    """Managers and administrators search the audit (their council's staff only)."""
    if not policy.can_search_audit(user):
        return []
    qs = AuditEvent.objects.filter(actor__local_authority_id=user.local_authority_id)
    if child_id:
        qs = qs.filter(child_id=child_id)
    if actor:
        qs = qs.filter(actor__username__icontains=actor)
    if action:
        qs = qs.filter(action=action)
    if break_glass_only:
        qs = qs.filter(reason__startswith="break-glass")
    rows = list(qs.select_related("actor").order_by("-at", "-pk")[:limit])
    audit_record(
        actor=user,
        action="search",
        object_type="audit.AuditEvent",
        detail={"child_id": child_id, "actor": actor, "action": action, "count": len(rows)},
    )
    return rows


def alerts_for(user) -> list[Notification]:
    """The unread break-glass notices shown as banners on a manager's pages, each naming its child
    only if the record is open to them. (Kept for the pages that still ask here; the notices are
    `notifications.selectors.banners_for`.)"""
    return notices.banners_for(user, visible_children=policy.children_visible_to(user))


def deciders_for_child(child_id: int, code: str) -> list:
    """Whom to tell that a decision about this child awaits them: if the table of decisions gives
    `code` to team managers, the managers of the team holding the child's case (of the front door
    teams, when no social worker holds it: the queue `assessment.selectors.decisions_awaiting`
    builds), and whoever holds one of those managers' decisions by delegation today. Three queries."""
    row = next((r for r in decision_rules() if r.code == code), None)
    if row is None or policy.TEAM_MANAGER not in row.roles:
        return []
    open_allocations = Allocation.objects.filter(child_id=child_id, end_date__isnull=True,
                                                 kind=Allocation.Kind.SOCIAL_WORKER)
    held = list(open_allocations.values_list("team_id", flat=True))
    teams = Team.objects.filter(pk__in=held) if held else Team.objects.filter(
        local_authority__in=Child.objects.filter(pk=child_id).values("local_authority_id"),
        service__iexact=policy.FRONT_DOOR_SERVICE)
    managers = User.objects.filter(role=policy.TEAM_MANAGER, is_active=True).filter(
        Q(managed_teams__in=teams) | Q(team__in=teams))
    day = today()
    delegates = DecisionDelegation.objects.filter(
        manager__in=managers, revoked_at__isnull=True, starts_on__lte=day, ends_on__gte=day,
    ).values("delegate_id")
    return list(User.objects.filter(is_active=True)
                .filter(Q(pk__in=managers.values("pk")) | Q(pk__in=delegates)).order_by("pk"))


# --- the table of decisions (issue 17) ---------------------------------------------------------


def decision_rules() -> list[DecisionRule]:
    """Every decision and who takes it, as the council's table holds it (open to every member of
    staff: who decides is no secret). A code the table lost shows its default, unsaved."""
    rows = {r.code: r for r in DecisionRule.objects.select_related("changed_by")}
    for d in policy.DECISION_DEFAULTS:
        if d.code not in rows:
            rows[d.code] = DecisionRule(code=d.code, label=d.label, roles=list(d.roles),
                                        changeable=d.changeable, local=d.local, source=d.source)
    order = {d.code: i for i, d in enumerate(policy.DECISION_DEFAULTS)}
    return sorted(rows.values(), key=lambda r: (order.get(r.code, len(order)), r.code))


def decision_rule_history(code: str) -> list:
    """A row's earlier versions, newest first, each with who changed it and why."""
    versions = DecisionRule.history.filter(code=code).select_related("history_user")
    return list(versions.order_by("-history_date"))


def delegations_for(user) -> list[DecisionDelegation]:
    """Delegations the user gave or holds that have not ended (running or to come)."""
    return list(
        DecisionDelegation.objects.filter(Q(manager=user) | Q(delegate=user), revoked_at__isnull=True,
                                          ends_on__gte=today())
        .select_related("manager", "delegate").order_by("starts_on", "pk")
    )


# --- an administrator's second factor ----------------------------------------------------------


def second_factor_of(user) -> SecondFactor | None:
    """The user's own enrolled authenticator app (its secret is for the services, not for pages)."""
    return SecondFactor.objects.filter(
        user_id=user.pk, revoked_at__isnull=True, confirmed_at__isnull=False
    ).first()


def second_factors_to_reset(user) -> list[SecondFactor]:
    """For an administrator, the other staff of their council whose sign-in asks for a code: the
    ones they may reset when a phone is lost. Nobody else's are listed."""
    if policy.role_of(user) != policy.ADMINISTRATOR:
        return []
    return list(
        SecondFactor.objects.filter(
            user__local_authority_id=user.local_authority_id, revoked_at__isnull=True,
            confirmed_at__isnull=False,
        ).exclude(user_id=user.pk).select_related("user").order_by("user__username")
    )


def second_factor_step(user) -> str | None:
    """What sign-in asks after a right password: "code" from anyone with an enrolled app, "set_up"
    from an administrator without one where the council requires it (NCSC: multi-factor
    authentication for privileged accounts), or nothing."""
    if second_factor_of(user) is not None:
        return "code"
    if second_factor_required(user):
        return "set_up"
    return None


def second_factor_required(user) -> bool:
    """The council may require a second factor of its administrators (SAFEGUARD_ADMIN_SECOND_FACTOR)."""
    required = settings.SAFEGUARD_ADMIN_SECOND_FACTOR == "required"
    return required and policy.role_of(user) == policy.ADMINISTRATOR
