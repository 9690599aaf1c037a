"""Merge, its undo and split over the API: what they answer, and what they refuse."""

import pytest

from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import AgentFactory
from incidesk.incidents import actions
from incidesk.incidents.models import Comment, Incident, IncidentLink, LinkKind, Visibility
from incidesk.incidents.status import Status
from incidesk.incidents.tests.apiclient import Api, assert_problem, nothing_written
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


def _reporter(incident: Incident) -> User:
    """The reporter `make_incident` always gives."""
    assert incident.reporter is not None
    return incident.reporter


def test_merge_then_undo_through_the_api():
    agent = AgentFactory()
    original = make_incident(Status.IN_PROGRESS, agent=agent)
    duplicate = make_incident(reporter=original.reporter)
    actions.do_add_comment(duplicate, actor=_reporter(duplicate), body="Опять не печатает")
    api = Api(agent)
    merged = api.post(
        f"/incidents/{duplicate.number}/actions/merge",
        {"target": original.number, "reason": "Тот же принтер"},
    ).json()
    assert merged["status"] == "cancelled"
    assert "unmerge" in merged["allowed_actions"]
    assert original.comments.get().moved_from == duplicate
    undone = api.post(f"/incidents/{duplicate.number}/actions/unmerge")
    assert undone.status_code == 200, undone.content
    assert undone.json()["status"] == "in_progress"
    assert duplicate.comments.count() == 1


def test_merge_into_an_unseen_or_missing_incident_is_bad_input():
    duplicate = make_incident()
    with nothing_written():
        response = Api(AgentFactory()).post(
            f"/incidents/{duplicate.number}/actions/merge", {"target": "INC-999999"}
        )
    body = assert_problem(response, 422, "invalid_input")
    assert "target" in body["fields"]


def test_a_customer_cannot_merge_even_their_own_incidents():
    original = make_incident()
    duplicate = make_incident(reporter=original.reporter)
    with nothing_written():
        response = Api(_reporter(original)).post(
            f"/incidents/{duplicate.number}/actions/merge", {"target": original.number}
        )
    assert_problem(response, 403, "forbidden")


def test_split_answers_the_new_incident_with_201():
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    comment = actions.do_add_comment(incident, actor=_reporter(incident), body="А ещё сканер")
    response = Api(agent).post(
        f"/incidents/{incident.number}/actions/split", {"comment": comment.pk, "title": "Сканер"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] != incident.number and body["title"] == "Сканер"
    assert body["reporter"] == _reporter(incident).email
    new = Incident.objects.get(number=body["number"])
    assert IncidentLink.objects.filter(source=new, target=incident, kind=LinkKind.SPLIT_FROM)
    assert Comment.objects.get(pk=comment.pk).incident == new


def test_split_of_another_incidents_comment_is_404_and_writes_nothing():
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    other = make_incident()
    foreign = actions.do_add_comment(
        other, actor=agent, body="Чужая заметка", visibility=Visibility.INTERNAL
    )
    with nothing_written():
        response = Api(agent).post(
            f"/incidents/{incident.number}/actions/split",
            {"comment": foreign.pk, "title": "Чужое"},
        )
    assert_problem(response, 404, "not_found")


def test_the_openapi_schema_documents_merge_and_split():
    schema = Api(AgentFactory()).get("/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/incidents/{number}/actions/merge" in paths
    assert "/api/v1/incidents/{number}/actions/unmerge" in paths
    split = paths["/api/v1/incidents/{number}/actions/split"]["post"]
    assert "201" in split["responses"]
