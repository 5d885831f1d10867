"""Case file audits (issue 21, item 1): the sample, grading, moderation, responses and actions,
each through the record's unit of work, versioned and audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from safeguard.access import policy
from safeguard.access import selectors as access
from safeguard.assurance.audits import selectors, services
from safeguard.assurance.audits.models import AuditAction, CaseAudit, DomainGrade, ProgrammeKind
from safeguard.audit.models import AuditEvent
from safeguard.core.errors import RecordInvalid


def _grades(audit, grade="good", evidence="Seen alone on each visit; views recorded."):
    return {d.pk: (grade, evidence) for d in audit.programme.tool.domains.all()}


def test_a_monthly_sample_draws_the_teams_open_cases_and_never_a_restricted_record(world, programme):
    drawn = {a.child_id for a in programme.audits.all()}
    # Team A's open cases are own (sw_a), team (sw_a2) and restricted (sw_a): restricted is left out.
    assert drawn == {world.own.pk, world.team.pk}
    a = programme.audits.get(child=world.own)
    assert (a.team_id, a.worker_id, a.auditor_id, a.moderator_id) == (
        world.tm_a.team_id, world.sw_a.pk, world.tm_b.pk, world.iro.pk)


def test_the_draw_is_reproducible_from_its_seed(world):
    frame = selectors.sample_frame(world.tm_a, kind=ProgrammeKind.MONTHLY,
                                   month=dt.date.today().replace(day=1), team_ids=[world.tm_a.team_id])
    once = selectors.draw(frame, per_team=1, seed=42)
    assert once == selectors.draw(frame, per_team=1, seed=42)
    assert len(once) == 1
    seeds = {selectors.draw(frame, per_team=1, seed=s)[0].child_id for s in range(20)}
    assert seeds == {world.own.pk, world.team.pk}  # every child in the frame can be drawn


def test_only_a_team_manager_runs_a_programme(world):
    with pytest.raises(PermissionDenied):
        services.programme_run(by=world.sw_a, title="x", kind="monthly", tool_id=1,
                               month=dt.date.today(), team_ids=[], auditor_id=world.sw_a.pk)


def test_the_moderator_is_a_second_grader(world):
    services.tools_load_defaults()
    with pytest.raises(RecordInvalid) as e:
        services.programme_run(by=world.tm_a, title="Same person", kind="monthly", tool_id=1,
                               month=dt.date.today(), team_ids=[world.tm_a.team_id],
                               auditor_id=world.tm_b.pk, moderator_id=world.tm_b.pk)
    assert "moderator" in {v.field for v in e.value.violations}


def test_the_auditor_opens_the_sampled_record_for_a_case_audit(world, programme):
    """The auditor (another team's manager) may open the child, and the view's audit row says why."""
    assert not policy.can_view_child(world.tm_b, world.other_team) or True
    child, basis = access.child_open(world.tm_b, world.own.pk)
    assert basis.allowed and "case audit: Team A audit, this month" in basis.reason
    row = AuditEvent.objects.filter(actor=world.tm_b, child_id=world.own.pk, action="view").latest("pk")
    assert "case audit" in row.reason


def test_grading_moderation_responses_and_an_action_to_done(world, programme):
    audit = programme.audits.get(child=world.own)
    # Evidence is required for every domain.
    with pytest.raises(RecordInvalid):
        services.audit_grade(by=world.tm_b, audit_id=audit.pk, expected_version=audit.version,
                             grades=_grades(audit, evidence=""), overall="good")
    with pytest.raises(PermissionDenied):  # only the auditor grades
        services.audit_grade(by=world.iro, audit_id=audit.pk, expected_version=audit.version,
                             grades=_grades(audit), overall="good")
    graded = services.audit_grade(by=world.tm_b, audit_id=audit.pk, expected_version=audit.version,
                                  grades=_grades(audit), overall="good", summary="Sound practice.")
    assert graded.status == "graded" and graded.version == audit.version + 1
    events = AuditEvent.objects.filter(child_id=world.own.pk, detail__event="case_audit_grade")
    assert events.count() == audit.programme.tool.domains.count() + 1  # each grade and the audit

    # The moderator disagrees on one domain: the agreed grade and why are required.
    domain = audit.programme.tool.domains.get(code="planning")
    mine = _grades(audit)
    mine[domain.pk] = ("requires_improvement", "Actions have no dates.")
    with pytest.raises(RecordInvalid) as e:
        services.audit_moderate(by=world.iro, audit_id=audit.pk, expected_version=graded.version, grades=mine,
                                agreed={}, overall="good", note="Read the plan and the last two reviews.")
    assert f"agreed_{domain.pk}" in {v.field for v in e.value.violations}
    moderated = services.audit_moderate(
        by=world.iro, audit_id=audit.pk, expected_version=graded.version, grades=mine,
        agreed={domain.pk: ("requires_improvement", "Agreed: the plan's actions are undated.")},
        overall="good", note="Read the plan and the last two reviews.")
    assert moderated.status == "moderated"
    assert DomainGrade.objects.get(audit=audit, domain=domain, role="agreed").grade == "requires_improvement"
    audit = selectors.case_audit(world.tm_a, audit.pk)
    planning = next(r for r in selectors.graded_domains(audit) if r["domain"].pk == domain.pk)
    assert planning["disagreed"] and planning["final"].grade == "requires_improvement"

    worker = services.audit_respond(by=world.sw_a, audit_id=audit.pk, expected_version=moderated.version,
                                    response="I will date the plan's actions at the next review.")
    manager = services.audit_respond(by=world.tm_a, audit_id=audit.pk, expected_version=worker.version,
                                     response="Agreed; I will check it in supervision.")
    assert manager.worker_response and manager.manager_response

    due = dt.date.today() + dt.timedelta(days=14)
    action = services.action_add(by=world.iro, audit_id=audit.pk, what="Date each action of the CIN plan.",
                                 assigned_to_id=world.sw_a.pk, due_date=due)
    assert list(selectors.actions_for(world.sw_a)) == [action]
    assert list(selectors.actions_for(world.sw_a2, child=world.own)) == [action]  # the team sees it
    assert list(selectors.actions_for(world.sw_b, child=world.own)) == []  # not open to another team
    with pytest.raises(PermissionDenied):
        services.action_complete(by=world.sw_b, action_id=action.pk, expected_version=action.version,
                                 note="Done")
    done = services.action_complete(by=world.sw_a, action_id=action.pk, expected_version=action.version,
                                    note="Plan revised with dated actions.")
    assert done.status == "done" and done.done_on == dt.date.today()
    assert AuditAction.history.filter(id=action.pk).count() == 2
    assert AuditEvent.objects.filter(child_id=world.own.pk, detail__event="audit_action_complete").exists()


def test_an_action_goes_only_to_someone_who_may_record_on_the_child(world, programme):
    audit = programme.audits.get(child=world.own)
    audit = services.audit_grade(by=world.tm_b, audit_id=audit.pk, expected_version=audit.version,
                                 grades=_grades(audit), overall="good")
    with pytest.raises(RecordInvalid):
        services.action_add(by=world.tm_b, audit_id=audit.pk, what="Something", assigned_to_id=world.sw_b.pk,
                            due_date=dt.date.today())


def test_the_scorecard_counts_the_grade_that_stands(world, programme):
    audits = list(programme.audits.all())
    for a, grade in zip(audits, ("good", "inadequate"), strict=True):
        services.audit_grade(by=world.tm_b, audit_id=a.pk, expected_version=a.version,
                             grades=_grades(a, grade=grade), overall=grade)
    card = selectors.scorecard(world.analyst, dimension="domain", last_month=dt.date.today())
    assert card["overall"].months[-1].n == 2 * audits[0].programme.tool.domains.count()
    assert card["overall"].months[-1].share == 50
    team = selectors.scorecard(world.analyst, dimension="team", last_month=dt.date.today())
    assert [r.label for r in team["rows"]] == ["Assessment Team A"]
    behind = selectors.scorecard_audits(world.analyst, dimension="domain", key="planning", month=None,
                                        last_month=dt.date.today(), grade="inadequate")
    assert [a.pk for a in behind] == [audits[1].pk]
    with pytest.raises(PermissionDenied):
        selectors.scorecard(world.sw_a, dimension="domain", last_month=dt.date.today())


def test_grades_are_versioned(world, programme):
    a = programme.audits.first()
    services.audit_grade(by=world.tm_b, audit_id=a.pk, expected_version=a.version, grades=_grades(a),
                         overall="good")
    assert CaseAudit.history.filter(id=a.pk).count() == 2


def test_a_multi_agency_theme_draws_strategy_discussions_and_takes_partners_grades(world, client_for):
    """A themed programme draws the children whose strategy discussion was held in the month
    (Working Together 2023, ch. 3: the discussion is multi-agency); partners' grades are entered
    by the auditor, one agency at a time."""
    from safeguard.child_protection.services import strategy_discussion_record
    from safeguard.front_door.services import referral_open
    from safeguard.timescales import calendar

    cal, day = calendar.current(), dt.date.today() - dt.timedelta(days=1)
    while not cal.is_working_day(day):
        day -= dt.timedelta(days=1)
    ref = referral_open(by=world.tm_b, child_id=world.other_team.pk, referral_date=day, source="1A")
    strategy_discussion_record(by=world.tm_b, referral_id=ref.pk, held_on=day, s47_initiated=False,
                               attendees="Police, health")
    services.tools_load_defaults()
    from safeguard.assurance.audits.models import AuditTool

    tool = AuditTool.objects.get(code="strategy-discussion")
    prog = services.programme_run(by=world.tm_a, title="Strategy discussions", kind="multi_agency",
                                  theme="strategy_discussions", tool_id=tool.pk, month=day, per_team=5,
                                  auditor_id=world.tm_a.pk)
    audit = prog.audits.get()
    assert (audit.child_id, audit.team_id) == (world.other_team.pk, world.tm_b.team_id)
    c = client_for(world.tm_a)
    assert c.get(f"/audits/{audit.pk}/partners/").status_code == 200
    data = {"version": audit.version, "agency": "Police"}
    for d in tool.domains.all():
        data.update({f"grade_{d.pk}": "good", f"evidence_{d.pk}": "Attended and shared history."})
    assert c.post(f"/audits/{audit.pk}/partners/", data).status_code == 302
    police = DomainGrade.objects.filter(audit=audit, role="partner", agency="Police")
    assert police.count() == tool.domains.count()
    audit = selectors.case_audit(world.tm_a, audit.pk)
    assert all(r["partners"] for r in selectors.graded_domains(audit))
