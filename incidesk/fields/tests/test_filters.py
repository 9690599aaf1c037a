"""Lists filter by custom field values, on SQLite and PostgreSQL alike (their JSON lookups
differ): the API's `custom=code:value` and the console queue's filter fields, a several-choices
field matching when its list holds the value."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.fields.models import FieldType
from incidesk.fields.tests.factories import SEVERITY, make_field
from incidesk.incidents import actions
from incidesk.incidents.status import Status
from incidesk.incidents.tests.apiclient import Api, assert_problem
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db

AREAS = [
    {"code": "print", "ru": "Печать", "en": "Printing"},
    {"code": "scan", "ru": "Сканирование", "en": "Scanning"},
    {"code": "fax", "ru": "Факс", "en": "Fax"},
]


@pytest.fixture
def world():
    """Three incidents: areas [print, scan] / [scan] / none; other types set alongside."""
    make_field("areas", FieldType.CHOICES, choices=AREAS, label_ru="Области", customer_visible=True)
    make_field("severity", FieldType.CHOICE, choices=SEVERITY, label_ru="Серьёзность")
    make_field("onsite", FieldType.BOOLEAN, label_ru="Выезд")
    make_field("cost", FieldType.NUMBER, label_ru="Стоимость")
    make_field("visit", FieldType.DATE, label_ru="Дата выезда")
    agent, customer = AgentFactory(), CustomerFactory()
    made = [make_incident(Status.IN_PROGRESS, agent=agent, reporter=customer) for _ in range(3)]
    values: list[dict[str, Any]] = [
        {"areas": ["scan", "print"], "severity": "high", "onsite": True, "visit": "2026-12-01"},
        {"areas": ["scan"], "severity": "low", "onsite": False, "cost": 12.5},
        {"cost": 7},
    ]
    for incident, custom in zip(made, values, strict=True):
        actions.do_set_custom_fields(incident, actor=agent, values=custom)
    return agent, customer, [incident.number for incident in made]


def _api(user, *pairs: str) -> set[str]:
    response = Api(user).get("/incidents", {"custom": list(pairs)})
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["items"]}


def test_the_api_filters_a_several_choices_field_by_one_of_its_values(world):
    agent, customer, (first, second, _third) = world
    assert _api(agent, "areas:scan") == {first, second}
    assert _api(agent, "areas:print") == {first}
    assert _api(agent, "areas:fax") == set()
    assert _api(agent, "areas:scan", "severity:low") == {second}
    assert _api(agent, "areas:scan", "areas:print") == {first}
    assert _api(customer, "areas:print") == {first}  # customers see this field
    assert _api(agent, "areas:sca") == set()  # a value, not a substring


def test_the_api_filters_every_other_type(world):
    agent, _customer, (first, second, third) = world
    assert _api(agent, "severity:high") == {first}
    assert _api(agent, "onsite:false") == {second}
    assert _api(agent, "cost:12.5") == {second}
    assert _api(agent, "cost:7") == {third}
    assert _api(agent, "visit:2026-12-01") == {first}


def test_a_customer_cannot_filter_by_a_field_they_do_not_see(world):
    _agent, customer, _numbers = world
    body = assert_problem(
        Api(customer).get("/incidents", {"custom": ["severity:high"]}), 422, "invalid_input"
    )
    assert set(body["fields"]) == {"custom"}


def _queue(client, **params) -> set[str]:
    response = client.get(reverse("console:queues"), {"queue": "all", **params})
    assert response.status_code == 200
    return {row.incident.number for row in response.context["rows"]}


def test_the_console_queue_filters_by_custom_fields(world, client):
    agent, _customer, (first, second, _third) = world
    client.force_login(agent)
    page = client.get(reverse("console:queues"), {"queue": "all"}).content.decode()
    assert 'name="custom.areas"' in page and "Сканирование" in page
    assert _queue(client, **{"custom.areas": "scan"}) == {first, second}
    assert _queue(client, **{"custom.areas": "print", "custom.onsite": "yes"}) == {first}
    assert _queue(client, **{"custom.onsite": "no"}) == {second}
    assert _queue(client, **{"custom.cost": "12,5"}) == {second}
    assert _queue(client, **{"custom.visit": "2026-12-01"}) == {first}
    assert _queue(client, **{"custom.severity": "low"}) == {second}


def test_a_bad_console_filter_value_is_dropped_with_its_error(world, client):
    agent, _customer, numbers = world
    client.force_login(agent)
    response = client.get(reverse("console:queues"), {"queue": "all", "custom.cost": "много"})
    assert response.status_code == 200
    assert {row.incident.number for row in response.context["rows"]} == set(numbers)
    assert "custom.cost" in response.context["form"].errors


def test_filtered_lists_cost_the_same_queries_for_few_and_many(world, client):
    agent, _customer, _numbers = world
    client.force_login(agent)
    wanted = {"queue": "all", "custom.areas": "scan", "custom.onsite": "no"}

    def costs() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("console:queues"), wanted).status_code == 200
        with CaptureQueriesContext(connection) as api:
            _api(agent, "areas:scan", "onsite:false")
        return len(page), len(api)

    before = costs()
    for _ in range(5):
        incident = make_incident(Status.IN_PROGRESS, agent=agent)
        actions.do_set_custom_fields(
            incident, actor=agent, values={"areas": ["scan"], "onsite": False}
        )
    assert costs() == before
