"""`safeguard returns export cin-census --year 2026 --out DIR`, `... export ssda903 --year 2026 --out DIR
[--previous-year]`, `... export annex-a --as-at 2026-03-31 --out FILE.xlsx`,
`safeguard returns import cin-census FILE [--year 2026] [--report FILE.csv] [--allow-empty]
[--accept-changes]`,
`safeguard returns import ssda903 DIR [--year 2026] [--report FILE.csv] [--allow-empty] [--accept-changes]`,
`safeguard returns purge-kept --older-than-days N [--kind cin-census|ssda903]`.

Each return lives in its own package (returns/cin_census, returns/ssda903) exposing
`export_return(*, year, out, by, previous_year=False) -> list[Path]` and
`import_return(path, *, by, year=None, accept_changes=False) -> ImportResult`; Ofsted Annex A
(returns/annex_a) is export only, through `export_annex_a(*, as_at, out, by) -> Path`. This command
only parses arguments and reports: an import's whole report (a summary by rule, then every
problem; DfE queries as warnings) goes to the terminal and, with --report, to a CSV file; an import
that brought in no children and changed none fails unless --allow-empty says that is expected.

A file for children already on the record is merged into it (docs/VALIDATION.md, "Merging"): where
it contradicts the record, the import is refused row by row unless --accept-changes takes the
file's values (audited).

An import keeps the original file under var/imports/<kind>/ (private to the service's user);
`purge-kept` removes those older than the council's retention period, with an audit row.
"""

import datetime as dt
import shutil
import time
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from safeguard.audit.services import audit_record
from safeguard.core.errors import RecordInvalid
from safeguard.returns.report import ImportRefused, Report
from safeguard.returns.years import FIRST_YEAR, LAST_YEAR, known, label
from safeguard.workforce.models import User

PACKAGES = {"cin-census": "safeguard.returns.cin_census", "ssda903": "safeguard.returns.ssda903"}
EXPORT_ONLY = {"annex-a": "safeguard.returns.annex_a"}


class Command(BaseCommand):
    help = "Export and import the DfE statutory returns (CIN census, SSDA903)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write a return for a collection year")
        export.add_argument("kind", choices=sorted(PACKAGES | EXPORT_ONLY))
        export.add_argument("--year", type=int,
                            help="collection year by its end: 2026 = 1 April 2025 - 31 March 2026")
        export.add_argument("--as-at", type=dt.date.fromisoformat,
                            help="annex-a: the date the lists are drawn at (YYYY-MM-DD)")
        export.add_argument("--out", required=True,
                            help="folder to write into (annex-a: the .xlsx file)")
        export.add_argument("--previous-year", action="store_true",
                            help="also write the previous year's files (for cross-year rules)")
        export.add_argument("--user", default="", help="who is exporting (audited)")
        imp = sub.add_parser("import", help="bring a council's past return into the record")
        imp.add_argument("kind", choices=sorted(PACKAGES))
        imp.add_argument("path", help="the XML file (CIN census) or folder of CSV files (SSDA903)")
        imp.add_argument("--year", type=int,
                         help="collection year by its end (2026 = 2025-26); default: the CIN "
                              "census header, or the year the SSDA903 file names state")
        imp.add_argument("--report", default=None,
                         help="also write every problem and warning to this CSV file")
        imp.add_argument("--allow-empty", action="store_true",
                         help="succeed even if the import brings in no children")
        imp.add_argument("--accept-changes", action="store_true",
                         help="where the file contradicts a child already on the record (a date "
                              "of birth, an episode's dates), take the file's values")
        imp.add_argument("--user", default="", help="who is importing (audited)")
        purge = sub.add_parser("purge-kept", help="delete kept originals of past imports")
        purge.add_argument("--older-than-days", type=int, required=True,
                           help="delete originals kept more than this many days ago")
        purge.add_argument("--kind", choices=sorted(PACKAGES), default=None,
                           help="only this return's originals (default: every return)")
        purge.add_argument("--user", default="", help="who is purging (audited)")

    def handle(self, *args, action, kind, **opts):
        by = User.objects.filter(username=opts["user"]).first() if opts["user"] else None
        if opts["user"] and by is None:
            raise CommandError(f"no user called {opts['user']!r}")
        if action == "purge-kept":
            self.purge_kept(kind=kind, days=opts["older_than_days"], by=by)
            return
        package = import_module({**PACKAGES, **EXPORT_ONLY}[kind])
        if opts.get("year") is not None and not known(opts["year"]):
            raise CommandError(f"--year {opts['year']}: returns are known from {label(FIRST_YEAR)} "
                               f"to {label(LAST_YEAR)} (give the year by its end: 2026 = 2025-26)")
        try:
            if action == "export" and kind in EXPORT_ONLY:
                if opts["as_at"] is None:
                    raise CommandError(f"{kind} needs --as-at YYYY-MM-DD")
                path = package.export_annex_a(as_at=opts["as_at"], out=Path(opts["out"]), by=by)
                self.stdout.write(f"wrote {path}")
            elif action == "export":
                if opts["year"] is None:
                    raise CommandError(f"{kind} needs --year")
                written = package.export_return(year=opts["year"], out=Path(opts["out"]), by=by,
                                                previous_year=opts["previous_year"])
                for path in written:
                    self.stdout.write(f"wrote {path}")
            else:
                result = package.import_return(Path(opts["path"]), by=by, year=opts["year"],
                                               accept_changes=opts["accept_changes"])
                self.stdout.write(str(result))
                self.write_report(result.report, opts["report"], f"{kind} {Path(opts['path']).name}")
                if not result.imported and not result.updated and not opts["allow_empty"]:
                    raise CommandError(
                        f"{kind}: imported no children"
                        + (f" ({len(result.skipped)} already on the record, no changes)"
                           if result.skipped else "")
                        + "; use --allow-empty if that is expected")
        except ImportRefused as exc:
            for line in exc.report.lines():
                self.stderr.write(line)
            self.write_report(exc.report, opts.get("report"), "")
            raise CommandError(f"{kind}: {len(exc.violations)} error(s); nothing was changed") from exc
        except RecordInvalid as exc:
            for violation in exc.violations:
                self.stderr.write(str(violation))
            raise CommandError(f"{kind}: {len(exc.violations)} problem(s); nothing was changed") from exc

    def write_report(self, report: Report | None, path: str | None, title: str) -> None:
        """The report as CSV, when asked for (an empty one, headers only, when all was well)."""
        if not path:
            return
        written = (report or Report(title, [])).write_csv(Path(path))
        self.stdout.write(f"report written to {written}")

    def purge_kept(self, *, kind: str | None, days: int, by) -> None:
        """Delete the kept originals (files, or an SSDA903 import's folder) older than `days`."""
        if days < 0:
            raise CommandError("--older-than-days must be 0 or more")
        cutoff = time.time() - days * 86400
        removed: list[str] = []
        for name in [kind] if kind else sorted(PACKAGES):
            folder = Path(settings.VAR_DIR) / "imports" / name.replace("-", "_")
            if not folder.is_dir():
                continue
            for item in sorted(folder.iterdir()):
                if item.lstat().st_mtime >= cutoff:
                    continue
                if item.is_dir() and not item.is_symlink():
                    shutil.rmtree(item)
                else:
                    item.unlink()
                removed.append(f"{folder.name}/{item.name}")
        if removed:
            audit_record(actor=by, action="delete", object_type="returns.KeptOriginal",
                         reason=f"purge of kept import originals older than {days} days",
                         detail={"removed": removed})
        for entry in removed:
            self.stdout.write(f"removed {entry}")
        self.stdout.write(f"{len(removed)} kept original(s) older than {days} days removed")
