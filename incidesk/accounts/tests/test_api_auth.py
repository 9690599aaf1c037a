"""API authentication: bearer tokens and the Django session, active users only."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from incidesk.accounts.models import ApiToken
from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.incidents.models import Incident
from incidesk.incidents.tests.apiclient import assert_problem

pytestmark = pytest.mark.django_db


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")


def test_a_token_authenticates_its_user():
    user = CustomerFactory()
    response = bearer(ApiToken.issue(user)).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["email"] == user.email


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer ink_wrong", "Basic dXNlcjpwYXNz", "Token ink_x"]
)
def test_without_a_valid_token_it_is_401(header):
    ApiToken.issue(CustomerFactory())
    headers = {} if header is None else {"Authorization": header}
    response = Client().get("/api/v1/incidents", headers=headers)
    assert_problem(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_only_the_hash_is_stored():
    raw = ApiToken.issue(CustomerFactory())
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    assert ApiToken.objects.get().prefix == raw[4:12]


def test_an_inactive_users_token_is_refused():
    user = CustomerFactory()
    client = bearer(ApiToken.issue(user))
    user.is_active = False
    user.save()
    assert_problem(client.get("/api/v1/me"), 401, "unauthenticated")


def test_last_use_is_recorded_at_most_once_a_minute():
    user = CustomerFactory()
    client = bearer(ApiToken.issue(user))
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get("/api/v1/me")
    assert ApiToken.objects.get().last_used_at == start
    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        client.get("/api/v1/me")
    assert ApiToken.objects.get().last_used_at == start
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        client.get("/api/v1/me")
    assert ApiToken.objects.get().last_used_at == start + timedelta(seconds=61)


def test_a_session_works_for_the_web_ui():
    user = AgentFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/v1/me").json()["email"] == user.email


def test_session_writes_need_the_csrf_token():
    user = CustomerFactory()
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    body = {"title": "Из веб-интерфейса"}
    refused = client.post("/api/v1/incidents", body, content_type="application/json")
    assert_problem(refused, 403, "csrf_failed")
    assert not Incident.objects.exists()

    client.get("/admin/login/")  # any Django page that sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/v1/incidents", body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 201, accepted.content


def test_an_inactive_users_session_is_refused():
    user = CustomerFactory()
    client = Client()
    client.force_login(user)
    user.is_active = False
    user.save()
    assert_problem(client.get("/api/v1/me"), 401, "unauthenticated")


def test_a_token_wins_over_a_session_without_csrf():
    """Integrations that also carry a session cookie are not asked for a CSRF token."""
    user = CustomerFactory()
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)}")
    client.force_login(CustomerFactory())
    response = client.post(
        "/api/v1/incidents", {"title": "Скрипт"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["reporter"] == user.email
