"""An assessment's words, drafted, submitted, returned or authorised, and amended after sign-off
(issue: "starting an assessment records a date and nothing else"). Working Together 2023: the
assessment follows the Assessment Framework (the child's developmental needs, parenting capacity,
family and environmental factors), records the child's wishes and feelings, and is signed off by a
manager; authorised words change only by a recorded amendment."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.access import policy
from safeguard.assessment import checks as asc
from safeguard.assessment import services as asmt
from safeguard.assessment.checks import SECTIONS
from safeguard.assessment.models import (
    Assessment,
    AssessmentAmendment,
    AssessmentContent,
    AssessmentDecision,
)
from safeguard.assessment.selectors import assessment_detail, decisions_awaiting
from safeguard.audit.models import AuditEvent
from safeguard.core.errors import Checks, EditConflict, RecordInvalid
from safeguard.front_door import services as fd
from safeguard.front_door.models import Referral
from safeguard.record.history import ChildHistory, edited

from . import helpers
from .helpers import WORDS
from .test_services import submit

D = dt.date
Status = Assessment.Status


@pytest.fixture
def referral(worker, child) -> Referral:
    return fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 1, 10),
                            source="2A", primary_need="N1")


@pytest.fixture
def assessment(worker, referral) -> Assessment:
    return asmt.assessment_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 11))


def _words(assessment) -> AssessmentContent:
    return AssessmentContent.objects.get(assessment_id=assessment.pk)


def _fields(exc_info) -> set[str]:
    return {v.field for v in exc_info.value.violations}


def _messages(exc_info) -> str:
    return " | ".join(v.message for v in exc_info.value.violations)


def _authorise(assessment, manager, **kw):
    args = dict(by=manager, assessment_id=assessment.pk, expected_version=assessment.version,
                authorisation_date=D(2024, 2, 20), factors=["3B", "4B"], requires_support=True)
    args.update(kw)
    return asmt.assessment_authorise(**args)


def _return(assessment, manager, **kw):
    args = dict(by=manager, assessment_id=assessment.pk, expected_version=assessment.version,
                comments="Say more about the father's part in the child's care.")
    args.update(kw)
    return asmt.assessment_return(**args)


# --- starting ----------------------------------------------------------------------------------

def test_start_makes_a_blank_page_in_the_same_change(worker, referral):
    """Working Together 2023: an assessment is written, not only dated; its words start blank."""
    a = asmt.assessment_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 11))
    assert a.status == Status.DRAFT
    words = _words(a)
    assert words.version == 1 and all(getattr(words, n) == "" for n in SECTIONS)
    assert AuditEvent.objects.filter(object_type="assessment.AssessmentContent", action="create",
                                     detail__event="assessment_start").exists()


def test_second_assessment_in_episode_needs_a_reason(worker, manager, referral, assessment):
    """Local rule (Working Together 2023: one assessment, updated as needs change): a second
    assessment in the same episode, even after the first is authorised, says why it is needed."""
    _authorise(submit(worker, assessment), manager)
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_start(by=worker, referral_id=referral.pk, start_date=D(2024, 3, 1))
    assert "reason" in _fields(exc) and "local" in exc.value.rules
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_start(by=worker, referral_id=referral.pk, start_date=D(2024, 3, 1),
                              reason="too short")
    assert "reason" in _fields(exc)
    assert Assessment.objects.count() == 1
    second = asmt.assessment_start(by=worker, referral_id=referral.pk, start_date=D(2024, 3, 1),
                                   reason="  The family moved and the risks are new.  ")
    assert _words(second).new_assessment_reason == "The family moved and the risks are new."
    # The reason is kept out of the append-only audit (it may name people).
    event = AuditEvent.objects.get(object_type="assessment.AssessmentContent",
                                   object_id=str(_words(second).pk), action="create")
    assert "moved" not in str(event.detail)


def test_two_assessments_on_the_same_day_refused_outright(worker, manager, referral, assessment):
    """Local rule: two assessments starting the same day in one episode are a duplicate, whatever
    the reason given."""
    _authorise(submit(worker, assessment), manager)
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 11),
                              reason="A second assessment for a new concern.")
    assert "start_date" in _fields(exc) and "already started" in _messages(exc)
    assert Assessment.objects.count() == 1


def test_core_after_initial_assessment_needs_no_reason(worker, manager, make_child):
    """Framework for the Assessment of Children in Need (2000), before Working Together 2013: a
    core assessment followed the initial one in the same episode; it is not a new assessment."""
    child = make_child(date_of_birth=D(2004, 6, 1))
    ref = fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2012, 4, 2), source="6",
                           primary_need="N1")
    initial = asmt.assessment_start(by=worker, referral_id=ref.pk, start_date=D(2012, 4, 2),
                                    kind="initial")
    _authorise(helpers.submit(worker, initial), manager, authorisation_date=D(2012, 4, 13))
    core = asmt.assessment_start(by=worker, referral_id=ref.pk, start_date=D(2012, 5, 1),
                                 kind="core")
    assert core.kind == "core"
    _authorise(helpers.submit(worker, core), manager, authorisation_date=D(2012, 6, 22))
    with pytest.raises(RecordInvalid) as exc:  # a second core assessment is a new one
        asmt.assessment_start(by=worker, referral_id=ref.pk, start_date=D(2012, 7, 2),
                              kind="core")
    assert "reason" in _fields(exc)


def test_open_assessment_still_refused_with_8896(worker, referral, assessment):
    """CIN census rule 8896: no second open assessment in an episode, reason or not."""
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 20),
                              reason="A second assessment for a new concern.")
    assert "CIN 8896" in exc.value.rules


# --- drafting --------------------------------------------------------------------------------

def test_save_part_of_the_words_and_a_stale_autosave_is_refused(worker, assessment):
    """Lost-update protection: an autosave posted later from an older page never overwrites."""
    v1 = _words(assessment).version
    saved = asmt.assessment_save(by=worker, assessment_id=assessment.pk, expected_version=v1,
                                 analysis="First thoughts.\r\nSecond line.  ")
    assert saved.version == v1 + 1 and saved.analysis == "First thoughts.\nSecond line."
    asmt.assessment_save(by=worker, assessment_id=assessment.pk, expected_version=saved.version,
                         wishes_and_feelings="\"I want to stay at my school.\"", outcome="cin_plan",
                         factors=["3B"], requires_support=True)
    with pytest.raises(EditConflict):
        asmt.assessment_save(by=worker, assessment_id=assessment.pk, expected_version=v1,
                             analysis="Stale words from another tab.")
    words = _words(assessment)
    assert words.analysis == "First thoughts.\nSecond line."
    assert words.wishes_and_feelings == "\"I want to stay at my school.\""
    assert words.proposed_outcome == "cin_plan" and words.proposed_factors == ["3B"]
    # Narrative never enters the audit: only its length.
    assert not AuditEvent.objects.filter(detail__icontains="First thoughts").exists()


def test_save_refuses_unknown_fields(worker, assessment):
    """A section that is not in the Assessment Framework is a programming error."""
    with pytest.raises(TypeError):
        asmt.assessment_save(by=worker, assessment_id=assessment.pk, expected_version=None,
                             start_date=D(2024, 1, 1))


def test_save_refuses_an_unknown_outcome(worker, assessment):
    """Local rule: the proposed outcome is one of the listed outcomes."""
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_save(by=worker, assessment_id=assessment.pk, expected_version=None,
                             outcome="adoption")
    assert "outcome" in _fields(exc)


def test_words_of_an_assessment_with_none_yet(worker, referral):
    """An imported or generated assessment has no words row: the first save makes it, from
    version 0 (the page's "no words yet")."""
    a = Assessment.objects.create(referral=referral, start_date=D(2024, 1, 11))
    assert assessment_detail(a.pk).content is None
    words = asmt.assessment_save(by=worker, assessment_id=a.pk, expected_version=0,
                                 analysis="Written at last.")
    assert words.version == 1 and _words(a).analysis == "Written at last."
    with pytest.raises(EditConflict):
        asmt.assessment_save(by=worker, assessment_id=a.pk, expected_version=0, analysis="Again.")


# --- submitting ------------------------------------------------------------------------------

def test_submit_names_each_empty_section_and_needs_the_child_seen(worker, assessment):
    """Working Together 2023: the child is seen, and every part of the Assessment Framework is
    written, before the assessment goes to the manager."""
    asmt.assessment_save(by=worker, assessment_id=assessment.pk, expected_version=None,
                         analysis="Written.", recommendation="   ")
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_submit(by=worker, assessment_id=assessment.pk, expected_version=None,
                               factors=["3B"], requires_support=True, outcome="cin_plan")
    empty = set(SECTIONS) - {"analysis"}
    assert empty | {"child_seen_date"} <= _fields(exc)
    assert "analysis" not in _fields(exc)
    assert sum(v.field in empty for v in exc.value.violations) == len(empty)
    assert Assessment.objects.get(pk=assessment.pk).status == Status.DRAFT
    assert not AssessmentDecision.objects.exists()


def test_submit_checks_the_factors_and_the_proposal(worker, assessment):
    """CIN census rules 8869 and 8897Q on the factors the worker proposes; the outcome and need
    of support are required (local)."""
    with pytest.raises(RecordInvalid) as exc:
        submit(worker, assessment, factors=["21", "3B"], outcome="", requires_support=None)
    assert "CIN 8869" in exc.value.rules
    assert {"outcome", "requires_support"} <= _fields(exc)
    with pytest.raises(RecordInvalid) as exc:
        submit(worker, assessment, factors=[])
    assert "CIN 8897Q" in exc.value.rules


def test_submit_freezes_the_words_until_returned(worker, assessment):
    """Management oversight (Working Together 2023): submitted words wait for the manager."""
    a = submit(worker, assessment)
    assert a.status == Status.SUBMITTED
    words = _words(a)
    assert words.proposed_factors == ["3B", "4B"] and words.proposed_requires_support is True
    pending = AssessmentDecision.objects.get(assessment=a)
    assert pending.outcome == "" and pending.submitted_by == worker
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_save(by=worker, assessment_id=a.pk, expected_version=words.version,
                             analysis="A late change.")
    assert _fields(exc) == {"status"}
    assert "the manager must return it first" in _messages(exc)
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_submit(by=worker, assessment_id=a.pk, expected_version=words.version,
                               factors=["3B"], requires_support=True, outcome="cin_plan")
    assert "status" in _fields(exc)
    assert _words(a).analysis == WORDS["analysis"]


def test_submit_with_stale_words_refused(worker, assessment):
    """Lost-update protection: a page that did not show the latest words cannot submit them."""
    v = _words(assessment).version
    asmt.assessment_save(by=worker, assessment_id=assessment.pk, expected_version=v, **WORDS)
    with pytest.raises(EditConflict):
        asmt.assessment_submit(by=worker, assessment_id=assessment.pk, expected_version=v,
                               factors=["3B"], requires_support=True, outcome="cin_plan")


# --- returning -------------------------------------------------------------------------------

def test_a_social_worker_cannot_return(worker, assessment):
    """Working Together 2023: management oversight; only a team manager returns an assessment."""
    a = submit(worker, assessment)
    with pytest.raises(RecordInvalid) as exc:
        _return(a, worker)
    assert "decided_by" in _fields(exc) and "team manager" in _messages(exc)
    assert Assessment.objects.get(pk=a.pk).status == Status.SUBMITTED


def test_return_needs_comments_and_a_submission(worker, manager, assessment):
    """Local rule: the manager says what must change (at least 10 characters), and only a
    submitted assessment is returned."""
    with pytest.raises(RecordInvalid) as exc:
        _return(assessment, manager)
    assert "status" in _fields(exc)
    a = submit(worker, assessment)
    with pytest.raises(RecordInvalid) as exc:
        _return(a, manager, comments="More.")
    assert _fields(exc) == {"comments"}
    assert Assessment.objects.get(pk=a.pk).status == Status.SUBMITTED


def test_returned_assessment_is_saved_resubmitted_and_authorised(worker, manager, assessment):
    """Working Together 2023: the back-and-forth between worker and manager is kept, each
    submission with its decision."""
    a = submit(worker, assessment)
    a = _return(a, manager)
    assert a.status == Status.RETURNED
    words = asmt.assessment_save(by=worker, assessment_id=a.pk,
                                 expected_version=_words(a).version,
                                 parenting_capacity="Father now included in the plan.")
    a = asmt.assessment_submit(by=worker, assessment_id=a.pk, expected_version=words.version,
                               factors=["3B"], requires_support=True, outcome="cin_plan")
    a = _authorise(a, manager, factors=["3B"], comments="Clear analysis; agree CIN plan.")
    assert a.status == Status.AUTHORISED
    detail = assessment_detail(a.pk)
    assert [(d.outcome, d.decided_by_id) for d in detail.decisions] == [
        ("returned", manager.pk), ("authorised", manager.pk)]
    assert detail.decisions[0].comments.startswith("Say more about the father")
    assert detail.decisions[1].comments == "Clear analysis; agree CIN plan."
    assert detail.content.parenting_capacity == "Father now included in the plan."
    assert detail.factors == ["3B"]


# --- authorising -----------------------------------------------------------------------------

def test_authorise_needs_a_submission(manager, assessment):
    """Management oversight: the manager signs off what the worker submitted, not a draft."""
    with pytest.raises(RecordInvalid) as exc:
        _authorise(assessment, manager)
    assert "status" in _fields(exc) and "submit" in _messages(exc)
    assert Assessment.objects.get(pk=assessment.pk).authorisation_date is None


def test_a_social_worker_cannot_authorise(worker, assessment):
    """Working Together 2023: a team manager authorises; the message names the field."""
    a = submit(worker, assessment)
    with pytest.raises(RecordInvalid) as exc:
        _authorise(a, worker)
    assert "authorised_by" in _fields(exc)
    assert Assessment.objects.get(pk=a.pk).status == Status.SUBMITTED


def test_authorised_words_are_frozen(worker, manager, assessment):
    """Working Together 2023 / recording: the authorised assessment stays as authorised."""
    a = _authorise(submit(worker, assessment), manager)
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_save(by=worker, assessment_id=a.pk, expected_version=None,
                             analysis="Rewritten after sign-off.")
    assert "record an amendment with a reason" in _messages(exc)
    assert _words(a).analysis == WORDS["analysis"]


def test_importer_and_generator_path_needs_no_submission(manager, child, assessment):
    """CIN census import and the generator record a sign-off the council made: the plain
    `check_assessment_authorise` does not ask for a submission (the live service does)."""
    from safeguard.returns.cin_census.importing import IMPORTER

    history = ChildHistory.load(child.pk, lock=False)
    held = history.for_edit("assessments", assessment.pk, None)
    candidate = edited(held, authorisation_date=D(2024, 2, 1), requires_support=True)
    for by in (IMPORTER, manager):
        checks = Checks()
        asc.check_assessment_authorise(history, candidate, checks, by=by, factors=["3B"])
        assert checks.violations == []
    checks = Checks()
    asc.check_assessment_authorise_submitted(history, candidate, checks, by=manager,
                                             factors=["3B"])
    assert [v.field for v in checks.violations] == ["status"]
    # An assessment with a date but still "draft" (imported) counts as authorised.
    assert asc.assessment_stage(candidate) == Status.AUTHORISED


# --- amending --------------------------------------------------------------------------------

def test_amendment_keeps_the_words_before_and_after(worker, manager, assessment):
    """Corrections, never deletions: an amendment after authorisation has a reason, and the
    authorised words stay readable."""
    a = _authorise(submit(worker, assessment), manager)
    words = _words(a)
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_amend(by=worker, assessment_id=a.pk, expected_version=words.version,
                              reason="typo", analysis="Corrected analysis.")
    assert _fields(exc) == {"reason"}
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_amend(by=worker, assessment_id=a.pk, expected_version=words.version,
                              reason="Nothing to change really.", analysis=WORDS["analysis"])
    assert "Nothing was changed" in _messages(exc)
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_amend(by=worker, assessment_id=a.pk, expected_version=words.version,
                              reason="Removing the analysis.", analysis="  ")
    assert "analysis" in _fields(exc)
    amended = asmt.assessment_amend(by=worker, assessment_id=a.pk, expected_version=words.version,
                                    reason="The school's name was wrong.",
                                    analysis="Corrected analysis.")
    assert amended.version == words.version + 1
    amendment = AssessmentAmendment.objects.get(assessment=a)
    assert amendment.sections == ["analysis"] and amendment.amended_by == worker
    assert amendment.changes == {"analysis": [WORDS["analysis"], "Corrected analysis."]}
    assert amendment.version == amended.version
    # The words as authorised are in the content's own history too.
    as_authorised = _words(a).history.get(version=words.version)
    assert as_authorised.analysis == WORDS["analysis"]
    assert _words(a).analysis == "Corrected analysis."
    assert Assessment.objects.get(pk=a.pk).status == Status.AUTHORISED
    event = AuditEvent.objects.get(object_type="assessment.AssessmentAmendment")
    assert "school" not in str(event.detail) and event.reason == "The school's name was wrong."
    with pytest.raises(EditConflict):  # a page built before the amendment
        asmt.assessment_amend(by=worker, assessment_id=a.pk, expected_version=words.version,
                              reason="Another correction here.", analysis="Again.")


def test_amend_only_after_authorisation(worker, assessment):
    """Local rule: before sign-off the draft is saved, not amended."""
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_amend(by=worker, assessment_id=assessment.pk, expected_version=None,
                              reason="An amendment too early.", analysis="Words.")
    assert "status" in _fields(exc)
    assert not AssessmentAmendment.objects.exists()


# --- reading ---------------------------------------------------------------------------------

def test_detail_in_a_fixed_number_of_queries(worker, manager, assessment,
                                             django_assert_num_queries):
    """Fast by design: the assessment, its words, decisions and amendments in four queries."""
    a = submit(worker, assessment)
    a = _return(a, manager)
    words = asmt.assessment_save(by=worker, assessment_id=a.pk, expected_version=None,
                                 analysis="Better analysis.")
    a = asmt.assessment_submit(by=worker, assessment_id=a.pk, expected_version=words.version,
                               factors=["3B"], requires_support=True, outcome="cin_plan")
    a = _authorise(a, manager)
    asmt.assessment_amend(by=worker, assessment_id=a.pk, expected_version=None,
                          reason="A spelling mistake.", recommendation="Amended.")
    with django_assert_num_queries(4):
        detail = assessment_detail(a.pk)
        assert detail.content.recommendation == "Amended."
        assert [d.outcome for d in detail.decisions] == ["returned", "authorised"]
        assert detail.decisions[0].submitted_by.last_name == "Worker"
        assert [m.amended_by.username for m in detail.amendments] == ["sw1"]
        assert detail.assessment.referral.child.first_name == "Alex"


def test_detail_only_for_children_the_user_may_see(worker, assessment, la):
    """Least privilege: given a user, only a child the access policy opens is found."""
    from safeguard.workforce.models import Team, User

    other = User.objects.create_user(
        username="tm_cic", password="x", role=User.Role.TEAM_MANAGER, local_authority=la,
        team=Team.objects.create(local_authority=la, name="Children in Care",
                                 service="Children in care"))
    with pytest.raises(Assessment.DoesNotExist):
        assessment_detail(assessment.pk, user=other)


def test_manager_queue_lists_submissions_oldest_first(worker, manager, make_child, la):
    """Working Together 2023: management oversight; the manager sees what awaits their decision,
    oldest first, and another team's manager does not."""
    from safeguard.workforce.models import Team, User

    made = []
    for _ in range(3):
        child = make_child()
        ref = fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 1, 10),
                               source="2A", primary_need="N1")
        made.append(asmt.assessment_start(by=worker, referral_id=ref.pk,
                                          start_date=D(2024, 1, 11)))
    second = submit(worker, made[1])
    first_submitted = submit(worker, made[2])
    _return(submit(worker, made[0]), manager)  # returned: no longer awaiting the manager
    AssessmentDecision.objects.filter(assessment=first_submitted).update(
        submitted_at=second.updated_at - dt.timedelta(days=1))
    queue = list(decisions_awaiting(manager).submissions)
    assert [a.pk for a in queue] == [first_submitted.pk, second.pk]
    assert queue[0].submitted_by_name == "Sam Worker" and queue[0].submitted_at is not None
    other = User.objects.create_user(
        username="tm_cic", password="x", role=User.Role.TEAM_MANAGER, local_authority=la,
        team=Team.objects.create(local_authority=la, name="Children in Care",
                                 service="Children in care"))
    assert not decisions_awaiting(other).submissions.exists()


# --- a fixed number of queries, whatever the record's length ----------------------------------

def _earlier_episodes(child, manager, n: int) -> None:
    """n closed episodes each with an authorised assessment (made directly: only how many there
    are matters here)."""
    for i in range(n):
        day = D(2019, 1, 7) + dt.timedelta(days=40 * i)
        ref = Referral.objects.create(child=child, referral_date=day, source="6", primary_need="N1",
                                      response="assessment", response_date=day,
                                      closure_date=day + dt.timedelta(days=30),
                                      reason_for_closure="RC8")
        a = Assessment.objects.create(referral=ref, start_date=day, child_seen_date=day,
                                      authorisation_date=day + dt.timedelta(days=10),
                                      authorised_by=manager, requires_support=False,
                                      status=Status.AUTHORISED)
        AssessmentContent.objects.create(assessment=a, analysis="Earlier words. " * 50)
        AssessmentDecision.objects.create(assessment=a, submitted_by=manager,
                                          submitted_at=dt.datetime(2019, 1, 1, tzinfo=dt.UTC),
                                          decided_by=manager, outcome="authorised",
                                          decided_at=dt.datetime(2019, 1, 2, tzinfo=dt.UTC))


def _counted(fn, **kw):
    with CaptureQueriesContext(connection) as ctx:
        result = fn(**kw)
    return result, len(ctx.captured_queries)


def _journey_counts(worker, manager, child) -> dict[str, int]:
    # Each journey's steps are requests of their own: the table of decisions is read afresh.
    policy.forget(manager)
    ref = fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 1, 10),
                           source="2A", primary_need="N1")
    a = asmt.assessment_start(by=worker, referral_id=ref.pk, start_date=D(2024, 1, 11))
    a = asmt.assessment_record_child_seen(by=worker, assessment_id=a.pk,
                                          expected_version=a.version,
                                          child_seen_date=D(2024, 1, 12))
    words = asmt.assessment_save(by=worker, assessment_id=a.pk,
                                 expected_version=_words(a).version, **WORDS)
    counts = {}
    a, counts["submit"] = _counted(asmt.assessment_submit, by=worker, assessment_id=a.pk,
                                   expected_version=words.version, factors=["3B"],
                                   requires_support=True, outcome="cin_plan")
    a, counts["return"] = _counted(asmt.assessment_return, by=manager, assessment_id=a.pk,
                                   expected_version=a.version,
                                   comments="Please add the school's view.")
    words, counts["save"] = _counted(asmt.assessment_save, by=worker, assessment_id=a.pk,
                                     expected_version=_words(a).version,
                                     analysis="With the school's view.")
    a = asmt.assessment_submit(by=worker, assessment_id=a.pk, expected_version=words.version,
                               factors=["3B"], requires_support=True, outcome="cin_plan")
    a, counts["authorise"] = _counted(asmt.assessment_authorise, by=manager, assessment_id=a.pk,
                                      expected_version=a.version,
                                      authorisation_date=D(2024, 2, 1), factors=["3B"],
                                      requires_support=True, comments="Agreed.")
    _, counts["amend"] = _counted(asmt.assessment_amend, by=worker, assessment_id=a.pk,
                                  expected_version=None, reason="Spelling of the school.",
                                  analysis="With the school's view, corrected.")
    return counts


def test_queries_do_not_grow_with_the_record(worker, manager, make_child):
    """Fast by design (issue: "submitting, returning and authorising an assessment: a fixed
    number of queries each"): the same count for a child with 1 and with 20 earlier episodes."""
    short, long = make_child(), make_child()
    _earlier_episodes(short, manager, 1)
    _earlier_episodes(long, manager, 20)
    counts = _journey_counts(worker, manager, short)
    assert counts == _journey_counts(worker, manager, long)
    # Mostly the child's history, read once (one query a kind of record) and locked.
    assert max(counts.values()) <= 70, counts


# --- the data migration ----------------------------------------------------------------------

def test_existing_assessments_take_their_status_from_the_authorisation(referral, manager):
    """Assessments on file before statuses: those with an authorisation date are authorised."""
    from django.apps import apps

    migration = importlib.import_module(
        "safeguard.assessment.migrations.0005_assessment_status_from_authorisation")
    open_one = Assessment.objects.create(referral=referral, start_date=D(2024, 1, 11))
    signed = Assessment.objects.create(referral=referral, start_date=D(2024, 1, 12),
                                       authorisation_date=D(2024, 2, 1), authorised_by=manager)
    migration.forwards(apps, None)
    assert Assessment.objects.get(pk=open_one.pk).status == Status.DRAFT
    assert Assessment.objects.get(pk=signed.pk).status == Status.AUTHORISED
