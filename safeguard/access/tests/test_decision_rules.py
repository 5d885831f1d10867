"""The council's one table of decisions that need a manager (issue 17): who decides, read by
`policy.may_decide`, changed only by an administrator and only where the law leaves it to the
council, with a manager's decisions delegated for a period.

Sources: Working Together to Safeguard Children 2023, ch. 2 (the referral decision and assessments
with management oversight) and ch. 3 (the section 47 outcome; the conference chaired by a
professional independent of line management of the case); Children Act 1989 ss. 25A-25B (the
looked-after child's IRO). Rules marked [L] are local: the council may change them."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest

from safeguard.access import policy, selectors, services
from safeguard.access.models import DecisionDelegation, DecisionRule
from safeguard.audit.models import AuditEvent
from safeguard.core.errors import RecordInvalid, today
from safeguard.workforce.models import User

CODES = {
    policy.CONTACT_DECISION, policy.REFERRAL_RESPONSE, policy.ASSESSMENT_AUTHORISATION,
    policy.SECTION47_OUTCOME, policy.REFERRAL_CLOSURE, policy.PRE_PROCEEDINGS_DECISION,
    policy.CONFERENCE, policy.CP_PLAN_START, policy.CP_PLAN_END, policy.LOOKED_AFTER_REVIEW,
}
REASON = "The council's decision of 1 April: closures of no-further-action referrals."


@pytest.fixture
def admin(la):
    return User.objects.create_user(username="admin1", password="x", role=User.Role.ADMINISTRATOR,
                                    local_authority=la)


def fresh(user):
    """The user as the next request loads them (no answers remembered)."""
    return User.objects.get(pk=user.pk)


def fields(exc) -> set[str]:
    return {v.field for v in exc.value.violations}


# --- the table as seeded ------------------------------------------------------------------------

def test_the_table_is_seeded_with_every_decision(db):
    """Issue 17: one table the council can read; the migration writes the defaults policy names."""
    rows = {r.code: r for r in DecisionRule.objects.all()}
    assert set(rows) == CODES
    migration = importlib.import_module("safeguard.access.migrations.0005_seed_decision_rules")
    assert [(c, label, roles, ch, loc, src) for c, label, roles, ch, loc, src in migration.ROWS] == [
        (d.code, d.label, list(d.roles), d.changeable, d.local, d.source) for d in policy.DECISION_DEFAULTS]
    for code in (policy.CONTACT_DECISION, policy.ASSESSMENT_AUTHORISATION, policy.SECTION47_OUTCOME,
                 policy.REFERRAL_CLOSURE):
        assert rows[code].roles == ["team_manager"] and rows[code].changeable and rows[code].local
    for code in (policy.CONFERENCE, policy.CP_PLAN_START, policy.LOOKED_AFTER_REVIEW):
        assert rows[code].roles == ["iro"] and not rows[code].changeable and not rows[code].local
    assert set(rows[policy.CP_PLAN_END].roles) == {"iro", "team_manager"}
    assert "Working Together" in rows[policy.CONTACT_DECISION].source
    assert "25A" in rows[policy.LOOKED_AFTER_REVIEW].source


def test_who_may_decide_by_default(worker, manager, iro):
    """Working Together 2023 ch. 2-3: the manager decides referrals, assessments, S47 outcomes and
    closures; the IRO / CP chair records conferences and starts plans; either ends a plan."""
    assert policy.may_decide(manager, policy.CONTACT_DECISION)
    assert not policy.may_decide(worker, policy.CONTACT_DECISION)
    assert not policy.may_decide(iro, policy.ASSESSMENT_AUTHORISATION)
    assert policy.may_decide(iro, policy.CONFERENCE) and not policy.may_decide(manager, policy.CONFERENCE)
    assert policy.may_decide(iro, policy.CP_PLAN_END) and policy.may_decide(manager, policy.CP_PLAN_END)
    assert not policy.may_decide(worker, policy.CP_PLAN_END)
    assert not policy.may_decide(None, policy.CONTACT_DECISION)
    with pytest.raises(KeyError):
        policy.may_decide(manager, "no_such_decision")


def test_messages_name_who_decides(worker):
    """The refusal says whose decision it is."""
    assert policy.deciders(policy.REFERRAL_CLOSURE) == (
        "this decision is a team manager's (or their delegate's)")
    assert policy.deciders(policy.CONFERENCE) == "this decision is the IRO or CP chair's"
    assert policy.deciders(policy.CP_PLAN_END) == (
        "this decision is the IRO or CP chair's or a team manager's (or their delegate's)")
    d = policy.decider(worker, policy.SECTION47_OUTCOME)
    assert not d.allowed
    assert d.message == "the outcome of a section 47 enquiry is decided by a team manager (or their delegate)"


def test_one_query_per_request(worker, django_assert_num_queries):
    """The table is read once per request (remembered on the user object), whatever is asked."""
    user = fresh(worker)
    with django_assert_num_queries(1):
        for code in CODES:
            policy.may_decide(user, code)


def test_a_table_emptied_falls_back_to_the_defaults(worker, manager):
    """A lost row never opens a decision to everyone: the default stands in for it."""
    DecisionRule.objects.all().delete()
    assert policy.may_decide(fresh(manager), policy.CONTACT_DECISION)
    assert not policy.may_decide(fresh(worker), policy.CONTACT_DECISION)
    assert {r.code for r in selectors.decision_rules()} == CODES


# --- the council changes a local rule ----------------------------------------------------------

def test_council_lets_the_social_worker_close_a_referral(admin, worker, manager):
    """[L] a council may let the social worker close a referral without a manager; the change is
    audited in the one shape and the row's history keeps the reason."""
    assert not policy.may_decide(worker, policy.REFERRAL_CLOSURE)
    row = services.decision_rule_change(by=admin, code=policy.REFERRAL_CLOSURE,
                                        roles=["team_manager", "social_worker"], reason=REASON)
    assert row.roles == ["social_worker", "team_manager"] and row.changed_by == admin
    assert policy.may_decide(fresh(worker), policy.REFERRAL_CLOSURE)
    assert policy.may_decide(fresh(manager), policy.REFERRAL_CLOSURE)
    event = AuditEvent.objects.get(detail__event="decision_rule_change")
    assert event.actor == admin and event.action == "update" and event.reason == REASON
    assert "roles" in event.detail["changes"]
    history = selectors.decision_rule_history(policy.REFERRAL_CLOSURE)
    assert history[0].history_change_reason == REASON and history[0].history_user == admin
    # The seed (a migration) wrote no version; the audit keeps the roles before the change.
    assert event.detail["changes"]["roles"][0] == str(["team_manager"])


def test_council_lets_an_iro_decide_too(admin, iro):
    """[L] e.g. an IRO may also decide a section 47 outcome, if the council says so."""
    services.decision_rule_change(by=admin, code=policy.SECTION47_OUTCOME, roles=["team_manager", "iro"],
                                  reason=REASON)
    assert policy.may_decide(fresh(iro), policy.SECTION47_OUTCOME)


@pytest.mark.parametrize("code", [policy.CONFERENCE, policy.CP_PLAN_START, policy.LOOKED_AFTER_REVIEW])
def test_a_statutory_row_cannot_be_changed(admin, code):
    """Working Together 2023 ch. 3 / Children Act 1989 s25A-B: the chair and the IRO are set by law."""
    with pytest.raises(RecordInvalid) as exc:
        services.decision_rule_change(by=admin, code=code, roles=["iro", "team_manager"], reason=REASON)
    assert fields(exc) == {"code"}
    assert DecisionRule.objects.get(code=code).roles == ["iro"]
    assert not AuditEvent.objects.filter(detail__event="decision_rule_change").exists()


@pytest.mark.parametrize("roles", [[], ["councillor"], ["analyst", "administrator"]])
def test_a_row_no_role_could_decide_is_refused(admin, roles):
    """A decision someone must take cannot be left to no practitioner."""
    with pytest.raises(RecordInvalid) as exc:
        services.decision_rule_change(by=admin, code=policy.CONTACT_DECISION, roles=roles, reason=REASON)
    assert "roles" in fields(exc)
    assert DecisionRule.objects.get(code=policy.CONTACT_DECISION).roles == ["team_manager"]


def test_only_an_administrator_changes_the_table_with_a_reason(admin, manager):
    with pytest.raises(RecordInvalid) as exc:
        services.decision_rule_change(by=manager, code=policy.CONTACT_DECISION,
                                      roles=["social_worker"], reason=REASON)
    assert fields(exc) == {"code"}
    with pytest.raises(RecordInvalid) as exc:
        services.decision_rule_change(by=admin, code=policy.CONTACT_DECISION, roles=["social_worker"],
                                      reason="because")
    assert fields(exc) == {"reason"}
    with pytest.raises(RecordInvalid) as exc:
        services.decision_rule_change(by=admin, code="no_such_decision", roles=["social_worker"],
                                      reason=REASON)
    assert fields(exc) == {"code"}


# --- a manager's delegate -----------------------------------------------------------------------

def delegate(manager, to, *, start=0, end=7):
    return services.decision_delegate(by=manager, delegate_id=to.pk,
                                      starts_on=today() + dt.timedelta(days=start),
                                      ends_on=today() + dt.timedelta(days=end),
                                      reason="Annual leave: the senior practitioner decides.")


def test_a_delegate_decides_the_managers_decisions_for_the_period(manager, worker):
    """Issue 17 ("their manager, or delegate"): a delegate takes the rows that name team managers,
    not the chair's, and only in the period."""
    d = delegate(manager, worker)
    user = fresh(worker)
    assert policy.may_decide(user, policy.ASSESSMENT_AUTHORISATION)
    assert policy.may_decide(user, policy.CP_PLAN_END)
    assert not policy.may_decide(user, policy.CONFERENCE)
    assert policy.decider(user, policy.REFERRAL_CLOSURE).allowed
    assert AuditEvent.objects.filter(detail__event="decision_delegate", actor=manager).exists()
    assert [x.pk for x in selectors.delegations_for(worker)] == [d.pk]
    services.decision_delegation_end(by=manager, delegation_id=d.pk)
    assert not policy.may_decide(fresh(worker), policy.ASSESSMENT_AUTHORISATION)
    assert DecisionDelegation.objects.filter(pk=d.pk, revoked_at__isnull=False).exists()


def test_a_delegation_counts_only_in_its_period_and_while_its_manager_is_one(manager, worker):
    delegate(manager, worker, start=2, end=5)
    assert not policy.may_decide(fresh(worker), policy.CONTACT_DECISION)
    DecisionDelegation.objects.update(starts_on=today())
    assert policy.may_decide(fresh(worker), policy.CONTACT_DECISION)
    User.objects.filter(pk=manager.pk).update(role=User.Role.SOCIAL_WORKER)
    assert not policy.may_decide(fresh(worker), policy.CONTACT_DECISION)


def test_delegation_with_the_table_emptied(manager, worker):
    """The delegate is still found when the table holds no row (the defaults stand in)."""
    DecisionRule.objects.all().delete()
    delegate(manager, worker)
    assert policy.may_decide(fresh(worker), policy.CONTACT_DECISION)


def test_only_a_team_manager_delegates_to_a_colleague(manager, worker, iro, la):
    with pytest.raises(RecordInvalid) as exc:
        delegate(worker, manager)
    assert "manager" in fields(exc)
    with pytest.raises(RecordInvalid) as exc:
        delegate(manager, manager)
    assert "delegate" in fields(exc)
    with pytest.raises(RecordInvalid) as exc:
        delegate(manager, worker, start=-10, end=-1)
    assert "ends_on" in fields(exc)
    analyst = User.objects.create_user(username="an1", password="x", role=User.Role.ANALYST,
                                       local_authority=la)
    with pytest.raises(RecordInvalid) as exc:
        delegate(manager, analyst)
    assert "delegate" in fields(exc)
    d = delegate(manager, iro)
    with pytest.raises(RecordInvalid):
        services.decision_delegation_end(by=worker, delegation_id=d.pk)
