"""Writing the CIN census XML for a collection year: elements in XSD sequence order, ISO dates,
the year's own items and codes (`<Sex>` M/F/U from 2024-25, `<GenderCurrent>` 1/2/0/9 before; no
CINPlanDates before 2018-19; factor 18A for 18B/18C before 2020-21: returns/years.py) and no
timestamps, so the same record always gives the same bytes (export -> import -> export is exact)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

from safeguard.workforce.models import LocalAuthority

from ..years import returns_year
from .selectors import CensusChild, census_period, cin_census_children

SOFTWARE_CODE = "Safeguard"
RELEASE = "0.1.0"


def _add(parent: ET.Element, tag: str, value) -> ET.Element | None:
    """Append <tag>value</tag>; optional items with no value are left out."""
    if value is None or value == "":
        return None
    el = ET.SubElement(parent, tag)
    if isinstance(value, bool):
        el.text = "1" if value else "0"
    elif isinstance(value, dt.date):
        el.text = value.isoformat()
    else:
        el.text = str(value)
    return el


def census_xml(children: list[CensusChild], *, year: int, la_number: int) -> bytes:
    """The whole return as bytes (UTF-8, XML declaration, two-space indentation)."""
    _, reference_date = census_period(year)
    this = returns_year(year)
    message = ET.Element("Message")
    header = ET.SubElement(message, "Header")
    details = ET.SubElement(header, "CollectionDetails")
    _add(details, "Collection", "CIN")
    _add(details, "Year", year)
    _add(details, "ReferenceDate", reference_date)
    source = ET.SubElement(header, "Source")
    _add(source, "SourceLevel", "L")
    _add(source, "LEA", f"{la_number:03d}")
    _add(source, "SoftwareCode", SOFTWARE_CODE)
    _add(source, "Release", RELEASE)
    root = ET.SubElement(message, "Children")
    for c in children:
        child = ET.SubElement(root, "Child")
        ids = ET.SubElement(child, "ChildIdentifiers")
        _add(ids, "LAchildID", c.la_child_id)
        _add(ids, "UPN", c.upn)
        _add(ids, "FormerUPN", c.former_upn)
        _add(ids, "UPNunknown", c.upn_unknown)
        _add(ids, "PersonBirthDate", c.birth_date)
        _add(ids, "ExpectedPersonBirthDate", c.expected_birth_date)
        _add(ids, this.cin_sex_item, this.cin_sex(c.sex))
        _add(ids, "PersonDeathDate", c.death_date)
        chars = ET.SubElement(child, "ChildCharacteristics")
        _add(chars, "Ethnicity", c.ethnicity)
        if c.disabilities:
            block = ET.SubElement(chars, "Disabilities")
            for code in c.disabilities:
                _add(block, "Disability", code)
        for ep in c.episodes:
            cin = ET.SubElement(child, "CINdetails")
            _add(cin, "CINreferralDate", ep.referral_date)
            _add(cin, "ReferralSource", ep.source)
            _add(cin, "PrimaryNeedCode", ep.primary_need)
            _add(cin, "CINclosureDate", ep.closure_date)
            _add(cin, "ReasonForClosure", ep.reason_for_closure)
            _add(cin, "DateOfInitialCPC", ep.initial_cpc)
            for a in ep.assessments:
                el = ET.SubElement(cin, "Assessments")
                _add(el, "AssessmentActualStartDate", a.start)
                _add(el, "AssessmentInternalReviewDate", a.internal_review)
                _add(el, "AssessmentAuthorisationDate", a.authorised)
                if a.factors:
                    block = ET.SubElement(el, "FactorsIdentifiedAtAssessment")
                    for code in a.factors:
                        _add(block, "AssessmentFactors", this.cin_code("AssessmentFactors", code))
            for start, end in (ep.cin_plans if "CINPlanDates" in this.cin_items else ()):
                el = ET.SubElement(cin, "CINPlanDates")
                _add(el, "CINPlanStartDate", start)
                _add(el, "CINPlanEndDate", end)
            for s in ep.section47s:
                el = ET.SubElement(cin, "Section47")
                _add(el, "S47ActualStartDate", s.start)
                _add(el, "DateOfInitialCPC", s.icpc)
                _add(el, "ICPCnotRequired", s.icpc_not_required)
            _add(cin, "ReferralNFA", ep.nfa)
            for p in ep.cp_plans:
                el = ET.SubElement(cin, "ChildProtectionPlans")
                _add(el, "CPPstartDate", p.start)
                _add(el, "CPPendDate", p.end)
                _add(el, "InitialCategoryOfAbuse", p.initial_category)
                _add(el, "LatestCategoryOfAbuse", p.latest_category)
                _add(el, "NumberOfPreviousCPP", p.previous)
                if p.reviews:
                    block = ET.SubElement(el, "Reviews")
                    for day in p.reviews:
                        _add(block, "CPPreviewDate", day)
    ET.indent(message, space="  ")
    return ET.tostring(message, encoding="UTF-8", xml_declaration=True) + b"\n"


def file_name(year: int, la_number: int) -> str:
    return f"cin_census_{year}_{la_number:03d}.xml"


def export_return(*, year: int, out: Path, by, previous_year: bool = False) -> list[Path]:
    """Write the CIN census for collection year `year` (1 April year-1 to 31 March year), one
    file per council (only the user's council when the user belongs to one). `previous_year`
    also writes last year's census into <out>/previous/ (for cross-year checks)."""
    out = Path(out)
    councils = ([by.local_authority] if getattr(by, "local_authority_id", None)
                else list(LocalAuthority.objects.order_by("la_number")))
    written: list[Path] = []
    years = [(year, out)] + ([(year - 1, out / "previous")] if previous_year else [])
    for y, folder in years:
        for la in councils:
            children = cin_census_children(by=by, local_authority=la, year=y)
            if not children:
                continue  # the XSD needs at least one child: no file rather than an invalid one
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / file_name(y, la.la_number)
            path.write_bytes(census_xml(children, year=y, la_number=la.la_number))
            written.append(path)
    return written
