"""Reports grouped by a custom field (one choice, several choices, yes/no): the summary, the
dashboard's table and its export; stored values of a removed choice keep their row."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidesk.accounts.tests.factories import AgentFactory, LeadFactory
from incidesk.catalog.models import Cause, ResolutionCode
from incidesk.fields.models import FieldDefinition, FieldType
from incidesk.fields.tests.factories import SEVERITY, make_field
from incidesk.incidents import actions
from incidesk.incidents.status import Status
from incidesk.incidents.tests.apiclient import Api, assert_problem
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db

AREAS = [
    {"code": "print", "ru": "Печать", "en": "Printing"},
    {"code": "scan", "ru": "Сканирование", "en": "Scanning"},
]


@pytest.fixture
def lead():
    """A lead and four incidents: areas [print, scan] / [scan] / [scan] (resolved) / none."""
    make_field("areas", FieldType.CHOICES, choices=AREAS, label_en="Areas")
    make_field("severity", FieldType.CHOICE, choices=SEVERITY, label_en="Severity")
    make_field("onsite", FieldType.BOOLEAN, label_en="On site")
    make_field("serial", label_en="Serial")  # text: not offered for grouping
    agent = AgentFactory()
    values = [
        {"areas": ["print", "scan"], "severity": "high", "onsite": True},
        {"areas": ["scan"], "severity": "low", "onsite": False},
        {"areas": ["scan"], "severity": "low", "onsite": True},
        {},
    ]
    for index, custom in enumerate(values):
        incident = make_incident(Status.IN_PROGRESS, agent=agent)
        if custom:
            incident = actions.do_set_custom_fields(incident, actor=agent, values=custom)
        if index == 2:
            actions.do_resolve(
                incident,
                actor=agent,
                cause=Cause.objects.get(code="hardware_failure"),
                resolution_code=ResolutionCode.objects.get(code="fixed"),
                notes="Заменили сканер.",
            )
    return LeadFactory(language="en")


def _period() -> dict[str, str]:
    today = timezone.localdate().isoformat()
    return {"date_from": "2026-01-01", "date_to": max(today, "2026-01-02")}


def _groups(user, code: str) -> dict:
    response = Api(user).get("/reports/summary", {**_period(), "group_by": code})
    assert response.status_code == 200, response.content
    body = response.json()["by_field"]
    assert body["field"] == code
    return {g["value"]: g for g in body["groups"]}


def test_several_choices_count_under_each_of_their_values(lead):
    groups = _groups(lead, "areas")
    assert list(groups) == ["scan", "print", None]
    assert (groups["scan"]["registered"], groups["scan"]["open"]) == (3, 2)
    assert groups["scan"]["resolved"] == 1 and groups["scan"]["mttr_seconds"] is not None
    assert groups["print"]["registered"] == 1
    assert groups[None]["registered"] == 1


def test_one_choice_and_yes_no(lead):
    severity = _groups(lead, "severity")
    assert {k: g["registered"] for k, g in severity.items()} == {"low": 2, "high": 1, None: 1}
    onsite = _groups(lead, "onsite")
    assert {k: g["registered"] for k, g in onsite.items()} == {True: 2, False: 1, None: 1}


def test_a_removed_choice_keeps_its_row_by_its_code(lead):
    field = FieldDefinition.objects.get(code="severity")
    field.choices = [SEVERITY[0]]
    field.save()
    assert _groups(lead, "severity")["high"]["registered"] == 1


def test_only_choice_and_yes_no_fields_group_and_the_export_needs_one(lead):
    body = assert_problem(
        Api(lead).get("/reports/summary", {**_period(), "group_by": "serial"}),
        422,
        "invalid_input",
    )
    assert "group_by" in body["fields"]
    assert Api(lead).get("/reports/summary", _period()).json()["by_field"] is None
    assert_problem(Api(lead).get("/reports/export/by_field.csv", _period()), 404, "not_found")


def test_the_table_is_on_the_dashboard_and_exported(lead, client):
    client.force_login(lead)
    page = client.get(reverse("analytics:dashboard"), {**_period(), "group_by": "areas"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="table-by_field"' in html and "Scanning" in html
    response = Api(lead).get("/reports/export/by_field.csv", {**_period(), "group_by": "areas"})
    assert response.status_code == 200, response.content
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert rows[0][:2] == ["Areas", "Registered"]
    assert [row[:2] for row in rows[1:]] == [
        ["Scanning", "3"],
        ["Printing", "1"],
        ["no value", "1"],
    ]
    xlsx = Api(lead).get("/reports/export/report.xlsx", {**_period(), "group_by": "areas"})
    assert xlsx.status_code == 200


def test_grouping_costs_the_same_queries_at_any_size(lead):
    def cost() -> int:
        with CaptureQueriesContext(connection) as captured:
            _groups(lead, "areas")
        return len(captured)

    cost()  # facts brought up to date
    before = cost()
    agent = AgentFactory()
    for _ in range(3):
        incident = make_incident(Status.IN_PROGRESS, agent=agent)
        actions.do_set_custom_fields(incident, actor=agent, values={"areas": ["print"]})
    cost()  # facts brought up to date
    assert cost() == before
