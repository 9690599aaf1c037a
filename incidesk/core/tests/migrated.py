"""One migrated SQLite desk per test run, for the tests that run Incidesk in processes of
their own: each copies the file into its data folder instead of migrating again (about 11 s
of CPU each, a minute on a loaded CI machine). The template itself is migrated by the real
`incidesk migrate` in a process of its own, so a fresh desk's migration stays tested."""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

DATABASE = "incidesk.sqlite3"


def template(shared: Path) -> Path:
    """The migrated database in `shared` (a folder every xdist worker of this run sees),
    migrated by whichever worker asks first while the others wait for it."""
    folder = shared / "migrated-desk"
    database = folder / DATABASE
    with (shared / "migrated-desk.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not database.exists():
            _migrate(shared / "migrating-desk")
            (shared / "migrating-desk").rename(folder)
    return database


def copy_into(database: Path, data_dir: Path) -> Path:
    """A desk in `data_dir` migrated like `database`; its secret key is made on first use."""
    shutil.copyfile(database, data_dir / DATABASE)
    return data_dir


def _migrate(folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["INCIDESK_DATA_DIR"] = str(folder)
    done = subprocess.run(
        [sys.executable, "-m", "incidesk.cli", "migrate", "-v0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    # Everything in the one file: a copy of it alone is the whole desk.
    with closing(sqlite3.connect(folder / DATABASE)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
