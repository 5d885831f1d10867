"""The demo's year of complaints and supervision, recorded through the services (issue 21, "Done
when": the generator gives the demo council a year of supervision and complaints)."""

from __future__ import annotations

from safeguard.assurance.complaints import selectors
from safeguard.assurance.complaints.demo import load_demo_complaints
from safeguard.assurance.complaints.models import Complaint, ComplaintStage, Compliment
from safeguard.assurance.supervision import selectors as supervision
from safeguard.assurance.supervision.demo import load_demo_supervision
from safeguard.assurance.supervision.models import SupervisionSession
from safeguard.core.errors import today
from safeguard.timescales.models import Clock


def test_a_year_of_complaints_and_supervision(world, manager):
    day = today()
    made = load_demo_complaints(world.la, manager, day, per_year=24)
    assert made == Complaint.objects.count() > 20
    assert ComplaintStage.objects.filter(stage=2).exists()
    assert Compliment.objects.count() == 12
    assert Clock.objects.filter(subject_type="complaints.Complaint").count() >= made
    assert Complaint.objects.filter(closed_on__isnull=True).exists()  # the worklist has work on it
    report = selectors.annual_report(manager, year=selectors.financial_year(day))
    assert report.received > 0
    sessions = load_demo_supervision(world.la, day)
    assert sessions == SupervisionSession.objects.count() > 12
    teams = supervision.compliance(world.admin)
    workers = [w for t in teams for w in t.workers]
    assert any(w.up_to_date for w in workers) and any(not w.up_to_date for w in workers)
