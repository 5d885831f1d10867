"""Probable duplicates: a child who may already be on the record, found before a new one is added.

Working Together 2023 expects one record per child: two records split what is known about a child
between them, and neither shows the whole picture. So before a new child is added the page warns of
a child of the same council with the same NHS number, or the same name and date of birth. Names are
compared as people write them differently: ignoring case, accents, hyphens, spaces and apostrophes
("Zoë Whitmore-Osei", "zoe whitmore osei"), and a double-barrelled surname matches either of its
parts ("Osei" and "Whitmore-Osei"), since a family may use one or both.

The names are compared here, in Python, and not in the database: SQLite and PostgreSQL fold accents
differently (PostgreSQL only with an extension), and the one query first narrows to the few children
born that day (or with that NHS number), so there is little to compare.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.db.models import Q

from .models import Child

#: How many probable duplicates are shown at most: more than a handful means the name and date
#: are too common to help, and the page only needs to say "check these first".
MAX_DUPLICATES = 20

_NOT_A_LETTER = re.compile(r"[^a-z0-9]")
_PART_SEPARATOR = re.compile(r"[\s\-‐‑‒–—]+")


def fold(text: str) -> str:
    """A name as compared: lower case, accents and anything but letters and digits dropped, so
    "Zoë O'Brien-Smith" and "zoe obriensmith" are the same."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return _NOT_A_LETTER.sub("", ascii_text.lower())


def name_parts(text: str) -> list[str]:
    """The parts of a name, folded: "Whitmore-Osei" gives ["whitmore", "osei"], "de la Cruz" gives
    ["de", "la", "cruz"]. An apostrophe does not split ("O'Brien" is one part, "obrien")."""
    return [p for p in (fold(part) for part in _PART_SEPARATOR.split(text or "")) if p]


def same_first_name(a: str, b: str) -> bool:
    """First names match when they fold the same ("Mary-Jane", "Mary Jane", "MARYJANE")."""
    folded = fold(a)
    return bool(folded) and folded == fold(b)


def same_last_name(a: str, b: str) -> bool:
    """Surnames match when they fold the same, or when every part of one is a part of the other
    ("Osei" and "Whitmore-Osei"): a family may use either part of a double-barrelled name."""
    if fold(a) and fold(a) == fold(b):
        return True
    parts_a, parts_b = set(name_parts(a)), set(name_parts(b))
    if not parts_a or not parts_b:
        return False
    return parts_a <= parts_b or parts_b <= parts_a


def probable_duplicates(
    *, local_authority, first_name: str, last_name: str, date_of_birth: dt.date | None = None,
    nhs_number: str = "",
) -> list[Child]:
    """Children of the council who are probably the one about to be added: the same NHS number
    (if given), or the same first and last name and the same date of birth (matched against a
    child's date of birth or, for an unborn child, expected date of birth). One query; closest first
    (NHS number matches, then by surname, first name and key).

    It reads the whole council, not what the user may open: the page must say that a record exists
    even when it is closed to the user (one record per child), naming only what the user may see."""
    nhs = re.sub(r"\s", "", nhs_number or "")
    matches = Q()
    if nhs:
        matches |= Q(nhs_number=nhs)
    if date_of_birth and fold(first_name) and fold(last_name):
        matches |= Q(date_of_birth=date_of_birth) | Q(expected_date_of_birth=date_of_birth)
    if not matches:
        return []
    la_id = getattr(local_authority, "pk", local_authority)
    candidates = Child.objects.filter(matches, local_authority_id=la_id).order_by(
        "last_name", "first_name", "pk")
    found = []
    for child in candidates:
        same_number = bool(nhs) and child.nhs_number == nhs
        same_person = (
            date_of_birth is not None
            and date_of_birth in (child.date_of_birth, child.expected_date_of_birth)
            and same_first_name(first_name, child.first_name)
            and same_last_name(last_name, child.last_name)
        )
        if same_number or same_person:
            found.append((not same_number, child))
    found.sort(key=lambda pair: pair[0])  # stable: NHS number matches first, then the name order
    return [child for _, child in found[:MAX_DUPLICATES]]
