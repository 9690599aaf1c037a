"""The reports API: numbers, access, filters and a fixed number of queries."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidesk.accounts.tests.factories import AgentFactory
from incidesk.analytics.tests.dataset import HOUR, at
from incidesk.incidents.status import Status
from incidesk.incidents.tests.apiclient import Api, assert_problem
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db

PERIOD = {"date_from": "2026-11-09", "date_to": "2026-11-13"}


def get(user, path, **params):
    with time_machine.travel(at(14, 12), tick=False):
        return Api(user).get(path, {**PERIOD, **params})


def test_summary_for_a_lead(desk):
    response = get(desk.lead, "/reports/summary")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == {
        "from": "2026-11-09",
        "to": "2026-11-13",
        "time_zone": "Asia/Vladivostok",
    }
    assert body["volume"]["total"] == 7
    assert body["durations_seconds"]["resolution"]["business"]["median"] == 5 * HOUR
    assert body["sla"]["response"]["breaches_by_waiting"] == [{"waiting": "new", "count": 1}]
    assert body["causes"][0] == {"cause": "technical_fault", "count": 2}
    assert body["csat"]["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    assert [row["start"] for row in body["trend"]][:2] == ["2026-11-09", "2026-11-10"]


def test_filters_by_code_and_email(desk):
    body = get(desk.agent, "/reports/summary", team="line-1", agent="agent@example.com").json()
    assert body["quality"]["resolved"] == 4
    # The agent's days are Moscow days: I7 (Friday 18:00) is in the period, X1 is not Alfa's.
    body = get(desk.agent, "/reports/summary", organisation=desk.organisation.pk).json()
    assert body["volume"]["total"] == 7


def test_bad_filters_are_invalid_input(desk):
    body = assert_problem(get(desk.lead, "/reports/summary", team="nope"), 422, "invalid_input")
    assert "team" in body["fields"]
    response = get(desk.lead, "/reports/summary", date_from="2026-11-13", date_to="2026-11-01")
    assert "date_to" in assert_problem(response, 422, "invalid_input")["fields"]


@pytest.mark.parametrize(
    "path", ["/reports/summary", "/reports/export/sla.csv", "/reports/export/report.xlsx"]
)
def test_customers_get_no_reports(desk, path):
    assert_problem(get(desk.customer, path), 403, "forbidden")


def test_unknown_report_is_not_found(desk):
    assert_problem(get(desk.lead, "/reports/export/salaries.csv"), 404, "not_found")
    assert_problem(get(desk.lead, "/reports/export/report.csv"), 404, "not_found")


def _queries(user) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert get(user, "/reports/summary").status_code == 200
    return len(captured)


def test_summary_costs_the_same_queries_at_any_size(desk):
    get(desk.lead, "/reports/summary")  # facts brought up to date
    before = _queries(desk.lead)
    assert before <= 40
    agent = AgentFactory()
    with time_machine.travel(at(12, 11), tick=False):
        for _ in range(5):
            make_incident(Status.CLOSED, agent=agent)
    get(desk.lead, "/reports/summary")
    assert _queries(desk.lead) == before
