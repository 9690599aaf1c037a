"""What the routing simulator costs over a full window (issue 16): the newest 5,000 incidents,
every team assigning automatically, a draft that changes every incident's team and priority (so
the SLA effect measures every clock twice), in-process, on a demo desk of its own.

    INCIDESK_DATA_DIR=/tmp/bench-simulator .venv/bin/python bench/bench_simulator.py [N]

Migrates the data folder and loads `incidesk demo --incidents N` (5,000 by default) if it has no
incidents yet; sets the teams' modes round robin, least loaded and by skills in turn; then times
`simulate` over the last 90 days (`simulator.MAX_DAYS`) for each mode and counts its queries.
Targets: at most `TARGET_SECONDS` per run and a query count that does not depend on the window
(checked against a one-day window). Exit code 1 when missed. `DATABASE_URL` for PostgreSQL.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incidesk.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from incidesk.accounts.models import Team  # noqa: E402
from incidesk.automation.models import AssignmentMode, RoutingRule, TeamAssignment  # noqa: E402
from incidesk.automation.simulator import MAX_DAYS, simulate, with_draft  # noqa: E402
from incidesk.incidents.models import Incident  # noqa: E402

TARGET_SECONDS = float(os.environ.get("BENCH_TARGET_SECONDS", "10"))


def main(size: int) -> int:
    call_command("migrate", verbosity=0)
    if not Incident.objects.exists():
        call_command("demo", incidents=size, seed=13, verbosity=0)
    newest = Incident.objects.order_by("-created_at").values_list("created_at", flat=True)[0]
    teams = list(Team.objects.order_by("pk"))
    # Every incident matches, goes to the first team and is suggested priority 1.
    draft = RoutingRule(name="bench", order=0, conditions={}, team=teams[0], priority=1)
    failed = False
    for mode in (AssignmentMode.ROUND_ROBIN, AssignmentMode.LEAST_LOADED, AssignmentMode.SKILLS):
        for team in teams:
            TeamAssignment.objects.update_or_create(team=team, defaults={"mode": mode})
        rules = with_draft(draft)
        simulate(rules, days=1, now=newest)  # the reference data and calendars, once a process
        with CaptureQueriesContext(connection) as small:
            simulate(rules, days=1, now=newest)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as full:
            result = simulate(rules, days=MAX_DAYS, now=newest)
        seconds = time.perf_counter() - started
        print(
            f"{mode:<13} {result.examined:>5} incidents, {result.reprioritised:>5} reprioritised "
            f"({result.breached_more} breach more, {result.breached_fewer} fewer): "
            f"{seconds:.2f} s, {len(full)} queries (one day: {len(small)})"
        )
        failed |= seconds > TARGET_SECONDS or len(full) != len(small)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))
