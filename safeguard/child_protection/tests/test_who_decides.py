"""Who decides in child protection, read from the council's table of decisions (issue 17).

Sources: Working Together to Safeguard Children 2023, ch. 3 (the section 47 outcome is a
management decision [L]; the conference is chaired by a professional independent of line
management of the case, who alone records it and starts the plan it decides: not changeable);
the council's legal planning meeting for pre-proceedings [L]."""

from __future__ import annotations

import pytest

from safeguard.access import policy, services
from safeguard.child_protection import services as cp
from safeguard.core.errors import RecordInvalid, today
from safeguard.workforce.models import User

from .test_decisions import REASONS, REVIEW, D, plan, refused, s47


@pytest.fixture
def referral(child):
    from safeguard.front_door.models import Referral

    return Referral.objects.create(child=child, referral_date=D(2024, 1, 8), source="6")


@pytest.fixture
def admin(la):
    return User.objects.create_user(username="admin1", password="x", role=User.Role.ADMINISTRATOR,
                                    local_authority=la)


def fresh(user):
    return User.objects.get(pk=user.pk)


def test_s47_outcome_by_the_managers_delegate(manager, worker, referral, la):
    """Issue 17 ("their manager, or delegate"): a senior practitioner decides while delegated."""
    senior = User.objects.create_user(username="senior", password="x", role=User.Role.SOCIAL_WORKER,
                                      local_authority=la)
    enquiry = s47(worker, referral)
    services.decision_delegate(by=manager, delegate_id=senior.pk, starts_on=today(), ends_on=today(),
                               reason="Annual leave: the senior practitioner decides.")
    decided = cp.section47_record_outcome(by=fresh(senior), section47_id=enquiry.pk,
                                          expected_version=enquiry.version, end_date=D(2024, 1, 12),
                                          outcome="icpc", icpc_not_required=False, rationale=REASONS)
    assert decided.outcome == "icpc" and decided.decision.decided_by == senior


def test_s47_outcome_refusal_names_the_decider(worker, referral):
    """[L] Working Together 2023 ch. 3: the refusal names who decides, from the table."""
    enquiry = s47(worker, referral)
    [message] = refused("outcome", cp.section47_record_outcome, by=worker, section47_id=enquiry.pk,
                        expected_version=enquiry.version, end_date=D(2024, 1, 12), outcome="icpc",
                        icpc_not_required=False, rationale=REASONS)
    assert message.startswith("the outcome of a section 47 enquiry is decided by a team manager")


def test_council_may_let_the_social_worker_end_a_plan(admin, worker, iro, referral):
    """[L] ending a plan is a changeable row: a council may add the social worker to it."""
    p = plan(worker, iro, referral)
    refused("end_reason", cp.cp_plan_end, by=worker, cp_plan_id=p.pk, expected_version=p.version,
            end_date=REVIEW, end_reason="no_longer_at_risk")
    services.decision_rule_change(by=admin, code=policy.CP_PLAN_END,
                                  roles=["iro", "team_manager", "social_worker"],
                                  reason="Decided at the review; the worker records it.")
    ended = cp.cp_plan_end(by=fresh(worker), cp_plan_id=p.pk, expected_version=p.version,
                           end_date=REVIEW, end_reason="no_longer_at_risk")
    assert ended.end_date == REVIEW


def test_a_managers_delegate_does_not_chair_a_conference(manager, worker, iro, referral):
    """Working Together 2023 ch. 3: the chair's decisions are no manager's to delegate."""
    services.decision_delegate(by=manager, delegate_id=worker.pk, starts_on=today(), ends_on=today(),
                               reason="Annual leave: the senior practitioner decides.")
    assert not policy.may_decide(fresh(worker), policy.CONFERENCE)
    enquiry = s47(worker, referral)
    with pytest.raises(RecordInvalid) as exc:
        cp.conference_record(by=fresh(worker), chair=fresh(worker), referral_id=referral.pk,
                             kind="initial", held_on=D(2024, 1, 15), section47_id=enquiry.pk,
                             plan_required=True)
    assert "chair" in {v.field for v in exc.value.violations}


def test_pre_proceedings_step_decision_is_a_managers(worker, manager, referral):
    """[L] the decision to issue proceedings or step down is a manager's (the legal planning
    meeting); the worker records the letters and meetings."""
    pp = cp.pre_proceedings_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 10))
    with pytest.raises(RecordInvalid) as exc:
        cp.pre_proceedings_update(by=worker, pre_proceedings_id=pp.pk, expected_version=pp.version,
                                  step_decision_date=D(2024, 1, 20))
    [v] = exc.value.violations
    assert v.field == "step_decision_date" and "decided by a team manager" in v.message
    pp = cp.pre_proceedings_update(by=manager, pre_proceedings_id=pp.pk, expected_version=pp.version,
                                   step_decision_date=D(2024, 1, 20))
    assert pp.step_decision_date == D(2024, 1, 20)
