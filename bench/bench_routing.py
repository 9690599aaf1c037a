"""What routing and automatic assignment cost an intake (issue 16: at most 3 ms of CPU and 3
queries), in-process, on a desk of its own.

    INCIDESK_DATA_DIR=/tmp/bench-routing .venv/bin/python bench/bench_routing.py [N]

Migrates the data folder if needed and adds a desk: a network team of three round-robin
agents, twenty routing rules that look for words, of which only the last one matches (an
organisation and words, a priority suggestion, a tag), so every registration tries them all.
Measures, per registration, the CPU and queries of `automation.routing` (the rules' read and
match before the transaction, the decision's INSERT and the promised assignment inside it)
against the whole `do_create_incident`, for descriptions of 500 characters and of 16 KiB, every
word of the text stemmed as if new (the worst case: a desk's words repeat and stay remembered;
the rules' own words are remembered from the first registration on); then the assignment task
the worker runs afterwards (not part of the intake). Exit code 1 when a target is missed.
Run it on PostgreSQL by setting `DATABASE_URL`.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incidesk.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from incidesk.accounts.models import Organisation, Role, Team, User  # noqa: E402
from incidesk.automation import assignment, conditions, routing  # noqa: E402
from incidesk.automation.models import (  # noqa: E402
    AssignmentMode,
    RoutingRule,
    TeamAssignment,
)
from incidesk.incidents.actions import do_create_incident  # noqa: E402

TARGET_CPU_MS = 3.0
TARGET_QUERIES = 3
# Russian words of the demo desk, so that texts vary the way real ones do.
WORDS = re.findall(
    r"[А-Яа-яЁё]{3,}",
    " ".join(path.read_text() for path in (ROOT / "incidesk" / "demo" / "texts").glob("*.py")),
)


def _text(size: int, i: int) -> str:
    """About `size` characters of words from the demo desk, a different stretch each time."""
    start = (i * 37) % len(WORDS)
    words = (WORDS[start:] + WORDS[:start]) * (1 + size // 2000)
    return " ".join(words)[:size] + " VPN"


class Meter:
    """Wraps a function to add up its CPU time and the queries made inside it."""

    def __init__(self) -> None:
        self.cpu = 0.0
        self.queries = 0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def measured(*args: Any, **kwargs: Any) -> Any:
            before, started = len(connection.queries), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.cpu += time.process_time() - started
                self.queries += len(connection.queries) - before

        return measured


def _desk() -> tuple[User, Team]:
    organisation, _ = Organisation.objects.get_or_create(name="ООО Вектор (бенчмарк)")
    customer, _ = User.objects.get_or_create(
        email="bench-routing@vector.example",
        defaults={"role": Role.CUSTOMER, "organisation": organisation},
    )
    team, created = Team.objects.get_or_create(code="bench-network", defaults={"name": "Сеть (б)"})
    if created:
        agents = [
            User.objects.create_user(f"bench-agent{n}@example.com", role=Role.AGENT)
            for n in range(3)
        ]
        team.members.set(agents)
        TeamAssignment.objects.create(team=team, mode=AssignmentMode.ROUND_ROBIN)
        RoutingRule.objects.bulk_create(
            RoutingRule(
                name=f"Правило {n}",
                order=n,
                conditions={"words": [f"{WORDS[n * 11]}{n}", "телефакс не отвечает"]},
                tags=[f"t{n}"],
            )
            for n in range(19)
        )
        RoutingRule.objects.create(
            name="VPN — в сетевую группу",
            order=100,
            conditions={"organisation": [organisation.pk], "words": ["VPN", "впн"]},
            team=team,
            priority=2,
            tags=["vpn"],
        )
    return customer, team


def _measure(customer: User, size: int, count: int) -> tuple[float, float, float, int]:
    """Per registration: routing's CPU ms and queries, the whole action's CPU ms and queries.
    The stems remembered are forgotten before each, so every word is stemmed as if new."""
    meter = Meter()
    rules = [r.get("words", []) for r in RoutingRule.objects.values_list("conditions", flat=True)]
    route, record = routing.route, routing.Routed.record
    routing.route = meter.wrap(route)  # type: ignore[method-assign]
    routing.Routed.record = meter.wrap(record)  # type: ignore[method-assign]
    try:
        do_create_incident(actor=customer, title="Прогрев VPN", description=_text(size, 0))
        meter.cpu = meter.queries = 0
        total = 0
        whole = 0.0
        for i in range(count):
            description = _text(size, i + 1)
            conditions._stems.cache_clear()
            for rule in rules:
                for phrase in rule:
                    conditions._stems(phrase)
            connection.queries_log.clear()
            started = time.process_time()
            with CaptureQueriesContext(connection) as captured:
                do_create_incident(
                    actor=customer, title=f"Не работает {i}", description=description
                )
            whole += time.process_time() - started
            total += len(captured)
        whole = whole * 1000 / count
    finally:
        routing.route, routing.Routed.record = route, record  # type: ignore[method-assign]
    return meter.cpu * 1000 / count, meter.queries / count, whole, total // count


def main() -> int:
    count = int(next((a for a in sys.argv[1:] if a.isdigit()), "200"))
    call_command("migrate", verbosity=0)
    customer, team = _desk()
    missed = []
    print(f"{connection.vendor}, {count} registrations, 20 rules (the last matches)")
    for name, size in (("500 chars", 500), ("16 KiB text", 16384)):
        cpu, queries, whole, total = _measure(customer, size, count)
        print(
            f"{name:12} routing {cpu:5.2f} ms CPU {queries:4.1f} queries"
            f" | whole registration {whole:6.2f} ms CPU {total} queries"
        )
        if cpu > TARGET_CPU_MS or queries > TARGET_QUERIES:
            missed.append(name)
    pending = list(
        team.incidents.filter(assignee__isnull=True).order_by("pk").values_list("pk", flat=True)
    )[:count]
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        started = time.process_time()
        for pk in pending:
            assignment.assign(pk)
        cpu = (time.process_time() - started) * 1000 / max(len(pending), 1)
    print(
        f"assignment task (worker, not the intake): {cpu:5.2f} ms CPU"
        f" {len(captured) / max(len(pending), 1):4.1f} queries"
    )
    if missed:
        print(f"missed {TARGET_CPU_MS} ms / {TARGET_QUERIES} queries: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
