"""Search terms are bounded (issue 15, finding 8: a 7 KB search string cost 16 s of CPU). Reason:
every name word is scored against every distinct candidate name, so the work grows with what is
typed; the find form refuses long or odd terms with a clear message, and the selector cuts any term
it is given to the same bounds, so no single request can cost seconds."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from safeguard.access import selectors
from safeguard.audit.models import AuditEvent
from safeguard.web.forms import FindForm

pytestmark = pytest.mark.django_db


def _find(client, **params):
    started = time.perf_counter()
    response = client.get(reverse("web:find"), params)
    return response, time.perf_counter() - started


def test_a_7kb_name_gets_a_form_error_quickly(world, client_for):
    """Issue 15, finding 8: 7 KB of name is refused by the form, not searched."""
    client = client_for(world.sw_a)
    searches = AuditEvent.objects.filter(action="search").count()
    response, took = _find(client, name="Kitt " * 1400)
    assert response.status_code == 200
    assert "Ensure this value has at most 100 characters" in response.content.decode()
    assert took < 2, f"took {took:.1f} s"
    assert AuditEvent.objects.filter(action="search").count() == searches  # nothing was searched


@pytest.mark.parametrize(("params", "message"), [
    ({"name": "kit kat kim kai kid kev"}, "at most 5 words"),
    ({"name": "Kit<script>"}, "only letters, digits, spaces, hyphens and apostrophes"),
    ({"name": "x" * 101}, "at most 100 characters"),
    ({"identifier": "T0001' OR 1=1"}, "only letters, digits"),
    ({"identifier": "T" * 41}, "at most 40 characters"),
])
def test_odd_or_long_terms_get_a_clear_error(world, client_for, params, message):
    """Issue 15, finding 8: at most 100 characters and 5 words of letters, digits, spaces, hyphens
    and apostrophes for a name; an identifier of at most 40 letters, digits, spaces, '-' or '_'."""
    response, _ = _find(client_for(world.sw_a), **params)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")


def test_names_people_have_still_search(world, client_for):
    """Apostrophes, hyphens, accents and a full name of five words are all accepted."""
    for name in ("O'Brien-Smith", "Zoë Kit", "kit family1", "Anne Marie de la Cruz"):
        form = FindForm({"name": name})
        assert form.is_valid(), (name, form.errors)
    response, _ = _find(client_for(world.sw_a), name="Kit Family1")
    assert response.status_code == 200 and world.own.la_child_id in response.content.decode()


def test_the_selector_bounds_terms_from_any_caller(world):
    """Issue 15, finding 8: the selector cuts a 7 KB name to 5 words and 100 characters itself,
    so a caller that skips the form still costs milliseconds, and the audit row stays small (and
    free of the NUL that PostgreSQL cannot store)."""
    started = time.perf_counter()
    found = selectors.child_search(world.sw_a, name="Kit\x00 Family1 " + "abcdefghij" * 700,
                                   identifier="T\x00" * 3500)
    took = time.perf_counter() - started
    assert took < 2, f"took {took:.1f} s"
    assert found["results"] == [] or all(c.local_authority_id == world.la.pk for c in found["results"])
    event = AuditEvent.objects.filter(action="search").latest("pk")
    assert len(event.detail["name"]) <= selectors.SEARCH_MAX_CHARS
    assert len(event.detail["identifier"]) <= selectors.SEARCH_MAX_IDENTIFIER
    assert "\x00" not in event.detail["name"] + event.detail["identifier"]


def test_narrative_fields_show_their_limit():
    """Issue 15, finding 8: the forms show the 10,000-character limit the checks enforce, and the
    browser stops typing there (maxlength); a longer post gets a form error naming the limit."""
    from safeguard.web.forms import ClosureForm, ContactForm, StrategyDiscussionForm, VisitForm

    for form, name in ((ContactForm(), "summary"), (StrategyDiscussionForm(), "attendees"),
                       (VisitForm(), "notes"), (ClosureForm(), "rationale")):
        html = str(form[name])
        assert 'maxlength="10000"' in html, (name, html)
        assert form.fields[name].help_text == "Up to 10,000 characters."
    form = VisitForm({"notes": "x" * 10_001})
    assert not form.is_valid() and "at most 10000 characters" in str(form.errors["notes"])
