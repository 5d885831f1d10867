"""The IRO's desk through its pages (IRO Handbook 2010 ch. 6-7; Children Act 1989 s25B): monitoring
recorded, a practice alert raised, answered, escalated and resolved, the caseload and the year's
figures shown; nobody but an IRO raises or escalates."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from safeguard.iro.models import IROMonitoring, PracticeAlert
from safeguard.looked_after import services as looked_after

from .test_journey_pages import last_working_day

pytestmark = pytest.mark.django_db


def _in_care(world):
    child = world.iro_child
    looked_after.period_of_care_start(
        by=world.sw_b, child_id=child.pk, decom=last_working_day() - dt.timedelta(days=40),
        legal_status="C2", category_of_need="N1", placement="U4", placement_provider="PR1", urn="SC123456")
    return child


def test_an_iro_raises_escalates_and_resolves_a_practice_alert(world, client_for):
    child = _in_care(world)
    iro, sw = client_for(world.iro), client_for(world.sw_b)
    day = last_working_day().isoformat()
    page = iro.get(f"/children/{child.pk}/").content.decode()
    assert "Raise a practice alert" in page and "Record your monitoring" in page
    monitored = iro.post(f"/children/{child.pk}/record/iro-monitoring/", {
        "held_on": day, "kind": "midway_review", "concern_found": "yes",
        "note": "Midway check: the permanence plan has not moved since the last review"})
    assert monitored.status_code == 302, monitored.content.decode()[:2000]
    assert IROMonitoring.objects.get(child=child).concern_found is True
    refused = iro.post(f"/children/{child.pk}/record/practice-alert/", {
        "raised_on": day, "category": "drift_delay", "concern": "", "raised_with": str(world.sw_b.pk)})
    assert refused.status_code == 400 and "govuk-error-summary" in refused.content.decode()
    raised = iro.post(f"/children/{child.pk}/record/practice-alert/", {
        "raised_on": day, "category": "drift_delay", "raised_with": str(world.sw_b.pk),
        "concern": "No permanence planning meeting has been held in four months"})
    assert raised.status_code == 302, raised.content.decode()[:2000]
    alert = PracticeAlert.objects.get(child=child)
    assert alert.stage == "informal" and alert.due_on is not None
    base = f"/children/{child.pk}/practice-alerts/{alert.pk}/"
    key = f"iro.practicealert:{alert.pk}"
    assert f'href="{base}"' in sw.get(f"/children/{child.pk}/").content.decode()
    # The social worker answers; only the IRO escalates (IRO Handbook 2010 ch. 6).
    shown = sw.get(base).content.decode()
    assert "Record the response" in shown and "Escalate" not in shown
    assert sw.get(base + "escalate/").status_code == 200  # the form opens; the service refuses below
    read = {"record_version": str(alert.version), "record_pk": key}
    assert sw.post(base + "escalate/", {"escalated_on": day, "raised_with": str(world.tm_a.pk),
                                        **read}).status_code == 400
    # The response carries the current stage's version: a second answer from the same (now stale)
    # form is refused, not written over the first.
    form = sw.get(base + "respond/").content.decode()
    step = {name: re.search(rf'name="{name}" value="([^"]+)"', form).group(1)
            for name in ("record_version", "record_pk")}
    assert step["record_pk"].startswith("iro.practicealertstep:")
    answered = sw.post(base + "respond/", {"responded_on": day, **step,
                                          "response": "A meeting is booked for next week"})
    assert answered.status_code == 302, answered.content.decode()[:2000]
    again = sw.post(base + "respond/", {"responded_on": day, **step, "response": "Overwriting words"})
    assert again.status_code == 409
    alert.refresh_from_db()
    escalated = iro.post(base + "escalate/", {"escalated_on": day, "raised_with": str(world.tm_a.pk),
                                              "record_version": str(alert.version), "record_pk": key})
    assert escalated.status_code == 302, escalated.content.decode()[:2000]
    alert.refresh_from_db()
    assert alert.stage == "stage_1"
    stale = iro.post(base + "resolve/", {"resolved_on": day, "resolution": "plan_changed",
                                         "record_version": str(alert.version - 1), "record_pk": key})
    assert stale.status_code == 409
    resolved = iro.post(base + "resolve/", {"resolved_on": day, "resolution": "plan_changed",
                                            "resolution_note": "Permanence meeting held; plan revised",
                                            "record_version": str(alert.version), "record_pk": key})
    assert resolved.status_code == 302, resolved.content.decode()[:2000]
    shown = iro.get(base).content.decode()
    assert "Stage 1: team manager" in shown and "A meeting is booked" in shown and "Resolved" in shown
    desk = iro.get("/iro/?alerts=resolved").content.decode()
    assert re.search(r"Your caseload: 1 child\b", desk) and f'href="{base}"' in desk
    figures = iro.get(f"/iro/figures/?year={last_working_day().year - (last_working_day().month < 4)}")
    assert figures.status_code == 200 and "Drift and delay" in figures.content.decode()


def test_only_an_iro_has_the_desk_and_raises_alerts(world, client_for):
    child = _in_care(world)
    sw = client_for(world.sw_b)
    assert sw.get("/iro/").status_code == 403
    assert "Raise a practice alert" not in sw.get(f"/children/{child.pk}/").content.decode()
    assert sw.get(f"/children/{child.pk}/record/practice-alert/").status_code == 403
    assert client_for(world.tm_a).get("/iro/figures/").status_code == 200


def test_the_childs_iro_records_the_looked_after_review_with_its_minutes(world, client_for):
    """Children Act 1989 s25A-25B; Care Planning, Placement and Case Review (England) Regulations
    2010 reg 36: the review is chaired by the child's IRO, who records it; the child's words kept."""
    from safeguard.looked_after.models import LookedAfterReviewMinutes
    from safeguard.workforce.models import User

    child = _in_care(world)
    other = User.objects.create_user(username="iro2", password="x", role="iro", first_name="Ola",
                                     last_name="Other", local_authority=world.iro.local_authority)
    minutes = {"review_date": last_working_day().isoformat(), "participation": "PN1",
               "views_shared": "Came to the review and spoke for themself",
               "child_views": "I like it here and want to stay until I finish school",
               "attended": "Child, carer, social worker, IRO", "agencies": ["school", "camhs"],
               "care_plan_appropriate": "yes", "decisions": "Permanence planning meeting within 4 weeks",
               "decision_reasons": "The child wishes to remain and the carers are willing"}
    page = client_for(world.sw_b).get(f"/children/{child.pk}/").content.decode()
    assert "Record a looked-after review" not in page
    with_pk = {**minutes, "record_pk": f"looked_after.periodofcare:{child.periods_of_care.get().pk}"}
    refused = client_for(other).post(f"/children/{child.pk}/record/looked-after-review/", with_pk)
    assert refused.status_code in (400, 403)
    saved = client_for(world.iro).post(f"/children/{child.pk}/record/looked-after-review/", with_pk)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    kept = LookedAfterReviewMinutes.objects.get(review__period_of_care__child=child)
    assert kept.chair == world.iro and "finish school" in kept.child_views and kept.care_plan_appropriate


def test_a_health_assessment_is_requested_then_recorded_as_done(world, client_for):
    """Promoting the health and well-being of looked-after children (2015): the initial health
    assessment is requested at once and done within 20 working days; the request is completed, not
    counted twice."""
    from safeguard.looked_after.models import HealthAssessment

    child = _in_care(world)
    sw = client_for(world.sw_b)
    day = last_working_day().isoformat()
    asked = sw.post(f"/children/{child.pk}/record/health-assessment-request/",
                    {"kind": "IHA", "requested_date": day})
    assert asked.status_code == 302, asked.content.decode()[:3000]
    request = HealthAssessment.objects.get(child=child)
    done = sw.post(f"/children/{child.pk}/record/health-assessment-complete/", {
        "completed_date": day, "record_pk": f"looked_after.healthassessment:{request.pk}",
        "record_version": str(request.version)})
    assert done.status_code == 302, done.content.decode()[:3000]
    assert HealthAssessment.objects.get(child=child).completed_date.isoformat() == day
