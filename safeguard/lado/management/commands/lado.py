"""`safeguard lado import FILE.csv --user U`, `... report --year 2017 --years 5 --format pdf --out F
--user U`, `... export --out F --user U`, `... worklist --user U`.

Every subcommand acts as the named user and refuses anyone who may not see allegations.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from safeguard.core.cells import safe_writer
from safeguard.core.errors import today
from safeguard.lado.access import can_see_allegations
from safeguard.lado.importer import COLUMNS, ImportRefused, import_allegations
from safeguard.lado.models import Allegation
from safeguard.lado.report import build_report, render
from safeguard.lado.selectors import allegations_for_export, lado_worklist
from safeguard.timescales.rules import RULES
from safeguard.workforce.models import User


def _user(username: str):
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"no active user {username!r}")
    return user


def _yes_no(value) -> str:
    return "" if value is None else ("yes" if value else "no")


class Command(BaseCommand):
    help = "Allegations against adults who work with children (LADO): import, annual report, export."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import past referrals from a CSV file (whole file or nothing)")
        imp.add_argument("file")
        imp.add_argument("--user", required=True, help="username of the LADO or administrator importing")
        rep = sub.add_parser("report", help="the LADO annual report")
        rep.add_argument("--year", type=int, required=True,
                         help="financial year by its ending: 2017 is 1 April 2016 to 31 March 2017")
        rep.add_argument("--years", type=int, default=5, help="years of comparison (default 5)")
        rep.add_argument("--format", choices=["json", "csv", "html", "pdf"], default="json")
        rep.add_argument("--out", required=True)
        rep.add_argument("--user", required=True)
        exp = sub.add_parser("export", help="every allegation as CSV, in the import's columns")
        exp.add_argument("--out", required=True)
        exp.add_argument("--user", required=True)
        work = sub.add_parser("worklist", help="LADO clocks due or overdue")
        work.add_argument("--user", required=True)
        work.add_argument("--as-at", dest="as_at", default=None)

    def handle(self, *args, action, **opts):
        user = _user(opts["user"])
        if not can_see_allegations(user):
            # Still audited through the selector, so refused attempts are on the record.
            allegations_for_export(user, purpose=f"cli {action}")
            raise CommandError(f"{user.username} may not see allegations: only the LADO, their "
                               "manager and administrators may")
        try:
            getattr(self, f"_{action}")(user, opts)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc

    def _import(self, user, opts):
        try:
            result = import_allegations(Path(opts["file"]), by=user)
        except ImportRefused as exc:
            name = Path(opts["file"]).name
            for problem in exc.problems:
                self.stderr.write(f"{name}: {problem}")
            raise CommandError(f"{name}: {len(exc.problems)} problem(s) found; nothing was imported") from exc
        self.stdout.write(f"imported {result.created} allegations; original kept as {result.kept_as}")

    def _report(self, user, opts):
        if opts["years"] < 1 or not 2000 < opts["year"] < 2100:
            raise CommandError("--year is a year such as 2017 and --years at least 1")
        report = build_report(user, opts["year"], opts["years"])
        try:
            data = render(report, opts["format"])
        except OSError as exc:  # WeasyPrint without pango
            raise CommandError(f"cannot produce a PDF here: {exc}") from exc
        Path(opts["out"]).write_bytes(data)
        self.stdout.write(f"{report['title']}: {opts['format']} written to {opts['out']}")

    def _export(self, user, opts):
        rows = allegations_for_export(user, purpose="cli export")
        with open(opts["out"], "w", newline="", encoding="utf-8") as fh:
            w = safe_writer(fh)
            w.writerow(COLUMNS)
            for a in rows:
                meeting = min((m.held_on for m in a.strategy_meetings.all()), default=None)
                w.writerow([
                    a.reference, a.referral_date, a.employer_aware_date or "",
                    a.get_referring_agency_display(), a.get_employing_agency_display(),
                    a.get_setting_display(), a.role, a.get_category_of_harm_display(),
                    a.get_response_display(), meeting or "", _yes_no(a.police_involved),
                    _yes_no(a.court_proceedings), _yes_no(a.disability), _yes_no(a.non_recent),
                    a.get_outcome_display(), a.get_employer_action_display(), a.closure_date or "",
                ])
        self.stdout.write(f"{len(rows)} allegations written to {opts['out']}")

    def _worklist(self, user, opts):
        try:
            as_at = dt.date.fromisoformat(opts["as_at"]) if opts["as_at"] else today()
        except ValueError as exc:
            raise CommandError("--as-at must be YYYY-MM-DD") from exc

        clocks = lado_worklist(user, as_at)
        refs = dict(Allegation.objects.filter(pk__in=[c.subject_id for c in clocks])
                    .values_list("pk", "reference"))
        for c in clocks:
            state = "OVERDUE" if c.due_date < as_at else "due"
            self.stdout.write(f"{c.due_date} {state:7} {c.code} {RULES[c.code].name}: "
                              f"{refs.get(c.subject_id, c.subject_id)}")
        self.stdout.write(f"{len(clocks)} clock(s)")
