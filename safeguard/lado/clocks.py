"""The LADO's clocks (INDICATORS.md T16), derived from the allegation whenever a service saves.

T16R referral to the LADO within 1 working day of the employer becoming aware (Working Together /
     KCSIE; local procedures CP7);
T16S strategy meeting within 5 working days of the threshold decision [L];
T16V strategy reviews every 4 weeks (28 days) from the first strategy meeting while open [L];
T16C allegation concluded within 1 month (KCSIE target; 3 and 12 months are reported, not clocked).
The clocks belong to no child (Clock.child is empty).
"""

from __future__ import annotations

from safeguard.timescales import calendar
from safeguard.timescales.derive import Event, Link, chain, single, sync_links
from safeguard.timescales.models import Clock

from .models import Allegation

SUBJECT_TYPE = "lado.Allegation"
CODES = ("T16R", "T16S", "T16V", "T16C")
CONCLUDED = "allegation concluded"


def allegation_links(allegation: Allegation, cal=None) -> list[Link]:
    """The clock links an allegation implies. A date outside the working-day calendar gives no
    working-day clock rather than a wrong one."""
    cal = cal or calendar.current()
    a = allegation
    label = a._meta.label
    links: list[Link] = []
    closed = a.closure_date
    referral = Event(a.referral_date, label, a.pk)

    if a.employer_aware_date:
        try:
            links.append(single("T16R", a, a.employer_aware_date, referral, None, "", cal))
        except ValueError:
            pass

    meetings = sorted(a.strategy_meetings.all(), key=lambda m: (m.held_on, m.pk))
    if a.threshold_met:
        start = a.response_date or a.referral_date
        met = next((Event(m.held_on, m._meta.label, m.pk) for m in meetings if m.held_on >= start), None)
        try:
            links.append(single("T16S", a, start, met, closed, CONCLUDED, cal))
        except ValueError:
            pass
    if meetings:
        reviews = [Event(r.held_on, r._meta.label, r.pk) for r in a.reviews.all()]
        links.extend(chain("T16V", a, meetings[0].held_on, reviews, closed, CONCLUDED, cal))

    concluded = Event(closed, label, a.pk) if closed else None
    links.append(single("T16C", a, a.referral_date, concluded, None, "", cal))
    return links


def sync_allegation_clocks(allegation: Allegation, cal=None) -> None:
    """Make the stored T16 clocks of this allegation equal to what its record implies."""
    existing = Clock.objects.filter(subject_type=SUBJECT_TYPE, subject_id=allegation.pk)
    sync_links(existing, allegation_links(allegation, cal))
