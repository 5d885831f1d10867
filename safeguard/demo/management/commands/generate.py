import datetime as dt
import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from safeguard.demo.generate import CouncilExists, Report, generate_council, shapes_for
from safeguard.demo.parameters import SIZES


class Command(BaseCommand):
    help = ("Generate a synthetic council (or 153 for --size national), calibrated to England's "
            "published rates, through the same validation at entry as a practitioner's save.")

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=list(SIZES), default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--years", type=int, default=6,
                            help="complete reporting years (to 31 March) before the as-at date")
        parser.add_argument("--la-code", default="E06000049")
        parser.add_argument("--as-at", type=dt.date.fromisoformat, default=None,
                            help="the date the record runs to (YYYY-MM-DD; default today). A later date "
                                 "builds the synthetic council as if today were that date")
        parser.add_argument("--skip-existing", action="store_true",
                            help="do nothing (and succeed) if the council is already there")
        parser.add_argument("--jobs", type=int, default=None,
                            help="processes building journeys (default 2)")

    def handle(self, *args, size, seed, years, la_code, as_at, jobs, skip_existing, **opts):
        as_at = as_at or dt.date.today()
        shapes = shapes_for(size, la_code, seed)
        report = Report()
        try:
            for n, shape in enumerate(shapes, start=1):
                label = shape.name if len(shapes) == 1 else f"council {n}/{len(shapes)} {shape.la_code}"
                generate_council(shape, seed=seed, as_at=as_at, years=years, report=report,
                                 jobs=jobs, show_progress=True, label=label)
                if len(shapes) > 1:
                    sys.stderr.write(f"councils: {n}/{len(shapes)} ({100 * n / len(shapes):.1f}%)\n")
        except CouncilExists as exc:
            if skip_existing:
                self.stdout.write(f"{exc}: nothing generated (--skip-existing).")
                return
            raise CommandError(str(exc)) from exc
        except KeyboardInterrupt:
            self.stderr.write(f"Interrupted: {report.councils} complete council(s) kept; the one "
                              "being written was rolled back.")
            raise SystemExit(1) from None
        if connection.vendor == "postgresql":
            # A bulk load leaves the planner without statistics, and index-only scans without a
            # visibility map, until autovacuum comes round (if it runs at all); until then
            # PostgreSQL plans a child's page as if each child had hundreds of referrals.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        summary = report.as_dict()
        summary.pop("rows")
        self.stdout.write(json.dumps(summary, indent=1))
