"""Issue 15, finding 5 (lost update): a step's form carries the record it was read from and the
version read, so a form opened earlier and saved later is refused, not let overwrite a colleague's
save in between; the refusal names what changed since (from the record's history), keeps what was
typed, and leaves the colleague's save as it was. A tampered or missing record or version is a form
error, never a 500 and never a silent save."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from safeguard.front_door import services as front_door
from safeguard.front_door.models import Referral
from safeguard.looked_after import services as looked_after
from safeguard.looked_after.models import Episode

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def url(child, key: str) -> str:
    return f"/children/{child.pk}/record/{key}/"


def opened(client, child, key: str) -> dict:
    """Open a step's form, as a browser would: the hidden fields it carries back on save."""
    response = client.get(url(child, key))
    assert response.status_code == 200
    return hidden_fields(response.content.decode())


def hidden_fields(body: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="(record_\w+)" value="([^"]*)"', body))


def text(response) -> str:
    return html.unescape(response.content.decode())


def open_referral(world, child) -> Referral:
    """An open episode of need the manager decided needs an assessment; no primary need yet."""
    referral = front_door.referral_open(
        by=world.sw_a, child_id=child.pk, referral_date=TODAY - dt.timedelta(days=5), source="1A"
    )
    return front_door.referral_record_response(
        by=world.tm_a,
        referral_id=referral.pk,
        expected_version=referral.version,
        response="assessment",
        response_date=TODAY - dt.timedelta(days=4),
    )


def test_form_carries_the_record_and_version_it_was_read_at(world, client_for):
    """Issue 15, finding 5: the hidden fields are rendered with the form (the browser journeys
    post them), with no label or form group of their own."""
    referral = open_referral(world, world.own)
    carried = opened(client_for(world.sw_a), world.own, "primary-need")
    key = f"front_door.referral:{referral.pk}"
    assert carried == {"record_pk": key, "record_version": str(referral.version)}
    body = client_for(world.sw_a).get(url(world.own, "primary-need")).content.decode()
    assert 'for="id_record_pk"' not in body and 'for="id_record_version"' not in body


def test_second_of_two_saves_is_refused_and_names_what_changed(world, client_for):
    """Issue 15, finding 5: two people open the same step; the first saves; the second's save is
    refused (409) with the changed field, its old and new value, who changed it and when; what the
    second typed is kept; the first save stands unchanged. Saving again from the form shown (which
    now carries the version just seen) is a deliberate choice and goes through."""
    child = world.own
    referral = open_referral(world, child)
    worker, manager = client_for(world.sw_a), client_for(world.tm_a)
    first, second = opened(worker, child, "primary-need"), opened(manager, child, "primary-need")

    assert worker.post(url(child, "primary-need"), {**first, "primary_need": "N1"}).status_code == 302
    saved = Referral.objects.get(pk=referral.pk)
    assert saved.primary_need == "N1"

    stale = manager.post(url(child, "primary-need"), {**second, "primary_need": "N3"})
    body = text(stale)
    assert stale.status_code == 409
    assert "govuk-error-summary" in body and "Someone else saved this referral" in body
    assert "primary need: (blank) → N1: Abuse or neglect" in body
    assert "Changed by Sw_A Test on" in body
    assert re.search(r'<option value="N3"[^>]*selected', body)  # what the manager chose is kept
    assert Referral.objects.get(pk=referral.pk).version == saved.version
    assert Referral.objects.get(pk=referral.pk).primary_need == "N1"
    assert f'name="record_version" value="{saved.version}"' in body

    again = hidden_fields(body)
    assert manager.post(url(child, "primary-need"), {**again, "primary_need": "N3"}).status_code == 302
    assert Referral.objects.get(pk=referral.pk).primary_need == "N3"


def test_closing_on_a_stale_form_does_not_overwrite_the_primary_need(world, client_for):
    """Issue 15, finding 5: the manager opens the closure (which carries the primary need read
    then); meanwhile the worker corrects the primary need; the closure is refused, naming the
    primary need's change, and the referral stays open with the worker's correction."""
    child = world.own
    referral = open_referral(world, child)
    front_door.referral_set_primary_need(
        by=world.sw_a, referral_id=referral.pk, expected_version=referral.version, primary_need="N1"
    )
    manager, worker = client_for(world.tm_a), client_for(world.sw_a)
    closing = opened(manager, child, "close")
    assert worker.post(url(child, "primary-need"), {**opened(worker, child, "primary-need"),
                                                    "primary_need": "N4"}).status_code == 302
    response = manager.post(
        url(child, "close"),
        {
            **closing,
            "closure_date": TODAY.isoformat(),
            "reason_for_closure": "RC7",
            "rationale": "Typed by the manager, keep me",
            "primary_need": "N1",
        },
    )
    body = text(response)
    assert response.status_code == 409
    assert "primary need: N1: Abuse or neglect → N4: Family in acute stress" in body
    assert "Typed by the manager, keep me" in body
    after = Referral.objects.get(pk=referral.pk)
    assert after.closure_date is None and after.primary_need == "N4"


def test_change_of_placement_from_a_form_for_an_episode_since_ended_is_refused(world, client_for):
    """Issue 15, finding 5: the change-of-placement form is for the open episode it was read from;
    if a colleague has recorded a change meanwhile (that episode ended, another opened), the stale
    form is refused and nothing more is saved."""
    child, sw = world.own, client_for(world.sw_a)
    looked_after.period_of_care_start(
        by=world.sw_a, child_id=child.pk, decom=TODAY - dt.timedelta(days=30), legal_status="C2",
        category_of_need="N1", placement="U6", placement_provider="PR1", placement_postcode="CW1 2AB",
        urn="SC123456",
    )
    stale = opened(sw, child, "care-episode")
    change = {"decom": (TODAY - dt.timedelta(days=10)).isoformat(), "rne": "P", "legal_status": "C2",
              "category_of_need": "N1", "placement": "U4", "placement_provider": "PR1",
              "placement_postcode": "CW1 2AB", "urn": "SC654321", "reason_place_change": "CARPL"}
    fresh = opened(sw, child, "care-episode")
    assert sw.post(url(child, "care-episode"), {**fresh, **change}).status_code == 302
    before = list(Episode.objects.order_by("pk").values())
    # What the worker typed on the form they opened first: valid on its own (a fresh form would save).
    late = {**change, "decom": (TODAY - dt.timedelta(days=5)).isoformat(), "placement": "U6",
            "urn": "SC123456"}
    response = sw.post(url(child, "care-episode"), {**stale, **late})
    assert response.status_code == 400
    assert "This form was opened for another episode" in text(response)
    assert list(Episode.objects.order_by("pk").values()) == before


@pytest.mark.parametrize(
    "tamper",
    [
        {"record_version": ""},
        {"record_version": "abc"},
        {"record_version": "-1"},
        {"record_version": "0"},
        {"record_version": "9" * 40},
        {"record_pk": ""},
        {"record_pk": "x1"},
        {"record_pk": "OTHER"},
        {"record_pk": "1e3"},
    ],
)
def test_tampered_or_missing_record_or_version_is_a_form_error(world, client_for, tamper):
    """Issue 15, finding 5: a hidden field missing, garbled or naming another record (here another
    child's referral) is a form error: 400, the summary says so, nothing is saved, never a 500."""
    child = world.own
    referral = open_referral(world, child)
    other = open_referral(world, world.team)
    client = client_for(world.sw_a)
    carried = opened(client, child, "primary-need")
    data = {**carried, **{k: (str(other.pk) if v == "OTHER" else v) for k, v in tamper.items()}}
    response = client.post(url(child, "primary-need"), {**data, "primary_need": "N2"})
    assert response.status_code == 400
    assert "govuk-error-summary" in text(response) and "Open the step again" in text(response)
    for r in (referral, other):
        assert Referral.objects.get(pk=r.pk).version == r.version
        assert Referral.objects.get(pk=r.pk).primary_need == ""


def test_fields_left_out_altogether_are_a_form_error(world, client_for):
    """Issue 15, finding 5: a post without the hidden fields (an old page, a script) is not saved."""
    child = world.own
    referral = open_referral(world, child)
    response = client_for(world.sw_a).post(url(child, "primary-need"), {"primary_need": "N2"})
    assert response.status_code == 400 and "Open the step again" in text(response)
    assert Referral.objects.get(pk=referral.pk).primary_need == ""


def test_a_version_the_record_never_had_is_refused_as_a_conflict(world, client_for):
    """Issue 15, finding 5: a well-formed but wrong version (ahead of the record) is refused by the
    service like any stale one, saying which version was read and which is current."""
    child = world.own
    referral = open_referral(world, child)
    client = client_for(world.sw_a)
    carried = opened(client, child, "primary-need")
    ahead = {**carried, "record_version": "99", "primary_need": "N2"}
    response = client.post(url(child, "primary-need"), ahead)
    assert response.status_code == 409
    now = referral.version
    assert f"You opened version 99 of this referral; it is now at version {now}" in text(response)
    assert Referral.objects.get(pk=referral.pk).primary_need == ""


def test_a_single_save_still_goes_through(world, client_for):
    """Issue 15, finding 5: with nobody else saving, a step that changes a record (primary need),
    one that adds to a record (an assessment on the referral, carrying its key) and one on the
    child in the address alone (a visit, carrying nothing) each save as before."""
    child = world.own
    referral = open_referral(world, child)
    client = client_for(world.sw_a)
    carried = opened(client, child, "primary-need")
    assert client.post(url(child, "primary-need"), {**carried, "primary_need": "N2"}).status_code == 302
    assert Referral.objects.get(pk=referral.pk).primary_need == "N2"

    carried = opened(client, child, "assessment")
    assert carried == {"record_pk": f"front_door.referral:{referral.pk}"}
    start = {"start_date": (TODAY - dt.timedelta(days=3)).isoformat()}
    assert client.post(url(child, "assessment"), {**carried, **start}).status_code == 302
    assert referral.assessments.count() == 1

    assert opened(client, child, "visit") == {}
    visit = {"visit_date": TODAY.isoformat(), "seen": "on"}
    assert client.post(url(child, "visit"), visit).status_code == 302


def test_a_stale_allocation_does_not_replace_a_colleagues(world, client_for):
    """Issue 15, finding 5: two managers open "Allocate a social worker" for the same unallocated
    child; the first allocates; the second's form, opened before that allocation, is refused rather
    than silently replacing it (the form carries the allocation it replaces, or the child if none)."""
    from safeguard.workforce.models import Allocation

    child = world.unallocated
    first, second = client_for(world.tm_a), client_for(world.tm_a)
    carried_first, carried_second = opened(first, child, "allocate"), opened(second, child, "allocate")
    assert carried_first == {"record_pk": f"people.child:{child.pk}"}
    day = (TODAY - dt.timedelta(days=1)).isoformat()
    data = {"start_date": day, "change_reason": ""}
    saved = first.post(url(child, "allocate"), {**carried_first, **data, "worker": world.sw_a.pk})
    assert saved.status_code == 302
    refused = second.post(url(child, "allocate"), {**carried_second, **data, "worker": world.sw_a2.pk})
    assert refused.status_code == 400
    assert "someone else has changed the record since" in refused.content.decode()
    held = Allocation.objects.filter(child=child, kind="social_worker", end_date__isnull=True)
    assert list(held.values_list("worker_id", flat=True)) == [world.sw_a.pk]
