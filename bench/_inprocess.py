"""What the in-process page benches share (`bench/decisions.py`, `bench/trays.py`): Django set up
as the test client needs it, a council generated if asked, the framework's floor (the sign-in page,
timed in the same run) and the summary of a list of timings."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")


def start(generate: str = "") -> None:
    """Django for the test client on the database in DATABASE_URL; migrate and generate a council
    of that size first when asked and none is there."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    from safeguard.people.models import Child

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    settings.SECURE_SSL_REDIRECT = False
    if generate:
        call_command("migrate", verbosity=0)
        if not Child.objects.exists():
            call_command("generate", size=generate, seed=1, stdout=sys.stderr)


def stats(times: list[float]) -> dict:
    times = sorted(times)
    return {"p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1), "n": len(times)}


def floor(n: int) -> list[float]:
    """The sign-in page n times, anonymously (template, CSRF, session, middleware; no record read)."""
    from django.test import Client

    anon = Client()
    anon.get("/sign-in/")
    times = []
    for _ in range(n):
        t = time.perf_counter()
        anon.get("/sign-in/")
        times.append((time.perf_counter() - t) * 1000)
    return times


def x_floor(times: list[float], floor_times: list[float]) -> float:
    return round(statistics.median(times) / statistics.median(floor_times), 1)


def last_working_day() -> dt.date:
    day = dt.date.today() - dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day
