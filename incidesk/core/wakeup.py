"""Waking an idle task worker when a task is queued, so it sleeps instead of polling.

A committed task row announces itself with the time it falls due (0: at once):

- PostgreSQL: a statement trigger on the task table (core migration 0006) sends
  `NOTIFY incidesk_tasks, '<epoch>'` with the earliest due time among the rows it wrote that
  are READY. The server delivers it at the commit (never for a rollback), to every node's
  worker, whatever wrote the row (the ORM, `bulk_create`, the sweep's UPDATE, psql).
- SQLite (one node by definition): the committing process sends the same text as a datagram
  to each worker's Unix socket in `DATA_DIR/wake/` after the commit (`announce`). It never
  blocks and never fails the caller: no worker listening, a full socket buffer or a stale
  socket are ignored.

A lost wake-up (the worker was restarting, a path the ORM hook does not see) only costs the
worker's safety interval, `INCIDESK_WORKER_POLL_SECONDS`: it looks then anyway.
"""

from __future__ import annotations

import logging
import math
import os
import select
import socket
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

logger = logging.getLogger(__name__)

CHANNEL = "incidesk_tasks"
NOW = 0.0  # "due at once" as announced: tasks without a run_after
# django-tasks-db's far-future marker for "no run_after" (9999-01-01) and anything beyond.
FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC).timestamp()

_sender: socket.socket | None = None


def due_epoch(run_after: datetime | None) -> float:
    """The due time as announced: seconds since the epoch, NOW for "at once"."""
    if run_after is None:
        return NOW
    epoch = run_after.timestamp()
    return NOW if epoch >= FAR_FUTURE else epoch


def parse(payload: str | bytes) -> float:
    """An announced due time; anything unreadable means "look now"."""
    try:
        value = float(payload)
    except ValueError:
        return NOW
    return value if math.isfinite(value) and value < FAR_FUTURE else NOW


def wake_dir() -> Path:
    return Path(settings.DATA_DIR) / "wake"


def announce(run_afters: Iterable[datetime | None], using: str = DEFAULT_DB_ALIAS) -> None:
    """After the current transaction commits (at once in autocommit), tell the local workers
    when the task rows just written fall due. PostgreSQL's trigger does this itself."""
    if connections[using].vendor == "postgresql":
        return
    due = min((due_epoch(at) for at in run_afters), default=None)
    if due is not None:
        transaction.on_commit(partial(poke, due), using=using, robust=True)


def poke(due: float) -> int:
    """Send the due time to every worker socket in the data dir; returns how many took it."""
    global _sender
    folder = wake_dir()
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    if _sender is None:
        _sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        _sender.setblocking(False)
    payload, sent = repr(due).encode(), 0
    for name in names:
        path = folder / name
        try:
            _sender.sendto(payload, str(path))
            sent += 1
        except BlockingIOError:
            sent += 1  # its buffer is full of wake-ups it has yet to read
        except ConnectionRefusedError:
            path.unlink(missing_ok=True)  # a worker that died without removing its socket
        except OSError:
            continue
    return sent


class Listener(Protocol):
    def wait(self, timeout: float) -> float | None:
        """Block up to `timeout` s; the earliest due time announced meanwhile, None if none."""

    def close(self) -> None: ...


class SocketListener:
    """This worker's socket in the data dir (SQLite)."""

    def __init__(self) -> None:
        folder = wake_dir()
        folder.mkdir(exist_ok=True)
        self.path = folder / f"{os.getpid()}.sock"
        self.path.unlink(missing_ok=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self.sock.bind(str(self.path))
        except OSError:
            self.sock.close()
            raise
        self.sock.setblocking(False)

    def wait(self, timeout: float) -> float | None:
        readable, _, _ = select.select([self.sock], [], [], max(timeout, 0.0))
        if not readable:
            return None
        due: float | None = None
        while True:
            try:
                payload = self.sock.recv(64)
            except BlockingIOError:
                return due
            at = parse(payload)
            due = at if due is None else min(due, at)

    def close(self) -> None:
        self.sock.close()
        self.path.unlink(missing_ok=True)


class PostgresListener:
    """A connection of its own, LISTENing; it reconnects after a failure and then reports
    "due now", since announcements may have been missed meanwhile."""

    RETRY = 5.0  # seconds between attempts to reconnect

    def __init__(self, using: str = DEFAULT_DB_ALIAS) -> None:
        self.using = using
        self.wrapper: Any = None
        self._connect()

    def _connect(self) -> None:
        wrapper = connections.create_connection(self.using)
        wrapper.ensure_connection()
        wrapper.connection.autocommit = True
        wrapper.connection.execute(f"LISTEN {CHANNEL}")
        self.wrapper = wrapper

    def wait(self, timeout: float) -> float | None:
        timeout = max(timeout, 0.0)
        if self.wrapper is None:
            try:
                self._connect()
            except Exception:
                logger.warning("the task wake-up connection failed; retrying", exc_info=True)
                select.select([], [], [], min(timeout, self.RETRY))
                return None
            return NOW
        try:
            connection = self.wrapper.connection
            until = time.monotonic() + timeout
            # Waiting on the socket here: psycopg's own wait wakes every 0.1 s to see signals.
            while not (due := [parse(n.payload) for n in connection.notifies(timeout=0.0)]):
                left = until - time.monotonic()
                if left <= 0:
                    return None
                select.select([connection.fileno()], [], [], left)
            return min(due)
        except Exception:
            logger.warning("the task wake-up connection broke; reconnecting", exc_info=True)
            self.close()
            return NOW

    def close(self) -> None:
        if self.wrapper is not None:
            try:
                self.wrapper.close()
            finally:
                self.wrapper = None


class Sleeper:
    """No wake-ups (a data dir whose path is too long for a Unix socket): only the timeout."""

    def wait(self, timeout: float) -> float | None:
        select.select([], [], [], max(timeout, 0.0))
        return None

    def close(self) -> None:
        return None


def listen(using: str = DEFAULT_DB_ALIAS) -> Listener:
    """The wake-up channel of the configured database, opened before the worker's first look so
    that a task committed after it is announced to it."""
    if connections[using].vendor == "postgresql":
        return PostgresListener(using)
    try:
        return SocketListener()
    except OSError:
        logger.warning("no wake-up socket in %s: the worker polls", wake_dir(), exc_info=True)
        return Sleeper()
