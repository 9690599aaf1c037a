"""`incidesk worker`: the background task worker of the configured queue (django-tasks-db's
worker, asleep until a task is due or announced, `core.taskworker`; or RQ's worker when
REDIS_URL is set), plus the scheduler (`core.scheduler`) in threads beside it: the recovery
sweep, once per interval across all nodes, and on RQ the moving of delayed jobs, by whichever
worker holds the scheduler lock. No cron job and no scheduler process of its own: every worker
can take either over when another node dies."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from incidesk.core.management.base import IncideskCommand
from incidesk.core.scheduler import FORK_GUARD, Scheduler
from incidesk.core.taskworker import WakingWorker


class Command(IncideskCommand):
    help = gettext_noop("Run the background task worker and the recovery sweep.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("queues", nargs="*", help=_("Queues to work on."))
        parser.add_argument(
            "--sweep-interval",
            type=float,
            default=60.0,
            help=_("Seconds between recovery sweeps."),
        )

    def handle(
        self,
        *args: Any,
        queues: Sequence[str],
        sweep_interval: float,
        verbosity: int = 1,
        **options: Any,
    ) -> None:
        queues = list(queues or settings.TASKS["default"]["QUEUES"])
        # RQ forks a process per job: never while the scheduler is inside SQLite, psycopg or
        # a Redis client, whose locks the child would inherit held (and hang on).
        os.register_at_fork(
            before=FORK_GUARD.acquire,
            after_in_parent=FORK_GUARD.release,
            after_in_child=FORK_GUARD.release,
        )
        scheduler = Scheduler(queues, sweep_interval)
        scheduler.start()
        try:
            if settings.REDIS_URL:
                call_command(*rq_worker(queues))
            else:
                self.database_worker(queues, verbosity)
        finally:
            scheduler.stop()

    def database_worker(self, queues: Sequence[str], verbosity: int) -> None:
        """django-tasks-db's worker with its own command's logging and signals, asleep between
        due times and wake-ups (the safety interval: a lost wake-up waits at most that long)."""
        library = DbWorkerCommand()
        library.stdout = self.stdout  # its log goes where this command's output goes
        library.configure_logging(verbosity)
        worker = WakingWorker(queues, safety_interval=settings.INCIDESK_WORKER_POLL_SECONDS)
        worker.configure_signals()
        worker.run()


def rq_worker(queues: Sequence[str]) -> list[str]:
    """RQ's worker command. It needs django-tasks-rq's job class; its own scheduler is left off
    (`core.scheduler` moves the delayed jobs, with a quicker fail-over)."""
    return ["rqworker", "--job-class", "django_tasks_rq.Job", *queues]
