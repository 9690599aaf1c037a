"""One writer at a time on a SQLite file, queued by the kernel instead of SQLite's back-off.

SQLite lets one connection write at a time. A second writer that finds the lock taken sleeps
in SQLite's busy handler (1, 2, 5, 10, 15, 20, 25, 25, 50, 50, 100 ms ...) and tries again,
so under load the workers sleep while the lock is free. Every write transaction of every
process on the node (web workers, the task worker, commands) first takes an exclusive
`flock` on a file beside the database; a waiter sleeps in the kernel and is woken the moment
the holder releases it, in order of arrival. The kernel releases the lock of a process that
dies, however it dies. SQLite's own busy timeout stays as the safety net for writers that do
not take this lock (the sqlite3 shell, a backup tool).

The wait is bounded: after `timeout` seconds the writer gets the same `OperationalError` as a
SQLite busy timeout. The bound is kept by a SIGALRM timer where that is safe (the main thread
with no timer of its own armed: gunicorn's sync workers, the task worker, commands); in other
threads (the development server) the waiter polls every millisecond instead.
"""

from __future__ import annotations

import fcntl
import os
import signal
import sqlite3
import threading
import time

POLL_SECONDS = 0.001


class _TimedOut(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _TimedOut


class WriteLock:
    """An exclusive lock on `path`, held by one connection (one open file description)."""

    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self.held = False
        self._open()

    def _open(self) -> None:
        self._pid = os.getpid()
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o660)

    def acquire(self) -> None:
        """Take the lock, waiting at most `timeout` seconds; raises sqlite3.OperationalError."""
        if self._pid != os.getpid():
            # A forked child shares the parent's open file, and with it the parent's lock.
            os.close(self._fd)
            self._open()
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not self._wait():
                raise sqlite3.OperationalError(
                    f"database is locked: no write lock after {self.timeout:g} s ({self.path})"
                ) from None
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self.held = False
        os.close(self._fd)

    def _wait(self) -> bool:
        if threading.current_thread() is threading.main_thread() and not any(
            signal.getitimer(signal.ITIMER_REAL)
        ):
            return self._wait_in_kernel()
        return self._poll()

    def _wait_in_kernel(self) -> bool:
        previous = signal.signal(signal.SIGALRM, _alarm)
        try:
            signal.setitimer(signal.ITIMER_REAL, self.timeout)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            signal.setitimer(signal.ITIMER_REAL, 0)
            return True
        except _TimedOut:
            # The alarm may have come just after the lock was granted: give it back.
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            return False
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def _poll(self) -> bool:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            return True
        return False
