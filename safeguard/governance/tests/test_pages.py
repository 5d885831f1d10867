"""The scorecard sets' and committee pack's pages (issue 21, items 6 and 8, "Who"): aggregate readers
read and download, heads of service, analysts and administrators write; fixed query counts."""

import datetime as dt

import pytest
from django.urls import reverse

from safeguard.governance import demo
from safeguard.governance.models import CommitteePack, ScorecardSet


@pytest.fixture
def sets(council):
    return demo.load_demo_sets(council.analyst, dt.date(2026, 11, 1))


def test_who_reads_and_who_writes(council, client_for, sets):
    url = reverse("web:governance_sets")
    for who in (council.councillor, council.tm_a, council.hos, council.analyst, council.admin):
        assert client_for(who).get(url).status_code == 200
    for who in (council.sw_a, council.iro, council.lado):
        assert client_for(who).get(url).status_code == 403
    assert client_for(council.councillor).get(reverse("web:governance_set_new")).status_code == 403
    assert (
        client_for(council.tm_a).get(reverse("web:governance_set_edit", args=[sets[0].pk])).status_code == 403
    )
    assert client_for(council.sw_x).get(reverse("web:governance_set", args=[sets[0].pk])).status_code == 403


def test_the_list_in_a_fixed_number_of_queries(council, client_for, sets, django_assert_max_num_queries):
    c = client_for(council.councillor)
    with django_assert_max_num_queries(7):
        r = c.get(reverse("web:governance_sets"))
    assert b"Corporate parenting" in r.content


def test_a_set_page_shows_its_measures_in_its_order(council, client_for, sets, django_assert_max_num_queries):
    c = client_for(council.councillor)
    url = reverse("web:governance_set", args=[sets[1].pk]) + "?year=2027&quarter=2"
    c.get(url)  # figures computed once and kept, as on the scorecard page
    with django_assert_max_num_queries(40):
        r = c.get(url)
    text = r.content.decode()
    assert r.status_code == 200
    assert text.index("LAC-01") < text.index("LAC-05") < text.index("CL-03")


def test_making_a_set_refuses_an_unknown_measure_beside_the_field(council, client_for):
    c = client_for(council.hos)
    r = c.post(
        reverse("web:governance_set_new"),
        {"name": "Front door", "measures": ["FD-01"], "order": "FD-02\nZZ-01", "targets": "FD-01 >=x"},
    )
    text = r.content.decode()
    assert r.status_code == 200 and "There is a problem" in text
    assert "ZZ-01 is not in the indicator catalogue" in text
    assert "FD-01 target" in text
    r = c.post(
        reverse("web:governance_set_new"),
        {"name": "Front door", "measures": ["FD-01", "FD-02"], "order": "FD-02", "targets": "FD-01 >=90"},
    )
    s = ScorecardSet.objects.get(name="Front door")
    assert r.status_code == 302
    assert [m.indicator_id for m in s.measures.all()] == ["FD-02", "FD-01"]


def test_writing_the_pack_and_downloading_it(council, client_for, sets):
    c = client_for(council.hos)
    url = reverse("web:governance_pack") + "?year=2027&quarter=2"
    r = c.get(url)
    assert r.status_code == 200 and b"Purpose of the report" in r.content
    version = CommitteePack.objects.get(year=2027, quarter=2).version
    r = c.post(
        url,
        {
            "version": version,
            "title": "Q2 report",
            "parts": [f"set:{sets[0].pk}", "iro"],
            "purpose": "To report.",
            "recommendations": "To note.",
        },
    )
    assert r.status_code == 302
    saved = CommitteePack.objects.get(year=2027, quarter=2)
    assert saved.title == "Q2 report" and saved.parts == [f"set:{sets[0].pk}", "iro"]
    r = c.post(
        url, {"version": version, "title": "Stale", "parts": ["iro"], "purpose": "x", "recommendations": "y"}
    )
    assert CommitteePack.objects.get(year=2027, quarter=2).title == "Q2 report"  # a stale form is refused
    r = client_for(council.councillor).get(reverse("web:governance_pack_download", args=[2027, 2, "docx"]))
    assert r.status_code == 200 and r["Content-Disposition"].endswith('.docx"')
    assert client_for(council.councillor).post(url, {"title": "x"}).status_code == 403


def test_a_councillor_gets_the_public_version_only(council, client_for, sets):
    from safeguard.audit.models import AuditEvent

    r = client_for(council.councillor).get(
        reverse("web:governance_pack_download", args=[2027, 2, "pdf"]) + "?version=internal"
    )
    assert r.status_code == 200 and r.content[:4] == b"%PDF"
    assert "internal" not in r["Content-Disposition"]
    event = AuditEvent.objects.get(action="export", object_type="governance.CommitteePack")
    assert event.detail["public"] is True
