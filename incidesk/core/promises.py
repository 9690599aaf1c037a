"""Work a change promises is recorded in the change's own transaction, and work a dead process
left behind is handed out again.

`promise(task, *args)` is the one way the code queues background work. With the database queue
(django-tasks-db, the default) it writes the task row itself inside the transaction: the worker
cannot see it before the commit and a rollback removes it. A queue outside the database (RQ)
would see a job enqueued inside the transaction at once, even if the transaction then rolls
back, so there the promise is an outbox row (`core.models.Promise`) relayed to the queue after
the commit and, if the process died between the commit and the relay, by the worker's sweep.
`transaction.on_commit` alone is not enough: the process can die between the two.

One worker across all nodes runs `sweep()` every minute (`core.scheduler.claim`); each step is
also safe on several nodes at once and every task is idempotent, so a double relay or a double
run sends nothing twice:

- outbox rows older than `RELAY_AFTER` are relayed;
- database tasks RUNNING for longer than `INCIDESK_TASK_LEASE` (their worker was killed) are
  made READY again; on RQ, relayed jobs carry retries, and RQ's own maintenance
  (`StartedJobRegistry.cleanup`, run by every worker) requeues a job whose worker stopped
  sending heartbeats, as `AbandonedJobError`;
- the steps other apps register in `SWEEPS` (e-mails left `sending`, see `mail.sending`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task
from django_tasks.utils import get_random_id, normalize_json
from django_tasks_db import DatabaseBackend
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from incidesk.core.compiled import insert_new
from incidesk.core.models import Promise
from incidesk.core.wakeup import announce

logger = logging.getLogger(__name__)

# An outbox row this old was not relayed by the process that wrote it: the sweep relays it.
RELAY_AFTER = timedelta(seconds=30)
# How often RQ runs a relayed job again after its worker died (or the job raised).
RQ_RETRIES = 3
# The periodic work: the recovery steps of the sweep, run once a minute across all nodes
# (`core.scheduler`); each takes the moment before which a lease expired.
SWEEPS = (
    "incidesk.core.promises.relay_overdue",
    "incidesk.core.promises.release_abandoned_tasks",
    "incidesk.mail.sending.release_abandoned",
    "incidesk.automation.scheduled.promise_run",  # not a recovery: scheduled triggers' minute
    "incidesk.core.ratelimits.delete_past_windows",  # not a recovery: counters of past windows
)


def promise(task: Task[..., Any], *args: Any, run_after: datetime | None = None) -> None:
    """Record that `task(*args)` must run (not before `run_after`), in the current transaction.
    Arguments are ids and JSON-safe values."""
    if run_after is not None:
        task = task.using(run_after=run_after)
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)  # the task row commits or rolls back with the change
        return
    row = Promise.objects.create(
        task_path=task.module_path, args=normalize_json(list(args)), run_after=run_after
    )
    # Robust: with Redis away the committed change must not fail; the sweep relays the row.
    # (A lambda, not a partial: Django's robust hook logs the function's __qualname__.)
    transaction.on_commit(lambda: relay([row.pk]), robust=True)


@dataclass(frozen=True)
class Promised:
    """One piece of promised work, for `promise_all`."""

    task: Task[..., Any]
    args: tuple[Any, ...]
    run_after: datetime | None = None


def promise_all(promised: list[Promised]) -> None:
    """`promise` for several tasks in one INSERT: registering an incident promises its two
    clocks' first checks and its notifications, and each row is a round trip inside the
    transaction."""
    in_database = {isinstance(p.task.get_backend(), DatabaseBackend) for p in promised}
    if in_database == {True}:
        tasks = [_task_row(p) for p in promised]
        insert_new(tasks)
        announce(task.run_after for task in tasks)  # SQLite's workers (PostgreSQL: a trigger)
        return
    if in_database != {False}:  # tasks on different backends: one at a time
        for p in promised:
            promise(p.task, *p.args, run_after=p.run_after)
        return
    rows = Promise.objects.bulk_create(
        [
            Promise(
                task_path=p.task.module_path,
                args=normalize_json(list(p.args)),
                run_after=p.run_after,
            )
            for p in promised
        ]
    )
    pks = [row.pk for row in rows]
    transaction.on_commit(lambda: relay(pks), robust=True)


def _task_row(promised: Promised) -> DBTaskResult[Any, Any]:
    """The row django-tasks-db's `enqueue` would write for `promised` (the same fields; "no
    earlier than" is its far-future marker, which its `pre_save` handler sets and
    `bulk_create` does not run)."""
    task, run_after = promised.task, promised.run_after
    backend = task.get_backend()
    _validate(task, backend, run_after)
    return DBTaskResult(
        args_kwargs=normalize_json({"args": list(promised.args), "kwargs": {}}),
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=run_after or task.run_after or get_date_max(),
        backend_name=backend.alias,
    )


# The module-level tasks found valid with their backend, deferred or not (`_validate`).
_VALID: set[tuple[Any, ...]] = set()


def _validate(task: Task[..., Any], backend: BaseTaskBackend, run_after: datetime | None) -> None:
    """The backend's `validate_task` of `task.using(run_after=run_after)`, as `enqueue` runs
    it; at most once per task, backend and kind of `run_after` (none, aware, naive) for the
    tasks as their modules define them: the checks read only those (and `USE_TZ`), and
    `validate_task` inspects the function's signature, a good part of a registration's
    promises."""
    if task.run_after is not None:  # a task made with its own run_after: not kept
        backend.validate_task(task.using(run_after=run_after) if run_after else task)
        return
    kind = None if run_after is None else run_after.utcoffset() is not None
    key = (task, backend, kind, settings.USE_TZ)
    if key not in _VALID:
        backend.validate_task(task.using(run_after=run_after) if run_after else task)
        _VALID.add(key)


def claim_due(task: Task[..., Any], at: datetime, limit: int) -> list[DBTaskResult[Any, Any]]:
    """Up to `limit` runs of `task` due by `at` in the database queue, earliest due first,
    locked in the current transaction (rows another worker holds are skipped): for a task that
    works off a backlog of its own kind set-wise, then `finish_claimed`s the rows it did in the
    same transaction. None with a queue outside the database (each job runs by itself there)."""
    if limit < 1 or not isinstance(task.get_backend(), DatabaseBackend):
        return []
    due = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=task.module_path, run_after__lte=at
    )
    return list(due.order_by("run_after").select_for_update(skip_locked=True)[:limit])


def finish_claimed(rows: list[DBTaskResult[Any, Any]], at: datetime) -> None:
    """Mark claimed runs done, as the worker would have after running each (one UPDATE)."""
    DBTaskResult.objects.filter(pk__in=[row.pk for row in rows]).update(
        status=TaskResultStatus.SUCCESSFUL, started_at=at, finished_at=at
    )


def relay(ids: Iterable[int]) -> int:
    """Hand outbox rows to their queue and delete them; returns how many. A row another process
    is relaying is skipped (locked); one enqueued twice by a crash before the delete commits
    runs twice, which idempotent tasks allow."""
    count = 0
    for pk in ids:
        with transaction.atomic():
            row = Promise.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if row is None:
                continue
            _enqueue(row)
            row.delete()
            count += 1
    return count


def relay_overdue(expired: datetime) -> int:
    """The sweep's relay: outbox rows the writing process did not relay (it died), once older
    than `RELAY_AFTER` (or the lease, if that is shorter)."""
    cutoff = max(expired, timezone.now() - RELAY_AFTER)
    overdue = Promise.objects.filter(created_at__lt=cutoff).order_by("pk")
    return relay(list(overdue.values_list("pk", flat=True)))


def release_abandoned_tasks(expired: datetime) -> int:
    """Database tasks a dead worker left RUNNING (started before `expired`) are run again."""
    released = (
        DBTaskResult.objects.running()
        .filter(started_at__lt=expired)
        .update(status=TaskResultStatus.READY)
    )
    if released:
        announce([None])  # SQLite's workers look at once (PostgreSQL: a trigger)
    return released


def sweep() -> dict[str, int]:
    """Run every recovery step once; returns how much each one handed out again."""
    expired = timezone.now() - timedelta(seconds=settings.INCIDESK_TASK_LEASE)
    done = {}
    for path in SWEEPS:
        done[path.rpartition(".")[2]] = import_string(path)(expired)
    return done


def _enqueue(row: Promise) -> None:
    task: Task[..., Any] = import_string(row.task_path)
    if row.run_after is not None:
        task = task.using(run_after=row.run_after)
    backend = task.get_backend()
    if type(backend).__module__.startswith("django_tasks_rq"):
        _enqueue_rq(task, row.args)
    else:
        task.enqueue(*row.args)


def _enqueue_rq(task: Task[..., Any], args: list[Any]) -> None:
    """django-tasks-rq's enqueue, plus retries (which RQ also spends on a job whose worker
    died) and the lease as the job's timeout."""
    import django_rq
    from django_tasks_rq.backend import Job, failed_callback, success_callback
    from rq import Callback, Retry
    from rq.job import JobStatus

    queue = django_rq.get_queue(task.queue_name, job_class=Job)
    job = queue.create_job(
        task.module_path,
        args=args,
        kwargs={},
        timeout=settings.INCIDESK_TASK_LEASE,
        job_id=get_random_id(),
        status=JobStatus.SCHEDULED if task.run_after else JobStatus.QUEUED,
        retry=Retry(max=RQ_RETRIES),
        on_failure=Callback(failed_callback),
        on_success=Callback(success_callback),
        meta={"backend_name": task.backend},
    )
    if task.run_after is None:
        queue.enqueue_job(job)
    else:
        queue.schedule_job(job, task.run_after)
