"""The case record under a long history (issue 16): server time and queries for the child's page,
the case notes, the family and the documents of one child with 500 notes, 40 people and 100
documents, in a generated council; beside today's pages (my work, a typical child's page) and the
framework's floor (the sign-in page: a template and no query of the record), in the same run.
Also the time to write a note (the service, through the record's unit of work). Prints JSON.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/safeguard_bench .venv/bin/python bench/case_record.py \
        [--generate large] [--requests 60]

Server time is measured in process (Django's test client, no network), so it is the time the
application spends, not the browser's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")
os.environ.setdefault("SAFEGUARD_DOCUMENTS_DIR", tempfile.mkdtemp(prefix="bench-documents-"))

NOTES, PEOPLE, DOCUMENTS = 500, 40, 100
PDF = b"%PDF-1.4\n%synthetic bench document\n%%EOF\n"


def _long_record(worker, child):
    """Fill one child's record through the services, as workers would, over two years."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from safeguard.casework import documents, services
    from safeguard.casework.models import CaseNoteChild
    from safeguard.people import services as people
    from safeguard.people.models import Relationship

    have = CaseNoteChild.objects.filter(child=child).count()
    today = dt.date.today()
    kinds = ["home_visit", "phone_call", "meeting", "email_or_letter", "direct_work"]
    for n in range(have, NOTES):
        kind = kinds[n % len(kinds)]
        services.note_record(
            by=worker, child_ids=[child.pk], kind=kind, occurred_on=today - dt.timedelta(days=n + 1),
            title=f"Bench note {n}", text=("Spoke with the family about the plan. " * 30).strip(),
            seen={child.pk: {"seen": True, "seen_alone": n % 2 == 0}} if kind == "home_visit" else None,
            significant=n % 25 == 0)
    kinds = ["mother", "father", "grandparent", "aunt_or_uncle", "carer", "other"]
    for n in range(Relationship.objects.filter(child=child, person__isnull=False).count(), PEOPLE):
        people.person_add(by=worker, child_id=child.pk, kind=kinds[n % len(kinds)], first_name=f"Bench{n}",
                          last_name="Person", date_of_birth=dt.date(1970 + n % 20, 1 + n % 12, 1))
    for n in range(child.documents.count(), DOCUMENTS):
        documents.document_upload(by=worker, child_id=child.pk, title=f"Bench document {n}",
                                  uploaded=SimpleUploadedFile(f"d{n}.pdf", PDF + str(n).encode()))


def _time(client, url: str, n: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm
    times = []
    for _ in range(n):
        start = time.perf_counter()
        answer = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, (url, answer.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "queries": len(queries)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generate", default="", help="generate a council of this size if none")
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import setup_test_environment

    from safeguard.casework import services
    from safeguard.people.models import Child
    from safeguard.workforce.models import Allocation, User

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    settings.SECURE_SSL_REDIRECT = False
    if args.generate:
        call_command("migrate", verbosity=0)
        if not Child.objects.exists():
            call_command("generate", size=args.generate, seed=1)
    busiest = (Allocation.objects.filter(end_date__isnull=True, kind="social_worker",
                                         worker__role="social_worker", worker__is_active=True)
               .values("worker").annotate(cases=Count("pk")).order_by("-cases", "worker").first())
    worker = User.objects.get(pk=busiest["worker"]) if busiest else None
    if worker is None:
        raise SystemExit("no council here: pass --generate large")
    cases = list(Allocation.objects.filter(worker=worker, end_date__isnull=True, kind="social_worker")
                 .values_list("child_id", flat=True).order_by("child_id")[:2])
    long_child, typical = Child.objects.get(pk=cases[0]), Child.objects.get(pk=cases[-1])
    start = time.perf_counter()
    _long_record(worker, long_child)
    filled_s = time.perf_counter() - start

    client = Client()
    client.force_login(worker)
    n = args.requests
    pages = {
        "floor_sign_in_page": "/sign-in/",
        "my_work": "/my-work/",
        "typical_child_page": f"/children/{typical.pk}/",
        "long_child_page": f"/children/{long_child.pk}/",
        "long_case_notes": f"/children/{long_child.pk}/notes/",
        "long_case_notes_page_10": f"/children/{long_child.pk}/notes/?page=10",
        "long_family_and_network": f"/children/{long_child.pk}/people/",
        "long_documents": f"/children/{long_child.pk}/documents/",
        "notes_search": "/notes/search/?q=family+plan",
    }
    out = {"database": connection.vendor, "children": Child.objects.count(),
           "long_record": {"notes": NOTES, "people": PEOPLE, "documents": DOCUMENTS,
                           "filled_in_s": round(filled_s, 1)},
           "requests_each": n, "pages": {}}
    for name, url in pages.items():
        if name == "floor_sign_in_page":
            out["pages"][name] = _time(Client(), url, n)
        else:
            out["pages"][name] = _time(client, url, n)
    floor = out["pages"]["floor_sign_in_page"]["p50_ms"]
    for row in out["pages"].values():
        row["x_floor"] = round(row["p50_ms"] / floor, 1) if floor else None

    writes = []
    for i in range(max(10, n // 3)):
        t = time.perf_counter()
        services.note_record(by=worker, child_ids=[long_child.pk], kind="phone_call",
                             occurred_on=dt.date.today(), title=f"Timed note {i}",
                             text="Spoke to the school about attendance. " * 20)
        writes.append((time.perf_counter() - t) * 1000)
    writes.sort()
    out["write_a_note"] = {"p50_ms": round(statistics.median(writes), 1),
                           "p95_ms": round(writes[int(0.95 * (len(writes) - 1))], 1)}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
