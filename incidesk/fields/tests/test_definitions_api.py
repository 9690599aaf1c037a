"""`GET /api/v1/custom-fields`: the definitions with labels in the request's language; desk
staff see every one, customers only the active ones customers see; in the OpenAPI schema."""

from __future__ import annotations

import pytest

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.catalog.models import Category
from incidesk.fields.models import FieldType
from incidesk.fields.tests.factories import SEVERITY, make_field
from incidesk.incidents.tests.apiclient import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields():
    printers = Category.objects.filter(parent__isnull=False)[0]
    make_field(
        "serial",
        label_ru="Заводской номер",
        label_en="Serial number",
        customer_visible=True,
        customer_fillable=True,
        required_on_create=True,
    )
    make_field(
        "severity",
        FieldType.CHOICE,
        choices=SEVERITY,
        label_ru="Серьёзность",
        label_en="Severity",
        required_on_resolve=True,
        kinds=["incident"],
        categories=[printers],
    )
    make_field("old", customer_visible=True, is_active=False)
    return printers


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()]


def test_staff_get_every_definition_in_their_language(fields):
    body = Api(AgentFactory(), language="en").get("/custom-fields").json()
    severity = next(row for row in body if row["code"] == "severity")
    assert severity == {
        "code": "severity",
        "label": "Severity",
        "label_ru": "Серьёзность",
        "label_en": "Severity",
        "type": "choice",
        "choices": [
            {"code": "low", "label": "Low", "label_ru": "Низкая", "label_en": "Low"},
            {"code": "high", "label": "High", "label_ru": "Высокая", "label_en": "High"},
        ],
        "kinds": ["incident"],
        "categories": [fields.code],
        "required_on_create": False,
        "required_on_resolve": True,
        "customer_visible": False,
        "customer_fillable": False,
        "active": True,
    }
    assert [row["code"] for row in body] == ["old", "serial", "severity"]
    russian = Api(AgentFactory(), language="ru").get("/custom-fields").json()
    assert {row["code"]: row["label"] for row in russian}["serial"] == "Заводской номер"


def test_customers_get_only_active_visible_ones(fields):
    assert _codes(Api(CustomerFactory()).get("/custom-fields")) == ["serial"]


def test_by_kind_and_category_only_the_fields_such_an_incident_has(fields):
    api = Api(AgentFactory())
    assert _codes(api.get("/custom-fields", {"kind": "incident", "category": fields.code})) == [
        "serial",
        "severity",
    ]
    assert _codes(api.get("/custom-fields", {"kind": "service_request"})) == ["serial"]
    other = Category.objects.exclude(pk=fields.pk)[0]
    assert _codes(api.get("/custom-fields", {"category": other.code})) == ["serial"]


def test_the_openapi_schema_describes_the_definitions():
    schema = Api(AgentFactory()).get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/custom-fields"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"kind", "category"}
    out = schema["components"]["schemas"]["FieldDefinitionOut"]["properties"]
    assert {"label", "type", "choices", "required_on_resolve", "customer_visible"} <= set(out)
