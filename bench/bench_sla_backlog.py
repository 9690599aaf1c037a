"""How fast the task worker works off a backlog of due SLA checks, as after a bulk import.

    INCIDESK_DATA_DIR=/tmp/desk .venv/bin/incidesk migrate
    INCIDESK_DATA_DIR=/tmp/desk .venv/bin/python bench/bench_sla_backlog.py [N] [--breach]
        [--one-by-one]

Registers N P1 incidents (the 24x7 calendar, so the time of day does not matter) through the
action, all dated 10 minutes ago: each response clock is past its 50 % warning (and 1.25 min
short of its 75 %), so N checks are due. With `--breach`, dated 5 hours ago: both clocks are
past their targets (a breach and an escalation each). Then runs the checks due as the worker
runs a task (claim, run, mark done) and prints the clocks checked per second, alone and with
the notifications they queue delivered by the real worker (`db_worker --batch`; nobody is
assigned, so only breaches and escalations have someone to tell).
`--one-by-one` turns the batch off (each check its own run), for comparison. Needs an empty
desk: the checks of earlier runs would be counted too.

Beside the wall-clock rate it prints the CPU the checks took: this process's, and on PostgreSQL
its server backend's too (read from /proc, so on the same machine): clocks per CPU-second is the
figure to compare on a loaded machine, where the wall clock mostly measures the wait for a core.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incidesk.settings")
django.setup()

import time_machine  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tasks_db.compat import TaskResultStatus  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from incidesk.accounts.models import Role, User  # noqa: E402
from incidesk.incidents import actions  # noqa: E402
from incidesk.incidents.actions import system  # noqa: E402
from incidesk.incidents.models import TimelineEvent  # noqa: E402
from incidesk.sla.tasks import check_clock  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def server_cpu_seconds() -> float:
    """User + system CPU of this connection's PostgreSQL backend; 0 on SQLite (in-process) or
    when the server's /proc is not readable (another machine)."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def main() -> None:
    count = int(next((a for a in sys.argv[1:] if a.isdigit()), "2000"))
    age = timedelta(hours=5) if "--breach" in sys.argv else timedelta(minutes=10)
    if "--one-by-one" in sys.argv:
        system.claim_due = lambda *args: []
    customer, _ = User.objects.get_or_create(
        email="bench-backlog@example.com", defaults={"role": Role.CUSTOMER}
    )
    started = time.perf_counter()
    with time_machine.travel(timezone.now() - age, tick=False):
        for _ in range(count):
            actions.do_create_incident(
                actor=customer, title="Сервер недоступен", impact="high", urgency="high"
            )
    print(f"registered {count} incidents in {time.perf_counter() - started:.1f} s")
    # The registrations' own work (the acknowledgement e-mails) is not this bench's subject.
    DBTaskResult.objects.exclude(task_path=check_clock.module_path).delete()
    events = TimelineEvent.objects.filter(kind__in=["sla_warning", "sla_breached"])
    before = events.count()
    # The checks due now, run as the worker runs a task (claim, run, mark done), leaving out
    # the later thresholds that fall due while the bench runs.
    due = DBTaskResult.objects.filter(
        task_path=check_clock.module_path,
        status=TaskResultStatus.READY,
        run_after__lte=timezone.now(),
    ).order_by("run_after")
    backlog, runs = due.count(), 0
    server_before, cpu_before = server_cpu_seconds(), time.process_time()
    started = time.perf_counter()
    while (row := due.first()) is not None:
        row.claim("bench")
        row.set_successful(check_clock.call(*row.args_kwargs["args"]))
        runs += 1
    checking = time.perf_counter() - started
    cpu, server = time.process_time() - cpu_before, server_cpu_seconds() - server_before
    fired = events.count() - before
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    total = time.perf_counter() - started
    print(f"due checks {backlog} in {runs} runs; warnings and breaches recorded {fired}")
    print(f"checks: {checking:.2f} s, {backlog / checking:,.0f} clocks/s")
    print(
        f"checks' CPU: {cpu:.2f} s here + {server:.2f} s database server = "
        f"{backlog / (cpu + server):,.0f} clocks per CPU-second; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"with their notifications delivered: {total:.2f} s, {backlog / total:,.0f} clocks/s")


if __name__ == "__main__":
    main()
