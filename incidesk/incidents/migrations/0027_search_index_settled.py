"""SQLite's full-text index merged into one segment. Migration 0026 rebuilt it in one
statement, which leaves many segments, and FTS5 then merges them a little at every commit
that writes the index: each registration pays for that backlog until it is worked off (at a
million incidents, 40 % more instructions per registration). Merging at once takes under a
second at a million incidents; the index's content does not change, so there is nothing to
undo. PostgreSQL is not touched."""

from django.db import migrations


def _merge(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "INSERT INTO incidents_search_fts(incidents_search_fts) VALUES ('optimize')"
        )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0026_search_index_rowids_only")]
    operations = [migrations.RunPython(_merge, migrations.RunPython.noop)]
