"""The SSDA903 tables: exact columns (STANDARDS.md §1.1, as the DfE validator matches them),
conventional file names, and the DD/MM/YYYY date format used in every CSV."""

from __future__ import annotations

import datetime as dt

#: table key (the validator's name) -> (conventional file name, exact columns in order)
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Header": ("header.csv", ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")),
    "Episodes": ("episodes.csv", ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER",
                                  "DEC", "REC", "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST",
                                  "URN")),
    "Reviews": ("reviews.csv", ("CHILD", "DOB", "REVIEW", "REVIEW_CODE")),
    "UASC": ("uasc.csv", ("CHILD", "SEX", "DOB", "DUC")),
    "OC2": ("oc2.csv", ("CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK",
                        "IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE",
                        "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED")),
    "OC3": ("oc3.csv", ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM")),
    "AD1": ("ad1.csv", ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR",
                        "SEX_ADOPTR", "LS_ADOPTR")),
    "PlacedAdoption": ("placed_for_adoption.csv", ("CHILD", "DOB", "DATE_PLACED",
                                                   "DATE_PLACED_CEASED", "REASON_PLACED_CEASED")),
    "PrevPerm": ("previous_permanence.csv", ("CHILD", "DOB", "PREV_PERM", "LA_PERM",
                                             "DATE_PERM")),
    "Missing": ("missing.csv", ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END")),
    "SWEpisodes": ("sw_episodes.csv", ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC",
                                       "SW_REASON")),
    "DoLo": ("DoLo.csv", ("CHILD", "DOB", "DOLO_START", "DOLO_END")),
}

#: Columns holding dates, per table.
DATE_COLUMNS = {
    "Header": ("DOB", "MC_DOB"), "Episodes": ("DECOM", "DEC"), "Reviews": ("DOB", "REVIEW"),
    "UASC": ("DOB", "DUC"), "OC2": ("DOB",), "OC3": ("DOB",),
    "AD1": ("DOB", "DATE_INT", "DATE_MATCH"),
    "PlacedAdoption": ("DOB", "DATE_PLACED", "DATE_PLACED_CEASED"),
    "PrevPerm": ("DOB", "DATE_PERM"), "Missing": ("DOB", "MIS_START", "MIS_END"),
    "SWEpisodes": ("DOB", "SW_DECOM", "SW_DEC"), "DoLo": ("DOB", "DOLO_START", "DOLO_END"),
}

#: Dates without which a row means nothing.
REQUIRED_DATES = {
    "Header": ("DOB",), "Episodes": ("DECOM",), "Reviews": ("REVIEW",),
    "AD1": ("DATE_INT",), "PlacedAdoption": ("DATE_PLACED",), "Missing": ("MIS_START",),
    "SWEpisodes": ("SW_DECOM",), "DoLo": ("DOLO_START",),
}

#: Columns that identify one row: a second row with the same values is a duplicate.
KEYS = {
    "Header": ("CHILD",), "Episodes": ("CHILD", "DECOM"), "Reviews": ("CHILD", "REVIEW"),
    "UASC": ("CHILD",), "OC2": ("CHILD",), "OC3": ("CHILD",), "AD1": ("CHILD",),
    "PlacedAdoption": ("CHILD", "DATE_PLACED"), "PrevPerm": ("CHILD",),
    "Missing": ("CHILD", "MIS_START"), "SWEpisodes": ("CHILD", "SW_DECOM"),
    "DoLo": ("CHILD", "DOLO_START"),
}

#: DfE internal-check codes: child missing from Header, DOB differs from Header, child twice.
NOT_IN_HEADER = {"AD1": "903 INT01", "PlacedAdoption": "903 INT02", "Episodes": "903 INT03",
                 "Missing": "903 INT04", "OC2": "903 INT05", "OC3": "903 INT06",
                 "PrevPerm": "903 INT07", "Reviews": "903 INT08", "UASC": "903 INT09"}
DOB_DIFFERS = {"AD1": "903 INT11", "PlacedAdoption": "903 INT12", "Missing": "903 INT13",
               "OC2": "903 INT14", "OC3": "903 INT15", "PrevPerm": "903 INT16",
               "Reviews": "903 INT17", "UASC": "903 INT18"}
ONCE_ONLY = {"AD1": "903 INT31", "Header": "903 INT32", "OC2": "903 INT33", "OC3": "903 INT34",
             "PrevPerm": "903 INT35", "UASC": "903 INT36"}

DATE_FORMAT = "%d/%m/%Y"


def fmt(day: dt.date | None) -> str:
    return day.strftime(DATE_FORMAT) if day else ""


def flag(value: bool | None) -> str:
    return "" if value is None else ("1" if value else "0")


def collection_bounds(year: int) -> tuple[dt.date, dt.date]:
    """Collection year Y runs from 1 April Y-1 to 31 March Y."""
    return dt.date(year - 1, 4, 1), dt.date(year, 3, 31)


def collection_year_of(day: dt.date) -> int:
    return day.year + 1 if day.month >= 4 else day.year
