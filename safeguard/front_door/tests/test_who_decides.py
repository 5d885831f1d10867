"""Who decides at the front door, read from the council's table of decisions (issue 17).

Sources: Working Together to Safeguard Children 2023, ch. 2 (a local authority social worker
acknowledges a referral and decides next steps, with management oversight) and the council's
local closure procedure [L]. The CIN census importer and the generator call the checks with no
`decider`: a return carries no staff, so no rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from safeguard.access import policy, services
from safeguard.core.errors import Checks, RecordInvalid, today
from safeguard.front_door import checks as fdc
from safeguard.front_door import services as fd
from safeguard.front_door.models import Contact, Referral
from safeguard.record.history import ChildHistory
from safeguard.workforce.models import User

D = dt.date
REASON = "The council's decision of 1 April on front door decisions."


def at(y: int, m: int, d: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, hour, 0))


@pytest.fixture
def admin(la):
    return User.objects.create_user(username="admin1", password="x", role=User.Role.ADMINISTRATOR,
                                    local_authority=la)


@pytest.fixture
def contact(worker, child) -> Contact:
    return fd.contact_record(by=worker, child_id=child.pk, received_at=at(2024, 1, 9), source="2A")


def fresh(user):
    return User.objects.get(pk=user.pk)


def test_contact_decision_is_a_managers(worker, contact):
    """[L] Working Together 2023 ch. 2: the decision on a contact is made with management
    oversight; the refusal names the field and who decides."""
    with pytest.raises(RecordInvalid) as exc:
        fd.contact_decide(by=worker, contact_id=contact.pk, expected_version=contact.version,
                          decision="referral", decided_at=at(2024, 1, 10))
    [v] = [v for v in exc.value.violations if v.field == "decision"]
    assert v.rule == "local" and "decided by a team manager" in v.message
    assert not Referral.objects.exists() and Contact.objects.get(pk=contact.pk).decision == ""


def test_council_may_let_the_social_worker_decide_a_contact(admin, worker, contact):
    """[L] a local rule the council changes in its table: then the worker decides."""
    services.decision_rule_change(by=admin, code=policy.CONTACT_DECISION,
                                  roles=["team_manager", "social_worker"], reason=REASON)
    c = fd.contact_decide(by=fresh(worker), contact_id=contact.pk, expected_version=contact.version,
                          decision="advice", decided_at=at(2024, 1, 10))
    assert c.decided_by == worker


def test_referral_closure_by_the_social_worker_when_the_council_allows_it(admin, worker, manager, child):
    """[L] closure is a manager's unless the council lets the worker close without one."""
    r = fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 1, 10), source="2A",
                         primary_need="N1")
    args = dict(referral_id=r.pk, expected_version=r.version, closure_date=D(2024, 3, 1),
                reason_for_closure="RC7", rationale="Needs met; family supported by school.")
    with pytest.raises(RecordInvalid) as exc:
        fd.referral_close(by=worker, authorised_by=worker, **args)
    assert "closure_authorised_by" in {v.field for v in exc.value.violations}
    services.decision_rule_change(by=admin, code=policy.REFERRAL_CLOSURE,
                                  roles=["team_manager", "social_worker"], reason=REASON)
    closed = fd.referral_close(by=fresh(worker), authorised_by=fresh(worker), **args)
    assert closed.closure_authorised_by == worker


def test_the_managers_delegate_decides_the_response(manager, worker, child):
    """Issue 17 ("their manager, or delegate"): in the delegation's period the delegate decides."""
    r = fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 1, 10), source="2A")
    services.decision_delegate(by=manager, delegate_id=worker.pk, starts_on=today(), ends_on=today(),
                               reason="Annual leave: the senior practitioner decides.")
    r = fd.referral_record_response(by=fresh(worker), referral_id=r.pk, expected_version=r.version,
                                    response="assessment", response_date=D(2024, 1, 11))
    assert r.response_by == worker


def test_no_decider_no_rule(worker, contact):
    """The importer and the generator hand no `decider` (a return carries no staff)."""
    history = ChildHistory.load(contact.child_id, lock=False)
    candidate = history.for_edit("contacts", contact.pk, contact.version)
    candidate.decision, candidate.decided_at = "advice", at(2024, 1, 10)
    checks = Checks()
    fdc.check_contact_decide(history, candidate, checks)
    assert checks.violations == []
    checks = Checks()
    fdc.check_contact_decide(history, candidate, checks,
                             decider=policy.decider(worker, policy.CONTACT_DECISION))
    assert [v.field for v in checks.violations] == ["decision"]
