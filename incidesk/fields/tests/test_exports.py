"""Incident exports carry a column per active custom field, customers only those they see."""

from __future__ import annotations

import csv
import io

import pytest

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.fields.models import FieldType
from incidesk.fields.tests.factories import SEVERITY, make_field
from incidesk.incidents import actions
from incidesk.incidents.status import Status
from incidesk.incidents.tests.apiclient import Api
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


def _export(user) -> list[dict[str, str]]:
    response = Api(user).get("/reports/export/incidents.csv")
    assert response.status_code == 200, response.content
    content = response.getvalue().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(content)))


def test_a_column_per_active_field_with_stored_values():
    make_field("serial", label_en="Serial", customer_visible=True)
    make_field("areas", FieldType.CHOICES, choices=SEVERITY, label_en="Areas")
    make_field("cost", FieldType.NUMBER, label_en="Cost")
    make_field("old", label_en="Retired", is_active=False)
    agent, customer = AgentFactory(), CustomerFactory(language="en")
    incident = make_incident(Status.IN_PROGRESS, agent=agent, reporter=customer)
    values = {"serial": "SN-1", "areas": ["low", "high"], "cost": 12}
    actions.do_set_custom_fields(incident, actor=agent, values=values)
    [row] = _export(AgentFactory(language="en"))
    assert (row["Serial"], row["Areas"], row["Cost"]) == ("SN-1", "low, high", "12")
    assert "Retired" not in row
    [seen] = _export(customer)
    assert seen["Serial"] == "SN-1"
    assert "Areas" not in seen and "Cost" not in seen  # not shown to customers
