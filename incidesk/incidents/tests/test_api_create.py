"""POST /incidents: registration, idempotency, and refusing bad input without writing."""

import threading

import pytest
from django.db import connection

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, TeamFactory
from incidesk.incidents import api as incidents_api
from incidesk.incidents.models import IdempotencyKey, Incident
from incidesk.incidents.tests.apiclient import Api, assert_problem, nothing_written

pytestmark = pytest.mark.django_db


def test_customer_registers_for_themself():
    customer = CustomerFactory()
    response = Api(customer).post(
        "/incidents", {"title": "Не печатает принтер", "category": "printer", "impact": "high"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == f"/api/v1/incidents/{body['number']}"
    assert body["reporter"] == customer.email
    assert body["organisation"] == customer.organisation_id
    assert body["channel"] == "api"
    assert body["category"] == "printer"
    assert body["priority"] == 2  # high impact x medium urgency
    assert body["status"] == "new"
    assert body["version"] == 1
    assert body["allowed_actions"] == []  # a customer cannot act on a new incident


def test_customers_on_behalf_fields_are_ignored_unread():
    customer = CustomerFactory()
    response = Api(customer).post(
        "/incidents",
        {"title": "Моё", "reporter": "nobody@example.com", "organisation": 0, "team": "nope"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["reporter"], body["organisation"]) == (customer.email, customer.organisation_id)


def test_staff_registers_on_behalf_of_a_customer():
    customer = CustomerFactory()
    team = TeamFactory()
    response = Api(AgentFactory()).post(
        "/incidents",
        {
            "title": "1С не запускается",
            "kind": "service_request",
            "service": "erp_1c",
            "reporter": customer.email.upper(),
            "team": team.code,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reporter"] == customer.email
    assert body["organisation"] == customer.organisation_id
    assert (body["kind"], body["service"], body["team"]) == ("service_request", "erp_1c", team.code)


def test_staff_registers_a_contact_without_an_account():
    response = Api(AgentFactory()).post(
        "/incidents", {"title": "Звонок", "contact_name": "Иван", "contact_phone": "+7 900"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["reporter"] is None


def test_same_idempotency_key_returns_the_same_incident():
    api = Api(CustomerFactory())
    body = {"title": "Нет интернета", "category": "internet"}
    first = api.post("/incidents", body, **{"Idempotency-Key": "retry-1"})
    # The same request with a default spelled out is the same request.
    second = api.post("/incidents", {**body, "kind": "incident"}, **{"Idempotency-Key": "retry-1"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["number"] == second.json()["number"]
    assert Incident.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_same_idempotency_key_with_another_body_is_refused():
    api = Api(CustomerFactory())
    api.post("/incidents", {"title": "Нет интернета"}, **{"Idempotency-Key": "k"})
    with nothing_written():
        response = api.post("/incidents", {"title": "Другое"}, **{"Idempotency-Key": "k"})
    problem = assert_problem(response, 422, "idempotency_key_reused")
    assert "Idempotency-Key" in problem["fields"]


def test_idempotency_keys_are_per_user():
    body = {"title": "Нет интернета"}
    one = Api(CustomerFactory()).post("/incidents", body, **{"Idempotency-Key": "k"})
    two = Api(CustomerFactory()).post("/incidents", body, **{"Idempotency-Key": "k"})
    assert (one.status_code, two.status_code) == (201, 201)
    assert one.json()["number"] != two.json()["number"]


def test_losing_an_idempotency_race_returns_the_winner(monkeypatch):
    """The second request misses the first one's key on its early check (as if both ran at
    once); the unique constraint catches it and its own incident is rolled back."""
    api = Api(CustomerFactory())
    first = api.post("/incidents", {"title": "Гонка"}, **{"Idempotency-Key": "race"})
    real_replay = incidents_api._replay
    calls = []

    def replay_late(*args):
        calls.append(args)
        return None if len(calls) == 1 else real_replay(*args)

    monkeypatch.setattr(incidents_api, "_replay", replay_late)
    with nothing_written():
        second = api.post("/incidents", {"title": "Гонка"}, **{"Idempotency-Key": "race"})
    assert second.status_code == 200, second.content
    assert second.json()["number"] == first.json()["number"]
    assert len(calls) == 2


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_concurrent_retries_create_one_incident(reference_data, monkeypatch):
    customer = CustomerFactory()
    api = Api(customer)
    both_checked = threading.Barrier(2, timeout=10)
    real_replay = incidents_api._replay

    def replay_together(*args):
        found = real_replay(*args)
        if found is None and not getattr(local, "waited", False):
            local.waited = True
            both_checked.wait()  # both requests saw no key before either created anything
        return found

    local = threading.local()
    monkeypatch.setattr(incidents_api, "_replay", replay_together)
    responses = []

    def call() -> None:
        try:
            responses.append(api.post("/incidents", {"title": "Дубль"}, **{"Idempotency-Key": "x"}))
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in responses) == [200, 201]
    assert len({r.json()["number"] for r in responses}) == 1
    assert Incident.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({}, "title", "This field is required."),
        ({"title": ""}, "title", "This field cannot be blank."),
        ({"title": 42}, "title", "Must be a string."),
        ({"title": "x" * 201}, "title", "At most 200 characters."),
        ({"title": "ok", "description": "x" * (64 * 1024 + 1)}, "description", None),
        ({"title": "ok", "impact": "huge"}, "impact", "Must be one of: high, medium, low."),
        ({"title": "ok", "kind": "problem"}, "kind", None),
        ({"title": "ok", "organisation": "one"}, "organisation", "Enter a whole number."),
        ({"title": "ok", "colour": "red"}, "colour", "Unknown field."),
        ({"title": "ok", "category": "nope"}, "category", "Unknown code “nope”."),
        ({"title": "ok", "service": "nope"}, "service", "Unknown code “nope”."),
        ({"title": "ok", "team": "nope"}, "team", None),
        ({"title": "ok", "reporter": "nobody@example.com"}, "reporter", None),
        ({"title": "ok", "contact_email": "not-an-address"}, "contact_email", None),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(body, field, reason):
    api = Api(AgentFactory())
    body.setdefault("contact_email", "someone@example.com")
    with nothing_written():
        response = api.post("/incidents", body, **{"Idempotency-Key": "bad"})
    problem = assert_problem(response, 422, "invalid_input")
    assert field in problem["fields"], problem
    if reason:
        assert problem["fields"][field] == reason


def test_description_limit_is_64_kib_of_text_not_characters():
    api = Api(CustomerFactory())
    with nothing_written():
        response = api.post("/incidents", {"title": "ok", "description": "я" * 40_000})
    assert assert_problem(response, 422, "invalid_input")["fields"] == {
        "description": "At most 64 KiB of text."
    }


def test_a_body_that_is_not_json_is_a_problem_too():
    api = Api(CustomerFactory())
    with nothing_written():
        response = api.client.post("/api/v1/incidents", "{title:", content_type="application/json")
    assert_problem(response, 400, "malformed_request")
