"""POST /incidents/{number}/actions/{verb}: every verb of the state machine, and its refusals."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, TeamFactory
from incidesk.incidents import actions
from incidesk.incidents.models import Comment, Incident, IncidentLink, Visibility
from incidesk.incidents.status import VERBS, Status
from incidesk.incidents.tests.apiclient import Api, assert_problem, nothing_written
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


@dataclass
class Case:
    start: Status
    body: dict[str, Any] | None
    expect: dict[str, Any]
    by_customer: bool = False
    needs: list[str] = field(default_factory=list)
    # What brings the incident to where the verb applies, beyond its status (a merge to undo).
    setup: Callable[[Incident, Any], Any] | None = None


# One happy path per verb; `test_every_verb_has_a_case` keeps this table complete.
CASES = {
    "accept": Case(Status.NEW, None, {"status": "in_progress"}),
    "assign": Case(
        Status.NEW, {"team": "{team}", "assignee": "{agent}"}, {"status": "in_progress"}
    ),
    "hold": Case(
        Status.IN_PROGRESS,
        {"reason": "awaiting_vendor", "message": "Ждём картридж"},
        {"status": "on_hold", "hold_reason": "awaiting_vendor"},
    ),
    "request-info": Case(
        Status.IN_PROGRESS,
        {"message": "Какая модель принтера?"},
        {"status": "on_hold", "hold_reason": "awaiting_customer"},
    ),
    "resume": Case(Status.ON_HOLD, {}, {"status": "in_progress", "hold_reason": None}),
    "resolve": Case(
        Status.IN_PROGRESS,
        {"cause": "software_error", "resolution_code": "workaround", "notes": "Обновили драйвер"},
        {"status": "resolved", "resolution_code": "workaround", "cause": "software_error"},
    ),
    "confirm": Case(Status.RESOLVED, None, {"status": "closed"}, by_customer=True),
    "reopen": Case(
        Status.RESOLVED,
        {"reason": "Снова не печатает"},
        {"status": "in_progress", "reopen_count": 1},
        by_customer=True,
    ),
    "close": Case(Status.RESOLVED, {}, {"status": "closed"}),
    "rate": Case(
        Status.CLOSED,
        {"rating": 5, "comment": "Спасибо!"},
        {"status": "closed", "satisfaction": 5, "satisfaction_comment": "Спасибо!"},
        by_customer=True,
    ),
    "cancel": Case(
        Status.NEW, {"reason": "Дубль", "duplicate_of": "{other}"}, {"status": "cancelled"}
    ),
    "link": Case(
        Status.IN_PROGRESS, {"target": "{other}", "kind": "related"}, {"status": "in_progress"}
    ),
    "merge": Case(Status.ON_HOLD, {"target": "{other}"}, {"status": "cancelled"}),
    "unmerge": Case(
        Status.NEW,
        None,
        {"status": "in_progress"},
        setup=lambda incident, agent: actions.do_merge(
            incident, actor=agent, target=make_incident()
        ),
    ),
}
# Split answers the new incident, not the one it acted on (`test_api_merge.py`).
ELSEWHERE = {"split"}


def test_every_verb_has_a_case():
    assert set(CASES) == set(VERBS) - ELSEWHERE


@pytest.mark.parametrize("verb", CASES)
def test_every_verb_works_through_the_api(verb):
    case = CASES[verb]
    agent = AgentFactory()
    team = TeamFactory()
    team.members.add(agent)
    incident = make_incident(case.start, agent=agent)
    if case.setup is not None:
        incident = case.setup(incident, agent)
    other = make_incident()
    values = {"{team}": team.code, "{agent}": agent.email, "{other}": other.number}
    body = {k: values.get(v, v) for k, v in case.body.items()} if case.body is not None else None
    api = Api(incident.reporter if case.by_customer else agent)
    response = api.post(
        f"/incidents/{incident.number}/actions/{verb}",
        body,
        **{"If-Match": f'"{incident.version}"'},
    )
    assert response.status_code == 200, response.content
    result = response.json()
    assert {key: result[key] for key in case.expect} == case.expect
    assert result["version"] > incident.version
    assert result["number"] == incident.number


def test_assign_records_team_and_assignee():
    agent = AgentFactory()
    team = TeamFactory()
    team.members.add(agent)
    incident = make_incident()
    body = (
        Api(AgentFactory())
        .post(
            f"/incidents/{incident.number}/actions/assign",
            {"team": team.code, "assignee": agent.email},
        )
        .json()
    )
    assert (body["team"], body["assignee"]) == (team.code, agent.email)


def test_cancel_as_duplicate_and_link_leave_links():
    original, copy = make_incident(), make_incident()
    api = Api(AgentFactory())
    api.post(
        f"/incidents/{copy.number}/actions/cancel",
        {"reason": "Дубль", "duplicate_of": original.number},
    )
    assert IncidentLink.objects.filter(source=copy, target=original, kind="duplicate_of").exists()


def test_hold_message_is_an_internal_note():
    incident = make_incident(Status.IN_PROGRESS)
    Api(AgentFactory()).post(
        f"/incidents/{incident.number}/actions/hold",
        {"reason": "awaiting_vendor", "message": "Заказали у поставщика"},
    )
    assert Comment.objects.get(incident=incident).visibility == Visibility.INTERNAL


def test_a_customer_gets_403_for_staff_verbs_on_their_own_incident():
    incident = make_incident()
    with nothing_written():
        response = Api(incident.reporter).post(f"/incidents/{incident.number}/actions/accept")
    assert_problem(response, 403, "forbidden")


def test_a_customer_gets_404_for_someone_elses_incident():
    incident = make_incident(Status.RESOLVED)
    with nothing_written():
        response = Api(CustomerFactory()).post(f"/incidents/{incident.number}/actions/confirm")
    assert_problem(response, 404, "not_found")


def test_a_verb_the_status_does_not_allow_is_a_conflict():
    incident = make_incident()
    with nothing_written():
        response = Api(AgentFactory()).post(
            f"/incidents/{incident.number}/actions/resolve",
            {"cause": "unknown", "resolution_code": "fixed", "notes": "Готово"},
        )
    problem = assert_problem(response, 409, "invalid_transition")
    assert problem["allowed"] == ["cancelled", "in_progress"]


def test_a_stale_if_match_is_a_conflict():
    incident = make_incident()
    with nothing_written():
        response = Api(AgentFactory()).post(
            f"/incidents/{incident.number}/actions/accept", **{"If-Match": '"7"'}
        )
    assert assert_problem(response, 409, "version_conflict")["current_version"] == 1


def test_rate_is_offered_until_the_customer_has_rated():
    incident = make_incident(Status.CLOSED)
    api = Api(incident.reporter)
    path = f"/incidents/{incident.number}"
    assert api.get(path).json()["allowed_actions"] == ["rate"]
    rated = api.post(f"{path}/actions/rate", {"rating": 4})
    assert rated.json()["allowed_actions"] == []
    with nothing_written():
        again = api.post(f"{path}/actions/rate", {"rating": 1})
    problem = assert_problem(again, 409, "invalid_transition")
    assert (problem["detail"], problem["guard"]) == (
        "This incident has already been rated.",
        "rate_once",
    )


def test_an_unknown_verb_is_404():
    incident = make_incident()
    response = Api(AgentFactory()).post(f"/incidents/{incident.number}/actions/escalate")
    problem = assert_problem(response, 404, "unknown_verb")
    assert problem["allowed"] == list(VERBS)


@pytest.mark.parametrize(
    ("verb", "start", "body", "field"),
    [
        ("accept", Status.NEW, {"comment": "Беру"}, "comment"),
        ("resume", Status.ON_HOLD, {"force": True}, "force"),
        ("hold", Status.IN_PROGRESS, {"reason": "coffee_break"}, "reason"),
        ("hold", Status.IN_PROGRESS, {}, "reason"),
        ("request-info", Status.IN_PROGRESS, {"message": ""}, "message"),
        ("resolve", Status.IN_PROGRESS, {"cause": "x", "resolution_code": "fixed"}, "notes"),
        (
            "resolve",
            Status.IN_PROGRESS,
            {"cause": "gremlins", "resolution_code": "fixed", "notes": "ok"},
            "cause",
        ),
        ("assign", Status.NEW, {"assignee": "ghost@example.com"}, "assignee"),
        ("assign", Status.NEW, {"team": "nope"}, "team"),
        ("assign", Status.NEW, {}, "assignee"),
        ("cancel", Status.NEW, {"reason": "x", "duplicate_of": "INC-999999"}, "duplicate_of"),
        ("link", Status.NEW, {"target": "INC-999999", "kind": "related"}, "target"),
        ("link", Status.NEW, {"target": "INC-000001", "kind": "sibling"}, "kind"),
    ],
)
def test_bad_verb_bodies_are_refused(verb, start, body, field):
    incident = make_incident(start)
    with nothing_written():
        response = Api(AgentFactory()).post(f"/incidents/{incident.number}/actions/{verb}", body)
    assert field in assert_problem(response, 422, "invalid_input")["fields"]


def test_a_customer_cannot_probe_which_emails_exist():
    """Rights are checked before the body's e-mails are looked up: same answer either way."""
    incident = make_incident()
    api = Api(incident.reporter)
    path = f"/incidents/{incident.number}/actions/assign"
    with nothing_written():
        existing = api.post(path, {"assignee": AgentFactory().email}).json()
        missing = api.post(path, {"assignee": "nobody@example.com"}).json()
    assert existing == missing
    assert existing["code"] == "forbidden"
