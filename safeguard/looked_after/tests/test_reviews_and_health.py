"""Looked-after reviews with their minutes, chaired by the child's IRO, and health assessments
requested and then completed: the pure checks, the services and the page's read."""

import datetime as dt

import pytest

from safeguard.audit.models import AuditEvent
from safeguard.core.errors import Checks, EditConflict, RecordInvalid
from safeguard.looked_after import checks as c
from safeguard.looked_after import selectors as sel
from safeguard.looked_after import services as s
from safeguard.looked_after.models import HealthAssessment, LookedAfterReview, LookedAfterReviewMinutes
from safeguard.record.change import rederive_clocks
from safeguard.record.history import ChildHistory
from safeguard.timescales.models import Clock
from safeguard.workforce.models import User

from .conftest import D0

D = dt.date
REVIEW_DAY = D(2023, 2, 1)
REASONS = "The placement meets Sam's needs and the plan for permanence is on track."
MINUTES = dict(
    invited="Foster carer; social worker; virtual school; mother", attended="Foster carer; social worker",
    apologies="Mother", agencies=["childrens_social_care", "school"],
    views_shared="Met the IRO alone before the review and chose to join the end of the meeting.",
    child_views="\"I like it here. I want to see mum more.\"",
    parents_views="Mother agrees with the plan and asks for more family time.",
    decisions="Placement continues; family time to increase to fortnightly.",
    decision_reasons=REASONS, care_plan_appropriate=True,
)


def _other_iro(la, username="iro2", first="Olu") -> User:
    return User.objects.create_user(username=username, password="x", first_name=first,
                                    last_name="Chair", role=User.Role.IRO, local_authority=la)


def _messages(exc: RecordInvalid) -> str:
    return " ".join(v.message for v in exc.violations)


# --- the chair rule: the child's IRO records the review --------------------------------------

def test_the_childs_iro_records_the_review_with_its_minutes(reviewed_by_iro, in_care):
    """Children Act 1989 s25A-25B and Care Planning, Placement and Case Review (England)
    Regulations 2010 reg 36 and 45: the child's IRO chairs the review and records it, with who
    came, the child's and parents' views, the decisions and their reasons, and whether the care
    plan remains appropriate; the minutes are attached in the same change, chaired by the IRO,
    and their words stay out of the audit."""
    iro = reviewed_by_iro
    review = s.review_record(by=iro, child_id=in_care.pk, review_date=REVIEW_DAY,
                             participation="PN1", **MINUTES)
    minutes = LookedAfterReviewMinutes.objects.get(review=review)
    assert (minutes.chair_id, minutes.recorded_by_id) == (iro.pk, iro.pk)
    assert minutes.care_plan_appropriate is True and minutes.agencies == ["childrens_social_care", "school"]
    assert minutes.history.count() == 1
    row = AuditEvent.objects.get(object_type="looked_after.LookedAfterReviewMinutes")
    assert row.detail["event"] == "review_record"
    assert "mum" not in str(row.detail) and "narrative" in str(row.detail["changes"]["child_views"])


def test_a_review_without_minutes_adds_none(reviewed_by_iro, in_care):
    """Local: the minutes are optional when the review is recorded (they may follow)."""
    s.review_record(by=reviewed_by_iro, child_id=in_care.pk, review_date=REVIEW_DAY, participation="PN1")
    assert not LookedAfterReviewMinutes.objects.exists()


def test_only_the_childs_iro_records_the_review(reviewed_by_iro, worker, la, in_care, refused):
    """Children Act 1989 s25B and Care Planning Regulations 2010 reg 45 (IRO Handbook 2010 ch. 3):
    the review is chaired by the IRO appointed for the child; neither the social worker nor
    another IRO records it, and the refusal says whose it is."""
    for who in (worker, _other_iro(la)):
        exc = refused("local", s.review_record, by=who, child_id=in_care.pk, review_date=REVIEW_DAY,
                      participation="PN1", **MINUTES)
        assert "this review is chaired by the child's IRO, Ira Reviewer" in _messages(exc)
        assert {v.field for v in exc.violations} == {"chair"}


def test_a_review_needs_an_iro_allocated(iro, in_care, refused):
    """Children Act 1989 s25A: the council appoints an IRO for each looked-after child before
    the child's case is reviewed."""
    exc = refused("local", s.review_record, by=iro, child_id=in_care.pk, review_date=REVIEW_DAY,
                  participation="PN1")
    assert _messages(exc) == c.IRO_NEEDED


def test_the_iro_on_the_review_date_chairs_it(iro, la, allocate_iro, in_care, refused):
    """Children Act 1989 s25A-25B: the IRO is the one allocated on the day of the review. When a
    new IRO takes over, a review held before the change is the former IRO's, one held after it
    the new IRO's; and a review before any IRO was allocated has none."""
    allocate_iro(in_care, start_date=D(2023, 1, 20))
    later = _other_iro(la)
    allocate_iro(in_care, who=later, start_date=D(2023, 3, 1))
    exc = refused("local", s.review_record, by=later, child_id=in_care.pk, review_date=REVIEW_DAY,
                  participation="PN1")
    assert "IRO, Ira Reviewer" in _messages(exc)
    assert s.review_record(by=iro, child_id=in_care.pk, review_date=REVIEW_DAY, participation="PN1")
    assert s.review_record(by=later, child_id=in_care.pk, review_date=D(2023, 3, 10), participation="PN1")
    exc = refused("local", s.review_record, by=iro, child_id=in_care.pk, review_date=D(2023, 1, 15),
                  participation="PN1")
    assert _messages(exc) == c.IRO_NEEDED


def test_no_chair_rule_without_by(in_care, django_assert_num_queries):
    """SSDA903 returns carry no staff: the importer and the generator call the check without
    `by`, so a review with no IRO allocated is checked on its 903 rules only; the check reads the
    history in memory and never queries (here, and when it names the IRO it finds)."""
    history = ChildHistory.load(in_care.pk, lock=False)
    review = LookedAfterReview(period_of_care=c.open_period(history), review_date=REVIEW_DAY,
                               participation="PN1")
    checks = Checks()
    with django_assert_num_queries(0):
        c.check_review_record(history, review, checks)
        c.check_review_minutes(history, LookedAfterReviewMinutes(review=review, **MINUTES), checks,
                               review=review)
    assert not checks.violations
    with django_assert_num_queries(0):
        c.check_review_record(history, review, checks, by=User(pk=999))
    assert [v.message for v in checks.violations] == [c.IRO_NEEDED]


def test_the_chair_rule_reads_no_database(reviewed_by_iro, worker, in_care, django_assert_num_queries):
    """The pure check names the IRO only if the service loaded the worker with the history; it
    never queries for it."""
    history = ChildHistory.load(in_care.pk, lock=False)
    review = LookedAfterReview(period_of_care=c.open_period(history), review_date=REVIEW_DAY,
                               participation="PN1")
    checks = Checks()
    with django_assert_num_queries(0):
        c.check_review_record(history, review, checks, by=worker)
    assert "IRO, another worker" in checks.violations[0].message


# --- the minutes, written or corrected after the review --------------------------------------

def test_minutes_written_later_and_corrected_by_the_iro(reviewed_by_iro, in_care):
    """Care Planning Regulations 2010 reg 45 and IRO Handbook 2010 ch. 3: the IRO writes up the
    review after it; a correction keeps the earlier words in the minutes' history."""
    iro = reviewed_by_iro
    review = s.review_record(by=iro, child_id=in_care.pk, review_date=REVIEW_DAY, participation="PN1")
    first = s.review_minutes_record(by=iro, review_id=review.pk, attended="Foster carer",
                                    care_plan_appropriate=True)
    assert (first.chair_id, first.version) == (iro.pk, 1)
    again = s.review_minutes_record(by=iro, review_id=review.pk, expected_version=first.version,
                                    attended="Foster carer; social worker")
    assert again.pk == first.pk and again.version == 2 and again.care_plan_appropriate is True
    assert [h.attended for h in again.history.order_by("history_id")] == [
        "Foster carer", "Foster carer; social worker"]
    with pytest.raises(EditConflict):
        s.review_minutes_record(by=iro, review_id=review.pk, expected_version=1, attended="x")


def test_minutes_of_an_imported_review_are_the_iros(reviewed_by_iro, worker, in_care, refused):
    """Children Act 1989 s25B: a review on file with no minutes (imported from a return) is
    written up by the child's IRO on its date, who becomes the minutes' chair; no one else."""
    history = ChildHistory.load(in_care.pk, lock=False)
    review = LookedAfterReview.objects.create(period_of_care=c.open_period(history),
                                              review_date=REVIEW_DAY, participation="PN1")
    exc = refused("local", s.review_minutes_record, by=worker, review_id=review.pk,
                  attended="Foster carer")
    assert "IRO, Ira Reviewer" in _messages(exc)
    minutes = s.review_minutes_record(by=reviewed_by_iro, review_id=review.pk, attended="Foster carer")
    assert minutes.chair_id == reviewed_by_iro.pk


@pytest.mark.parametrize("fields,field", [
    ({"agencies": ["police", "ofsted"]}, "agencies"),
    ({"agencies": ["police", "police"]}, "agencies"),
    ({"decisions": "Placement continues.", "decision_reasons": "ok"}, "decision_reasons"),
    ({"care_plan_appropriate": False}, "decision_reasons"),
], ids=["unknown-agency", "agency-twice", "decision-without-reasons", "plan-not-appropriate"])
def test_minutes_refused(fields, field, reviewed_by_iro, in_care, refused):
    """Local rules from the Care Planning Regulations 2010 reg 36 and the IRO Handbook 2010
    ch. 3: agencies from the conference list, each once; decisions with their reasons; a care
    plan found no longer appropriate says why."""
    review = s.review_record(by=reviewed_by_iro, child_id=in_care.pk, review_date=REVIEW_DAY,
                             participation="PN1")
    exc = refused("local", s.review_minutes_record, by=reviewed_by_iro, review_id=review.pk, **fields)
    assert field in {v.field for v in exc.violations}


def test_unknown_minutes_fields_are_a_programming_error(reviewed_by_iro, in_care):
    review = s.review_record(by=reviewed_by_iro, child_id=in_care.pk, review_date=REVIEW_DAY,
                             participation="PN1")
    with pytest.raises(TypeError):
        s.review_minutes_record(by=reviewed_by_iro, review_id=review.pk, participation="PN2")


# --- the page's read -------------------------------------------------------------------------

def test_review_detail_in_a_fixed_number_of_queries(reviewed_by_iro, in_care, django_assert_num_queries):
    """The review page reads the review, its minutes and chair at once; someone the access
    policy does not open the child to gets nothing; a review with no minutes names the IRO
    allocated on its date."""
    review = s.review_record(by=reviewed_by_iro, child_id=in_care.pk, review_date=REVIEW_DAY,
                             participation="PN1", **MINUTES)
    iro = User.objects.get(pk=reviewed_by_iro.pk)  # a fresh request's user
    with django_assert_num_queries(1):
        detail = sel.review_detail(iro, review.pk)
        assert detail.chair.pk == iro.pk and detail.minutes.care_plan_appropriate is True
        assert detail.agencies == ("Children's social care", "School or education setting")
        assert detail.review.period_of_care.child.pk == in_care.pk
    lado = User.objects.create_user(username="lado1", password="x", role=User.Role.LADO,
                                    local_authority=iro.local_authority)
    assert sel.review_detail(lado, review.pk) is None
    bare = s.review_record(by=iro, child_id=in_care.pk, review_date=D(2023, 3, 1), participation="PN1")
    with django_assert_num_queries(2):
        detail = sel.review_detail(iro, bare.pk)
        assert detail.minutes is None and detail.chair.pk == iro.pk


# --- health assessments: the request, then the assessment -------------------------------------

def _clock(child, code) -> tuple:
    row = Clock.objects.get(child=child, code=code)
    return row.due_date, row.met_date


def test_a_request_meets_the_request_clock_but_not_the_assessment(worker, in_care):
    """Promoting the health and well-being of looked-after children (DfE/DHSC 2015): the IHA is
    done within 20 working days of entering care, so it is requested at once (T12Q); the request
    alone does not meet the assessment's clock (T12I). Completing it dates the request's own row:
    one assessment, one row, and T12I met."""
    ha = s.health_assessment_request(by=worker, child_id=in_care.pk, kind="IHA", requested_date=D0)
    assert ha.completed_date is None
    assert _clock(in_care, "T12Q")[1] == D0
    assert _clock(in_care, "T12I")[1] is None
    done = s.health_assessment_complete(by=worker, health_assessment_id=ha.pk,
                                        expected_version=ha.version, completed_date=D(2023, 2, 1))
    assert done.pk == ha.pk and HealthAssessment.objects.count() == 1
    assert HealthAssessment.objects.get().requested_date == D0
    assert _clock(in_care, "T12I")[1] == D(2023, 2, 1)
    rederive_clocks(in_care.pk)
    assert _clock(in_care, "T12I")[1] == D(2023, 2, 1)


def test_a_review_health_assessment_request_does_not_meet_t12r(worker, in_care):
    """Promoting the health of looked-after children 2015: review health assessments every six
    months under 5, yearly from 5 (T12R, from the IHA); a requested RHA not yet done leaves the
    clock open."""
    s.health_assessment_record(by=worker, child_id=in_care.pk, kind="IHA", completed_date=D(2023, 1, 20))
    s.health_assessment_request(by=worker, child_id=in_care.pk, kind="RHA", requested_date=D(2023, 3, 1))
    rows = list(Clock.objects.filter(child=in_care, code="T12R"))
    assert len(rows) == 1 and rows[0].met_date is None


def test_a_request_is_not_made_twice(worker, in_care, refused):
    """Local: a request of the same kind still waiting is completed, not asked again (one
    assessment, one row); another kind may be requested."""
    s.health_assessment_request(by=worker, child_id=in_care.pk, kind="IHA", requested_date=D0)
    exc = refused("local", s.health_assessment_request, by=worker, child_id=in_care.pk, kind="IHA",
                  requested_date=D(2023, 1, 12))
    assert "record it as done" in _messages(exc)
    assert s.health_assessment_request(by=worker, child_id=in_care.pk, kind="DENTAL",
                                       requested_date=D(2023, 1, 12))


@pytest.mark.parametrize("kw", [
    {"requested_date": D(2022, 12, 1)},
    {"requested_date": dt.date.today() + dt.timedelta(days=1)},
    {"kind": "XYZ"},
], ids=["not-looked-after", "future", "kind"])
def test_a_request_refused(kw, worker, in_care, refused):
    """Local (Promoting the health of looked-after children 2015): a request is for a child
    looked after on the day, not in the future, of a known kind."""
    refused("local", s.health_assessment_request, by=worker, child_id=in_care.pk,
            **{"kind": "IHA", "requested_date": D0, **kw})


def test_completion_refused_before_the_request_or_stale(worker, in_care, refused):
    """Local: an assessment is not done before it was asked for; a completion made on an out of
    date copy of the request is refused."""
    ha = s.health_assessment_request(by=worker, child_id=in_care.pk, kind="IHA",
                                     requested_date=D(2023, 1, 12))
    refused("local", s.health_assessment_complete, by=worker, health_assessment_id=ha.pk,
            expected_version=ha.version, completed_date=D(2023, 1, 11))
    with pytest.raises(EditConflict):
        s.health_assessment_complete(by=worker, health_assessment_id=ha.pk,
                                     expected_version=ha.version + 1, completed_date=D(2023, 2, 1))
