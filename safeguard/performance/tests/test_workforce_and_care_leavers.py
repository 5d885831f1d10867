"""Caseloads (INDICATORS.md WF-01, DfE workforce method) and care leavers (CL-02, CL-03: SSDA903 OC3)."""

import datetime as dt
from decimal import Decimal

import pytest

from safeguard.looked_after import services as ls
from safeguard.workforce.models import User
from safeguard.workforce.services import allocation_start

from .conftest import figure, period

D = dt.date
AT = period(D(2026, 3, 31), D(2026, 3, 31))
YEAR = period(D(2025, 4, 1), D(2026, 3, 31))


@pytest.mark.django_db
def test_caseload_is_cases_over_fte_of_case_holders(la, team, worker, make_child):
    """WF-01 (DfE children's social work workforce, S14): cases held at the date divided by the FTE
    of workers holding one or more; each child is one case; a worker with no cases is left out;
    an allocation ended before the date is not a case."""
    part_time = User.objects.create_user(username="sw2", password="x", role=User.Role.SOCIAL_WORKER,
                                         team=team, local_authority=la, fte=Decimal("0.5"))
    User.objects.create_user(username="sw3", password="x", role=User.Role.SOCIAL_WORKER, team=team,
                             local_authority=la)  # holds no cases
    children = [make_child() for _ in range(4)]
    for child in children[:2]:
        allocation_start(by=worker, child_id=child.pk, worker_id=worker.pk, start_date=D(2025, 5, 1))
    allocation_start(by=worker, child_id=children[2].pk, worker_id=part_time.pk, start_date=D(2025, 5, 1))
    allocation_start(by=worker, child_id=children[3].pk, worker_id=part_time.pk, start_date=D(2026, 4, 2))
    result = figure("WF-01", la, AT)
    assert (result.numerator, result.denominator, result.value) == (3, 1.5, 2.0)


@pytest.mark.django_db
def test_care_leavers_aged_19_to_21_neet_and_suitably_housed(la, worker, make_child):
    """CL-02/CL-03 (SSDA903 OC3 ACTIV G4-G6 NEET; ACCOM suffix 1 suitable): only contacts when the
    young person is 19, 20 or 21; the not-in-touch stay in the denominator."""
    contact = D(2025, 9, 1)

    def leaver(dob, activity, accommodation, in_touch="YES"):
        child = make_child(date_of_birth=dob)
        ls.period_of_care_start(by=worker, child_id=child.pk, decom=D(2020, 1, 6), legal_status="V2",
                                category_of_need="N1", placement="U6", placement_provider="PR1",
                                urn="SC123456", placement_postcode="CW2 2BB")
        ls.period_of_care_end(by=worker, child_id=child.pk, end_date=dob.replace(year=dob.year + 18),
                              reason_ceased="E17")
        from safeguard.looked_after.events import care_leaver_contact_record

        care_leaver_contact_record(by=worker, child_id=child.pk, contact_date=contact, in_touch=in_touch,
                                   activity=activity, accommodation=accommodation)

    leaver(D(2006, 8, 20), "G5", "S2")  # 19: NEET, no fixed abode (unsuitable)
    leaver(D(2005, 8, 20), "F2", "U1")  # 20: in education, independent living
    leaver(D(2004, 9, 1), "0", "0", in_touch="NO")  # 21 on the contact day: not in touch
    leaver(D(2007, 8, 20), "G4", "B1")  # 18: outside the 19-21 cohort
    neet, housed = figure("CL-02", la, YEAR), figure("CL-03", la, YEAR)
    assert (neet.numerator, neet.denominator) == (1, 3)
    assert (housed.numerator, housed.denominator) == (1, 3)
