"""The actions a trigger adds to the incident's own: tags, an agent who follows, and a notice
to an agent or a team, each through the actions layer as the system, with the rule on the
timeline, delivered once (in the app and by e-mail) however often the tasks run."""

import pytest
from django.test import Client
from django.urls import reverse

from incidesk.accounts.tests.factories import AgentFactory, LeadFactory, TeamFactory
from incidesk.automation.firing import fire
from incidesk.automation.models import Decision, DecisionKind, Trigger, TriggerEvent
from incidesk.incidents.models import EventKind, Watcher, WatcherSource
from incidesk.incidents.tests.factories import make_incident
from incidesk.mail.models import OutgoingMail
from incidesk.notifications.models import Notification
from incidesk.notifications.tasks import deliver_notifications

pytestmark = pytest.mark.django_db

RULE = "Новое — сети"


@pytest.fixture
def team():
    team = TeamFactory(name="Сеть", lead=LeadFactory(full_name="Лидия Руководитель"))
    team.members.add(AgentFactory(full_name="Антон Агент"), AgentFactory(full_name="Ольга Агент"))
    return team


def test_on_registration_a_trigger_tags_adds_a_follower_and_notifies_the_team(team, run_tasks):
    follower = AgentFactory(full_name="Фёдор Дежурный")
    Trigger.objects.create(
        name=RULE,
        event=TriggerEvent.REGISTERED,
        tags=["сеть", "новое"],
        watcher=follower,
        notify_team=team,
        notice="Новый инцидент {{ incident.number }}: {{ incident.title }} {% load static %}",
    )
    incident = make_incident(title="Не работает VPN")
    run_tasks()
    incident.refresh_from_db()
    assert incident.tags == ["сеть", "новое"]
    assert Watcher.objects.get(incident=incident).person == follower
    assert Watcher.objects.get(incident=incident).source == WatcherSource.FOLLOW

    notice = incident.events.get(kind=EventKind.NOTIFIED)
    text = f"Новый инцидент {incident.number}: Не работает VPN {{% load static %}}"
    assert notice.data["text"] == text
    assert notice.actor is None and not notice.is_public
    staff = {team.lead, *team.members.all()}
    told = {n.recipient for n in Notification.objects.filter(event=notice)}
    assert told == staff
    mails = OutgoingMail.objects.filter(event=notice, kind="notice")
    assert {m.recipient for m in mails} == staff
    assert all(text in m.text for m in mails)

    made = incident.events.filter(triggered__rule=RULE)
    assert set(made.values_list("kind", flat=True)) == {
        EventKind.FIELD_CHANGED,
        EventKind.WATCHER_ADDED,
        EventKind.NOTIFIED,
    }
    decision = Decision.objects.get(incident=incident, kind=DecisionKind.TRIGGER)
    assert decision.data["did"]["tags"] == ["сеть", "новое"]
    assert decision.data["did"]["watcher"] == "Фёдор Дежурный"
    assert set(decision.data["did"]["notified"]) == {p.display_name for p in staff}

    page = _console(team.lead, incident)
    assert "Метки: — → сеть, новое" in page
    assert "Уведомление для" in page and "по правилу «Новое — сети»" in page
    assert "Добавлены метки: сеть, новое." in page  # the "why"

    # Delivered at least once, never twice: the tasks run again, the delivery runs again.
    created = incident.events.get(kind=EventKind.CREATED)
    assert fire([created.pk]) == 0
    deliver_notifications.call([notice.pk])
    run_tasks()
    assert Notification.objects.filter(event=notice).count() == len(staff)
    assert OutgoingMail.objects.filter(event=notice).count() == len(staff)
    assert incident.events.filter(kind=EventKind.NOTIFIED).count() == 1


def test_a_notice_to_one_agent_and_a_tag_already_there_not_added_again(team, run_tasks):
    agent = AgentFactory(full_name="Пётр Агент", email="petr@example.com")
    Trigger.objects.create(
        name="Приоритет 1",
        event=TriggerEvent.REGISTERED,
        tags=["vip"],
        notify_agent=agent,
        notice="Посмотрите {{ incident.number }}",
    )
    Trigger.objects.create(name="Тоже vip", event=TriggerEvent.REGISTERED, tags=["vip"])
    incident = make_incident(title="Авария")
    run_tasks()
    notice = incident.events.get(kind=EventKind.NOTIFIED)
    assert notice.data["to"] == ["petr@example.com"]
    assert list(Notification.objects.filter(event=notice).values_list("recipient", flat=True)) == [
        agent.pk
    ]
    # The second trigger's tag is there already: no second event, nothing in its decision.
    incident.refresh_from_db()
    assert incident.tags == ["vip"]
    assert not Decision.objects.filter(incident=incident, data__name="Тоже vip").exists()
    assert incident.events.filter(kind=EventKind.FIELD_CHANGED, data__field="tags").count() == 1


def _console(user, incident) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(user)
    return client.get(reverse("console:incident", args=[incident.number])).content.decode()
