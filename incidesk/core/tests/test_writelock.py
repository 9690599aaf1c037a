"""SQLite writers queue on the kernel lock beside the file (`core.writelock`): two processes
writing at once both succeed without a single busy error even with SQLite's own busy wait
off, a transaction is never interleaved with another's, the wait is bounded, and a holder
that dies frees the lock."""

from __future__ import annotations

import fcntl
import itertools
import multiprocessing
import os
import signal
import sqlite3
import struct
import threading
from pathlib import Path
from typing import cast

import pytest
from django.db import OperationalError, connections, transaction
from django.db.backends.sqlite3.base import SQLiteCursorWrapper
from django.db.utils import ConnectionHandler

from incidesk.core.sqlite import base as sqlite_base
from incidesk.core.sqlite.base import (
    BACKSTOP_PAGES,
    CHECKPOINT_EVERY,
    DatabaseWrapper,
    LockingCursor,
)
from incidesk.core.writelock import WriteLock

pytestmark = pytest.mark.django_db
FORK = multiprocessing.get_context("fork")
ALIAS = "writelock_test"
ROUNDS = 40


def _connect(path: Path, timeout: float = 10) -> None:
    """Registers ALIAS in this thread: the file at `path`, SQLite's busy wait off, so any
    writer that did not queue on the lock would fail at once with "database is locked"."""
    options = {
        "timeout": timeout,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;PRAGMA busy_timeout=0",
    }
    config = {"ENGINE": "incidesk.core.sqlite", "NAME": str(path), "OPTIONS": options}
    handler = ConnectionHandler({"default": config, ALIAS: config})
    connections[ALIAS] = handler[ALIAS]


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "desk.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE log (id INTEGER PRIMARY KEY, writer TEXT, step TEXT)")
        db.execute("CREATE TABLE counter (n INTEGER)")
        db.execute("INSERT INTO counter VALUES (0)")
    _connect(path)
    yield path
    connections[ALIAS].close()
    del connections[ALIAS]


def _write(path: Path, name: str, start: multiprocessing.synchronize.Event) -> None:
    _connect(path)
    start.wait()
    for i in range(ROUNDS):
        with transaction.atomic(using=ALIAS), connections[ALIAS].cursor() as cursor:
            cursor.execute("INSERT INTO log (writer, step) VALUES (%s, %s)", [name, f"{i} begin"])
            with transaction.atomic(using=ALIAS):  # a savepoint inside the held lock
                cursor.execute("UPDATE counter SET n = n + 1")
            cursor.execute("INSERT INTO log (writer, step) VALUES (%s, %s)", [name, f"{i} end"])
        with connections[ALIAS].cursor() as cursor:  # a write in autocommit
            cursor.execute("UPDATE counter SET n = n + 1")


def test_two_processes_writing_at_once_take_turns_without_busy_errors(database):
    start = FORK.Event()
    writers = [FORK.Process(target=_write, args=(database, name, start)) for name in "ab"]
    for writer in writers:
        writer.start()
    start.set()
    for writer in writers:
        writer.join(60)
    assert [writer.exitcode for writer in writers] == [0, 0]

    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT writer, step FROM log ORDER BY id").fetchall()
        assert db.execute("SELECT n FROM counter").fetchone() == (4 * ROUNDS,)
    # Each transaction's two rows are next to each other, each writer's in its own order.
    pairs = list(zip(rows[::2], rows[1::2], strict=True))
    assert all(b == (a[0], a[1].replace("begin", "end")) for a, b in pairs)
    for name in "ab":
        assert [a[1] for a, _ in pairs if a[0] == name] == [f"{i} begin" for i in range(ROUNDS)]


def test_the_lock_is_held_for_the_whole_transaction_and_freed_after_commit_or_rollback(database):
    connection = cast(DatabaseWrapper, connections[ALIAS])
    with transaction.atomic(using=ALIAS):
        connection.cursor().execute("INSERT INTO log (writer, step) VALUES ('x', '1')")
        lock = connection.write_lock
        assert lock is not None and lock.held
        with pytest.raises(RuntimeError), transaction.atomic(using=ALIAS):
            connection.cursor().execute("INSERT INTO log (writer, step) VALUES ('x', '2')")
            raise RuntimeError
        assert lock.held  # the savepoint's rollback keeps the outer transaction's lock
    assert not lock.held
    with pytest.raises(RuntimeError), transaction.atomic(using=ALIAS):
        connection.cursor().execute("INSERT INTO log (writer, step) VALUES ('x', '3')")
        raise RuntimeError
    assert not lock.held
    connection.cursor().execute("SELECT count(*) FROM log")
    assert not lock.held  # a read in autocommit does not take it
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT step FROM log").fetchall() == [("1",)]


def _hold(path: Path, held: multiprocessing.synchronize.Event) -> None:
    _connect(path)
    transaction.atomic(using=ALIAS).__enter__()
    connections[ALIAS].cursor().execute("INSERT INTO log (writer, step) VALUES ('dead', '1')")
    held.set()
    signal.pause()


def test_a_holder_killed_mid_transaction_frees_the_lock(database):
    held = FORK.Event()
    holder = FORK.Process(target=_hold, args=(database, held))
    holder.start()
    assert held.wait(30) and holder.pid is not None
    os.kill(holder.pid, signal.SIGKILL)
    holder.join(30)

    with transaction.atomic(using=ALIAS):
        connections[ALIAS].cursor().execute("INSERT INTO log (writer, step) VALUES ('y', '1')")
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT writer FROM log").fetchall() == [("y",)]


@pytest.mark.parametrize("in_thread", [False, True], ids=["main thread", "other thread"])
def test_a_writer_waits_a_bounded_time_then_gets_a_clear_error(tmp_path, in_thread):
    path = str(tmp_path / "desk.sqlite3-writelock")
    holder = os.open(path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    waiter = WriteLock(path, timeout=0.2)
    errors: list[Exception] = []

    def wait() -> None:
        try:
            waiter.acquire()
        except sqlite3.OperationalError as error:
            errors.append(error)

    if in_thread:
        thread = threading.Thread(target=wait)
        thread.start()
        thread.join(30)
    else:
        wait()
    assert len(errors) == 1 and "database is locked" in str(errors[0])
    assert not waiter.held
    fcntl.flock(holder, fcntl.LOCK_UN)
    waiter.acquire()  # free again: taken at once
    assert waiter.held
    waiter.close()
    os.close(holder)


def test_a_lock_wait_timeout_is_the_databases_operational_error(database):
    holder = os.open(f"{database}-writelock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    connections[ALIAS].close()
    _connect(database, timeout=0.1)
    try:
        with (
            pytest.raises(OperationalError, match="database is locked"),
            transaction.atomic(using=ALIAS),
        ):
            pass
    finally:
        os.close(holder)
    lock = cast(DatabaseWrapper, connections[ALIAS]).write_lock
    assert lock is not None and not lock.held


def _try(lock: WriteLock, taken: multiprocessing.synchronize.Event) -> None:
    lock.held = False  # as for a fork taken outside a transaction
    try:
        lock.acquire()
    except sqlite3.OperationalError:
        return
    taken.set()


def test_a_forked_child_does_not_share_its_parents_lock(tmp_path):
    lock = WriteLock(str(tmp_path / "desk.sqlite3-writelock"), timeout=0.2)
    lock.acquire()
    taken = FORK.Event()
    child = FORK.Process(target=_try, args=(lock, taken))
    child.start()
    child.join(30)
    assert child.exitcode == 0 and not taken.is_set()  # it waited for the parent, in vain
    lock.release()
    lock.close()


def test_placeholders_are_rewritten_as_djangos_cursor_rewrites_them(database):
    """The kept conversion (`_qmark`) is Django's own, and runs on the real statements."""
    statements = [
        "SELECT %s",
        "SELECT '%%s', %s, '100%%'",
        "UPDATE t SET a = %s WHERE b LIKE '%%x%%' AND c = %s",
        "SELECT 1",
    ]
    plain = sqlite3.connect(":memory:")
    ours = plain.cursor(factory=LockingCursor)
    django_cursor = plain.cursor(factory=SQLiteCursorWrapper)
    for sql in statements:
        assert ours.convert_query(sql) == django_cursor.convert_query(sql)
        assert ours.convert_query(sql) == django_cursor.convert_query(sql)  # kept
    named = "SELECT %(a)s, %(b)s"
    assert ours.convert_query(named, param_names=["a", "b"]) == "SELECT :a, :b"
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT %s, '%%', %s", [1, "x"])
        assert cursor.fetchone() == (1, "%", "x")


def _wal_index(path: Path) -> tuple[int, int]:
    """(frames in the WAL, frames copied to the database file), read from SQLite's shared
    wal-index without touching the database (`mxFrame` and `nBackfill`, native byte order)."""
    header = Path(f"{path}-shm").read_bytes()[:100]
    return struct.unpack_from("=I", header, 16)[0], struct.unpack_from("=I", header, 96)[0]


def test_the_wal_is_checkpointed_every_few_turns_after_the_lock_is_released(database, monkeypatch):
    """SQLite's own checkpoint would run inside a commit, under the node's write lock; the
    process has its own run every `CHECKPOINT_EVERY` turns, once the lock is free, on a thread
    of its own: the turn that asked does not wait for it."""
    monkeypatch.setattr(sqlite_base, "_turns", itertools.count(1))
    connection = cast(DatabaseWrapper, connections[ALIAS])
    connection.ensure_connection()
    lock = connection.write_lock
    assert lock is not None
    checkpointer = sqlite_base.checkpointer(str(database))
    asked: list[bool] = []
    request = checkpointer.request

    def request_noting_the_lock() -> None:
        asked.append(lock.held)
        request()

    monkeypatch.setattr(checkpointer, "request", request_noting_the_lock)
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA wal_autocheckpoint").fetchone() == (BACKSTOP_PAGES,)
    for turn in range(1, 2 * CHECKPOINT_EVERY + 1):
        if turn % 2:
            with transaction.atomic(using=ALIAS):
                connection.cursor().execute("INSERT INTO log (writer, step) VALUES ('x', 't')")
        else:  # a write in autocommit is a turn too
            connection.cursor().execute("UPDATE counter SET n = n + 1")
        checkpointer.wait()
        frames, copied = _wal_index(database)
        if turn % CHECKPOINT_EVERY:
            assert copied < frames
        else:
            assert copied == frames > 0
    assert asked == [False, False]


def test_a_checkpoint_runs_beside_the_next_writer(database):
    """The checkpointer's connection is its own: a writer holding the lock meanwhile is not
    waited for, and the pages committed before are copied."""
    connection = cast(DatabaseWrapper, connections[ALIAS])
    with transaction.atomic(using=ALIAS):
        connection.cursor().execute("INSERT INTO log (writer, step) VALUES ('a', 'committed')")
    checkpointer = sqlite_base.checkpointer(str(database))
    with transaction.atomic(using=ALIAS):
        connection.cursor().execute("INSERT INTO log (writer, step) VALUES ('b', 'open')")
        checkpointer.request()
        checkpointer.wait()
        frames, copied = _wal_index(database)
        assert 0 < copied <= frames
    assert [row[0] for row in sqlite3.connect(database).execute("SELECT writer FROM log")] == [
        "a",
        "b",
    ]
