"""A database outage is answered 503 with Retry-After, and the health check tells the proxy."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError

from incidesk.accounts.auth import BearerToken
from incidesk.accounts.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _refuse(*args, **kwargs):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: refused')


def test_health_answers_ok_when_database_and_queue_answer(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"]


def test_health_is_503_without_details_when_the_queue_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.content == b"unavailable\n"


def test_health_is_503_when_the_database_refuses(client, monkeypatch):
    monkeypatch.setattr("incidesk.core.availability.connection.cursor", _refuse)

    response = client.get("/health/")

    assert response.status_code == 503
    assert b"5432" not in response.content


@pytest.mark.parametrize(
    ("language", "detail"),
    [("ru", "Система ненадолго недоступна"), ("en", "The service is briefly unavailable")],
)
def test_api_answers_503_problem_in_the_callers_language(client, monkeypatch, language, detail):
    monkeypatch.setattr(BearerToken, "authenticate", _refuse)

    response = client.get(
        "/api/v1/incidents",
        HTTP_AUTHORIZATION="Bearer whatever",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "unavailable"
    assert body["detail"].startswith(detail)
    assert "5432" not in response.content.decode()


def test_a_page_answers_503_when_the_session_store_is_down(client, monkeypatch):
    client.force_login(CustomerFactory())
    client.raise_request_exception = False
    monkeypatch.setattr(SessionStore, "load", _refuse)

    response = client.get("/incidents/", HTTP_ACCEPT_LANGUAGE="ru")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Система ненадолго недоступна" in response.content.decode()


def test_other_server_errors_stay_500(client, monkeypatch):
    client.force_login(CustomerFactory())
    client.raise_request_exception = False
    monkeypatch.setattr(SessionStore, "load", lambda self: 1 / 0)

    assert client.get("/incidents/").status_code == 500
