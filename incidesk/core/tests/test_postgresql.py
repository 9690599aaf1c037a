"""The PostgreSQL backend's health check: no round trip for an idle, open connection; the
server's word when it has closed the session."""

import select
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, connections

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend"),
]


@pytest.fixture
def kept() -> Iterator[Any]:
    """A connection of its own, idle in autocommit, as a web worker keeps it between requests."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def test_an_idle_open_connection_is_usable_without_a_query(kept, monkeypatch):
    def no_query(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the health check sent a query")

    monkeypatch.setattr(kept.connection, "cursor", no_query)
    assert kept.is_usable()


def test_a_connection_the_server_ended_is_not_usable(kept):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [kept.connection.info.backend_pid])
    readable, _, _ = select.select([kept.connection.pgconn.socket], [], [], 10)
    assert readable, "the server closes the session"
    assert not kept.is_usable()


def test_a_connection_inside_a_transaction_is_asked(kept, monkeypatch):
    asked = []
    cursor = kept.connection.cursor

    def counted(*args: Any, **kwargs: Any) -> Any:
        asked.append("a query")
        return cursor(*args, **kwargs)

    kept.connection.execute("BEGIN")
    monkeypatch.setattr(kept.connection, "cursor", counted)
    assert kept.is_usable()
    assert asked == ["a query"]
