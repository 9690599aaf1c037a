"""The database queue's worker: django-tasks-db's own `Worker`, which sleeps instead of polling.

The library's worker looks for a task every `--interval` seconds (a transaction each time, and
a task queued meanwhile waits for the next look). This one runs the library's loop in batch
mode (claim and run every task that is ready, stop when none is), then sleeps until the
earliest of: the next READY task's `run_after` (an SLA check falling due), a wake-up announcing
a new task (`core.wakeup`: NOTIFY on PostgreSQL, a datagram on SQLite), or the safety interval
`INCIDESK_WORKER_POLL_SECONDS`, the most a task whose wake-up was lost waits. An idle worker
does no database work between those times. Claiming, running, marking results and signals
are the library's, so delivery stays at least once (the sweep re-readies a task whose worker
died)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from django.db import close_old_connections, connections
from django.db.models import Min
from django.utils.crypto import get_random_string
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from incidesk.core import wakeup

logger = logging.getLogger(__name__)

# Seconds between looks while the database is locked by another writer (SQLite), or a ready
# task is held by another worker's transaction (a batch of SLA checks it claimed).
RETRY = 1.0
# The library logs these at the start and the end of each batch; here a batch is one wake-up.
_BATCH_MESSAGES = ("No more tasks to run",)


class _QuietBatches(logging.Filter):
    """Drops the library's per-batch "exiting" message, and "Starting worker" after the first."""

    def __init__(self) -> None:
        super().__init__()
        self.started = False

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith("Starting worker"):
            seen, self.started = self.started, True
            return not seen
        return not message.startswith(_BATCH_MESSAGES)


def keep_connections() -> None:
    """A worker looks once a minute when idle: with persistent connections configured
    (`CONN_MAX_AGE` > 0) it keeps its own for good, checked before each look (Django's
    health check), instead of reconnecting at every look. 0 (a pooling proxy) is kept."""
    for wrapper in connections.all(initialized_only=False):
        if wrapper.settings_dict.get("CONN_MAX_AGE"):
            wrapper.settings_dict["CONN_MAX_AGE"] = None


class WakingWorker(Worker):
    """django-tasks-db's worker, asleep between due times and wake-ups."""

    def __init__(self, queue_names: Sequence[str], safety_interval: float) -> None:
        super().__init__(
            queue_names=list(queue_names),
            interval=RETRY,
            batch=True,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=True,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        self.safety_interval = safety_interval

    def run(self) -> None:
        keep_connections()
        quiet = _QuietBatches()
        library_logger = logging.getLogger("django_tasks_db")
        library_logger.addFilter(quiet)
        listener = wakeup.listen()  # before the first look: nothing committed after it is missed
        try:
            while self.running:
                super().run()  # every ready task, then back here
                self.startup_delay = False
                self.sleep(listener, self.next_due())
        finally:
            listener.close()
            library_logger.removeFilter(quiet)

    def next_due(self) -> float:
        """When the earliest READY task of these queues falls due (epoch seconds), or never."""
        rows = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, backend_name=self.backend_name
        )
        if not self.process_all_queues:
            rows = rows.filter(queue_name__in=self.queue_names)
        earliest = rows.aggregate(at=Min("run_after"))["at"]
        close_old_connections()
        return float("inf") if earliest is None else wakeup.due_epoch(earliest)

    def sleep(self, listener: wakeup.Listener, due: float) -> None:
        """Until `due`, an announced task due by then, or the safety interval."""
        now = time.time()
        # A task that is due but was not claimable is held by another worker's transaction.
        until = min(max(due, now + RETRY), now + self.safety_interval)
        while (left := until - time.time()) > 0:
            announced = listener.wait(left)
            if announced is None:
                return
            if announced <= time.time():
                logger.debug("woken: a task is due")
                return
            until = min(until, announced)
