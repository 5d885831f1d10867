"""`safeguard scorecard --year 2026 [--quarter 2] --format json|csv|html|pdf|xlsx --out FILE`
`safeguard scorecard --year 2026 --every-council --format json|csv --out FILE` (every council on
record, in one pass grouped by council: a regional hub's database)
`safeguard scorecard drill CP-04 --year 2026 [--quarter 2] [--out FILE.csv] [--user U]`
`safeguard scorecard catalogue` | `import-settings FILE.csv` | `import-values FILE.csv` |
`comment CP-04 --period "2025-26 Q2" --text "..."` |
`comparators [FILE] [--la-code CODE]` (England averages and default targets; a council's LAIT-style
statistical-neighbour file with --la-code)

`--year 2026` is 1 April 2025 to 31 March 2026; `--quarter 2` is July to September 2025.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from safeguard.core.cells import safe_writer
from safeguard.core.errors import RecordInvalid
from safeguard.performance import catalogue as cat
from safeguard.performance.periods import quarter, reporting_year
from safeguard.performance.render import (
    render_csv,
    render_csv_councils,
    render_html,
    render_json,
    render_pdf,
    render_xlsx,
)
from safeguard.performance.scorecard import build_scorecard, build_scorecards
from safeguard.performance.selectors import indicator_children
from safeguard.performance.services import commentary_save, manual_values_import, measure_settings_import
from safeguard.workforce.models import LocalAuthority, User


def _council(code: str | None) -> LocalAuthority:
    if code:
        la = LocalAuthority.objects.filter(code=code).first()
        if la is None:
            raise CommandError(f"no council with code {code} is on record")
        return la
    councils = list(LocalAuthority.objects.all()[:2])
    if len(councils) == 1:
        return councils[0]
    la = LocalAuthority.objects.filter(code=settings.SAFEGUARD["LA_CODE"]).first()
    if la is None:
        raise CommandError("several councils are on record: choose one with --la-code")
    return la


def _user(username: str | None):
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"no active user {username!r}")
    return user


def _common(p, year_required=True):
    p.add_argument(
        "--year",
        type=int,
        required=year_required,
        help="reporting year by its ending: 2026 is 1 April 2025 to 31 March 2026",
    )
    p.add_argument("--quarter", type=int, choices=[1, 2, 3, 4])
    p.add_argument(
        "--la-code", dest="la_code", help="the council (ONS code); default the only one or SAFEGUARD_LA_CODE"
    )
    p.add_argument("--user", help="act as this user (audited); default: the operator at the command line")


class Command(BaseCommand):
    help = "The performance scorecard: the report, drill-down to the children behind a figure, configuration."

    def add_arguments(self, parser):
        _common(parser, year_required=False)
        parser.add_argument("--format", choices=["json", "csv", "html", "pdf", "xlsx"], default="json")
        parser.add_argument("--out", help="file to write (default: standard output for json/csv/html)")
        parser.add_argument(
            "--public",
            action="store_true",
            help="suppress small numbers in JSON too (html, pdf, csv, xlsx always suppress)",
        )
        parser.add_argument(
            "--internal",
            action="store_true",
            help="do not suppress small numbers in html/pdf/csv/xlsx (not for publication)",
        )
        parser.add_argument("--only", help="comma-separated indicator ids")
        parser.add_argument(
            "--every-council",
            action="store_true",
            help="every council on record in one pass (json: a list of scorecards; csv: one table)",
        )
        sub = parser.add_subparsers(dest="action")
        drill = sub.add_parser("drill", help="the children counted in a figure, with why")
        drill.add_argument("indicator")
        _common(drill)
        drill.add_argument("--out", help="CSV file (default: a table on standard output)")
        drill.add_argument("--json", action="store_true")
        sub.add_parser("catalogue", help="list every indicator with its definition status")
        keep = sub.add_parser(
            "keep", help="compute and keep the figures of the year and each quarter, as the page would "
            "(e.g. nightly after a quarter ends, so the page opens in a blink)"
        )
        keep.add_argument("--year", type=int, required=True)
        keep.add_argument("--la-code", dest="la_code")
        for name in ("import-settings", "import-values"):
            p = sub.add_parser(name, help=f"{name.split('-')[1]} from CSV (whole file or nothing)")
            p.add_argument("file")
            p.add_argument("--la-code", dest="la_code")
            p.add_argument("--user")
        comp = sub.add_parser(
            "comparators", help="load England averages and default targets (the shipped file by default), "
            "or with --la-code a council's LAIT-style statistical-neighbour file (whole file or nothing)"
        )
        comp.add_argument("file", nargs="?")
        comp.add_argument("--la-code", dest="la_code")
        comp.add_argument("--user")
        comment = sub.add_parser("comment", help="set the commentary for a measure and period")
        comment.add_argument("indicator")
        comment.add_argument("--period", required=True, help="period label, e.g. '2025-26 Q2'")
        comment.add_argument("--text", required=True)
        comment.add_argument("--la-code", dest="la_code")
        comment.add_argument("--user")

    def handle(self, *args, action=None, **opts):
        try:
            getattr(self, "_" + (action or "report").replace("-", "_"))(opts)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        except RecordInvalid as exc:
            for v in exc.violations:
                self.stderr.write(str(v))
            raise CommandError(f"{len(exc.violations)} problem(s) found; nothing was saved") from exc

    def _report(self, opts):
        if not opts.get("year"):
            raise CommandError("--year is required, e.g. --year 2026 for 1 April 2025 to 31 March 2026")
        only = [i.strip().upper() for i in opts["only"].split(",")] if opts.get("only") else None
        fmt, out = opts["format"], opts.get("out")
        public = not opts["internal"]
        if opts.get("every_council"):
            return self._every_council(opts, only, public)
        la = _council(opts.get("la_code"))
        card = build_scorecard(la, opts["year"], opts.get("quarter"), indicator_ids=only)
        if fmt in ("pdf", "xlsx") and not out:
            raise CommandError(f"--out FILE is needed for {fmt}")
        if fmt == "pdf":
            render_pdf(card, out, public=public)
        elif fmt == "xlsx":
            render_xlsx(card, out, public=public)
        else:
            text = {
                "json": lambda: render_json(card, public=opts["public"]),
                "csv": lambda: render_csv(card, public=public),
                "html": lambda: render_html(card, public=public),
            }[fmt]()
            if out:
                Path(out).write_text(text, encoding="utf-8")
            else:
                self.stdout.write(text)
        if out:
            self.stdout.write(
                f"wrote {fmt} scorecard for {la.name}, {card.period.label}: {len(card.rows)} "
                f"measures to {out}"
            )

    def _every_council(self, opts, only, public):
        fmt, out = opts["format"], opts.get("out")
        if fmt not in ("json", "csv"):
            raise CommandError("--every-council writes json or csv")
        councils = list(LocalAuthority.objects.order_by("code"))
        cards = build_scorecards(councils, opts["year"], opts.get("quarter"), indicator_ids=only)
        if fmt == "json":
            text = json.dumps([c.as_dict(public=opts["public"]) for c in cards], indent=2, default=str)
        else:
            text = render_csv_councils(cards, public=public)
        if not out:
            self.stdout.write(text)
            return
        Path(out).write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {fmt} scorecards of {len(cards)} councils to {out}")

    def _drill(self, opts):
        la = _council(opts.get("la_code"))
        period = (
            quarter(opts["year"], opts["quarter"]) if opts.get("quarter") else reporting_year(opts["year"])
        )
        try:
            ind = cat.get(opts["indicator"])
        except KeyError as exc:
            raise CommandError(str(exc)) from exc
        if not ind.is_held:
            raise CommandError(
                f"{ind.id} is {ind.status}: {ind.status_reason}; there are no children to list"
            )
        out = opts.get("out")
        rows = indicator_children(
            _user(opts.get("user")),
            local_authority=la,
            indicator_id=ind.id,
            period=period,
            purpose="export" if out else "view",
        )
        columns = ["la_child_id", "child_name", "in_numerator", "why"]
        if opts.get("json"):
            self.stdout.write(json.dumps([{k: r[k] for k in columns} for r in rows], indent=2, default=str))
        elif out:
            with open(out, "w", newline="", encoding="utf-8") as f:
                w = safe_writer(f)
                w.writerow(columns)
                for r in rows:
                    w.writerow([r[k] for k in columns])
            self.stdout.write(f"wrote {len(rows)} rows for {ind.id} {period.label} to {out}")
        else:
            self.stdout.write(
                f"{ind.id} {ind.name}, {period.label}: {len(rows)} counted "
                f"({sum(r['in_numerator'] for r in rows)} in the numerator)"
            )
            for r in rows:
                mark = "NUM" if r["in_numerator"] else "den"
                self.stdout.write(f"{r['la_child_id']:<12} {r['child_name'][:30]:<30} {mark}  {r['why']}")

    def _keep(self, opts):
        from safeguard.performance.models import KeptFigure

        la = _council(opts.get("la_code"))
        for q in (None, 1, 2, 3, 4):
            build_scorecard(la, opts["year"], q, keep=True)
        kept = KeptFigure.objects.filter(local_authority=la, stale=False).count()
        self.stdout.write(f"{la.name}: {kept} figures kept (year {opts['year']} and its quarters read)")

    def _catalogue(self, opts):
        for ind in cat.CATALOGUE.values():
            self.stdout.write(
                f"{ind.id:<8} {ind.status:<13} {ind.period_type:<11} {ind.polarity:<9} "
                f"{ind.unit:<16} {ind.name}"
            )

    def _import_settings(self, opts):
        la = _council(opts.get("la_code"))
        saved = measure_settings_import(
            by=_user(opts.get("user")), local_authority=la, path=Path(opts["file"])
        )
        self.stdout.write(f"imported settings for {len(saved)} measures")

    def _import_values(self, opts):
        la = _council(opts.get("la_code"))
        saved = manual_values_import(by=_user(opts.get("user")), local_authority=la, path=Path(opts["file"]))
        self.stdout.write(f"imported {len(saved)} hand-entered values")

    def _comparators(self, opts):
        from safeguard.performance.comparators import SHIPPED, load

        la = _council(opts["la_code"]) if opts.get("la_code") else None
        made = load(opts.get("file") or SHIPPED, by=_user(opts.get("user")), local_authority=la)
        whose = f"statistical neighbours for {la.name}" if la else "national comparators and default targets"
        self.stdout.write(f"loaded {len(made)} figures: {whose}")

    def _comment(self, opts):
        la = _council(opts.get("la_code"))
        commentary_save(
            by=_user(opts.get("user")),
            local_authority=la,
            indicator_id=opts["indicator"],
            period_label=opts["period"],
            text=opts["text"],
        )
        self.stdout.write(f"commentary saved for {opts['indicator'].upper()} {opts['period']}")
