"""The rate-limit machinery: whose address counts, the shared counters, API write limits."""

import os
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.core.models import RateCounter
from incidesk.core.ratecounters import DatabaseCounters, FileCounters, counters_for
from incidesk.core.ratelimits import (
    RateLimit,
    client_ip,
    delete_past_windows,
    ip_key,
    parse_rate,
)
from incidesk.core.sqlite.base import DatabaseWrapper as SQLiteDatabaseWrapper
from incidesk.incidents.tests.apiclient import Api, assert_problem
from incidesk.incidents.tests.factories import make_incident
from incidesk.settings import env_rate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rate_limit_window")]


def _request(remote: str = "10.0.0.2", forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(settings):
    settings.INCIDESK_TRUSTED_PROXIES = 0
    assert client_ip(_request(forwarded="1.2.3.4")) == "10.0.0.2"


def test_behind_a_proxy_the_address_it_saw_counts_not_what_the_client_wrote(settings):
    settings.INCIDESK_TRUSTED_PROXIES = 1
    assert client_ip(_request(forwarded="6.6.6.6, 203.0.113.9")) == "203.0.113.9"
    assert client_ip(_request(forwarded="")) == "10.0.0.2"
    settings.INCIDESK_TRUSTED_PROXIES = 2
    assert client_ip(_request(forwarded="6.6.6.6, 203.0.113.9, 10.0.0.1")) == "203.0.113.9"
    assert client_ip(_request(forwarded="203.0.113.9")) == "203.0.113.9"


def test_an_ipv6_site_shares_one_counter():
    first = ip_key(_request(remote="2001:db8:1:2::1"))
    assert first == ip_key(_request(remote="2001:db8:1:2:ffff::9")) == "2001:db8:1:2::"
    assert ip_key(_request(remote="2001:db8:1:3::1")) != first


def test_the_sign_in_lockout_reads_the_same_address(settings):
    from axes.helpers import get_client_ip_address

    settings.INCIDESK_TRUSTED_PROXIES = 1
    assert get_client_ip_address(_request(forwarded="6.6.6.6, 203.0.113.9")) == "203.0.113.9"


def test_rates_in_the_environment_are_checked(monkeypatch):
    monkeypatch.setenv("INCIDESK_RATE_TRACK_IP", "100/10m")
    assert env_rate("INCIDESK_RATE_TRACK_IP", "1/s") == "100/10m"
    monkeypatch.setenv("INCIDESK_RATE_TRACK_IP", "100 per minute")
    with pytest.raises(Exception, match="INCIDESK_RATE_TRACK_IP"):
        env_rate("INCIDESK_RATE_TRACK_IP", "1/s")


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("30/10m", (30, 600)), ("5/h", (5, 3600)), ("1/s", (1, 1)), ("100/2d", (100, 172_800))],
)
def test_a_rate_is_requests_per_seconds(rate, parsed):
    assert parse_rate(rate) == parsed


# A limit of its own, three requests a minute per address, for the counter's own tests.
PROBE = RateLimit("probe", "INCIDESK_RATE_PROBE", ip_key)


@pytest.fixture
def probe_rate(settings):
    settings.INCIDESK_RATE_PROBE = "3/m"


@pytest.mark.usefixtures("probe_rate")
def test_a_counted_request_is_one_statement():
    request = _request()
    PROBE.hit(request)
    with CaptureQueriesContext(connection) as captured:
        assert PROBE.hit(request) is None
    assert len(captured) == 1, [query["sql"] for query in captured]
    assert RateCounter.objects.get().count == 2


@pytest.mark.usefixtures("probe_rate")
def test_the_count_starts_again_in_the_callers_next_window():
    request = _request()
    assert [PROBE.hit(request) for _ in range(3)] == [None, None, None]
    wait = PROBE.hit(request)
    assert wait is not None and 1 <= wait <= 60
    assert PROBE.check(request) == wait
    assert PROBE.check(_request(remote="10.0.0.3")) is None  # another address, its own count
    with time_machine.travel(timedelta(seconds=wait)):
        assert PROBE.check(request) is None
        assert PROBE.hit(request) is None


@pytest.mark.usefixtures("probe_rate")
def test_counters_keep_no_address_and_past_windows_are_deleted():
    PROBE.hit(_request())
    counter = RateCounter.objects.get()
    assert "10.0.0.2" not in counter.key and len(counter.key) == 64
    with time_machine.travel(counter.expires - timedelta(seconds=1)):
        delete_past_windows(timezone.now())
        assert RateCounter.objects.exists()
    with time_machine.travel(counter.expires):
        PROBE.hit(_request(remote="10.0.0.3"))
        delete_past_windows(timezone.now())
    assert not RateCounter.objects.filter(key=counter.key).exists()
    assert RateCounter.objects.count() == 1  # the other address's, in its current window


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_concurrent_requests_are_all_counted(transactional_db, settings):
    settings.INCIDESK_RATE_PROBE = "1000/h"
    start = threading.Barrier(4, timeout=10)

    def hammer() -> None:
        try:
            start.wait()
            for _ in range(25):
                PROBE.hit(_request())
        finally:
            connection.close()

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert RateCounter.objects.get().count == 100


def test_a_sqlite_file_desk_keeps_its_counters_in_a_file_of_their_own(tmp_path):
    desk = SQLiteDatabaseWrapper({**connection.settings_dict, "NAME": str(tmp_path / "desk")})
    in_file = counters_for(desk)
    assert isinstance(in_file, FileCounters) and in_file.path == str(tmp_path / "desk-ratecounters")
    assert isinstance(counters_for(connection), DatabaseCounters)  # in memory, or PostgreSQL


def test_counters_in_a_file_are_shared_and_forget_ended_windows(tmp_path):
    counters = FileCounters(str(tmp_path / "desk-ratecounters"))
    assert [counters.count("ends-100", 100) for _ in range(3)] == [1, 2, 3]
    counters.count("ends-200", 200)
    start = threading.Barrier(4, timeout=10)

    def hammer() -> None:  # each thread opens a connection of its own, as a process would
        start.wait()
        for _ in range(50):
            counters.count("ends-100", 100)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert FileCounters(counters.path).counted("ends-100") == 203
    counters.delete_ended(100)
    assert (counters.counted("ends-100"), counters.counted("ends-200")) == (0, 1)


COUNT_SCRIPT = """
from django.test import RequestFactory
from incidesk.core.ratelimits import API_WRITES
request = RequestFactory().post("/api/v1/incidents", REMOTE_ADDR="10.0.0.9")
for _ in range(25):
    API_WRITES.hit(request)
"""


@pytest.mark.slow
def test_processes_on_a_sqlite_file_count_together_beside_the_desk(migrated_data_dir):
    """Web workers of a SQLite desk share the counters' file, and the desk's own file takes
    no write for them."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite file behaviour")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"INCIDESK_DATA_DIR": str(migrated_data_dir), "INCIDESK_RATE_API_WRITES": "1000/m"}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "incidesk.cli", "shell", "-c", COUNT_SCRIPT],
            env=env,
            stderr=subprocess.PIPE,
        )
        for _ in range(3)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err.decode()
    desk = migrated_data_dir / "incidesk.sqlite3"
    with closing(sqlite3.connect(f"{desk}-ratecounters")) as counters:
        assert counters.execute('SELECT "count" FROM ratecounter').fetchall() == [(75,)]
    with closing(sqlite3.connect(desk)) as database:
        assert database.execute("SELECT count(*) FROM core_ratecounter").fetchone() == (0,)


def test_api_writes_are_limited_per_token_and_reads_are_not(settings):
    settings.INCIDESK_RATE_API_WRITES = "3/m"
    incident = make_incident()
    agent = AgentFactory()
    api, other_token = Api(agent), Api(agent, language="ru")
    for n in range(3):
        added = api.post(f"/incidents/{incident.number}/comments", {"body": f"Заметка {n}"})
        assert added.status_code == 201, added.content
    refused = api.post(f"/incidents/{incident.number}/comments", {"body": "Лишняя"})
    body = assert_problem(refused, 429, "rate_limited")
    assert 1 <= int(refused["Retry-After"]) <= 60 and body["retry_after"] == int(
        refused["Retry-After"]
    )
    assert body["detail"].startswith("Too many changes in a short time. Try again in")
    assert api.patch(f"/incidents/{incident.number}", {"title": "x"}).status_code == 429
    assert incident.comments.count() == 3
    for _ in range(10):
        assert api.get(f"/incidents/{incident.number}").status_code == 200
    other = other_token.post(f"/incidents/{incident.number}/comments", {"body": "Своя"})
    assert other.status_code == 201
    for _ in range(2):
        other_token.post(f"/incidents/{incident.number}/comments", {"body": "Ещё"})
    russian = assert_problem(
        other_token.post(f"/incidents/{incident.number}/comments", {"body": "Лишняя"}),
        429,
        "rate_limited",
    )
    assert russian["title"] == "Слишком много запросов"
    assert russian["detail"].startswith("Слишком много изменений за короткое время.")


def test_the_web_ui_session_is_limited_per_user(client, settings):
    settings.INCIDESK_RATE_API_WRITES = "1/m"
    customer = CustomerFactory()
    incident = make_incident(reporter=customer)
    client.force_login(customer)
    url = f"/api/v1/incidents/{incident.number}/comments"
    first = client.post(url, {"body": "Раз"}, content_type="application/json")
    assert first.status_code == 201, first.content
    made_up_token = {"Authorization": "Bearer made-up"}
    second = client.post(
        url, {"body": "Два"}, content_type="application/json", headers=made_up_token
    )
    assert_problem(second, 429, "rate_limited")
