"""Periods of care and episodes: starting, changing and ending care (SSDA903 Episodes)."""

import datetime as dt

import pytest

from safeguard.audit.models import AuditEvent
from safeguard.looked_after import services as s
from safeguard.looked_after.checks import PLACEHOLDER_URN
from safeguard.looked_after.models import Episode, PeriodOfCare
from safeguard.record import change as record_change

from .conftest import BASE_START, D0

D = dt.date


# --- happy paths -----------------------------------------------------------------------------

def test_period_of_care_start_creates_period_and_first_episode(worker, child):
    """SSDA903 guidance: a period of care begins with an episode whose RNE is S."""
    period = s.period_of_care_start(by=worker, child_id=child.pk, **BASE_START)
    ep = period.episodes.get()
    assert period.start_date == D0 and period.end_date is None
    assert (ep.rne, ep.legal_status, ep.placement, ep.dec) == ("S", "C2", "U4", None)
    assert AuditEvent.objects.filter(child_id=child.pk, object_type="looked_after.Episode").exists()


def test_home_postcode_defaults_to_childs(worker, make_child):
    """SSDA903 HOME_POST is the child's home address postcode when care starts."""
    child = make_child(home_postcode="EF3 3CC")
    period = s.period_of_care_start(by=worker, child_id=child.pk,
                                    **{**BASE_START, "home_postcode": ""})
    assert period.episodes.get().home_postcode == "EF3 3CC"


def test_episode_change_ends_open_episode_and_copies_what_did_not_change(worker, in_care):
    """SSDA903: a continuation episode starts the day the previous one ends with REC X1."""
    new = s.episode_change(by=worker, child_id=in_care.pk, change_date=D(2023, 3, 1), rne="P",
                           placement="U6", urn="SC654321", reason_place_change="CARPL")
    prev = Episode.objects.get(decom=D0)
    assert (prev.dec, prev.rec, prev.reason_place_change) == (D(2023, 3, 1), "X1", "CARPL")
    assert (new.legal_status, new.category_of_need, new.placement_provider) == ("C2", "N1", "PR1")
    assert new.home_postcode == "AB1 1AA" and new.placement_postcode == "CD2 2BB"
    legal = s.episode_change(by=worker, child_id=in_care.pk, change_date=D(2023, 4, 1), rne="L",
                             legal_status="E1") if False else None
    assert legal is None


def test_change_of_legal_status_only(worker, in_care):
    """SSDA903 RNE L: change of legal status only."""
    new = s.episode_change(by=worker, child_id=in_care.pk, change_date=D(2023, 2, 1), rne="L",
                           legal_status="C1")
    assert (new.rne, new.legal_status, new.placement) == ("L", "C1", "U4")
    assert Episode.objects.get(decom=D0).reason_place_change == ""


def test_period_of_care_end_closes_period(worker, in_care):
    """SSDA903: an episode ending with a reason other than X1 ends the period of care."""
    period = s.period_of_care_end(by=worker, child_id=in_care.pk, end_date=D(2023, 6, 1),
                                  reason_ceased="E4A")
    ep = period.episodes.get()
    assert period.end_date == D(2023, 6, 1) and (ep.dec, ep.rec) == (D(2023, 6, 1), "E4A")


def test_new_period_after_one_ended(worker, in_care, start_care):
    """SSDA903: a child may have several periods of care, each starting with RNE S."""
    s.period_of_care_end(by=worker, child_id=in_care.pk, end_date=D(2023, 6, 1),
                         reason_ceased="E4A")
    start_care(in_care, decom=D(2023, 9, 1))
    assert PeriodOfCare.objects.filter(child=in_care).count() == 2


def test_services_refresh_clocks(worker, child, monkeypatch):
    """Architecture: every service re-derives the child's clocks after it saves."""
    calls = []
    monkeypatch.setattr(record_change, "sync_child_clocks",  # each service's Change re-derives them
                        lambda history, cal=None: calls.append(history.child.pk))
    s.period_of_care_start(by=worker, child_id=child.pk, **BASE_START)
    s.episode_change(by=worker, child_id=child.pk, change_date=D(2023, 2, 1), rne="L",
                     legal_status="C1")
    s.period_of_care_end(by=worker, child_id=child.pk, end_date=D(2023, 3, 1),
                         reason_ceased="E4A")
    assert calls == [child.pk] * 3


# --- episode details checked when care starts ------------------------------------------------

START_CASES = [
    # rule, child fields, start overrides
    ("903 144", {}, {"legal_status": "X9"}),
    ("903 145", {}, {"category_of_need": "N9"}),
    ("903 146", {}, {"placement": "H5", "decom": D(2025, 4, 1)}),  # withdrawn from 2025-26
    ("903 178", {}, {"placement_provider": "PR9"}),
    ("903 213", {}, {"placement": "Z11", "placement_provider": "PR4", "urn": ""}),
    ("903 526", {}, {"placement_provider": ""}),
    ("903 527", {}, {"placement": "R2", "placement_provider": "PR1", "urn": ""}),
    ("903 528", {}, {"placement": "R2", "placement_provider": "PR2", "urn": ""}),
    ("903 529", {}, {"placement": "K2", "placement_provider": "PR3"}),
    ("903 530", {}, {"placement": "P1", "placement_provider": "PR4", "urn": ""}),
    ("903 531", {}, {"placement": "P1", "placement_provider": "PR5", "urn": ""}),
    ("903 550", {}, {"placement_provider": "PR0"}),
    ("903 1008", {}, {"urn": "AB12"}),
    ("903 218", {}, {"urn": ""}),
    ("903 222", {}, {"placement": "P1", "placement_provider": "PR0"}),
    ("903 242", {}, {"placement": "K2", "placement_provider": "PR4", "urn": PLACEHOLDER_URN}),
    ("903 302", {"date_of_birth": D(2023, 2, 1)}, {}),
    ("903 352", {"date_of_birth": D(2004, 1, 1)}, {"legal_status": "V2"}),
    ("903 353", {"date_of_birth": D(1985, 1, 1)}, {"decom": D(1990, 1, 1)}),
    ("903 358", {}, {"legal_status": "J1"}),
    ("903 359", {"date_of_birth": D(2004, 6, 1)}, {}),
    ("903 371", {}, {"placement": "K3", "placement_provider": "PR4"}),
    ("903 372", {}, {"placement": "R5", "placement_provider": "PR3", "urn": ""}),
    ("903 373", {"date_of_birth": D(2020, 1, 1)}, {"placement": "S1", "placement_provider": "PR4"}),
    ("903 374", {}, {"placement": "P3", "placement_provider": "PR4", "urn": ""}),
    ("903 378", {}, {"placement": "P1", "placement_provider": "PR0", "urn": "",
                     "legal_status": "V2"}),
    ("903 380", {}, {"placement": "T1", "placement_provider": "", "urn": ""}),
    ("903 382", {}, {"legal_status": "V3", "placement": "T4", "placement_provider": "",
                     "urn": ""}),
    ("903 384", {}, {"legal_status": "V3"}),
    ("903 392d", {}, {"placement_postcode": "ab11aa"}),
    ("903 408", {}, {"placement": "A5"}),
    ("903 446", {"date_of_birth": D(2000, 1, 1)}, {"legal_status": "E1",
                                                   "decom": D(2005, 6, 1)}),
    ("903 551", {}, {"placement": "A4"}),
    ("903 553", {}, {"legal_status": "E1"}),
    ("local", {}, {"decom": dt.date.today() + dt.timedelta(days=1)}),
    ("local", {"date_of_birth": None, "expected_date_of_birth": D(2023, 5, 1), "sex": "U"}, {}),
]


@pytest.mark.parametrize("rule,child_fields,overrides", START_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(START_CASES)])
def test_start_refused(rule, child_fields, overrides, make_child, start_care, refused):
    """SSDA903 validation rules 2026-27 (DfE), checked when a period of care starts: the case id
    names the rule (codes 144-146, 178, 213, 218, 222, 242, 302, 352-384, 392d, 408, 446,
    526-553); "local" = a start in the future or before birth, impossible in fact."""
    child = make_child(**child_fields)
    refused(rule, start_care, child, **overrides)


def test_142_cannot_start_while_already_looked_after(in_care, start_care, refused):
    """SSDA903 rule 142: a new episode cannot start while the previous one is open."""
    refused("903 142", start_care, in_care, decom=D(2023, 3, 1))


def test_501_cannot_start_before_previous_episode_ended(worker, in_care, start_care, refused):
    """SSDA903 rule 501: a new episode cannot start before the previous one ended."""
    s.period_of_care_end(by=worker, child_id=in_care.pk, end_date=D(2023, 5, 1),
                         reason_ceased="E4A")
    refused("903 501", start_care, in_care, decom=D(2023, 4, 1))


def test_431_start_on_day_previous_ended(worker, in_care, start_care, refused):
    """SSDA903 rule 431: RNE S but the previous episode ended the same day."""
    s.period_of_care_end(by=worker, child_id=in_care.pk, end_date=D(2023, 5, 1),
                         reason_ceased="E4A")
    refused("903 431", start_care, in_care, decom=D(2023, 5, 1))


def test_437_no_episodes_after_death(worker, in_care, start_care, refused):
    """SSDA903 rule 437: care ceased because the child died (E2), so no further episodes."""
    s.period_of_care_end(by=worker, child_id=in_care.pk, end_date=D(2023, 5, 1),
                         reason_ceased="E2")
    refused("903 437", start_care, in_care, decom=D(2023, 6, 1))


def test_710_cannot_start_in_forbidden_placement_under_dolo(worker, in_care, start_care, refused):
    """SSDA903 rule 710 (2026-27): no secure home, parents, custody or supported accommodation
    under a deprivation of liberty order."""
    from safeguard.looked_after.models import DeprivationOfLiberty

    DeprivationOfLiberty.objects.create(child=in_care, start_date=D(2023, 2, 1))
    refused("903 710", s.episode_change, by=worker, child_id=in_care.pk,
            change_date=D(2023, 3, 1), rne="P", placement="K1", placement_provider="PR1",
            reason_place_change="CARPL")


# --- changes of episode ----------------------------------------------------------------------

def _change(worker, child, **kw):
    return s.episode_change(by=worker, child_id=child.pk, **kw)


def test_357_first_ever_episode_must_be_s(worker, child, refused):
    """SSDA903 rule 357: the child's first ever episode must have RNE S."""
    refused("903 357", _change, worker, child, change_date=D(2023, 3, 1), rne="L",
            legal_status="C1")


def test_432_after_care_ended_next_episode_must_be_s(worker, in_care, refused):
    """SSDA903 rule 432: the child ceased to be looked after, so the next RNE must be S."""
    s.period_of_care_end(by=worker, child_id=in_care.pk, end_date=D(2023, 5, 1),
                         reason_ceased="E4A")
    refused("903 432", _change, worker, in_care, change_date=D(2023, 6, 1), rne="L",
            legal_status="C1")


CHANGE_CASES = [
    ("903 431", {"rne": "S", "legal_status": "C1"}),
    ("903 143", {"rne": "Z", "legal_status": "C1"}),
    ("903 501", {"change_date": D(2023, 1, 5), "rne": "L", "legal_status": "C1"}),
    ("903 355", {"change_date": D0, "rne": "L", "legal_status": "C1"}),
    ("903 504", {"rne": "L", "legal_status": "C1", "category_of_need": "N2"}),
    ("903 434", {"rne": "L"}),
    ("903 434", {"rne": "L", "legal_status": "C1", "placement": "U6"}),
    ("903 435", {"rne": "P", "legal_status": "C1", "placement": "U6",
                 "reason_place_change": "CARPL"}),
    ("903 435", {"rne": "T"}),
    ("903 436", {"rne": "B", "placement": "U6", "reason_place_change": "CARPL"}),
    ("903 225", {"rne": "P", "placement": "U6"}),
    ("903 226", {"rne": "P", "placement": "T1", "placement_provider": "", "urn": "",
                 "reason_place_change": "CARPL"}),
    ("903 1009", {"rne": "P", "placement": "U6", "reason_place_change": "BAD"}),
    ("903 234", {"rne": "P", "placement": "U6", "reason_place_change": "CUSTOD"}),
    ("903 366", {"rne": "L", "legal_status": "V3", "placement": "U6"}),
    ("903 217", {"rne": "P", "placement": "A3", "reason_place_change": "CARPL"}),
    ("local", {"rne": "L", "legal_status": "C1", "reason_place_change": "CARPL"}),
    ("local", {"change_date": dt.date.today() + dt.timedelta(days=2), "rne": "L",
               "legal_status": "C1"}),
]


@pytest.mark.parametrize("rule,kw", CHANGE_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CHANGE_CASES)])
def test_change_refused(rule, kw, worker, in_care, refused):
    """SSDA903 validation rules 2026-27 (DfE) checked at a change of episode; the case id names
    the rule: 143, 217, 225/226/234/1009 (reason for placement change), 355, 366, 431, 434-436
    (RNE must match what changed), 501, 504; "local": no reason for a status-only change, and
    no change dated in the future."""
    kw = {"change_date": D(2023, 3, 1), **kw}
    refused(rule, _change, worker, in_care, **kw)


def test_552_placed_for_adoption_before_decision(worker, in_care, refused):
    """SSDA903 rule 552: the decision to place for adoption must be on or before placement."""
    s.adoption_decision_record(by=worker, child_id=in_care.pk, decision_date=D(2023, 3, 1))
    refused("903 552", _change, worker, in_care, change_date=D(2023, 2, 15), rne="P",
            placement="A4", reason_place_change="CARPL")


def test_377_only_two_holiday_cover_placements_a_year(worker, in_care, refused):
    """SSDA903 rule 377: only two T3 placements in any 12 months."""
    for start, back in ((D(2023, 2, 1), D(2023, 2, 10)), (D(2023, 3, 1), D(2023, 3, 10))):
        _change(worker, in_care, change_date=start, rne="P", placement="T3",
                placement_provider="", urn="")
        _change(worker, in_care, change_date=back, rne="P", placement="U4",
                placement_provider="PR1", urn="SC123456")
    refused("903 377", _change, worker, in_care, change_date=D(2023, 4, 1), rne="P",
            placement="T3", placement_provider="", urn="")


def test_575_placement_cannot_end_while_child_missing(worker, in_care, refused):
    """SSDA903 rule 575: end the missing episode before ending the placement it was from."""
    s.missing_episode_start(by=worker, child_id=in_care.pk, kind="M", start_date=D(2023, 2, 20))
    refused("903 575", _change, worker, in_care, change_date=D(2023, 3, 1), rne="P",
            placement="U6", reason_place_change="CHILD")


def test_575_missing_episode_cannot_outlast_the_placement_it_was_from(worker, in_care, refused):
    """SSDA903 rule 575: once the placement a child went missing from has ended, the missing
    episode must have ended by then, whether the move or the missing episode is recorded first."""
    _change(worker, in_care, change_date=D(2023, 3, 1), rne="P", placement="U6",
            reason_place_change="CHILD")
    refused("903 575", s.missing_episode_start, by=worker, child_id=in_care.pk, kind="M",
            start_date=D(2023, 3, 1), end_date=D(2023, 3, 5))
    other = s.missing_episode_start(by=worker, child_id=in_care.pk, kind="M",
                                    start_date=D(2023, 3, 1), end_date=D(2023, 3, 1))
    assert other.end_date == D(2023, 3, 1)
    s.missing_episode_start(by=worker, child_id=in_care.pk, kind="A", start_date=D(2023, 4, 1),
                            end_date=D(2023, 4, 9))
    refused("903 575", _change, worker, in_care, change_date=D(2023, 4, 5), rne="P",
            placement="U4", reason_place_change="CHILD")


DURATION_CASES = [
    # rule, child dob, start overrides, days until the status/placement changes
    ("903 361", D(2015, 6, 1), {"legal_status": "L1"}, 5),
    ("903 362", D(2015, 6, 1), {"legal_status": "L2"}, 25),
    ("903 363", D(2015, 6, 1), {"legal_status": "L3"}, 10),
    ("903 364", D(2010, 6, 1), {"legal_status": "J2"}, 25),
]


@pytest.mark.parametrize("rule,dob,overrides,days", DURATION_CASES,
                         ids=[c[0] for c in DURATION_CASES])
def test_legal_status_longer_than_law_allows(rule, dob, overrides, days, worker, make_child,
                                             start_care, refused):
    """Children Act 1989 ss44-46 and PACE 1984 maximum durations (SSDA903 rules 361-364)."""
    child = make_child(date_of_birth=dob)
    start_care(child, **overrides)
    refused(rule, _change, worker, child, change_date=D0 + dt.timedelta(days=days), rne="L",
            legal_status="C1")


def test_361_counts_the_whole_run_of_police_protection(worker, child, start_care, refused):
    """SSDA903 rule 361: 72 hours of police protection, across a placement move within it."""
    start_care(child, legal_status="L1")
    _change(worker, child, change_date=D0 + dt.timedelta(days=2), rne="P", placement="U6",
            reason_place_change="CARPL")
    refused("903 361", _change, worker, child, change_date=D0 + dt.timedelta(days=5), rne="L",
            legal_status="C1")


TEMPORARY_CASES = [("903 375", "T1", 50), ("903 376", "T3", 25), ("903 379", "T4", 10)]


@pytest.mark.parametrize("rule,place,days", TEMPORARY_CASES, ids=[c[0] for c in TEMPORARY_CASES])
def test_temporary_placement_too_long(rule, place, days, worker, in_care, refused):
    """SSDA903 rules 375 (hospital 6 weeks), 376 (carer's holiday 3 weeks), 379 (T4 7 days)."""
    start = D(2023, 2, 1)
    _change(worker, in_care, change_date=start, rne="P", placement=place,
            placement_provider="", urn="")
    refused(rule, _change, worker, in_care, change_date=start + dt.timedelta(days=days),
            rne="P", placement="U4", placement_provider="PR1", urn="SC123456")


# --- ending care ------------------------------------------------------------------------------

def _end(worker, child, **kw):
    kw = {"end_date": D(2023, 6, 1), "reason_ceased": "E4A", **kw}
    return s.period_of_care_end(by=worker, child_id=child.pk, **kw)


END_CASES = [
    ("903 149", {"reason_ceased": "E99"}),
    ("903 388", {"reason_ceased": "X1"}),
    ("903 355", {"end_date": D0}),
    ("903 356", {"end_date": D(2023, 1, 1)}),
    ("903 387", {"reason_ceased": "E5"}),
    ("903 389", {"reason_ceased": "E7"}),
    ("903 460", {"reason_ceased": "E17"}),
    ("903 390", {"reason_ceased": "E11"}),
    ("903 516", {"reason_ceased": "E46"}),
    ("local", {"end_date": dt.date.today() + dt.timedelta(days=1)}),
]


@pytest.mark.parametrize("rule,kw", END_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(END_CASES)])
def test_end_refused(rule, kw, worker, in_care, refused):
    """SSDA903 rules checked when care ends (case id names the rule): 149 REC code, 388 X1 needs
    a next episode, 355/356 dates, 387/389/460 age for the reason, 390 adopted needs a placement
    for adoption, 516 SGO to foster carers needs a foster placement; local: not in future."""
    if kw.get("reason_ceased") == "E46":
        _change(worker, in_care, change_date=D(2023, 3, 1), rne="P", placement="K2",
                placement_provider="PR4", reason_place_change="CARPL")
    refused(rule, _end, worker, in_care, **kw)


@pytest.mark.parametrize("rule,reason", [("903 386", "E11"), ("903 407", "E45")])
def test_end_refused_for_young_person_18_or_over(rule, reason, worker, make_child, start_care,
                                                 refused):
    """SSDA903 rules 386 (no adoption at 18+) and 407 (no special guardianship at 18+)."""
    child = make_child(date_of_birth=D(2004, 6, 1))
    start_care(child, decom=D(2021, 7, 1))
    refused(rule, _end, worker, child, end_date=D(2023, 1, 10), reason_ceased=reason)


def test_381_cannot_end_in_temporary_placement(worker, in_care, refused):
    """SSDA903 rule 381: a period of care cannot end with a temporary placement."""
    _change(worker, in_care, change_date=D(2023, 5, 1), rne="P", placement="T1",
            placement_provider="", urn="")
    refused("903 381", _end, worker, in_care, end_date=D(2023, 5, 20))


def test_365_short_break_longer_than_17_days(worker, child, start_care, refused):
    """SSDA903 rule 365: an individual short break (V3) cannot exceed 17 days."""
    start_care(child, legal_status="V3", placement="U6")
    refused("903 365", _end, worker, child, end_date=D0 + dt.timedelta(days=20))


def test_580_missing_when_care_ends_must_be_e8(worker, in_care, refused):
    """SSDA903 rule 580: a child missing when care ends must have REC E8."""
    s.missing_episode_start(by=worker, child_id=in_care.pk, kind="M", start_date=D(2023, 5, 1),
                            end_date=D(2023, 6, 1))
    refused("903 580", _end, worker, in_care, end_date=D(2023, 6, 1))
    assert _end(worker, in_care, end_date=D(2023, 6, 1), reason_ceased="E8").end_date


def test_577_missing_episode_must_be_ended_before_care_ends(worker, in_care, refused):
    """SSDA903 rule 577: care ended but a missing period has no end date."""
    s.missing_episode_start(by=worker, child_id=in_care.pk, kind="A", start_date=D(2023, 5, 1))
    refused("903 577", _end, worker, in_care, reason_ceased="E8")


def test_707_dolo_must_be_ended_before_care_ends(worker, in_care, refused):
    """SSDA903 rule 707 (2026-27): care ended but a DoLO has no end date."""
    s.deprivation_of_liberty_record(by=worker, child_id=in_care.pk, start_date=D(2023, 2, 1))
    refused("903 707", _end, worker, in_care)


def test_557_leaving_care_unadopted_needs_reversed_decision(worker, in_care, refused):
    """SSDA903 rule 557: left care not adopted, but the decision to place was not reversed."""
    s.adoption_decision_record(by=worker, child_id=in_care.pk, decision_date=D(2023, 3, 1))
    refused("903 557", _end, worker, in_care)


def test_end_refused_when_not_looked_after(worker, child, refused):
    """Local: there is no period of care to end."""
    refused("local", _end, worker, child)
