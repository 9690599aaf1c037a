"""The database queue's worker sleeps until a task is due or announced (`core.taskworker`,
`core.wakeup`): the announcements on each database, the sleep's arithmetic, and, as real
processes (slow), a worker that does no database work while idle, is woken by a commit in
another process and wakes by itself when a delayed task falls due."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from incidesk.core import wakeup
from incidesk.core.taskworker import WakingWorker
from incidesk.core.tests import migrated
from incidesk.mail.tasks import sweep_pending_mail

SAFETY = 60.0  # the worker's safety interval in the process tests: a wake-up, not a poll
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's socket")
SLEEPY = ("--sweep-interval", "3600")  # no sweep while the tests watch
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="NOTIFY")


class Announced:
    """A fake listener: hands out the announcements given, records each wait's timeout."""

    def __init__(self, *announced: float | None) -> None:
        self.announced = list(announced)
        self.timeouts: list[float] = []

    def wait(self, timeout: float) -> float | None:
        self.timeouts.append(timeout)
        return self.announced.pop(0) if self.announced else None

    def close(self) -> None:
        return None


def test_the_worker_sleeps_until_the_next_due_time_or_an_earlier_announcement():
    worker = WakingWorker(["default"], safety_interval=SAFETY)

    listener = Announced()
    worker.sleep(listener, time.time() + 30)
    assert listener.timeouts == [pytest.approx(30, abs=1)]

    listener = Announced()
    worker.sleep(listener, float("inf"))  # nothing queued: the safety interval
    assert listener.timeouts == [pytest.approx(SAFETY, abs=1)]

    listener = Announced(time.time() + 10)  # a task due sooner than the next one known
    worker.sleep(listener, time.time() + 30)
    assert listener.timeouts == [pytest.approx(30, abs=1), pytest.approx(10, abs=1)]

    listener = Announced(wakeup.NOW)  # a task due at once
    worker.sleep(listener, time.time() + 30)
    assert len(listener.timeouts) == 1


def test_a_due_task_another_worker_holds_is_looked_at_again_after_a_pause():
    """A ready row locked by another worker's transaction is not claimable: no busy loop."""
    listener = Announced()
    WakingWorker(["default"], safety_interval=SAFETY).sleep(listener, time.time() - 5)
    assert listener.timeouts == [pytest.approx(1, abs=0.5)]


def test_a_poke_with_no_worker_listening_neither_blocks_nor_fails(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    assert wakeup.poke(wakeup.NOW) == 0  # no wake/ folder at all

    (tmp_path / "wake").mkdir()
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    dead.bind(str(tmp_path / "wake" / "1.sock"))
    dead.close()  # a worker killed without removing its socket
    assert wakeup.poke(wakeup.NOW) == 0
    assert not (tmp_path / "wake" / "1.sock").exists()


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_on_sqlite_a_commit_pokes_each_worker_with_the_earliest_due_time(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    listener = wakeup.SocketListener()
    try:
        later = timezone.now() + timedelta(minutes=30)
        with transaction.atomic():
            sweep_pending_mail.using(run_after=later).enqueue()
            assert listener.wait(0) is None  # not before the commit
        assert listener.wait(1) == pytest.approx(later.timestamp())

        with transaction.atomic():
            sweep_pending_mail.enqueue()
            transaction.set_rollback(True)
        assert listener.wait(0) is None  # nothing for a rollback

        sweep_pending_mail.enqueue()  # autocommit: at once
        assert listener.wait(1) == wakeup.NOW
    finally:
        listener.close()
    assert not (tmp_path / "wake" / f"{os.getpid()}.sock").exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_committed_task_row_notifies_the_workers():
    listener = wakeup.PostgresListener()
    try:
        later = timezone.now() + timedelta(minutes=30)
        with transaction.atomic():
            sweep_pending_mail.using(run_after=later).enqueue()
            sweep_pending_mail.using(run_after=later + timedelta(hours=1)).enqueue()
        assert listener.wait(2) == pytest.approx(later.timestamp())  # the earliest
        assert listener.wait(0) is None  # all read at once

        with transaction.atomic():
            sweep_pending_mail.enqueue()
            transaction.set_rollback(True)
        assert listener.wait(0.5) is None

        sweep_pending_mail.enqueue()
        assert listener.wait(2) == wakeup.NOW
    finally:
        listener.close()


# Real processes: a worker on a database of its own, tasks queued by other processes.


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", *args], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def desk(tmp_path_factory, request) -> dict[str, str]:
    """The environment of a migrated desk of its own: SQLite in a data dir, or a PostgreSQL
    database when the tests run on PostgreSQL, each a copy of the run's migrated one."""
    data_dir = tmp_path_factory.mktemp("desk")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(INCIDESK_DATA_DIR=str(data_dir), PYTHONPATH=str(Path.cwd()))
    env.update(INCIDESK_WORKER_POLL_SECONDS=f"{SAFETY:g}")
    if connection.vendor == "postgresql":
        template = request.getfixturevalue("migrated_postgres")
        env["DATABASE_URL"] = f"{template.server}/{template.copy()}"
    else:
        migrated.copy_into(request.getfixturevalue("migrated_sqlite"), data_dir)
    return env


class Worker:
    """`incidesk worker` as a process, every statement of its connections logged."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "incidesk.core.tests.worker_probe", "worker", *SLEEPY],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def queries(self) -> int:
        return self.log.read_text().count("query: ")

    def settle(self) -> None:
        """Until it started and has been asleep for a second (its first look and sweep done)."""
        deadline = time.monotonic() + 60
        seen = -1
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            now = self.queries()
            if "Starting worker" in self.log.read_text() and now == seen:
                return
            seen = now
            time.sleep(1)
        pytest.fail(f"the worker did not settle:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


@pytest.fixture(scope="module")
def worker(desk, tmp_path_factory) -> Iterator[Worker]:
    worker = Worker(desk, tmp_path_factory.mktemp("worker") / "worker.log")
    worker.settle()
    yield worker
    worker.stop()


def _enqueue(desk: dict[str, str], seconds: float = 0) -> dict[str, Any]:
    """Queue a task from another process, which waits for it to finish; its times."""
    args = ["incidesk.core.tests.worker_probe", "enqueue", f"{seconds:g}"]
    return json.loads(_run(desk, *args).splitlines()[-1])


@pytest.mark.slow
def test_an_idle_worker_does_no_database_work(worker):
    before = worker.queries()
    time.sleep(3)
    assert worker.queries() == before


@pytest.mark.slow
def test_a_task_committed_in_another_process_wakes_the_sleeping_worker(desk, worker):
    done = _enqueue(desk)

    assert done["status"] == "SUCCESSFUL"
    # It would poll only after SAFETY (60 s): started this soon, it was woken.
    assert done["started"] - done["committed"] < SAFETY / 10
    before = worker.queries()
    time.sleep(2)
    assert worker.queries() == before  # and asleep again


@pytest.mark.slow
def test_the_worker_wakes_by_itself_when_a_delayed_task_falls_due(desk, worker):
    done = _enqueue(desk, seconds=2)

    assert done["status"] == "SUCCESSFUL"
    assert done["due"] <= done["started"] < done["due"] + SAFETY / 10
