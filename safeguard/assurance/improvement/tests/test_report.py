"""The self-assessment (`selectors.self_assessment`), in the structure of Cheshire East's 2017
self-assessment against Ofsted's recommendations: for each recommendation its background, progress
(actions), evidence (measures with the values kept at the latest judgement, audit themes),
evaluation (judgement, date, who agreed it) and, until met, monitoring arrangements. Plain fields,
for the committee pack to render."""

from __future__ import annotations

import dataclasses
import datetime as dt

from safeguard.assurance.improvement import selectors, services
from safeguard.assurance.improvement.demo import load_demo_improvement
from safeguard.assurance.improvement.models import Inspection, ReviewJudgement

TODAY = dt.date.today()


def _plain(value) -> bool:
    if dataclasses.is_dataclass(value):
        return all(_plain(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, (str, int, float, dt.date))


def test_the_self_assessment_as_at_a_date(world, hos, rec):
    services.action_add(
        by=hos,
        recommendation_id=rec.pk,
        what="Tracker.",
        owner_id=world.analyst.pk,
        due_date=TODAY - dt.timedelta(days=20),
    )
    services.evidence_link_measure(by=hos, recommendation_id=rec.pk, indicator_id="AS-02")
    rec.refresh_from_db()
    services.judgement_record(
        by=hos,
        recommendation_id=rec.pk,
        expected_version=rec.version,
        judged_on=TODAY - dt.timedelta(days=40),
        judgement="not_yet_met",
        agreed_by="Improvement Board",
        commentary="Early.",
        monitored_by="Scrutiny committee",
    )
    rec.refresh_from_db()
    services.judgement_record(
        by=hos,
        recommendation_id=rec.pk,
        expected_version=rec.version,
        judged_on=TODAY,
        judgement="met",
        agreed_by="Improvement Board",
        commentary="Sustained.",
    )
    now = selectors.self_assessment(world.la, TODAY)
    assert _plain(now) and now.met == 1 and len(now.items) == 1
    item = now.items[0]
    assert item.judgement == "met" and item.monitoring == "" and item.background.startswith("Too many")
    assert item.actions[0].status == "overdue" and item.progress == "0 of 1 action done; 1 overdue."
    assert [e.reference for e in item.evidence] == ["AS-02"] and item.evidence[0].read_on == TODAY
    assert [h.judgement for h in item.history] == ["met", "not_yet_met"]
    earlier = selectors.self_assessment(world.la, TODAY - dt.timedelta(days=30))
    item = earlier.items[0]
    assert item.judgement == "not_yet_met" and item.monitoring == "Scrutiny committee"
    assert item.actions[0].status == "in_progress" or item.actions[0].status == "not_started"
    assert item.evidence[0].read_on == TODAY - dt.timedelta(days=40)
    assert selectors.self_assessment(world.other_la, TODAY).items == []


def test_the_demo_plan_is_made_once(world, hos):
    """After the demo's audits, as `demo/council.py` calls it: the audit domains read real grades.
    The small council's cases are a month old, so its audits are recent: the plan is loaded as if
    three months on, so that its latest review (90 days before that day) falls today."""
    from safeguard.assurance.audits.demo import demo_audits

    demo_audits(local_authority=world.la, months=3, per_team=2)
    day = TODAY + dt.timedelta(days=90)
    made = load_demo_improvement(world.la, hos, day)
    assert 5 <= made <= 7
    assert load_demo_improvement(world.la, hos, day) == 0
    assert Inspection.objects.filter(local_authority=world.la).count() == 1
    sa = selectors.self_assessment(world.la, day)
    judged = {i.judgement for i in sa.items}
    assert judged == {"met", "partly_met"} | ({"not_yet_met"} & judged) and sa.partly_met >= 2
    assert all(len(i.history) >= 2 for i in sa.items)
    statuses = {a.status for i in sa.items for a in i.actions}
    assert {"done", "overdue"} <= statuses
    kinds = {e.kind for i in sa.items for e in i.evidence}
    assert kinds == {"measure", "audit", "text"}
    domain = next(e for i in sa.items for e in i.evidence if e.reference == "Management oversight")
    assert domain.shown.endswith("grades)") and domain.value is not None
    assert ReviewJudgement.objects.filter(
        recommendation__inspection__local_authority=world.la, judgement="not_yet_met"
    ).exists()


def test_the_demo_council_has_an_improvement_plan(db):
    """`make demo`: the demo council (issue 21, "Done when") gets its plan after its year of audits,
    kept by the head of service, with figures read from its own record."""
    from safeguard.demo.council import load_demo_council
    from safeguard.timescales import calendar
    from safeguard.workforce.models import LocalAuthority

    calendar.invalidate()
    load_demo_council()
    la = LocalAuthority.objects.get(code="E06000049")
    sa = selectors.self_assessment(la, TODAY)
    assert len(sa.items) == 6 and sa.not_judged == 0
    assert {i.judgement for i in sa.items} == {"met", "partly_met", "not_yet_met"}
    figures = [e for i in sa.items for e in i.evidence if e.kind == "measure"]
    assert figures and all(e.period_label for e in figures)
    print({e.reference: e.shown for e in figures})
    print({e.label: e.shown for i in sa.items for e in i.evidence if e.kind == "audit"})
