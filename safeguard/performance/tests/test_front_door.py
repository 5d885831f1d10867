"""Front door indicators (INDICATORS.md B1) on hand-built referrals."""

import datetime as dt

import pytest

from .conftest import drill, figure, period

D = dt.date
YEAR = period(D(2025, 4, 1), D(2026, 3, 31))


@pytest.mark.django_db
def test_re_referral_within_12_months_uses_full_history_and_is_inclusive(la, front, make_child):
    """INDICATORS.md FD-05 and F4 (DfE re-referrals methodology): a referral within 12 calendar
    months of a previous one, whatever its outcome and whichever reporting year it fell in; exactly
    12 months later still counts, one day more does not."""
    a, b, c, d = (make_child() for _ in range(4))
    # a: previous referral (NFA, closed same day) in the previous reporting year, exactly 12 months before.
    r = front.refer(a, D(2024, 6, 10))
    front.close(r, D(2024, 6, 10))
    front.refer(a, D(2025, 6, 10))
    # b: previous referral 12 months and one day before: not a re-referral.
    r = front.refer(b, D(2024, 6, 9))
    front.close(r, D(2024, 7, 1))
    front.refer(b, D(2025, 6, 10))
    # c: first referral ever.
    front.refer(c, D(2025, 8, 1))
    # d: two referrals in the year, the second a re-referral.
    r = front.refer(d, D(2025, 5, 1))
    front.close(r, D(2025, 5, 20))
    front.refer(d, D(2025, 11, 3))

    result = figure("FD-05", la, YEAR)
    assert (result.numerator, result.denominator, result.value) == (2, 5, 40.0)
    counted = {(r["k_child"], str(r["referral_date"])): r["in_numerator"] for r in drill("FD-05", la, YEAR)}
    assert counted[(a.pk, "2025-06-10")] and counted[(d.pk, "2025-11-03")]
    assert not counted[(b.pk, "2025-06-10")] and not counted[(c.pk, "2025-08-01")]
    assert figure("FD-03", la, YEAR).value == 5


@pytest.mark.django_db
def test_re_referral_lookback_from_29_february(la, front, make_child):
    """§0.4 calendar months clamp: 12 months before 28 February 2025 is 28 February 2024, so a
    referral on 29 February 2024 is within 12 months of one on 28 February 2025."""
    a = make_child()
    r = front.refer(a, D(2024, 2, 29))
    front.close(r, D(2024, 3, 1))
    front.refer(a, D(2025, 2, 28))
    assert figure("FD-05", la, period(D(2025, 2, 1), D(2025, 2, 28))).numerator == 1


@pytest.mark.django_db
def test_referral_outcomes_and_conversion(la, front, make_child, worker, manager):
    """FD-06a/b (CIN census ReferralNFA, RC8/RC9) and FD-07 (assessment started in the episode)."""
    from safeguard.assessment.services import assessment_authorise, assessment_start
    from safeguard.assessment.tests.helpers import submit
    from safeguard.front_door.models import Referral

    a, b, c = make_child(), make_child(), make_child()
    ra = front.refer(a, D(2025, 5, 1))
    Referral.objects.filter(pk=ra.pk).update(referral_nfa=True)
    front.close(ra, D(2025, 5, 1))
    rb = front.refer(b, D(2025, 5, 2))
    a1 = assessment_start(by=worker, referral_id=rb.pk, start_date=D(2025, 5, 6))
    submit(worker, a1, factors=["1A"], requires_support=False, outcome="nfa")
    assessment_authorise(
        by=manager,
        assessment_id=a1.pk,
        expected_version=None,
        authorisation_date=D(2025, 6, 20),
        factors=["1A"],
        requires_support=False,
    )
    front.close(rb, D(2025, 7, 1), "RC9")
    front.refer(c, D(2025, 5, 3))
    nfa, not_in_need, converted = (figure(i, la, YEAR) for i in ("FD-06A", "FD-06B", "FD-07"))
    assert (nfa.numerator, nfa.denominator) == (1, 3)
    assert (not_in_need.numerator, not_in_need.denominator) == (1, 3)
    assert (converted.numerator, converted.denominator) == (1, 3)


@pytest.mark.django_db
def test_referral_rate_per_10000_uses_mid_year_t_minus_1(la, front, make_child, population):
    """FD-04 and F6: rate = referrals / population 0-17 (mid-(t-1)) x 10,000, 1 dp."""
    for n in range(3):
        front.refer(make_child(), D(2025, 4, 10 + n))
    result = figure("FD-04", la, period(D(2025, 4, 1), D(2025, 9, 30)))  # rolling 12 months to 30 Sep 2025
    assert (result.numerator, result.denominator, result.value) == (3, 10_000, 3.0)


@pytest.mark.django_db
def test_contacts_and_conversion(la, make_child, worker, manager):
    """FD-01/FD-02: contacts in the period; the share decided as referrals."""
    from django.utils import timezone

    from safeguard.front_door.services import contact_decide, contact_record

    child = make_child()
    when = timezone.make_aware(dt.datetime(2025, 6, 2, 10, 0))
    c1 = contact_record(by=worker, child_id=child.pk, received_at=when, source="1A")
    contact_record(by=worker, child_id=child.pk, received_at=when + dt.timedelta(days=1), source="1A")
    contact_decide(
        by=manager,  # the contact decision is a team manager's (issue 17: the table of decisions)
        contact_id=c1.pk,
        expected_version=None,
        decision="referral",
        decided_at=when + dt.timedelta(hours=2),
    )
    assert figure("FD-01", la, YEAR).value == 2
    conv = figure("FD-02", la, YEAR)
    assert (conv.numerator, conv.denominator, conv.value) == (1, 2, 50.0)
