"""Benchmark the reports dashboard and API on a large desk and check the speed target.

    INCIDESK_DATA_DIR=/tmp/bench1m incidesk migrate
    INCIDESK_DATA_DIR=/tmp/bench1m incidesk demo --incidents 1000000
    INCIDESK_DATA_DIR=/tmp/bench1m incidesk analytics rebuild
    INCIDESK_DATA_DIR=/tmp/bench1m .venv/bin/python bench/bench_reports.py

Requests go through Django's full stack in-process (server time, no network). Each scenario is
a lead's dashboard page (every KPI, tables) or the API summary, for a period and filters; the
facts are already up to date, as they are on a desk whose reports are read every day (each
request still runs the facts sync, which then finds nothing to do). Prints the machine's load
average, since the numbers depend on it. Exits non-zero when the p95 of a scenario (of
`BENCH_ROUNDS` requests) is over the target: 1 s on PostgreSQL, 2 s on SQLite
(`BENCH_TARGET_MS`).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incidesk.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from incidesk.accounts.models import ApiToken, Team, User  # noqa: E402
from incidesk.analytics import facts  # noqa: E402
from incidesk.incidents.models import Incident  # noqa: E402

# p95 per request (issue 13): 1 s on PostgreSQL, 2 s on SQLite, at a million incidents.
TARGET_MS = float(
    os.environ.get("BENCH_TARGET_MS", "1000" if connection.vendor == "postgresql" else "2000")
)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def main() -> int:
    total = Incident.objects.count()
    lead = User.objects.filter(role__in=["lead", "admin"], is_active=True).first()
    team = Team.objects.order_by("pk").first()
    last = Incident.objects.aggregate(last=Max("created_at"))["last"].date()
    started = time.monotonic()
    facts.sync()
    print(f"{total} incidents; facts sync before the run: {time.monotonic() - started:.1f} s")
    print("load average at start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    page = Client(SERVER_NAME="localhost")
    page.force_login(lead)
    api = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(lead)}")

    def period(days: int) -> dict[str, str]:
        return {"date_from": str(last - timedelta(days=days - 1)), "date_to": str(last)}

    scenarios = [
        ("dashboard, 30 days", page, "/reports/", period(30)),
        ("dashboard, 90 days, by week", page, "/reports/", {**period(90), "bucket": "week"}),
        (
            "dashboard, 365 days, by month",
            page,
            "/reports/",
            {**period(365), "bucket": "month"},
        ),
        ("API summary, 30 days", api, "/api/v1/reports/summary", period(30)),
        (
            "API summary, 365 days, by month",
            api,
            "/api/v1/reports/summary",
            {**period(365), "bucket": "month"},
        ),
        (
            "API summary, 30 days, one team",
            api,
            "/api/v1/reports/summary",
            {**period(30), "team": team.code},
        ),
        ("chart: trend, 30 days", page, "/reports/charts/trend.svg", period(30)),
    ]
    failed = False
    # CPU: this process's (SQLite's work included, PostgreSQL's not), steadier than the wall
    # time on a shared machine.
    print(
        f"{'scenario':40} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'CPU ms':>8}"
        f" {'queries':>8}"
    )
    for name, client, path, params in scenarios:
        times, cpu = [], []
        for _ in range(ROUNDS):
            with CaptureQueriesContext(connection) as queries:
                t0, used = time.perf_counter(), time.process_time()
                response = client.get(path, params)
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - used) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        median = statistics.median(times)
        times.sort()
        p95 = times[max(int(len(times) * 0.95) - 1, 0)]
        failed |= p95 > TARGET_MS
        print(
            f"{name:40} {median:10.0f} {p95:8.0f} {max(times):8.0f}"
            f" {statistics.median(cpu):8.0f} {len(queries):8d}"
        )
    print("load average at end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    print(f"target: p95 <= {TARGET_MS:.0f} ms per request ({connection.vendor})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
