"""Per-process copies of small shared data (reference data read by every registration), kept
current across processes and nodes by a generation token in the database.

Every change to the data bumps its generation (`bump`: a new random token, written in the
changing transaction, so it commits or rolls back with the change). A `GenerationCache` reads
the token with every `get` (one indexed single-row SELECT of raw SQL, far cheaper than the
queries it replaces, and no Django query compilation) and reloads its copy when the token
differs from the one it was loaded under. So a change committed before a request reads the
data is seen by that request in every process: there is no window of staleness. The token is
read before the data, so a copy is never older than its token: a change committed while a copy
loads may show in that copy in part (the loader's queries are separate statements), and the
next `get` reloads it whole.

Changes that bypass model signals (`QuerySet.update`, `bulk_create`, raw SQL, data migrations)
must call `bump` themselves; `migrate` bumps every generation at its end.

Within one HTTP request the tokens are read once, all of them in one query, at the request's
first `get` (`request_started` opens the request's scope, `request_finished` closes it): a
registration reads three caches, the portal form's custom fields twice, for one query. The
request sees the generations as they were at that read, as if it had started then; a `bump` in
the request drops its token from the scope, so the request reads its own change. Outside a
request (task workers, commands) every `get` reads its token.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections

from incidesk.core.models import Generation

T = TypeVar("T")

NAMES: set[str] = set()  # every generation a cache uses: `migrate` bumps them all

# The tokens read in the current request (None outside a request), by name.
_REQUEST_TOKENS: ContextVar[dict[str, str] | None] = ContextVar("generations", default=None)
_TABLE = Generation._meta.db_table


def bump(name: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Give `name` a new token in the current transaction (an upsert: no race on a first
    change, and no error to abort a PostgreSQL transaction)."""
    Generation.objects.using(using).bulk_create(
        [Generation(name=name, token=secrets.token_hex(8))],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["token"],
    )
    scope = _REQUEST_TOKENS.get()
    if scope is not None:
        scope.pop(name, None)


def token(name: str) -> str:
    """The generation's current token; empty when it has none (a flushed table). In a request,
    the token as the request first read it."""
    scope = _REQUEST_TOKENS.get()
    if scope is None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT token FROM {_TABLE} WHERE name = %s", [name])  # noqa: S608  the model's own table; the name is a parameter
            row = cursor.fetchone()
        return row[0] if row else ""
    if name not in scope:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT name, token FROM {_TABLE}")  # noqa: S608  the model's own table
            scope.update(cursor.fetchall())
        scope.setdefault(name, "")
    return scope[name]


def open_request_scope(**_kwargs: Any) -> None:
    """`request_started`: the request reads each token at most once."""
    _REQUEST_TOKENS.set({})


def close_request_scope(**_kwargs: Any) -> None:
    """`request_finished`: what runs after the request reads tokens again."""
    _REQUEST_TOKENS.set(None)


class GenerationCache(Generic[T]):
    """The value `load` returns, kept per process and loaded again when the generation `name`
    has moved. The value is shared by every thread and request of the process: treat it, and
    any model instance in it, as read-only."""

    def __init__(self, name: str, load: Callable[[], T]) -> None:
        self.name, self._load = name, load
        self._held: tuple[str, T] | None = None
        NAMES.add(name)

    def get(self) -> T:
        current = token(self.name)
        held = self._held  # one read: another thread may swap it meanwhile
        if held is not None and current and held[0] == current:
            return held[1]
        value = self._load()
        if current:  # without a token no change would be noticed: load every time
            self._held = (current, value)
        return value


def bump_all(using: str, **_kwargs: Any) -> None:
    """After `migrate`: data migrations change reference data without signals. (Unless core's
    migrations were unapplied down to before the table.)"""
    if Generation._meta.db_table in connections[using].introspection.table_names():
        for name in sorted(NAMES):
            bump(name, using)
