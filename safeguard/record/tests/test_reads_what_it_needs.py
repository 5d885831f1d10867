"""A save reads only what its checks and the clocks need (issue 20): the history opened by a change
reads each list of the record when first used, and the clocks are re-derived only when the change
touches what they are derived from. Clocks stay equal to what the record implies (Working Together
2023, chapter 2 and the CIN census timescales: a child's due dates always follow the record)."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.assessment import services as asv
from safeguard.casework.services import note_record
from safeguard.front_door import services as fd
from safeguard.people.services import visit_record
from safeguard.record.change import CLOCK_LISTS, Change
from safeguard.record.history import _SOURCES, ChildHistory
from safeguard.timescales import derive
from safeguard.timescales.derive import wanted_links
from safeguard.timescales.models import Clock

D = dt.date
pytestmark = pytest.mark.django_db


def _stored(child_id: int) -> set[tuple]:
    return {(c.code, c.subject_type, c.subject_id, c.sequence, c.due_date, c.met_date, c.stopped_date)
            for c in Clock.objects.filter(child_id=child_id)}


def _implied(child_id: int) -> set[tuple]:
    return {(lk.code, lk.subject_type, lk.subject_id, lk.sequence, lk.due_date, lk.met_date, lk.stopped_date)
            for lk in wanted_links(ChildHistory.load(child_id, lock=False))}


def test_clock_lists_name_every_list_the_derivation_reads():
    """If the derivation starts reading another list, a change to that list must re-derive."""
    source = Path(derive.__file__).read_text()
    read = {name for name in re.findall(r"\b(?:h|history)\.([a-z_0-9]+)", source) if name in _SOURCES}
    assert read and read <= set(CLOCK_LISTS)


def test_the_derivation_reads_only_the_clock_lists(child, worker):
    fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 1, 10), source="2A",
                     primary_need="N1")
    visit_record(by=worker, child_id=child.pk, visit_date=D(2024, 1, 12), seen=True)
    history = ChildHistory.open(child.pk, lock=False)
    assert history.unread() == list(_SOURCES)
    wanted_links(history)
    assert set(_SOURCES) - set(history.unread()) <= set(CLOCK_LISTS)


def test_an_opened_history_read_whole_equals_a_loaded_one(child, worker):
    fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 1, 10), source="2A",
                     primary_need="N1")
    opened = ChildHistory.open(child.pk, lock=False)
    opened.read(_SOURCES)
    assert opened == ChildHistory.load(child.pk, lock=False)
    assert opened.unread() == []


def test_a_case_note_reads_no_list_of_the_record_and_keeps_the_clocks(child, worker):
    """A note is not a visit: it changes no clock, so its save neither reads the child's history
    nor re-derives the clocks; the clocks stay what the record implies."""
    fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 1, 10), source="2A",
                     primary_need="N1")
    before = _stored(child.pk)
    assert before and before == _implied(child.pk)
    with CaptureQueriesContext(connection) as queries:
        note_record(by=worker, child_ids=[child.pk], kind="phone_call", occurred_on=D(2024, 1, 11),
                    title="Call with the school", text="Attendance is better.")
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    for name in CLOCK_LISTS:
        table = _SOURCES[name][0].replace(".", "_").lower()
        assert f'"{table}"' not in sql, name
    assert '"timescales_clock"' not in sql
    assert _stored(child.pk) == before


def test_a_statutory_visit_note_rederives_the_clocks(child, worker):
    """A statutory visit recorded with a note is a visit: the clocks are re-derived from it."""
    fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 1, 10), source="2A",
                     primary_need="N1")
    with CaptureQueriesContext(connection) as queries:
        note_record(by=worker, child_ids=[child.pk], kind="home_visit", occurred_on=D(2024, 1, 11),
                    title="Home visit", text="Saw Alex at home.", statutory_visit=True,
                    seen={child.pk: {"seen": True, "seen_alone": True}})
    assert '"timescales_clock"' in " ".join(q["sql"] for q in queries.captured_queries)
    assert _stored(child.pk) == _implied(child.pk)


def test_a_change_to_a_clock_list_rederives_as_before(child, worker):
    """Opening a referral starts its clocks, read from the lists as they stood before the save."""
    assert _stored(child.pk) == _implied(child.pk)
    fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 1, 10), source="2A",
                     primary_need="N1")
    assert _stored(child.pk) and _stored(child.pk) == _implied(child.pk)


def test_a_change_reads_the_lists_its_check_uses(child, worker):
    visit = visit_record(by=worker, child_id=child.pk, visit_date=D(2024, 3, 1), seen=True)
    change = Change.of(type(visit), visit.pk, by=worker, event="visit_correct")
    assert change.held.pk == visit.pk
    assert "visits" not in change.history.unread() and "referrals" in change.history.unread()


def test_many_histories_read_together_equal_each_loaded_alone(make_child, worker):
    """An import merging thousands of children reads their records together (one query a list,
    however many children): each history must be the one `load` gives."""
    children = [make_child(la_child_id=f"M{i}") for i in range(3)]
    for i, c in enumerate(children[:2]):
        ref = fd.referral_open(by=worker, child_id=c.pk, referral_date=D(2024, 1, 10 + i), source="2A",
                               primary_need="N1")
        asv.assessment_start(by=worker, referral_id=ref.pk, start_date=D(2024, 1, 12 + i))
    ids = [c.pk for c in children]
    with CaptureQueriesContext(connection) as read:
        many = ChildHistory.load_many(ids, lock=False)
    assert len(read.captured_queries) == 1 + len(_SOURCES)
    alone = {pk: ChildHistory.load(pk, lock=False) for pk in ids}
    assert many == alone
    assert [len(many[pk].assessments) for pk in ids] == [1, 1, 0]

    def fields(record) -> dict:  # every value, as the ORM read it
        return {k: v for k, v in vars(record).items() if k != "_state"}

    for pk in ids:
        for name in _SOURCES:
            assert [fields(x) for x in getattr(many[pk], name)] == [
                fields(x) for x in getattr(alone[pk], name)], name
            assert all(not x._state.adding and x._state.db == "default"
                       for x in getattr(many[pk], name))
    # A record read together is the record the ORM reads: it saves as an update.
    assessment = many[ids[0]].assessments[0]
    assessment.save()
    assert assessment.version == 2
