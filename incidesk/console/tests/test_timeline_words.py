"""The timeline speaks words: hold reasons, resolution codes, causes, categories, teams and
people by their names in the viewer's language, in the console and in the portal."""

import pytest
from django.urls import reverse
from django.utils import translation

from incidesk.console.tests.words import coded_story, internal_codes, timeline_text
from incidesk.console.timeline import entries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "hold", "assigned", "customer_label"),
    [
        (
            "ru",
            "Отложен: ожидание третьей стороны / поставщика",
            "Назначен: Анна Агентова, группа «Первая линия»",
            "Сообщение заявителя",
        ),
        (
            "en",
            "On hold: awaiting third party / vendor",
            "Assigned: Анна Агентова, team «Первая линия»",
            "From the customer",
        ),
    ],
)
def test_the_console_timeline_names_what_the_events_store(
    client, agent, team, customer, language, hold, assigned, customer_label
):
    agent.language = language
    agent.save()
    incident = coded_story(customer, agent, team)
    client.force_login(agent)
    html = client.get(reverse("console:incident", args=[incident.number])).content.decode()
    text = " ".join(timeline_text(html).split())
    assert hold in text
    assert assigned in text
    assert customer_label in text
    assert internal_codes(text, language) == []
    assert agent.email not in text


def test_a_customers_message_is_not_called_a_reply_to_them(agent, team, customer):
    incident = coded_story(customer, agent, team)
    with translation.override("en"):
        told = entries(agent, incident)
    badges = {entry.comment.body: entry.badge for entry in told if entry.comment}
    assert badges == {
        "Какая модель принтера?": "Reply to customer",
        "HP LaserJet 1020": "From the customer",
    }


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_portal_timeline_names_the_hold_reason(client, agent, team, customer, language):
    customer.language = language
    customer.save()
    incident = coded_story(customer, agent, team)
    client.force_login(customer)
    html = client.get(reverse("portal:incident", args=[incident.number])).content.decode()
    text = " ".join(timeline_text(html).split())
    expected = {"ru": "Отложен: ожидание третьей стороны", "en": "On hold: awaiting third party"}
    assert expected[language] in text
    assert internal_codes(text, language) == []
