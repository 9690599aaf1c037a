"""Helper processes for test_taskworker.py (run as `python -m incidesk.core.tests.worker_probe`).

worker_probe worker [ARGS]     `incidesk worker ARGS`, printing a line "query: SQL" to
                               stderr for every statement any of its connections runs
worker_probe enqueue [SECONDS] queue a task (due in SECONDS), commit, wait for it to finish;
                               prints JSON: the commit's and due times, the task's start, end
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incidesk.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from incidesk.mail.tasks import sweep_pending_mail  # noqa: E402

WAIT_SECONDS = 20


def count_queries(sender: Any, connection: Any, **kwargs: Any) -> None:
    def logged(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        print(f"query: {' '.join(sql.split())[:100]}", file=sys.stderr, flush=True)
        return execute(sql, *args)

    connection.execute_wrappers.append(logged)


def enqueue(seconds: float) -> None:
    run_after = timezone.now() + timedelta(seconds=seconds) if seconds else None
    task = sweep_pending_mail.using(run_after=run_after) if run_after else sweep_pending_mail
    with transaction.atomic():
        result = task.enqueue()
        committed = time.time()  # just before the commit: the latency measured is an upper bound
    deadline = committed + WAIT_SECONDS + seconds
    row = DBTaskResult.objects.get(pk=result.id)
    while row.status != "SUCCESSFUL" and time.time() < deadline:
        time.sleep(0.05)
        row.refresh_from_db()
    print(
        json.dumps(
            {
                "committed": committed,
                "due": run_after.timestamp() if run_after else committed,
                "status": row.status,
                "started": row.started_at.timestamp() if row.started_at else None,
                "finished": row.finished_at.timestamp() if row.finished_at else None,
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1] == "worker":
        connection_created.connect(count_queries)
        call_command("worker", *sys.argv[2:])
    else:
        enqueue(float(sys.argv[2]) if len(sys.argv) > 2 else 0.0)
