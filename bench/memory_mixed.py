"""A web worker's memory after many mixed requests, in-process: the resident size of one
process that loads `incidesk.wsgi` and serves N requests (10,000 by default) through the whole
stack, as one gunicorn worker would between two recycles.

    INCIDESK_DATA_DIR=/tmp/desk .venv/bin/python bench/memory_mixed.py [N] [--heavy]

The mix (light pages, in turn): registering through the API and the portal form, the console's
queue page, its live fragment and search, an incident's workspace, the API list and detail, the
customer's portal list and incident, the lead overview, the notifications page. With `--heavy`,
one request in 500 is a heavy one in turn: the reports dashboard, a chart, an XLSX export, the
recurring-groups page (numpy, scipy, scikit-learn, pygal, xlsxwriter are imported by those
only). Prints VmRSS (and its peak so far, VmHWM) after loading the app, after the first
request of each kind, and every 1,000 requests, and which heavy libraries the process has
imported by then.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from itertools import cycle
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incidesk.settings")
os.environ.setdefault("INCIDESK_RATE_API_WRITES", "1000000/m")

from django.db.models import Count, Q
from django.test import Client
from django.urls import get_resolver

import incidesk.wsgi  # noqa: F401  the app as gunicorn loads it
from incidesk.accounts.models import ApiToken, Role, User
from incidesk.incidents.models import Incident

HEAVY_MODULES = ("numpy", "scipy", "sklearn", "pygal", "xlsxwriter")
HEAVY_EVERY = 500
TITLE = "Не печатает принтер в бухгалтерии"


def rss_mib(field: str = "VmRSS") -> float:
    """The process's resident size now (or its peak so far, with "VmHWM")."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field}")


def heavy_loaded() -> str:
    return ", ".join(m for m in HEAVY_MODULES if m in sys.modules) or "none"


def _signed_in(user: User) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def requests(heavy: bool) -> tuple[list[Callable[[], int]], list[Callable[[], int]]]:
    """The light requests and the heavy ones, each a call that answers the status code."""
    customer = User.objects.filter(role=Role.CUSTOMER, is_active=True).order_by("pk").first()
    agent = (
        User.objects.filter(role=Role.AGENT, is_active=True)
        .annotate(n=Count("assigned_incidents", filter=Q(assigned_incidents__closed_at=None)))
        .order_by("-n")
        .first()
    )
    lead = User.objects.filter(role=Role.LEAD, is_active=True).order_by("pk").first()
    assert customer and agent and lead, "needs the demo desk (`incidesk demo`)"
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(customer)}")
    staff_api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(agent)}")
    portal, desk, manager = _signed_in(customer), _signed_in(agent), _signed_in(lead)
    own = Incident.objects.filter(reporter=customer).order_by("-pk").first()
    some = Incident.objects.order_by("-pk").first()
    assert own is not None and some is not None
    body = {"title": TITLE, "description": "Замятие бумаги."}
    form = {**body, "kind": "incident", "impact": "medium", "urgency": "medium"}
    light = [
        lambda: api.post("/api/v1/incidents", body, content_type="application/json").status_code,
        lambda: portal.post("/incidents/new/", form).status_code,
        lambda: desk.get("/console/", {"queue": "open"}).status_code,
        lambda: desk.get("/console/rows/", {"queue": "open"}).status_code,
        lambda: desk.get("/console/", {"queue": "all", "q": "принтер"}).status_code,
        lambda: desk.get(f"/console/incidents/{some.number}/").status_code,
        lambda: staff_api.get("/api/v1/incidents", {"status": "in_progress"}).status_code,
        lambda: staff_api.get(f"/api/v1/incidents/{some.number}").status_code,
        lambda: portal.get("/incidents/").status_code,
        lambda: portal.get(f"/incidents/{own.number}/").status_code,
        lambda: manager.get("/console/lead/").status_code,
        lambda: desk.get("/notifications/").status_code,
    ]
    heavy_requests = [
        lambda: manager.get("/reports/").status_code,
        lambda: manager.get("/reports/charts/trend.svg").status_code,
        lambda: manager.get("/api/v1/reports/export/incidents.xlsx").status_code,
        lambda: manager.get("/recurring/").status_code,
    ]
    return light, heavy_requests if heavy else []


def main() -> None:
    count = int(next((a for a in sys.argv[1:] if a.isdigit()), "10000"))
    get_resolver().url_patterns  # noqa: B018  a worker resolves the URLconf on its first request
    print(f"app loaded: {rss_mib():.1f} MiB; heavy modules: {heavy_loaded()}")
    light, heavy = requests("--heavy" in sys.argv)
    for i, send in enumerate(light + heavy):
        status = send()
        assert status < 400, (i, status)
    print(
        f"after one request of each kind: {rss_mib():.1f} MiB (peak {rss_mib('VmHWM'):.1f}); "
        f"heavy: {heavy_loaded()}"
    )
    lights, heavies = cycle(light), cycle(heavy)
    for i in range(1, count + 1):
        send = next(heavies) if heavy and i % HEAVY_EVERY == 0 else next(lights)
        status = send()
        assert status < 400, (i, status)
        if i % 1000 == 0:
            print(
                f"{i:6} requests: {rss_mib():.1f} MiB (peak {rss_mib('VmHWM'):.1f}); "
                f"heavy: {heavy_loaded()}",
                flush=True,
            )


if __name__ == "__main__":
    main()
