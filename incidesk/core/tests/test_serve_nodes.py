"""Several nodes on one PostgreSQL, and a database outage, with `incidesk serve` as real
processes (slow; PostgreSQL only: the nodes share a database of their own, empty where the
start-up is what is tested, else a copy of the run's migrated desk). Two full nodes
also share Redis (127.0.0.1:6379, database 9, emptied before and after; skipped with the reason
when Redis is not there) and an S3 bucket (moto's server): a file crosses from one to the other,
and delayed work goes on after the node whose worker schedules it is killed."""

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import psycopg
import pytest
import redis
import urllib3
from django.db import connection

from incidesk.core.scheduler import SCHEDULER_LOCK
from incidesk.core.tests.tcpproxy import TcpProxy
from incidesk.core.tests.test_serve import Server
from incidesk.incidents.tests.conftest import Bucket, S3Server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="nodes share a PostgreSQL"),
]

SECRET = secrets.token_urlsafe(50)
# Seconds the database is away: longer than the scheduler's wait after a failed turn (5 s) and
# than the supervisor's first three restarts of a child that keeps dying (1 + 2 + 4 s).
OUTAGE = 10


def _server_dsn(database: str, port: int | None = None) -> str:
    params = connection.settings_dict
    host, user = params["HOST"] or "127.0.0.1", params["USER"] or "postgres"
    return f"postgres://{user}@{host}:{port or params['PORT'] or 5432}/{database}"


@pytest.fixture
def empty_database() -> Iterator[str]:
    """A new, empty database: what a first deployment starts from."""
    name = f"incidesk_nodes_{secrets.token_hex(4)}"
    with psycopg.connect(_server_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(_server_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def migrated_database(migrated_postgres) -> str:
    """A database migrated already: `serve`'s migration at start-up finds nothing to do."""
    return migrated_postgres.copy()


def test_a_shared_database_needs_a_shared_secret(tmp_path, empty_database):
    node = Server(tmp_path, DATABASE_URL=_server_dsn(empty_database))

    assert node.process.wait(timeout=60) != 0
    assert "CommandError" in node.output
    assert "SECRET_KEY" in node.output


def test_two_nodes_start_at_once_on_an_empty_database(tmp_path, empty_database):
    env = {"DATABASE_URL": _server_dsn(empty_database), "SECRET_KEY": SECRET}
    nodes = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        nodes.append(Server(tmp_path / folder, "--web", **env))
    try:
        for node in nodes:
            node.wait()
        assert [node.status("/health/") for node in nodes] == [200, 200]
    finally:
        for node in nodes:
            node.stop()


def test_a_database_outage_is_a_wait_not_a_crash(tmp_path, migrated_database):
    params = connection.settings_dict
    proxy = TcpProxy((params["HOST"] or "127.0.0.1", int(params["PORT"] or 5432)))
    env = {"DATABASE_URL": _server_dsn(migrated_database, proxy.port), "SECRET_KEY": SECRET}
    node = Server(tmp_path, **env).wait()
    try:
        proxy.cut()
        seen: set[int] = set()
        until = time.monotonic() + OUTAGE
        while time.monotonic() < until:
            seen.add(node.status("/health/"))
            seen.add(node.status("/api/v1/incidents", Authorization="Bearer not-a-token"))
            assert node.process.poll() is None, node.output
            time.sleep(1)
        assert seen == {503}, node.output

        proxy.restore()
        deadline = time.monotonic() + 30
        while node.status("/health/") != 200:
            assert time.monotonic() < deadline, node.output
            time.sleep(0.5)
        assert node.status("/api/v1/incidents", Authorization="Bearer not-a-token") == 401
        # The node lived through it. Its task worker may have slept through the cut (it sleeps
        # until a task is due or announced) or given up and been started again by `serve`.
        assert node.process.poll() is None
    finally:
        node.stop()
        proxy.close()


REDIS_URL = "redis://127.0.0.1:6379/9"
CUSTOMER = "ivan@example.com"
REPORT = os.urandom(300_000)
FAIL_OVER = 60  # seconds: delayed work goes on within a minute of its scheduler's node dying

CREATE_CUSTOMER = f"""
from incidesk.accounts.models import ApiToken, User
print(ApiToken.issue(User.objects.create_user("{CUSTOMER}", role="customer")))
"""
# A mail whose send failed, as `mail.sending.send` leaves it: `retrying`, its next try promised.
RETRY_IN = """
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from incidesk.core.promises import promise
from incidesk.mail.models import OutgoingMail
from incidesk.mail.tasks import send_outgoing_mail
mail_id, seconds = {mail_id}, {seconds}
with transaction.atomic():
    OutgoingMail.objects.filter(pk=mail_id).update(state="retrying")
    promise(send_outgoing_mail, mail_id, run_after=timezone.now() + timedelta(seconds=seconds))
"""


@pytest.fixture
def redis_db() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379: the nodes' queue needs a real one")
    yield REDIS_URL
    client.flushdb()


@pytest.fixture
def bucket() -> Iterator[Bucket]:
    server = S3Server()
    yield Bucket(server).create()
    server.stop()


def _shell(env: dict[str, str], script: str) -> subprocess.Popen:
    """`incidesk shell -c script` started in the background; `_output` waits for it."""
    return subprocess.Popen(
        [sys.executable, "-m", "incidesk.cli", "shell", "-v0", "-c", script],
        env={k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")} | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _output(shell: subprocess.Popen) -> str:
    try:
        out, err = shell.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        shell.kill()  # no process outlives the test
        raise
    assert shell.returncode == 0, err
    return out.strip()


def _api(node: Server, method: str, path: str, token: str, **body) -> urllib3.BaseHTTPResponse:
    return urllib3.request(
        method,
        node.url(f"/api/v1{path}"),
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
        **body,
    )


def _kill(node: Server) -> None:
    """SIGKILL to the supervisor and to each child's process group (gunicorn's workers, RQ's
    work-horse): the node vanishes as in a power cut."""
    with contextlib.suppress(ProcessLookupError):
        node.process.kill()
    for pid in node.pids().values():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    node.process.wait()


def test_two_nodes_share_files_and_delayed_work_survives_the_scheduler_node(
    tmp_path, migrated_database, redis_db, bucket
):
    dsn = _server_dsn(migrated_database)
    env = {"DATABASE_URL": dsn, "SECRET_KEY": SECRET, "REDIS_URL": redis_db, **bucket.env}
    nodes = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        nodes.append(Server(tmp_path / folder, **env))  # at once
    try:
        node_a, node_b = nodes
        node_a.wait()  # the customer is made while B comes up
        customer = _shell({**env, "INCIDESK_DATA_DIR": str(tmp_path)}, CREATE_CUSTOMER)
        node_b.wait()
        assert all("EMAIL_HOST не задан" in node.output for node in nodes)  # per-node outboxes
        token = _output(customer)

        numbers = []
        for title in ("Принтер не печатает", "Нет доступа к почте"):
            created = _api(node_a, "POST", "/incidents", token, json={"title": title})
            assert created.status == 201, created.data
            numbers.append(created.json()["number"])
        uploaded = _api(
            node_a,
            "POST",
            f"/incidents/{numbers[0]}/attachments",
            token,
            fields={"file": ("журнал.bin", REPORT, "application/octet-stream")},
        )
        assert uploaded.status == 201, uploaded.data
        path = f"/incidents/{numbers[0]}/attachments/{uploaded.json()['id']}"
        downloaded = _api(node_b, "GET", path, token)
        assert (downloaded.status, downloaded.data) == (200, REPORT)
        assert not list(tmp_path.glob("*/media/**/*.bin"))  # in the bucket, on no node's disk

        with psycopg.connect(dsn, autocommit=True) as db:
            _wait_for(lambda: len(_mails(db, "sent")) == 2, 60, "the acknowledgements", nodes)
            mails = _mails(db, "sent")
            holder = _lock_holder(redis_db)
            victim = next(n for n in nodes if holder.endswith(f":{n.pids()['worker']}"))
            survivor = node_b if victim is node_a else node_a

            # One retry promised before the kill, due after it; one promised after it.
            _output(_shell(victim.env, RETRY_IN.format(mail_id=mails[0][0], seconds=5)))
            _kill(victim)
            killed_at = time.monotonic()
            _output(_shell(survivor.env, RETRY_IN.format(mail_id=mails[1][0], seconds=2)))
            _wait_for(
                lambda: len(_mails(db, "sent", attempts=2)) == 2,
                FAIL_OVER,
                "the delayed sends after the kill",
                nodes,
            )
            fail_over = time.monotonic() - killed_at

        assert fail_over < FAIL_OVER
        outbox = "".join(p.read_text() for p in (survivor.data_dir / "outbox").iterdir())
        assert all(message_id in outbox for _, message_id in mails)  # sent by the survivor
        holder = _lock_holder(redis_db)
        assert holder.endswith(f":{survivor.pids()['worker']}")
        assert survivor.status("/health/") == 200
    finally:
        for node in nodes:
            _kill(node)


def _mails(db: psycopg.Connection, state: str, attempts: int = 1) -> list[tuple[int, str]]:
    """The acknowledgements (id, Message-ID) in `state` after `attempts` tries."""
    return db.execute(
        "SELECT id, message_id FROM mail_outgoingmail WHERE state = %s AND attempts = %s"
        " ORDER BY id",
        [state, attempts],
    ).fetchall()


def _wait_for(condition, seconds: float, what: str, nodes: list[Server]) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(node.output for node in nodes)
            pytest.fail(f"{what} did not happen in {seconds} s:\n{logs}")
        time.sleep(0.3)


def _lock_holder(redis_db: str) -> str:
    """Who holds the RQ scheduler lock of the default queue: `host:pid` of a worker."""
    value = redis.Redis.from_url(redis_db).get(SCHEDULER_LOCK % "default")
    assert isinstance(value, bytes), value
    return value.decode()
