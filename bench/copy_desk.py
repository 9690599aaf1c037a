"""Copy a demo desk from SQLite to PostgreSQL, so both databases are measured on the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/incidesk_desk1m incidesk migrate
    .venv/bin/python bench/copy_desk.py /tmp/desk1m/incidesk.sqlite3 \
        postgres://postgres@127.0.0.1:5432/incidesk_desk1m [table,table...]

Building a million-incident desk takes the demo loader long on a busy machine (it stems,
replays SLA clocks and computes the facts in Python); copying the rows takes minutes. The
PostgreSQL database must be migrated to the same schema: every table both databases have is
emptied there and filled with `COPY` (foreign keys unchecked while loading, as a restore
does), the identity sequences are moved past the copied ids, then `VACUUM ANALYZE`. SQLite's
values go through as text: 0/1 for booleans, UTC timestamps, JSON as text, hex UUIDs — what
PostgreSQL's input functions read back as the same values. SQLite's FTS5 table has no
counterpart: PostgreSQL searches its own GIN index. A bench tool, not a migration path.

Name tables to copy only those (e.g. the facts, once `incidesk analytics rebuild` has run on
the SQLite desk: `analytics_incidentfact,analytics_factswatermark`).
"""

from __future__ import annotations

import sqlite3
import sys
import time

import psycopg

SKIP = {"django_migrations"}  # the target's own, from its `migrate`


def main(source: str, target: str, only: str = "") -> int:
    lite = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    with psycopg.connect(target, autocommit=True) as pg:
        pg.execute("SET TIME ZONE 'UTC'")
        tables = [
            row[0]
            for row in pg.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
            if row[0] not in SKIP
        ]
        present = {
            row[0] for row in lite.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        tables = [t for t in tables if t in present and (not only or t in only.split(","))]
        with pg.transaction():
            pg.execute("SET LOCAL session_replication_role = replica")  # no FK triggers
            pg.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables))
            for table in tables:
                started = time.monotonic()
                copied = _copy(lite, pg, table)
                print(f"{table}: {copied} rows, {time.monotonic() - started:.1f} s", flush=True)
        _move_sequences(pg, tables)
        started = time.monotonic()
        pg.execute("VACUUM ANALYZE")
        print(f"VACUUM ANALYZE: {time.monotonic() - started:.1f} s")
    return 0


def _copy(lite: sqlite3.Connection, pg: psycopg.Connection, table: str) -> int:
    columns = [
        row[0]
        for row in pg.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
            [table],
        )
    ]
    names = ", ".join(f'"{c}"' for c in columns)
    rows = lite.execute(f'SELECT {names} FROM "{table}"')  # noqa: S608  names from the catalogue
    copied = 0
    with pg.cursor().copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:  # type: ignore[arg-type]  # names from the catalogue
        for row in rows:
            copy.write_row(row)
            copied += 1
    return copied


def _move_sequences(pg: psycopg.Connection, tables: list[str]) -> None:
    generated = pg.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND (is_identity = 'YES' OR column_default LIKE 'nextval%%')"
    ).fetchall()
    for table, column in generated:
        if table not in tables:
            continue
        sequence = pg.execute(
            "SELECT pg_get_serial_sequence(%s, %s)", [f'"{table}"', column]
        ).fetchone()
        pg.execute(
            f'SELECT setval(%s, COALESCE((SELECT max("{column}") FROM "{table}"), 0) + 1, false)',  # noqa: S608  catalogue names
            [sequence[0] if sequence else None],
        )


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
