"""The problems API: contract, staff-only access, linking, resolving, recurrence."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, LeadFactory
from incidesk.catalog.models import Category, Service
from incidesk.incidents.status import Status
from incidesk.incidents.tests.apiclient import Api, assert_problem
from incidesk.incidents.tests.factories import make_incident
from incidesk.problems import actions
from incidesk.problems.tests.factories import make_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return AgentFactory()


@pytest.fixture
def problem(agent):
    return make_problem(actor=agent, root_cause="Истёк сертификат")


ENDPOINTS = [
    ("get", "/problems", None),
    ("post", "/problems", {"title": "x"}),
    ("get", "/problems/recurrence?date=2026-01-01", None),
    ("get", "/problems/PRB-000001", None),
    ("patch", "/problems/PRB-000001", {"title": "y"}),
    ("post", "/problems/PRB-000001/actions/resolve", {}),
    ("get", "/problems/PRB-000001/incidents", None),
    ("post", "/problems/PRB-000001/incidents", {"incidents": ["INC-000001"]}),
    ("get", "/problems/PRB-000001/history", None),
    ("get", "/problems/PRB-000001/preventive-actions", None),
    ("get", "/problems/PRB-000001/recurrence", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_customers_are_refused_everywhere(problem, method, path, body):
    customer = CustomerFactory()
    make_incident(reporter=customer)
    api = Api(customer)
    response = getattr(api, method)(path, body) if body is not None else api.get(path)
    assert_problem(response, 403, "forbidden")


def test_create_get_and_list(agent):
    api = Api(agent)
    response = api.post(
        "/problems",
        {"title": "VPN рвётся", "category": "vpn", "service": "vpn", "workaround": "Перезайти"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "PRB-000001"
    assert (body["owner"], body["category"], body["status"]) == (agent.email, "vpn", "open")
    assert body["allowed_actions"] == ["known-error", "resolve"]
    assert api.get("/problems/prb-000001").json()["title"] == "VPN рвётся"
    listed = api.get("/problems", {"status": "open", "q": "впн рвётся"}).json()
    assert listed["items"] == []
    listed = api.get("/problems", {"status": "open", "q": "vpn РВЁТСЯ"})
    assert [p["number"] for p in listed.json()["items"]] == ["PRB-000001"]
    assert api.get("/problems", {"status": "closed"}).json()["items"] == []
    assert_problem(api.get("/problems/PRB-000999"), 404, "not_found")


def test_bad_input_is_a_422_naming_the_field(agent, problem):
    api = Api(agent)
    assert_problem(
        api.post("/problems", {"title": "x", "owner": "nobody@example.com"}), 422, "invalid_input"
    )
    body = assert_problem(
        api.post(f"/problems/{problem.number}/actions/known-error", {}), 422, "invalid_input"
    )
    assert "workaround" in body["fields"]
    assert_problem(api.post("/problems", {"title": "x", "colour": "red"}), 422, "invalid_input")


def test_an_agent_who_does_not_own_it_may_not_resolve(problem):
    assert_problem(
        Api(AgentFactory()).post(f"/problems/{problem.number}/actions/resolve", {}),
        403,
        "forbidden",
    )


def test_link_resolve_and_unlink_through_the_api(
    agent, problem, django_capture_on_commit_callbacks
):
    lead = LeadFactory()
    first = make_incident(Status.IN_PROGRESS, agent=agent)
    second = make_incident(Status.NEW)
    api = Api(lead)
    response = api.post(
        f"/problems/{problem.number}/incidents",
        {"incidents": [first.number, second.number.lower()]},
    )
    assert response.status_code == 200, response.content
    assert [i["number"] for i in response.json()] == [first.number, second.number]
    missing = api.post(f"/problems/{problem.number}/incidents", {"incidents": ["INC-999999"]})
    assert "INC-999999" in assert_problem(missing, 422, "invalid_input")["fields"]["incidents"]

    assert (
        api.client.delete(
            f"/api/v1/problems/{problem.number}/incidents/{second.number}"
        ).status_code
        == 204
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/problems/{problem.number}/actions/resolve",
            {
                "notes": "Сертификат заменён.",
                "resolve_incidents": True,
                "cause": "misconfiguration",
                "resolution_code": "fixed",
            },
        )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "resolved"
    statuses = {
        i["number"]: i["status"] for i in api.get(f"/problems/{problem.number}/incidents").json()
    }
    assert statuses == {first.number: "resolved"}
    second.refresh_from_db()
    assert second.status == Status.NEW
    kinds = [e["kind"] for e in api.get(f"/problems/{problem.number}/history").json()]
    assert kinds == [
        "created",
        "incident_linked",
        "incident_linked",
        "incident_unlinked",
        "status_changed",
    ]


def test_preventive_actions_and_recurrence(agent, problem, time_machine):
    msk = ZoneInfo("Europe/Moscow")
    fix = datetime(2026, 3, 2, 10, 0, tzinfo=msk)
    api = Api(agent)
    time_machine.move_to(fix - timedelta(days=3), tick=False)
    linked = make_incident()
    actions.do_link_incidents(problem, actor=agent, incidents=[linked])
    response = api.post(
        f"/problems/{problem.number}/preventive-actions",
        {
            "title": "Продлевать сертификаты автоматически",
            "owner": agent.email,
            "due_date": "2026-03-10",
        },
    )
    assert response.status_code == 201, response.content
    action_id = response.json()["id"]
    assert api.get(f"/problems/{problem.number}/recurrence").json() == {
        "fixed_at": None,
        "actions_done": 0,
        "actions_total": 1,
        "rates": None,
    }
    time_machine.move_to(fix, tick=False)
    done = api.post(
        f"/problems/{problem.number}/preventive-actions/{action_id}/done", {"done": True}
    )
    assert done.json()["done"] is True
    time_machine.move_to(fix + timedelta(weeks=1), tick=False)
    body = api.get(f"/problems/{problem.number}/recurrence", {"weeks": 4}).json()
    assert body["actions_done"] == 1
    assert body["rates"] | {"split": None} == {
        "split": None,
        "weeks": 1.0,
        "before": 1,
        "after": 0,
        "before_rate": 1.0,
        "after_rate": 0.0,
        "change_percent": -100.0,
    }
    assert_problem(
        api.get(f"/problems/{problem.number}/recurrence", {"weeks": 0}), 422, "invalid_input"
    )


def test_recurrence_report_by_cause_and_category(agent, time_machine):
    msk = ZoneInfo("Europe/Moscow")
    split = datetime(2026, 3, 2, tzinfo=msk)
    for offset in (-3, -2, 1):
        time_machine.move_to(split + timedelta(days=offset), tick=False)
        make_incident(
            category=Category.objects.get(code="vpn"), service=Service.objects.get(code="vpn")
        )
    time_machine.move_to(split + timedelta(days=30), tick=False)
    response = Api(agent).get("/problems/recurrence", {"date": "2026-03-02", "weeks": 1})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(r["code"], r["rates"]["before"], r["rates"]["after"]) for r in body["categories"]] == [
        ("vpn", 2, 1)
    ]
    assert [(r["code"], r["rates"]["change_percent"]) for r in body["causes"]] == [(None, -50.0)]
    future = Api(agent).get("/problems/recurrence", {"date": "2026-05-01"})
    assert "date" in assert_problem(future, 422, "invalid_input")["fields"]
