"""Every read of a child's record goes through here: it checks access and writes the audit row
(who, what, when, why, request id) in the same transaction as the read."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from safeguard.audit.models import AuditEvent
from safeguard.audit.services import audit_record
from safeguard.people.models import Child

from . import policy
from .models import Alert, SecondFactor


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


@transaction.atomic
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


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]", "", text)


def _by_name(qs, words: list[str], limit: int) -> list:
    """Children whose names are close to the words typed, closest first (then by surname, first name
    and key). Many children share a name, so each distinct name is scored once, not each row."""
    # Misspellings rarely touch the first letter: compare only names starting with a letter typed,
    # so a large council is not read whole. The scoring below does the tolerance.
    initials = Q()
    for letter in {w[0] for w in words}:
        initials |= Q(first_name__istartswith=letter) | Q(last_name__istartswith=letter)
    children_named: dict[tuple[str, str], list[int]] = {}
    for pk, first, last in qs.filter(initials).order_by().values_list(
            "pk", "first_name", "last_name")[:MAX_CANDIDATES]:
        children_named.setdefault((first, last), []).append(pk)
    scored = []
    for (first, last), pks in children_named.items():
        folded = (_fold(first), _fold(last))
        score = sum(max(_similar(w, folded[0]), _similar(w, folded[1])) for w in words) / len(words)
        if score >= NAME_TOLERANCE:
            scored.append((-score, last, first, sorted(pks)))
    scored.sort(key=lambda s: s[:3])
    ids: list[int] = []
    for *_, pks in scored:
        if len(ids) >= limit:
            break
        ids.extend(pks)
    found = Child.objects.in_bulk(ids[:limit])
    return [found[pk] for pk in ids[:limit]]


def _similar(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if b.startswith(a) or a.startswith(b):
        return 1.0
    return difflib.SequenceMatcher(None, a, b).ratio()


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


@transaction.atomic
def child_search(
    user, *, name: str = "", date_of_birth: dt.date | None = None, identifier: str = "", limit: int = 50
) -> dict:
    """Find children by name (tolerant of misspellings), date of birth, LA child id, UPN or NHS
    number, among those the user may open. A record closed to the user shows up only on an exact
    identifier (someone who has the identifier knows the child exists), so they can break the glass.
    The search itself is audited with its terms."""
    # Bounded here too, whoever calls: longer terms are cut to the bounds the form enforces, so no
    # single request can cost seconds.
    # Control characters go too: PostgreSQL cannot hold a NUL (in the query or the audit row).
    name = " ".join(_CONTROL.sub("", (name or "")[:SEARCH_MAX_CHARS]).split()[:SEARCH_MAX_WORDS])
    identifier = _CONTROL.sub("", (identifier or "")[:SEARCH_MAX_IDENTIFIER])
    visible = policy.children_visible_to(user)
    qs = visible
    ident = re.sub(r"\s", "", identifier)
    if ident:
        id_q = Q(la_child_id__iexact=ident) | Q(upn__iexact=ident) | Q(nhs_number=ident)
        qs = qs.filter(id_q)
    if date_of_birth:
        qs = qs.filter(Q(date_of_birth=date_of_birth) | Q(expected_date_of_birth=date_of_birth))
    words = [_fold(w) for w in (name or "").split() if _fold(w)]
    if words:
        results = _by_name(qs, words, limit)
    elif ident or date_of_birth:
        results = sorted(qs[:limit], key=lambda c: (c.last_name, c.first_name, c.pk))
    else:
        results = []
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
            "found": len(results),
            "closed": [c.pk for c in closed],
        },
    )
    return {"results": results, "closed": closed}


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


def alerts_for(user) -> list[Alert]:
    return list(
        Alert.objects.filter(to=user, read_at__isnull=True)
        .select_related("child", "grant")
        .order_by("-created_at")
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
