"""Plain rows written in bulk: how records already checked in memory (an import, a generated
council, the clocks of many children) reach the database without an ORM object or save per row.
Rows are inserted by COPY on PostgreSQL and one INSERT run many times on SQLite, and updated by key
with one UPDATE run many times (never a bulk UPDATE of CASE expressions that grows with the batch)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence

from django.db import connection
from django.db.models import DateField, DateTimeField, DecimalField, JSONField, TimeField

#: Rows given to SQLite's executemany at a time.
BATCH = 10000


def converter(field):
    """How one field's Python value goes to the database in a plain INSERT (SQLite) or COPY
    (PostgreSQL): JSON as text on both; on SQLite, dates and aware datetimes as Django's SQLite
    backend stores them (UTC, no offset). None: the value as it is."""
    if isinstance(field, JSONField):
        return lambda v: None if v is None else json.dumps(v)
    if connection.vendor != "sqlite":
        return None
    if isinstance(field, DateTimeField):
        return lambda v: None if v is None else v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(field, DateField):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(field, DecimalField):
        return lambda v: None if v is None else str(v)
    if isinstance(field, TimeField):
        return lambda v: None if v is None else v.isoformat()
    return None


def insert_rows(model, fields: Sequence, rows: Sequence[tuple]) -> None:
    """Insert rows (tuples in the order of `fields`, each value as `converter` gives it)."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    if connection.vendor == "postgresql":
        # COPY: one stream for the server to parse, not an INSERT to plan and run per row (on the
        # driver's own cursor, so its errors are made Django's, as every other query's are).
        with connection.cursor() as cursor, connection.wrap_database_errors, \
                cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        for i in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[i:i + BATCH])


def update_by_key(model, fields: Sequence, rows: Iterable[tuple]) -> int:
    """Set `fields` of each row of `model`'s table: `rows` are (key, value, value, ...) in the order
    of `fields`, values as the model holds them (converted as `converter` says)."""
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {quote(model._meta.pk.column)} = %s"
    convs = [(i, c) for i, f in enumerate(fields, 1) if (c := converter(f)) is not None]
    params = []
    for row in rows:
        values = list(row)
        for i, c in convs:
            values[i] = c(values[i])
        params.append(values[1:] + values[:1])
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
    return len(params)


#: Keys in one IN list: well under SQLite's limit of query parameters.
IN_LIST = 500


def in_lists(keys: Sequence) -> Iterator[Sequence]:
    """`keys` in slices short enough for one IN list each."""
    for i in range(0, len(keys), IN_LIST):
        yield keys[i:i + IN_LIST]
