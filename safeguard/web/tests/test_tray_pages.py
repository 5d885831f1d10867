"""The worker's trays (issue 18). *To do* lists every open clock, grouped by urgency; *Incoming*
what has arrived; *Drafts* the unfinished words. *My cases* lists every child allocated to the
worker, due or not, with the status and clocks the worker needs at a glance. Each is paged with the
total shown (never a silent cap), in a fixed number of queries whatever the caseload."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.core.errors import today
from safeguard.front_door import services as front_door
from safeguard.people import services as people
from safeguard.web.forms import ASSESSMENT_SECTIONS
from safeguard.workforce.services import allocation_start

from .test_journey_pages import last_working_day

pytestmark = pytest.mark.django_db


def _cases(body: str) -> list[str]:
    table = re.search(r'<table class="govuk-table" id="my-cases">(.*?)</table>', body, re.S)
    return re.findall(r'href="/children/(\d+)/"', table.group(1)) if table else []


def test_my_cases_lists_every_allocated_child_due_or_not(world, client_for):
    sw = client_for(world.sw_a)
    todo = sw.get("/my-work/").content.decode()
    assert "My cases (1)" in todo  # own; the restricted record allocated to sw_a is closed to them
    body = sw.get("/my-work/cases/").content.decode()
    assert str(world.own.pk) in _cases(body) and "No open episode" in body and "Nothing due" in body
    assert str(world.other_team.pk) not in _cases(body)
    front_door.referral_open(by=world.sw_a, child_id=world.own.pk, referral_date=last_working_day(),
                             source="1A")
    body = sw.get("/my-work/cases/").content.decode()
    assert "Child in need" in body and "Nothing due" not in body.split(world.own.last_name)[1][:600]


def test_my_cases_is_paged_with_the_total_in_a_fixed_number_of_queries(world, client_for):
    sw = client_for(world.sw_a)
    sw.get("/my-work/cases/")
    with CaptureQueriesContext(connection) as short:
        sw.get("/my-work/cases/")
    for _ in range(55):
        world.allocate(world.new_child(), world.sw_a)
    with CaptureQueriesContext(connection) as long:
        body = sw.get("/my-work/cases/").content.decode()
    assert len(long) == len(short), [q["sql"][:80] for q in long]
    assert "My cases: 56 children" in body
    assert len(_cases(body)) == 50
    assert ': page 2"' in body
    assert len(_cases(sw.get("/my-work/cases/?page=2").content.decode())) == 6


# --- To do, Incoming, Drafts (issue 18: "without a 14-day horizon, grouped by urgency") ----------


def _clock(child, code, due):
    """An open clock due on a day (set directly: the tray reads clocks, whatever started them)."""
    from safeguard.timescales.models import Clock

    return Clock.objects.create(child=child, code=code, subject_type="test", subject_id=child.pk,
                                sequence=Clock.objects.count() + 1, start_date=due - dt.timedelta(days=10),
                                unit="D", amount=10, due_date=due)


def test_to_do_has_no_horizon_and_groups_by_urgency(world, client_for):
    """A clock due in five weeks is on the list (the old list hid it until 14 days before), under
    "Due later"; an overdue one leads, and the counts cover the whole list."""
    day = today()
    _clock(world.own, "T09", day + dt.timedelta(days=35))
    _clock(world.own, "T11", day - dt.timedelta(days=3))
    body = client_for(world.sw_a).get("/my-work/").content.decode()
    assert 'id="to-do-later"' in body and 'id="to-do-overdue"' in body
    assert body.index('id="to-do-overdue"') < body.index('id="to-do-later"')
    assert "2 things to do" in body and "To do (2)" in body
    overdue_only = client_for(world.sw_a).get("/my-work/?within=overdue").content.decode()
    assert 'id="to-do-overdue"' in overdue_only and 'id="to-do-later"' not in overdue_only


def test_to_do_for_a_team_names_each_childs_worker_and_filters_by_worker(world, client_for):
    day = today()
    _clock(world.own, "T09", day + dt.timedelta(days=3))
    tm = client_for(world.tm_a)
    body = tm.get("/my-work/?scope=team").content.decode()
    assert "Social worker</th>" in body and str(world.sw_a) in body
    assert f'href="/children/{world.own.pk}/"' in body
    other = tm.get(f"/my-work/?scope=team&worker={world.tm_a.pk}").content.decode()
    assert f'href="/children/{world.own.pk}/"' not in other


def test_to_do_reads_in_a_fixed_number_of_queries_and_pages_with_the_total(world, client_for):
    sw = client_for(world.sw_a)
    day = today()
    _clock(world.own, "T09", day)
    sw.get("/my-work/")
    with CaptureQueriesContext(connection) as short:
        sw.get("/my-work/")
    for i in range(60):
        child = world.new_child()
        world.allocate(child, world.sw_a)
        _clock(child, "T09", day + dt.timedelta(days=i))
    with CaptureQueriesContext(connection) as long:
        body = sw.get("/my-work/").content.decode()
    assert len(long) == len(short), [q["sql"][:80] for q in long]
    assert "Showing 50 of 61" in body and ': page 2"' in body


def test_a_returned_assessment_and_a_new_allocation_arrive_in_incoming(world, client_for):
    """Issue 18, Done when: "a returned assessment appears in the worker's Incoming"."""
    from safeguard.assessment import services as assessment
    from safeguard.assessment.models import Assessment

    day = last_working_day()
    referral = front_door.referral_open(by=world.sw_a, child_id=world.own.pk, referral_date=day, source="1A")
    front_door.referral_record_response(by=world.tm_a, referral_id=referral.pk,
                                        expected_version=referral.version, response="assessment",
                                        response_date=day)
    a = assessment.assessment_start(by=world.sw_a, referral_id=referral.pk, start_date=day)
    words = {name: f"Synthetic words for {name}." for name in ASSESSMENT_SECTIONS}
    assessment.assessment_save(by=world.sw_a, assessment_id=a.pk, expected_version=None, **words)
    assessment.assessment_record_child_seen(by=world.sw_a, assessment_id=a.pk, expected_version=None,
                                            child_seen_date=day)
    assessment.assessment_submit(by=world.sw_a, assessment_id=a.pk, expected_version=None, factors=["16A"],
                                 requires_support=True, outcome="cin_plan")
    tm_incoming = client_for(world.tm_a).get("/my-work/incoming/").content.decode()
    assert "decision awaiting you" in tm_incoming or "decisions awaiting you" in tm_incoming
    assessment.assessment_return(by=world.tm_a, assessment_id=a.pk, expected_version=None,
                                 comments="Say more about the father's part")
    assert Assessment.objects.get(pk=a.pk).status == "returned"
    body = client_for(world.sw_a).get("/my-work/incoming/").content.decode()
    assert "Say more about the father" in body and f"/assessments/{a.pk}/" in body
    assert f'href="/children/{world.own.pk}/"' in body  # allocated in the last fortnight too
    assert "Incoming (1)" in body  # the worker has held this child for a month: not new
    fresh = world.new_child()
    allocation_start(by=world.tm_a, child_id=fresh.pk, worker_id=world.sw_a.pk, start_date=day)
    body = client_for(world.sw_a).get("/my-work/incoming/").content.decode()
    assert f'href="/children/{fresh.pk}/"' in body and "Incoming (2)" in body


def test_drafts_list_the_workers_unfinished_words_but_never_a_child_now_closed_to_them(world, client_for):
    from safeguard.casework import drafts

    drafts.draft_save(by=world.sw_a, key=drafts.note_draft_key(world.own.pk, world.sw_a.pk),
                      url=f"/children/{world.own.pk}/notes/new/", data={"text": "Visited; synthetic words"},
                      child_id=world.own.pk, expected_version=None)
    body = client_for(world.sw_a).get("/my-work/drafts/").content.decode()
    assert "Visited; synthetic words" in body and f"/children/{world.own.pk}/notes/new/" in body
    assert "Drafts (1)" in body
    people.child_restrict(by=world.tm_a, child_id=world.own.pk, restricted=True,
                          reason="a member of staff's own family")
    body = client_for(world.sw_a).get("/my-work/drafts/").content.decode()
    assert world.own.last_name not in body and "Drafts (0)" in body


def test_siblings_on_the_caseload_sit_together_in_my_cases(world, client_for):
    first, second, between = world.new_child(), world.new_child(), world.new_child()
    for c in (first, second, between):
        world.allocate(c, world.sw_a)
    people.relationship_add(by=world.sw_a, child_id=second.pk, kind="sibling", relative_id=first.pk)
    _clock(between, "T09", today() - dt.timedelta(days=1))  # most urgent: would sit between them
    _clock(second, "T09", today() - dt.timedelta(days=2))
    order = _cases(client_for(world.sw_a).get("/my-work/cases/").content.decode())
    assert abs(order.index(str(first.pk)) - order.index(str(second.pk))) == 1


def test_other_trays_counts_are_kept_a_minute_and_the_workers_own_draft_shows_at_once(world, client_for):
    """Issue 20: the tab on screen counts its own list afresh; the other tabs' totals (each a count
    over open work) are kept a minute, except that the worker's own new draft shows at once."""
    from safeguard.casework import drafts

    sw = client_for(world.sw_a)
    assert "My cases (1)" in sw.get("/my-work/").content.decode()
    world.allocate(world.new_child(), world.sw_a)  # by their manager, not by them
    assert "My cases (1)" in sw.get("/my-work/").content.decode()  # kept
    assert "My cases (2)" in sw.get("/my-work/cases/").content.decode()  # its own tab: afresh
    assert "My cases (2)" in sw.get("/my-work/").content.decode()  # and kept from there

    assert "Drafts (0)" in sw.get("/my-work/").content.decode()
    key = drafts.note_draft_key(world.own.pk, world.sw_a.pk)
    saved = sw.post("/drafts/save/", {"sg_draft_key": key, "sg_draft_version": "", "title": "Half a title"})
    assert saved.status_code == 200
    assert "Drafts (1)" in sw.get("/my-work/").content.decode()


def test_a_personal_advisers_young_people_are_their_cases(world, client_for):
    """Children Act 1989 s23D (a personal adviser for each care leaver): the young people whose
    case the PA holds are on their My cases, as a social worker's children are on theirs, each with
    their leaving-care category (Children (Leaving Care) Act 2000: relevant at 17 on leaving care,
    former relevant from 18); the tab's count says so on every tray."""
    from safeguard.looked_after import events
    from safeguard.looked_after import services as looked_after
    from safeguard.workforce.models import Allocation, User

    pa = User.objects.create_user(username="pa", password="correct horse battery", role="personal_adviser",
                                  team=world.sw_b.team, local_authority=world.la, first_name="Pat",
                                  last_name="Adviser")
    young_person = world.new_child(date_of_birth=dt.date(2006, 12, 1))
    looked_after.period_of_care_start(
        by=world.tm_a, child_id=young_person.pk, decom=dt.date(2021, 1, 4), legal_status="C2",
        category_of_need="N1", placement="U4", placement_provider="PR1", urn="SC123456",
        home_postcode="CW1 1AA", placement_postcode="CW2 2BB")
    looked_after.period_of_care_end(by=world.tm_a, child_id=young_person.pk, end_date=dt.date(2024, 6, 3),
                                    reason_ceased="E4A")
    events.care_leaver_eligibility_record(by=world.tm_a, child_id=young_person.pk, eligibility="relevant",
                                          since_date=dt.date(2024, 6, 3))
    events.care_leaver_eligibility_record(by=world.tm_a, child_id=young_person.pk,
                                          eligibility="former_relevant", since_date=dt.date(2025, 1, 1),
                                          expected_version=1)
    world.allocate(young_person, pa, kind=Allocation.Kind.PERSONAL_ADVISER)
    c = client_for(pa)
    assert "My cases (1)" in c.get("/my-work/").content.decode()
    body = c.get("/my-work/cases/").content.decode()
    assert _cases(body) == [str(young_person.pk)]
    assert "Care leaver</strong> <span class=\"govuk-body-s\">Former relevant</span>" in body
    assert "No open episode" not in body


def test_the_workers_team_is_read_once_a_page(world, client_for):
    """Issue 20 (pages read only what they show, once): the access policy's read of the worker's
    team is the one the header's "Signed in as … (Social worker, team)" uses."""
    sw = client_for(world.sw_a)
    sw.get("/my-work/")
    with CaptureQueriesContext(connection) as q:
        body = sw.get("/my-work/").content.decode()
    assert f"(Social worker, {world.sw_a.team.name})" in body
    assert sum('"workforce_team"' in x["sql"] and "FROM" in x["sql"] for x in q.captured_queries) == 1
