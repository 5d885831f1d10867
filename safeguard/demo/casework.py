"""The case record around each generated child: the family (persons, relationships, a household,
address history), the professional network, case notes and documents, and the words of the
child's assessments, enquiries, conferences and plans (`statutory_words`), so that a generated
council's child pages read like a real record (issue 16: "the generator fills the demo council
with believable (synthetic) notes, people, households, professionals and documents").

Built from the histories the simulator made, a family at a time, in the same worker processes
and with keys local to the chunk (`record.writer.LocalIds`), then moved past the keys already
used (`shift`) and written in bulk (`record.writer.write_records`). Randomness comes from a stream
of its own per family, so adding the case record changes no statutory record. Every name, phone
number (Ofcom's drama ranges), e-mail address (example.org/example.com) and word is invented.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings

from safeguard.casework.models import NoteKind
from safeguard.people.models import Organisation, Relationship
from safeguard.record.history import ChildHistory

from . import statutory_words
from .journeys import FIRST, LAST

LONDON = ZoneInfo("Europe/London")
#: Case notes kept per child at most (the latest): a full record, at a bounded cost per child.
MAX_NOTES = 80
#: Home-visit notes per child at most (the latest visits); older visits keep their date only.
MAX_VISIT_NOTES = 30
#: How far back periodic notes (calls, oversight, supervision) are written.
RECENT_DAYS = 730
#: Notes kept per child from before then (besides significant events).
OLD_NOTES = 6
FEMALE = [n for n in FIRST if n in {"Amara", "Chloe", "Ella", "Grace", "Isla", "Lily", "Nia",
                                    "Poppy", "Sofia", "Zara", "Bella", "Daisy", "Freya", "Hana", "Jade"}]
MALE = [n for n in FIRST if n not in FEMALE]
STREETS = ["Road", "Close", "Avenue", "Way", "Gardens", "Lane", "Crescent", "Drive"]
LANGUAGES = [("English", 0.9), ("Polish", 0.03), ("Urdu", 0.02), ("Romanian", 0.02),
             ("Arabic", 0.015), ("Somali", 0.015)]

#: Tables in insert order (each after those it points to), with the links to shift: attribute ->
#: the table whose keys it holds. Keys of users and organisations are already the database's.
TABLES: dict[str, dict[str, str]] = {
    "people.Person": {"id": "people.Person"},
    "people.Household": {"id": "people.Household"},
    "people.HouseholdMember": {"id": "people.HouseholdMember", "household_id": "people.Household",
                               "child_id": "people.Child", "person_id": "people.Person"},
    "people.Address": {"id": "people.Address", "person_id": "people.Person",
                       "child_id": "people.Child"},
    "people.Relationship": {"id": "people.Relationship", "child_id": "people.Child",
                            "person_id": "people.Person"},
    "people.Professional": {"id": "people.Professional", "child_id": "people.Child"},
    "casework.CaseNote": {"id": "casework.CaseNote"},
    "casework.CaseNoteChild": {"id": "casework.CaseNoteChild", "note_id": "casework.CaseNote",
                               "child_id": "people.Child", "visit_id": "people.Visit"},
    "casework.Document": {"id": "casework.Document", "child_id": "people.Child",
                          "case_note_id": "casework.CaseNote",
                          "assessment_id": "assessment.Assessment",
                          "cin_plan_id": "assessment.CINPlan",
                          "cp_plan_id": "child_protection.ChildProtectionPlan"},
    # The words of assessments, enquiries, conferences and plans (`statutory_words`).
    **statutory_words.TABLES,
}
#: Tables whose keys only this module hands out (Relationship is shared with the histories).
OWN = [label for label in TABLES if label != "people.Relationship"]


# --- organisations: shared by the council's children -------------------------------------------

def organisations(la, ids) -> list[Organisation]:
    """The council's GP surgeries, schools, nurseries and agencies (invented names), with keys."""
    rng = random.Random(f"{la.code}:organisations")
    names = list(LAST)
    rng.shuffle(names)
    out = []

    def org(kind: str, name: str) -> None:
        slug = name.lower().replace(" ", "-").replace("'", "")
        out.append(ids.assign(Organisation(
            local_authority_id=la.pk, kind=kind, name=name, phone=_landline(rng),
            email=f"office@{slug}.example.org")))

    for n in names[:8]:
        org(Organisation.Kind.GP, f"{n} Medical Practice")
    for n in names[:12]:
        org(Organisation.Kind.SCHOOL, f"{n} Primary School")
    for n in names[12:17]:
        org(Organisation.Kind.SCHOOL, f"{n} Academy")
    org(Organisation.Kind.SCHOOL, f"{names[17]} Sixth Form College")
    for n in names[:4]:
        org(Organisation.Kind.EARLY_YEARS, f"{n} Day Nursery")
    org(Organisation.Kind.HEALTH_VISITING, "Community Health Visiting Team")
    org(Organisation.Kind.HOSPITAL, "District General Hospital")
    org(Organisation.Kind.CAMHS, "CAMHS Community Team")
    org(Organisation.Kind.POLICE, "Police Child Abuse Investigation Unit")
    org(Organisation.Kind.YOUTH_JUSTICE, "Youth Justice Service")
    for n in names[4:7]:
        org(Organisation.Kind.SOLICITOR, f"{n} & Co Solicitors")
    org(Organisation.Kind.OTHER, "Family Court Guardian Service")
    return out


def _landline(rng: random.Random) -> str:
    """A number in Ofcom's range for drama (020 7946 0000-0999): never a real line."""
    return f"020 7946 0{rng.randint(0, 999):03d}"


def _mobile(rng: random.Random) -> str:
    """A mobile number in Ofcom's range for drama (07700 900000-900999)."""
    return f"07700 900{rng.randint(0, 999):03d}"


# --- documents: small valid PDFs, stored as the documents service stores them ----------------

def pdf_bytes(title: str) -> bytes:
    """A one-page PDF saying what it is: "Synthetic document for demo" and its title."""
    text = f"Synthetic document for demo: {title}".replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 14 Tf 56 780 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


#: (title, file name, what it hangs on): the documents a child's record commonly holds.
DOCUMENTS = {
    "referral": ("Referral form", "referral-form.pdf"),
    "consent": ("Consent to share information", "consent-to-share.pdf"),
    "school": ("School report on attendance and wellbeing", "school-report.pdf"),
    "health": ("Health visitor report", "health-visitor-report.pdf"),
    "assessment": ("Child and family assessment", "assessment.pdf"),
    "icpc": ("Initial child protection conference report", "icpc-report.pdf"),
    "cin_plan": ("Child in need plan", "cin-plan.pdf"),
    "care_plan": ("Care plan", "care-plan.pdf"),
    "letter": ("Letter to parent", "letter-to-parent.pdf"),
    "medical": ("Initial health assessment report", "health-assessment.pdf"),
}
_FILES: dict[str, tuple[bytes, str]] = {}


def document_file(key: str) -> tuple[bytes, str]:
    """The bytes of a kind of document and their SHA-256 hex (the same content, stored once)."""
    if key not in _FILES:
        data = pdf_bytes(DOCUMENTS[key][0])
        _FILES[key] = (data, hashlib.sha256(data).hexdigest())
    return _FILES[key]


def store_document_files() -> int:
    """Put every kind's bytes in DOCUMENTS_DIR/<sha[:2]>/<sha> (mode 0o640) unless already there,
    as `casework.documents` stores an upload; returns how many were written."""
    written = 0
    for key in DOCUMENTS:
        data, sha = document_file(key)
        path = Path(settings.DOCUMENTS_DIR) / sha[:2] / sha
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
        written += 1
    return written


# --- the rows of one chunk ---------------------------------------------------------------------

@dataclass
class CaseRows:
    """The case record of a chunk of families, as attribute values per table (keys local)."""

    tables: dict[str, list[dict]] = field(default_factory=lambda: {label: [] for label in TABLES})

    def add(self, label: str, ids, **values) -> int:
        pk = ids.next(apps.get_model(label))
        self.tables[label].append({"id": pk, **values})
        return pk

    def shift(self, offsets: dict[str, int]) -> None:
        """Move every local key and link past the keys already used (the writer's `offsets`)."""
        for label, links in TABLES.items():
            moves = [(a, offsets.get(t, 0)) for a, t in links.items()]
            for row in self.tables[label]:
                for a, by in moves:
                    if row.get(a) is not None:
                        row[a] += by
        for row in self.tables["casework.PlanReview"]:
            statutory_words.shift_review(row, offsets)


def next_keys() -> dict[str, int]:
    """The highest key already used in each table only this module fills (0 if empty)."""
    return {label: apps.get_model(label).objects.order_by("-pk").values_list("pk", flat=True).first()
            or 0 for label in OWN}


@dataclass
class Adult:
    pk: int
    first: str
    last: str
    kind: str
    lives: bool
    pr: bool | None


class Family:
    """One family's case record, drawn from its own random stream."""

    def __init__(self, sim, n: int, histories: list[ChildHistory], ids, out: CaseRows, when) -> None:
        self.sim, self.ids, self.out = sim, ids, out
        self.histories = histories
        self.rng = random.Random(f"{sim.seed}:{sim.shape.la_code}:family:{n}:casework")
        self.as_at = sim.as_at
        # Nothing is recorded after the as-at date's evening, nor after the run's "now".
        end_of_day = dt.datetime.combine(self.as_at, dt.time(23, 0), LONDON)
        self.latest = end_of_day if self.as_at > when.date() else min(when, end_of_day)
        self.managers = {u.team_id: u.pk for u in sim.staff.managers.values()}
        self.front_door = sim.staff.managers["front_door"].pk
        self.adults: list[Adult] = []
        self.unknown_father = False
        self.events: list[tuple[ChildHistory, list[Event]]] = []
        self.orgs: dict[str, list[Organisation]] = {}
        for o in sim.organisations:
            self.orgs.setdefault(o.kind, []).append(o)

    # --- people --------------------------------------------------------------------------------
    def build(self) -> None:
        if not self.histories:
            return
        rng = self.rng
        births = [h.child.date_of_birth or h.child.expected_date_of_birth for h in self.histories]
        eldest, youngest = min(births), max(births)
        family_name = self.histories[0].child.last_name
        mother_dob = eldest - dt.timedelta(days=int(365.25 * rng.randint(17, 34)) + rng.randint(0, 300))
        if (youngest - mother_dob).days > 365.25 * 44:
            mother_dob = youngest - dt.timedelta(days=int(365.25 * rng.randint(30, 43)))
        adults = [self._person(rng.choice(FEMALE), family_name if rng.random() < 0.7 else rng.choice(LAST),
                               mother_dob, "F", Relationship.Kind.MOTHER, lives=rng.random() < 0.92,
                               pr=True)]
        if rng.random() < 0.8:
            father_dob = mother_dob - dt.timedelta(days=rng.randint(-700, 3000))
            adults.append(self._person(rng.choice(MALE), family_name, father_dob, "M",
                                       Relationship.Kind.FATHER, lives=rng.random() < 0.4,
                                       pr=rng.random() < 0.8))
        else:
            self.unknown_father = True
        lives_with_father = len(adults) > 1 and adults[1].lives
        if not lives_with_father and rng.random() < 0.25:
            married = rng.random() < 0.4
            adults.append(self._person(
                rng.choice(MALE), rng.choice(LAST), mother_dob - dt.timedelta(days=rng.randint(-900, 2500)),
                "M", Relationship.Kind.STEP_PARENT if married else Relationship.Kind.PARTNER_OF_PARENT,
                lives=True, pr=False))
        if rng.random() < 0.6:
            adults.append(self._person(
                rng.choice(FEMALE), rng.choice([family_name, *LAST]),
                mother_dob - dt.timedelta(days=int(365.25 * rng.randint(18, 30))), "F",
                Relationship.Kind.GRANDPARENT, lives=rng.random() < 0.1, pr=False))
        self.adults = adults
        self._household()
        for h in self.histories:
            first = self._first_day(h)
            at, by = self._stamp(first, 15), self._worker(h, first)
            for a in adults:
                self.out.add("people.Relationship", self.ids, child_id=h.child.pk, kind=a.kind,
                             person_id=a.pk, parental_responsibility=a.pr, lives_with_child=a.lives,
                             recorded_by_id=by, created_at=at, updated_at=at)
            if self.unknown_father:
                self.out.add("people.Relationship", self.ids, child_id=h.child.pk,
                             kind=Relationship.Kind.FATHER, relative_name="Not known",
                             parental_responsibility=False, recorded_by_id=by, created_at=at,
                             updated_at=at)
            self._professionals(h)
            Notes(self, h).build()
            statutory_words.build(self, h)
        Notes.merge(self)

    def _person(self, first: str, last: str, dob: dt.date, sex: str, kind: str, *, lives: bool,
                pr: bool | None) -> Adult:
        rng = self.rng
        language = _weighted(rng, LANGUAGES)
        email = ""
        if rng.random() < 0.6:
            email = f"{first}.{last}{rng.randint(1, 99)}@{rng.choice(['example.org', 'example.com'])}".lower()
        pk = self.out.add("people.Person", self.ids, local_authority_id=self.sim.la.pk, first_name=first,
                          last_name=last, date_of_birth=dob, sex=sex, language=language,
                          interpreter_needed=language != "English" and rng.random() < 0.5,
                          phone=_mobile(rng) if rng.random() < 0.9 else "", email=email,
                          aliases=f"{first} {rng.choice(LAST)}" if rng.random() < 0.08 else "")
        return Adult(pk, first, last, kind, lives, pr)

    def _household(self) -> None:
        rng = self.rng
        postcode = self.histories[0].child.home_postcode
        line_1 = f"{rng.randint(1, 180)} {rng.choice(LAST)} {rng.choice(STREETS)}"
        line_2 = f"Flat {rng.randint(1, 24)}" if rng.random() < 0.25 else ""
        moved_in = min(h.child.date_of_birth or h.child.expected_date_of_birth for h in self.histories)
        if rng.random() < 0.35:  # the family moved within the area since the eldest was born
            span = max(101, (self.as_at - moved_in).days - 30)
            moved_in = moved_in + dt.timedelta(days=rng.randint(100, span))
            moved_in = min(moved_in, self.as_at)
            previous = (f"{rng.randint(1, 180)} {rng.choice(LAST)} {rng.choice(STREETS)}",
                        self.sim.home_postcode(rng))
        else:
            previous = None
        hh = self.out.add("people.Household", self.ids, local_authority_id=self.sim.la.pk,
                          line_1=line_1, line_2=line_2, postcode=postcode)
        for a in self.adults:
            if a.lives:
                self.out.add("people.HouseholdMember", self.ids, household_id=hh, person_id=a.pk,
                             from_date=moved_in)
                self.out.add("people.Address", self.ids, person_id=a.pk, line_1=line_1, line_2=line_2,
                             postcode=postcode, from_date=moved_in)
            else:
                self.out.add("people.Address", self.ids, person_id=a.pk,
                             line_1=f"{rng.randint(1, 180)} {rng.choice(LAST)} {rng.choice(STREETS)}",
                             postcode=self.sim.home_postcode(rng))
        for h in self.histories:
            born = h.child.date_of_birth
            if born is None:
                continue  # not born yet: no household of their own
            left = self._in_care_since(h)
            start = max(born, moved_in)
            if previous is not None and born < moved_in:
                self.out.add("people.Address", self.ids, child_id=h.child.pk, line_1=previous[0],
                             postcode=previous[1], from_date=born, to_date=moved_in - dt.timedelta(days=1))
            until = left - dt.timedelta(days=1) if left and left > start else None
            self.out.add("people.HouseholdMember", self.ids, household_id=hh, child_id=h.child.pk,
                         from_date=start, to_date=until)
            self.out.add("people.Address", self.ids, child_id=h.child.pk, line_1=line_1, line_2=line_2,
                         postcode=postcode, from_date=start, to_date=until)
            if left and left > start:
                ep = [e for e in h.episodes if e.dec is None]
                self.out.add("people.Address", self.ids, child_id=h.child.pk,
                             line_1="Placement address held by the placements team",
                             postcode=ep[-1].placement_postcode if ep else "", from_date=left)

    @staticmethod
    def _in_care_since(h: ChildHistory) -> dt.date | None:
        open_periods = [p for p in h.periods if p.end_date is None]
        return open_periods[-1].start_date if open_periods else None

    def _professionals(self, h: ChildHistory) -> None:
        rng = random.Random(f"{self.sim.seed}:{self.sim.shape.la_code}:professionals:{h.child.pk}")
        born = h.child.date_of_birth
        first = self._first_day(h)
        at = self._stamp(first, 16)

        def pro(kind: str, role: str, start: dt.date | None, end: dt.date | None = None, *,
                title: str = "") -> None:
            org = self.orgs[kind][int(rng.random() * len(self.orgs[kind]))]
            name = f"{title}{rng.choice(FIRST)} {rng.choice(LAST)}"
            domain = org.email.split("@")[1]
            self.out.add("people.Professional", self.ids, child_id=h.child.pk, role=role, name=name,
                         organisation_id=org.pk, phone=_landline(rng) if rng.random() < 0.6 else _mobile(rng),
                         email=f"{name.split()[-2].lower()}.{name.split()[-1].lower()}@{domain}",
                         start_date=start, end_date=end, recorded_by_id=self._worker(h, first),
                         created_at=at, updated_at=at)

        pro(Organisation.Kind.GP, "GP", born, title="Dr ")
        if born is None:
            pro(Organisation.Kind.HEALTH_VISITING, "Midwife", first)
            return
        age = _age(born, self.as_at)
        if age < 5:
            pro(Organisation.Kind.HEALTH_VISITING, "Health visitor",
                min(born + dt.timedelta(days=14), self.as_at))
        if 2 <= age < 5 and rng.random() < 0.5:
            pro(Organisation.Kind.EARLY_YEARS, "Nursery key person", _birthday(born, 2))
        if 4 <= age:
            role = "Designated safeguarding lead" if rng.random() < 0.6 else (
                "Class teacher" if age < 11 else "Head of year")
            if age >= 16:
                role = "Student support officer"
            pro(Organisation.Kind.SCHOOL, role, _birthday(born, 4 if age < 11 else 11))
        if h.cp_plans or h.section47s:
            day = (h.section47s or h.cp_plans)[0]
            pro(Organisation.Kind.POLICE, "Detective constable",
                getattr(day, "start_date", first), title="DC ")
        if h.periods or h.pre_proceedings:
            start = h.periods[0].start_date if h.periods else first
            pro(Organisation.Kind.SOLICITOR, "Child's solicitor", start)
            pro(Organisation.Kind.OTHER, "Children's guardian", start)
        if age >= 11 and (h.missing or h.periods) and rng.random() < 0.5:
            pro(Organisation.Kind.CAMHS, "CAMHS practitioner", max(first, _birthday(born, 11)))
        if age >= 12 and h.missing and rng.random() < 0.4:
            pro(Organisation.Kind.YOUTH_JUSTICE, "Youth justice officer", max(first, _birthday(born, 12)))

    # --- who and when --------------------------------------------------------------------------
    @staticmethod
    def _first_day(h: ChildHistory) -> dt.date:
        days = [r.referral_date for r in h.referrals] + [p.start_date for p in h.periods] + \
            [p.notified_date for p in h.private_fostering]
        return min(days) if days else (h.child.date_of_birth or h.child.expected_date_of_birth)

    def _worker(self, h: ChildHistory, day: dt.date, kind: str = "social_worker") -> int:
        """The worker allocated on the day (else the latest before it, else the front door's manager)."""
        best = None
        for a in h.allocations:
            if a.kind == kind and a.start_date <= day and (best is None or a.start_date >= best.start_date):
                best = a
        return best.worker_id if best is not None else self.front_door

    def _manager(self, h: ChildHistory, day: dt.date) -> int:
        for a in h.allocations:
            if a.kind == "social_worker" and a.start_date <= day <= (a.end_date or day):
                return self.managers.get(a.team_id, self.front_door)
        return self.front_door

    def _stamp(self, day: dt.date, hour: int, lag_hours: int = 0) -> dt.datetime:
        at = dt.datetime.combine(day, dt.time(hour % 24, self.rng.choice((0, 15, 30, 45))), LONDON)
        return min(at + dt.timedelta(hours=lag_hours), self.latest)


def _weighted(rng: random.Random, pairs: list[tuple[str, float]]) -> str:
    x = rng.random() * sum(w for _, w in pairs)
    for v, w in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][0]


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _birthday(born: dt.date, years: int) -> dt.date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February
        return born.replace(year=born.year + years, day=28)


# --- case notes --------------------------------------------------------------------------------

@dataclass
class Event:
    """Something a note records about a child: merged with a sibling's on the same key."""

    day: dt.date
    kind: str
    topic: str
    by: int
    hour: int
    significant: bool = False
    visit: object | None = None  # the people.Visit a home visit records
    extra: dict = field(default_factory=dict)


class Notes:
    """A child's notes: drawn from what happened in the history, the latest `MAX_NOTES` kept."""

    def __init__(self, family: Family, h: ChildHistory) -> None:
        self.f, self.h = family, h
        self.rng = random.Random(f"{family.sim.seed}:{family.sim.shape.la_code}:notes:{h.child.pk}")
        self.events: list[Event] = []

    def add(self, day: dt.date | None, kind: str, topic: str, by: int, **kw) -> None:
        if day is None or day > self.f.as_at:
            return
        self.events.append(Event(day, kind, topic, by, kw.pop("hour", self.rng.randint(9, 16)), **kw))

    def build(self) -> None:
        h, f, rng = self.h, self.f, self.rng
        # Calls, oversight and supervision in full for the last two years; earlier work keeps
        # its key notes (referral, decisions, meetings, significant events, the latest visits).
        recent = f.as_at - dt.timedelta(days=RECENT_DAYS)
        for r in h.referrals:
            end = r.closure_date or f.as_at
            sw = f._worker(h, r.referral_date)
            self.add(r.referral_date, NoteKind.PHONE_CALL, "referral", f.front_door,
                     extra={"source": r.source})
            self.add(r.response_date or r.referral_date, NoteKind.MANAGEMENT_OVERSIGHT, "referral_decision",
                     f.front_door)
            self.add(r.referral_date + dt.timedelta(days=rng.randint(1, 4)), NoteKind.PHONE_CALL,
                     "parent_call", sw)
            day = max(r.referral_date + dt.timedelta(days=rng.randint(20, 45)), recent)
            while day < end:
                kind = rng.choice([NoteKind.PHONE_CALL, NoteKind.PHONE_CALL, NoteKind.EMAIL_OR_LETTER])
                self.add(day, kind, rng.choice(["school_update", "health_update", "parent_call"]),
                         f._worker(h, day))
                if rng.random() < 0.25:
                    self.add(day + dt.timedelta(days=2), NoteKind.MANAGEMENT_OVERSIGHT, "oversight",
                             f._manager(h, day))
                day += dt.timedelta(days=rng.randint(30, 75))
            if r.closure_date:
                self.add(r.closure_date, NoteKind.MANAGEMENT_OVERSIGHT, "closure",
                         f._manager(h, r.closure_date))
        for a in h.assessments:
            age_ok = h.child.date_of_birth and _age(h.child.date_of_birth, a.start_date) >= 3
            if age_ok:
                self.add(a.start_date + dt.timedelta(days=rng.randint(3, 12)), NoteKind.DIRECT_WORK,
                         "wishes", f._worker(h, a.start_date))
            self.add(a.authorisation_date, NoteKind.MANAGEMENT_OVERSIGHT, "assessment_signed_off",
                     f._manager(h, a.authorisation_date or a.start_date))
        for s in h.strategy_discussions:
            self.add(s.held_on, NoteKind.MEETING, "strategy", f._worker(h, s.held_on))
        for c in h.conferences:
            self.add(c.held_on, NoteKind.MEETING, "conference", f._worker(h, c.held_on or f.as_at),
                     extra={"conference": c.kind})
        for p in h.cp_plans:
            self.add(p.start_date, NoteKind.SIGNIFICANT_EVENT, "cp_plan", f._worker(h, p.start_date),
                     significant=True, extra={"category": p.initial_category})
            day = max(p.start_date + dt.timedelta(days=rng.randint(25, 40)), recent)
            while day < (p.end_date or f.as_at):
                self.add(day, NoteKind.SUPERVISION_DECISION, "supervision", f._manager(h, day))
                day += dt.timedelta(days=rng.randint(28, 45))
        for g in h.core_groups:
            self.add(g.held_on, NoteKind.MEETING, "core_group", f._worker(h, g.held_on))
        for p in h.periods:
            self.add(p.start_date, NoteKind.SIGNIFICANT_EVENT, "care", f._worker(h, p.start_date),
                     significant=True)
            day = max(p.start_date + dt.timedelta(days=rng.randint(25, 40)), recent)
            while day < (p.end_date or f.as_at):
                self.add(day, NoteKind.SUPERVISION_DECISION, "supervision", f._manager(h, day))
                day += dt.timedelta(days=rng.randint(40, 70))
        moves = [e for e in h.episodes if e.rne in ("P", "B", "T", "U")]
        for e in moves[-3:]:
            self.add(e.decom, NoteKind.SIGNIFICANT_EVENT, "placement_move", f._worker(h, e.decom),
                     significant=True)
        for r in h.la_reviews:
            self.add(r.review_date, NoteKind.MEETING, "la_review", f._worker(h, r.review_date))
        for m in h.missing[-3:]:
            self.add(m.start_date, NoteKind.SIGNIFICANT_EVENT, "missing", f._worker(h, m.start_date),
                     significant=True, extra={"absent": m.kind == "A"})
        for v in sorted(h.visits, key=lambda v: v.visit_date)[-MAX_VISIT_NOTES:]:
            # Decided by the day, so siblings visited together share one note.
            kind = NoteKind.OFFICE_VISIT if v.visit_date.toordinal() % 10 == 0 else NoteKind.HOME_VISIT
            self.add(v.visit_date, kind, "visit", f._worker(h, v.visit_date), visit=v)
        self.events.sort(key=lambda e: (e.day, e.hour))
        # Before the last two years: the significant events and the latest few notes only.
        old = [e for e in self.events if e.day < recent]
        kept_old = set(map(id, old[-OLD_NOTES:])) | {id(e) for e in old if e.significant}
        keep = [e for e in self.events if e.day >= recent or id(e) in kept_old][-MAX_NOTES:]
        f.events.append((h, keep))

    @staticmethod
    def merge(f: Family) -> None:
        """One note per (day, kind, topic) for the family: a visit to two siblings is one note
        shown in each child's record."""
        groups: dict[tuple, list[tuple[ChildHistory, Event]]] = {}
        for h, events in f.events:
            seen: dict[tuple, int] = {}
            for e in events:
                key = (e.day, e.kind, e.topic)
                seen[key] = seen.get(key, -1) + 1  # a second like event that day is a note of its own
                groups.setdefault((*key, seen[key]), []).append((h, e))
        for (day, kind, topic, _), members in sorted(groups.items(), key=lambda x: x[0]):
            first = members[0][1]
            rng = f.rng
            minute = rng.choice((0, 10, 20, 30, 40, 50))
            occurred = dt.datetime.combine(day, dt.time(first.hour, minute), LONDON)
            lag = rng.choice((1, 2, 3, 4, 6, 20, 26, 48, 70))
            created = min(occurred + dt.timedelta(hours=lag), f.latest)
            occurred_at = occurred.time() if occurred <= created else None
            title, text, present = write(f, [h for h, _ in members], first, rng)
            sensitive = topic in ("strategy", "health_update", "missing") or (
                topic == "parent_call" and rng.random() < 0.1)
            note = f.out.add("casework.CaseNote", f.ids, kind=kind, occurred_on=day, occurred_at=occurred_at,
                             title=title, text=text, present=present, significant=first.significant,
                             sensitive=sensitive, recorded_by_id=first.by, created_at=created,
                             updated_at=created)
            for h, e in members:
                v = e.visit
                seen = v.seen if v is not None else (True if kind in (NoteKind.DIRECT_WORK,) else None)
                f.out.add("casework.CaseNoteChild", f.ids, note_id=note, child_id=h.child.pk,
                          seen=seen, seen_alone=bool(v is not None and v.seen_alone),
                          bedroom_seen=(v.bedroom_seen if v.bedroom_seen is not None
                                        else (kind == NoteKind.HOME_VISIT and rng.random() < 0.7))
                          if v is not None else None,
                          visit_id=v.pk if v is not None else None)
        for h, events in f.events:
            Documents(f, h).build(events)


# --- the words ---------------------------------------------------------------------------------

def _names(children: list[ChildHistory]) -> str:
    names = [h.child.first_name for h in children]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


SOURCE_AGENCY = {"1A": "a family member", "1B": "the child", "2A": "a school", "2B": "a school",
                 "3A": "the GP", "3B": "the health visitor", "3C": "the hospital", "3D": "a health service",
                 "3E": "a health service", "3F": "a health service", "4": "the housing service",
                 "5A": "the police", "5B": "the police", "5C": "the police", "5D": "the police",
                 "6": "another children's service", "7": "an anonymous caller", "8": "a neighbour",
                 "9": "a voluntary organisation", "10": "another council"}
CATEGORY = {"NEG": "neglect", "PHY": "physical abuse", "SAB": "sexual abuse", "EMO": "emotional abuse",
            "MUL": "multiple categories"}

HOME = [
    "The home was {state} on arrival. {Mum} answered the door and was {mood}.",
    "I arrived at {time_of_day} as arranged. {Mum} let me in; the home was {state}.",
    "This was an {planned} visit. The home was {state} and {Mum} was {mood} throughout.",
]
STATES = ["clean and warm", "tidy, with food in the cupboards and fridge", "cluttered but warm",
          "cold, with the heating off to save money", "untidy, with washing piled in the kitchen",
          "calm, with the television off"]
MOODS = ["welcoming and open", "a little guarded at first but relaxed as the visit went on",
         "tired and said she had not slept well", "cooperative and keen to talk about the plan",
         "irritable about the number of professionals involved"]
CHILD = [
    "{Child} was {presentation}. {Pronoun} showed me {object} and talked about {topic}.",
    "{Child} appeared {presentation} and was happy to spend time with me.",
    "I spent time with {Child}, who was {presentation} and chatted about {topic}.",
]
PRESENTATIONS = ["clean and appropriately dressed", "bright and chatty", "quiet but engaged",
                 "tired, with dark rings under the eyes", "playful and settled",
                 "wary of me at first, then more relaxed"]
OBJECTS = ["a drawing from school", "a new game", "a library book", "the bedroom", "a football medal",
           "photographs of a recent trip to the park"]
TOPICS = ["friends at school", "a favourite television programme", "swimming lessons",
          "what makes a good day", "the rules at home", "seeing grandparents"]
VOICE = [
    "{Child} said: \"{quote}\"",
    "When asked what is going well, {Child} said \"{quote}\"",
    "{Child} told me \"{quote}\"",
]
QUOTES = ["I like it when mum makes tea and we eat together.", "I don't like the shouting.",
          "School is OK. I like my teacher.", "I want to stay here.", "I miss my dad.",
          "I get hungry sometimes before school.", "It's better now.", "I'm not sure."]
SAID = ["things are calmer at home", "the children are sleeping better", "money is very tight this month",
        "she is worried about the next meeting", "the school has been supportive"]
ANALYSIS = [
    "Analysis: there has been {progress} progress against the plan. {Worry}",
    "My view is that {progress} progress has been made. {Worry}",
    "Overall {progress} progress. {Worry}",
]
PROGRESS = ["good", "some", "limited", "steady", "little"]
WORRIES = ["The main worry remains the children's exposure to arguments between the adults.",
           "Routines have improved and school attendance is better.",
           "I remain concerned about the home conditions and will check again at the next visit.",
           "Mum's engagement with the parenting programme is a strength.",
           "There are ongoing concerns about alcohol use in the evenings."]
ACTIONS = ["Actions: I will speak to the school about attendance; {Mum} to attend the GP appointment "
           "on Thursday; next visit within {n} working days.",
           "Actions: referral to the family support worker; update the chronology; next visit within "
           "{n} working days.",
           "Actions: share this note with the core group; check with the health visitor about the "
           "missed appointment; visit again within {n} working days."]


def write(f: Family, children: list[ChildHistory], e: Event, rng: random.Random) -> tuple[str, str, str]:
    """A title, the note's words (paragraphs) and who was present, for one event."""
    names = _names(children)
    child = children[0].child
    mum = next((a for a in f.adults if a.kind == Relationship.Kind.MOTHER), None)
    mum_name = f"{mum.first} ({children[0].child.first_name}'s mother)" if mum else "Mum"
    fill = {"Child": names, "Mum": mum_name, "Pronoun": "They" if len(children) > 1 else (
        "She" if child.sex == "F" else "He" if child.sex == "M" else "They"),
        "state": rng.choice(STATES), "mood": rng.choice(MOODS), "presentation": rng.choice(PRESENTATIONS),
        "object": rng.choice(OBJECTS), "topic": rng.choice(TOPICS), "quote": rng.choice(QUOTES),
        "progress": rng.choice(PROGRESS), "Worry": rng.choice(WORRIES), "n": rng.choice([10, 15, 20]),
        "time_of_day": rng.choice(["9.30am", "11am", "2pm", "3.45pm after school", "4.30pm"]),
        "planned": rng.choice(["announced", "unannounced"])}

    def para(options: list[str]) -> str:
        return rng.choice(options).format(**fill)

    present = ""
    t = e.topic
    if t == "visit":
        title = f"{'Home' if e.kind == NoteKind.HOME_VISIT else 'Office'} visit to {names}"
        seen_alone = e.visit is not None and e.visit.seen_alone
        alone = (f" I saw {names} alone in {'their' if len(children) > 1 else 'the'} bedroom, away "
                 "from the adults.") if seen_alone else ""
        body = [para(HOME), para(CHILD) + alone,
                para(VOICE), para(ANALYSIS), para(ACTIONS)]
        present = f"{mum_name}, {names}, social worker"
    elif t == "referral":
        who = SOURCE_AGENCY.get(e.extra.get("source", ""), "a professional")
        title = f"Referral received from {who}"
        body = [f"A call was received from {who} raising concerns about {names}. The caller described "
                f"{rng.choice(WORRIES).lower()}",
                "The caller was advised of the next steps and agreed to confirm the referral in writing. "
                "Checks were made with health, education and the police.",
                "Passed to the team manager for a decision within one working day."]
    elif t == "referral_decision":
        title = "Management oversight: referral decision"
        body = [f"I have read the referral and the checks about {names}. {rng.choice(WORRIES)}",
                rng.choice(["Decision: a child and family assessment is needed, allocated today.",
                            "Decision: strategy discussion to be convened today with police and health.",
                            "Decision: further information is needed from the school before an assessment."]),
                "Reasons recorded; the family is to be told of the decision by the allocated worker."]
    elif t == "parent_call":
        title = f"Phone call with {mum_name}"
        body = [f"I phoned {mum_name} to talk about {names}. She was {fill['mood']}.",
                f"{mum.first if mum else 'Mum'} said that {rng.choice(SAID)}.",
                para(ACTIONS)]
    elif t in ("school_update", "health_update"):
        who = "the designated safeguarding lead" if t == "school_update" else "the health visitor"
        title = f"Update from {who}"
        body = [f"Contact with {who} about {names}.",
                rng.choice(["Attendance this half term is 91%.",
                            "Attendance has dropped to 78% and lateness is common.",
                            "Growth and development are within the expected range.",
                            "Two appointments were missed; a new one has been offered.",
                            "Staff have noticed that lunch is often not brought from home."]),
                "Information recorded and shared with the team manager. " + para(ANALYSIS)]
    elif t == "oversight":
        title = "Management oversight"
        body = [f"Case discussed with the allocated worker. The plan for {names} remains appropriate.",
                para(ANALYSIS), "Next oversight in four to six weeks, or sooner if risks change."]
    elif t == "supervision":
        title = "Supervision decision"
        body = [f"Case supervision for {names}. Progress against the plan was reviewed.",
                para(ANALYSIS),
                rng.choice(["Decision: continue the current plan; visits to remain at the current frequency.",
                            "Decision: escalate to the legal gateway panel if there is no improvement "
                            "by the review.",
                            "Decision: increase visits to weekly until the next review."])]
    elif t == "closure":
        title = "Management oversight: case closure"
        body = [f"I have reviewed the work with {names} and agree the case can close.",
                rng.choice(["The family has been signposted to the family hub for continued support.",
                            "The risks identified at referral have reduced and the family agrees "
                            "with closure.",
                            "The family has moved out of the area; the new council has been informed."]),
                "Closure rationale recorded and the family informed in writing."]
    elif t == "assessment_signed_off":
        title = "Assessment authorised"
        body = [f"I have read the assessment of {names}. It covers the child's developmental needs, "
                "parenting capacity and family and environmental factors, and includes the child's wishes.",
                para(ANALYSIS), "Authorised. The recommendation is agreed."]
    elif t == "wishes":
        title = f"Direct work with {names}: wishes and feelings"
        body = [f"I used a three houses exercise with {names} (house of worries, house of good things, "
                "house of dreams).", para(VOICE), para(ANALYSIS)]
    elif t == "strategy":
        title = "Strategy discussion"
        present = "Social worker, team manager, police, health, school"
        body = [f"Strategy discussion about {names} with police, health and education.",
                f"Information shared: {rng.choice(WORRIES).lower()}",
                "Decision: the threshold for a section 47 enquiry is met. A joint visit is agreed."]
    elif t == "conference":
        kind = e.extra.get("conference", "initial")
        title = {"initial": "Initial child protection conference",
                 "review": "Review child protection conference",
                 "transfer_in": "Transfer-in child protection conference"}.get(
                     kind, "Child protection conference")
        present = f"Chair, {mum_name}, social worker, school, health visitor, police"
        body = [f"{title} about {names}, chaired by an independent chair.", para(ANALYSIS),
                "The conference's decision and the plan's outline are in the conference record."]
    elif t == "cp_plan":
        cat = CATEGORY.get(e.extra.get("category", ""), "neglect")
        title = "Child protection plan started"
        body = [f"At the initial conference {names} became subject to a child protection plan under the "
                f"category of {cat}.", "The core group will meet within 10 working days.",
                "The family was given the plan and the conference chair's contact details."]
    elif t == "core_group":
        title = "Core group meeting"
        present = f"{mum_name}, social worker, school, health visitor"
        body = [f"Core group for {names}. Each action of the plan was reviewed.", para(ANALYSIS),
                para(ACTIONS)]
    elif t == "care":
        title = f"{names} became looked after"
        body = [f"{names} became looked after today and moved to a foster placement.",
                f"{mum_name} was told of the decision and given the placement team's contact details. "
                "Contact arrangements are being agreed.",
                "The placement plan and initial health assessment request have been completed."]
    elif t == "placement_move":
        title = "Placement move"
        body = [f"{names} moved placement today.", rng.choice(
            ["The previous carers gave notice.", "The move brings the children closer to school.",
             "A long-term match has been agreed."]),
            "Belongings moved with the child; the school is informed."]
    elif t == "la_review":
        title = "Looked after review"
        present = "IRO, social worker, carer, school"
        body = [f"Review of the care plan for {names}, chaired by the independent reviewing officer.",
                para(VOICE), para(ANALYSIS)]
    elif t == "missing":
        what = "absent" if e.extra.get("absent") else "missing"
        title = f"{names} reported {what}"
        body = [f"The carer reported {names} {what} from the placement this evening. Police were informed.",
                f"{names} returned the next day and was offered a return interview.",
                "The risk of exploitation has been considered and the plan updated."]
    else:  # pragma: no cover - every topic above
        title, body = "Case note", [para(ANALYSIS)]
    return title[:200], "\n\n".join(body), present[:500]


# --- documents ---------------------------------------------------------------------------------

class Documents:
    """A few documents per child, on the days of what they are about."""

    def __init__(self, f: Family, h: ChildHistory) -> None:
        self.f, self.h = f, h
        self.rng = random.Random(f"{f.sim.seed}:{f.sim.shape.la_code}:documents:{h.child.pk}")

    def build(self, events: Iterable[Event]) -> None:
        h, f, rng = self.h, self.f, self.rng
        picks: list[tuple[str, dt.date, dict]] = []
        if h.referrals:
            picks.append(("referral", h.referrals[-1].referral_date, {}))
            last = h.referrals[-1].referral_date
            picks.append(("consent", last + dt.timedelta(days=rng.randint(2, 10)), {}))
        done = [a for a in h.assessments if a.authorisation_date]
        if done:
            picks.append(("assessment", done[-1].authorisation_date, {"assessment_id": done[-1].pk}))
        if h.cin_plans:
            picks.append(("cin_plan", h.cin_plans[-1].start_date, {"cin_plan_id": h.cin_plans[-1].pk}))
        if h.cp_plans:
            picks.append(("icpc", h.cp_plans[-1].start_date, {"cp_plan_id": h.cp_plans[-1].pk}))
        if h.periods:
            picks.append(("care_plan", h.periods[-1].start_date + dt.timedelta(days=rng.randint(1, 9)), {}))
            iha = [x for x in h.health_assessments if x.kind == "IHA" and x.completed_date]
            if iha:
                picks.append(("medical", iha[-1].completed_date, {}))
        born = h.child.date_of_birth
        if born and h.referrals:
            key = "school" if _age(born, f.as_at) >= 5 else "health"
            picks.append((key, last + dt.timedelta(days=rng.randint(5, 20)), {}))
        if rng.random() < 0.5 and h.referrals:
            picks.append(("letter", last + dt.timedelta(days=rng.randint(3, 30)), {}))
        for key, day, links in picks:
            if day is None or day > f.as_at:
                continue
            data, sha = document_file(key)
            title, name = DOCUMENTS[key]
            at = f._stamp(day, rng.randint(10, 17), rng.randint(0, 48))
            f.out.add("casework.Document", f.ids, child_id=h.child.pk, title=title, original_name=name,
                      content_type="application/pdf", size=len(data), sha256=sha, scanned="not_scanned",
                      sensitive=key in ("medical", "health"), recorded_by_id=f._worker(h, day),
                      created_at=at, updated_at=at, **links)


def build(sim, families: list[tuple[int, list[ChildHistory]]], ids, when: dt.datetime) -> CaseRows:
    """The case record of a chunk of families (keys from the chunk's `ids`)."""
    out = CaseRows()
    for n, histories in families:
        Family(sim, n, histories, ids, out, when).build()
    return out
