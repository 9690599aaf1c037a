"""CPU per request of the pages that compare texts, in-process, and the grouping itself.

    INCIDESK_DATA_DIR=/tmp/desk .venv/bin/python bench/bench_similarity.py

Times (`time.process_time`, SQLite's work included) as an agent: an incident's workspace, its
two side panels (similar incidents, known errors), the intake suggestion for a typed title and
the knowledge base's "close" search; the task worker's grouping of the last 14 / 30 days
(`runs.run`: at most `GROUP_INCIDENTS` incidents, scikit-learn) with the process's peak
resident size; as a lead: the recurring-groups page showing that result. Prints the first
request (imports included) and the median of `BENCH_ROUNDS`, and which heavy modules the
process loaded (the grouping loads them, so it runs last but the pages showing its result).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incidesk.settings")
django.setup()

from django.db.models import Count, Q  # noqa: E402
from django.test import Client  # noqa: E402

from incidesk.accounts.models import Role, User  # noqa: E402
from incidesk.incidents.models import Incident  # noqa: E402
from incidesk.recurring import runs  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
HEAVY = ("numpy", "scipy", "sklearn")


def _client(user: User) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def _cpu_ms(call: Callable[[], object]) -> float:
    start = time.process_time()
    call()
    return (time.process_time() - start) * 1000


def _get(client: Client, url: str, data: dict[str, str] | None = None) -> Callable[[], int]:
    def send() -> int:
        status = client.get(url, data or {}).status_code
        assert status == 200, (url, status)
        return status

    return send


def _peak_mib() -> float:
    """The process's peak resident size so far (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    agent = (
        User.objects.filter(role=Role.AGENT, is_active=True)
        .annotate(n=Count("assigned_incidents", filter=Q(assigned_incidents__closed_at=None)))
        .order_by("-n")
        .first()
    )
    lead = User.objects.filter(role=Role.LEAD, is_active=True).order_by("pk").first()
    assert agent and lead, "needs the demo desk (`incidesk demo`)"
    desk, manager = _client(agent), _client(lead)
    number = Incident.objects.order_by("-pk").values_list("number", flat=True).first()

    def grouping(days: int) -> Callable[[], object]:
        return lambda: runs.run(runs.start(days, 3).pk)

    cases: list[tuple[str, Callable[[], object]]] = [
        ("workspace page", _get(desk, f"/console/incidents/{number}/")),
        ("side panel: similar incidents", _get(desk, "/recurring/suggest/", {"incident": number})),
        ("side panel: known errors", _get(desk, f"/problems/known-errors/{number}/")),
        (
            "intake suggestion (typed title)",
            _get(desk, "/recurring/suggest/", {"title": "vpn ne podklyuchaetsya"}),
        ),
        ("knowledge base close search", _get(desk, "/kb/", {"q": "prnter ne pechataet"})),
        ("worker: grouping, 14 days", grouping(14)),
        ("worker: grouping, 30 days", grouping(30)),
        ("groups page, 14 days", _get(manager, "/recurring/", {"days": "14"})),
        ("groups page, 30 days", _get(manager, "/recurring/", {"days": "30"})),
    ]
    print(f"{'case':36} {'first ms':>9} {'median ms':>10}  heavy modules", flush=True)
    for name, call in cases:
        first = _cpu_ms(call)
        median = statistics.median(_cpu_ms(call) for _ in range(ROUNDS))
        loaded = ", ".join(m for m in HEAVY if m in sys.modules) or "none"
        peak = _peak_mib()
        print(f"{name:36} {first:9.0f} {median:10.0f}  {loaded}; peak {peak:.0f} MiB", flush=True)
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
