"""The expected frequency of supervision: the defaults the council's table is seeded with [L].

Standards for employers of social workers in England (2020) ask for regular, reflective
supervision; councils commonly set at least monthly. The ASYE framework for newly qualified social
workers asks for weekly supervision in the first six weeks, fortnightly to six months, then at
least monthly to the end of the first year. The council changes these rows on the standards page;
this table is only what a new database starts with."""

from __future__ import annotations

#: (key, description, role, ASYE from week, ASYE until week, unit, amount, source)
DEFAULT_FREQUENCIES = [
    ("social_worker", "Social worker: at least monthly", "social_worker", None, None, "M", 1,
     "[L] Standards for employers of social workers in England: regular supervision, at least monthly"),
    ("asye_first_6_weeks", "Newly qualified social worker, first 6 weeks: weekly", "social_worker", 0, 6,
     "D", 7, "[L] ASYE framework: weekly supervision for the first six weeks"),
    ("asye_to_6_months", "Newly qualified social worker, to 6 months: fortnightly", "social_worker", 6, 26,
     "D", 14, "[L] ASYE framework: fortnightly supervision to six months"),
    ("asye_to_12_months", "Newly qualified social worker, rest of the first year: monthly", "social_worker",
     26, 52, "M", 1, "[L] ASYE framework: at least monthly to the end of the first year"),
    ("personal_adviser", "Personal adviser: at least monthly", "personal_adviser", None, None, "M", 1,
     "[L] local standard: personal advisers supervised at least monthly"),
]

#: Roles whose supervision the compliance page follows.
SUPERVISED_ROLES = ("social_worker", "personal_adviser")
