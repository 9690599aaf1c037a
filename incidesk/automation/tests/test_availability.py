"""Availability in the console: an agent sets their own absence, a lead sets their team's
agents' hours, absence and skills, refused in words when wrong; assignment and the simulator
pass over whoever is away."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidesk.accounts.tests.factories import AdminFactory, AgentFactory, LeadFactory, TeamFactory
from incidesk.automation.assignment import assign
from incidesk.automation.models import AgentAvailability, AssignmentMode
from incidesk.automation.simulator import active_rules, simulate
from incidesk.automation.tests.conftest import Desk, make_desk, office_hours
from incidesk.automation.tests.test_console import signed_in
from incidesk.catalog.models import Category
from incidesk.incidents import actions

pytestmark = pytest.mark.django_db


def moment(delta: timedelta) -> str:
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


def led(desk: Desk):
    """The lead of the desk's network team."""
    lead = LeadFactory(full_name="Лидия")
    desk.team.lead = lead
    desk.team.save()
    return lead


def test_an_agent_goes_away_with_a_substitute_and_assignment_gives_their_turn_to_them():
    desk = make_desk()
    anna, boris, _vera = desk.agents
    client = signed_in(anna)
    assert "Отсутствие" in client.get(reverse("automation:away")).content.decode()

    response = client.post(
        reverse("automation:away"),
        {"away_from": moment(-timedelta(hours=1)), "away_until": "", "substitute": boris.pk},
    )

    assert response.status_code == 302
    own = AgentAvailability.objects.get(agent=anna)
    assert own.away_until is None and own.substitute == boris
    incident = actions.do_create_incident(actor=desk.customer, title="Нет VPN")
    assert assign(incident.pk) == boris  # Анна's turn, taken by her substitute

    client.post(reverse("automation:away"), {"away_from": "", "away_until": "", "substitute": ""})
    assert AgentAvailability.objects.get(agent=anna).away_from is None  # back


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", "Отсутствие должно заканчиваться позже, чем начинается."),
        ("en", "The absence must end after it begins."),
    ],
)
def test_an_absence_that_ends_before_it_begins_is_refused_in_words(language, words):
    desk = make_desk()
    response = signed_in(desk.agents[0], language).post(
        reverse("automation:away"),
        {"away_from": moment(-timedelta(hours=1)), "away_until": moment(-timedelta(hours=2))},
    )
    assert response.status_code == 422
    assert words in response.content.decode()
    assert not AgentAvailability.objects.exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", "Укажите, когда начинается отсутствие."),
        ("en", "Say when the absence begins."),
    ],
)
def test_an_absence_without_its_start_is_refused_in_words(language, words):
    desk = make_desk()
    response = signed_in(desk.agents[0], language).post(
        reverse("automation:away"), {"away_until": moment(timedelta(days=1))}
    )
    assert response.status_code == 422
    assert words in response.content.decode()


def test_a_substitute_outside_the_agents_teams_is_refused_in_words():
    desk = make_desk()
    stranger = AgentFactory(full_name="Олег")
    TeamFactory(name="Прочие", code="other").members.add(stranger)
    response = signed_in(desk.agents[0]).post(
        reverse("automation:away"),
        {"away_from": moment(timedelta(0)), "substitute": stranger.pk},
    )
    assert response.status_code == 422
    assert (
        "Олег не состоит ни в одной группе этого специалиста и не сможет получать его инциденты."
        in response.content.decode()
    )
    own_choice = f'value="{desk.agents[0].pk}"'
    assert (
        own_choice not in signed_in(desk.agents[0]).get(reverse("automation:away")).content.decode()
    )


def test_a_lead_sees_and_edits_only_the_agents_of_the_teams_they_lead():
    desk = make_desk()
    lead = led(desk)
    outsider = AgentFactory(full_name="Олег")
    client = signed_in(lead)

    page = client.get(reverse("automation:agents")).content.decode()
    assert all(agent.display_name in page for agent in desk.agents)
    assert "Олег" not in page
    assert client.get(reverse("automation:agent", args=[outsider.pk])).status_code == 404
    assert "Олег" in signed_in(AdminFactory()).get(reverse("automation:agents")).content.decode()

    calendar = office_hours()
    category = Category.objects.order_by("pk")[0]
    response = client.post(
        reverse("automation:agent", args=[desk.agents[1].pk]),
        {"calendar": calendar.pk, "categories": [category.pk], "languages": ["en"]},
    )

    assert response.status_code == 302
    own = AgentAvailability.objects.get(agent=desk.agents[1])
    assert (own.calendar, list(own.categories.all()), own.languages) == (
        calendar,
        [category],
        ["en"],
    )
    assert "сохранена" in client.get(reverse("automation:agents")).content.decode()


def test_a_lead_marks_an_agent_away_and_the_simulator_passes_over_them():
    desk = make_desk()
    for n in range(3):
        actions.do_create_incident(actor=desk.customer, title=f"Нет VPN {n}")
    before = {row.name: row.after for row in simulate(active_rules(), days=1).agents}
    assert before == {"Анна": 1, "Борис": 1, "Вера": 1}

    response = signed_in(led(desk)).post(
        reverse("automation:agent", args=[desk.agents[1].pk]),
        {"away_from": moment(-timedelta(days=2))},
    )

    assert response.status_code == 302
    after = {row.name: row.after for row in simulate(active_rules(), days=1).agents}
    assert after == {"Анна": 2, "Вера": 1}
    page = signed_in(desk.team.lead).get(reverse("automation:agents")).content.decode()
    assert "сейчас отсутствует" in page


def test_the_lead_sets_a_skill_and_assignment_by_skills_follows_it():
    desk = make_desk(mode=AssignmentMode.SKILLS)
    desk.customer.language = "en"
    desk.customer.save()
    signed_in(led(desk)).post(
        reverse("automation:agent", args=[desk.agents[2].pk]), {"languages": ["en"]}
    )
    incident = actions.do_create_incident(actor=desk.customer, title="No VPN")
    assert assign(incident.pk) == desk.agents[2]
