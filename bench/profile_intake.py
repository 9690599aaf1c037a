"""Profile intake in-process: server CPU and SQL queries per incident, through the API and the
portal form, with the full stack (middleware, auth, throttles, the action, the response).

    INCIDESK_DATA_DIR=/tmp/desk .venv/bin/python bench/profile_intake.py [N] [--profile]

Needs a desk with demo data (`incidesk demo`). Prints CPU ms and queries (writes) per incident;
with `--profile`, the cProfile of the API intake, sorted by cumulative time.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incidesk.settings")
os.environ.setdefault("INCIDESK_RATE_API_WRITES", "1000000/m")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from incidesk.accounts.models import ApiToken, Role, User  # noqa: E402

WRITES = ("INSERT", "UPDATE", "DELETE")


def _customer() -> User:
    return User.objects.filter(role=Role.CUSTOMER, is_active=True).order_by("pk").first()


def _measure(name: str, send, count: int) -> None:
    send(0)  # warm up: first-request imports and caches
    queries = writes = 0
    started = time.process_time()
    for i in range(1, count + 1):
        with CaptureQueriesContext(connection) as captured:
            send(i)
        queries += len(captured)
        writes += sum(q["sql"].lstrip().upper().startswith(WRITES) for q in captured)
    cpu = (time.process_time() - started) * 1000 / count
    print(
        f"{name:12} {cpu:6.2f} ms CPU  {queries / count:5.1f} queries  {writes / count:4.1f} writes"
    )


def main() -> None:
    count = int(next((a for a in sys.argv[1:] if a.isdigit()), "200"))
    customer = _customer()
    token = ApiToken.issue(customer)
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    body = {"title": "Не печатает принтер в бухгалтерии", "description": "Замятие бумаги.\n"}

    def send_api(i: int) -> None:
        response = api.post("/api/v1/incidents", body, content_type="application/json")
        assert response.status_code == 201, response.content

    portal = Client(HTTP_HOST="localhost")
    portal.force_login(customer)
    form = {"title": body["title"], "description": body["description"], "kind": "incident"}
    form |= {"impact": "medium", "urgency": "medium", "category": "", "service": ""}

    def send_form(i: int) -> None:
        response = portal.post("/incidents/new/", form)
        assert response.status_code == 302, response.content.decode()[:2000]

    _measure("api", send_api, count)
    _measure("portal form", send_form, count)
    if "--profile" in sys.argv:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [send_api(i) for i in range(count)])
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
