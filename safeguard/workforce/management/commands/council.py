"""`safeguard council create --name "..." --ons-code E06000001 --la-number 999 [--time-zone ...]`,
`safeguard council change --council 999 [--name ...] [--ons-code ...] [--la-number ...] [--time-zone ...]`,
`safeguard council show`. The first step of setting up a fresh database (then `safeguard staff
import FILE.csv`). Thin: the rules and the audit are `workforce.services`'."""

from django.core.management.base import BaseCommand, CommandError

from safeguard.core.errors import RecordInvalid
from safeguard.workforce import selectors, services


class Command(BaseCommand):
    help = "Put the council on record, correct its details, or show them."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="put a council on record")
        create.add_argument("--name", required=True, help="the council's name, e.g. Cheshire East")
        create.add_argument("--ons-code", required=True, help="ONS (GSS) code, e.g. E06000049")
        create.add_argument("--la-number", required=True, help="DfE LA number, e.g. 895")
        create.add_argument("--time-zone", default="Europe/London", help="IANA time zone (Europe/London)")
        change = sub.add_parser("change", help="correct the council's details")
        change.add_argument("--council", default="", help="ONS code or LA number (if more than one)")
        change.add_argument("--name")
        change.add_argument("--ons-code")
        change.add_argument("--la-number")
        change.add_argument("--time-zone")
        show = sub.add_parser("show", help="show the council's details")
        show.add_argument("--council", default="", help="ONS code or LA number (if more than one)")

    def handle(self, *args, action, **opts):
        try:
            if action == "create":
                council = services.council_create(by=None, name=opts["name"], ons_code=opts["ons_code"],
                                                  la_number=opts["la_number"], time_zone=opts["time_zone"])
                self.stdout.write(f"council created: {council} LA {council.la_number}, {council.time_zone}")
                return
            council = selectors.council_named(opts["council"])
            if action == "change":
                council = services.council_change(
                    by=None, council_id=council.pk, name=_or(opts["name"], council.name),
                    ons_code=_or(opts["ons_code"], council.code),
                    la_number=_or(opts["la_number"], council.la_number),
                    time_zone=_or(opts["time_zone"], council.time_zone))
                self.stdout.write(f"council changed: {council} LA {council.la_number}, {council.time_zone}")
                return
            self.stdout.write(f"{council.name}\nONS code: {council.code}\nLA number: {council.la_number}\n"
                              f"time zone: {council.time_zone}")
        except RecordInvalid as exc:
            for violation in exc.violations:
                self.stderr.write(str(violation))
            raise CommandError(f"{len(exc.violations)} problem(s); nothing was changed") from exc


def _or(given, current):
    return current if given is None else given
