"""Several nodes on one PostgreSQL, and a database outage, with `incidesk serve` as real
processes (slow; PostgreSQL only: the nodes share a fresh database of their own)."""

import secrets
import time
from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection

from incidesk.core.tests.tcpproxy import TcpProxy
from incidesk.core.tests.test_serve import Server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="nodes share a PostgreSQL"),
]

SECRET = secrets.token_urlsafe(50)


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


def test_a_database_outage_is_a_wait_not_a_crash(tmp_path, empty_database):
    params = connection.settings_dict
    proxy = TcpProxy((params["HOST"] or "127.0.0.1", int(params["PORT"] or 5432)))
    env = {"DATABASE_URL": _server_dsn(empty_database, proxy.port), "SECRET_KEY": SECRET}
    node = Server(tmp_path, **env).wait()
    try:
        proxy.cut()
        seen: set[int] = set()
        until = time.monotonic() + 30
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
        assert node.process.poll() is None
        assert "worker завершился" in node.output  # it gave up in the outage and came back
    finally:
        node.stop()
        proxy.close()
