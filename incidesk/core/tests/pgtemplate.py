"""One migrated PostgreSQL test database per run, copied for each xdist worker.

pytest-django gives each worker a test database of its own and migrates each one: 76 migrations
and their data, about 12 s of CPU a worker, both workers at once on a 2-core machine, with the
server's work on top. Here the first worker to need a database migrates the template (the test
database's own name) while the others wait on a file lock, and each worker then copies it into
`<name>_<worker>`, pytest-django's name, with `CREATE DATABASE ... TEMPLATE` (Django's
`clone_test_db`): a file copy in the server, under a second. Every database made here is dropped
at the end of the run; one left by an interrupted run has the same name next time and is made
again."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

Databases = list[tuple[BaseDatabaseWrapper, str, str]]


def setup(
    shared: Path,
    worker: str,
    aliases: set[str],
    serialized: set[str],
    *,
    reuse: bool,
    verbosity: int,
) -> Databases:
    """This worker's copy of each database in `aliases`, the template migrated once for the
    run in `shared` (a folder every worker of the run sees). With `reuse` (`--reuse-db`) the
    template of an earlier run is migrated forward instead of made anew. Returns (connection,
    name before the test, template) for `teardown`."""
    made = []
    with _lock(shared):
        for alias in sorted(aliases):
            connection = connections[alias]
            original = connection.settings_dict["NAME"]
            marker = shared / f"postgres-template-{alias}"
            if marker.exists():
                template = marker.read_text()
                _point(connection, template)
            else:
                template = connection.creation.create_test_db(
                    verbosity=verbosity, autoclobber=True, serialize=False, keepdb=reuse
                )
                marker.write_text(template)
            connection.creation.clone_test_db(suffix=worker, verbosity=verbosity, autoclobber=True)
            _point(connection, connection.creation.get_test_db_clone_settings(worker)["NAME"])
            if alias in serialized:  # for `serialized_rollback`, where Django keeps it
                contents = connection.creation.serialize_db_to_string()
                connection._test_serialized_contents = contents  # type: ignore[attr-defined]
            made.append((connection, original, template))
    return made


def teardown(shared: Path, made: Databases, *, keep: bool) -> None:
    """Drop this worker's copies, and the templates unless kept (`--reuse-db`) or dropped by
    another worker already (a worker that sets up later makes its template again)."""
    for connection, original, _template in made:
        _drop(connection, connection.settings_dict["NAME"])
        _point(connection, original)
    with _lock(shared):
        for connection, _original, template in made:
            marker = shared / f"postgres-template-{connection.alias}"
            if marker.exists():
                if not keep:
                    _drop(connection, template)
                marker.unlink()


def _point(connection: BaseDatabaseWrapper, name: str) -> None:
    """Use database `name` from the next query on, as `create_test_db` does."""
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name


def _drop(connection: BaseDatabaseWrapper, name: str) -> None:
    connection.close()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")


@contextmanager
def _lock(shared: Path) -> Iterator[Any]:
    with (shared / "postgres-template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield lock
