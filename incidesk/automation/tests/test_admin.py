"""Editing routing rules, triggers, teams' assignment and agents' availability in the Django
admin: the pages render, a rule's fields become its conditions, and mistakes are refused in
words."""

import pytest
from django.urls import reverse

from incidesk.accounts.tests.factories import AdminFactory, AgentFactory, TeamFactory
from incidesk.automation.models import (
    AgentAvailability,
    AssignmentMode,
    RoutingRule,
    TeamAssignment,
    Trigger,
    TriggerEvent,
)
from incidesk.catalog.models import Category

pytestmark = pytest.mark.django_db

RULE = {
    "name": "VPN — в сетевую группу",
    "order": "10",
    "is_active": "on",
    "words": "VPN, впн,не работает",
    "vip": "",
    "tag_list": "vpn, сеть",
    "priority": "",
}


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory(language="ru"))
    return client


def url(model, view: str, *args) -> str:
    return reverse(f"admin:automation_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", [RoutingRule, Trigger, TeamAssignment, AgentAvailability])
def test_every_page_renders(admin_client, model):
    assert admin_client.get(url(model, "changelist")).status_code == 200
    assert admin_client.get(url(model, "add")).status_code == 200


def test_a_rules_fields_become_its_conditions_and_read_back(admin_client):
    team = TeamFactory(name="Сеть")
    category = Category.objects.first()
    assert category is not None
    response = admin_client.post(
        url(RoutingRule, "add"),
        {
            **RULE,
            "team": team.pk,
            "channels": ["email", "portal"],
            "priorities": ["1", "2"],
            "categories": [category.pk],
            "vip": "no",
        },
    )
    assert response.status_code == 302, response.content.decode()
    rule = RoutingRule.objects.get()
    assert rule.conditions == {
        "category": [category.pk],
        "channel": ["email", "portal"],
        "priority": [1, 2],
        "words": ["VPN", "впн", "не работает"],
        "vip": False,
    }
    assert rule.tags == ["vpn", "сеть"]
    page = admin_client.get(url(RoutingRule, "change", rule.pk)).content.decode()
    assert 'value="VPN, впн, не работает"' in page or "VPN, впн, не работает" in page


@pytest.mark.parametrize(
    ("language", "changes", "error"),
    [
        ("ru", {}, "Правило должно что-то делать: выберите группу, приоритет или метки."),
        ("en", {}, "A rule must do something: choose a team, a priority or tags."),
        ("ru", {"words": "VPN, ?!", "tag_list": "vpn"}, "В «?!» нет букв или цифр"),
        ("ru", {"priority": "7", "tag_list": "vpn"}, "Приоритет — число от 1 до 5."),
        ("en", {"tag_list": "x" * 60}, "is longer than 50 characters"),
    ],
)
def test_mistakes_are_refused_in_words(client, language, changes, error):
    client.force_login(AdminFactory(language=language))
    body = {**RULE, "tag_list": "", **changes}
    response = client.post(url(RoutingRule, "add"), body)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not RoutingRule.objects.exists()


def test_an_absence_must_end_after_it_begins(admin_client):
    agent = AgentFactory()
    response = admin_client.post(
        url(AgentAvailability, "add"),
        {
            "agent": agent.pk,
            "away_from_0": "10.03.2026",
            "away_from_1": "09:00",
            "away_until_0": "09.03.2026",
            "away_until_1": "09:00",
            "substitute": agent.pk,
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Отсутствие должно заканчиваться позже, чем начинается." in page
    assert "Специалист не может замещать сам себя." in page
    assert not AgentAvailability.objects.exists()


def test_a_team_gets_its_assignment_mode(admin_client):
    team = TeamFactory()
    response = admin_client.post(
        url(TeamAssignment, "add"), {"team": team.pk, "mode": AssignmentMode.LEAST_LOADED}
    )
    assert response.status_code == 302
    assert TeamAssignment.objects.get().mode == AssignmentMode.LEAST_LOADED


TRIGGER = {"name": "Просрочка — руководителю", "order": "10", "is_active": "on", "vip": ""}


def test_a_triggers_fields_become_its_conditions_and_actions(admin_client):
    team = TeamFactory(name="Сеть")
    response = admin_client.post(
        url(Trigger, "add"),
        {
            **TRIGGER,
            "event": TriggerEvent.SLA_BREACHED,
            "priorities": ["1", "2"],
            "team": team.pk,
            "assign_to_lead": "on",
            "customer_message": "{{ customer.name }}, обращение {{ incident.number }} передано.",
        },
    )
    assert response.status_code == 302, response.content.decode()
    trigger = Trigger.objects.get()
    assert trigger.conditions == {"priority": [1, 2]}
    assert (trigger.team, trigger.assign_to_lead) == (team, True)


@pytest.mark.parametrize(
    ("language", "changes", "error"),
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
        (
            "ru",
            {"customer_message": "Здравствуйте, {{ request.user }}"},
            "Неизвестная подстановка: {{ request.user }}.",
        ),
        ("en", {"customer_message": "{{ x|safe }}"}, "Unknown placeholder: {{ x|safe }}."),
        (
            "ru",
            {"assign_to_lead": "on", "assignee": "AGENT"},
            "Либо эскалация руководителю группы, либо назначение специалисту, но не то и другое.",
        ),
    ],
)
def test_trigger_mistakes_are_refused_in_words(client, language, changes, error):
    client.force_login(AdminFactory(language=language))
    if changes.get("assignee") == "AGENT":
        changes = {**changes, "assignee": AgentFactory().pk}
    data = {**TRIGGER, "event": TriggerEvent.ASSIGNED, **changes}
    response = client.post(url(Trigger, "add"), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Trigger.objects.exists()
