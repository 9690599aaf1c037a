"""Watchers over the API: the same rule as the portal and the console (the reporter and the desk
add colleagues of the incident's organisation, any address only where it allows it), each caller
sees only the watchers `visible_watchers` gives them, someone else's incident is a 404, and the
operations are documented."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, OrganisationFactory
from incidesk.incidents import actions
from incidesk.incidents.models import EventKind, Watcher, WatcherSource
from incidesk.incidents.status import Status
from incidesk.incidents.tests.apiclient import PREFIX, Api, assert_problem
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    organisation = OrganisationFactory()
    reporter = CustomerFactory(organisation=organisation, email="ivan@example.ru")
    colleague = CustomerFactory(organisation=organisation, email="olga@example.ru")
    return make_incident(reporter=reporter), reporter, colleague


def _path(incident, rest: str = "") -> str:
    return f"/incidents/{incident.number}/watchers{rest}"


def _delete(api: Api, path: str):
    return api.client.delete(PREFIX + path)


def test_the_reporter_adds_lists_and_removes_a_colleague(office):
    incident, reporter, _colleague = office
    api = Api(reporter)
    added = api.post(_path(incident), {"email": "OLGA@example.ru"})
    assert added.status_code == 201, added.content
    body = added.json()
    assert (body["email"], body["source"]) == ("olga@example.ru", WatcherSource.PORTAL)
    again = api.post(_path(incident), {"email": "olga@example.ru"})
    assert again.status_code == 201 and again.json()["id"] == body["id"]  # no second row
    assert [w["email"] for w in api.get(_path(incident)).json()] == ["olga@example.ru"]
    assert _delete(api, _path(incident, f"/{body['id']}")).status_code == 204
    assert not Watcher.objects.exists()
    kinds = list(incident.events.filter(kind__startswith="watcher").values_list("kind", flat=True))
    assert kinds == [EventKind.WATCHER_ADDED, EventKind.WATCHER_REMOVED]


def test_a_customer_adds_only_within_the_organisations_policy(office):
    incident, reporter, _colleague = office
    api = Api(reporter)
    refused = assert_problem(
        api.post(_path(incident), {"email": "stranger@example.com"}), 422, "invalid_input"
    )
    assert "email" in refused["fields"]
    assert not User.objects.filter(email="stranger@example.com").exists()
    incident.organisation.watchers_any_address = True
    incident.organisation.save()
    added = api.post(_path(incident), {"email": "stranger@example.com"})
    assert added.status_code == 201, added.content
    assert User.objects.get(email="stranger@example.com").is_customer  # a new contact


def test_a_colleague_or_a_watcher_may_not_add_and_sees_only_themselves(office):
    incident, reporter, colleague = office
    other = CustomerFactory(organisation=incident.organisation)
    actions.do_add_watcher(incident, actor=reporter, person=colleague, source="portal")
    actions.do_add_watcher(incident, actor=reporter, person=other, source="portal")
    watcher_api = Api(colleague)
    assert_problem(watcher_api.post(_path(incident), {"email": "x@example.ru"}), 403, "forbidden")
    listed = watcher_api.get(_path(incident)).json()
    assert [w["email"] for w in listed] == ["olga@example.ru"]  # never another customer's address
    others = Watcher.objects.get(person=other)
    assert _delete(watcher_api, _path(incident, f"/{others.pk}")).status_code == 404
    assert _delete(watcher_api, _path(incident, f"/{listed[0]['id']}")).status_code == 204
    assert list(Watcher.objects.values_list("person", flat=True)) == [other.pk]


def test_a_customer_who_may_not_see_the_incident_gets_404(office):
    incident, _reporter, _colleague = office
    outsider = Api(CustomerFactory(email="outsider@example.com"))
    assert_problem(outsider.get(_path(incident)), 404, "not_found")
    assert_problem(
        outsider.post(_path(incident), {"email": "outsider@example.com"}), 404, "not_found"
    )
    assert_problem(_delete(outsider, _path(incident, "/1")), 404, "not_found")
    assert not Watcher.objects.exists()


def test_the_desk_adds_by_the_same_rule_follows_with_its_own_address_and_sees_everyone(office):
    incident, reporter, colleague = office
    agent = AgentFactory(email="agent@desk.example")
    api = Api(agent)
    assert_problem(
        api.post(_path(incident), {"email": "stranger@example.com"}), 422, "invalid_input"
    )
    assert api.post(_path(incident), {"email": colleague.email}).json()["source"] == "desk"
    assert api.post(_path(incident), {"email": agent.email}).json()["source"] == "follow"
    assert {w["email"] for w in api.get(_path(incident)).json()} == {colleague.email, agent.email}
    # The reporter sees the customers who watch, not the desk's followers' addresses.
    assert [w["email"] for w in Api(reporter).get(_path(incident)).json()] == [colleague.email]
    assert_problem(api.post(_path(incident), {"email": "not-an-address"}), 422, "invalid_input")


def test_not_on_a_closed_incident(office):
    _incident, reporter, colleague = office
    closed = make_incident(Status.CLOSED, reporter=reporter)
    assert_problem(
        Api(reporter).post(_path(closed), {"email": colleague.email}), 409, "invalid_transition"
    )


def test_the_operations_are_documented():
    document = Api(AgentFactory()).get("/openapi.json").json()
    operations = document["paths"][f"{PREFIX}/incidents/{{number}}/watchers"]
    assert {"get", "post"} <= set(operations)
    assert operations["post"]["requestBody"]
    removal = document["paths"][f"{PREFIX}/incidents/{{number}}/watchers/{{watcher_id}}"]
    assert "204" in removal["delete"]["responses"]


def test_the_list_costs_the_same_for_one_watcher_and_ten(office):
    incident, reporter, colleague = office
    api = Api(AgentFactory())
    actions.do_add_watcher(incident, actor=reporter, person=colleague, source="portal")

    def cost() -> int:
        api.get(_path(incident))
        with CaptureQueriesContext(connection) as captured:
            listed = api.get(_path(incident)).json()
        assert len(listed) == Watcher.objects.count()
        return len(captured)

    one = cost()
    for n in range(9):
        person = CustomerFactory(organisation=incident.organisation, email=f"p{n}@example.ru")
        actions.do_add_watcher(incident, actor=reporter, person=person, source="portal")
    assert cost() == one
