"""What each collection year's returns look like, from 2013-14 to 2026-27: the one place that says
which code lists, tables, items and schema apply to an SSDA903 or CIN census of a given year.

The record keeps today's codes (SEX M/F/U, CIN <Sex>); a file of an earlier year is read with that
year's lists and its legacy codes mapped to today's (SEX 1 -> M), and a return of an earlier year
is written with that year's codes and items (GenderCurrent in a 2023-24 CIN census).

A year is named by the year its collection ends (2024 = 1 April 2023 to 31 March 2024), as the DfE
validators and `--year` name it. Sources (shared/reference/STANDARDS.md): the DfE community
validators' year folders (lac2022_23 ... lac2026_27, cin2022_23 ... cin2026_27) and, before
2022-23, the liia-tools SSDA903 schemas of 2016-17, 2020-21, 2021-22 and 2023-24 and CIN XSDs of
2017-18, 2019-20, 2021-22 and 2023-24. Where no source shows a year, the nearest year shown is
assumed and `SHOWN` says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from safeguard.core import codes

FIRST_YEAR = 2014  # 2013-14
LAST_YEAR = 2027  # 2026-27
#: Years a source shows an SSDA903 code list for; the years between are read as the nearer ones,
#: and where two shown years disagree either list is accepted in the years between.
SHOWN = {"SSDA903": (2017, 2021, 2022, 2023, 2024, 2025, 2026, 2027),
         "CIN": (2018, 2020, 2022, 2023, 2024, 2025, 2026, 2027)}


@dataclass(frozen=True)
class Span:
    """A code list valid from collection year `first` to `last` (None: still valid)."""

    first: int
    last: int | None
    codes: frozenset[str]


def _codes(*groups) -> frozenset[str]:
    out: set[str] = set()
    for g in groups:
        out |= set(g.values) if isinstance(g, type) else set(g)
    return frozenset(out)


_PLACE_TODAY = _codes(codes.Placement)
_PLACE_WITHDRAWN = frozenset(codes.LEGACY_PLACEMENTS)  # H5, P2, Z1
_PLACE_NEW_2025 = frozenset({"K3"})
_PLACE_NEW_2026 = frozenset({"Z11", "Z12", "Z13", "Z14"})
_PLACE_TO_2024 = (_PLACE_TODAY - _PLACE_NEW_2025 - _PLACE_NEW_2026) | _PLACE_WITHDRAWN
_REC_TODAY = _codes(codes.ReasonEpisodeCeased)
_REC_SGO = frozenset({"E45", "E46", "E47", "E48"})
_REC_SGO_OLD = frozenset({"E43", "E44"})
_RPC_TODAY = _codes(codes.ReasonPlaceChange)
_ACTIV_TODAY = _codes(codes.CareLeaverActivity)
_ACTIV_OLD = (_ACTIV_TODAY - {"F4", "P4", "F5", "P5"}) | {"F3", "P3"}

#: SSDA903 items whose valid codes changed over the years: column -> (spans, DfE rule).
SSDA903_CODES: dict[str, tuple[tuple[Span, ...], str]] = {
    # 903 rule 101: 1/2 in lac2022_23 and lac2023_24 (and every liia-tools schema to 2023-24);
    # M/F/U from lac2024_25.
    "SEX": ((Span(FIRST_YEAR, 2024, frozenset({"1", "2"})),
             Span(2025, None, _codes(codes.Sex))), "903 101"),
    # 903 rule 146: H5, P2, Z1 to 2024-25; K3 added in 2024-25; Z11-Z14 added and H5, P2, Z1
    # withdrawn in 2025-26.
    "PLACE": ((Span(FIRST_YEAR, 2024, _PLACE_TO_2024),
               Span(2025, 2025, _PLACE_TO_2024 | _PLACE_NEW_2025),
               Span(2026, None, _PLACE_TODAY)), "903 146"),
    # 903 rule 149: E43/E44 (SGO) in the 2016-17 schema, E45-E48 in the 2020-21 one; both are
    # read in the years between, which no source shows.
    "REC": ((Span(FIRST_YEAR, 2017, (_REC_TODAY - _REC_SGO) | _REC_SGO_OLD),
             Span(2018, 2020, _REC_TODAY | _REC_SGO_OLD),
             Span(2021, None, _REC_TODAY)), "903 149"),
    # 903 rule 1009: CUSTOD is in the 2020-21 schema, not the 2016-17 one.
    "REASON_PLACE_CHANGE": ((Span(FIRST_YEAR, 2017, _RPC_TODAY - {"CUSTOD"}),
                             Span(2018, None, _RPC_TODAY)), "903 1009"),
    # OC3 activity: F3/P3 to 2020-21; F4/P4 (apprenticeship) and F5/P5 from 2021-22.
    "ACTIV": ((Span(FIRST_YEAR, 2021, _ACTIV_OLD), Span(2022, None, _ACTIV_TODAY)), "format"),
}
SSDA903_CODES["UASC.SEX"] = SSDA903_CODES["SEX"]

#: A year's code -> the code the record keeps, where they differ.
TO_RECORD = {"SEX": codes.LEGACY_SEX_903, "UASC.SEX": codes.LEGACY_SEX_903}

#: SSDA903 tables and the years they are part of the return (the rest: every year).
SSDA903_TABLE_YEARS: dict[str, tuple[int, int | None]] = {
    "SWEpisodes": (2024, None),  # social worker episodes: rules from lac2023_24
    # Deprivation of liberty orders: rules only from lac2026_27, but the validator takes the table
    # (by its columns) in every ruleset; written from 2024-25, as the previous year of 2025-26.
    "DoLo": (2025, None),
}

#: CIN census: the child's sex item and its codes (rule 4180): <GenderCurrent> 1/2/0/9 to
#: 2023-24 (the 2024 XSD), <Sex> M/F/U from 2024-25 (cin2024_25).
CIN_SEX_ITEM = ((Span(FIRST_YEAR, 2024, frozenset(codes.LEGACY_GENDER_CURRENT)), "GenderCurrent"),
                (Span(2025, None, _codes(codes.Sex)), "Sex"))
CIN_SEX_RULE = "CIN 4180"

_SOURCE_TODAY = _codes(codes.ReferralSource)
_CLOSURE_TODAY = _codes(codes.ReasonForClosure)
_FACTORS_TODAY = _codes(codes.AssessmentFactor)
_FACTORS_SPLIT = frozenset({"18B", "18C", "19B", "19C"})
_FACTORS_OLD = (_FACTORS_TODAY - _FACTORS_SPLIT - {"24A"}) | {"18A", "19A"}

#: CIN census code lists that changed (liia-tools CIN XSDs of 2017-18, 2019-20 and 2021-22, the
#: published XSD of 2023-24, validators cin2022_23 on): item -> (spans, DfE rule). In the years no
#: source shows (2018-19, 2020-21, 2022-23) either neighbour's list is read.
CIN_CODES: dict[str, tuple[tuple[Span, ...], str]] = {
    # 5D (LA services: early help) is in the 2023-24 XSD, not the 2021-22 one.
    "ReferralSource": ((Span(FIRST_YEAR, 2022, _SOURCE_TODAY - {"5D"}),
                        Span(2023, None, _SOURCE_TODAY)), "CIN 8866"),
    # RC9 (closed after assessment, referred to early help): in 2023-24, not in 2021-22.
    "ReasonForClosure": ((Span(FIRST_YEAR, 2022, _CLOSURE_TODAY - {"RC9"}),
                          Span(2023, None, _CLOSURE_TODAY)), "CIN 8640"),
    # 18A/19A (physical/sexual abuse) split into child-on-child B and adult-on-child C, and 24A
    # (child criminal exploitation) added: 2019-20 XSD has the old list, 2021-22 the new one.
    "AssessmentFactors": ((Span(FIRST_YEAR, 2020, _FACTORS_OLD),
                           Span(2021, 2021, _FACTORS_OLD | _FACTORS_TODAY),
                           Span(2022, None, _FACTORS_TODAY)), "CIN 8897Q"),
}
#: The record's code -> an earlier year's code that means the same, wider (18B -> 18A).
CIN_FROM_RECORD = {"AssessmentFactors": {"18B": "18A", "18C": "18A", "19B": "19A", "19C": "19A"}}

#: CIN census items that are not in every year: element -> (first year, last year). CINPlanDates is
#: in the 2019-20 XSD and not the 2017-18 one; PreProceedingsandFGDM is in the DfE validator's
#: 2025-26 sample (not yet read by the validator, nor imported here).
CIN_ITEM_YEARS: dict[str, tuple[int, int | None]] = {
    "CINPlanDates": (2019, None),
    "PreProceedingsandFGDM": (2026, None),
}

_HERE = Path(__file__).resolve().parent / "cin_census"
#: The XSD a CIN census of the year is checked against (None: none is held for that year).
CIN_XSD: tuple[tuple[int, int | None, Path], ...] = (
    (2024, 2024, _HERE / "cin_census_2024.xsd"),  # as published (GenderCurrent)
    (2025, None, _HERE / "cin_census_2024_sex.xsd"),  # the same with <Sex> (2024-25 change)
)


def label(year: int) -> str:
    """2024 -> '2023-24'."""
    return f"{year - 1}-{year % 100:02d}"


def known(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def _in(first: int, last: int | None, year: int) -> bool:
    return first <= year and (last is None or year <= last)


@dataclass(frozen=True)
class ReturnYear:
    """Everything year-dependent about the returns of one collection year."""

    year: int
    label: str
    ssda903_tables: tuple[str, ...]
    ssda903_codes: dict[str, frozenset[str]]
    ssda903_rules: dict[str, str]
    cin_sex_item: str
    cin_sex_codes: frozenset[str]
    cin_xsd: Path | None
    cin_codes: dict[str, frozenset[str]]
    cin_rules: dict[str, str]
    cin_items: frozenset[str]  # the optional items of CIN_ITEM_YEARS that the year has

    def to_record(self, item: str, code: str) -> str:
        """The code the record keeps for this year's `code` (SEX 1 -> M); the same if unchanged."""
        return TO_RECORD.get(item, {}).get(code, code)

    def from_record(self, item: str, code: str) -> str:
        """This year's code for the record's `code` (SEX M -> 1 in 2023-24); the same if it has
        none (a U in a year of 1/2 is written as U, and the DfE rule reports it)."""
        back = {today: old for old, today in TO_RECORD.get(item, {}).items()}
        if code in back and back[code] in self.ssda903_codes.get(item, ()):
            return back[code]
        return code

    def cin_code(self, item: str, code: str) -> str:
        """This year's CIN census code for the record's `code` (factor 18B -> 18A to 2020-21)."""
        old = CIN_FROM_RECORD.get(item, {}).get(code)
        if old is not None and code not in self.cin_codes[item] and old in self.cin_codes[item]:
            return old
        return code

    def cin_sex(self, sex: str) -> str:
        """The CIN census sex code of the year for the record's M/F/U (U -> 0, not known, in the
        GenderCurrent years: unborn children are the usual U, which the DfE coded 0)."""
        if self.cin_sex_item == "Sex" or not sex:
            return sex
        return {"M": "1", "F": "2", "U": "0"}.get(sex, sex)


@cache
def returns_year(year: int) -> ReturnYear:
    """The returns of collection year `year`; ValueError outside 2013-14 to 2026-27."""
    if not known(year):
        raise ValueError(f"collection year {year} is outside {label(FIRST_YEAR)} to {label(LAST_YEAR)}")
    from .ssda903.tables import TABLES

    tables = tuple(k for k in TABLES if _in(*SSDA903_TABLE_YEARS.get(k, (FIRST_YEAR, None)), year))
    lists = {item: next(s.codes for s in spans if _in(s.first, s.last, year))
             for item, (spans, _) in SSDA903_CODES.items()}
    span, item = next((s, i) for s, i in CIN_SEX_ITEM if _in(s.first, s.last, year))
    xsd = next((p for first, last, p in CIN_XSD if _in(first, last, year)), None)
    return ReturnYear(year=year, label=label(year), ssda903_tables=tables, ssda903_codes=lists,
                      ssda903_rules={k: rule for k, (_, rule) in SSDA903_CODES.items()},
                      cin_sex_item=item, cin_sex_codes=span.codes, cin_xsd=xsd,
                      cin_codes={k: next(s.codes for s in spans if _in(s.first, s.last, year))
                                 for k, (spans, _) in CIN_CODES.items()},
                      cin_rules={k: rule for k, (_, rule) in CIN_CODES.items()},
                      cin_items=frozenset(k for k, span in CIN_ITEM_YEARS.items() if _in(*span, year)))


def years_valid(item: str, code: str) -> str:
    """The years an SSDA903 (or CIN census) `code` of `item` was valid, for a message ('2013-14 to
    2024-25'), or '' if never."""
    spans = [s for s in (SSDA903_CODES.get(item) or CIN_CODES[item])[0] if code in s.codes]
    if not spans:
        return ""
    first, last = min(s.first for s in spans), max((s.last or LAST_YEAR) for s in spans)
    until = "" if any(s.last is None for s in spans) else f" to {label(last)}"
    return f"{label(first)}{until}" if until else f"from {label(first)}"
