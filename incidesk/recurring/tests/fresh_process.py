"""Run by `test_imports.py` in a process of its own, as a web worker: load the app, build a
small demo desk in `INCIDESK_DATA_DIR`, serve every page and endpoint that compares texts, and
print (JSON) their status codes and which of numpy, scipy and scikit-learn got imported."""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incidesk.settings")

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

import incidesk.wsgi  # noqa: F401  the app as gunicorn loads it
from incidesk.accounts.models import ApiToken, Role, User
from incidesk.incidents.models import Incident
from incidesk.recurring.models import GroupRun, GroupRunStatus

HEAVY = ("numpy", "scipy", "sklearn")


def _client(user: User) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("demo", incidents=150, seed=13, verbosity=0)
    agent = User.objects.filter(role=Role.AGENT, is_active=True).order_by("pk").first()
    lead = User.objects.filter(role=Role.LEAD, is_active=True).order_by("pk").first()
    customer = User.objects.filter(role=Role.CUSTOMER, is_active=True).order_by("pk").first()
    assert agent and lead and customer
    desk, manager, portal = _client(agent), _client(lead), _client(customer)
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(lead)}")
    number = Incident.objects.order_by("-pk").values_list("number", flat=True).first()
    assert number is not None
    ids = list(Incident.objects.order_by("-pk").values_list("pk", flat=True)[:3])
    now = timezone.now()
    stored = [{"incidents": ids, "first": number, "top_terms": ["vpn"], "shared_fields": []}]
    asked = {
        "workspace": lambda: desk.get(f"/console/incidents/{number}/"),
        "similar incidents panel": lambda: desk.get("/recurring/suggest/", {"incident": number}),
        "known errors panel": lambda: desk.get(f"/problems/known-errors/{number}/"),
        "intake suggestion": lambda: portal.get(
            "/recurring/suggest/", {"title": "vpn ne rabotaet"}
        ),
        "kb close search": lambda: desk.get("/kb/", {"q": "prnter ne pechataet"}),
        "api similar": lambda: api.get("/api/v1/recurring/similar", {"text": "принтер"}),
        "groups page, none yet": lambda: manager.get("/recurring/", {"days": "14"}),
        "api groups, none yet": lambda: api.get("/api/v1/recurring/groups", {"days": "7"}),
        "groups page, stored": lambda: (
            GroupRun.objects.create(
                days=30,
                min_size=3,
                status=GroupRunStatus.DONE,
                since=now - timedelta(days=30),
                until=now,
                finished_at=now,
                result=[{**stored[0], "recent": 3, "earlier": 0}],
            ),
            manager.get("/recurring/", {"days": "30"}),
        )[1],
        "api groups, stored": lambda: api.get(
            "/api/v1/recurring/groups", {"days": "30", "min_size": "3"}
        ),
    }
    statuses = {name: send().status_code for name, send in asked.items()}
    loaded = [name for name in HEAVY if name in sys.modules]
    print(json.dumps({"statuses": statuses, "heavy": loaded}))


if __name__ == "__main__":
    main()
