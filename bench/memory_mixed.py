"""A web worker's memory after many mixed requests: gunicorn started as `bench/run.py` starts
it, with one sync worker so that every request reaches the same process, loaded over HTTP.

    INCIDESK_DATA_DIR=/tmp/desk .venv/bin/python bench/memory_mixed.py [N] [--heavy]
    (DATABASE_URL=postgres://... for PostgreSQL; the bench registers incidents: use a copy)

The mix (light requests, in turn): registering through the API and the portal form, the
console's queue page, its live fragment and search, an incident's workspace, the API list and
detail, the customer's portal list and incident, the lead overview, the notifications page.
With `--heavy`, one request in 500 is a heavy one in turn: the reports dashboard, a chart, an
XLSX export, the recurring-groups page. Prints the worker's VmRSS (and its peak so far,
VmHWM) from /proc/<pid>/status once it has loaded the app, after the first request of each
kind, and every 1,000 requests, with the heavy libraries the worker has imported by then.

Which modules the worker imported comes from the interpreter itself: gunicorn runs with
PYTHONPROFILEIMPORTTIME=1 (`python -X importtime`), so CPython writes one line to stderr per
module it imports, in the master before the fork and in the worker after it; nothing in
Incidesk is involved.
"""

from __future__ import annotations

import asyncio
import os
import platform
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from itertools import cycle
from pathlib import Path
from typing import TextIO

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # bench/run.py: its server, requests and sessions

HEAVY_MODULES = ("numpy", "scipy", "sklearn", "pygal", "xlsxwriter")
HEAVY_EVERY = 500


class ImportLog:
    """The top-level packages the server's processes have imported, read from the
    `-X importtime` lines on its stderr (other lines are passed on to ours)."""

    def __init__(self, stream: TextIO) -> None:
        self.packages: set[str] = set()
        self._modules: set[str] = set()
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: TextIO) -> None:
        for line in stream:
            if not line.startswith("import time:"):
                sys.stderr.write(line)
                continue
            name = line.rpartition("|")[2].strip()
            if name == "package":  # the header line
                continue
            with self._changed:
                self._modules.add(name)
                self.packages.add(name.partition(".")[0])
                self._changed.notify_all()

    def wait_for(self, module: str, timeout: float) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: module in self._modules, timeout):
                raise SystemExit(f"the worker did not import {module}")

    def heavy(self) -> str:
        with self._changed:
            return ", ".join(m for m in HEAVY_MODULES if m in self.packages) or "none"


def wait_idle(pid: int, timeout: float = 300) -> None:
    """Until the worker has used no CPU for 1.5 s: it has loaded the app and waits in accept.
    (gunicorn imports the app with `importlib.import_module`, which `-X importtime` does not
    log, so the app's own module never shows in the import log.)"""
    deadline, last, quiet = time.monotonic() + timeout, -1.0, 0
    while quiet < 3:
        if time.monotonic() > deadline:
            raise SystemExit("the worker did not go idle")
        time.sleep(0.5)
        now = run._cpu_seconds([pid])
        quiet, last = (quiet + 1 if now == last else 0), now


def memory(pid: int) -> str:
    """The worker's resident size now and its peak so far, from the kernel."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    rss, peak = (int(fields[f].split()[0]) / 1024 for f in ("VmRSS", "VmHWM"))
    return f"{rss:.1f} MiB (peak {peak:.1f})"


def workloads() -> tuple[list[run.Workload], list[run.Workload], dict, str]:
    """The light and heavy requests, the sessions and tokens that send them, the desk's size."""
    auth, _, size = run._desk()
    from incidesk.accounts.models import Role, User
    from incidesk.incidents.models import Incident

    customer = User.objects.filter(role=Role.CUSTOMER, is_active=True).order_by("pk").first()
    own = Incident.objects.filter(reporter=customer).order_by("-pk").first()
    some = Incident.objects.order_by("-pk").first()
    assert own is not None and some is not None, "needs the demo desk (`incidesk demo`)"
    same = {w.name: w for w in run.WORKLOADS}
    light = [
        same["intake API"],
        same["intake form"],
        same["queue page"],
        same["queue fragment"],
        same["search"],
        run.Workload("workspace", "GET", f"/console/incidents/{some.number}/", 200, who="agent"),
        run.Workload(
            "API list", "GET", "/api/v1/incidents?status=in_progress", 200, who="agent token"
        ),
        run.Workload("API detail", "GET", f"/api/v1/incidents/{some.number}", 200, "agent token"),
        run.Workload("portal list", "GET", "/incidents/", 200, who="customer"),
        run.Workload("portal incident", "GET", f"/incidents/{own.number}/", 200, who="customer"),
        same["lead overview"],
        run.Workload("notifications", "GET", "/notifications/", 200, who="agent"),
    ]
    heavy = [
        same["reports 30 d"],
        run.Workload("chart", "GET", "/reports/charts/trend.svg", 200, who="lead"),
        run.Workload("XLSX", "GET", "/api/v1/reports/export/incidents.xlsx", 200, who="lead"),
        run.Workload("recurring groups", "GET", "/recurring/", 200, who="lead"),
    ]
    return light, heavy, auth, size


def main() -> int:
    count = int(next((a for a in sys.argv[1:] if a.isdigit()), "10000"))
    light, heavy, auth, size = workloads()
    if "--heavy" not in sys.argv:
        heavy = []
    env = {**os.environ, "PYTHONPATH": str(run.ROOT), "PYTHONPROFILEIMPORTTIME": "1"}
    server, port = run._serve("incidesk.wsgi:application", env, 1, subprocess.PIPE)
    imports = ImportLog(open(server.stderr.fileno(), encoding="utf-8", errors="replace"))  # noqa: SIM115
    raws = {w.name: run._raw(w, auth) for w in light + heavy}

    def send(workload: run.Workload) -> None:
        status, _ = asyncio.run(run._one(port, raws[workload.name]))
        if status != workload.expect:
            raise SystemExit(f"{workload.name}: {status}, expected {workload.expect}")

    try:
        (worker,) = run._children(server.pid)
        imports.wait_for("django.core.wsgi", 300)
        wait_idle(worker)
        print(
            f"{size}; {platform.node()}, {os.cpu_count()} CPUs; one sync gunicorn worker "
            f"(pid {worker}); {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average "
            f"{os.getloadavg()[0]:.2f}",
            flush=True,
        )
        print(f"app loaded: {memory(worker)}; heavy: {imports.heavy()}", flush=True)
        for workload in light + heavy:
            send(workload)
        print(f"one of each kind: {memory(worker)}; heavy: {imports.heavy()}", flush=True)
        lights, heavies = cycle(light), cycle(heavy)
        for i in range(1, count + 1):
            send(next(heavies) if heavy and i % HEAVY_EVERY == 0 else next(lights))
            if i % 1000 == 0:
                print(
                    f"{i:6} requests: {memory(worker)}; heavy: {imports.heavy()}; "
                    f"{datetime.now(UTC):%H:%M} UTC, load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
        if run._children(server.pid) != [worker]:
            raise SystemExit("the worker was replaced during the run")
    finally:
        server.terminate()
        server.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
