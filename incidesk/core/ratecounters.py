"""Where the rate limits' counters live (`core.ratelimits`): a row per limit, caller and
window, counted by one upsert that returns the new count.

On PostgreSQL, and on a SQLite database in memory (the tests), the rows are
`models.RateCounter` in the desk's own database. On a SQLite file they are kept in a file of
their own beside it (`<database>-ratecounters`): every counted request writes, and SQLite runs
one write transaction at a time per file, so in the desk's file each API write took a second
turn at the node's write lock, queued behind registrations, and added to the pages its
checkpoints copy (11 % of intake's throughput at C = 16, docs/performance.md). The counters'
file has its own lock and log and is never synced: a power cut that loses a count only gives
its caller a fresh window.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from datetime import UTC, datetime
from functools import cache
from typing import Protocol, cast

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper

from incidesk.core.models import RateCounter


class Counters(Protocol):
    def count(self, key: str, ends: int) -> int:
        """Add one to the counter (a new one, ending at `ends`, starts at one); its count."""

    def counted(self, key: str) -> int:
        """The counter's count, without counting."""

    def delete_ended(self, now: int) -> None:
        """Forget the counters of windows ended by `now` (seconds since the epoch)."""


def _upsert(table: str, placeholder: str) -> str:
    return (
        f'INSERT INTO "{table}" ("key", "count", "expires") '  # noqa: S608  our own table; values are parameters
        f"VALUES ({placeholder}, 1, {placeholder}) "
        f'ON CONFLICT ("key") DO UPDATE SET "count" = "{table}"."count" + 1 RETURNING "count"'
    )


class DatabaseCounters:
    """The counters as rows of the desk's database (`models.RateCounter`)."""

    _table = RateCounter._meta.db_table
    _count = _upsert(_table, "%s")
    _counted = f'SELECT "count" FROM "{_table}" WHERE "key" = %s'  # noqa: S608  our own table

    def count(self, key: str, ends: int) -> int:
        expires = connection.ops.adapt_datetimefield_value(datetime.fromtimestamp(ends, tz=UTC))
        with connection.cursor() as cursor:
            cursor.execute(self._count, [key, expires])
            count: int = cursor.fetchone()[0]
        return count

    def counted(self, key: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(self._counted, [key])
            row = cursor.fetchone()
        return 0 if row is None else int(row[0])

    def delete_ended(self, now: int) -> None:
        RateCounter.objects.filter(expires__lte=datetime.fromtimestamp(now, tz=UTC)).delete()


class FileCounters:
    """The counters in a SQLite file of their own, `expires` in seconds since the epoch. One
    connection per thread and process, opened at first use (a forked worker opens its own)."""

    _table = "ratecounter"
    _schema = (
        f'CREATE TABLE IF NOT EXISTS "{_table}" '
        '("key" TEXT PRIMARY KEY, "count" INTEGER NOT NULL, "expires" INTEGER NOT NULL)'
    )
    _count = _upsert(_table, "?")
    _counted = f'SELECT "count" FROM "{_table}" WHERE "key" = ?'  # noqa: S608  our own table
    _delete_ended = f'DELETE FROM "{_table}" WHERE "expires" <= ?'  # noqa: S608  our own table

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        if getattr(self._local, "pid", None) != os.getpid():
            # Autocommit, so each statement is its own write, microseconds long; the busy
            # timeout covers the rare collision of two processes.
            opened = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            opened.execute("PRAGMA journal_mode=WAL")
            opened.execute("PRAGMA synchronous=OFF")
            opened.execute(self._schema)
            self._local.connection, self._local.pid = opened, os.getpid()
        kept: sqlite3.Connection = self._local.connection
        return kept

    def count(self, key: str, ends: int) -> int:
        count: int = self._connection().execute(self._count, (key, ends)).fetchone()[0]
        return count

    def counted(self, key: str) -> int:
        row = self._connection().execute(self._counted, (key,)).fetchone()
        return 0 if row is None else int(row[0])

    def delete_ended(self, now: int) -> None:
        self._connection().execute(self._delete_ended, (now,))


_IN_DATABASE = DatabaseCounters()


def counters_for(database: BaseDatabaseWrapper) -> Counters:
    """The counters of the desk kept in `database` (a connection, or `django.db.connection`,
    its proxy)."""
    if database.vendor == "sqlite" and not cast(SQLiteDatabaseWrapper, database).is_in_memory_db():
        return _file_counters(f"{database.settings_dict['NAME']}-ratecounters")
    return _IN_DATABASE


@cache
def _file_counters(path: str) -> FileCounters:
    return FileCounters(path)
