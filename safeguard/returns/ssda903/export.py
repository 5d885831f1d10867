"""Writing the SSDA903 for a collection year: one CSV per table, exact DfE headers, DD/MM/YYYY
dates, rows sorted by child then date so that export -> import -> export gives the same bytes.

What belongs in the year (DfE SSDA903 guidance): children looked after at any time in the year
(Header, Episodes open in the year, Reviews and Missing in the year, UASC, OC2 for the 31 March
cohort, AD1 for children adopted in the year, decisions to place for adoption in force in the
year, previous permanence for those who started care in the year, social worker episodes for
those looked after at 31 March, DoLOs in the year), plus care leavers with
an OC3 contact in the year (Header rows only, no motherhood items: rules 1012, 628). Anything
after 31 March is left out, so an episode still open then is shown open (DEC and REC blank).

Each year is written in its own format (returns/years.py): its tables only (no social worker
episodes before 2023-24, no DoLO table before 2024-25) and its codes (SEX 1/2 to 2023-24).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.db.models import Q

from safeguard.audit.services import audit_record
from safeguard.looked_after.checks import RESPITE
from safeguard.looked_after.models import (
    AdoptionJourney,
    AnnualHealthOutcomes,
    CareLeaverContact,
    DeprivationOfLiberty,
    Episode,
    LookedAfterReview,
    MissingEpisode,
    PeriodOfCare,
    PreviousPermanenceRecord,
)
from safeguard.people.models import Child, Relationship
from safeguard.workforce.models import Allocation
from safeguard.workforce.selectors import council_for

from ..years import returns_year
from .tables import TABLES, collection_bounds, flag, fmt


def _overlaps(start_field: str, end_field: str, start, end) -> Q:
    return Q(**{f"{start_field}__lte": end}) & (
        Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gte": start}))


def _within(day, end):
    """A date as the return sees it at 31 March: later dates have not happened yet."""
    return day if day is not None and day <= end else None


def ssda903_rows(*, year: int, by) -> dict[str, list[list[str]]]:
    """The rows of every SSDA903 table for collection year `year` (a read: audited once)."""
    la = council_for(by)
    this = returns_year(year)
    start, end = collection_bounds(year)
    episodes = list(Episode.objects.filter(period_of_care__child__local_authority=la)
                    .filter(_overlaps("decom", "dec", start, end))
                    .select_related("period_of_care__child"))
    in_care = {e.period_of_care.child_id for e in episodes}
    contacts = {}
    for contact in (CareLeaverContact.objects.filter(child__local_authority=la,
                                                     contact_date__range=(start, end))
                    .order_by("contact_date", "pk")):
        contacts[contact.child_id] = contact  # the latest contact in the year
    children = {c.pk: c for c in Child.objects.filter(pk__in=in_care | set(contacts))}
    cid = {pk: c.la_child_id for pk, c in children.items()}
    dob = {pk: fmt(c.date_of_birth) for pk, c in children.items()}
    rows: dict[str, list[list[str]]] = {key: [] for key in TABLES}

    first_child = {}
    for rel in (Relationship.objects.filter(child_id__in=in_care, kind=Relationship.Kind.CHILD,
                                             recorded_in_error=False)
                .order_by("pk")):
        born = first_child.get(rel.child_id)
        if rel.child_id not in first_child or (
                rel.relative_date_of_birth and (born is None or rel.relative_date_of_birth < born)):
            first_child[rel.child_id] = rel.relative_date_of_birth
    for pk, child in children.items():
        mother = mc_dob = ""
        if pk in in_care and child.sex == "F":
            mother = "1" if pk in first_child else "0"
            mc_dob = fmt(first_child.get(pk))
        sex = this.from_record("SEX", child.sex)
        rows["Header"].append([child.la_child_id, sex, dob[pk], child.ethnicity,
                               child.upn or child.upn_unknown, mother, mc_dob])
        if pk in in_care and child.uasc and (child.uasc_ceased_date is None
                                             or child.uasc_ceased_date >= start):
            rows["UASC"].append([child.la_child_id, sex, dob[pk],
                                 fmt(child.uasc_ceased_date)])

    for e in episodes:
        dec = _within(e.dec, end)
        rows["Episodes"].append([
            cid[e.period_of_care.child_id], fmt(e.decom), e.rne, e.legal_status,
            e.category_of_need, e.placement, e.placement_provider, fmt(dec),
            e.rec if dec else "", e.reason_place_change if dec else "", e.home_postcode,
            e.placement_postcode, e.urn])
    for r in (LookedAfterReview.objects.filter(period_of_care__child_id__in=in_care,
                                               review_date__range=(start, end))
              .select_related("period_of_care")):
        pk = r.period_of_care.child_id
        rows["Reviews"].append([cid[pk], dob[pk], fmt(r.review_date), r.participation])
    for o in AnnualHealthOutcomes.objects.filter(child_id__in=in_care, year_ending=end):
        rows["OC2"].append([cid[o.child_id], dob[o.child_id],
                            "" if o.sdq_score is None else str(o.sdq_score), o.sdq_reason,
                            *(flag(getattr(o, f)) for f in (
                                "convicted", "health_check", "immunisations", "teeth_check",
                                "health_assessment", "substance_misuse",
                                "intervention_received", "intervention_offered"))])
    # The OC2 cohort (looked after for the whole year, a period ending on 31 March included) has
    # no adoption or care-leaver rows (903 187).
    whole_year = set(PeriodOfCare.objects.filter(child_id__in=in_care, start_date__lte=start)
                     .filter(Q(end_date__isnull=True) | Q(end_date__gte=end))
                     .exclude(episodes__legal_status__in=RESPITE).values_list("child_id", flat=True))
    for pk, c in contacts.items():
        if pk in whole_year:
            continue
        rows["OC3"].append([cid[pk], dob[pk], c.in_touch, c.activity, c.accommodation])
    for j in AdoptionJourney.objects.filter(child_id__in=in_care, decision_date__lte=end).filter(
            Q(decision_reversed_date__isnull=True) | Q(decision_reversed_date__gte=start)):
        ceased = _within(j.decision_reversed_date, end)
        rows["PlacedAdoption"].append([cid[j.child_id], dob[j.child_id], fmt(j.decision_date),
                                       fmt(ceased), j.reason_reversed if ceased else ""])
        if j.adoption_order_date and start <= j.adoption_order_date <= end \
                and j.child_id not in whole_year:
            rows["AD1"].append([cid[j.child_id], dob[j.child_id], fmt(j.decision_date),
                                fmt(j.matched_date), flag(j.foster_carer_adoption),
                                "" if j.number_of_adopters is None else str(j.number_of_adopters),
                                j.sex_of_adopters, j.legal_status_of_adopters])
    # Previous permanence is returned for children who started to be looked after in the year
    # (903 rules 630 and 634).
    started = {e.period_of_care.child_id for e in episodes if e.rne == "S" and e.decom >= start}
    for p in PreviousPermanenceRecord.objects.filter(child_id__in=started):
        rows["PrevPerm"].append([cid[p.child_id], dob[p.child_id], p.option, p.la_code,
                                 fmt(p.order_date)])
    for m in MissingEpisode.objects.filter(child_id__in=in_care).filter(
            _overlaps("start_date", "end_date", start, end)):
        rows["Missing"].append([cid[m.child_id], dob[m.child_id], m.kind, fmt(m.start_date),
                                fmt(_within(m.end_date, end))])
    # Social worker episodes: every one in the year for children looked after at 31 March
    # (SW12STG2, SW17STG2), each with the reason it began (SW13STG1): FCONTA when it followed no episode
    # within 7 days (SW10STG2), else the reason the previous worker's episode ended.
    at_year_end = {e.period_of_care.child_id for e in episodes
                   if e.decom <= end and (e.dec is None or e.dec > end)}
    previous: dict[int, Allocation] = {}
    for a in (Allocation.objects.filter(child_id__in=at_year_end,
                                        kind=Allocation.Kind.SOCIAL_WORKER, start_date__lte=end)
              .exclude(worker__sw_id="").select_related("worker").order_by("child_id",
                                                                           "start_date", "pk")):
        before, previous[a.child_id] = previous.get(a.child_id), a
        if a.end_date is not None and a.end_date < start:
            continue
        follows = (before is not None and before.end_date is not None
                   and abs((a.start_date - before.end_date).days) <= 7 and before.end_reason)
        ended = _within(a.end_date, end)
        rows["SWEpisodes"].append([cid[a.child_id], dob[a.child_id], a.worker.sw_id,
                                   fmt(a.start_date), fmt(ended),
                                   before.end_reason if follows else a.start_reason or "FCONTA"])
    for d in DeprivationOfLiberty.objects.filter(child_id__in=in_care).filter(
            _overlaps("start_date", "end_date", start, end)):
        rows["DoLo"].append([cid[d.child_id], dob[d.child_id], fmt(d.start_date),
                             fmt(_within(d.end_date, end))])

    for table in rows.values():
        table.sort(key=_sort_key)
    # Social worker episodes in date order within each child (the SW rules read them in order).
    rows["SWEpisodes"].sort(key=lambda r: (r[0], _date_key(r[3]), _date_key(r[4]) or "9"))
    audit_record(actor=by, action="export", object_type="returns.SSDA903",
                 object_id=str(year), reason=f"SSDA903 {year - 1}-{year % 100:02d}",
                 detail={"year": year, "local_authority": la.code,
                         "children": len(children), "episodes": len(rows["Episodes"])})
    return rows


def _date_key(value: str) -> str:
    if len(value) == 10 and value[2] == "/" and value[5] == "/":
        return f"{value[6:]}{value[3:5]}{value[:2]}"
    return value


def _sort_key(row: list[str]) -> tuple:
    """By child, then by every later cell with dates compared as dates."""
    return (row[0], *(_date_key(v) for v in row[1:]))


def write_tables(rows: dict[str, list[list[str]]], folder: Path, year: int | None = None) -> list[Path]:
    """One CSV per table: the tables of collection `year` (every table if no year is given)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    keep = returns_year(year).ssda903_tables if year is not None else tuple(TABLES)
    for key, (name, columns) in TABLES.items():
        if key not in keep:
            continue
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns)
        writer.writerows(rows[key])
        path = folder / name
        path.write_text(buffer.getvalue(), encoding="utf-8")
        written.append(path)
    return written


def export_return(*, year: int, out: Path, by, previous_year: bool = False) -> list[Path]:
    """Write the year's CSVs (twelve from 2025-26) into `out`; with `previous_year`, last year's into
    `out/previous/` so the cross-year rules (502, 503A-J, 207...) can run."""
    out = Path(out)
    written = write_tables(ssda903_rows(year=year, by=by), out, year)
    if previous_year:
        written += write_tables(ssda903_rows(year=year - 1, by=by), out / "previous", year - 1)
    return written
