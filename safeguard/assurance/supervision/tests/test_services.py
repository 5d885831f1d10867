"""Supervision: recorded by the supervisor, the reflective discussion private to the two, case
decisions on the child's record as management oversight, and compliance with the expected
frequency (Standards for employers of social workers in England; ASYE framework) [L]."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from safeguard.assurance.supervision import selectors, services
from safeguard.assurance.supervision.models import SupervisionFrequency, SupervisionSession
from safeguard.audit.models import AuditEvent
from safeguard.casework.models import CaseNote, CaseNoteChild, NoteKind
from safeguard.core.errors import today

REFLECTION = "Feeling the weight of the Family1 case; talked about boundaries."


def _session(world, **extra):
    fields = dict(supervisee_id=world.sw_a.pk, held_on=today() - dt.timedelta(days=3),
                  others_present="", reflective=REFLECTION,
                  decisions=[{"child_id": world.own.pk,
                              "decision": "Convene a strategy discussion by Friday."}])
    fields.update(extra)
    return services.session_record(by=world.tm_a, **fields)


def test_a_case_decision_is_written_on_the_childs_record_as_management_oversight(world):
    """Working Together 2023: management oversight of casework is recorded on the child's file."""
    session = _session(world)
    note = CaseNote.objects.get(pk=session.decisions.get().note_id)
    assert note.kind == NoteKind.MANAGEMENT_OVERSIGHT and note.recorded_by == world.tm_a
    assert CaseNoteChild.objects.filter(note=note, child=world.own).exists()
    assert AuditEvent.objects.filter(detail__event="note_record", child_id=world.own.pk).exists()
    assert AuditEvent.objects.filter(detail__event="session_record",
                                     object_type="supervision.SupervisionSession",
                                     detail__changes__reflective__1__startswith="[narrative").exists()


def test_the_reflective_discussion_is_private_to_the_two(world):
    """The reflective discussion is the supervisor's and the supervisee's only: their managers,
    colleagues, administrators and analysts never read it, whatever page they come through."""
    session = _session(world)
    assert selectors.reflection_of(world.tm_a, session) == REFLECTION
    assert selectors.reflection_of(world.sw_a, selectors.session_get(world.sw_a, session.pk)) == REFLECTION
    for outsider in (world.sw_a2, world.tm_b, world.admin, world.analyst, world.iro):
        assert selectors.reflection_of(outsider, session) is None
    # A council reader opens the session (date, who, decisions) but the words are not even loaded.
    seen = selectors.session_get(world.admin, session.pk)
    assert "reflective" in seen.get_deferred_fields()
    listed = selectors.sessions_of(world.admin, world.sw_a.pk)
    assert listed and all("reflective" in s.get_deferred_fields() for s in listed)
    with pytest.raises(SupervisionSession.DoesNotExist):
        selectors.session_get(world.sw_a2, session.pk)  # a colleague does not know of it
    with pytest.raises(SupervisionSession.DoesNotExist):
        selectors.session_get(world.tm_b, session.pk)


def test_only_the_supervisor_records(world):
    with pytest.raises(PermissionDenied):
        services.session_record(by=world.tm_b, supervisee_id=world.sw_a.pk, held_on=today())
    with pytest.raises(PermissionDenied):
        services.session_record(by=world.sw_a2, supervisee_id=world.sw_a.pk, held_on=today())
    with pytest.raises(PermissionDenied):  # the supervisor may change every child a decision names
        _session(world, decisions=[{"child_id": world.other_team.pk, "decision": "Close."}])
    assert not SupervisionSession.objects.exists()


def test_compliance_by_the_councils_table(world):
    """Monthly for a social worker; weekly in a newly qualified worker's first six weeks (ASYE) [L]."""
    day = today()
    services.session_record(by=world.tm_a, supervisee_id=world.sw_a.pk, held_on=day - dt.timedelta(days=10))
    services.session_record(by=world.tm_a, supervisee_id=world.sw_a2.pk, held_on=day - dt.timedelta(days=10))
    services.arrangement_set(by=world.tm_a, supervisee_id=world.sw_a2.pk, supervisor_id=world.tm_a.pk,
                             asye_started_on=day - dt.timedelta(days=14))
    teams = selectors.compliance(world.tm_a)
    rows = {w.worker.username: w for t in teams for w in t.workers}
    assert set(rows) == {"sw_a", "sw_a2"}  # team A's workers only (team B is not tm_a's)
    assert rows["sw_a"].up_to_date and rows["sw_a"].expected.key == "social_worker"
    assert not rows["sw_a2"].up_to_date and rows["sw_a2"].expected.key == "asye_first_6_weeks"
    assert teams[0].share == 50
    council = {w.worker.username for t in selectors.compliance(world.admin) for w in t.workers}
    assert {"sw_a", "sw_a2", "sw_b"} <= council
    assert selectors.compliance(world.sw_a) == []


def test_the_table_is_the_councils_to_change(world):
    """[L] a local choice: an administrator changes a row with a reason, audited."""
    row = SupervisionFrequency.objects.get(key="social_worker")
    with pytest.raises(PermissionDenied):
        services.frequency_change(by=world.tm_a, frequency_id=row.pk, expected_version=row.version,
                                  unit="D", amount=21, reason="Council decided three-weekly")
    changed = services.frequency_change(by=world.admin, frequency_id=row.pk, expected_version=row.version,
                                        unit="D", amount=21, reason="Council decided three-weekly")
    assert changed.limit == ("D", 21)
    assert AuditEvent.objects.get(detail__event="frequency_change").reason == "Council decided three-weekly"
