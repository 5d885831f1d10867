"""`python -m safeguard.forecast --ssda903 DIR --as-at 2026-03-31 ...`: the forecast on a folder of
SSDA903 files without the record or Django (the default weekly costs, `costs.py`). For an analyst
with only the council's returns, and for timing the model itself; `safeguard forecast` is the
full command (the record, the council's own costs, audit)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from . import report
from .costs import default_rows
from .ssda903 import ReadError, read_folder


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m safeguard.forecast", description=__doc__)
    p.add_argument("--ssda903", required=True, help="folder of SSDA903 Header and Episodes CSVs")
    p.add_argument("--as-at", dest="as_at", help="last day of data used (YYYY-MM-DD)")
    p.add_argument("--backtest-origin", dest="origin", help="backtest from this date instead")
    p.add_argument("--reference-months", dest="reference_months", type=int, default=24)
    p.add_argument("--horizon-months", dest="horizon_months", type=int, default=24)
    p.add_argument("--adjust", action="append", default=[])
    p.add_argument("--format", choices=["json", "csv", "html"], default="json")
    p.add_argument("--out", default="-")
    args = p.parse_args(argv)
    try:
        episodes = read_folder(args.ssda903)
        if args.origin:
            result = report.build_backtest(
                episodes,
                origin=dt.date.fromisoformat(args.origin),
                reference_months=args.reference_months,
                horizon_months=args.horizon_months,
            )
        else:
            as_at = dt.date.fromisoformat(args.as_at) if args.as_at else report.data_end(episodes)
            result = report.build_forecast(
                episodes,
                as_at=as_at,
                reference_months=args.reference_months,
                horizon_months=args.horizon_months,
                cost_rows=default_rows(),
                adjustments=args.adjust,
                source=args.ssda903,
            )
        data = report.render(result, args.format)
    except (ReadError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.out == "-":
        sys.stdout.buffer.write(data)
    else:
        Path(args.out).write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
