"""A deterministic simulator of a council's children's social care records.

Each child's whole journey (contacts, referrals, assessments, plans, care, leaving care) is built
in memory as a `ChildHistory`. Every record is made or changed as one `Change` to the child's
record (record/change.py) over a `RebuildSink`, through `Recorder`: the very `check_*` function
the service runs at a practitioner's save decides, and a refused record is dropped and counted by
rule code. Nothing here touches the database except `Ids` (one look-up per table for the next
primary key); the bulk writer saves the histories.

Randomness comes from `random.Random` seeded per family from the council's seed, so a seed and an
as-at date always give the same council.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.db.models.base import ModelState

from safeguard.assessment import checks as ac
from safeguard.assessment.models import Assessment, AssessmentFactorIdentified, CINPlan
from safeguard.child_protection import checks as cpc
from safeguard.child_protection.models import (
    ChildProtectionPlan,
    Conference,
    CoreGroupMeeting,
    Section47Enquiry,
    StrategyDiscussion,
)
from safeguard.core.errors import Violation
from safeguard.front_door import checks as fc
from safeguard.front_door.models import (
    Contact,
    EarlyHelpEpisode,
    PrivateFosteringArrangement,
    Referral,
)
from safeguard.looked_after import checks as lc
from safeguard.looked_after.models import (
    AdoptionJourney,
    AnnualHealthOutcomes,
    CareLeaverContact,
    CareLeaverStatus,
    Episode,
    HealthAssessment,
    LookedAfterReview,
    MissingEpisode,
    PeriodOfCare,
    PersonalEducationPlan,
    PreviousPermanenceRecord,
)
from safeguard.people import checks as pc
from safeguard.people.identifiers import upn_check_letter
from safeguard.people.models import Child, ChildDisability, Relationship, Visit
from safeguard.record.change import Change, RebuildSink
from safeguard.record.history import ChildHistory
from safeguard.record.writer import Ids
from safeguard.timescales import calendar
from safeguard.timescales.rules import RULES
from safeguard.workforce.models import Allocation, Team, User
from safeguard.workforce.services import check_allocation_start

from .parameters import ENGLAND, JOURNEYS, Calibration, CouncilShape, JourneyModel
from .postcodes import council_postcodes

UTC = dt.UTC

FIRST = ["Amara", "Ben", "Chloe", "Dylan", "Ella", "Finn", "Grace", "Harvey", "Isla", "Jack",
         "Kai", "Lily", "Mason", "Nia", "Oscar", "Poppy", "Reuben", "Sofia", "Theo", "Zara",
         "Aiden", "Bella", "Caleb", "Daisy", "Ezra", "Freya", "Gabriel", "Hana", "Idris", "Jade"]
LAST = ["Ashdown", "Brambleford", "Coldharbour", "Dunmere", "Eastling", "Foxwood", "Greyfield",
        "Hollins", "Ivybridge", "Juniper", "Kestrel", "Larkspur", "Marlow", "Northcott",
        "Oakhurst", "Pennywell", "Quarrington", "Rookley", "Saltmarsh", "Thornbury"]
ETHNIC = (["WBRI"] * 70 + ["WOTH"] * 5 + ["MWBC"] * 4 + ["MOTH"] * 3 + ["AIND"] * 2
          + ["APKN"] * 3 + ["BAFR"] * 3 + ["BCRB"] * 2 + ["CHNE", "OOTH", "WIRT", "ABAN"]
          + ["NOBT"] * 2)
SOURCES = (["1A", "1B"] * 1 + ["2A"] * 3 + ["3A", "3B", "3C"] * 2 + ["5A", "5B"] * 4 + ["6"] * 6
           + ["7", "8", "9", "10"])
NEEDS = ["N1"] * 55 + ["N2"] * 3 + ["N3"] * 6 + ["N4"] * 15 + ["N5"] * 3 + ["N6"] * 4 \
    + ["N7"] * 2 + ["N8"] * 7 + ["N9"] * 5
FACTORS = ["1A", "1B", "2A", "2B", "3A", "3B", "4A", "4B", "6A", "6B", "8B", "9A", "10A", "12A",
           "13A", "14A", "15A", "16A", "17A", "18B", "19B", "20", "22A", "23A", "24A"]
CATEGORIES = ["NEG"] * 50 + ["EMO"] * 36 + ["PHY"] * 7 + ["SAB"] * 4 + ["MUL"] * 3
MOVE_REASONS = ["CARPL", "CLOSE", "ALLEG", "STAND", "CREQB", "CREQO", "CHILD", "LAREQ", "PLACE",
                "OTHER"]
FOSTER_PLACES = ["U4", "U4", "U5", "U6", "U6", "U6", "U1", "U2", "U3"]
ACTIVITY = ["F1", "P1", "F2", "P2", "F4", "P4", "G4", "G5", "G6"]
# Suitable accommodation codes the DfE validator accepts for OC3 (its list has no S1/X1: 903 133).
ACCOMMODATION = ["B1", "C1", "D1", "E1", "G1", "H1", "K1", "R1", "T1", "U1", "V1", "W1", "Z1"]
CIN_VISIT_WD = 20
CLA_VISIT_DAYS = 42
#: Personal education plans (T13): school age, Reception to Year 11 (the rule's ages); first PEP
#: within 10 working days for most [L: no published figure]; reviewed each term, three a year [L].
PEP_AGES = RULES["T13"].ages
PEP_WITHIN_10WD = 0.85
PEP_TERM_DAYS = (105, 135)


_DEFAULTS: dict = {}


def make(model, **values):
    """A new, unsaved model instance: the field defaults plus `values` (given by attribute name,
    e.g. `child_id`). Equivalent to `model(**values)` for these records, without the cost of
    Django's generic constructor, which dominates when building a council's worth of records."""
    defaults = _DEFAULTS.get(model)
    if defaults is None:
        defaults = _DEFAULTS[model] = {f.attname: f.get_default() for f in model._meta.concrete_fields}
    obj = model.__new__(model)
    obj._state = ModelState()
    obj.__dict__.update(defaults)
    obj.__dict__.update(values)
    return obj


class Horizon(Exception):
    """A journey reached the as-at date: what follows has not happened yet."""


# --- the recorder: every record one Change, through the service's own check --------------------

class Recorder:
    """Makes each record as one `Change` over a `RebuildSink`: checked as at a practitioner's save
    and held in the child's history, or refused (the history left as it was) and counted."""

    EVENT = "generate"

    def __init__(self, ids: Ids) -> None:
        self.ids = ids
        self.sink = RebuildSink(ids, report=self.count)
        self.refusals: Counter[str] = Counter()
        self.messages: Counter[str] = Counter()  # rule: message, to find what to fix
        self.created = 0
        self.changed = 0

    def new(self, history: ChildHistory, obj, check: Callable | None, **ctx):
        """A new record, kept (with a primary key) only if it passes; None if refused."""
        change = Change(history, by=None, event=self.EVENT, sink=self.sink)
        change.new(obj, check, **ctx)
        if change.save(obj) is None:
            return None
        self.created += 1
        return obj

    def change(self, history: ChildHistory, obj, check: Callable | None, ctx: dict | None = None,
               **changes):
        """A changed copy of a held record, swapped in only if it passes; None if refused."""
        change = Change(history, by=None, event=self.EVENT, sink=self.sink)
        candidate = change.edit(obj, check, to=changes, **(ctx or {}))
        if change.save(candidate) is None:
            return None
        self.changed += 1
        return candidate

    def count(self, violations: list[Violation]) -> None:
        """The sink's report of a refused change: once for each rule it broke, and by message."""
        for rule in {v.rule for v in violations}:
            self.refusals[rule] += 1
        for v in violations:
            self.messages[f"{v.rule}: {v.message}"] += 1

# --- staff -----------------------------------------------------------------------------------

@dataclass
class Staff:
    workers: dict[str, list] = field(default_factory=dict)  # team key -> social workers
    managers: dict[str, object] = field(default_factory=dict)  # team key -> team manager
    iros: list = field(default_factory=list)
    advisers: list = field(default_factory=list)


# --- small helpers ---------------------------------------------------------------------------

def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _years(day: dt.date, n: int) -> dt.date:
    """The n-th anniversary; for 29 February, 1 March in other years (when age turns over)."""
    later = day + relativedelta(years=n)
    return later + dt.timedelta(days=1) if (later.month, later.day) < (day.month, day.day) else later


def _pick(rng: random.Random, weighted) -> object:
    total = sum(w for *_, w in weighted)
    x = rng.random() * total
    for item in weighted:
        x -= item[-1]
        if x <= 0:
            return item[0] if len(item) == 2 else item[:-1]
    last = weighted[-1]
    return last[0] if len(last) == 2 else last[:-1]


def _quantile(rng: random.Random, points: tuple[tuple[float, float], ...]) -> int:
    """A draw from a distribution given by points of its inverse CDF (linear in between)."""
    u = rng.random()
    for (u0, x0), (u1, x1) in zip(points, points[1:], strict=False):
        if u <= u1:
            return int(round(x0 + (x1 - x0) * (u - u0) / (u1 - u0)))
    return int(points[-1][1])


#: Working days from start to authorisation: median 33, IQR 17-43, 85.7% within 45 (Part D).
ASSESSMENT_WD = ((0.0, 1), (0.25, 17), (0.5, 33), (0.75, 43), (0.857, 45), (0.95, 62), (1.0, 95))
#: Working days from S47 start to ICPC: median 14, 81.4% within 15 (Part D).
ICPC_WD = ((0.0, 3), (0.3, 10), (0.5, 14), (0.814, 15), (0.95, 22), (1.0, 35))


def _postcode(rng: random.Random) -> str:
    return f"ZZ{rng.randint(1, 99)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}"


def _urn(rng: random.Random) -> str:
    return f"SC{rng.randint(100000, 999999)}"


# --- one council -----------------------------------------------------------------------------

@dataclass
class Window:
    as_at: dt.date
    years: int

    @property
    def last_year_end(self) -> dt.date:
        """The last 31 March on or before the as-at date: the end of the last complete year."""
        y = self.as_at.year if (self.as_at.month, self.as_at.day) >= (3, 31) else self.as_at.year - 1
        return dt.date(y, 3, 31)

    @property
    def start(self) -> dt.date:
        return dt.date(self.last_year_end.year - self.years, 4, 1)


class Simulator:
    """Builds the histories of one council's children, a family at a time."""

    def __init__(self, *, shape: CouncilShape, la, staff: Staff, seed: int, window: Window,
                 ids: Ids, cal: Calibration = ENGLAND, model: JourneyModel = JOURNEYS) -> None:
        self.shape, self.la, self.staff, self.seed = shape, la, staff, seed
        self.window, self.ids, self.cal, self.model = window, ids, cal, model
        self.as_at = window.as_at
        self.sim_start = dt.date(window.start.year - model.burn_in_years, 4, 1)
        self.wcal = calendar.current()
        self.rec = Recorder(ids)
        self.n_children = 0
        self.postcodes = council_postcodes(shape.la_code)
        self.organisations: list = []  # the council's agencies (demo.casework), saved by the caller

    # --- dates ---------------------------------------------------------------------------------
    def wd(self, day: dt.date, n: int) -> dt.date:
        return self.wcal.add_working_days(day, max(0, n))

    def working_on_or_before(self, day: dt.date) -> dt.date:
        while not self.wcal.is_working_day(day):
            day -= dt.timedelta(days=1)
        return day

    def by(self, day: dt.date) -> dt.date:
        """A date that must have happened by the as-at date, or the journey stops here."""
        if day > self.as_at:
            raise Horizon
        return day

    # --- postcodes -----------------------------------------------------------------------------
    def home_postcode(self, rng: random.Random) -> str:
        """A real postcode in the council's area (ONS), or a made-up one for a made-up LA code."""
        if self.postcodes is None:
            return _postcode(rng)
        return self.postcodes.own[int(rng.random() * len(self.postcodes.own))]

    def placement_postcode(self, rng: random.Random, provider: str) -> str:
        """Mostly in the council's area; some in neighbouring councils, never for the council's
        own provision (PR1, 903 rule 1015)."""
        if self.postcodes is None:
            return _postcode(rng)
        pool = self.postcodes.nearby if provider != "PR1" and rng.random() < 0.2 else self.postcodes.own
        return pool[int(rng.random() * len(pool))]

    # --- families ------------------------------------------------------------------------------
    def arrivals(self) -> list[tuple[dt.date, int, str]]:
        """(first referral date, family size, kind) for every family referred for the first time
        from the start of the simulation to the as-at date, in date order."""
        rng = random.Random(f"{self.seed}:{self.shape.la_code}:arrivals")
        m = self.model
        per_year_children = (self.cal.referrals_per_10k * self.shape.children / 10_000
                             * m.first_referral_share)
        mean_family = (1 - self.cal.sibling_group_share) + self.cal.sibling_group_share * sum(
            n * w for n, w in m.family_sizes)
        families_per_day = per_year_children / mean_family / 365.25
        out = []
        day = self.sim_start
        while day <= self.as_at:
            k = _poisson(rng, families_per_day)
            for _ in range(k):
                size = _pick(rng, m.family_sizes) if rng.random() < self.cal.sibling_group_share else 1
                r = rng.random()
                kind = ("unborn" if r < self.cal.unborn_share_of_referrals else
                        "transfer_in" if r < self.cal.unborn_share_of_referrals + 0.006 else "new")
                out.append((day, size if kind == "new" else 1, kind))
            day += dt.timedelta(days=1)
        # Children already looked after before the simulation starts (long stays reach the window).
        seed_rng = random.Random(f"{self.seed}:{self.shape.la_code}:in-care")
        entries_per_day = (self.cal.cla_rate_per_10k_at_31_march * (self.cal.cla_during_year_ratio - 1)
                           * self.shape.children / 10_000 / 365.25)
        day = max(dt.date(2010, 4, 1), dt.date(self.sim_start.year - m.care_seed_years, 4, 1))
        while day < self.sim_start:
            for _ in range(_poisson(seed_rng, entries_per_day)):
                out.append((day, 1, "in_care"))
            day += dt.timedelta(days=1)
        out.sort(key=lambda x: x[0])
        return out

    def private_fostering_arrivals(self) -> list[tuple[dt.date, int, str]]:
        """(notification date, 1, "private_fostering") for each privately fostered child notified
        (own stream and numbering, so every other family's draws are unchanged)."""
        rng = random.Random(f"{self.seed}:{self.shape.la_code}:private-fostering")
        per_day = self.cal.private_fostering_per_10k * self.shape.children / 10_000 / 365.25
        out, day = [], self.sim_start
        while day <= self.as_at:
            out += [(day, 1, "private_fostering")] * _poisson(rng, per_day)
            day += dt.timedelta(days=1)
        return out

    def family(self, n: int, day: dt.date, size: int, kind: str) -> list[ChildHistory]:
        people_rng = random.Random(f"{self.seed}:{self.shape.la_code}:family:{n}:people")
        last_name = people_rng.choice(LAST)
        postcode = self.home_postcode(people_rng)
        histories = []
        ages = sorted({self._age(people_rng) for _ in range(size)}) if kind == "new" else [None]
        for k, age in enumerate(ages):
            h = self._register(people_rng, day, age, kind, last_name, postcode, f"{n:07d}{k}")
            if h is not None:
                histories.append(h)
        for a in histories:
            for b in histories:
                if a is not b:
                    rel = make(Relationship, child_id=a.child.pk, kind=Relationship.Kind.SIBLING,
                                       relative_id=b.child.pk)
                    self.rec.new(a, rel, _relationship_check, relative_dob=b.child.date_of_birth)
        for h in histories:
            # Siblings share the family's journey draws, so their records move together.
            rng = random.Random(f"{self.seed}:{self.shape.la_code}:family:{n}:journey")
            try:
                if kind == "in_care":
                    self.seeded_care(h, rng, day)
                elif kind == "private_fostering":
                    self.private_fostering(h, rng, day)
                else:
                    self.journey(h, rng, day, transfer_in=kind == "transfer_in")
            except Horizon:
                pass
        return histories

    def _upn(self, dob: dt.date | None, ref: str) -> dict:
        """A valid UPN (with its check letter) for a child aged 4 or more at the as-at date (of
        school age: 903 209); UN1 (not yet of school age) otherwise. Own stream: other draws are unchanged."""
        if dob is None or lc.age_on(dob, self.as_at) < 4:
            return {"upn": "", "upn_unknown": "UN1"}
        side = random.Random(f"{self.seed}:{self.shape.la_code}:upn:{ref}")
        body = (f"{self.shape.la_number % 1000:03d}{side.randint(1000, 9999)}"
                f"{(dob.year + 5) % 100:02d}{side.randint(0, 999):03d}")
        return {"upn": upn_check_letter(body) + body, "upn_unknown": ""}

    def _age(self, rng: random.Random) -> int:
        lo, hi = _pick(rng, self.model.referral_ages)
        return rng.randint(lo, hi)

    def _register(self, rng, day, age, kind, last_name, postcode, ref: str) -> ChildHistory | None:
        self.n_children += 1
        if kind == "unborn":
            dob, edd, sex = None, day + dt.timedelta(days=rng.randint(60, 220)), "U"
        else:
            if kind == "in_care":
                age = _pick(rng, ((0, 0, 0.19), (1, 4, 0.14), (5, 9, 0.17), (10, 15, 0.38),
                                  (16, 16, 0.12)))
                age = rng.randint(*age)
            elif kind == "transfer_in":
                age = rng.randint(0, 14)
            elif kind == "private_fostering":
                age = rng.randint(6, 15)
            dob = day - relativedelta(years=age) - dt.timedelta(days=rng.randint(1, 364))
            edd, sex = None, rng.choice("MF")
        child = make(Child, local_authority_id=self.la.pk,
                      la_child_id=f"G{self.shape.la_number}{ref}",
                      first_name=rng.choice(FIRST), last_name=last_name, date_of_birth=dob,
                      expected_date_of_birth=edd, sex=sex, ethnicity=rng.choice(ETHNIC),
                      home_postcode=postcode, **self._upn(dob, ref))
        disabilities = [rng.choice(["LD", "AUT", "COMM", "BEH", "MOB"])] if (
            dob and rng.random() < 0.08) else []
        h = ChildHistory(child=child)
        if self.rec.new(h, child, _child_check, disabilities=disabilities) is None:
            return None
        for code in disabilities:
            self.rec.new(h, make(ChildDisability, child_id=child.pk, code=code), None)
        return h

    def private_fostering(self, h: ChildHistory, rng: random.Random, notified: dt.date) -> None:
        """A notified private fostering arrangement and its visits (T15: first within 7 working
        days, then 6-weekly in the first year and 12-weekly after), until it ends or the child is 16."""
        start = max(notified - dt.timedelta(days=rng.randint(0, 28)), h.child.date_of_birth)
        pf = self.rec.new(h, make(PrivateFosteringArrangement, child_id=h.child.pk,
                                  notified_date=notified, start_date=start,
                                  carer_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}"),
                          fc.check_private_fostering_notify)
        if pf is None:
            return
        end = min(start + dt.timedelta(days=int(rng.expovariate(1 / 300)) + 28),
                  _years(h.child.date_of_birth, 16) - dt.timedelta(days=1))
        on_time = rng.random() < self.cal.private_fostering_first_visit_7wd
        first = self.wd(notified, rng.randint(1, 7) if on_time else rng.randint(8, 20))

        def step(day: dt.date) -> dt.date:
            if day < first:
                return first
            weeks = 6 if day < _years(notified, 1) else 12  # deemed to begin when notified (reg 8(6))
            return day + dt.timedelta(days=7 * weeks - rng.randint(0, 6) + (8 if rng.random() < 0.1 else 0))

        self._visits(h, rng, notified, end, step)
        if end <= self.as_at:
            self.rec.change(h, pf, fc.check_private_fostering_end, end_date=end)

    # --- the child's life with services ------------------------------------------------------
    def journey(self, h: ChildHistory, rng: random.Random, day: dt.date, *, transfer_in: bool) -> None:
        m = self.model
        while day <= self.as_at:
            dob = h.child.date_of_birth  # read each time: a birth replaces the child record
            if dob and day >= _years(dob, 18):
                return
            outcome = self.episode(h, rng, day, transfer_in=transfer_in)
            transfer_in = False
            closed, how = outcome
            if closed is None or how in ("moved", "adopted", "sgo", "eighteen"):
                return
            again = m.re_referral_after_cp_or_care if (h.cp_plans or h.periods) else \
                m.re_referral_after_close
            if rng.random() >= again:
                return
            day = closed + dt.timedelta(days=1 + int(rng.expovariate(1 / m.re_referral_gap_days)))

    def episode(self, h: ChildHistory, rng: random.Random, day: dt.date, *,
                transfer_in: bool = False) -> tuple[dt.date | None, str]:
        """One episode of need from a referral on `day`: (closure date or None if open, how)."""
        try:
            return self._episode(h, rng, day, transfer_in)
        except Horizon:
            return None, "open"

    def _contacts(self, h: ChildHistory, rng: random.Random, day: dt.date):
        manager = self.staff.managers["front_door"]
        extra = _poisson(rng, self.cal.contacts_per_referral - 1)
        for _ in range(extra):
            when = day - dt.timedelta(days=rng.randint(1, 150))
            if when < self.sim_start:
                continue
            c = self.rec.new(h, make(Contact, child_id=h.child.pk, received_at=_at(when, 10),
                                        source=rng.choice(SOURCES)), fc.check_contact_record)
            if c is not None:
                decision = rng.choice(["nfa", "advice", "advice", "early_help"])
                self.rec.change(h, c, fc.check_contact_decide, decision=decision,
                                decided_at=_at(when, 16), decided_by_id=manager.pk)
                if decision == "early_help":
                    self._early_help(h, when, c.pk)
        return None

    def _early_help(self, h: ChildHistory, decided: dt.date, contact_pk: int) -> None:
        """Early help after a contact: start, early help assessment, end (own random stream, so
        adding it leaves every other draw of the journey as it was)."""
        side = random.Random(f"{self.seed}:{self.shape.la_code}:early-help:{h.child.pk}:{contact_pk}")
        if side.random() < 0.4:
            return
        start = decided + dt.timedelta(days=side.randint(1, 10))
        end = start + dt.timedelta(days=side.randint(60, 200))
        if end > self.as_at or any(e.end_date is None or e.end_date >= start for e in h.early_help):
            return
        ep = self.rec.new(h, make(EarlyHelpEpisode, child_id=h.child.pk, start_date=start,
                                  organisation=side.choice(["Family Hub", "School", "Health visiting"])),
                          fc.check_early_help_start)
        if ep is None:
            return
        ep = self.rec.change(h, ep, fc.check_early_help_record_assessment,
                             assessment_completed_date=start + dt.timedelta(days=side.randint(10, 30)))
        if ep is not None:
            self.rec.change(h, ep, fc.check_early_help_end, end_date=end)

    def _referral(self, h, rng, day, *, transfer_in=False):
        manager = self.staff.managers["front_door"]
        self._contacts(h, rng, day)
        source = "10" if transfer_in else rng.choice(SOURCES)
        contact = self.rec.new(h, make(Contact, child_id=h.child.pk, received_at=_at(day, 9),
                                          source=source), fc.check_contact_record)
        if contact is None:
            return None
        contact = self.rec.change(h, contact, fc.check_contact_decide, decision="referral",
                                  decided_at=_at(day, 15), decided_by_id=manager.pk)
        if contact is None:
            return None
        return self.rec.new(h, make(Referral, child_id=h.child.pk, contact_id=contact.pk, referral_date=day,
                                        source=source, is_transfer_in_request=transfer_in),
                            fc.check_referral_open)

    def _allocate(self, h, day, team: str, rng, kind="social_worker", reason="TSPROC"):
        pool = (self.staff.iros if kind == "iro" else self.staff.advisers if
                kind == "personal_adviser" else self.staff.workers[team])
        worker = pool[rng.randrange(len(pool))]
        current = next((a for a in h.allocations if a.kind == kind and a.end_date is None), None)
        if current is not None and current.start_date >= day - dt.timedelta(days=1):
            return current  # no change of worker after a day: it would end on its first day (SW09STG2)
        alloc = self.rec.new(h, make(Allocation, child_id=h.child.pk, kind=kind, worker_id=worker.pk,
                                     team_id=worker.team_id, start_date=day),
                             _allocation_check, worker=worker, change_reason=reason if current else "")
        if alloc is not None and current is not None:
            # As allocation_start does: the open allocation ends the day before (checked above,
            # while it was still open).
            self.rec.change(h, current, None, end_date=day - dt.timedelta(days=1), end_reason=reason)
        return alloc

    def _end_allocations(self, h, day, kinds=("social_worker", "iro")):
        for a in list(h.allocations):
            if a.kind in kinds and a.end_date is None:
                self.rec.change(h, a, None, end_date=max(day, a.start_date))

    def _born(self, h: ChildHistory, rng: random.Random, on: dt.date) -> None:
        """An unborn child is born: date of birth and sex set, checked like a correction (the
        history then holds the corrected child: read `h.child` again)."""
        self.rec.change(h, h.child, _child_check, date_of_birth=on, sex=rng.choice("MF"),
                        **self._upn(on, h.child.la_child_id))

    def _visits(self, h, rng, start: dt.date, end: dt.date | None, step: Callable[[dt.date], dt.date]):
        child = h.child
        stop = min(end or self.as_at, self.as_at)
        day = step(start)
        n = 0
        while day <= stop:
            if child.date_of_birth and day >= child.date_of_birth:
                n += 1
                self.rec.new(h, make(Visit, child_id=child.pk, visit_date=day, seen=True,
                                      seen_alone=n % 2 == 0 and rng.random() < 0.8),
                             pc.check_visit_record)
            day = step(day)

    def _episode(self, h, rng, day, transfer_in):
        m, cal = self.model, self.cal
        child = h.child
        manager = self.staff.managers["assessment"]
        had_cp = bool(h.cp_plans)
        had_care = bool(h.periods)
        self.by(day)
        referral = self._referral(h, rng, day, transfer_in=transfer_in)
        if referral is None:
            return None, "refused"
        if child.date_of_birth is None and child.expected_date_of_birth:
            born = child.expected_date_of_birth + dt.timedelta(days=rng.randint(-14, 10))
            if born <= self.as_at:
                self._born(h, rng, born)
                child = h.child
        # The manager's decision within a working day.
        decided = self.by(self.wd(day, rng.choice([0, 0, 0, 1])))
        if not transfer_in and rng.random() < cal.referral_nfa_rate:
            referral = self.rec.change(h, referral, fc.check_referral_record_response,
                                       {"by": self.staff.managers["front_door"]},
                                       response="nfa", response_date=decided, referral_nfa=True,
                                       response_by_id=self.staff.managers["front_door"].pk)
            if referral is None:
                return None, "refused"
            return self._close(h, referral, decided, "RC7", rng), "nfa"
        s47_p = (cal.s47_per_referral * m.s47_base_adjust / (1 - cal.referral_nfa_rate)) * (
            m.s47_boost_after_cp if had_cp else 1)
        s47 = not transfer_in and rng.random() < s47_p
        fd = self.staff.managers["front_door"]
        referral = self.rec.change(h, referral, fc.check_referral_record_response, {"by": fd},
                                   response="strategy" if s47 else "assessment", response_date=decided,
                                   response_by_id=fd.pk)
        referral = self.rec.change(h, referral, fc.check_referral_set_primary_need,
                                   primary_need="N1" if (s47 or transfer_in) else rng.choice(NEEDS))
        if referral is None:
            return None, "refused"
        self._allocate(h, day, "assessment", rng)
        last = decided  # the latest activity in the episode
        plan_start = None
        s47_end = None
        if transfer_in:
            held = self.by(self.working_on_or_before(self.wd(day, rng.randint(5, 15))))
            conf = self.rec.new(h, make(Conference, referral_id=referral.pk, kind="transfer_in",
                                              notification_date=day, held_on=held, plan_required=True,
                                              chair_id=self.staff.iros[0].pk),
                                cpc.check_conference_record)
            if conf is not None:
                plan_start = self._cp_start(h, rng, referral, conf, held)
        elif s47:
            sd_day = self.by(self.wd(decided, rng.choice([0, 0, 1])))
            sd = self.rec.new(h, make(StrategyDiscussion, referral_id=referral.pk, held_on=sd_day,
                                                    s47_initiated=True),
                              cpc.check_strategy_discussion_record)
            s47_rec = self.rec.new(h, make(Section47Enquiry, referral_id=referral.pk, start_date=sd_day,
                                                       strategy_discussion_id=sd.pk if sd else None),
                                   cpc.check_section47_start)
            if s47_rec is None:
                return None, "refused"
            icpc_p = cal.icpc_per_s47 * m.icpc_base_adjust * (m.icpc_boost_after_cp if had_cp else 1)
            if rng.random() < icpc_p:
                icpc = self.by(self.wd(sd_day, _quantile(rng, ICPC_WD)))
                self.rec.change(h, s47_rec, cpc.check_section47_record_outcome, end_date=icpc,
                                outcome="icpc", icpc_not_required=False)
                needs_plan = rng.random() < cal.cp_plan_per_icpc
                conf = self.rec.new(h, make(Conference, referral_id=referral.pk, kind="initial",
                                                  section47_id=s47_rec.pk, held_on=icpc,
                                                  plan_required=needs_plan,
                                                  chair_id=self.staff.iros[0].pk),
                                    cpc.check_conference_record)
                s47_end = icpc
                if needs_plan and conf is not None:
                    plan_start = self._cp_start(h, rng, referral, conf, icpc)
            else:
                end = self.by(self.wd(sd_day, rng.randint(5, 25)))
                self.rec.change(h, s47_rec, cpc.check_section47_record_outcome, end_date=end,
                                outcome=rng.choice(["cin", "nfa", "not_substantiated"]),
                                icpc_not_required=True)
                s47_end = end
            last = max(last, s47_end)

        # The child and family assessment.
        a_start = self.wd(decided, rng.choice([0, 0, 1, 1, 2, 3]))
        in_need = True if (plan_start or transfer_in) else (
            rng.random() < (m.in_need_after_s47_without_plan if s47 else m.in_need_without_s47))
        assessment_done = None
        if a_start <= self.as_at:
            a = self.rec.new(h, make(Assessment, referral_id=referral.pk, start_date=a_start),
                             ac.check_assessment_start)
            auth = self.wd(a_start, _quantile(rng, ASSESSMENT_WD))
            if a is not None and auth <= self.as_at:
                seen = min(auth, self.wd(a_start, rng.randint(0, 5)))
                if child.date_of_birth and seen >= child.date_of_birth:
                    a = self.rec.change(h, a, ac.check_assessment_record_child_seen,
                                        child_seen_date=seen) or a
                factors = rng.sample(FACTORS, rng.randint(1, 3)) if in_need else (
                    ["21"] if rng.random() < 0.5 else rng.sample(FACTORS, 1))
                a2 = self.rec.change(h, a, ac.check_assessment_authorise,
                                     {"by": manager, "factors": factors}, authorisation_date=auth,
                                     authorised_by_id=manager.pk, requires_support=in_need,
                                     status="authorised")
                if a2 is not None:
                    for code in factors:
                        factor = make(AssessmentFactorIdentified, assessment_id=a2.pk, code=code)
                        self.rec.new(h, factor, None)
                    assessment_done = auth
                    last = max(last, auth)
        if assessment_done is None and not plan_start:
            raise Horizon
        if not in_need and not plan_start:
            # RC8/RC9 mean closed after assessment with no S47 or plan (CIN 2990); otherwise RC7.
            reason = "RC7" if s47 else "RC9" if rng.random() < m.closed_to_early_help else "RC8"
            return self._close(h, referral, self.by(last), reason, rng), "not_in_need"

        care_p_boost = m.care_again_boost if had_care else 1.0
        if plan_start:
            end, how = self._cp_phase(h, rng, referral, plan_start, care_p_boost)
            if how == "open":
                raise Horizon
            last = max(last, end)
            if how == "moved":
                return self._close(h, referral, last, "RC5", rng), "moved"
            if how == "care":
                return self._care_then_close(h, rng, referral, end, last)
            if how == "close":
                return self._close(h, referral, last, "RC7", rng), "closed"
            # Stepped down to a child in need plan from the day after the CP plan ended (the
            # final review is on the end day; CIN 4003 reads a review on a CIN plan day as clash).
            cin_start = self.by(end + dt.timedelta(days=1))
        else:
            cin_start = self.by(self.wd(last, rng.randint(0, 5)))
        end, how = self._cin_phase(h, rng, referral, cin_start, care_p_boost)
        if how == "open":
            raise Horizon
        last = max(last, end)
        if how == "care":
            return self._care_then_close(h, rng, referral, end, last)
        return self._close(h, referral, last, "RC7", rng), "closed"

    def _close(self, h, referral, day: dt.date, reason: str, rng) -> dt.date | None:
        if day > self.as_at:
            return None
        manager = self.staff.managers["assessment"]
        closed = self.rec.change(h, referral, fc.check_referral_close, {"authorised_by": manager},
                                 closure_date=day, reason_for_closure=reason,
                                 closure_rationale="Work complete; management decision to close.",
                                 closure_authorised_by_id=manager.pk)
        if closed is None:
            return None
        self._end_allocations(h, day)
        return day

    # --- child protection -----------------------------------------------------------------------
    def _cp_start(self, h, rng, referral, conf, day):
        category = rng.choice(CATEGORIES)
        plan = make(ChildProtectionPlan, referral_id=referral.pk, start_date=day, initial_category=category,
                                   latest_category=category,
                                   visit_interval_working_days=self.cal.cp_visit_working_days)
        # End a child in need plan that is open (the child moves on to a CP plan).
        for cin in [p for p in h.cin_plans if p.end_date is None]:
            self.rec.change(h, cin, ac.check_cin_plan_end, end_date=day)
        plan = self.rec.new(h, plan, cpc.check_cp_plan_start, conference_id=conf.pk)
        if plan is None:
            return None
        self.rec.change(h, plan, None, number_of_previous_cpp=cpc.previous_cp_plans(h, day))
        self.rec.change(h, conf, None, cp_plan_id=plan.pk)
        self._allocate(h, day, "cp", rng)
        self._allocate(h, day, "", rng, kind="iro")
        return day

    def _cp_phase(self, h, rng, referral, start: dt.date, care_boost: float):
        m, cal = self.model, self.cal
        plan = next(p for p in h.cp_plans if p.start_date == start and p.referral_id == referral.pk)
        length = max(30, int(rng.gammavariate(2.0, m.cp_mean_days / 2)))
        r = rng.random()
        care_p = min(0.9, m.care_from_cp * care_boost)
        how = "care" if r < care_p else "moved" if r < care_p + m.cp_transfer_out else (
            "step_down" if rng.random() < m.cp_step_down_to_cin else "close")
        if how == "care":
            length = max(20, int(length * rng.uniform(0.3, 1.0)))
        target_end = self.working_on_or_before(start + dt.timedelta(days=length))
        if target_end <= start:
            target_end = self.wd(start, 1)
        iro = self.staff.iros[rng.randrange(len(self.staff.iros))]
        # Reviews: 3 months, then every 6 months; the plan ends at a review (or the move/entry day).
        due = calendar.add_months(start, 3)
        reviews = []
        while True:
            on_time = rng.random() < cal.cp_reviews_in_timescale
            held = due - dt.timedelta(days=rng.randint(0, 20)) if on_time else \
                due + dt.timedelta(days=rng.randint(3, 40))
            held = self.working_on_or_before(held)
            if held <= start:
                held = self.wd(start, 1)
            if held >= target_end:
                break
            reviews.append(held)
            due = calendar.add_months(held, 6)
        end = target_end
        stop = min(end, self.as_at)
        for held in reviews + ([end] if how != "moved" else []):
            if held > self.as_at:
                break
            self.rec.new(h, make(Conference, referral_id=referral.pk, kind="review", cp_plan_id=plan.pk,
                                       held_on=held, chair_id=iro.pk), cpc.check_conference_record)
        # Core groups within 10 working days, then about every six weeks.
        day = self.wd(start, rng.randint(4, 11))
        while day <= stop:
            self.rec.new(h, make(CoreGroupMeeting, cp_plan_id=plan.pk, held_on=day),
                         cpc.check_core_group_record)
            day = self.wd(day, rng.randint(25, 32))
        interval = cal.cp_visit_working_days
        self._visits(h, rng, start, stop, lambda d: self.wd(d, rng.randint(interval - 3, interval + 1)))
        if end > self.as_at:
            return end, "open"
        plan = next(p for p in h.cp_plans if p.pk == plan.pk)
        if self.rec.change(h, plan, cpc.check_cp_plan_end, end_date=end) is None:
            return end, "open"
        self._end_allocations(h, end, kinds=("iro",))
        return end, how

    def _cin_phase(self, h, rng, referral, start: dt.date, care_boost: float):
        m = self.model
        plan = self.rec.new(h, make(CINPlan, referral_id=referral.pk, start_date=start),
                            ac.check_cin_plan_start)
        if plan is None:
            return start, "close"
        self._allocate(h, start, "cin", rng)
        length = max(20, int(rng.gammavariate(1.5, m.cin_plan_mean_days / 1.5)))
        care = rng.random() < min(0.9, m.care_from_cin * care_boost)
        if care:
            length = max(10, int(length * rng.uniform(0.2, 1.0)))
        end = start + dt.timedelta(days=length)
        self._visits(h, rng, start, min(end, self.as_at),
                     lambda d: self.wd(d, rng.randint(CIN_VISIT_WD - 5, CIN_VISIT_WD + 5)))
        if end > self.as_at:
            return end, "open"
        self.rec.change(h, plan, ac.check_cin_plan_end, end_date=end)
        return end, "care" if care else "close"

    # --- looked after ----------------------------------------------------------------------------
    def _care_then_close(self, h, rng, referral, entry: dt.date, last: dt.date):
        child = h.child
        if child.date_of_birth is None or entry < child.date_of_birth or lc.open_period(h) \
                or lc.age_on(child.date_of_birth, entry) >= 17:
            return self._close(h, referral, last, "RC7", rng), "closed"
        ended, how = self._care(h, rng, entry)
        if ended is None:
            raise Horizon
        reason = {"adopted": "RC1", "sgo": "RC4", "moved": "RC5"}.get(how, "RC7")
        return self._close(h, referral, max(last, ended), reason, rng), how

    def seeded_care(self, h: ChildHistory, rng: random.Random, day: dt.date) -> None:
        """A child who came into care before the simulation started: referred and looked after the
        same day; only those still in care (or whose records reach the window) are kept."""
        referral = self._referral(h, rng, day)
        if referral is None:
            return
        fd = self.staff.managers["front_door"]
        referral = self.rec.change(h, referral, fc.check_referral_record_response, {"by": fd},
                                   response="assessment", response_date=day, response_by_id=fd.pk)
        referral = self.rec.change(h, referral, fc.check_referral_set_primary_need, primary_need="N1")
        self._allocate(h, day, "assessment", rng)
        try:
            ended, how = self._care(h, rng, day)
        except Horizon:
            return
        if ended is None:
            return
        reason = {"adopted": "RC1", "sgo": "RC4", "moved": "RC5"}.get(how, "RC7")
        self._close(h, referral, ended, reason, rng)
        if how not in ("adopted", "sgo", "eighteen", "moved"):
            again = self.model.re_referral_after_cp_or_care
            if rng.random() < again:
                nxt = ended + dt.timedelta(days=1 + int(rng.expovariate(1 / self.model.re_referral_gap_days)))
                self.journey(h, rng, nxt, transfer_in=False)

    def _route(self, rng, age: int) -> str:
        table = {
            0: (("home", 0.20), ("adopted", 0.50), ("sgo", 0.24), ("other", 0.06)),
            1: (("home", 0.28), ("adopted", 0.34), ("sgo", 0.30), ("other", 0.08)),
            5: (("home", 0.38), ("sgo", 0.22), ("eighteen", 0.32), ("other", 0.08)),
            10: (("home", 0.36), ("sgo", 0.10), ("eighteen", 0.45), ("other", 0.09)),
            16: (("home", 0.25), ("eighteen", 0.65), ("other", 0.10)),
        }
        key = max(k for k in table if k <= age)
        return _pick(rng, table[key])

    def _placement(self, rng, age: int, key: str = "") -> dict:
        place = self._usual_placement(rng, age)
        if age >= 12 and random.Random(f"{self.seed}:{self.shape.la_code}:r1:{key}").random() < 0.05:
            # A residential care home not registered as a children's home (R1: no Ofsted URN);
            # decided on its own stream so the journey's other draws are unchanged.
            place.update(placement="R1", placement_provider="PR4", urn="")
        return place

    def _usual_placement(self, rng, age: int) -> dict:
        if age >= 11 and rng.random() < 0.25:
            provider = rng.choice(["PR1", "PR4", "PR4"])
            return {"placement": "K2", "placement_provider": provider,
                    "urn": _urn(rng), "placement_postcode": self.placement_postcode(rng, provider)}
        provider = rng.choice(["PR1", "PR4"])
        return {"placement": rng.choice(FOSTER_PLACES), "placement_provider": provider,
                "urn": _urn(rng), "placement_postcode": self.placement_postcode(rng, provider)}

    def _care(self, h: ChildHistory, rng: random.Random, entry: dt.date):
        """A period of care from `entry`: (end date or None if still looked after, route)."""
        m, cal = self.model, self.cal
        child = h.child
        dob = child.date_of_birth
        self.by(entry)
        age = lc.age_on(dob, entry)
        route = self._route(rng, age)
        eighteen = _years(dob, 18)
        if route == "home":
            length = max(7, int(rng.gammavariate(1.3, m.home_mean_days / 1.3)))
        elif route == "adopted":
            length = rng.randint(420, 900)
        elif route == "sgo":
            length = max(90, int(rng.gammavariate(3.0, m.sgo_mean_days / 3)))
        elif route == "other":
            length = max(14, int(rng.gammavariate(1.5, m.other_mean_days / 1.5)))
        else:
            length = (eighteen - entry).days
        end = entry + dt.timedelta(days=length)
        if end >= eighteen:
            route, end = "eighteen", eighteen
        if route == "adopted" and lc.age_on(dob, end) >= 17:
            route = "home"
        legal = "V2" if (age >= 15 and rng.random() < 0.6) or rng.random() < cal.section20_share else "C1"
        place = self._placement(rng, age, f"{child.pk}:{entry}")
        home = child.home_postcode or self.home_postcode(rng)
        need = "N1" if rng.random() < 0.65 else rng.choice(["N2", "N4", "N5", "N8"])
        first = make(Episode, decom=entry, rne="S", legal_status=legal, category_of_need=need,
                        home_postcode=home, **place)
        if lc.same_postcode(first.home_postcode, first.placement_postcode):
            first.placement_postcode = self.placement_postcode(rng, first.placement_provider)
        # The first episode is checked before its period is held (no period may be open: 903 142).
        if self.rec.new(h, first, lc.check_period_of_care_start) is None:
            return entry, "refused"
        period = self.rec.new(h, make(PeriodOfCare, child_id=child.pk, start_date=entry), None)
        first.period_of_care_id = period.pk
        self._previous_permanence(h, entry)
        self._allocate(h, entry, "cic", rng)
        self._allocate(h, entry, "", rng, kind="iro")
        stop = min(end, self.as_at)

        # Changes of legal status and placement, in date order.
        changes: list[tuple[dt.date, str, dict]] = []
        if legal == "C1" and length > 200:
            changes.append((entry + dt.timedelta(days=rng.randint(150, 300)), "L", {"legal_status": "C2"}))
        adoption = None
        if route == "adopted":
            decided = entry + dt.timedelta(days=rng.randint(120, 240))
            order = decided + dt.timedelta(days=rng.randint(20, 90))
            matched = order + dt.timedelta(days=rng.randint(60, 200))
            placed = matched + dt.timedelta(days=rng.randint(7, 40))
            adopted = max(end, placed + dt.timedelta(days=rng.randint(70, 300)))
            end = adopted
            if lc.age_on(dob, end) >= 18:
                end, route = eighteen, "eighteen"
            else:
                adoption = (decided, order, matched, placed, adopted)
                changes = [c for c in changes if c[0] < order]
                changes.append((order, "L", {"legal_status": "E1"}))
                postcode = self.placement_postcode(rng, "PR1")
                if self._foster_carers_adopt(child):
                    # The foster carers become the adopters: placement status changes only (T).
                    changes.append((placed, "T", {"placement": "A5", "urn": lc.PLACEHOLDER_URN}))
                else:
                    changes.append((placed, "P", {"placement": "A6", "placement_provider": "PR1",
                                                  "urn": lc.PLACEHOLDER_URN, "placement_postcode": postcode}))
        stop = min(end, self.as_at)
        years = max(0.0, (end - entry).days / 365.25)
        if route == "home" and (end - entry).days > 330 and legal == "C1" and rng.random() < 0.35:
            # Placed with parents under the care order before care ends (P1, placement provider PR0).
            changes.append((end - dt.timedelta(days=rng.randint(60, 150)), "P",
                            {"placement": "P1", "placement_provider": "PR0", "urn": "",
                             "placement_postcode": home}))
        rate = m.moves_per_year * (m.unstable_factor if rng.random() < m.unstable_share else 1)
        n_moves = _poisson(rng, rate * years + m.extra_moves_first_year * min(1.0, years))
        latest_move = adoption[1] if adoption else min(
            [end] + [c[0] for c in changes if c[2].get("placement") == "P1"])
        for _ in range(n_moves):
            span = (latest_move - entry).days - 10
            if span > 10:
                when = entry + dt.timedelta(days=rng.randint(5, span))
                changes.append((when, "P", {}))
        changes.sort(key=lambda c: c[0])
        decision_made = False
        last_change = entry
        status = legal
        for when, rne, what in changes:
            if when <= last_change or when >= end or when > self.as_at:
                continue
            if adoption and not decision_made and when >= adoption[0]:
                decision_made = self._adoption_decision(h, adoption[0]) is not None
            if lc.open_episode(h, period.pk).placement == "P1":
                continue  # at home on the care order until care ends
            if rne == "P" and not what:
                what = self._placement(rng, lc.age_on(dob, when), f"{child.pk}:{when}")
                reason = rng.choice(MOVE_REASONS)
            else:
                reason = {"P": "PLACE", "T": "CARPL"}.get(rne, "")
            if what.get("legal_status") == status:
                continue
            if what.get("legal_status"):
                status = what["legal_status"]
            if self._episode_change(h, period, when, rne, what, reason):
                last_change = when
        if adoption and not decision_made and adoption[0] <= self.as_at:
            decision_made = self._adoption_decision(h, adoption[0]) is not None

        self._reviews_and_health(h, rng, period, entry, stop)
        self._education(h, entry, stop)
        self._missing(h, rng, period, entry, stop, age)
        if end > self.as_at:
            self._annual_outcomes(h, rng, entry, None)
            return None, route
        # Leaving care.
        if route == "adopted" and decision_made:
            self._adoption_milestones(h, rng, adoption)
        cur = lc.open_episode(h, period.pk)
        rec = {"home": rng.choice(["E4A", "E4A", "E4A", "E4B", "E13"]),
               "adopted": rng.choice(["E11", "E11", "E12"]),
               "sgo": rng.choice(["E45", "E45", "E46"]) if cur.placement in lc.FOSTER else rng.choice(
                   ["E47", "E48"]),
               "eighteen": rng.choice(["E17", "E5", "E5", "E6", "E8"]),
               "other": rng.choice(["E3", "E8", "E8"])}[route]
        if route == "adopted" and not decision_made:
            rec = "E8"
        closed = self.rec.change(h, cur, lc.check_period_of_care_end, dec=end, rec=rec)
        if closed is None:
            # Leave the period open rather than end it wrongly; the refusal is counted.
            return None, route
        self.rec.change(h, period, None, end_date=end)
        self._end_allocations(h, end, kinds=("iro",))
        self._annual_outcomes(h, rng, entry, end)
        if route == "eighteen":
            self._care_leaver(h, rng, end)
        how = {"E3": "moved"}.get(rec, route)
        return end, how

    def _previous_permanence(self, h, entry: dt.date) -> None:
        """What permanence the child had before care (903 PrevPerm), asked when care starts:
        mostly none (Z1). Own random stream, so the journey's other draws are unchanged."""
        if h.previous_permanence or entry < lc.PREVIOUS_PERMANENCE_FROM:
            return
        side = random.Random(f"{self.seed}:{self.shape.la_code}:prev-perm:{h.child.pk}")
        option = "Z1" if side.random() < 0.9 else side.choice(["P2", "P3", "P3"])
        values = {"option": option}
        if option != "Z1":
            dob = h.child.date_of_birth
            span = (entry - dob).days
            if span < 60:
                values = {"option": "Z1"}
            else:
                values.update(la_code=f"{self.shape.la_number:03d}",
                              order_date=dob + dt.timedelta(days=side.randint(30, span - 1)))
        self.rec.new(h, make(PreviousPermanenceRecord, child_id=h.child.pk, **values),
                     lc.check_previous_permanence_record)

    def _episode_change(self, h, period, when, rne, what, reason) -> bool:
        prev = lc.open_episode(h, period.pk)
        if prev is None or when <= prev.decom:
            return False
        first = lc.episodes_of(h, period.pk)[0]
        fields = {k: what.get(k, getattr(prev, k)) for k in
                  ("legal_status", "placement", "placement_provider", "placement_postcode", "urn")}
        new = make(Episode, period_of_care_id=period.pk, decom=when, rne=rne,
                      category_of_need=first.category_of_need, home_postcode=prev.home_postcode, **fields)
        # Checked while the previous episode is still open, which then ends the day this one starts.
        if self.rec.new(h, new, lc.check_episode_change, reason_place_change=reason) is None:
            return False
        self.rec.change(h, prev, None, dec=when, rec="X1", reason_place_change=reason)
        return True

    def _adoption_decision(self, h, day):
        if day > self.as_at:
            return None
        return self.rec.new(h, make(AdoptionJourney, child_id=h.child.pk, decision_date=day),
                            lc.check_adoption_decision_record)

    def _foster_carers_adopt(self, child) -> bool:
        """Adopted by the current foster carers (AD1 FOSTER_CARE, placement A5 not A6: 903 335);
        own stream, the same answer wherever it is asked."""
        return random.Random(f"{self.seed}:{self.shape.la_code}:fc-adopt:{child.pk}").random() < 0.15

    def _adoption_milestones(self, h, rng, adoption):
        decided, order, matched, placed, adopted = adoption
        j = next((x for x in h.adoptions if x.decision_date == decided), None)
        if j is None:
            return
        couple = rng.random() < 0.85
        sex = rng.choice(["MF"] * 8 + ["MM", "FF"]) if couple else rng.choice(["F1", "F1", "M1"])
        ls = ("L11" if sex == "MF" else "L12") if couple else "L0"
        self.rec.change(h, j, lc.check_adoption_milestone_record, placement_order_date=order,
                        matched_date=matched, placed_date=placed, adoption_order_date=adopted,
                        foster_carer_adoption=self._foster_carers_adopt(h.child),
                        number_of_adopters=2 if couple else 1,
                        sex_of_adopters=sex, legal_status_of_adopters=ls)

    def _reviews_and_health(self, h, rng, period, entry: dt.date, stop: dt.date):
        child = h.child
        # Reviews: 20 working days, then 3 months, then every 6 months.
        due = self.wd(entry, 20)
        n = 0
        while True:
            on_time = rng.random() < 0.9
            day = due - dt.timedelta(days=rng.randint(0, 10)) if on_time else due + dt.timedelta(
                days=rng.randint(2, 30))
            day = max(day, entry + dt.timedelta(days=1))
            if day > stop:
                break
            n += 1
            under4 = lc.age_on(child.date_of_birth, day) < 4
            self.rec.new(h, make(LookedAfterReview, period_of_care_id=period.pk, review_date=day,
                                              participation="PN0" if under4 else rng.choice(
                                                  ["PN1", "PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7"])),
                         lc.check_review_record)
            due = calendar.add_months(day, 3 if n == 1 else 6)
        # Initial health assessment, then reviews every 6 (under 5) or 12 months.
        requested = entry + dt.timedelta(days=rng.randint(0, 3))
        if requested <= stop:
            done = self.wd(entry, rng.randint(8, 20) if rng.random() < self.cal.iha_within_20wd
                           else rng.randint(21, 45))
            self.rec.new(h, make(HealthAssessment, child_id=child.pk, kind="IHA", requested_date=requested,
                                             completed_date=done if done <= stop else None),
                         lc.check_health_assessment_record)
            day = done
            while True:
                months = 6 if lc.age_on(child.date_of_birth, day) < 5 else 12
                day = calendar.add_months(day, months) - dt.timedelta(days=rng.randint(0, 25))
                if day > stop:
                    break
                if rng.random() < self.cal.annual_health_assessment:
                    self.rec.new(h, make(HealthAssessment, child_id=child.pk, kind="RHA", completed_date=day),
                                 lc.check_health_assessment_record)
        self._visits(h, rng, entry, stop, lambda d: d + dt.timedelta(days=rng.randint(20, CLA_VISIT_DAYS)))

    def _education(self, h, entry: dt.date, stop: dt.date) -> None:
        """Personal education plans (INDICATORS.md T13; Promoting the education of looked-after
        children 2018): the first within 10 working days of care starting for a child of school
        age (or of reaching it in care), mostly on time, then reviewed each term while of school
        age. Without them every school-age child in care showed a PEP overdue since they came into
        care, years ago for a child long in care (issue 18, item 6). Own random stream, so the
        journey's other draws are unchanged."""
        dob = h.child.date_of_birth
        begins = max(entry, _years(dob, PEP_AGES[0]))
        if begins > stop or lc.age_on(dob, begins) >= PEP_AGES[1]:
            return
        side = random.Random(f"{self.seed}:{self.shape.la_code}:pep:{h.child.pk}:{entry}")
        late = side.random() >= PEP_WITHIN_10WD
        day = self.wd(begins, side.randint(11, 35) if late else side.randint(2, 10))
        while day <= stop and lc.age_on(dob, day) < PEP_AGES[1]:
            self.rec.new(h, make(PersonalEducationPlan, child_id=h.child.pk, plan_date=day),
                         lc.check_pep_record)
            day += dt.timedelta(days=side.randint(*PEP_TERM_DAYS))

    def _missing(self, h, rng, period, entry: dt.date, stop: dt.date, age: int):
        m = self.model
        placements = lc.episodes_of(h, period.pk)
        day = entry + dt.timedelta(days=7)
        while day + dt.timedelta(days=365) <= stop + dt.timedelta(days=365) and day < stop:
            year_end = min(stop, day + dt.timedelta(days=365))
            age_now = lc.age_on(h.child.date_of_birth, day)
            share = m.missing_teen_share if age_now >= 11 else m.missing_child_share
            if rng.random() < share:
                # Drawn a little above the published mean: some fall after care ends or are 'away'.
                k = max(1, _poisson(rng, self.cal.missing_incidents_per_child * 2.0))
                span = (year_end - day).days - 10
                if span > 5:
                    starts = sorted({day + dt.timedelta(days=rng.randint(1, span)) for _ in range(k)})
                    last_end = day
                    for s in starts:
                        if s <= last_end:
                            continue
                        e = s + dt.timedelta(days=rng.choice([0, 0, 1, 1, 2, 3]))
                        if e >= year_end or e > self.as_at:
                            break
                        if any(ep.dec is not None and s <= ep.dec <= e for ep in placements):
                            continue  # a placement ends while missing: the episode ends first (575)
                        returned = _at(e, 18)
                        mis = make(MissingEpisode, child_id=h.child.pk,
                                   kind="M" if rng.random() < 0.8 else "A",
                                   start_date=s, end_date=e, returned_at=returned)
                        mis = self.rec.new(h, mis, lc.check_missing_episode_start)
                        if mis is not None:
                            offered = returned + dt.timedelta(hours=rng.randint(12, 80))
                            if offered.date() <= self.as_at:
                                self.rec.change(h, mis, lc.check_return_interview_record,
                                                return_interview_offered_at=offered,
                                                return_interview_accepted=rng.random() < 0.6)
                        last_end = e + dt.timedelta(days=1)
            day = year_end

    def _annual_outcomes(self, h, rng, entry: dt.date, end: dt.date | None):
        dob = h.child.date_of_birth
        year = entry.year + 1
        while True:
            ye = dt.date(year, 3, 31)
            year += 1
            if ye > self.as_at or (end is not None and ye > end):
                break
            if ye < self.window.start or not lc.looked_after_12_months(h, ye):
                continue
            ys = ye - relativedelta(years=1) + dt.timedelta(days=1)
            age_end, age_start = lc.age_on(dob, ye), lc.age_on(dob, ys)
            misuse = rng.random() < 0.04 and age_end >= 11
            sdq_age = 4 <= age_end and age_start < 17
            values = dict(
                sdq_score=rng.randint(4, 30) if sdq_age and rng.random() < 0.8 else None,
                convicted=(rng.random() < 0.03) if age_end >= 10 else None,
                health_check=(rng.random() < 0.9) if age_end < 5 else None,
                immunisations=rng.random() < 0.88, teeth_check=rng.random() < 0.85,
                health_assessment=rng.random() < self.cal.annual_health_assessment,
                substance_misuse=misuse,
                intervention_received=(rng.random() < 0.6) if misuse else None,
            )
            if values["sdq_score"] is None and 4 <= age_end and age_start < 17:
                values["sdq_reason"] = rng.choice(["SDQ2", "SDQ3", "SDQ4", "SDQ5"])
            if values["intervention_received"] is False:
                values["intervention_offered"] = rng.random() < 0.5
            self.rec.new(h, make(AnnualHealthOutcomes, child_id=h.child.pk, year_ending=ye, **values),
                         lc.check_annual_outcomes_record)

    def _care_leaver(self, h, rng, left: dt.date):
        eligible = lc.relevant_or_former_relevant(h, left)
        status = make(CareLeaverStatus, child_id=h.child.pk, since_date=left,
                                  eligibility="former_relevant" if eligible else "qualifying")
        self.rec.new(h, status, lc.check_care_leaver_eligibility_record)
        self._allocate(h, left, "leaving_care", rng, kind="personal_adviser")
        if not eligible:
            return
        dob = h.child.date_of_birth
        for years in (19, 20, 21):
            # On or after the birthday, within the same collection year (OC3 is about the young
            # person around the birthday in the year; before it they are still 18: 903 1016).
            birthday = _years(dob, years)
            year_end = dt.date(birthday.year + (birthday.month > 3), 3, 31)
            day = birthday + dt.timedelta(days=rng.randint(0, min(30, (year_end - birthday).days)))
            if day > self.as_at:
                break
            touch = rng.random() < 0.88
            self.rec.new(h, make(CareLeaverContact, child_id=h.child.pk, contact_date=day,
                                              in_touch="YES" if touch else "NO",
                                              activity=rng.choice(ACTIVITY) if touch else "0",
                                              accommodation=rng.choice(ACCOMMODATION) if touch else "0"),
                         lc.check_care_leaver_contact_record)


def _relationship_check(history, rel, checks, *, relative_dob):
    pc.check_relationship_add(history, rel, checks, relative_dob=relative_dob)


def _child_check(history, child, checks, *, disabilities=None):
    """`check_child` in the shape a `Change` calls (the la_child_id is unique by construction)."""
    pc.check_child(child, disabilities, checks)


def _allocation_check(history, alloc, checks, *, worker, change_reason):
    """`check_allocation_start` in the shape a `Change` calls."""
    check_allocation_start(history, alloc, worker, change_reason, checks)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


#: Roles of staff the council needs, per team key: (team name, service).
TEAMS = {
    "front_door": ("Front Door (MASH)", "Front door"),
    "assessment": ("Assessment Team", "Assessment"),
    "cin": ("Child in Need Team", "Children in need"),
    "cp": ("Child Protection Team", "Child protection"),
    "cic": ("Children in Care Team", "Children in care"),
    "leaving_care": ("Care Leavers Team", "Care leavers"),
    "iro": ("Independent Reviewing Service", "Quality assurance"),
    "performance": ("Performance and Business Support", "Performance"),
}
#: The most social workers one team manager supervises [L: teams of 6-8 practitioners are usual;
#: a service larger than this is split into numbered teams].
TEAM_SIZE = 7
#: Share of the council's social workers in each team [L].
SW_SHARE = {"front_door": 0.10, "assessment": 0.25, "cin": 0.22, "cp": 0.20, "cic": 0.17,
            "leaving_care": 0.06}


def staff_numbers(children: int, cal: Calibration = ENGLAND) -> tuple[int, int]:
    """Social workers for a caseload of ≈16 and IROs for ≈60 children each, from the size."""
    open_cases = children * (290 + cal.cp_rate_per_10k_at_31_march) / 10_000  # open cases [L]
    sws = max(len(SW_SHARE) * 2, round(open_cases / cal.caseload_per_social_worker))
    looked_after_or_cp = children * (cal.cla_rate_per_10k_at_31_march
                                     + cal.cp_rate_per_10k_at_31_march) / 10_000
    iros = max(2, round(looked_after_or_cp / cal.iro_caseload))
    return sws, iros


def build_staff(la, shape: CouncilShape, ids: Ids, rng: random.Random, cal: Calibration = ENGLAND):
    """Teams and staff, as unsaved instances with primary keys (written in bulk by the caller)."""
    teams, users = {}, []
    for key, (name, service) in TEAMS.items():
        teams[key] = ids.assign(Team(local_authority_id=la.pk, name=name, service=service))
    staff = Staff()
    code = shape.la_code.lower()

    def user(role, team_key, first, last, n, **extra):
        u = User(username=f"{role[:3]}{n:04d}.{code}", first_name=first, last_name=last, role=role,
                 team_id=teams[team_key].pk if team_key else None, local_authority_id=la.pk,
                 **extra)
        u.set_unusable_password()
        ids.assign(u)
        users.append(u)
        return u

    sws, iros = staff_numbers(shape.children, cal)
    n = 0
    for key, share in SW_SHARE.items():
        n += 1
        manager = user(User.Role.TEAM_MANAGER, key, rng.choice(FIRST), rng.choice(LAST), n)
        teams[key].manager_id = manager.pk
        staff.managers[key] = manager
        staff.workers[key] = []
        for _ in range(max(2, round(sws * share))):
            n += 1
            staff.workers[key].append(user(User.Role.SOCIAL_WORKER, key, rng.choice(FIRST),
                                           rng.choice(LAST), n, sw_id=f"SW{rng.randint(100000, 999999)}",
                                           is_agency=rng.random() < 0.15))
    staff.advisers = staff.workers["leaving_care"]
    n += 1
    teams["iro"].manager_id = user(User.Role.TEAM_MANAGER, "iro", rng.choice(FIRST), rng.choice(LAST), n).pk
    for _ in range(iros):
        n += 1
        staff.iros.append(user(User.Role.IRO, "iro", rng.choice(FIRST), rng.choice(LAST), n))
    for role in (User.Role.LADO, User.Role.ANALYST, User.Role.ADMINISTRATOR):
        n += 1
        user(role, "performance", rng.choice(FIRST), rng.choice(LAST), n)
    n += 1
    user(User.Role.COUNCILLOR, None, rng.choice(FIRST), rng.choice(LAST), n)
    # A service's social workers in teams of at most TEAM_SIZE, each with its manager (added last,
    # so every other member of staff and every draw before is as it was).
    for key in SW_SHARE:
        name, service = TEAMS[key]
        workers = staff.workers[key]
        count = -(-len(workers) // TEAM_SIZE)
        for k in range(1, count):
            team = ids.assign(Team(local_authority_id=la.pk, name=f"{name} {k + 1}", service=service))
            teams[f"{key}:{k + 1}"] = team
            n += 1
            team.manager_id = user(User.Role.TEAM_MANAGER, f"{key}:{k + 1}", rng.choice(FIRST),
                                   rng.choice(LAST), n).pk
            for worker in workers[k::count]:
                worker.team_id = team.pk
    return list(teams.values()), users, staff
