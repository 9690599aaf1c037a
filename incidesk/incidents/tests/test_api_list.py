"""GET /incidents: filters, search, ordering, keyset pages and their fixed query cost."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from incidesk.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    LeadFactory,
    OrganisationFactory,
    TeamFactory,
)
from incidesk.catalog.models import Category, Level
from incidesk.incidents import actions
from incidesk.incidents.models import Incident, Kind
from incidesk.incidents.status import Status
from incidesk.incidents.tests.apiclient import Api, assert_problem
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["number"] for item in response.json()["items"]]


def walk(api: Api, params: dict) -> list[str]:
    """Follow next_cursor to the end; every page but the last is full."""
    seen, cursor = [], None
    while True:
        response = api.get("/incidents", {**params, **({"cursor": cursor} if cursor else {})})
        page = numbers(response)
        cursor = response.json()["next_cursor"]
        seen += page
        if cursor is None:
            return seen
        assert len(page) == params["limit"]


def test_newest_first_by_default_and_no_total_count():
    agent = AgentFactory()
    older = make_incident(reporter=CustomerFactory())
    newer = make_incident(reporter=CustomerFactory())
    body = Api(agent).get("/incidents").json()
    assert [item["number"] for item in body["items"]] == [newer.number, older.number]
    assert set(body) == {"items", "next_cursor"}


@pytest.fixture
def spread():
    """A dozen incidents with clashing timestamps and priorities, to test ties."""
    start = timezone.now() - timedelta(days=1)
    made = []
    for i in range(12):
        # Four incidents per instant: only the id tells them apart.
        with time_machine.travel(start + timedelta(minutes=i // 4), tick=False):
            impact = [Level.HIGH, Level.MEDIUM, Level.LOW][i % 3]
            made.append(make_incident(reporter=CustomerFactory(), impact=impact))
    return made


@pytest.mark.parametrize(
    "ordering", ["-created_at", "created_at", "updated_at", "-updated_at", "priority", "-priority"]
)
@pytest.mark.parametrize("limit", [1, 5, 12, 50])
def test_pages_cover_everything_once_in_order(spread, ordering, limit):
    api = Api(AgentFactory())
    field = ordering.lstrip("-")
    expected = sorted(
        spread, key=lambda i: (getattr(i, field), i.pk), reverse=ordering.startswith("-")
    )
    assert walk(api, {"ordering": ordering, "limit": limit}) == [i.number for i in expected]


def test_pages_are_stable_while_new_incidents_arrive(spread):
    api = Api(AgentFactory())
    first = api.get("/incidents", {"limit": 5}).json()
    make_incident(reporter=CustomerFactory())  # newer than everything: lands before page 1
    rest = walk(api, {"limit": 5, "cursor": first["next_cursor"]})
    assert [i["number"] for i in first["items"]] + rest == [
        i.number for i in sorted(spread, key=lambda i: (i.created_at, i.pk), reverse=True)
    ]


@pytest.mark.parametrize("cursor", ["garbage", "e30", "eyJvIjoiLWNyZWF0ZWRfYXQiLCJ2IjpbXX0"])
def test_a_broken_cursor_is_refused(cursor):
    response = Api(AgentFactory()).get("/incidents", {"cursor": cursor})
    assert "cursor" in assert_problem(response, 422, "invalid_input")["fields"]


def test_a_cursor_only_works_with_its_ordering(spread):
    api = Api(AgentFactory())
    cursor = api.get("/incidents", {"limit": 2}).json()["next_cursor"]
    response = api.get("/incidents", {"limit": 2, "cursor": cursor, "ordering": "priority"})
    assert "cursor" in assert_problem(response, 422, "invalid_input")["fields"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "stuck"}, "status"),
        ({"priority": 9}, "priority"),
        ({"ordering": "title"}, "ordering"),
        ({"limit": 201}, "limit"),
        ({"limit": 0}, "limit"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"organisation": "ООО"}, "organisation"),
    ],
)
def test_bad_filter_values_are_refused(params, field):
    response = Api(AgentFactory()).get("/incidents", params)
    assert field in assert_problem(response, 422, "invalid_input")["fields"]


def test_filters():
    agent, lead = AgentFactory(), LeadFactory()
    team = TeamFactory()
    team.members.add(agent)
    organisation = OrganisationFactory()
    alice = CustomerFactory(organisation=organisation)
    printer = make_incident(reporter=alice, category=Category.objects.get(code="printer"))
    request = make_incident(reporter=CustomerFactory(), kind=Kind.SERVICE_REQUEST)
    assigned = make_incident(reporter=CustomerFactory(), impact=Level.HIGH, urgency=Level.HIGH)
    actions.do_assign(assigned, actor=lead, team=team, assignee=agent)
    resolved = make_incident(Status.RESOLVED, reporter=CustomerFactory())
    api = Api(lead)

    def found(**params) -> set[str]:
        return set(numbers(api.get("/incidents", params)))

    assert found(status="new") == {printer.number, request.number}
    assert found(status=["resolved", "in_progress"]) == {resolved.number, assigned.number}
    assert found(priority=1) == {assigned.number}
    assert found(kind="service_request") == {request.number}
    assert found(team=team.code) == {assigned.number}
    assert found(assignee=agent.email.upper()) == {assigned.number}
    assert found(reporter=alice.email) == {printer.number}
    assert found(organisation=organisation.pk) == {printer.number}
    assert found(category="printer") == {printer.number}
    assert found(category="hardware") == {printer.number}  # a parent matches its children
    assert found(cause="hardware_failure") == {resolved.number}
    assert found(cause="technical_fault") == {resolved.number}
    assert found(category="nope") == set()
    assert found(status="new", kind="incident") == {printer.number}


@pytest.mark.parametrize("name", ["team", "assignee", "cause"])
def test_customers_cannot_filter_by_what_they_cannot_see(name):
    value = "someone@example.com" if name == "assignee" else "code"
    response = Api(CustomerFactory()).get("/incidents", {name: value})
    assert name in assert_problem(response, 422, "invalid_input")["fields"]


def test_created_between():
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=10), tick=False):
        old = make_incident()
    with time_machine.travel(now - timedelta(days=1), tick=False):
        recent = make_incident()
    api = Api(AgentFactory())
    after = (now - timedelta(days=2)).isoformat()
    assert numbers(api.get("/incidents", {"created_after": after})) == [recent.number]
    assert numbers(api.get("/incidents", {"created_before": after})) == [old.number]
    # Inclusive lower bound, exclusive upper bound.
    exactly = recent.created_at.isoformat()
    assert numbers(api.get("/incidents", {"created_after": exactly})) == [recent.number]
    assert numbers(api.get("/incidents", {"created_before": exactly})) == [old.number]


def test_russian_search_finds_other_word_forms():
    match = make_incident(title="Замена картриджа", description="У принтера кончился тонер")
    make_incident(title="Не работает VPN")
    api = Api(AgentFactory())
    assert numbers(api.get("/incidents", {"q": "принтер"})) == [match.number]
    assert numbers(api.get("/incidents", {"q": "картридж тонера"})) == [match.number]
    assert numbers(api.get("/incidents", {"q": "сканер"})) == []


def test_search_stays_within_what_the_user_may_see():
    customer = CustomerFactory()
    mine = make_incident(reporter=customer, title="Сломался принтер")
    make_incident(reporter=CustomerFactory(), title="Сломался принтер")
    assert numbers(Api(customer).get("/incidents", {"q": "принтер"})) == [mine.number]


@pytest.mark.parametrize("user_factory", [AgentFactory, CustomerFactory])
def test_a_page_costs_the_same_queries_at_any_size(user_factory, django_assert_num_queries):
    user = user_factory()
    organisation = user.organisation
    if organisation is not None:
        organisation.shared_visibility = True
        organisation.save()

    def add(count: int) -> None:
        agent = AgentFactory()
        for i in range(count):
            reporter = user if user.is_customer and i % 2 else CustomerFactory()
            incident = make_incident(
                Status.RESOLVED if i % 3 == 0 else Status.NEW,
                reporter=reporter,
                agent=agent,
                category=Category.objects.get(code="printer"),
            )
            if user.is_customer and reporter != user:
                Incident.objects.filter(pk=incident.pk).update(organisation=organisation)

    api = Api(user)
    api.get("/incidents")  # records the token's first use: a write not every request pays
    add(10)
    with django_assert_num_queries(4) as small:  # token with its user, page ids, rows, clocks
        small_page = api.get("/incidents", {"limit": 200})
    add(50)
    with django_assert_num_queries(len(small.captured_queries)):
        large_page = api.get("/incidents", {"limit": 200})
    assert len(large_page.json()["items"]) - len(small_page.json()["items"]) == 50
