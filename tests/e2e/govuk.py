"""Filling GOV.UK Design System patterns as a person does: by the question's words."""

from __future__ import annotations

import datetime as dt


def fill_date(page, legend: str, day: dt.date) -> None:
    """The GOV.UK date input: day, month and year in a group named by its legend."""
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def choose(page, legend: str, option: str) -> None:
    """One of a group of radios, by the question and the answer's words."""
    page.get_by_role("group", name=legend).get_by_label(option, exact=True).check()


def shot(page, name: str) -> None:
    """A full-page screenshot into $SAFEGUARD_SCREENSHOTS, when set, to look at a page as its user sees it."""
    import os

    folder = os.environ.get("SAFEGUARD_SCREENSHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)
