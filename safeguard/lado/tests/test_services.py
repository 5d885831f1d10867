"""Entry rules for allegations (KCSIE Part 4; Working Together 2023; local LADO procedures)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from safeguard.audit.models import AuditEvent
from safeguard.core.errors import EditConflict, RecordInvalid
from safeguard.lado import services
from safeguard.lado.models import Allegation, Review, StrategyMeeting
from safeguard.timescales.models import Clock

D = dt.date


def _snapshot():
    return (Allegation.objects.count(), StrategyMeeting.objects.count(), Review.objects.count(),
            Clock.objects.count(), AuditEvent.objects.count(),
            list(Allegation.objects.order_by("pk").values_list("version", "closure_date", "outcome")))


def refused(rule, fn, **kwargs):
    """Call the service, expect RecordInvalid with `rule`, and check nothing changed."""
    before = _snapshot()
    with pytest.raises(RecordInvalid) as exc:
        fn(**kwargs)
    assert rule in exc.value.rules, exc.value.violations
    assert _snapshot() == before
    return exc.value


def record(lado, la, **fields):
    base = dict(by=lado, local_authority=la, reference="R1", referral_date=D(2016, 5, 10),
                referring_agency="education")
    base.update(fields)
    return base


def test_record_creates_audits_and_starts_clocks(lado, la):
    """KCSIE Part 4: the LADO records each referral; Working Together: referral within 1 working day."""
    a = services.allegation_record(**record(lado, la, employer_aware_date=D(2016, 5, 9)))
    assert a.version == 1
    event = AuditEvent.objects.get(action="create", object_type="lado.Allegation")
    assert event.object_id == str(a.pk) and event.child_id is None
    assert set(Clock.objects.filter(subject_id=a.pk).values_list("code", flat=True)) == {"T16R", "T16C"}
    assert Clock.objects.filter(subject_id=a.pk, child__isnull=True).count() == 2


def test_reference_required(lado, la):
    """Local rule: each allegation carries the LADO's reference (LADO procedures)."""
    refused("local", services.allegation_record, **record(lado, la, reference=" "))


def test_reference_unique(lado, la):
    """Local rule: references identify one allegation each (LADO procedures)."""
    services.allegation_record(**record(lado, la))
    err = refused("local", services.allegation_record, **record(lado, la))
    assert {v.field for v in err.violations} == {"reference"}


def test_referral_not_in_future(lado, la):
    """Local rule: a referral cannot be received after today (Working Together 2023)."""
    refused("local", services.allegation_record,
            **record(lado, la, referral_date=dt.date.today() + dt.timedelta(days=1)))


def test_employer_aware_not_after_referral(lado, la):
    """Working Together / KCSIE: the employer refers once aware, so awareness precedes referral."""
    err = refused("local", services.allegation_record,
                  **record(lado, la, employer_aware_date=D(2016, 5, 11)))
    assert err.violations[0].field == "employer_aware_date"


@pytest.mark.parametrize("field,value", [("referring_agency", "school"), ("referring_agency", ""),
                                         ("employing_agency", "x"), ("setting", "x"),
                                         ("category_of_harm", "x"), ("response", "x")])
def test_codes_valid(lado, la, field, value):
    """Local rule: categories are the LADO annual report's categories (INDICATORS.md B11)."""
    err = refused("local", services.allegation_record, **record(lado, la, **{field: value}))
    assert err.violations[0].field == field


def test_response_date_not_before_referral(lado, la):
    """Local rule: the threshold decision follows the referral (LADO procedures)."""
    a = services.allegation_record(**record(lado, la))
    refused("local", services.allegation_record_response, by=lado, allegation_id=a.pk,
            expected_version=a.version, response="threshold_met", response_date=D(2016, 5, 9))


def test_meeting_needs_threshold_met(make_allegation, lado):
    """Local LADO procedures: a strategy meeting follows a decision that the threshold is met."""
    a = make_allegation(response="consultation")
    refused("local", services.strategy_meeting_record, by=lado, allegation_id=a.pk,
            expected_version=a.version, held_on=D(2016, 5, 12))


def test_meeting_not_before_decision(make_allegation, lado):
    """Local LADO procedures: strategy meeting within 5 working days *after* the threshold decision."""
    a = make_allegation()
    refused("local", services.strategy_meeting_record, by=lado, allegation_id=a.pk,
            expected_version=a.version, held_on=D(2016, 5, 9))


def test_review_needs_meeting(make_allegation, lado):
    """Local LADO procedures: reviews follow a strategy meeting (every 4 weeks)."""
    a = make_allegation()
    refused("local", services.review_record, by=lado, allegation_id=a.pk,
            expected_version=a.version, held_on=D(2016, 6, 10))


def test_closure_not_before_referral(make_allegation, lado):
    """Local rule: an allegation is concluded after it is referred (KCSIE Part 4)."""
    a = make_allegation(response="nfa")
    refused("local", services.allegation_close, by=lado, allegation_id=a.pk,
            expected_version=a.version, closure_date=D(2016, 5, 1))


def test_closure_needs_response(make_allegation, lado):
    """Local rule: the LADO decides the response before closing (LADO procedures)."""
    a = make_allegation(response="")
    refused("local", services.allegation_close, by=lado, allegation_id=a.pk,
            expected_version=a.version, closure_date=D(2016, 5, 20))


def test_threshold_met_closure_needs_outcome(make_allegation, lado):
    """KCSIE Part 4: every allegation investigated is concluded with one of the defined outcomes."""
    a = make_allegation(meeting=D(2016, 5, 12))
    refused("KCSIE", services.allegation_close, by=lado, allegation_id=a.pk,
            expected_version=a.version, closure_date=D(2016, 6, 1))


def test_outcome_only_for_threshold_met(make_allegation, lado):
    """KCSIE Part 4: outcomes (substantiated, false ...) conclude investigated allegations only."""
    a = make_allegation(response="consultation")
    refused("KCSIE", services.allegation_close, by=lado, allegation_id=a.pk,
            expected_version=a.version, closure_date=D(2016, 5, 11), outcome="substantiated")


def test_outcome_code_valid(make_allegation, lado):
    """KCSIE Part 4: outcome is one of substantiated, unsubstantiated, unfounded, false, malicious."""
    a = make_allegation(meeting=D(2016, 5, 12))
    refused("KCSIE", services.allegation_close, by=lado, allegation_id=a.pk,
            expected_version=a.version, closure_date=D(2016, 6, 1), outcome="proven")


def test_closure_not_before_meeting(make_allegation, lado):
    """Local rule: meetings and reviews happen while the allegation is open (LADO procedures)."""
    a = make_allegation(meeting=D(2016, 5, 20))
    refused("local", services.allegation_close, by=lado, allegation_id=a.pk,
            expected_version=a.version, closure_date=D(2016, 5, 15), outcome="false")


def test_cannot_close_twice(make_allegation, lado):
    """Local rule: a concluded allegation is corrected with allegation_update, not closed again."""
    a = make_allegation(response="nfa", closure=D(2016, 5, 11))
    refused("local", services.allegation_close, by=lado, allegation_id=a.pk,
            expected_version=a.version, closure_date=D(2016, 5, 12))


def test_employer_action_needs_closure(make_allegation, lado):
    """Local rule: the employer's action is recorded at conclusion (KCSIE Part 4)."""
    a = make_allegation(response="nfa")
    refused("local", services.allegation_update, by=lado, allegation_id=a.pk,
            expected_version=a.version, employer_action="dismissal")


def test_close_with_outcome_and_action(make_allegation, lado):
    """KCSIE Part 4: outcome and employer action recorded at conclusion; clocks stop."""
    a = make_allegation(meeting=D(2016, 5, 12), closure=D(2016, 6, 1), outcome="substantiated",
                        employer_action="dismissal")
    assert (a.outcome, a.employer_action, a.closure_date) == ("substantiated", "dismissal", D(2016, 6, 1))
    t16c = Clock.objects.get(code="T16C", subject_id=a.pk)
    assert t16c.met_date == D(2016, 6, 1)


def test_only_lado_records(worker, la):
    """KCSIE Part 4: allegations are managed by the designated officer; others cannot record."""
    with pytest.raises(PermissionDenied):
        services.allegation_record(**record(worker, la))
    assert Allegation.objects.count() == 0


def test_edit_conflict(make_allegation, lado):
    """Two LADO edits from the same version: the second is refused, not silently overwritten."""
    a = make_allegation(response="nfa")
    services.allegation_update(by=lado, allegation_id=a.pk, expected_version=a.version, role="Coach")
    with pytest.raises(EditConflict):
        services.allegation_update(by=lado, allegation_id=a.pk, expected_version=a.version,
                                   role="Driver")
    a.refresh_from_db()
    assert a.role == "Coach"


def test_meeting_moves_version(make_allegation, lado):
    """A meeting recorded by someone else makes an older form stale (no lost update)."""
    a = make_allegation()
    services.strategy_meeting_record(by=lado, allegation_id=a.pk, expected_version=a.version,
                                     held_on=D(2016, 5, 12))
    with pytest.raises(EditConflict):
        services.allegation_close(by=lado, allegation_id=a.pk, expected_version=a.version,
                                  closure_date=D(2016, 6, 1), outcome="false")
