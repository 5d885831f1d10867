"""The full-text index of case notes (issue 16, item 7: "Search the notes ... PostgreSQL full-text
search; SQLite FTS5 on the embedded default").

- PostgreSQL: a GIN expression index on to_tsvector('english', title || ' ' || text). An expression
  index, not a GeneratedField: the model stays the same on both databases (a tsvector column has no
  SQLite type, and a GeneratedField's expression must compile on every vendor), no copy of a
  30,000-character note is stored twice, and the index is kept in step by PostgreSQL itself,
  whatever writes the row (the ORM, the bulk writer's COPY). `casework.search` queries the very
  same expression, so the planner uses the index.
- SQLite: an FTS5 external-content table over casework_casenote (title, text): the words are
  indexed, not copied; three triggers keep it in step on insert, update of the words, and delete,
  so `bulk_create` and the bulk writer's plain INSERTs are indexed too. The tokenizer is Porter
  over unicode61 with diacritics kept, the nearest FTS5 has to PostgreSQL's English configuration
  (which stems and does not fold accents).

Both forwards and backwards branch on `schema_editor.connection.vendor`. The statements are
also used by `casework.search.rebuild()`, which puts them back if a later migration that remakes
the table on SQLite (and so drops its triggers) has lost them.
"""

from django.db import migrations

TABLE = "casework_casenote"
FTS = "casework_casenote_fts"
INDEX = "casework_casenote_search"
#: The expression indexed on PostgreSQL; a query must use exactly this for the index to serve it.
TSVECTOR = "to_tsvector('english'::regconfig, {t}.title || ' ' || {t}.text)"

POSTGRES = [
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} USING gin ({TSVECTOR.format(t=TABLE)});",
]
POSTGRES_REVERSE = [f"DROP INDEX IF EXISTS {INDEX};"]

SQLITE = [
    (f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(title, text, content='{TABLE}', "
     f"content_rowid='id', tokenize='porter unicode61 remove_diacritics 0');"),
    (f"CREATE TRIGGER IF NOT EXISTS {FTS}_insert AFTER INSERT ON {TABLE} BEGIN "
     f"INSERT INTO {FTS}(rowid, title, text) VALUES (new.id, new.title, new.text); END;"),
    (f"CREATE TRIGGER IF NOT EXISTS {FTS}_delete AFTER DELETE ON {TABLE} BEGIN "
     f"INSERT INTO {FTS}({FTS}, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); END;"),
    (f"CREATE TRIGGER IF NOT EXISTS {FTS}_update AFTER UPDATE OF id, title, text ON {TABLE} BEGIN "
     f"INSERT INTO {FTS}({FTS}, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); "
     f"INSERT INTO {FTS}(rowid, title, text) VALUES (new.id, new.title, new.text); END;"),
    # Notes already on file when the index is made.
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild');",
]
SQLITE_TRIGGERS = (f"{FTS}_insert", f"{FTS}_delete", f"{FTS}_update")
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS {name};" for name in SQLITE_TRIGGERS] + [
    f"DROP TABLE IF EXISTS {FTS};",
]


def _statements(vendor: str, *, reverse: bool) -> list[str]:
    if vendor == "postgresql":
        return POSTGRES_REVERSE if reverse else POSTGRES
    if vendor == "sqlite":
        return SQLITE_REVERSE if reverse else SQLITE
    return []  # another database: no index (casework.search refuses to run there)


def forwards(apps, schema_editor):
    for sql in _statements(schema_editor.connection.vendor, reverse=False):
        schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    for sql in _statements(schema_editor.connection.vendor, reverse=True):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
