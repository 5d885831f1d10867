"""Missing episodes, return interviews, DoLOs, previous permanence and care leavers."""

import datetime as dt

import pytest

from safeguard.core.errors import EditConflict
from safeguard.looked_after import services as s
from safeguard.looked_after.models import (
    CareLeaverContact,
    DeprivationOfLiberty,
    MissingEpisode,
    PreviousPermanenceRecord,
)

D = dt.date
TOMORROW = dt.date.today() + dt.timedelta(days=1)


# --- missing and away ------------------------------------------------------------------------

def _missing(worker, child, **kw):
    kw = {"kind": "M", "start_date": D(2023, 2, 1), **kw}
    return s.missing_episode_start(by=worker, child_id=child.pk, **kw)


def _returned_and_offered(worker, child, start_date, end_date, returned_at, offered_at):
    """A missing episode from start to return, then a return interview offered and accepted."""
    m = _missing(worker, child, start_date=start_date)
    m = s.missing_episode_end(by=worker, missing_id=m.pk, expected_version=m.version,
                              end_date=end_date, returned_at=returned_at)
    return s.return_interview_record(by=worker, missing_id=m.pk, expected_version=m.version,
                                     offered_at=offered_at, accepted=True)


def test_missing_episode_start_end_and_return_interview(worker, in_care):
    """Statutory guidance on children who run away or go missing (DfE 2014): RHI offered."""
    m = _returned_and_offered(worker, in_care, D(2023, 2, 1), D(2023, 2, 2),
                              dt.datetime(2023, 2, 2, 9, 0, tzinfo=dt.UTC),
                              dt.datetime(2023, 2, 3, 10, 0, tzinfo=dt.UTC))
    assert (m.end_date, m.return_interview_accepted) == (D(2023, 2, 2), True)


def test_return_time_is_read_in_the_councils_time_zone(worker, in_care):
    """T14 (INDICATORS.md; §0.4): a return at 00:30 BST on 16 July 2025 (23:30 UTC on the 15th)
    belongs to an episode ending on 16 July, the London date, whatever zone the time arrives in;
    an offer made that morning is not before the return."""
    m = _returned_and_offered(worker, in_care, D(2025, 7, 14), D(2025, 7, 16),
                              dt.datetime(2025, 7, 15, 23, 30, tzinfo=dt.UTC),
                              dt.datetime(2025, 7, 16, 9, 0, tzinfo=dt.UTC))
    assert m.end_date == D(2025, 7, 16) and m.return_interview_accepted


MISSING_CASES = [
    ("903 1006", {"kind": "X"}),
    ("903 564", {"start_date": None}),
    ("903 1004", {"start_date": TOMORROW}),
    ("903 586", {"start_date": D(2015, 1, 1)}),
    ("903 581", {"start_date": D(2022, 12, 1)}),
    ("903 567", {"end_date": D(2023, 1, 20)}),
    ("903 1005", {"end_date": TOMORROW}),
    ("local", {"end_date": D(2023, 2, 3),
               "returned_at": dt.datetime(2023, 2, 4, 9, 0, tzinfo=dt.UTC)}),
]


@pytest.mark.parametrize("rule,kw", MISSING_CASES, ids=[c[0] for c in MISSING_CASES])
def test_missing_refused(rule, kw, worker, in_care, refused):
    """SSDA903 Missing rules (case id names the rule): 564, 567, 581, 586, 1004-1006; local: the
    return time falls on the day the episode ended."""
    refused(rule, _missing, worker, in_care, **kw)


def test_574_no_overlapping_missing_episodes(worker, in_care, refused):
    """SSDA903 rule 574: a missing period cannot start while another is open."""
    _missing(worker, in_care)
    refused("903 574", _missing, worker, in_care, kind="A", start_date=D(2023, 2, 5))


def test_578_missing_after_care_ended(worker, in_care, refused):
    """SSDA903 rule 578: the child cannot go missing from care after care ended."""
    s.period_of_care_end(by=worker, child_id=in_care.pk, end_date=D(2023, 6, 1),
                         reason_ceased="E4A")
    refused("903 578", _missing, worker, in_care, start_date=D(2023, 7, 1))


def test_missing_end_refused(worker, in_care, refused):
    """SSDA903 rules 567 (end before start) and 1005 (valid end date) on ending an episode."""
    first = _missing(worker, in_care, end_date=D(2023, 3, 1))
    assert first.end_date
    late = _missing(worker, in_care, start_date=D(2023, 4, 1))
    refused("903 567", s.missing_episode_end, by=worker, missing_id=late.pk,
            expected_version=late.version, end_date=D(2023, 3, 20))
    refused("903 1005", s.missing_episode_end, by=worker, missing_id=late.pk,
            expected_version=late.version, end_date=TOMORROW)


def test_missing_end_edit_conflict(worker, in_care):
    """Lost-update protection: two workers end the same missing episode from one version."""
    m = _missing(worker, in_care)
    s.missing_episode_end(by=worker, missing_id=m.pk, expected_version=m.version,
                          end_date=D(2023, 2, 2))
    with pytest.raises(EditConflict):
        s.missing_episode_end(by=worker, missing_id=m.pk, expected_version=m.version,
                              end_date=D(2023, 2, 5))
    assert MissingEpisode.objects.get().end_date == D(2023, 2, 2)


def test_return_interview_needs_return(worker, in_care, refused):
    """Local: a return home interview follows the child's return."""
    m = _missing(worker, in_care)
    refused("local", s.return_interview_record, by=worker, missing_id=m.pk,
            expected_version=m.version, offered_at=dt.datetime(2023, 2, 3, tzinfo=dt.UTC))


# --- deprivation of liberty ------------------------------------------------------------------

def _dolo(worker, child, **kw):
    kw = {"start_date": D(2023, 2, 1), **kw}
    return s.deprivation_of_liberty_record(by=worker, child_id=child.pk, **kw)


DOLO_CASES = [
    ("903 700", {"start_date": TOMORROW}),
    ("903 708", {"start_date": D(2015, 1, 1)}),
    ("903 702", {"end_date": D(2023, 1, 20)}),
    ("903 701", {"end_date": TOMORROW}),
    ("local", {"start_date": D(2022, 12, 1)}),
]


@pytest.mark.parametrize("rule,kw", DOLO_CASES, ids=[c[0] for c in DOLO_CASES])
def test_dolo_refused(rule, kw, worker, in_care, refused):
    """SSDA903 DoLo rules 2026-27 (case id names the rule): 700, 701, 702, 708; local: the child
    must be looked after when the order starts."""
    refused(rule, _dolo, worker, in_care, **kw)


def test_705_and_dolo_end(worker, in_care, refused):
    """SSDA903 rules 705 (no DoLO while another open) and 702 (end after start)."""
    order = _dolo(worker, in_care)
    refused("903 705", _dolo, worker, in_care, start_date=D(2023, 3, 1))
    refused("903 702", s.deprivation_of_liberty_end, by=worker, dolo_id=order.pk,
            expected_version=order.version, end_date=D(2023, 1, 31))
    order = s.deprivation_of_liberty_end(by=worker, dolo_id=order.pk,
                                         expected_version=order.version, end_date=D(2023, 4, 1))
    assert order.end_date == D(2023, 4, 1)
    with pytest.raises(EditConflict):
        s.deprivation_of_liberty_end(by=worker, dolo_id=order.pk, expected_version=1,
                                     end_date=D(2023, 4, 2))


def test_710_dolo_with_parents(worker, child, start_care, refused):
    """SSDA903 rule 710: a child under a DoLO cannot be placed with parents."""
    start_care(child, placement="P1", placement_provider="PR0", urn="", legal_status="C1",
               placement_postcode="")
    refused("903 710", _dolo, worker, child)
    assert DeprivationOfLiberty.objects.count() == 0


# --- previous permanence ---------------------------------------------------------------------

def test_previous_permanence_recorded_and_corrected(worker, in_care):
    """SSDA903 PrevPerm: permanence before this period of care (since April 2016)."""
    rec = s.previous_permanence_record(by=worker, child_id=in_care.pk, option="P2",
                                       la_code="895", order_date=D(2020, 1, 1))
    rec = s.previous_permanence_record(by=worker, child_id=in_care.pk, option="P3",
                                       expected_version=rec.version)
    assert (rec.option, rec.version) == ("P3", 2)
    with pytest.raises(EditConflict):
        s.previous_permanence_record(by=worker, child_id=in_care.pk, option="P1",
                                     expected_version=1)
    assert PreviousPermanenceRecord.objects.get().option == "P3"


@pytest.mark.parametrize("rule,kw", [
    ("903 631", {"option": "P9"}),
    ("903 633", {"option": "P2", "la_code": "AB"}),
    ("903 635", {"option": "Z1", "la_code": "895"}),
    ("903 632", {"option": "P2", "order_date": D(2023, 2, 1)}),
], ids=["631", "633", "635", "632"])
def test_previous_permanence_refused(rule, kw, worker, in_care, refused):
    """SSDA903 PrevPerm rules 631, 632, 633, 635."""
    refused(rule, s.previous_permanence_record, by=worker, child_id=in_care.pk, **kw)


def test_634_previous_permanence_only_from_2016(worker, child, start_care, refused):
    """SSDA903 rule 634: only for children starting to be looked after from 1 April 2016."""
    start_care(child, decom=D(2016, 1, 10))
    refused("903 634", s.previous_permanence_record, by=worker, child_id=child.pk, option="Z1")


# --- care leavers ----------------------------------------------------------------------------

@pytest.fixture
def care_leaver(worker, make_child, start_care):
    """Born 1 January 2005, looked after from 16 until 18 (left with E17)."""
    child = make_child(date_of_birth=D(2005, 1, 1))
    start_care(child, decom=D(2021, 1, 10), placement="K2", placement_provider="PR4")
    s.period_of_care_end(by=worker, child_id=child.pk, end_date=D(2023, 1, 5),
                         reason_ceased="E17")
    return child


def _contact(worker, child, **kw):
    kw = {"contact_date": D(2023, 6, 1), "in_touch": "YES", "activity": "F2",
          "accommodation": "U1", **kw}
    return s.care_leaver_contact_record(by=worker, child_id=child.pk, **kw)


def test_care_leaver_contact_recorded(worker, care_leaver):
    """Children (Leaving Care) Act 2000 / SSDA903 OC3: in touch, activity, accommodation."""
    assert _contact(worker, care_leaver).in_touch == "YES"
    assert _contact(worker, care_leaver, in_touch="RHOM", activity="0", accommodation="0")
    assert CareLeaverContact.objects.count() == 2


OC3_CASES = [
    ("903 131", {"in_touch": "MAYBE"}),
    ("903 132", {"activity": "Q1"}),
    ("903 133", {"accommodation": "Q1"}),
    ("903 153", {"activity": ""}),
    ("903 344", {"in_touch": "DIED"}),
    ("903 345", {"activity": "0"}),
    ("local", {"contact_date": TOMORROW}),
]


@pytest.mark.parametrize("rule,kw", OC3_CASES, ids=[c[0] for c in OC3_CASES])
def test_care_leaver_refused(rule, kw, worker, care_leaver, refused):
    """SSDA903 OC3 rules 131, 132, 133, 153, 344, 345; local: no contact in the future."""
    refused(rule, _contact, worker, care_leaver, **kw)


@pytest.fixture
def young_leaver(worker, make_child, start_care):
    """Born 1 January 2006, looked after from 15 until 17 (returned to family, E13)."""
    child = make_child(date_of_birth=D(2006, 1, 1))
    start_care(child, decom=D(2021, 6, 1))
    s.period_of_care_end(by=worker, child_id=child.pk, end_date=D(2023, 6, 1),
                         reason_ceased="E13")
    return child


def test_347_no_foyer_under_18(worker, young_leaver, refused):
    """SSDA903 rule 347: care leavers under 18 cannot be accommodated in a foyer."""
    refused("903 347", _contact, worker, young_leaver, contact_date=D(2023, 8, 1),
            accommodation="T1")


def test_3001_no_former_foster_carers_at_17(worker, young_leaver, refused):
    """SSDA903 rule 3001: at 17 a care leaver cannot be with former foster carers."""
    refused("903 3001", _contact, worker, young_leaver, contact_date=D(2023, 8, 1),
            accommodation="Z1")


def test_1002_never_looked_after(worker, make_child, refused):
    """SSDA903 rule 1002: no care leaver information without episodes of care."""
    refused("903 1002", _contact, worker, make_child(date_of_birth=D(2005, 1, 1)))


def test_1007_still_looked_after(worker, make_child, start_care, refused):
    """SSDA903 rule 1007: no care leaver information while still looked after."""
    child = make_child(date_of_birth=D(2006, 1, 1))
    start_care(child, decom=D(2021, 6, 1))
    refused("903 1007", _contact, worker, child)


@pytest.mark.parametrize("rule,reason", [("903 1000", "E2"), ("903 1011", "E3")])
def test_care_leaver_after_death_or_transfer(rule, reason, worker, make_child, start_care,
                                             refused):
    """SSDA903 rules 1000 (died in care) and 1011 (care transferred to another LA)."""
    child = make_child(date_of_birth=D(2005, 1, 1))
    start_care(child, decom=D(2021, 1, 10))
    s.period_of_care_end(by=worker, child_id=child.pk, end_date=D(2022, 6, 1),
                         reason_ceased=reason)
    refused(rule, _contact, worker, child)


def test_1001_not_a_relevant_child(worker, make_child, start_care, refused):
    """SSDA903 rule 1001 / Children (Leaving Care) Act 2000: 13 weeks in care since 14."""
    child = make_child(date_of_birth=D(2005, 1, 1))
    start_care(child, decom=D(2021, 6, 1))
    s.period_of_care_end(by=worker, child_id=child.pk, end_date=D(2021, 7, 1),
                         reason_ceased="E13")
    refused("903 1001", _contact, worker, child)
