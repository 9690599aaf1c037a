"""Django's database cache, made safe for counters shared by several processes."""

from __future__ import annotations

import base64
import pickle
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router


class DatabaseCache(DjangoDatabaseCache):
    """Django's `DatabaseCache` increments by reading, adding and writing the value back: two
    workers can both read 4 and write 5, and the write resets the entry's expiry, so a counter
    kept busy never expires but one left idle for the default timeout starts again at zero
    within its window. Here `incr` is a compare-and-swap (`UPDATE ... WHERE value = <read>`,
    again from a fresh read if another process got there first) and keeps the expiry.

    A rate limit calls `add` then `incr` on every request: `add` finds the counter with one
    plain read (Django's counts the whole table and opens a write transaction first), and the
    `incr` right after swaps from that read, so a counted request costs two queries."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read: dict[str, str] = {}  # key: the value `add` just found (one per thread)

    def add(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        found = self._current(self.make_and_validate_key(key, version=version))
        if found is not None:
            self._read = {found[0]: found[1]}
            return False
        return super().add(key, value, timeout, version)

    _table: str  # set by Django's `BaseDatabaseCache.__init__`; its stubs leave it out

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        seen = self._read.pop(key, None)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        while True:
            if seen is None:
                found = self._current(key)
                if found is None:
                    raise ValueError(f"Key '{key}' not found")
                seen = found[1]
            value: int = pickle.loads(base64.b64decode(seen.encode())) + delta  # noqa: S301  a value this cache pickled itself, as Django's database cache does
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET value = %s WHERE cache_key = %s AND value = %s",  # noqa: S608  our own quoted cache table; values are parameters
                    [encoded, key, seen],
                )
                if cursor.rowcount == 1:
                    return value
            seen = None

    def _current(self, key: str) -> tuple[str, str] | None:
        """The entry's key and stored value, unless it is missing or expired."""
        connection = connections[router.db_for_read(self.cache_model_class)]
        table = connection.ops.quote_name(self._table)
        now = datetime.now(tz=UTC if settings.USE_TZ else None).replace(microsecond=0)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT value FROM {table} WHERE cache_key = %s AND expires > %s",  # noqa: S608  our own quoted cache table; values are parameters
                [key, connection.ops.adapt_datetimefield_value(now)],
            )
            row = cursor.fetchone()
        return None if row is None else (key, row[0])
