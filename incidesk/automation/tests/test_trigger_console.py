"""Leads and admins edit triggers in the console: the admin form's validation with errors in
words (Russian and English), the list in order, moves, the on/off switch and deletion."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidesk.accounts.tests.factories import AgentFactory, LeadFactory, TeamFactory
from incidesk.automation.models import Trigger, TriggerEvent
from incidesk.automation.rules import current
from incidesk.automation.tests.test_console import signed_in

pytestmark = pytest.mark.django_db


def trigger_data(**changes) -> dict:
    data = {"name": "Новые — в сеть", "order": "50", "is_active": "on", "event": "registered"}
    data.update(changes)
    return data


def test_an_agent_is_kept_out():
    response = signed_in(AgentFactory()).get(reverse("automation:triggers"))
    assert response.status_code == 403


def test_a_lead_creates_a_trigger_that_tags_and_notifies_a_team():
    team = TeamFactory(name="Сеть")
    response = signed_in(LeadFactory()).post(
        reverse("automation:trigger_new"),
        trigger_data(
            words="VPN",
            tag_list="vpn, сеть",
            notify_team=team.pk,
            notice="Новый {{ incident.number }}",
        ),
    )
    assert response.status_code == 302
    trigger = Trigger.objects.get(name="Новые — в сеть")
    assert (trigger.conditions, trigger.tags) == ({"words": ["VPN"]}, ["vpn", "сеть"])
    assert (trigger.notify_team, trigger.notice) == (team, "Новый {{ incident.number }}")
    assert current().triggers == [trigger]


@pytest.mark.parametrize(
    ("language", "changes", "words"),
    [
        (
            "ru",
            {},
            "Триггер должен что-то делать: приоритет, группа, исполнитель, метки, наблюдатель, "
            "ответ или уведомление.",
        ),
        (
            "en",
            {},
            "A trigger must do something: a priority, a team, an assignee, tags, a watcher, "
            "a reply or a notice.",
        ),
        ("ru", {"notice": "Посмотрите"}, "Выберите специалиста или группу для уведомления."),
        ("en", {"notice": "Look"}, "Choose an agent or a team to notify."),
        (
            "ru",
            {"event": "unassigned_for", "tag_list": "x"},
            "Укажите, сколько минут должно длиться состояние.",
        ),
        (
            "en",
            {"wait_minutes": "30", "tag_list": "x"},
            "Only the events that are a state lasting a time wait.",
        ),
        ("ru", {"customer_message": "{{ user.password }}"}, "Неизвестная подстановка"),
    ],
)
def test_a_wrong_trigger_is_refused_in_words(language, changes, words):
    response = signed_in(LeadFactory(), language).post(
        reverse("automation:trigger_new"), trigger_data(**changes)
    )
    assert response.status_code == 422
    assert words in response.content.decode()
    assert not Trigger.objects.exists()


def test_a_lead_edits_moves_switches_off_and_deletes_triggers():
    first = Trigger.objects.create(name="Первый", event=TriggerEvent.REGISTERED, tags=["a"])
    second = Trigger.objects.create(
        name="Второй", order=200, event=TriggerEvent.UNASSIGNED_FOR, wait_minutes=30, tags=["b"]
    )
    client = signed_in(LeadFactory())
    page = client.get(reverse("automation:triggers")).content.decode()
    assert page.index("Первый") < page.index("Второй")
    assert "30 минут рабочего времени" in page

    edit = reverse("automation:trigger_edit", args=[second.pk])
    assert "Второй" in client.get(edit).content.decode()
    data = trigger_data(name="Второй", event="unassigned_for", wait_minutes="45", tag_list="b")
    assert client.post(edit, data).status_code == 302
    second.refresh_from_db()
    assert (second.wait_minutes, second.business_time) == (45, False)  # the box left unticked

    client.post(reverse("automation:trigger_move", args=[second.pk]), {"direction": "up"})
    assert [t.name for t in Trigger.objects.all()] == ["Второй", "Первый"]
    assert [t.name for t in current().triggers] == ["Второй", "Первый"]

    client.post(reverse("automation:trigger_toggle", args=[first.pk]))
    first.refresh_from_db()
    assert not first.is_active
    assert [t.name for t in current().triggers] == ["Второй"]

    response = client.post(reverse("automation:trigger_delete", args=[first.pk]), follow=True)
    assert "Триггер «Первый» удалён." in response.content.decode()
    assert list(Trigger.objects.all()) == [second]


def test_the_rules_page_links_to_the_triggers():
    page = signed_in(LeadFactory()).get(reverse("automation:rules")).content.decode()
    assert reverse("automation:triggers") in page
