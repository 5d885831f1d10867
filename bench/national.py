"""A national-size PostgreSQL database for the scorecard bench, built in minutes rather than hours:
the one council already generated in DATABASE_URL is copied until the database holds `--councils`
councils, each under its own code, number, staff user names and keys. Prints JSON.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_national .venv/bin/python bench/national.py \
        [--councils 153] [--batch 16]

Generating 153 councils journey by journey takes hours on this machine; a copy has the same shape of
record, and the scorecard reads each council through its own keys, so it does the same work per
council. What a copy does not have is variety between councils: every council's figures are the same.
Copied: every table that points (through any chain of keys) at a local authority, clocks included;
not copied: history rows and the audit trail, which the scorecard never reads.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Clocks about a placement name it by its period of care's key * 1000 + n (timescales.derive).
PLACEMENT = "looked_after.Placement"


def copied_models() -> list:
    """Every model whose rows belong to a council, parents before children."""
    from django.apps import apps

    from safeguard.audit.models import AuditEvent
    from safeguard.workforce.models import LocalAuthority

    candidates = [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy
                  and m is not AuditEvent and not m.__name__.startswith("Historical")]
    chosen = [LocalAuthority]
    grew = True
    while grew:
        grew = False
        for model in candidates:
            if model in chosen:
                continue
            parents = {f.related_model for f in model._meta.concrete_fields
                       if f.is_relation and (f.many_to_one or f.one_to_one)}
            if parents & set(chosen):
                chosen.append(model)
                grew = True
    return chosen


def column_expressions(model, span: dict, labels: dict) -> list[tuple[str, str]]:
    """(column, SQL expression in terms of `src` and the copy number `k`) for one table."""
    from safeguard.timescales.models import Clock
    from safeguard.workforce.models import LocalAuthority, User

    out = []
    for f in model._meta.concrete_fields:
        col = f'"{f.column}"'  # quoted: a column may be named by a reserved word (a plan's "order")
        if f.primary_key:
            expr = f"src.{col} + k * {span[model]}"
        elif f.is_relation and f.related_model in span:
            expr = f"src.{col} + k * {span[f.related_model]}"
        elif model is LocalAuthority and f.column == "code":
            expr = "'E9' || lpad(k::text, 7, '0')"
        elif model is LocalAuthority and f.column == "la_number":
            expr = "600 + k"
        elif model is LocalAuthority and f.column == "name":
            expr = "'Synthetic Council ' || k"
        elif model is User and f.column == "username":
            expr = "src.username || '.' || k"
        elif model is Clock and f.column in ("subject_id", "met_by_id"):
            kind = "subject_type" if f.column == "subject_id" else "met_by_type"
            whens = [f"WHEN '{label}' THEN src.{col} + k * {span[m]}" for label, m in labels.items()]
            period = span[labels["looked_after.PeriodOfCare"]]
            whens.append(f"WHEN '{PLACEMENT}' THEN src.{col} + k * {period} * 1000")
            expr = f"CASE src.{kind} {' '.join(whens)} ELSE src.{col} END"
        else:
            expr = f"src.{col}"
        out.append((col, expr))
    return out


def build(councils: int, batch: int) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")
    import django

    django.setup()
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from safeguard.people.models import Child
    from safeguard.workforce.models import LocalAuthority

    if connection.vendor != "postgresql":
        raise SystemExit("bench/national.py builds a PostgreSQL database: set DATABASE_URL")
    have = LocalAuthority.objects.count()
    if have != 1:
        raise SystemExit(f"expected exactly one generated council to copy, found {have}")
    models = copied_models()
    span = {}
    for model in models:
        top = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        if top:
            span[model] = top
    models = [m for m in models if m in span]
    labels = {m._meta.label: m for m in models}
    started = time.perf_counter()
    rows = 0
    for first in range(1, councils, batch):
        last = min(councils - 1, first + batch - 1)
        with transaction.atomic(), connection.cursor() as cursor:
            # Keys were consistent in the council copied and are moved together, so the foreign-key
            # triggers (and the audit trail's, which no copied table has) are skipped for the load.
            cursor.execute("SET LOCAL session_replication_role = replica")
            for model in models:
                cols = column_expressions(model, span, labels)
                table = connection.ops.quote_name(model._meta.db_table)
                pk = connection.ops.quote_name(model._meta.pk.column)
                # A row whose every link to a council is empty is national (a comparator for
                # England), not the council's: it is not copied.
                links = [f for f in model._meta.concrete_fields
                         if f.is_relation and f.related_model in span and not f.primary_key]
                national = (" AND (" + " OR ".join(f'src."{f.column}" IS NOT NULL' for f in links) + ")"
                            if links and all(f.null for f in links) else "")
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(c for c, _ in cols)}) "
                    f"SELECT {', '.join(e for _, e in cols)} FROM {table} AS src "
                    f"CROSS JOIN generate_series(%s, %s) AS k WHERE src.{pk} <= %s{national}",
                    [first, last, span[model]])
                rows += cursor.rowcount
        print(f"councils {last + 1}/{councils}, {rows:,} rows, {time.perf_counter() - started:.0f} s",
              file=sys.stderr, flush=True)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
        cursor.execute("ANALYZE")
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    return {"councils": LocalAuthority.objects.count(), "children": Child.objects.count(),
            "rows_copied": rows, "tables": len(models), "seconds": round(time.perf_counter() - started, 1),
            "database_gb": round(size / 2**30, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--councils", type=int, default=153)
    parser.add_argument("--batch", type=int, default=16, help="copies written per transaction")
    args = parser.parse_args()
    print(json.dumps(build(args.councils, args.batch), indent=1))


if __name__ == "__main__":
    main()
