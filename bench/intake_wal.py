"""What one API registration writes to SQLite's WAL, and its CPU, in-process.

    INCIDESK_DATA_DIR=/tmp/desk .venv/bin/python bench/intake_wal.py [N]

Needs a desk with demo data, SQLite (WAL). After 20 warm-up registrations the WAL is
truncated and held by a reader, so the WAL's frame count after N registrations
(`PRAGMA wal_checkpoint`) is the pages they wrote: a measure load does not move, unlike the CPU
time, printed as the median and mean process time of a request and user/system time per
registration. Adds N + 20 incidents to the desk: run it on a copy.
"""

from __future__ import annotations

import os
import resource
import sqlite3
import statistics
import sys
import time
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incidesk.settings")
os.environ.setdefault("INCIDESK_RATE_API_WRITES", "1000000/m")
django.setup()

from django.db import connection  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402
from django.test import Client  # noqa: E402

from incidesk.accounts.models import ApiToken, Role, User  # noqa: E402

WARM_UP = 20


def _no_autocheckpoint(sender: Any, connection: Any, **_kwargs: Any) -> None:
    """Django may reopen its connection between requests: each new one must not checkpoint."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint=0")


def main() -> None:
    count = int(next((a for a in sys.argv[1:] if a.isdigit()), "300"))
    if connection.vendor != "sqlite":
        sys.exit("SQLite only: PostgreSQL's WAL is the whole cluster's")
    connection_created.connect(_no_autocheckpoint)
    customer = User.objects.filter(role=Role.CUSTOMER, is_active=True).order_by("pk").first()
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(customer)}")
    body = {"title": "Не печатает принтер в бухгалтерии", "description": "Замятие бумаги.\n"}

    def send() -> None:
        response = api.post("/api/v1/incidents", body, content_type="application/json")
        assert response.status_code == 201, response.content

    for _ in range(WARM_UP):
        send()
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # A second connection reading from the empty WAL on: no checkpoint (the backend's own
    # every few write turns, or one when Django's connection closes) copies a frame past its
    # snapshot, so the WAL never starts over and its frames are all the registrations wrote.
    keeper = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    keeper.execute("BEGIN")
    keeper.execute("SELECT count(*) FROM sqlite_master").fetchone()
    before = resource.getrusage(resource.RUSAGE_SELF)
    times = []
    for _ in range(count):
        started = time.process_time()
        send()
        times.append(time.process_time() - started)
    after = resource.getrusage(resource.RUSAGE_SELF)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        _busy, frames, _copied = cursor.fetchone()
    keeper.close()
    user = (after.ru_utime - before.ru_utime) * 1000 / count
    system = (after.ru_stime - before.ru_stime) * 1000 / count
    print(
        f"{count} registrations: {frames / count:.2f} WAL frames each; CPU median "
        f"{statistics.median(times) * 1000:.2f} ms, mean {statistics.mean(times) * 1000:.2f} ms "
        f"(user {user:.2f}, system {system:.2f})"
    )


if __name__ == "__main__":
    main()
