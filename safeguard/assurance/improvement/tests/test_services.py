"""The improvement plan's services (issue 21, item 5): every write checked with a message naming the
field, refused on a stale version, kept in the record's history and audited in the one shape; a
judgement keeps the figures the panel saw. The self-assessment's three judgements (met, partly met,
not yet met) and its monitoring arrangements follow Cheshire East's 2017 self-assessment against
Ofsted's ILACS recommendations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from safeguard.assurance.improvement import services
from safeguard.assurance.improvement.models import (
    ActionStatus,
    Evidence,
    ImprovementAction,
    Reading,
    Recommendation,
    ReviewJudgement,
)
from safeguard.audit.models import AuditEvent
from safeguard.core.errors import EditConflict, RecordInvalid

TODAY = dt.date.today()


def _fields(exc: RecordInvalid) -> dict[str, str]:
    """Each field refused, with its messages."""
    out: dict[str, str] = {}
    for v in exc.violations:
        out[v.field] = f"{out[v.field]}; {v.message}" if v.field in out else v.message
    return out


def test_an_inspection_needs_its_source_and_a_date_not_in_the_future(hos):
    with pytest.raises(RecordInvalid) as exc:
        services.inspection_record(by=hos, source=" ", reported_on=TODAY + dt.timedelta(days=1))
    fields = _fields(exc.value)
    assert "inspection or review" in fields["source"].lower()
    assert "cannot be in the future" in fields["reported_on"]


def test_recommendations_are_numbered_in_turn_and_a_number_is_taken_once(hos, inspection, rec):
    assert rec.number == 1 and rec.made_on == inspection.reported_on and rec.source == inspection.source
    second = services.recommendation_add(
        by=hos, inspection_id=inspection.pk, text="Improve return home interviews."
    )
    assert second.number == 2
    with pytest.raises(RecordInvalid) as exc:
        services.recommendation_add(by=hos, inspection_id=inspection.pk, text="", number=2)
    fields = _fields(exc.value)
    assert "already recorded" in fields["number"] and "recommendation" in fields["text"].lower()


def test_only_those_who_keep_the_plan_write_it(world, inspection):
    for user in (world.sw_a, world.councillor, world.iro, world.lado):
        with pytest.raises(PermissionDenied):
            services.recommendation_add(by=user, inspection_id=inspection.pk, text="A recommendation.")
    for user in (world.tm_a, world.analyst, world.admin):
        assert services.recommendation_add(by=user, inspection_id=inspection.pk, text="Recommended.").pk


def test_another_councils_inspection_is_not_found(world, hos, inspection):
    from safeguard.workforce.models import User

    other = User.objects.create_user(
        username="hos_x", password="x", role="head_of_service", local_authority=world.other_la
    )
    with pytest.raises(Exception) as exc:
        services.recommendation_add(by=other, inspection_id=inspection.pk, text="Not yours.")
    assert "DoesNotExist" in type(exc.value).__name__


def test_an_action_has_an_owner_of_the_council_and_a_due_date(world, hos, rec):
    with pytest.raises(RecordInvalid) as exc:
        services.action_add(by=hos, recommendation_id=rec.pk, what="", owner_id=world.sw_x.pk, due_date=None)
    fields = _fields(exc.value)
    assert set(fields) >= {"what", "owner", "due_date"}
    assert "council's staff" in fields["owner"]
    action = services.action_add(
        by=hos,
        recommendation_id=rec.pk,
        what="Weekly tracker of assessments.",
        owner_id=world.analyst.pk,
        due_date=TODAY - dt.timedelta(days=1),
    )
    assert action.status_on(TODAY) == "overdue"  # not done, and its due date has passed


def test_marking_an_action_done_needs_the_date_and_a_stale_version_is_refused(world, hos, rec):
    action = services.action_add(
        by=hos,
        recommendation_id=rec.pk,
        what="Tracker.",
        owner_id=world.analyst.pk,
        due_date=TODAY + dt.timedelta(days=30),
    )
    with pytest.raises(RecordInvalid) as exc:
        services.action_update(
            by=world.analyst, action_id=action.pk, expected_version=action.version, status=ActionStatus.DONE
        )
    assert "date it was done" in _fields(exc.value)["done_on"].lower()
    done = services.action_update(
        by=world.analyst,
        action_id=action.pk,
        expected_version=action.version,
        status=ActionStatus.DONE,
        done_on=TODAY,
        note="Live from Monday.",
    )
    assert done.version == action.version + 1 and done.status_on(TODAY) == "done"
    with pytest.raises(EditConflict):
        services.action_update(
            by=hos, action_id=action.pk, expected_version=action.version, status=ActionStatus.IN_PROGRESS
        )
    # The owner may say how it stands; a colleague who neither owns it nor keeps the plan may not.
    with pytest.raises(PermissionDenied):
        services.action_update(
            by=world.councillor,
            action_id=action.pk,
            expected_version=done.version,
            status=ActionStatus.IN_PROGRESS,
        )
    history = ImprovementAction.history.filter(id=action.pk).order_by("history_date")
    assert [h.status for h in history] == ["not_started", "done"]
    row = AuditEvent.objects.filter(detail__event="improvement_action_update").get()
    assert row.detail["changes"]["status"] == ["not_started", "done"]
    assert row.detail["changes"]["progress_note"] == [None, "[narrative, 17 characters]"]


def test_a_measure_is_linked_by_its_catalogue_id(hos, rec):
    with pytest.raises(RecordInvalid) as exc:
        services.evidence_link_measure(by=hos, recommendation_id=rec.pk, indicator_id="XX-99")
    assert "not a measure of the performance catalogue" in _fields(exc.value)["indicator_id"]
    e = services.evidence_link_measure(by=hos, recommendation_id=rec.pk, indicator_id="as-02")
    assert e.indicator_id == "AS-02" and e.label == "Assessments completed within 45 working days"
    with pytest.raises(RecordInvalid):
        services.evidence_link_measure(by=hos, recommendation_id=rec.pk, indicator_id="AS-02")


def test_an_audit_theme_must_be_one_of_the_audit_scorecards(hos, rec):
    with pytest.raises(RecordInvalid) as exc:
        services.evidence_link_audit(by=hos, recommendation_id=rec.pk, scope="theme", key="nonsense")
    assert "audit theme" in _fields(exc.value)["theme"]
    e = services.evidence_link_audit(
        by=hos, recommendation_id=rec.pk, scope="theme", key="strategy_discussions"
    )
    assert e.label.startswith("Audit theme: Strategy discussions")


def test_a_judgement_needs_its_reasons_and_monitoring_until_met(hos, rec):
    with pytest.raises(RecordInvalid) as exc:
        services.judgement_record(
            by=hos,
            recommendation_id=rec.pk,
            expected_version=rec.version,
            judged_on=rec.made_on - dt.timedelta(days=1),
            judgement="partly_met",
            agreed_by="",
            commentary="",
        )
    fields = _fields(exc.value)
    assert set(fields) == {"judged_on", "agreed_by", "commentary", "monitored_by"}
    assert "before the recommendation was made" in fields["judged_on"]
    with pytest.raises(RecordInvalid) as exc:
        services.judgement_record(
            by=hos,
            recommendation_id=rec.pk,
            expected_version=rec.version,
            judged_on=TODAY,
            judgement="mostly",
            agreed_by="Board",
            commentary="Why.",
        )
    assert "met, partly met or not yet met" in _fields(exc.value)["judgement"]


def test_a_judgement_keeps_the_figures_the_panel_saw_and_each_review_is_a_row(world, hos, rec):
    """The measure's value for the quarter the review reads, the period and the date, kept beside
    the judgement; a later review is a new row, and the first keeps what it saw."""
    services.evidence_link_measure(by=hos, recommendation_id=rec.pk, indicator_id="AS-02")
    services.evidence_link_audit(by=hos, recommendation_id=rec.pk, scope="domain", key="assessment")
    services.evidence_add_text(
        by=hos, recommendation_id=rec.pk, label="Practice week", text="Managers saw clearer analysis."
    )
    rec.refresh_from_db()
    first_day = TODAY - dt.timedelta(days=60)
    first = services.judgement_record(
        by=hos,
        recommendation_id=rec.pk,
        expected_version=rec.version,
        judged_on=first_day,
        judgement="not_yet_met",
        agreed_by="Improvement Board",
        commentary="Too early to see a difference.",
        monitored_by="Improvement Board",
    )
    readings = {
        r.evidence.kind: r for r in Reading.objects.filter(judgement=first).select_related("evidence")
    }
    assert set(readings) == {"measure", "audit"}  # words have no figure to keep
    from safeguard.assurance.improvement.selectors import review_quarter
    from safeguard.performance.periods import quarter

    assert readings["measure"].period_label == quarter(*review_quarter(first_day)).label
    assert readings["measure"].read_on == first_day
    assert readings["audit"].shown == "No audits graded in the period"
    # A stale form is refused: the recommendation's version moved with the judgement.
    with pytest.raises(EditConflict):
        services.judgement_record(
            by=hos,
            recommendation_id=rec.pk,
            expected_version=rec.version,
            judged_on=TODAY,
            judgement="partly_met",
            agreed_by="Board",
            commentary="Better.",
            monitored_by="Board",
        )
    rec.refresh_from_db()
    services.judgement_record(
        by=hos,
        recommendation_id=rec.pk,
        expected_version=rec.version,
        judged_on=TODAY,
        judgement="partly_met",
        agreed_by="Improvement Board",
        commentary="Better.",
        monitored_by="Improvement Board",
    )
    assert ReviewJudgement.objects.filter(recommendation=rec).count() == 2
    assert Reading.objects.filter(judgement=first).count() == 2
    events = AuditEvent.objects.filter(detail__event="improvement_judgement_record")
    assert events.filter(object_type="improvement.ReviewJudgement").count() == 2
    assert events.filter(object_type="improvement.Reading").count() == 4
    assert Recommendation.history.filter(id=rec.pk).count() == 3  # added, then judged twice


def test_an_audit_theme_reads_the_share_good_or_better(world, hos, rec):
    """The audit scorecard's grades that count (issue 21, item 2) give the share at the review."""
    from safeguard.assurance.audits import services as audits
    from safeguard.assurance.audits.models import AuditTool

    audits.tools_load_defaults()
    tool = AuditTool.objects.get(code="case-file")
    prog = audits.programme_run(
        by=world.tm_a,
        title="Team A audit",
        kind="monthly",
        tool_id=tool.pk,
        month=TODAY.replace(day=1),
        team_ids=[world.tm_a.team_id],
        per_team=5,
        auditor_id=world.tm_b.pk,
        moderator_id=world.iro.pk,
    )
    for n, a in enumerate(prog.audits.all()):
        grade = "good" if n == 0 else "inadequate"
        audits.audit_grade(
            by=world.tm_b,
            audit_id=a.pk,
            expected_version=a.version,
            overall=grade,
            grades={d.pk: (grade, "Evidence.") for d in tool.domains.all()},
        )
    e = services.evidence_link_audit(
        by=hos, recommendation_id=rec.pk, scope="domain", key="management-oversight"
    )
    p = services.evidence_link_audit(
        by=hos, recommendation_id=rec.pk, scope="programme", programme_id=prog.pk
    )
    rec.refresh_from_db()
    j = services.judgement_record(
        by=hos,
        recommendation_id=rec.pk,
        expected_version=rec.version,
        judged_on=TODAY,
        judgement="partly_met",
        agreed_by="Board",
        commentary="Half good.",
        monitored_by="Board",
    )
    domain = Reading.objects.get(judgement=j, evidence=e)
    assert (domain.value, domain.numerator, domain.denominator) == (50.0, 1, 2)
    assert domain.shown == "50% good or better (1 of 2 grades)"
    whole = Reading.objects.get(judgement=j, evidence=p)
    assert whole.denominator == 2 * tool.domains.count() and whole.value == 50.0
    assert Evidence.objects.filter(recommendation=rec).count() == 2
