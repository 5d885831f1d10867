"""The suite's own clock (conftest.py): the record's "today" cannot change under a running suite."""

import datetime as dt
from zoneinfo import ZoneInfo

from safeguard.core.errors import today


def test_the_suite_runs_from_noon_of_the_day_it_started():
    """Dates collected with the tests ("tomorrow", "3 days overdue") stay true however late CI runs:
    the clock starts at noon London time, so the suite (under an hour) never crosses midnight."""
    now = dt.datetime.now(ZoneInfo("Europe/London"))
    assert dt.time(12) <= now.time() < dt.time(23)
    assert today() == now.date() == dt.date.today()
