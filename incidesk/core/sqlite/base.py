"""Django's SQLite backend with writers queued on a kernel lock (`core.writelock`).

A cursor takes the connection's write lock before a statement that writes or begins a
transaction (`BEGIN IMMEDIATE` of every atomic block, an INSERT/UPDATE/DELETE in autocommit)
and keeps it while SQLite's transaction is open; commit and rollback release it. Nested atomic
blocks are savepoints inside the held lock. An in-memory database has no lock (one process).

SQLite's own WAL checkpoint runs inside the commit that takes the log past 1,000 pages, so
it ran under the node's write lock and held every other writer up while it copied pages and
synced the files (about one registration in fourteen). Here a process checkpoints every
`CHECKPOINT_EVERY` write turns instead, once the turn released the lock: a PASSIVE
checkpoint, which waits for no reader and no writer, so the next writer goes on meanwhile.
It runs on a thread of the process's own (`Checkpointer`), not in the request that ended the
turn: its two `fsync`s take 5–10 ms on a virtual disk, which the request would otherwise wait
out before its answer, with its worker idle. SQLite's own checkpoint stays, at
`BACKSTOP_PAGES`, for a single huge transaction.

The `%s` placeholders of a statement are rewritten as SQLite's `?` once per process and SQL
text (Django's regular expression took 17 µs on each run of a registration's INSERT).
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import sqlite3
import threading
from contextlib import suppress
from functools import lru_cache
from typing import Any

from django.db.backends.sqlite3 import base

from incidesk.core.writelock import WriteLock

log = logging.getLogger(__name__)

# Write turns of one process between its checkpoints. A registration writes about 70 WAL
# pages, so two web workers and the task worker leave at most a few thousand pages between
# checkpoints: a page several turns changed is copied to the database file once. Counted per
# process, not per connection, so connections closed after each request checkpoint too.
CHECKPOINT_EVERY = 16
BACKSTOP_PAGES = 10_000
_turns = itertools.count(1)

_TAKES_WRITE_LOCK = ("BEGIN", "INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


class LockingCursor(base.SQLiteCursorWrapper):
    write_lock: WriteLock | None = None
    database = ""  # the file, for its checkpointer

    def execute(self, query: str, params: Any = None) -> Any:
        lock = self.write_lock
        if lock is None:
            return super().execute(query, params)
        if not lock.held and query.lstrip()[:7].upper().startswith(_TAKES_WRITE_LOCK):
            lock.acquire()
        try:
            return super().execute(query, params)
        finally:
            if lock.held and not self.connection.in_transaction:
                end_turn(lock, self.database)

    def convert_query(self, query: str, *, param_names: list[str] | None = None) -> str:
        if param_names is None:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)

    def executemany(self, query: str, param_list: Any) -> Any:
        lock = self.write_lock
        if lock is None:
            return super().executemany(query, param_list)
        if not lock.held:
            lock.acquire()
        try:
            return super().executemany(query, param_list)
        finally:
            if lock.held and not self.connection.in_transaction:
                end_turn(lock, self.database)


def end_turn(lock: WriteLock, database: str) -> None:
    """Release the write lock; every `CHECKPOINT_EVERY`-th turn, have the WAL checkpointed."""
    lock.release()
    if next(_turns) % CHECKPOINT_EVERY == 0:
        checkpointer(database).request()


class Checkpointer:
    """A thread that checkpoints one database file's WAL when asked, with a connection of its
    own. Requests made while one is waiting are one checkpoint: the next copies every page
    committed by then."""

    def __init__(self, database: str) -> None:
        self.database = database
        self._requests: queue.Queue[None] = queue.Queue(maxsize=1)
        threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True).start()

    def request(self) -> None:
        with suppress(queue.Full):  # one is waiting already
            self._requests.put_nowait(None)

    def wait(self) -> None:
        """Until every checkpoint asked for so far has run."""
        self._requests.join()

    def _run(self) -> None:
        connection = sqlite3.connect(self.database, check_same_thread=False)
        while True:
            self._requests.get()
            try:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").close()
            except sqlite3.Error:
                # The turns are committed: a checkpoint that fails leaves the pages in the WAL
                # for the next one (or SQLite's backstop).
                log.warning("WAL checkpoint failed", exc_info=True)
            finally:
                self._requests.task_done()


# Per process (a forked worker starts its own thread) and database file.
_checkpointers: dict[tuple[int, str], Checkpointer] = {}
_checkpointers_lock = threading.Lock()


def checkpointer(database: str) -> Checkpointer:
    """This process's checkpointer for `database`, started at its first use."""
    key = (os.getpid(), database)
    with _checkpointers_lock:
        if key not in _checkpointers:
            _checkpointers[key] = Checkpointer(database)
        return _checkpointers[key]


# Bounded: statements with values written into their text (IN lists) vary without end.
@lru_cache(maxsize=1024)
def _qmark(query: str) -> str:
    """Django's "format" to "qmark" conversion (`SQLiteCursorWrapper.convert_query`)."""
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class DatabaseWrapper(base.DatabaseWrapper):
    write_lock: WriteLock | None = None

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if not self.is_in_memory_db():
            timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
            self.write_lock = WriteLock(f"{self.settings_dict['NAME']}-writelock", timeout)
            connection.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}").close()
        return connection

    def create_cursor(self, name: str | None = None) -> Any:
        cursor = self.connection.cursor(factory=LockingCursor)
        cursor.write_lock, cursor.database = self.write_lock, self.settings_dict["NAME"]
        return cursor

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # private in django-stubs
        finally:
            self._release_write_lock()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # private in django-stubs
        finally:
            self._release_write_lock()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]  # private in django-stubs
        finally:
            if self.write_lock is not None:
                self.write_lock.close()
                self.write_lock = None

    def _release_write_lock(self) -> None:
        lock = self.write_lock
        if lock is None or not lock.held:
            return
        if self.connection is None:
            lock.release()
        elif not self.connection.in_transaction:
            end_turn(lock, self.settings_dict["NAME"])
