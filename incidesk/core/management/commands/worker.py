"""`incidesk worker`: the background task worker of the configured queue (django-tasks-db's
`db_worker`, or RQ's worker with its scheduler when REDIS_URL is set), plus the recovery sweep
(`core.promises.sweep`) in a thread beside it, so every worker also hands out again what a dead
process left: no cron job and no scheduler process of its own. Several workers sweeping at once
is safe."""

from __future__ import annotations

import logging
import os
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.utils.translation import gettext_lazy

from incidesk.core.promises import sweep

logger = logging.getLogger(__name__)
SWEEPING = threading.Lock()
# How long an idle database worker waits before it looks for work again: the most a task
# queued while it waits (a notification) or falling due (an SLA check) starts late. Each look
# is a transaction; once a second cost an idle worker 0.4 % of a core.
IDLE_POLL_SECONDS = 5


class Command(BaseCommand):
    help = gettext_lazy("Run the background task worker and the recovery sweep.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("queues", nargs="*", help=gettext_lazy("Queues to work on."))
        parser.add_argument(
            "--sweep-interval",
            type=float,
            default=60.0,
            help=gettext_lazy("Seconds between recovery sweeps."),
        )

    def handle(self, *args, queues: list[str], sweep_interval: float, **options) -> None:
        queues = queues or settings.TASKS["default"]["QUEUES"]
        # RQ forks a process per job: never while the sweep is inside SQLite, psycopg or the
        # Redis client, whose locks the child would inherit held (and hang on).
        os.register_at_fork(
            before=SWEEPING.acquire,
            after_in_parent=SWEEPING.release,
            after_in_child=SWEEPING.release,
        )
        threading.Thread(target=sweep_forever, args=(sweep_interval,), daemon=True).start()
        call_command(*queue_worker(queues))


def queue_worker(queues: list[str]) -> list[str]:
    """The queue's own worker command. RQ needs django-tasks-rq's job class, and its scheduler
    for tasks that run later (auto-close)."""
    if settings.REDIS_URL:
        return ["rqworker", "--job-class", "django_tasks_rq.Job", "--with-scheduler", *queues]
    return [
        "db_worker",
        "--no-reload",
        "--queue-name",
        ",".join(queues),
        "--interval",
        str(IDLE_POLL_SECONDS),
    ]


def sweep_forever(interval: float) -> None:
    """Sweep now and every `interval` seconds; a failure (the database away) is logged and the
    next sweep tries again."""
    while True:
        with SWEEPING:
            try:
                done = sweep()
            except Exception:
                logger.exception("recovery sweep failed")
            else:
                if any(done.values()):
                    logger.warning("recovery sweep handed out again: %s", done)
            finally:
                connection.close()  # this thread's own connection: fresh for the next sweep
        time.sleep(interval)
