"""How fast the task worker works off a backlog of due SLA checks, as after a bulk import.

    INCIDESK_DATA_DIR=/tmp/desk .venv/bin/incidesk migrate
    INCIDESK_DATA_DIR=/tmp/desk .venv/bin/python bench/bench_sla_backlog.py [N] [--breach]
        [--one-by-one]

Registers N P1 incidents (the 24x7 calendar, so the time of day does not matter) through the
action, dated 10 minutes ago: each response clock is past its 50 % warning, so N checks are due.
With `--breach`, dated 5 hours ago: both clocks are past their targets (a breach and an
escalation each). Then runs the real database worker (`db_worker --batch`) until the queue is
empty (the checks, and the notifications they queue) and prints the due clocks worked off
per second. `--one-by-one` turns the batch off (each check its own run), for
comparison. Needs an empty desk: the checks of earlier runs would be counted too.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incidesk.settings")
django.setup()

import time_machine  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tasks_db.compat import TaskResultStatus  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from incidesk.accounts.models import Role, User  # noqa: E402
from incidesk.incidents import actions  # noqa: E402
from incidesk.incidents.actions import system  # noqa: E402
from incidesk.incidents.models import TimelineEvent  # noqa: E402
from incidesk.sla.tasks import check_clock  # noqa: E402


def main() -> None:
    count = int(next((a for a in sys.argv[1:] if a.isdigit()), "2000"))
    age = timedelta(hours=5) if "--breach" in sys.argv else timedelta(minutes=10)
    if "--one-by-one" in sys.argv:
        system.claim_due = lambda *args: []
    customer, _ = User.objects.get_or_create(
        email="bench-backlog@example.com", defaults={"role": Role.CUSTOMER}
    )
    started = time.perf_counter()
    with time_machine.travel(timezone.now() - age, tick=True):
        for _ in range(count):
            actions.do_create_incident(
                actor=customer, title="Сервер недоступен", impact="high", urgency="high"
            )
    print(f"registered {count} incidents in {time.perf_counter() - started:.1f} s")
    checks = DBTaskResult.objects.filter(task_path=check_clock.module_path)
    due = checks.filter(status=TaskResultStatus.READY, run_after__lte=timezone.now()).count()
    events = TimelineEvent.objects.filter(kind__in=["sla_warning", "sla_breached"]).count()

    started = time.perf_counter()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    elapsed = time.perf_counter() - started
    runs = checks.exclude(worker_ids=[])
    checking = sum(((r.finished_at - r.started_at).total_seconds() for r in runs), 0.0)

    fired = TimelineEvent.objects.filter(kind__in=["sla_warning", "sla_breached"]).count() - events
    print(f"due checks {due}, warnings and breaches recorded {fired}")
    print(f"worker runs of the check task: {runs.count()}, {checking:.2f} s in them")
    print(f"checks alone: {due / checking:,.0f} clocks/s")
    print(f"worked off in {elapsed:.2f} s (notifications delivered): {due / elapsed:,.0f} clocks/s")


if __name__ == "__main__":
    main()
