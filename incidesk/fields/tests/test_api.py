"""Custom fields over the API: create and patch check them, customers see only visible ones,
resolve names the missing required ones, and the OpenAPI schema describes them."""

from __future__ import annotations

import pytest

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.fields.models import FieldType
from incidesk.fields.tests.factories import SEVERITY, make_field
from incidesk.incidents import actions
from incidesk.incidents.models import EventKind, Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.apiclient import Api, assert_problem, nothing_written
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db

RESOLVE = {"cause": "software_error", "resolution_code": "workaround", "notes": "Обновили драйвер"}


@pytest.fixture
def fields():
    make_field(
        "serial",
        label_en="Serial number",
        customer_visible=True,
        customer_fillable=True,
        required_on_create=True,
    )
    make_field("cost", FieldType.NUMBER)
    make_field(
        "severity",
        FieldType.CHOICE,
        choices=SEVERITY,
        label_ru="Серьёзность",
        label_en="Severity",
        required_on_resolve=True,
    )


def test_a_customer_registers_with_the_fields_they_fill_in(fields):
    api = Api(CustomerFactory())
    created = api.post("/incidents", {"title": "Сканер", "custom": {"serial": "SN-1"}})
    assert created.status_code == 201, created.content
    assert created.json()["custom"] == {"serial": "SN-1"}
    with nothing_written():
        refused = api.post("/incidents", {"title": "Сканер"})
        body = assert_problem(refused, 422, "invalid_input")
        assert set(body["fields"]) == {"custom.serial"}
        assert "Serial number" in body["detail"]
        body = assert_problem(
            api.post("/incidents", {"title": "Сканер", "custom": {"serial": "S", "cost": 1}}),
            422,
            "invalid_input",
        )
        assert set(body["fields"]) == {"custom.cost"}


def test_staff_patch_values_and_customers_see_only_visible_ones(fields):
    agent, customer = AgentFactory(), CustomerFactory()
    incident = make_incident(
        Status.IN_PROGRESS, agent=agent, reporter=customer, custom={"serial": "SN-1"}
    )
    path = f"/incidents/{incident.number}"
    response = Api(agent).patch(
        path, {"version": incident.version, "custom": {"cost": "12.5", "severity": "low"}}
    )
    assert response.status_code == 200, response.content
    assert response.json()["custom"] == {"serial": "SN-1", "cost": 12.5, "severity": "low"}
    changed = incident.events.filter(kind=EventKind.FIELD_CHANGED).values_list("data", flat=True)
    assert {d["field"] for d in changed} == {"custom.cost", "custom.severity"}
    seen = Api(customer).get(path).json()
    assert seen["custom"] == {"serial": "SN-1"}
    version = response.json()["version"]
    with nothing_written():
        body = assert_problem(
            Api(agent).patch(path, {"version": version, "custom": {"severity": "urgent"}}),
            422,
            "invalid_input",
        )
    assert set(body["fields"]) == {"custom.severity"}
    with nothing_written():
        assert_problem(
            Api(customer).patch(path, {"version": version, "custom": {"serial": "X"}}),
            403,
            "forbidden",
        )


@pytest.mark.parametrize(
    ("language", "label", "reason"),
    [
        ("en", "Severity", "Fill this in to resolve the incident."),
        ("ru", "Серьёзность", "Заполните, чтобы решить инцидент."),
    ],
)
def test_resolve_is_refused_naming_the_missing_field(fields, language, label, reason):
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent, custom={"serial": "SN-1"})
    api = Api(agent, language=language)
    verb = f"/incidents/{incident.number}/actions/resolve"
    with nothing_written():
        body = assert_problem(api.post(verb, RESOLVE), 422, "invalid_input")
    assert body["fields"] == {"custom.severity": reason}
    assert f"«{label}»" in body["detail"]
    api.patch(
        f"/incidents/{incident.number}",
        {"custom": {"severity": "high"}},
        **{"If-Match": f'"{incident.version}"'},
    )
    resolved = api.post(verb, RESOLVE)
    assert resolved.status_code == 200, resolved.content
    assert Incident.objects.get(pk=incident.pk).status == Status.RESOLVED


def test_the_openapi_schema_describes_custom_values():
    schema = Api(AgentFactory()).get("/openapi.json").json()["components"]["schemas"]
    for name in ("IncidentOut", "IncidentIn", "IncidentPatch"):
        custom = schema[name]["properties"]["custom"]
        assert custom["type"] == "object", custom
        kinds = {option.get("type") for option in custom["additionalProperties"]["anyOf"]}
        assert {"boolean", "integer", "number", "string", "array"} <= kinds


def test_lists_filter_by_custom_values_customers_only_by_visible_ones(fields):
    make_field("onsite", FieldType.BOOLEAN)
    agent, customer = AgentFactory(), CustomerFactory()
    first = make_incident(
        Status.IN_PROGRESS, agent=agent, reporter=customer, custom={"serial": "A"}
    )
    second = make_incident(
        Status.IN_PROGRESS, agent=agent, reporter=customer, custom={"serial": "B"}
    )
    actions.do_set_custom_fields(first, actor=agent, values={"cost": 12, "onsite": True})
    actions.do_set_custom_fields(second, actor=agent, values={"cost": 7, "severity": "low"})

    def numbers(api, *pairs):
        response = api.get("/incidents", {"custom": list(pairs)})
        assert response.status_code == 200, response.content
        return {row["number"] for row in response.json()["items"]}

    staff = Api(agent)
    assert numbers(staff, "serial:A") == {first.number}
    assert numbers(staff, "cost:12", "onsite:true") == {first.number}
    assert numbers(staff, "severity:low") == {second.number}
    assert numbers(staff, "cost:12", "serial:B") == set()
    assert numbers(Api(customer), "serial:B") == {second.number}
    body = assert_problem(
        Api(customer).get("/incidents", {"custom": ["cost:12"]}), 422, "invalid_input"
    )
    assert set(body["fields"]) == {"custom"}
    assert_problem(staff.get("/incidents", {"custom": ["cost:много"]}), 422, "invalid_input")
