"""The bell: who sees which notifications, the list and its count, marking read, the API."""

import pytest
from django.urls import reverse

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.incidents import actions
from incidesk.incidents.models import EventKind
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.notifications.inbox import inbox, mark_read, unread_count
from incidesk.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(run_tasks):
    """An incident on hold for the customer's answer, its notifications delivered."""
    agent = AgentFactory(full_name="Дмитрий Козлов")
    incident = make_incident(Status.ON_HOLD, agent=agent)
    actions.do_add_comment(incident, actor=agent, body="Секретная заметка", visibility="internal")
    run_tasks()
    return incident


def test_customer_hears_public_events_newest_first_never_internal_ones(asked):
    customer = asked.reporter
    kinds = [n.event.kind for n in inbox(customer)]
    assert kinds[0] in (EventKind.STATUS_CHANGED, EventKind.PUBLIC_REPLY)
    assert set(kinds) == {EventKind.STATUS_CHANGED, EventKind.PUBLIC_REPLY}
    dates = [n.created_at for n in inbox(customer)]
    assert dates == sorted(dates, reverse=True)
    note = asked.events.get(kind=EventKind.INTERNAL_NOTE)
    # A row about an internal event (written by a wrong rule) still never reaches the customer.
    Notification.objects.create(recipient=customer, event=note)
    assert note.pk not in {n.event_id for n in inbox(customer)}
    assert unread_count(customer) == len(kinds)


def test_someone_else_loses_nothing_when_one_marks_read(asked):
    customer = asked.reporter
    stranger = CustomerFactory()
    mine = list(inbox(customer))
    assert mark_read(stranger, [n.pk for n in mine]) == 0
    assert unread_count(customer) == len(mine)
    assert mark_read(customer, [mine[0].pk]) == 1
    assert unread_count(customer) == len(mine) - 1
    assert mark_read(customer) == len(mine) - 1
    assert unread_count(customer) == 0


@pytest.mark.parametrize(
    ("language", "words"),
    [("ru", ("Уведомления", "Нужны подробности")), ("en", ("Notifications", "more details"))],
)
def test_list_page_links_each_line_to_its_incident_and_marks_read(client, asked, language, words):
    customer = asked.reporter
    customer.language = language
    customer.save()
    client.force_login(customer)
    page = client.get(reverse("notifications:list"))
    html = page.content.decode()
    assert all(word in html for word in words)
    assert reverse("portal:incident", args=[asked.number]) in html
    assert "Секретная заметка" not in html
    unread = page.context["unread"]
    assert unread == len(page.context["items"]) == 3
    first = page.context["items"][0]
    client.post(reverse("notifications:read"), {"notification": first.pk})
    assert unread_count(customer) == unread - 1
    bell = client.get(reverse("notifications:bell")).content.decode()
    assert f'data-testid="bell-count">{unread - 1}<' in bell
    answer = client.post(reverse("notifications:read"), {"all": "1"}, HTTP_HX_REQUEST="true")
    assert answer["HX-Trigger"] == "notifications-changed"
    assert unread_count(customer) == 0
    assert "bell-count" not in client.get(reverse("notifications:bell")).content.decode()


def test_agent_hears_the_customers_answer_and_opens_it_in_the_console(client, asked, run_tasks):
    agent = asked.assignee
    actions.do_add_comment(asked, actor=asked.reporter, body="Модель HP 1020")
    run_tasks()
    client.force_login(agent)
    html = client.get(reverse("notifications:list")).content.decode()
    assert reverse("console:incident", args=[asked.number]) in html
    assert "Новое сообщение" in html


def test_api_lists_and_marks_read(client, asked):
    customer = asked.reporter
    client.force_login(customer)
    listed = client.get("/api/v1/notifications", {"limit": 1}).json()
    assert listed["unread"] == 3
    assert len(listed["items"]) == 1
    assert listed["items"][0]["incident"] == asked.number
    assert listed["next_cursor"]
    one = listed["items"][0]["id"]
    marked = client.post(
        "/api/v1/notifications/read", {"ids": [one]}, content_type="application/json"
    ).json()
    assert marked == {"marked": 1, "unread": 2}
    rest = client.post("/api/v1/notifications/read", {}, content_type="application/json").json()
    assert rest == {"marked": 2, "unread": 0}


def test_a_deactivated_person_has_an_empty_bell(asked, run_tasks):
    actions.do_add_comment(asked, actor=asked.reporter, body="Модель HP 1020")
    run_tasks()
    for person in (asked.reporter, asked.assignee):
        assert unread_count(person) > 0
        person.is_active = False
        person.save()
        assert unread_count(person) == 0
