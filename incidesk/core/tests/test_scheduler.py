"""One scheduler across nodes (`core.scheduler`): the periodic sweep runs once per interval
whoever asks, and on RQ one worker at a time moves the delayed jobs, another taking over when
it stops renewing its lock (Redis on 127.0.0.1:6379, database 10, on queues of the test's own;
skipped with the reason when Redis is not there)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import redis
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry

from incidesk.core.promises import promise
from incidesk.core.scheduler import SCHEDULER_LOCK, DelayedJobs, Scheduler, claim
from incidesk.mail.tasks import sweep_pending_mail

REDIS_URL = "redis://127.0.0.1:6379/10"


@pytest.mark.django_db
def test_periodic_work_is_claimed_once_per_interval(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    every = timedelta(seconds=60)

    assert [claim("report", every), claim("report", every)] == [True, False]
    time_machine.shift(timedelta(seconds=59))
    assert claim("report", every) is False
    time_machine.shift(timedelta(seconds=1))
    assert [claim("report", every), claim("report", every)] == [True, False]
    assert claim("another", every) is True


def _left_running() -> DBTaskResult:
    """A task as a killed worker leaves it: RUNNING since long before the lease."""
    row = DBTaskResult.objects.get(id=sweep_pending_mail.enqueue().id)
    row.status, row.started_at = "RUNNING", timezone.now() - timedelta(hours=1)
    row.save(update_fields=["status", "started_at"])
    return row


@pytest.mark.django_db(transaction=True)
def test_the_sweep_runs_once_per_interval_across_nodes(settings, time_machine):
    settings.REDIS_URL = ""
    time_machine.move_to(timezone.now(), tick=False)
    row = _left_running()

    assert Scheduler(["default"], sweep_every=60).periodic_turn()  # node A: handed out
    row.refresh_from_db()
    assert row.status == "READY"

    row = _left_running()
    assert not Scheduler(["default"], sweep_every=60).periodic_turn()  # B, the same minute
    row.refresh_from_db()
    assert row.status == "RUNNING"

    time_machine.shift(timedelta(seconds=60))
    assert Scheduler(["default"], sweep_every=60).periodic_turn()  # next minute, any node
    row.refresh_from_db()
    assert row.status == "READY"


@pytest.mark.django_db(transaction=True)
def test_each_worker_sleeps_until_the_sweep_is_due_instead_of_polling(settings, time_machine):
    settings.REDIS_URL = ""
    time_machine.move_to(timezone.now(), tick=False)

    assert Scheduler(["default"], sweep_every=60).sweep_turn() == 60  # A swept: a minute
    time_machine.shift(timedelta(seconds=45))
    assert Scheduler(["default"], sweep_every=60).sweep_turn() == 15  # B: A's turn's rest
    time_machine.shift(timedelta(seconds=14.5))
    assert Scheduler(["default"], sweep_every=60).sweep_turn() == 1  # at least a second


@pytest.mark.django_db
def test_on_the_database_queue_a_delayed_task_is_a_row_any_worker_runs_once_due(
    settings, time_machine, run_tasks
):
    """Nothing to elect: the row names no node, and whichever worker looks after its time
    runs it (a dead node's delayed tasks are run by the others)."""
    settings.REDIS_URL = ""
    time_machine.move_to(timezone.now(), tick=False)
    with transaction.atomic():
        promise(sweep_pending_mail, run_after=timezone.now() + timedelta(seconds=5))
    (row,) = DBTaskResult.objects.filter(task_path=sweep_pending_mail.module_path)

    run_tasks()
    row.refresh_from_db()
    assert (row.status, row.worker_ids) == ("READY", [])
    time_machine.shift(timedelta(seconds=5))
    run_tasks()
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"


@dataclass
class RqQueue:
    """A queue of the test's own on a real Redis; `schedule` puts a job in its scheduled
    registry, and every key the test made is deleted afterwards."""

    client: redis.Redis
    queue: Queue
    jobs: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.queue.name

    def schedule(self, seconds_from_now: float) -> Job:
        at = datetime.now(UTC) + timedelta(seconds=seconds_from_now)
        job = self.queue.enqueue_at(at, "builtins.len", "x")
        self.jobs.append(job.id)
        return job

    def scheduled(self) -> list[str]:
        return ScheduledJobRegistry(queue=self.queue).get_job_ids()

    def bidder(self, holder: str) -> DelayedJobs:
        return DelayedJobs([self.name], self.client, holder, ttl=1)

    def clean(self) -> None:
        keys = self.client.keys(f"*{self.name}*") + [f"rq:job:{job}" for job in self.jobs]
        self.client.delete(*keys)


@pytest.fixture
def rq_queue() -> Iterator[RqQueue]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379: RQ's scheduling needs a real one")
    queue = RqQueue(client, Queue(f"test-scheduler-{uuid.uuid4().hex[:8]}", connection=client))
    yield queue
    queue.clean()


def test_one_worker_moves_the_delayed_jobs_and_another_takes_over_when_it_dies(rq_queue):
    node_a, node_b = rq_queue.bidder("node-a:1"), rq_queue.bidder("node-b:2")
    due, later = rq_queue.schedule(-1), rq_queue.schedule(3600)

    assert (node_a.turn(), node_b.turn()) == ([rq_queue.name], [])
    assert rq_queue.client.get(SCHEDULER_LOCK % rq_queue.name) == b"node-a:1"
    assert rq_queue.queue.job_ids == [due.id]
    assert rq_queue.scheduled() == [later.id]

    overdue = rq_queue.schedule(-1)  # due while node A is dying: it never renews again
    assert node_b.turn() == []  # A's lock still runs
    assert rq_queue.queue.job_ids == [due.id]
    time.sleep(1.2)  # the lock's TTL

    assert node_b.turn() == [rq_queue.name]
    assert rq_queue.queue.job_ids == [due.id, overdue.id]
    assert rq_queue.scheduled() == [later.id]
    assert node_a.turn() == []  # a holder that comes back finds the lock taken


def test_a_clean_stop_hands_the_lock_over_at_once(rq_queue):
    node_a, node_b = rq_queue.bidder("node-a:1"), rq_queue.bidder("node-b:2")
    assert node_a.turn() == [rq_queue.name]

    node_a.release()
    due = rq_queue.schedule(-1)

    assert node_b.turn() == [rq_queue.name]
    assert rq_queue.queue.job_ids == [due.id]
