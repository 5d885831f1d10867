"""Drafts: a form's words saved on the server as the user types, so a session that times out
mid-note loses nothing (Community Care's 2019 survey: social workers losing assessments to
time-outs). A draft is the user's own unfinished words, not the child's record: it is never
audited or copied into the audit, and it goes when the form is saved.

Two kinds of key:
- user-scoped ("case-note:child-12:user-4", a new note): only its owner reads or writes it;
- shared ("case-note:57", a correction of note 57): everyone correcting that note works on one
  draft, and a save from a stale version is refused (`EditConflict`), never a silent overwrite.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q

from safeguard.access import policy
from safeguard.core.errors import EditConflict, RecordInvalid, Violation
from safeguard.people.models import Child

from .models import Draft

#: Total characters a draft may hold (its data as JSON): several long notes' worth, well short of
#: anything that would slow the autosave or fill the table.
DRAFT_LIMIT = 200_000
_KEY_MAX = Draft._meta.get_field("key").max_length
_URL_MAX = Draft._meta.get_field("url").max_length


def note_draft_key(child_id: int, user_id: int) -> str:
    """The key of one user's draft of a new note about a child."""
    return f"case-note:child-{child_id}:user-{user_id}"


def correction_draft_key(note_id: int) -> str:
    """The key of the draft correction of a note, shared by everyone correcting it."""
    return f"case-note:{note_id}"


def assessment_draft_key(assessment_id: int, section: str) -> str:
    """The draft of one section of an assessment, shared by everyone who may write it (they see
    each other's conflicts rather than overwrite them)."""
    return f"assessment:{assessment_id}:{section}"


def _user_scoped(key: str) -> bool:
    return ":user-" in key


def _may_use(user, draft: Draft) -> bool:
    """A user-scoped draft is its owner's alone; a shared one is open to whoever may change the
    child it is about (or, if about no child, to its owner)."""
    if draft.owner_id == getattr(user, "pk", None):
        return True
    if _user_scoped(draft.key) or draft.child_id is None:
        return False
    return policy.can_change_child(user, draft.child)


def _refuse(message: str) -> RecordInvalid:
    return RecordInvalid([Violation("draft", "local", message)])


def _valid(key: str, url: str, data) -> None:
    """A draft fits: a key, a local address to come back to (never another site: the draft list
    sends the user there after signing in), and data within the limit."""
    if not key or len(key) > _KEY_MAX:
        raise _refuse(f"A draft needs a key of at most {_KEY_MAX} characters")
    if not isinstance(url, str) or not url.startswith("/") or url.startswith("//") \
            or "\\" in url or len(url) > _URL_MAX:
        raise _refuse("A draft's address must be a page of this service")
    if not isinstance(data, dict):
        raise _refuse("A draft holds a form's fields")
    size = len(json.dumps(data, ensure_ascii=False, default=str))
    if size > DRAFT_LIMIT:
        raise _refuse(f"The draft is {size:,} characters long; the limit is {DRAFT_LIMIT:,}")


@transaction.atomic
def draft_save(*, by, key: str, url: str, data: dict, child_id: int | None,
               expected_version: int | None) -> Draft:
    """Create the draft (no version expected and none on file) or update it from the version the
    user's page holds; anything else is someone else's newer save: `EditConflict`."""
    _valid(key, url, data)
    child = None
    if child_id is not None:
        child = Child.objects.filter(pk=child_id).first()
        if child is None or not policy.can_change_child(by, child):
            raise PermissionDenied("You may not write about this child")
    draft = Draft.objects.select_for_update().filter(key=key).first()
    if draft is None:
        try:
            with transaction.atomic():  # two first saves at once: the second sees a conflict
                return Draft.objects.create(key=key, url=url, data=data, child=child, owner=by,
                                            updated_by=by)
        except IntegrityError:
            draft = Draft.objects.select_for_update().get(key=key)
            raise EditConflict(draft, expected_version or 0) from None
    if not _may_use(by, draft):
        raise PermissionDenied("This draft is someone else's")
    if expected_version is None or draft.version != expected_version:
        raise EditConflict(draft, expected_version or 0)
    draft.url, draft.data, draft.updated_by = url, data, by
    if child is not None:
        draft.child = child
    draft.version += 1
    draft.save()
    return draft


def draft_for(user, key: str) -> Draft | None:
    """The draft under this key, if the user may pick it up."""
    draft = Draft.objects.select_related("child", "updated_by").filter(key=key).first()
    return draft if draft is not None and _may_use(user, draft) else None


@transaction.atomic
def draft_discard(*, by, key: str) -> None:
    """Throw the draft away (the form was saved, or the user chose to start again)."""
    # the draft's row alone (PostgreSQL refuses FOR UPDATE across the outer join to a child)
    draft = Draft.objects.select_for_update().filter(key=key).first()
    if draft is None:
        return
    if not _may_use(by, draft):
        raise PermissionDenied("This draft is someone else's")
    draft.delete()


def drafts_of(user) -> list[Draft]:
    """The user's unfinished forms, newest first: "carry on where you left off" after signing in.
    A draft about a child the user may no longer open is left out (its words stay until the form is
    saved or discarded), so the list never names a child the policy closes to them. Each draft
    carries `preview`: the start of its longest field."""
    found = list(Draft.objects.filter(owner=user)
                 .filter(Q(child__isnull=True) | Q(child__in=policy.children_visible_to(user)))
                 .select_related("child").order_by("-updated_at", "-pk"))
    for draft in found:
        words = max((v for v in draft.data.values() if isinstance(v, str)), key=len, default="")
        draft.preview = words[:120] + ("…" if len(words) > 120 else "")
    return found
