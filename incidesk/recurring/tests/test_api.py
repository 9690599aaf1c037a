"""GET /api/v1/recurring/similar and /recurring/groups: what each role gets."""

import pytest

from incidesk.accounts.tests.factories import AgentFactory, LeadFactory
from incidesk.incidents.tests.apiclient import Api, assert_problem
from incidesk.incidents.tests.factories import make_incident
from incidesk.recurring.tests.helpers import customers, make_known_error, make_vpn_wave

pytestmark = pytest.mark.django_db


def test_customer_gets_known_errors_and_never_incidents():
    mine, theirs = customers(2)
    make_vpn_wave([theirs] * 5)
    make_incident(reporter=mine, title="VPN не подключается, ошибка 809")
    known = make_known_error("VPN: ошибка 809", "Перезагрузите роутер.")
    body = Api(mine).get("/recurring/similar", {"text": "vpn oshibka 809"}).json()
    assert body["incidents"] == []
    assert [row["number"] for row in body["known_errors"]] == [known.number]
    assert body["known_errors"][0]["workaround"] == "Перезагрузите роутер."


def test_staff_get_similar_open_incidents_with_explanations():
    wave = make_vpn_wave()
    body = Api(AgentFactory()).get("/recurring/similar", {"text": "VPN error 809"}).json()
    numbers = [row["number"] for row in body["incidents"]]
    assert numbers and set(numbers) <= {incident.number for incident in wave}
    assert "809" in body["incidents"][0]["shared_terms"]
    assert body["known_errors"] == []


def test_similar_refuses_empty_text():
    assert_problem(
        Api(AgentFactory()).get("/recurring/similar", {"text": ""}), 422, "invalid_input"
    )


def test_groups_for_staff_only_computed_by_the_worker(run_tasks):
    wave = make_vpn_wave()
    api = Api(LeadFactory())
    pending = api.get("/recurring/groups", {"days": 7})
    assert pending.status_code == 202 and pending["Retry-After"] == "5"
    assert pending.json() == {"status": "computing", "retry_after": 5}
    run_tasks()
    body = api.get("/recurring/groups", {"days": 7}).json()
    assert body["refreshing"] is False and body["computed_at"]
    (group,) = body["groups"]
    assert set(group["incidents"]) == {incident.number for incident in wave}
    assert group["organisations"] == 5 and group["shared_fields"] == ["service"]
    customer = customers(1)[0]
    assert_problem(Api(customer).get("/recurring/groups"), 403, "forbidden")
