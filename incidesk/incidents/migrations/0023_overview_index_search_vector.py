"""The lead overview's covering index, and on PostgreSQL a stored tsvector column for search:
its GIN index replaces the expression index of 0002, and a row checked outside the index (the
planner walking the newest incidents for a common word) no longer runs `to_tsvector`."""

from django.db import migrations, models

POSTGRES_FORWARD = [
    "ALTER TABLE incidents_searchdocument ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('russian', body)) STORED",
    "CREATE INDEX incidents_search_vector ON incidents_searchdocument USING gin (search_vector)",
    "DROP INDEX IF EXISTS incidents_search_ru",
]
POSTGRES_BACKWARD = [
    "CREATE INDEX incidents_search_ru ON incidents_searchdocument "
    "USING gin (to_tsvector('russian', body))",
    "ALTER TABLE incidents_searchdocument DROP COLUMN search_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("incidents", "0022_breached_parts_index_only")]

    operations = [
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                fields=[
                    "status",
                    "team",
                    "priority",
                    "assignee",
                    "escalated",
                    "response_due_at",
                    "resolution_due_at",
                ],
                name="inc_overview",
            ),
        ),
        migrations.RunPython(_run(POSTGRES_FORWARD), _run(POSTGRES_BACKWARD)),
    ]
