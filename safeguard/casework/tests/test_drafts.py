"""Drafts (issue 16 "Never lose recording"): saved as the user types, kept across a session that
expires, shared by people correcting one note without silent overwrites."""

import pytest
from django.core.exceptions import PermissionDenied

from safeguard.audit.models import AuditEvent
from safeguard.casework.drafts import (
    DRAFT_LIMIT,
    correction_draft_key,
    draft_discard,
    draft_for,
    draft_save,
    drafts_of,
    note_draft_key,
)
from safeguard.casework.models import Draft
from safeguard.core.errors import EditConflict, RecordInvalid
from safeguard.people.services import child_restrict
from safeguard.workforce.models import User


@pytest.fixture
def colleague(la, team):
    return User.objects.create_user(username="sw2", password="x", role=User.Role.SOCIAL_WORKER,
                                    team=team, local_authority=la)


def _save(by, key, data, *, child=None, version=None, url="/children/1/notes/new"):
    return draft_save(by=by, key=key, url=url, data=data, child_id=child.pk if child else None,
                      expected_version=version)


def test_keys():
    """Issue 16: a new note's draft is one user's; a correction's is shared by everyone correcting
    that note."""
    assert note_draft_key(12, 4) == "case-note:child-12:user-4"
    assert correction_draft_key(57) == "case-note:57"


def test_create_then_update_from_the_version_held(worker, child):
    """Community Care 2019 (work lost to time-outs) / Issue 16: the draft is saved as the user
    types; each save moves the version on, and the user gets it back after signing in again."""
    key = note_draft_key(child.pk, worker.pk)
    draft = _save(worker, key, {"title": "Home"}, child=child)
    assert (draft.version, draft.owner, draft.updated_by, draft.child) == (1, worker, worker, child)
    draft = _save(worker, key, {"title": "Home visit", "text": "Seen"}, child=child, version=1)
    assert draft.version == 2
    again = draft_for(worker, key)
    assert again.data == {"title": "Home visit", "text": "Seen"} and again.version == 2
    assert drafts_of(worker) == [again]


def test_a_stale_save_is_a_conflict_never_an_overwrite(worker, manager, child):
    """Issue 16: two people editing the same draft see a conflict, never a silent overwrite."""
    key = correction_draft_key(57)
    _save(worker, key, {"text": "mine"}, child=child)
    _save(manager, key, {"text": "theirs"}, child=child, version=1)
    with pytest.raises(EditConflict) as conflict:
        _save(worker, key, {"text": "mine again"}, child=child, version=1)
    assert conflict.value.obj.version == 2
    with pytest.raises(EditConflict):  # a second "first" save finds the draft already there
        _save(worker, key, {"text": "fresh"}, child=child)
    stored = Draft.objects.get(key=key)
    assert (stored.data, stored.version, stored.owner, stored.updated_by) == \
        ({"text": "theirs"}, 2, worker, manager)


def test_a_users_own_draft_is_theirs_alone(worker, colleague, child):
    """UK GDPR art. 5(1)(f) (confidentiality) / Issue 16: one user's unfinished note is not read,
    overwritten or thrown away by another."""
    key = note_draft_key(child.pk, worker.pk)
    _save(worker, key, {"text": "draft"}, child=child)
    assert draft_for(colleague, key) is None
    with pytest.raises(PermissionDenied):
        _save(colleague, key, {"text": "x"}, child=child, version=1)
    with pytest.raises(PermissionDenied):
        draft_discard(by=colleague, key=key)
    assert drafts_of(colleague) == []
    assert Draft.objects.get(key=key).data == {"text": "draft"}


def test_a_shared_draft_only_for_those_who_may_change_the_child(worker, manager, colleague, child):
    """Access policy / Issue 16: a correction's shared draft opens only to people who may change
    the child it is about (a restricted record stays closed)."""
    key = correction_draft_key(9)
    _save(manager, key, {"text": "manager's words"}, child=child)
    assert draft_for(colleague, key).data == {"text": "manager's words"}
    child_restrict(by=manager, child_id=child.pk, restricted=True, reason="Staff member's own family")
    child.refresh_from_db()
    assert draft_for(colleague, key) is None
    with pytest.raises(PermissionDenied):
        _save(colleague, correction_draft_key(10), {"text": "x"}, child=child)


def test_size_and_address_limits(worker):
    """Issue 16: a draft holds at most 200,000 characters and returns the user only to a page of
    this service (OWASP: unvalidated redirects after sign-in)."""
    key = "case-note:child-1:user-1"
    with pytest.raises(RecordInvalid) as big:
        _save(worker, key, {"text": "x" * DRAFT_LIMIT})
    assert [v.field for v in big.value.violations] == ["draft"]
    for url in ("https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil"):
        with pytest.raises(RecordInvalid):
            _save(worker, key, {"text": "x"}, url=url)
    with pytest.raises(RecordInvalid):
        _save(worker, "", {"text": "x"})
    assert not Draft.objects.exists()


def test_discard_and_newest_first(worker, child, make_child):
    """Issue 16: "carry on where you left off" lists the user's drafts newest first; a discarded
    draft is gone, and discarding one that is not there is harmless."""
    other = make_child()
    first = _save(worker, note_draft_key(child.pk, worker.pk), {"t": 1}, child=child)
    second = _save(worker, note_draft_key(other.pk, worker.pk), {"t": 2}, child=other)
    assert drafts_of(worker) == [second, first]
    _save(worker, first.key, {"t": 3}, child=child, version=1)
    assert [d.key for d in drafts_of(worker)] == [first.key, second.key]
    draft_discard(by=worker, key=first.key)
    draft_discard(by=worker, key=first.key)
    assert drafts_of(worker) == [second]


def test_drafts_are_not_audited(worker, child):
    """Issue 16: a draft is the user's own unfinished words, not the child's record: nothing of it
    goes into the append-only audit."""
    before = AuditEvent.objects.count()
    key = note_draft_key(child.pk, worker.pk)
    _save(worker, key, {"text": "Mother disclosed something private"}, child=child)
    draft_discard(by=worker, key=key)
    assert AuditEvent.objects.count() == before
