"""`safeguard forecast --as-at 2026-03-31 --reference-months 24 --horizon-months 24 --format html --out F`
(from the record, or `--ssda903 DIR` for a folder of 903 Header/Episodes CSVs; `--adjust
entries:residential=0.9` for a scenario), `safeguard forecast backtest --origin 2025-03-31 ...`,
`safeguard forecast costs list` and `safeguard forecast costs set --category residential
--weekly-cost 5200 --from 2026-04-01 --user U`.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from safeguard.core.errors import RecordInvalid, today
from safeguard.forecast import report
from safeguard.forecast.access import require_forecast
from safeguard.forecast.model import CATEGORIES
from safeguard.forecast.selectors import episodes_for_forecast, placement_costs
from safeguard.forecast.services import set_placement_cost
from safeguard.forecast.ssda903 import ReadError, read_folder
from safeguard.workforce.models import User


def _user(username: str):
    if not username:
        return None

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"no active user {username!r}")
    return user


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise CommandError(f"{option} must be a date YYYY-MM-DD, not {text!r}") from exc


def _common(p, *, out_required: bool = True):
    p.add_argument("--reference-months", dest="reference_months", type=int, default=24)
    p.add_argument("--horizon-months", dest="horizon_months", type=int, default=24)
    p.add_argument("--format", choices=["json", "csv", "html", "pdf"], default="json")
    p.add_argument("--out", default="-", help="file to write (default: standard output)")
    p.add_argument("--ssda903", default="", help="read a folder of SSDA903 CSVs instead of the record")
    p.add_argument("--user", default="", help="who is running it (audited); blank for a system job")


class Command(BaseCommand):
    help = "Forecast of children in care and placement cost: project, backtest, set weekly costs."
    # A report job: Django's system checks (a sixth of a small run) belong to deploys and tests.
    requires_system_checks: list = []

    def add_arguments(self, parser):
        _common(parser)
        parser.add_argument(
            "--as-at", dest="as_at", default=None, help="last day of data used (default today)"
        )
        parser.add_argument(
            "--adjust",
            action="append",
            default=[],
            help="scenario rate multiplier, e.g. entries:residential=0.9, exits:*=1.1, "
            "transitions:residential>in_house_fostering=1.2 (repeatable)",
        )
        sub = parser.add_subparsers(dest="action")
        back = sub.add_parser("backtest", help="fit before --origin, project, compare with what happened")
        back.add_argument("--origin", required=True)
        _common(back)
        costs = sub.add_parser("costs", help="weekly placement costs")
        csub = costs.add_subparsers(dest="costs_action", required=True)
        csub.add_parser("list", help="the weekly costs in force")
        cset = csub.add_parser("set", help="set a category's weekly cost from a date (audited)")
        cset.add_argument("--category", required=True, choices=CATEGORIES)
        cset.add_argument("--weekly-cost", dest="weekly_cost", required=True)
        cset.add_argument("--from", dest="effective_from", required=True)
        cset.add_argument("--source", default="")
        cset.add_argument("--user", required=True)

    def handle(self, *args, action=None, **opts):
        try:
            if action == "costs":
                return self._costs(opts)
            user = _user(opts["user"])
            episodes = self._episodes(user, opts, action or "forecast")
            if action == "backtest":
                result = report.build_backtest(
                    episodes,
                    origin=_date(opts["origin"], "--origin"),
                    reference_months=opts["reference_months"],
                    horizon_months=opts["horizon_months"],
                )
                e = result["errors"]["total"]
                summary = f"backtest total: MAE {e['mae']} children, MAPE {e['mape']}%"
            else:
                as_at = _date(opts["as_at"], "--as-at") if opts["as_at"] else today()
                result = report.build_forecast(
                    episodes,
                    as_at=as_at,
                    reference_months=opts["reference_months"],
                    horizon_months=opts["horizon_months"],
                    cost_rows=placement_costs(),
                    adjustments=opts["adjust"],
                    source=opts["ssda903"] or "record",
                )
                last = result["baseline"][-1]
                summary = (
                    f"{result['in_care_at_as_at']['total']} in care on {as_at}; "
                    f"{last['total']['mean']:.0f} ({last['total']['low']:.0f}-{last['total']['high']:.0f}) "
                    f"projected for {last['date']}"
                )
            data = report.render(result, opts["format"])
        except (ReadError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:  # WeasyPrint without pango
            raise CommandError(f"cannot produce a PDF here: {exc}") from exc
        if opts["out"] == "-":
            sys.stdout.buffer.write(data)
        else:
            Path(opts["out"]).write_bytes(data)
            self.stdout.write(f"{summary}; {opts['format']} written to {opts['out']}")

    def _episodes(self, user, opts, purpose):
        if opts["ssda903"]:
            if user is not None:
                require_forecast(user)
            return read_folder(opts["ssda903"])
        return episodes_for_forecast(user, purpose=f"cli {purpose}")

    def _costs(self, opts):
        if opts["costs_action"] == "list":
            for r in placement_costs():
                since = r["effective_from"] or "always"
                self.stdout.write(
                    f"{r['category']:24} £{r['weekly_cost']:>9}/week from {since}: {r['source']}"
                )
            return
        try:
            row = set_placement_cost(
                by=_user(opts["user"]),
                category=opts["category"],
                weekly_cost=opts["weekly_cost"],
                effective_from=_date(opts["effective_from"], "--from"),
                source=opts["source"],
            )
        except RecordInvalid as exc:
            raise CommandError("; ".join(str(v) for v in exc.violations)) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"set: {row}")
