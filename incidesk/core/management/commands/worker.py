"""`incidesk worker`: the background task worker of the configured queue (django-tasks-db's
`db_worker`, or RQ's worker when REDIS_URL is set), plus the scheduler (`core.scheduler`) in
threads beside it: the recovery sweep, once per interval across all nodes, and on RQ the moving
of delayed jobs, by whichever worker holds the scheduler lock. No cron job and no scheduler
process of its own: every worker can take either over when another node dies."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from incidesk.core.management.base import IncideskCommand
from incidesk.core.scheduler import FORK_GUARD, Scheduler


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
        self, *args: Any, queues: Sequence[str], sweep_interval: float, **options: Any
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
            call_command(*queue_worker(queues))
        finally:
            scheduler.stop()


def queue_worker(queues: Sequence[str]) -> list[str]:
    """The queue's own worker command. RQ needs django-tasks-rq's job class; its own scheduler
    is left off (`core.scheduler` moves the delayed jobs, with a quicker fail-over)."""
    if settings.REDIS_URL:
        return ["rqworker", "--job-class", "django_tasks_rq.Job", *queues]
    return [
        "db_worker",
        "--no-reload",
        "--queue-name",
        ",".join(queues),
        "--interval",
        # The most a task queued while the worker sleeps (a notification) or falling due (an
        # SLA check) starts late; each look is a transaction.
        f"{settings.INCIDESK_WORKER_POLL_SECONDS:g}",
    ]
