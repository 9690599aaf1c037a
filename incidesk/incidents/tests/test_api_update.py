"""PATCH /incidents/{number}: optimistic locking, reference codes, all-or-nothing writes."""

import pytest

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, LeadFactory
from incidesk.incidents.models import Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.apiclient import Api, assert_problem, nothing_written
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident() -> Incident:
    return make_incident(Status.IN_PROGRESS)


def test_get_gives_the_version_as_etag_and_if_match_takes_it_back(incident):
    api = Api(AgentFactory())
    etag = api.get(f"/incidents/{incident.number}")["ETag"]
    assert etag == f'"{incident.version}"'
    response = api.patch(
        f"/incidents/{incident.number}",
        {"title": "Не печатает принтер на 3 этаже", "category": "printer", "service": "printing"},
        **{"If-Match": etag},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "Не печатает принтер на 3 этаже"
    assert (body["category"], body["service"]) == ("printer", "printing")
    assert body["version"] == incident.version + 1
    assert response["ETag"] == f'"{body["version"]}"'


def test_version_may_come_in_the_body(incident):
    api = Api(AgentFactory())
    response = api.patch(
        f"/incidents/{incident.number.lower()}", {"version": incident.version, "is_major": True}
    )
    assert response.status_code == 200, response.content
    assert response.json()["is_major"] is True


def test_a_stale_version_is_a_conflict_with_the_current_version(incident):
    api = Api(AgentFactory())
    api.patch(f"/incidents/{incident.number}", {"version": incident.version, "title": "Первая"})
    with nothing_written():
        response = api.patch(
            f"/incidents/{incident.number}",
            {"title": "Вторая"},
            **{"If-Match": f'"{incident.version}"'},
        )
    problem = assert_problem(response, 409, "version_conflict")
    assert problem["current_version"] == incident.version + 1


def test_editing_without_a_version_is_refused(incident):
    with nothing_written():
        response = Api(AgentFactory()).patch(f"/incidents/{incident.number}", {"title": "Новое"})
    assert_problem(response, 428, "version_required")


@pytest.mark.parametrize(
    ("if_match", "body", "field"),
    [
        ("yesterday", {}, "If-Match"),
        ('"1"', {"version": 2}, "version"),
    ],
)
def test_malformed_or_disagreeing_versions_are_refused(incident, if_match, body, field):
    with nothing_written():
        response = Api(AgentFactory()).patch(
            f"/incidents/{incident.number}", {**body, "title": "x"}, **{"If-Match": if_match}
        )
    assert field in assert_problem(response, 422, "invalid_input")["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "nope"}, "category"),
        ({"cause": "nope"}, "cause"),
        ({"title": None}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"impact": "extreme"}, "impact"),
        ({"is_major": "maybe"}, "is_major"),
        ({"number": "INC-1"}, "number"),
        ({"status": "closed"}, "status"),
        ({"priority": 0, "priority_reason": "x"}, "priority"),
    ],
)
def test_bad_changes_are_refused_whole(incident, body, field):
    with nothing_written():
        response = Api(LeadFactory()).patch(
            f"/incidents/{incident.number}", {"version": incident.version, "title": "ok", **body}
        )
    assert field in assert_problem(response, 422, "invalid_input")["fields"]


def test_null_clears_a_reference(incident):
    api = Api(AgentFactory())
    api.patch(f"/incidents/{incident.number}", {"version": incident.version, "category": "wifi"})
    response = api.patch(
        f"/incidents/{incident.number}", {"version": incident.version + 1, "category": None}
    )
    assert response.json()["category"] is None


def test_impact_and_urgency_recompute_the_priority(incident):
    response = Api(AgentFactory()).patch(
        f"/incidents/{incident.number}",
        {"version": incident.version, "impact": "high", "urgency": "high"},
    )
    assert response.json()["priority"] == 1


def test_a_lead_overrides_the_priority_with_a_reason(incident):
    response = Api(LeadFactory()).patch(
        f"/incidents/{incident.number}",
        {"version": incident.version, "priority": 1, "priority_reason": "Стоит бухгалтерия"},
    )
    assert response.status_code == 200, response.content
    assert (response.json()["priority"], response.json()["priority_overridden"]) == (1, True)


def test_an_override_needs_a_reason(incident):
    with nothing_written():
        response = Api(LeadFactory()).patch(
            f"/incidents/{incident.number}", {"version": incident.version, "priority": 1}
        )
    assert "priority_reason" in assert_problem(response, 422, "invalid_input")["fields"]


def test_a_refused_override_undoes_the_rest_of_the_patch(incident):
    """An agent may edit the title but not override priority: nothing at all is written."""
    with nothing_written():
        response = Api(AgentFactory()).patch(
            f"/incidents/{incident.number}",
            {"version": incident.version, "title": "Новое", "priority": 1, "priority_reason": "!"},
        )
    assert_problem(response, 403, "forbidden")
    incident.refresh_from_db()
    assert incident.title == "Не печатает принтер"


def test_a_closed_incident_cannot_be_edited():
    closed = make_incident(Status.CLOSED)
    with nothing_written():
        response = Api(AgentFactory()).patch(
            f"/incidents/{closed.number}", {"version": closed.version, "title": "Поздно"}
        )
    assert_problem(response, 409, "invalid_transition")


def test_customers_cannot_edit_even_their_own(incident):
    with nothing_written():
        response = Api(incident.reporter).patch(
            f"/incidents/{incident.number}", {"version": incident.version, "title": "Моё"}
        )
    assert_problem(response, 403, "forbidden")


def test_someone_elses_incident_is_not_found(incident):
    with nothing_written():
        response = Api(CustomerFactory()).patch(
            f"/incidents/{incident.number}", {"version": incident.version, "title": "Чужое"}
        )
    assert_problem(response, 404, "not_found")
