"""`safeguard calendar add-holiday 2027-06-07 "Name"`, `... seed --to 2040`, `... list 2026`."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from safeguard.core.errors import RecordInvalid
from safeguard.timescales.models import CalendarDay
from safeguard.timescales.services import calendar_add_holiday, calendar_seed


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"date must be YYYY-MM-DD, got {text!r}") from exc


class Command(BaseCommand):
    help = "The working-day calendar: add a newly announced bank holiday, extend, or list holidays."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add-holiday", help="record a new bank holiday and move due dates")
        add.add_argument("date")
        add.add_argument("name")
        seed = sub.add_parser("seed", help="add missing years from the holidays package")
        seed.add_argument("--from", dest="first", type=int, default=2010)
        seed.add_argument("--to", dest="last", type=int, default=2035)
        show = sub.add_parser("list", help="list the bank holidays of a year")
        show.add_argument("year", type=int)

    def handle(self, *args, action, **opts):
        if action == "add-holiday":
            try:
                day = calendar_add_holiday(by=None, date=_date(opts["date"]), name=opts["name"])
            except RecordInvalid as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"{day.date} is now a bank holiday ({day.holiday_name}); "
                              "due dates recalculated")
        elif action == "seed":
            added = calendar_seed(first_year=opts["first"], last_year=opts["last"])
            self.stdout.write(f"added {added} days")
        else:
            days = CalendarDay.objects.filter(date__year=opts["year"], is_working_day=False
                                              ).exclude(holiday_name="")
            for day in days:
                self.stdout.write(f"{day.date:%Y-%m-%d} {day.date:%a} {day.holiday_name}")
