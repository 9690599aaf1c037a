"""One migrated desk per test run, for the tests that run Incidesk in processes of their own:
each copies it instead of migrating again (about 11 s of CPU each, a minute on a loaded CI
machine). On SQLite the copy is a file in the test's data folder; on PostgreSQL a database made
with `CREATE DATABASE ... TEMPLATE` (a fraction of a second), dropped at the end of the run with
the template. The template itself is migrated by the real `incidesk migrate` in a process of
its own, so a fresh desk's migration stays tested."""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

DATABASE = "incidesk.sqlite3"


def template(shared: Path) -> Path:
    """The migrated database in `shared` (a folder every xdist worker of this run sees),
    migrated by whichever worker asks first while the others wait for it."""
    folder = shared / "migrated-desk"
    database = folder / DATABASE
    with _lock(shared / "migrated-desk.lock"):
        if not database.exists():
            _migrate(shared / "migrating-desk")
            (shared / "migrating-desk").rename(folder)
    return database


def copy_into(database: Path, data_dir: Path) -> Path:
    """A desk in `data_dir` migrated like `database`; its secret key is made on first use."""
    shutil.copyfile(database, data_dir / DATABASE)
    return data_dir


@dataclass(frozen=True)
class PostgresTemplate:
    """The run's migrated PostgreSQL desk `name` on `server` (`postgres://user@host:port`)."""

    server: str
    name: str
    shared: Path

    def copy(self) -> str:
        """The name of a new database migrated like the template, dropped at the end of the
        run. One copy at a time: the template must have no other session while it is copied."""
        copy = f"{self.name}_{secrets.token_hex(4)}"
        with _lock(self.shared / "migrated-postgres.lock"), _admin(self.server) as admin:
            admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{self.name}"')
        return copy


def postgres_template(shared: Path, server: str, name: str) -> PostgresTemplate:
    """Database `name` on `server`, migrated once for the run (see `template`); one left by an
    interrupted run, and its copies, are made again."""
    marker = shared / "migrated-postgres"
    with _lock(shared / "migrated-postgres.lock"):
        if not marker.exists():
            _drop_postgres(server, name)
            with _admin(server) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            _migrate(shared / "migrating-postgres", DATABASE_URL=f"{server}/{name}")
            marker.write_text(f"{server}/{name}")
    return PostgresTemplate(server, name, shared)


def drop_postgres_template(shared: Path) -> None:
    """Drop the run's PostgreSQL template and its copies, if the run made one."""
    marker = shared / "migrated-postgres"
    if marker.exists():
        server, name = marker.read_text().rsplit("/", 1)
        _drop_postgres(server, name)
        marker.unlink()


def _drop_postgres(server: str, name: str) -> None:
    with _admin(server) as admin:
        copies = admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            [name.replace("_", r"\_") + r"\_%"],
        ).fetchall()
        for (database,) in [*copies, (name,)]:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _admin(server: str) -> psycopg.Connection:
    return psycopg.connect(f"{server}/postgres", autocommit=True)


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _migrate(folder: Path, **database: str) -> None:
    folder.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["INCIDESK_DATA_DIR"] = str(folder)
    env.update(database)
    done = subprocess.run(
        [sys.executable, "-m", "incidesk.cli", "migrate", "-v0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    if database:
        return
    # Everything in the one file: a copy of it alone is the whole desk.
    with closing(sqlite3.connect(folder / DATABASE)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
