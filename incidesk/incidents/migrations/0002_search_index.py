"""Full-text index: FTS5 of stemmed words on SQLite, a Russian tsvector GIN index on PostgreSQL."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE incidents_search_fts USING fts5("
    "stems, tokenize = 'unicode61 remove_diacritics 2')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS incidents_search_fts"]
POSTGRES_FORWARD = [
    "CREATE INDEX incidents_search_ru ON incidents_searchdocument "
    "USING gin (to_tsvector('russian', body))",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS incidents_search_ru"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
