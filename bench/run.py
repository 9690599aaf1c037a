"""The speed table of issue 13 in one command: the floor and Incidesk side by side, over HTTP.

    export INCIDESK_DATA_DIR=/tmp/desk             # a desk built by `incidesk demo --incidents N`
    export DATABASE_URL=postgres://...             # optional: the same on PostgreSQL
    .venv/bin/python bench/run.py [--duration 6] [--concurrency 1,4,16] [--only intake-api,...]

Starts two gunicorn servers with the same settings (2 sync workers): the floor (`bench/floor.py`,
bare Django, one constant view) and Incidesk on the configured database. Loads each workload at
each concurrency for `--duration` seconds with an asyncio HTTP client (one connection per
request, as sync workers close it), then prints a Markdown table: p50 and p95 latency, ops/s,
the CPU the server's processes used (per cent of one core, and milliseconds per request), the
ratio to the floor at the same concurrency, the largest worker's RSS, and the SQL queries one
request makes (counted in this process through Django's test client, second request of two).
Needs the demo's users: a customer, the agent with the most open incidents, a lead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Every intake is one account's: the API write limit would answer 429 long before the bench ends.
os.environ.setdefault("INCIDESK_RATE_API_WRITES", "100000000/m")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incidesk.settings")

WORKERS = 2
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CSRF_SECRET = "b" * 32  # a CSRF cookie of our choosing; the form sends the same secret back
TITLE = "Не печатает принтер в бухгалтерии"


def _reports(days: int, bucket: str) -> str:
    """The reports dashboard for the last `days` days (today included), in `bucket`s."""
    since = datetime.now(UTC).date() - timedelta(days=days - 1)
    return "/reports/?" + urllib.parse.urlencode({"date_from": since, "bucket": bucket})


@dataclass
class Workload:
    """One kind of request: how to build it, who sends it, the status that means success."""

    name: str
    method: str
    path: str
    expect: int
    # "token" (a customer's API token), "agent token", or a session's owner: "customer",
    # "agent", "lead"
    who: str = ""
    form: dict = field(default_factory=dict)
    json_body: dict | None = None


WORKLOADS = [
    Workload("floor", "GET", "/", 200),
    Workload(
        "intake API",
        "POST",
        "/api/v1/incidents",
        201,
        who="token",
        json_body={"title": TITLE, "description": "Замятие бумаги в лотке 2.\n"},
    ),
    Workload(
        "intake form",
        "POST",
        "/incidents/new/",
        302,
        who="customer",
        form={
            "title": TITLE,
            "description": "Замятие бумаги в лотке 2.",
            "kind": "incident",
            "impact": "medium",
            "urgency": "medium",
            "category": "",
            "service": "",
            "contact_phone": "",
        },
    ),
    Workload("queue page", "GET", "/console/?queue=open", 200, who="agent"),
    Workload("queue fragment", "GET", "/console/rows/?queue=open", 200, who="agent"),
    # The queue page's rows from the REST API, as the same agent: its yardstick (≤ 1.5×).
    Workload(
        "API list",
        "GET",
        "/api/v1/incidents?status=new&status=in_progress&status=on_hold&ordering=resolution_due_at",
        200,
        who="agent token",
    ),
    Workload(
        "search",
        "GET",
        "/console/?queue=all&q=" + urllib.parse.quote("принтер"),
        200,
        who="agent",
    ),
    Workload("reports 30 d", "GET", "/reports/", 200, who="lead"),
    Workload("reports 90 d", "GET", _reports(90, "week"), 200, who="lead"),
    Workload("reports 365 d", "GET", _reports(365, "month"), 200, who="lead"),
    Workload("lead overview", "GET", "/console/lead/", 200, who="lead"),
]


@dataclass
class Cell:
    workload: str
    concurrency: int
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    ops: float
    cpu_percent: float
    cpu_ms_per_request: float
    rss_mib: float
    queries: int | None
    load: float  # the machine's 1-minute load average at the end of the cell
    floor_ratio: float | None = None


# --- the servers ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(
    app: str, env: dict, workers: int = WORKERS, stderr: int | None = None
) -> tuple[subprocess.Popen, int]:
    """gunicorn serving `app` with `workers` sync workers; `stderr` is where its log goes."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        f"--workers={workers}",
        "--worker-class=sync",
        "--timeout=300",
        "--log-level=warning",
        f"--bind=127.0.0.1:{port}",
        app,
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=stderr)  # noqa: S603 (our own interpreter)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            time.sleep(0.2)
            continue
        if len(_children(server.pid)) == workers:
            return server, port
        time.sleep(0.2)
    server.kill()
    raise SystemExit(f"{app} did not start")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    return total


def _rss_mib(pids: list[int]) -> float:
    sizes = [
        int(line.split()[1]) / 1024
        for pid in pids
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmRSS:")
    ]
    return max(sizes, default=0.0)


# --- the load ------------------------------------------------------------------------------


def _raw(workload: Workload, auth: dict[str, dict[str, str]]) -> bytes:
    headers = {"Host": "127.0.0.1", "Connection": "close", **auth.get(workload.who, {})}
    body = b""
    if workload.json_body is not None:
        body = json.dumps(workload.json_body, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
    elif workload.form:
        form = {**workload.form, "csrfmiddlewaretoken": CSRF_SECRET}
        body = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if workload.method == "POST":
        headers["Content-Length"] = str(len(body))
    head = f"{workload.method} {workload.path} HTTP/1.1\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (head + "\r\n").encode() + body


async def _one(port: int, raw: bytes) -> tuple[int, float]:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    data = await reader.read()
    writer.close()
    status = int(data[9:12]) if data.startswith(b"HTTP/") else 0
    return status, time.perf_counter() - started


async def _load(port: int, raw: bytes, concurrency: int, duration: float) -> list[tuple]:
    deadline = time.perf_counter() + duration
    results: list[tuple[int, float]] = []

    async def user() -> None:
        while time.perf_counter() < deadline:
            results.append(await _one(port, raw))

    await asyncio.gather(*(user() for _ in range(concurrency)))
    return results


def _cell(
    workload: Workload, server: subprocess.Popen, port: int, raw: bytes, c: int, duration: float
) -> Cell:
    pids = [server.pid, *_children(server.pid)]
    # Warm up every worker (a worker's first request imports what the page needs).
    asyncio.run(_load(port, raw, max(c, 2 * WORKERS), min(duration, 1.0)))
    cpu_before, started = _cpu_seconds(pids), time.perf_counter()
    results = asyncio.run(_load(port, raw, c, duration))
    wall = time.perf_counter() - started
    cpu = _cpu_seconds(pids) - cpu_before
    times = sorted(t * 1000 for status, t in results)
    errors = sum(status != workload.expect for status, _ in results)
    return Cell(
        workload=workload.name,
        concurrency=c,
        requests=len(results),
        errors=errors,
        p50_ms=round(statistics.median(times), 1),
        p95_ms=round(times[max(int(len(times) * 0.95) - 1, 0)], 1),
        ops=round(len(results) / wall, 1),
        cpu_percent=round(100 * cpu / wall),
        cpu_ms_per_request=round(1000 * cpu / len(results), 2),
        rss_mib=round(_rss_mib(pids[1:]), 1),
        queries=None,
        load=round(os.getloadavg()[0], 1),
    )


# --- the desk: who sends what, and what a request costs in queries -------------------------


def _desk() -> tuple[dict[str, dict[str, str]], Callable[[Workload], int], str]:
    """Log in the demo's people, issue the customer a token; a counter of queries."""
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count, Q
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from incidesk.accounts.models import ApiToken, Role, User
    from incidesk.incidents.models import Incident
    from incidesk.incidents.status import OPEN_STATUSES

    customer = User.objects.filter(role=Role.CUSTOMER, is_active=True).order_by("pk").first()
    agent = (
        User.objects.filter(role=Role.AGENT, is_active=True)
        .annotate(
            n=Count("assigned_incidents", filter=Q(assigned_incidents__status__in=OPEN_STATUSES))
        )
        .order_by("-n")
        .first()
    )
    lead = User.objects.filter(role=Role.LEAD, is_active=True).order_by("pk").first()
    tokens = {"token": ApiToken.issue(customer), "agent token": ApiToken.issue(agent)}
    clients = {
        who: Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
        for who, token in tokens.items()
    }
    auth = {who: {"Authorization": f"Bearer {token}"} for who, token in tokens.items()}
    for name, user in (("customer", customer), ("agent", agent), ("lead", lead)):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        clients[name] = client
        session = client.cookies["sessionid"].value
        auth[name] = {"Cookie": f"sessionid={session}; csrftoken={CSRF_SECRET}"}

    def queries(workload: Workload) -> int:
        client = clients[workload.who]
        client.cookies["csrftoken"] = CSRF_SECRET
        send = client.post if workload.method == "POST" else client.get
        kwargs: dict = {}
        if workload.json_body is not None:
            kwargs = {"data": workload.json_body, "content_type": "application/json"}
        elif workload.form:
            kwargs = {"data": {**workload.form, "csrfmiddlewaretoken": CSRF_SECRET}}
        send(workload.path, **kwargs)
        with CaptureQueriesContext(connection) as captured:
            response = send(workload.path, **kwargs)
        assert response.status_code == workload.expect, (workload.name, response.status_code)
        return len(captured)

    size = f"{Incident.objects.count():,} incidents, {connection.vendor}"
    connection.close()
    return auth, queries, size


# --- the table -----------------------------------------------------------------------------


def _table(cells: list[Cell]) -> str:
    lines = [
        "| workload | C | requests | errors | p50 ms | p95 ms | ops/s | ops/s ÷ floor "
        "| server CPU % | CPU ms/req | worker RSS MiB | queries/req | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in cells:
        ratio = "" if c.floor_ratio is None else f"{c.floor_ratio:.3f}"
        lines.append(
            f"| {c.workload} | {c.concurrency} | {c.requests} | {c.errors} | {c.p50_ms} "
            f"| {c.p95_ms} | {c.ops:,} | {ratio} | {c.cpu_percent} | {c.cpu_ms_per_request} "
            f"| {c.rss_mib} | {'' if c.queries is None else c.queries} | {c.load} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=6.0, help="seconds per cell")
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument("--only", default="", help="comma-separated workload names")
    parser.add_argument("--json", type=Path, help="also write the cells here")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    only = {n.strip() for n in args.only.split(",") if n.strip()}
    chosen = [w for w in WORKLOADS if w.name == "floor" or not only or w.name in only]

    auth, count_queries, size = _desk()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    floor, floor_port = _serve("bench.floor:application", env)
    desk, desk_port = _serve("incidesk.wsgi:application", env)
    cells: list[Cell] = []
    floor_ops: dict[int, float] = {}
    try:
        for workload in chosen:
            is_floor = workload.name == "floor"
            server, port = (floor, floor_port) if is_floor else (desk, desk_port)
            queries = None if is_floor else count_queries(workload)
            raw = _raw(workload, auth)
            for c in levels:
                cell = _cell(workload, server, port, raw, c, args.duration)
                cell.queries = queries
                if is_floor:
                    floor_ops[c] = cell.ops
                else:
                    cell.floor_ratio = cell.ops / floor_ops[c]
                cells.append(cell)
                print(f"  {cell.workload} C={c}: {cell.ops} ops/s", file=sys.stderr, flush=True)
    finally:
        for server in (floor, desk):
            server.terminate()
            server.wait(30)
    print(
        f"\n{size}; {platform.node()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f}; {WORKERS} sync gunicorn workers each; "
        f"{args.duration:g} s per cell\n"
    )
    print(_table(cells))
    if args.json:
        args.json.write_text(json.dumps([asdict(c) for c in cells], indent=2, ensure_ascii=False))
    return 1 if any(c.errors for c in cells) else 0


if __name__ == "__main__":
    sys.exit(main())
