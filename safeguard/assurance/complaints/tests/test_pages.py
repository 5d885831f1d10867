"""The complaints pages: who may open them, the steps from stage 1 to stage 2, and a fixed number
of queries whatever the number of complaints."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.assurance.complaints import services
from safeguard.assurance.complaints.models import Complaint
from safeguard.core.errors import today


def _complaint(world, manager, n: int, **extra) -> Complaint:
    fields = dict(reference=f"C-{n:03d}", received_on=today() - dt.timedelta(days=3),
                  complainant_kind="parent", theme="delay", child_id=world.own.pk, team_id=world.sw_a.team_id)
    fields.update(extra)
    return services.complaint_record(by=manager, local_authority=world.la, **fields)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as q:
        assert client.get(url).status_code == 200
    return len(q)


def test_worklist_child_list_report_and_complaint_take_a_fixed_number_of_queries(world, manager, client_for,
                                                                                 django_assert_max_num_queries):
    c = client_for(manager)
    first = _complaint(world, manager, 1)
    urls = ["/complaints/", f"/children/{world.own.pk}/complaints/", "/complaints/report/",
            "/complaints/compliments/", f"/complaints/{first.pk}/"]
    few = {u: _queries(c, u) for u in urls}
    for n in range(2, 14):
        _complaint(world, manager, n)
    for u in urls:
        with django_assert_max_num_queries(few[u]):
            c.get(u)
    assert few["/complaints/"] <= 12


def test_stage_1_to_stage_2_through_the_pages(world, manager, client_for):
    c = client_for(manager)
    response = c.post("/complaints/new/", {
        "reference": "CS-2026-031", "received_on": today() - dt.timedelta(days=2),
        "complainant_kind": "child",
        "complainant_name": "", "la_child_id": world.own.la_child_id, "team": str(world.sw_a.team_id),
        "theme": "contact", "summary": "Not enough family time.", "advocacy_offered": "yes",
        "advocacy_accepted": "yes"})
    assert response.status_code == 302, response.content.decode()[:2000]
    complaint = Complaint.objects.get(reference="CS-2026-031")
    assert complaint.child_id == world.own.pk
    page = c.get(f"/complaints/{complaint.pk}/").content.decode()
    assert "CMP1" in page and "Move to stage 2" in page
    response = c.post(f"/complaints/{complaint.pk}/escalate/", {
        "requested_on": today(), "investigator": "Ivy Investigator", "independent_person": "Ian Independent",
        "record_pk": f"complaints.complaint:{complaint.pk}", "record_version": complaint.version})
    assert response.status_code == 302, response.content.decode()[:2000]
    complaint.refresh_from_db()
    assert complaint.stage == 2
    listed = c.get("/complaints/").content.decode()
    assert "Complaint stage 2: investigation" in listed


def test_refused_alike(world, manager, client_for):
    complaint = _complaint(world, manager, 1)
    for user in (world.sw_a, world.iro, world.analyst, world.councillor):
        assert client_for(user).get("/complaints/").status_code == 403
        assert client_for(user).get(f"/complaints/{complaint.pk}/").status_code == 403
    assert client_for(world.tm_b).get(f"/complaints/{complaint.pk}/").status_code == 404
    assert client_for(world.tm_a).get(f"/complaints/{complaint.pk}/").status_code == 200
    assert client_for(world.analyst).get("/complaints/report/").status_code == 200
    assert client_for(world.sw_a).get("/complaints/report/").status_code == 403


def test_a_restricted_childs_name_is_kept_from_the_complaints_manager(world, manager, client_for):
    """A complaint's handler need not hold the case, but a restricted record (a member of staff's
    own family) names its child only to those the access policy opens it to (Data Protection Act
    2018: access limited to need; ARCHITECTURE.md, "restricted records need an explicit grant")."""
    complaint = _complaint(world, manager, 1, child_id=world.restricted.pk)
    c = client_for(manager)
    for url in ("/complaints/", f"/complaints/{complaint.pk}/"):
        body = c.get(url).content.decode()
        assert "A child whose record is restricted" in body
        assert world.restricted.last_name not in body
    assert c.get(f"/children/{world.restricted.pk}/complaints/").status_code == 404
