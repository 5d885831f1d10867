"""Generating whole councils: staff, population estimates and every child's journey, written in
bulk one council per transaction (an interrupted run leaves no half-written council)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from safeguard.casework import search
from safeguard.core.errors import as_if_today
from safeguard.core.progress import Progress
from safeguard.people.models import Organisation, PopulationEstimate
from safeguard.record import writer
from safeguard.timescales import calendar
from safeguard.workforce.models import LocalAuthority, Team, User

from . import casework
from .journeys import Recorder, Simulator, Window, build_staff
from .parameters import ENGLAND, JOURNEYS, NATIONAL_COUNCILS, SIZES, Calibration, CouncilShape, JourneyModel


class CouncilExists(Exception):
    """The LA code (or number) is already in the database."""


@dataclass
class Report:
    councils: int = 0
    children: int = 0
    records: int = 0
    refusals: Counter = field(default_factory=Counter)
    messages: Counter = field(default_factory=Counter)
    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def refusal_rate(self) -> float:
        total = self.records + sum(self.refusals.values())
        return sum(self.refusals.values()) / total if total else 0.0

    def as_dict(self) -> dict:
        return {"councils": self.councils, "children": self.children, "records": self.records,
                "refused": sum(self.refusals.values()), "refusal_rate": round(self.refusal_rate, 5),
                "refusals_by_rule": dict(sorted(self.refusals.items())), "seconds": round(self.seconds, 1),
                "rows": dict(sorted(self.counts.items()))}


def population_rows(la, shape: CouncilShape, window: Window, seed: int) -> list[PopulationEstimate]:
    """Children by single year of age for each mid-year the window needs (reporting year t uses
    mid-year t-1), varying gently by year around the council's size."""
    rng = random.Random(f"{seed}:{shape.la_code}:population")
    rows = []
    first = window.start.year - 4
    last = window.as_at.year
    for year in range(first, last + 1):
        drift = 1 + 0.004 * (year - window.last_year_end.year) + rng.uniform(-0.003, 0.003)
        for age, share in enumerate(shape.age_profile):
            rows.append(PopulationEstimate(local_authority_id=la.pk, mid_year=year, age=age,
                                           count=round(shape.children * share * drift),
                                           vintage="synthetic (safeguard generate)"))
    return rows


CHUNK_FAMILIES = 400
_SIM: Simulator | None = None  # the council being built, inherited by forked workers


def _simulate_chunk(chunk: list[tuple[int, dt.date, int, str]]):
    """Build one chunk of families with keys local to the chunk; return plain rows."""
    sim = _SIM
    ids = writer.LocalIds()
    sim.ids = ids
    sim.rec = Recorder(ids)
    with _as_at(sim.as_at):
        families = [(n, sim.family(n, day, size, kind)) for n, day, size, kind in chunk]
        histories = [h for _, family in families for h in family]
        # The case record takes its keys first, so the chunk's key counts include them.
        case = casework.build(sim, families, ids, _SIM_WHEN)
        rows = writer.Rows.build(histories, ids, _SIM_WHEN, cal=sim.wcal)
    return rows, case, sim.rec.refusals, sim.rec.messages, sim.rec.created, len(histories)


_SIM_WHEN = None
PRIVATE_FOSTERING_NUMBERS = 9_000_000


def _as_at(day: dt.date):
    """Checks see `day` as today when the council is built to a date after today (a synthetic
    council reaching a collection year's end); otherwise nothing changes."""
    return as_if_today(day) if day > dt.date.today() else contextlib.nullcontext()


def generate_council(shape: CouncilShape, *, seed: int, as_at: dt.date, years: int = 6,
                     cal: Calibration = ENGLAND, model: JourneyModel = JOURNEYS,
                     report: Report | None = None, jobs: int | None = None,
                     show_progress: bool = False, label: str | None = None) -> Report:
    """Generate and write one council inside one transaction. Families are built in chunks
    (in `jobs` processes) and written in family order, so the result is the same
    whatever the number of processes."""
    global _SIM, _SIM_WHEN
    if LocalAuthority.objects.filter(code=shape.la_code).exists():
        raise CouncilExists(f"a local authority with code {shape.la_code} already exists; "
                            "choose another --la-code")
    if LocalAuthority.objects.filter(la_number=shape.la_number).exists():
        raise CouncilExists(f"a local authority with number {shape.la_number} already exists")
    report = report or Report()
    started = time.perf_counter()
    calendar.invalidate()
    wcal = calendar.current()
    window = Window(as_at=as_at, years=years)
    when = timezone.now()
    if jobs is None:
        jobs = min(2, os.cpu_count() or 1)
    with _as_at(as_at), transaction.atomic():
        ids = writer.Ids()
        # An explicit key (next after the highest), not a database sequence: sequences do not roll
        # back, and the same seed must give the same rows whatever ran before.
        la = LocalAuthority.objects.create(pk=ids.next(LocalAuthority), code=shape.la_code,
                                           la_number=shape.la_number, name=shape.name)
        teams, users, staff = build_staff(la, shape, ids, random.Random(f"{seed}:{shape.la_code}:staff"), cal)
        Team.objects.bulk_create(teams)
        User.objects.bulk_create(users, batch_size=writer.BATCH)
        PopulationEstimate.objects.bulk_create(
            [ids.assign(row) for row in population_rows(la, shape, window, seed)], batch_size=writer.BATCH)
        sim = Simulator(shape=shape, la=la, staff=staff, seed=seed, window=window, ids=ids,
                        cal=cal, model=model)
        sim.wcal = wcal
        sim.organisations = casework.organisations(la, ids)
        Organisation.objects.bulk_create(sim.organisations)
        casework.store_document_files()
        families = [(n, *arrival) for n, arrival in enumerate(sim.arrivals())]
        # Privately fostered children are numbered apart, so adding them moves no other family.
        families += [(PRIVATE_FOSTERING_NUMBERS + n, *arrival)
                     for n, arrival in enumerate(sim.private_fostering_arrivals())]
        chunks = [families[i:i + CHUNK_FAMILIES] for i in range(0, len(families), CHUNK_FAMILIES)]
        offsets = writer.next_keys() | casework.next_keys()
        label = label or shape.name
        _SIM, _SIM_WHEN = sim, when
        try:
            bar = Progress(label, len(families), unit="families", shown=None if show_progress else False)
            with search.bulk_load(), writer.in_processes(_simulate_chunk, chunks, jobs) as results, bar:
                for chunk, result in zip(chunks, results, strict=True):
                    rows, case, refusals, messages, created, children = result
                    rows.shift(offsets)
                    case.shift(offsets)
                    for table, n in rows.used.items():
                        offsets[table] = offsets.get(table, 0) + n
                    report.counts.update(rows.insert(when, "generated"))
                    report.counts.update(writer.write_records(case.tables, when=when, reason="generated"))
                    report.refusals.update(refusals)
                    report.messages.update(messages)
                    report.records += created
                    report.children += children
                    bar.advance(len(chunk))
        finally:
            _SIM = None
        writer.reset_sequences([apps.get_model(t) for t in report.counts]
                               + [Team, User, LocalAuthority, PopulationEstimate, Organisation])
    report.councils += 1
    report.seconds += time.perf_counter() - started
    return report


def shapes_for(size: str, la_code: str, seed: int) -> list[CouncilShape]:
    """The councils a size means: one, or 153 with made-up codes and sizes summing to ≈12.2m."""
    if size != "national":
        number = 895 if la_code == "E06000049" else (
            800 + int(la_code[-3:]) % 199 if la_code[-3:].isdigit() else 899)
        return [CouncilShape(children=SIZES[size], la_code=la_code, la_number=number,
                             name=f"Synthetic {size.title()} Council ({la_code})")]
    rng = random.Random(f"{seed}:national")
    weights = [rng.lognormvariate(0, 0.6) for _ in range(NATIONAL_COUNCILS)]
    total = sum(weights)
    shapes = []
    for i, w in enumerate(weights):
        shapes.append(CouncilShape(children=max(5_000, round(SIZES["national"] * w / total)),
                                   la_code=f"E9{i + 1:07d}", la_number=600 + i,
                                   name=f"Synthetic Council {i + 1}"))
    return shapes
