"""Reading a CIN census XML file safely and into plain values, with every problem reported by
file, line and element (never a traceback).

Parsing goes through defusedxml with DTDs forbidden, so entity expansion ("billion laughs") and
external entities are refused before anything is expanded or fetched. Files over MAX_BYTES are
refused before they are opened. The child's sex is the item of the file's collection year (the one
given, else the header's): <GenderCurrent> 1/2/0/9 to 2023-24, <Sex> M/F/U from 2024-25 (CIN rule
4180; returns/years.py), read into the record's M/F/U; with no year known, either is read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as defused_et
from defusedxml.common import DefusedXmlException, DTDForbidden, EntitiesForbidden

from safeguard.core.codes import LEGACY_GENDER_CURRENT
from safeguard.core.errors import Violation, text_problem

from ..years import returns_year, years_valid

#: One council's CIN census is a few MB (a large council: about 15,000 children, some 10 MB); a
#: file over 50 MB is not one council's return and is refused before it is opened or kept.
MAX_BYTES = 50 * 1024 * 1024
#: The longest value any CIN census element holds: LAchildID, at most 36 characters (codes, dates
#: and UPNs are shorter, and are checked against their lists and forms). Anything longer is refused
#: by the reader, before a record or the database sees it (issue 15, finding 7).
MAX_VALUE = 36
#: The most previous child protection plans a child can plausibly have had (NumberOfPreviousCPP).
MAX_PREVIOUS_CPP = 99
CHUNK = 1 << 20
GENDER_TO_SEX = LEGACY_GENDER_CURRENT
FLAGS = {"0": False, "1": True, "false": False, "true": True}


class _LineParser(defused_et.DefusedXMLParser):
    """defusedxml's parser, also noting the line each element starts on."""

    def _start(self, tag, attr_list):
        el = super()._start(tag, attr_list)
        el.sourceline = self.parser.CurrentLineNumber
        return el


# --- parsed values (each record keeps the line it came from) ------------------------------------

@dataclass
class XAssessment:
    line: int
    start: dt.date | None
    internal_review: dt.date | None
    authorised: dt.date | None
    factors: list[str] | None  # None: no FactorsIdentifiedAtAssessment block
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class XSection47:
    line: int
    start: dt.date | None
    icpc: dt.date | None
    icpc_not_required: bool
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class XCPPlan:
    line: int
    start: dt.date | None
    end: dt.date | None
    initial_category: str
    latest_category: str
    previous: int | None
    reviews: list[tuple[int, dt.date]]
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class XEpisode:
    line: int
    referral_date: dt.date | None
    source: str
    primary_need: str
    closure_date: dt.date | None
    reason_for_closure: str
    initial_cpc: dt.date | None
    nfa: bool
    assessments: list[XAssessment] = field(default_factory=list)
    cin_plans: list[tuple[dict[str, int], dt.date | None, dt.date | None]] = field(
        default_factory=list)
    section47s: list[XSection47] = field(default_factory=list)
    cp_plans: list[XCPPlan] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class XChild:
    line: int
    la_child_id: str
    upn: str
    former_upn: str
    upn_unknown: str
    birth_date: dt.date | None
    expected_birth_date: dt.date | None
    sex: str
    death_date: dt.date | None
    ethnicity: str
    disabilities: list[str]
    episodes: list[XEpisode]
    lines: dict[str, int] = field(default_factory=dict)
    clean: bool = True  # False: the reader found problems in it, so it is not checked further


@dataclass
class XReturn:
    year: int | None
    reference_date: dt.date | None
    lea: str
    lea_line: int
    children: list[XChild]
    notes: list[str]


# --- the reader -------------------------------------------------------------------------------

class Reader:
    def __init__(self, name: str, *, year: int | None = None) -> None:
        """`year`: the collection year given for the file (`--year`); else the header's is used."""
        self.name = name
        self.problems: list[Violation] = []
        self.notes: list[str] = []
        self.given_year = year
        #: The collection year the children are read for (set once the header is read).
        self.year: int | None = year
        #: Problems of the year (a code or item of another year) that do not stop the child being
        #: checked further: added once the child has been read.
        self.of_year: list[Violation] = []

    def fail(self, line, item: str, rule: str, message: str) -> None:
        self.problems.append(Violation(f"{self.name}:{line}:{item}", rule, message))

    # --- low-level -------------------------------------------------------------------------
    def parse(self, path: Path):
        """The root element, or None (with the problem recorded)."""
        size = path.stat().st_size
        if size > MAX_BYTES:
            self.fail(0, "file", "format",
                      f"the file is {size:,} bytes; the limit for one council's CIN census is "
                      f"{MAX_BYTES:,} bytes ({MAX_BYTES // (1024 * 1024)} MB), so it was neither read "
                      "nor kept")
            return None
        parser = _LineParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(CHUNK):
                    parser.feed(chunk)
            return parser.close()
        except (DTDForbidden, EntitiesForbidden) as exc:
            self.fail(parser.parser.CurrentLineNumber, "DOCTYPE", "format",
                      f"the file declares a DTD or entities ({type(exc).__name__}); a CIN census "
                      "never needs them and they can be used to attack the server, so the file "
                      "was refused")
        except DefusedXmlException as exc:
            self.fail(parser.parser.CurrentLineNumber, "XML", "format",
                      f"refused: {type(exc).__name__} (external references are not allowed)")
        except ParseError as exc:
            line = exc.position[0] if getattr(exc, "position", None) else 0
            self.fail(line, "XML", "format", f"the file is not well-formed XML: {exc}")
        except (UnicodeError, ValueError) as exc:
            self.fail(0, "XML", "format", f"the file could not be decoded: {exc}")
        return None

    def parts(self, el, spec: dict[str, tuple[int, int | None]], skip: frozenset = frozenset()):
        """The children of `el` by tag, checking each tag is expected and occurs min..max times;
        stray text between elements is reported."""
        found: dict[str, list] = {tag: [] for tag in spec}
        for sub in el:
            if sub.tag in spec:
                found[sub.tag].append(sub)
            elif sub.tag in skip:
                continue
            else:
                self.fail(sub.sourceline, sub.tag, "format",
                          f"unexpected element <{sub.tag}> inside <{el.tag}>")
            if sub.tail and sub.tail.strip():
                self.fail(sub.sourceline, sub.tag, "format",
                          f"stray text {sub.tail.strip()[:40]!r} after <{sub.tag}>")
        if el.text and el.text.strip() and len(el):
            self.fail(el.sourceline, el.tag, "format",
                      f"stray text {el.text.strip()[:40]!r} inside <{el.tag}>")
        for tag, (lo, hi) in spec.items():
            n = len(found[tag])
            if n < lo:
                self.fail(el.sourceline, tag, "format", f"<{el.tag}> needs a <{tag}>")
            if hi is not None and n > hi:
                self.fail(found[tag][hi].sourceline, tag, "format",
                          f"<{tag}> may appear at most {hi} time(s) in <{el.tag}>")
        return found

    @staticmethod
    def lines(el, *found: dict) -> dict[str, int]:
        """Where each element of a record starts, to point reports at the exact line."""
        out = {el.tag: el.sourceline}
        for f in found:
            out.update({tag: els[0].sourceline for tag, els in f.items() if els})
        return out

    def text(self, els) -> str:
        """An element's text; one longer than any CIN census value is reported (XML itself refuses
        NUL and the other control characters, so the parser has already refused those)."""
        if not els:
            return ""
        value = (els[0].text or "").strip()
        problem = text_problem(value, MAX_VALUE, multiline=False)
        if problem is not None and not getattr(els[0], "reported", False):
            els[0].reported = True  # read twice (e.g. a flag): reported once
            self.fail(els[0].sourceline, els[0].tag, "format", f"{els[0].tag} {problem}")
        return value

    def date(self, els, rule: str = "format") -> dt.date | None:
        value = self.text(els)
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value) if len(value) == 10 else _bad_date()
        except ValueError:
            self.fail(els[0].sourceline, els[0].tag, rule,
                      f"{value!r} is not a date in the form YYYY-MM-DD")
            return None

    def flag(self, els, rule: str) -> bool | None:
        value = self.text(els).lower()
        if value in FLAGS:
            return FLAGS[value]
        if els:
            self.fail(els[0].sourceline, els[0].tag, rule,
                      f"{self.text(els)!r} is not a valid value: use 0/1 (or false/true)")
        return None

    # --- the return ------------------------------------------------------------------------
    def read(self, path: Path) -> XReturn | None:
        root = self.parse(path)
        if root is None:
            return None
        if root.tag != "Message":
            self.fail(root.sourceline, root.tag, "format",
                      f"the root element is <{root.tag}>; a CIN census starts with <Message>")
            return None
        top = self.parts(root, {"Header": (0, 1), "Children": (1, 1)})
        year, reference_date, lea, lea_line = self._header(top["Header"])
        if self.given_year is None:
            self.year = year or (_year_ending(reference_date) if reference_date else None)
        children = []
        for block in top["Children"][:1]:
            kids = self.parts(block, {"Child": (1, None)})
            for el in kids["Child"]:
                before = len(self.problems)
                child = self._child(el)
                if child is not None:
                    child.clean = len(self.problems) == before
                    children.append(child)
                self.problems += self.of_year
                self.of_year = []
        return XReturn(year=year, reference_date=reference_date, lea=lea, lea_line=lea_line,
                       children=children, notes=self.notes)

    def _header(self, headers):
        if not headers:
            return None, None, "", 0
        h = self.parts(headers[0], {"CollectionDetails": (0, 1), "Source": (0, None)})
        year = reference_date = None
        if h["CollectionDetails"]:
            d = self.parts(h["CollectionDetails"][0],
                           {"Collection": (0, 1), "Year": (0, 1), "ReferenceDate": (0, 1)})
            collection = self.text(d["Collection"])
            if collection and collection != "CIN":
                self.fail(d["Collection"][0].sourceline, "Collection", "format",
                          f"the collection is {collection!r}, not CIN")
            raw_year = self.text(d["Year"])
            if raw_year:
                if raw_year.isdigit() and len(raw_year) == 4:
                    year = int(raw_year)
                else:
                    self.fail(d["Year"][0].sourceline, "Year", "format",
                              f"{raw_year!r} is not a year")
            reference_date = self.date(d["ReferenceDate"])
        lea, lea_line = "", headers[0].sourceline
        for source in h["Source"][:1]:
            s = self.parts(source, {"SourceLevel": (0, 1), "LEA": (1, 1), "SoftwareCode": (0, 1),
                                    "Release": (0, 1), "SerialNo": (0, 1), "DateTime": (0, 1)})
            lea = self.text(s["LEA"])
            lea_line = s["LEA"][0].sourceline if s["LEA"] else source.sourceline
        if year and reference_date and reference_date != dt.date(year, 3, 31):
            self.notes.append(f"header: ReferenceDate {reference_date} is not 31 March {year} "
                              "(CIN rule 100, checked on the return as a whole, not at import)")
        return year, reference_date, lea, lea_line

    def _child(self, el) -> XChild | None:
        c = self.parts(el, {"ChildIdentifiers": (1, 1), "ChildCharacteristics": (1, 1),
                            "CINdetails": (1, None)})
        if not c["ChildIdentifiers"] or not c["ChildCharacteristics"]:
            return None
        ids = self.parts(c["ChildIdentifiers"][0], {
            "LAchildID": (1, 1), "UPN": (0, 1), "FormerUPN": (0, 1), "UPNunknown": (0, 1),
            "PersonBirthDate": (0, 1), "ExpectedPersonBirthDate": (0, 1), "GenderCurrent": (0, 1),
            "Sex": (0, 1), "PersonDeathDate": (0, 1)})
        la_child_id = self.text(ids["LAchildID"])
        if ids["LAchildID"] and not la_child_id:
            self.fail(ids["LAchildID"][0].sourceline, "LAchildID", "CIN 8500",
                      "LAchildID is empty")
        sex = self._sex(c["ChildIdentifiers"][0], ids)
        chars = self.parts(c["ChildCharacteristics"][0],
                           {"Ethnicity": (1, 1), "Disabilities": (0, 1)})
        disabilities = []
        for block in chars["Disabilities"]:
            disabilities = [self.text([d]) for d in self.parts(block, {"Disability": (1, None)})
                            ["Disability"]]
        return XChild(
            line=el.sourceline, la_child_id=la_child_id, upn=self.text(ids["UPN"]),
            former_upn=self.text(ids["FormerUPN"]), upn_unknown=self.text(ids["UPNunknown"]),
            birth_date=self.date(ids["PersonBirthDate"]),
            expected_birth_date=self.date(ids["ExpectedPersonBirthDate"]), sex=sex,
            death_date=self.date(ids["PersonDeathDate"]),
            ethnicity=self.text(chars["Ethnicity"]), disabilities=disabilities,
            episodes=[self._episode(e) for e in c["CINdetails"]],
            lines=self.lines(el, ids, chars),
        )

    def _sex(self, el, ids) -> str:
        """The child's sex as the record keeps it (M/F/U), from the item of the file's year."""
        this = self._this_year()
        expected = this.cin_sex_item if this is not None else None
        for item in ("Sex", "GenderCurrent"):
            if not ids[item]:
                continue
            raw, found = self.text(ids[item]), ids[item][0]
            if expected is not None and item != expected:  # reported; the child is still checked
                self.of_year.append(Violation(
                    f"{self.name}:{found.sourceline}:{item}", "CIN 4180",
                    f"<{item}> is not an item of the {this.label} census: the child's sex is "
                    f"<{expected}> in {this.label} ("
                    + ("M, F or U; <GenderCurrent> was replaced from 2024-25)" if expected == "Sex"
                       else "1, 2, 0 or 9; <Sex> replaced it from 2024-25)")))
            if item == "Sex":
                if raw in ("M", "F", "U"):
                    return raw
                self.fail(found.sourceline, "Sex", "CIN 4180", f"Sex {raw!r} must be M, F or U")
                return ""
            if raw in GENDER_TO_SEX:
                return GENDER_TO_SEX[raw]
            self.fail(found.sourceline, "GenderCurrent", "CIN 4180",
                      f"GenderCurrent {raw!r} must be 1, 2, 0 or 9")
            return ""
        self.fail(el.sourceline, expected or "Sex", "CIN 4180",
                  f"the child's {expected or 'Sex (or GenderCurrent)'} is missing")
        return ""

    def _this_year(self):
        """The collection year's returns (years.ReturnYear), or None if the year is not known."""
        try:
            return returns_year(self.year) if self.year is not None else None
        except ValueError:
            return None

    def _year_code(self, els, item: str) -> None:
        """A code of another year than the file's (RC9 in a 2021-22 census) is refused under the
        item's rule; a code of no year is left to the record's checks."""
        this = self._this_year()
        value = self.text(els)
        if this is None or not value or value in this.cin_codes[item]:
            return
        when = years_valid(item, value)
        if when:  # reported; the child is still checked
            self.of_year.append(Violation(
                f"{self.name}:{els[0].sourceline}:{item}", this.cin_rules[item],
                f"{item} {value!r} is not a code of the {this.label} census (valid {when})"))

    def _episode(self, el) -> XEpisode:
        e = self.parts(el, {
            "CINreferralDate": (1, 1), "ReferralSource": (0, 1), "PrimaryNeedCode": (0, 1),
            "CINclosureDate": (0, 1), "ReasonForClosure": (0, 1), "DateOfInitialCPC": (0, 1),
            "Assessments": (0, None), "CINPlanDates": (0, None), "Section47": (0, None),
            "ReferralNFA": (1, 1), "ChildProtectionPlans": (0, None)},
            skip=frozenset({"PreProceedingsandFGDM"}))
        skipped = el.findall("PreProceedingsandFGDM")
        if skipped:
            self.notes.append(f"line {skipped[0].sourceline}: PreProceedingsandFGDM is not "
                              "imported (not yet part of the 2024 schema)")
        ep = XEpisode(
            line=el.sourceline, referral_date=self.date(e["CINreferralDate"]),
            source=self.text(e["ReferralSource"]), primary_need=self.text(e["PrimaryNeedCode"]),
            closure_date=self.date(e["CINclosureDate"]),
            reason_for_closure=self.text(e["ReasonForClosure"]),
            initial_cpc=self.date(e["DateOfInitialCPC"]),
            nfa=bool(self.flag(e["ReferralNFA"], "CIN 8568")), lines=self.lines(el, e),
        )
        self._year_code(e["ReferralSource"], "ReferralSource")
        self._year_code(e["ReasonForClosure"], "ReasonForClosure")
        for a in e["Assessments"]:
            p = self.parts(a, {"AssessmentActualStartDate": (1, 1),
                               "AssessmentInternalReviewDate": (0, 1),
                               "AssessmentAuthorisationDate": (0, 1),
                               "FactorsIdentifiedAtAssessment": (0, 1)})
            factors = None
            for block in p["FactorsIdentifiedAtAssessment"]:
                factors = [self.text([f]) for f in block if f.tag == "AssessmentFactors"]
                for other in block:
                    if other.tag != "AssessmentFactors":
                        self.fail(other.sourceline, other.tag, "format",
                                  f"unexpected element <{other.tag}> in the factors")
            ep.assessments.append(XAssessment(
                line=a.sourceline, start=self.date(p["AssessmentActualStartDate"]),
                internal_review=self.date(p["AssessmentInternalReviewDate"]),
                authorised=self.date(p["AssessmentAuthorisationDate"]), factors=factors,
                lines=self.lines(a, p)))
        for plan in e["CINPlanDates"]:
            p = self.parts(plan, {"CINPlanStartDate": (1, 1), "CINPlanEndDate": (0, 1)})
            ep.cin_plans.append((self.lines(plan, p), self.date(p["CINPlanStartDate"]),
                                 self.date(p["CINPlanEndDate"])))
        for s in e["Section47"]:
            p = self.parts(s, {"S47ActualStartDate": (1, 1), "InitialCPCtarget": (0, 1),
                               "DateOfInitialCPC": (0, 1), "ICPCnotRequired": (1, 1)})
            self.date(p["InitialCPCtarget"])  # checked for form; derived again from the dates
            ep.section47s.append(XSection47(
                line=s.sourceline, start=self.date(p["S47ActualStartDate"]),
                icpc=self.date(p["DateOfInitialCPC"]),
                icpc_not_required=bool(self.flag(p["ICPCnotRequired"], "CIN 8569")),
                lines=self.lines(s, p)))
        for plan in e["ChildProtectionPlans"]:
            p = self.parts(plan, {"CPPstartDate": (1, 1), "CPPendDate": (0, 1),
                                  "InitialCategoryOfAbuse": (1, 1), "LatestCategoryOfAbuse": (1, 1),
                                  "NumberOfPreviousCPP": (1, 1), "Reviews": (0, 1)})
            reviews = []
            for block in p["Reviews"]:
                for r in self.parts(block, {"CPPreviewDate": (1, None)})["CPPreviewDate"]:
                    day = self.date([r])
                    if day is not None:
                        reviews.append((r.sourceline, day))
            previous = None
            raw = self.text(p["NumberOfPreviousCPP"])
            if raw:
                try:
                    previous = int(raw)
                except ValueError:
                    self.fail(p["NumberOfPreviousCPP"][0].sourceline, "NumberOfPreviousCPP",
                              "CIN 8730", f"{raw!r} is not a whole number")
                else:
                    if previous > MAX_PREVIOUS_CPP:  # else SQLite stores it and PostgreSQL fails
                        self.fail(p["NumberOfPreviousCPP"][0].sourceline, "NumberOfPreviousCPP",
                                  "format", f"{previous} previous plans is more than the "
                                  f"{MAX_PREVIOUS_CPP} that can be recorded")
                        previous = None
            ep.cp_plans.append(XCPPlan(
                line=plan.sourceline, start=self.date(p["CPPstartDate"]),
                end=self.date(p["CPPendDate"]),
                initial_category=self.text(p["InitialCategoryOfAbuse"]),
                latest_category=self.text(p["LatestCategoryOfAbuse"]), previous=previous,
                reviews=reviews, lines=self.lines(plan, p)))
        return ep


def _year_ending(day: dt.date) -> int:
    """The collection year (by its end) a reference date falls in."""
    return day.year + 1 if day.month >= 4 else day.year


def _bad_date():
    raise ValueError("not YYYY-MM-DD")
