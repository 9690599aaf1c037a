"""The hand-off with real processes (slow): a web process that dies right after its commit, a
worker SIGKILLed while sending the mail, a second worker that finds the work after the lease;
the customer gets their acknowledgement exactly once. On the database queue and on RQ (Redis on
127.0.0.1:6379, database 13, emptied before and after)."""

from __future__ import annotations

import asyncio
import email
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from django.db import connection
from rq import Queue
from rq.registry import StartedJobRegistry

from incidesk.core.tests.servers import free_port

pytestmark = pytest.mark.slow

LEASE = 3  # seconds: the workers' INCIDESK_TASK_LEASE
REDIS_URL = "redis://127.0.0.1:6379/13"
CUSTOMER = "ivan@example.com"

CREATE_AND_DIE = f"""
import os
from django.db import connection
from incidesk.accounts.models import User
from incidesk.incidents import actions

customer = User.objects.create_user("{CUSTOMER}", role="customer")
connection.run_and_clear_commit_hooks = lambda: os._exit(0)  # dies after the commit
actions.do_create_incident(actor=customer, title="Принтер не печатает")
raise SystemExit("the commit did not happen")
"""

PROMISED = """
from django_tasks_db.models import DBTaskResult
from incidesk.core.models import Promise
from incidesk.mail.models import OutgoingMail
task = "incidesk.notifications.tasks.deliver_notifications"
print(
    Promise.objects.filter(task_path=task).count(),
    DBTaskResult.objects.filter(task_path=task).count(),
    OutgoingMail.objects.count(),
)
"""

MAIL = """
from django_tasks_db.models import DBTaskResult
from incidesk.mail.models import OutgoingMail
(mail,) = OutgoingMail.objects.all()
print(mail.state, mail.attempts, mail.message_id, DBTaskResult.objects.running().count())
"""


class HangingSmtp:
    """A real SMTP server whose first message never gets its answer (the sender is killed while
    waiting); later ones are kept."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.first_arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:
        if not self.first_arrived.is_set():
            self.first_arrived.set()
            await asyncio.sleep(3600)
        self.received.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


class Desk:
    """Incidesk commands as separate processes on their own database."""

    def __init__(self, data_dir: Path, **env: str) -> None:
        self.data_dir = data_dir
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        self.env.update(INCIDESK_DATA_DIR=str(data_dir), INCIDESK_TASK_LEASE=str(LEASE), **env)
        self.workers: list[subprocess.Popen] = []

    def command(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "incidesk.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    def shell(self, script: str) -> str:
        done = self.command("shell", "-v0", "-c", script)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def start_worker(self) -> subprocess.Popen:
        log = (self.data_dir / f"worker-{len(self.workers)}.log").open("w")
        worker = subprocess.Popen(
            [sys.executable, "-m", "incidesk.cli", "worker", "--sweep-interval", "1"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            process_group=0,  # SIGKILL reaches RQ's work-horse too
        )
        self.workers.append(worker)
        return worker

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.data_dir.glob("worker-*.log")))

    def stop(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()


def _server_dsn(database: str) -> str:
    params = connection.settings_dict
    host, user = params["HOST"] or "127.0.0.1", params["USER"] or "postgres"
    return f"postgres://{user}@{host}:{params['PORT'] or 5432}/{database}"


@pytest.fixture
def database(request) -> dict[str, str]:
    """A database of the test's own, a copy of the run's migrated one: a SQLite file in the
    data folder, or a PostgreSQL database when the tests run on PostgreSQL."""
    if connection.vendor != "postgresql":
        request.getfixturevalue("migrated_data_dir")  # into the test's tmp_path
        return {}
    return {"DATABASE_URL": _server_dsn(request.getfixturevalue("migrated_postgres").copy())}


@pytest.fixture
def redis_db() -> Iterator[None]:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield
    client.flushdb()


@pytest.fixture
def smtp() -> Iterator[tuple[HangingSmtp, dict[str, str]]]:
    sink, port = HangingSmtp(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)}
    controller.stop()


def _abandoned_jobs_requeued() -> list[str | None]:
    """What RQ's cleanup of the started registry (run by every worker every 10 minutes) puts
    back in the queue, run now as if the heartbeat had expired: relayed jobs carry retries."""
    queue = Queue("default", connection=redis.Redis.from_url(REDIS_URL))
    StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 3600)
    return [job.func_name for job in queue.get_jobs()]


def _wait_for(condition, seconds: float, what: str, desk: Desk) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen:\n{desk.logs()}"
        time.sleep(0.2)


@pytest.mark.parametrize("queue", ["database", "rq"])
def test_the_acknowledgement_survives_a_dead_web_process_and_a_killed_worker(
    queue, tmp_path, database, smtp, request
):
    sink, mail_server = smtp
    env = {**database, **mail_server}
    if queue == "rq":
        request.getfixturevalue("redis_db")
        env["REDIS_URL"] = REDIS_URL
    desk = Desk(tmp_path, **env)
    try:
        migrated = desk.command("migrate", "-v0")
        assert migrated.returncode == 0, migrated.stderr

        created = desk.command("shell", "-c", CREATE_AND_DIE)
        assert created.returncode == 0, created.stderr  # os._exit(0) right after the commit
        outbox, tasks, mails = map(int, desk.shell(PROMISED).split())
        # The promise outlived the process: the task row, or on RQ the outbox row.
        assert (outbox, tasks, mails) == ((1, 0, 0) if queue == "rq" else (0, 1, 0))
        if queue == "rq":  # and nothing reached Redis before the relay
            assert not redis.Redis.from_url(REDIS_URL).keys("rq:job:*")

        first = desk.start_worker()
        _wait_for(sink.first_arrived.is_set, 60, "the first send", desk)
        os.killpg(first.pid, signal.SIGKILL)  # while the SMTP server has not answered
        first.wait()
        state, attempts, _, running = desk.shell(MAIL).split()
        assert (state, attempts) == ("sending", "1")
        if queue == "rq":  # RQ's own maintenance, once the dead worker's heartbeat expired
            assert _abandoned_jobs_requeued() == ["incidesk.mail.tasks.send_outgoing_mail"]

        desk.start_worker()
        _wait_for(lambda: sink.received, 60, "the second send", desk)
        time.sleep(2 * LEASE + 2)  # more sweeps: nothing is sent twice
        (message,) = sink.received
        state, attempts, message_id, running = desk.shell(MAIL).split()
        assert (state, attempts, running) == ("sent", "2", "0")
        assert message["Message-ID"] == message_id
        assert message["To"] == CUSTOMER
    finally:
        desk.stop()
