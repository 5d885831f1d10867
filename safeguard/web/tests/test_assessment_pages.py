"""The assessment written over days, submitted, returned with comments, amended and authorised
through its pages (Working Together 2023 ch. 2: the assessment and the manager's oversight of it;
the Assessment Framework's sections; CIN census AssessmentAuthorisationDate)."""

from __future__ import annotations

import re

import pytest

from safeguard.assessment.models import Assessment
from safeguard.front_door import services as front_door
from safeguard.web.forms import ASSESSMENT_SECTIONS

from .test_journey_pages import _post, last_working_day

pytestmark = pytest.mark.django_db


def _version(page: str) -> str:
    return re.search(r'name="version" value="(\d+)"', page).group(1)


def _section(client, child, a, name, text, expect=302, **extra):
    url = f"/children/{child.pk}/assessments/{a.pk}/sections/{name}/"
    page = client.get(url).content.decode()
    return client.post(url, {"version": _version(page), "text": text, **extra})


@pytest.fixture
def started(world, client_for):
    child, day = world.own, last_working_day()
    referral = front_door.referral_open(by=world.sw_a, child_id=child.pk, referral_date=day, source="1A")
    front_door.referral_record_response(by=world.tm_a, referral_id=referral.pk,
                                        expected_version=referral.version, response="assessment",
                                        response_date=day)
    sw = client_for(world.sw_a)
    _post(sw, child, "assessment", {"start_date": day.isoformat()})
    return child, Assessment.objects.get(referral=referral), sw, client_for(world.tm_a)


def test_written_over_two_sittings_submitted_returned_amended_and_authorised(world, started):
    child, a, sw, tm = started
    page = f"/children/{child.pk}/assessments/{a.pk}/"
    # The child's page offers the assessment; its address leads to the task list.
    assert sw.get(f"/children/{child.pk}/record/assessment-write/")["Location"] == page
    names = list(ASSESSMENT_SECTIONS)
    for name in names[:3]:  # the first sitting
        assert _section(sw, child, a, name, f"Synthetic words for {name}.").status_code == 302
    shown = sw.get(page).content.decode()
    assert "3 of 6 sections written" in shown and "Not yet written" in shown
    # Submitting with sections unwritten is refused, naming each section.
    submit = f"/children/{child.pk}/assessments/{a.pk}/submit/"
    refused = sw.post(submit, {"version": _version(sw.get(submit).content.decode()), "outcome": "cin_plan",
                               "requires_support": "yes", "factors": ["16A"],
                               "child_seen_date": last_working_day().isoformat()})
    assert refused.status_code == 400
    assert "Analysis: write this section before submitting" in refused.content.decode()
    for name in names[3:]:  # the second sitting
        assert _section(sw, child, a, name, f"Synthetic words for {name}.").status_code == 302
    ok = sw.post(submit, {"version": _version(sw.get(submit).content.decode()), "outcome": "cin_plan",
                          "requires_support": "yes", "factors": ["16A", "3B"],
                          "child_seen_date": last_working_day().isoformat()})
    assert ok.status_code == 302
    a.refresh_from_db()
    assert a.status == "submitted"
    # Submitted: the words are with the manager; the worker cannot decide.
    decide = f"/children/{child.pk}/assessments/{a.pk}/decide/"
    assert sw.get(decide).status_code == 403
    assert f"/children/{child.pk}/assessments/{a.pk}/decide/" in tm.get("/manager/").content.decode()
    form = tm.get(decide).content.decode()
    assert "Neglect (16A)" in form and "Abuse and neglect" in form
    refused = tm.post(decide, {"version": _version(form), "decision": "return", "comments": ""})
    assert refused.status_code == 400 and "comments" in refused.content.decode()
    returned = tm.post(decide, {"version": _version(form), "decision": "return",
                                "comments": "Say more about the father's part in the household"})
    assert returned.status_code == 302
    shown = sw.get(page).content.decode()
    assert "Returned" in shown and "Say more about the father" in shown
    amended = _section(sw, child, a, "family_and_environment", "Father lives in the home. Synthetic.")
    assert amended.status_code == 302
    ok = sw.post(submit, {"version": _version(sw.get(submit).content.decode()), "outcome": "cin_plan",
                          "requires_support": "yes", "factors": ["16A", "3B"]})
    assert ok.status_code == 302
    form = tm.get(decide).content.decode()
    assert tm.post(decide, {"version": _version(form), "decision": "authorise",
                            "authorisation_date": last_working_day().isoformat(), "requires_support": "yes",
                            "factors": ["16A", "3B"], "comments": "Agreed: CIN plan"}).status_code == 302
    a.refresh_from_db()
    assert a.status == "authorised" and a.authorised_by == world.tm_a
    # Authorised words are frozen: a change needs a reason and is shown as an amendment.
    refused = _section(sw, child, a, "analysis", "Changed analysis.", reason="")
    assert refused.status_code == 400
    assert _section(sw, child, a, "analysis", "Changed analysis.",
                    reason="Typing error in the analysis corrected").status_code == 302
    shown = sw.get(page).content.decode()
    assert "Amendments after authorisation" in shown and "Synthetic words for analysis." in shown


def test_a_stale_section_is_refused_not_overwritten(world, started):
    child, a, sw, tm = started
    url = f"/children/{child.pk}/assessments/{a.pk}/sections/analysis/"
    old = _version(sw.get(url).content.decode())
    assert sw.post(url, {"version": old, "text": "First words."}).status_code == 302
    again = sw.post(url, {"version": old, "text": "Second words, from a page opened earlier."})
    assert again.status_code == 409 and "Second words" in again.content.decode()
