"""Who authorises an assessment, read from the council's table of decisions (issue 17).

Source: Working Together to Safeguard Children 2023, ch. 2 (management oversight of assessments)
[L]: a team manager, or their delegate, authorises or returns it."""

from __future__ import annotations

import datetime as dt

import pytest

from safeguard.access import services
from safeguard.assessment import services as asmt
from safeguard.core.errors import RecordInvalid, today
from safeguard.front_door.models import Referral
from safeguard.workforce.models import User

from .helpers import submit

D = dt.date


@pytest.fixture
def submitted(worker, child):
    referral = Referral.objects.create(child=child, referral_date=D(2024, 1, 10), source="2A")
    a = asmt.assessment_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 11))
    return submit(worker, a)


def authorise(by, a):
    return asmt.assessment_authorise(by=by, assessment_id=a.pk, expected_version=a.version,
                                     authorisation_date=D(2024, 2, 1), factors=["3B"],
                                     requires_support=True)


def test_the_worker_cannot_authorise_their_own_assessment(worker, submitted):
    """[L] Working Together 2023 ch. 2: the refusal names the field and who decides."""
    with pytest.raises(RecordInvalid) as exc:
        authorise(worker, submitted)
    [v] = [v for v in exc.value.violations if v.field == "authorised_by"]
    assert v.message == ("authorising (or returning) an assessment is decided by a team manager "
                         "(or their delegate)")


def test_an_iro_cannot_return_it(iro, submitted):
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_return(by=iro, assessment_id=submitted.pk, expected_version=submitted.version,
                               comments="Please add the school's view.")
    assert "decided_by" in {v.field for v in exc.value.violations}


def test_the_managers_delegate_authorises(manager, la, submitted):
    """Issue 17 ("their manager, or delegate"), for the delegation's period."""
    senior = User.objects.create_user(username="senior", password="x", role=User.Role.SOCIAL_WORKER,
                                      local_authority=la)
    services.decision_delegate(by=manager, delegate_id=senior.pk, starts_on=today(), ends_on=today(),
                               reason="Annual leave: the senior practitioner decides.")
    a = authorise(User.objects.get(pk=senior.pk), submitted)
    assert a.authorised_by == senior and a.status == "authorised"
