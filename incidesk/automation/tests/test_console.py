"""Leads and admins edit routing rules and teams' assignment modes in the console, with the
admin form's validation, and simulate a rule before saving it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from incidesk.accounts.tests.factories import AgentFactory, LeadFactory
from incidesk.automation.models import AssignmentMode, RoutingRule, TeamAssignment
from incidesk.automation.tests.conftest import make_desk
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


def signed_in(user, language: str = "ru") -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def rule_data(**changes) -> dict:
    data = {"name": "Принтеры", "order": "50", "is_active": "on", "words": "принтер"}
    data.update(changes)
    return data


def test_an_agent_is_kept_out():
    response = signed_in(AgentFactory()).get(reverse("automation:rules"))
    assert response.status_code == 403


def test_a_lead_sees_the_rules_in_order_and_the_menu_link():
    desk = make_desk()
    RoutingRule.objects.create(name="Сначала это", order=1, tags=["a"])
    page = signed_in(LeadFactory()).get(reverse("automation:rules")).content.decode()
    assert page.index("Сначала это") < page.index(desk.rule.name)
    assert reverse("automation:rules") in page  # the console menu


def test_a_lead_creates_a_rule():
    desk = make_desk()
    response = signed_in(LeadFactory()).post(
        reverse("automation:rule_new"), rule_data(team=desk.team.pk, tag_list="печать, принтер")
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get(name="Принтеры")
    assert rule.team == desk.team
    assert rule.conditions == {"words": ["принтер"]}
    assert rule.tags == ["печать", "принтер"]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", "Правило должно что-то делать: выберите группу, приоритет или метки."),
        ("en", "A rule must do something: choose a team, a priority or tags."),
    ],
)
def test_a_rule_that_does_nothing_is_refused_in_words(language, words):
    response = signed_in(LeadFactory(), language).post(reverse("automation:rule_new"), rule_data())
    assert response.status_code == 422
    assert words in response.content.decode()
    assert not RoutingRule.objects.filter(name="Принтеры").exists()


def test_simulating_an_edit_shows_the_effect_and_saves_nothing():
    desk = make_desk()
    make_incident(reporter=desk.customer, title="Не работает VPN")
    make_incident(reporter=desk.customer, title="Не печатает принтер")
    data = rule_data(
        name=desk.rule.name,
        team=desk.team.pk,
        words="VPN, впн, принтер",
        organisations=str(desk.organisation.pk),
        tag_list="vpn",
        days="7",
        simulate="1",
    )
    response = signed_in(LeadFactory()).post(
        reverse("automation:rule_edit", args=[desk.rule.pk]), data
    )
    assert response.status_code == 200
    simulation = response.context["simulation"]
    assert simulation.examined == 2
    assert simulation.changed == 1
    assert "Что изменилось бы" in response.content.decode()
    desk.rule.refresh_from_db()
    assert desk.rule.conditions["words"] == ["VPN", "впн"]


def test_the_simulator_refuses_a_window_out_of_bounds():
    desk = make_desk()
    data = rule_data(team=desk.team.pk, days="1000", simulate="1")
    response = signed_in(LeadFactory()).post(reverse("automation:rule_new"), data)
    assert response.status_code == 422
    assert response.context["simulation"] is None


def test_a_lead_moves_a_rule_up_and_deletes_one():
    desk = make_desk()
    second = RoutingRule.objects.create(name="Второе", order=200, tags=["b"])
    client = signed_in(LeadFactory())
    client.post(reverse("automation:rule_move", args=[second.pk]), {"direction": "up"})
    assert [rule.name for rule in RoutingRule.objects.all()] == ["Второе", desk.rule.name]
    assert [rule.order for rule in RoutingRule.objects.all()] == [10, 20]
    client.post(reverse("automation:rule_delete", args=[second.pk]))
    assert list(RoutingRule.objects.values_list("name", flat=True)) == [desk.rule.name]


def test_a_moved_rule_is_what_the_next_registration_tries_first():
    desk = make_desk()
    first = RoutingRule.objects.create(name="VPN — метка", order=200, tags=["first"])
    make_incident(reporter=desk.customer, title="VPN")  # the process reads the rules
    signed_in(LeadFactory()).post(
        reverse("automation:rule_move", args=[first.pk]), {"direction": "up"}
    )
    incident = make_incident(reporter=desk.customer, title="Снова VPN")
    assert incident.tags == ["first"]  # the first rule decided, and it does not continue


def test_a_lead_sets_a_teams_assignment_mode():
    desk = make_desk()
    data = {f"team_{desk.team.pk}": AssignmentMode.LEAST_LOADED}
    response = signed_in(LeadFactory()).post(reverse("automation:teams"), data)
    assert response.status_code == 302
    assert TeamAssignment.objects.get(team=desk.team).mode == AssignmentMode.LEAST_LOADED


def test_an_unknown_mode_is_refused():
    desk = make_desk()
    data = {f"team_{desk.team.pk}": "by_mood"}
    response = signed_in(LeadFactory()).post(reverse("automation:teams"), data)
    assert response.status_code == 422
    assert TeamAssignment.objects.get(team=desk.team).mode == AssignmentMode.ROUND_ROBIN
