"""Automatic assignment through the real task worker and the real assign action: round robin
with an away agent and a substitute, working hours, least loaded, skills, never twice; and
the "why" in the console and the API."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from incidesk.accounts.tests.factories import AgentFactory
from incidesk.automation.assignment import assign
from incidesk.automation.models import (
    AgentAvailability,
    AssignmentMode,
    Decision,
    DecisionKind,
)
from incidesk.automation.tests.conftest import office_hours
from incidesk.automation.tests.test_routing import vpn_mail
from incidesk.catalog.models import Category
from incidesk.incidents import actions
from incidesk.incidents.models import EventKind, Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.apiclient import Api
from incidesk.mail.inbound import receive

pytestmark = pytest.mark.django_db


def away(agent, substitute=None):
    AgentAvailability.objects.create(
        agent=agent, away_from=timezone.now() - timedelta(days=1), substitute=substitute
    )


def vpn(network, n: int = 1) -> list[Incident]:
    return [
        actions.do_create_incident(actor=network.customer, title=f"Нет VPN {i}") for i in range(n)
    ]


def test_mail_about_vpn_is_assigned_round_robin_skipping_the_away_agent(network, run_tasks):
    """Issue 16, done when: mail about VPN from the organisation lands in the network team and
    is assigned round robin among the available agents, the away one skipped."""
    first, second, third = network.agents
    away(second)
    for n in range(4):
        receive(vpn_mail(network.customer.email, n), source="stdin")
    run_tasks()
    incidents = Incident.objects.order_by("pk")
    assert [i.assignee for i in incidents] == [first, third, first, third]
    assert {(i.team, i.status) for i in incidents} == {(network.team, Status.IN_PROGRESS)}
    event = incidents[0].events.get(kind=EventKind.ASSIGNED)
    assert event.actor is None and event.data["assignee"] == first.email
    decision = Decision.objects.get(incident=incidents[0], kind=DecisionKind.ASSIGNMENT)
    assert decision.data["assignee"] == "Анна"
    assert [(c["agent"], c["skipped"]) for c in decision.data["candidates"]] == [
        ("Анна", ""),
        ("Борис", "away"),
        ("Вера", ""),
    ]


def test_a_substitute_takes_the_away_agents_turn(network, run_tasks):
    first, second, third = network.agents
    away(second, substitute=third)
    vpn(network, 3)
    run_tasks()
    assert [i.assignee for i in Incident.objects.order_by("pk")] == [first, third, third]
    told = Decision.objects.filter(kind=DecisionKind.ASSIGNMENT).order_by("pk")[1].data
    assert (told["turn_of"], told["assignee"]) == ("Борис", "Вера")


def test_nobody_outside_working_hours_leaves_it_in_the_team_queue(network, run_tasks):
    network.assignment.calendar = office_hours()
    network.assignment.save()
    own = office_hours("night")
    own.always_open = True
    own.save()
    AgentAvailability.objects.create(agent=network.agents[2], calendar=own)
    with time_machine.travel("2026-03-07 12:00 +03:00"):  # a Saturday
        (incident,) = vpn(network)
        run_tasks()
        incident.refresh_from_db()
        assert incident.assignee == network.agents[2]  # the only one on a 24×7 calendar
        network.agents[2].availability.delete()
        (later,) = vpn(network)
        run_tasks()
    later.refresh_from_db()
    assert (later.assignee, later.team, later.status) == (None, network.team, Status.NEW)
    told = Decision.objects.filter(incident=later).get(kind=DecisionKind.ASSIGNMENT).data
    assert told["assignee"] is None
    assert {c["skipped"] for c in told["candidates"]} == {"outside_hours"}


def test_least_loaded_counts_the_incidents_in_work(network, run_tasks):
    network.assignment.mode = AssignmentMode.LEAST_LOADED
    network.assignment.save()
    first, second, third = network.agents
    busy = vpn(network, 3)
    for incident, agent in zip(busy, (first, first, second), strict=True):
        actions.do_assign(incident, actor=agent, assignee=agent)
    held = actions.do_assign(vpn(network)[0], actor=third, assignee=third)
    actions.do_request_info(held, actor=third, message="Какой у вас логин?")  # clock paused
    run_tasks()  # the tasks of incidents already assigned do nothing
    (incident,) = vpn(network)
    run_tasks()
    incident.refresh_from_db()
    assert incident.assignee == third


def test_by_skills_the_agent_who_knows_the_category(network, run_tasks):
    network.assignment.mode = AssignmentMode.SKILLS
    network.assignment.save()
    category = Category.objects.filter(parent__isnull=False).select_related("parent").first()
    assert category is not None and category.parent is not None
    skilled = AgentAvailability.objects.create(agent=network.agents[2], languages=["en"])
    skilled.categories.add(category.parent)
    incident = actions.do_create_incident(actor=network.customer, title="VPN", category=category)
    plain = actions.do_create_incident(actor=network.customer, title="VPN")
    run_tasks()
    incident.refresh_from_db()
    plain.refresh_from_db()
    assert incident.assignee == network.agents[2]
    assert plain.assignee == network.agents[0]  # nobody's skill: round robin from the start


def test_an_incident_is_never_assigned_twice(network):
    (incident,) = vpn(network)
    assert assign(incident.pk) == network.agents[0]
    assert assign(incident.pk) is None
    assert incident.events.filter(kind=EventKind.ASSIGNED).count() == 1
    assert Decision.objects.filter(kind=DecisionKind.ASSIGNMENT).count() == 1


def test_a_team_that_does_not_assign_leaves_incidents_alone(network, run_tasks):
    network.assignment.mode = AssignmentMode.OFF
    network.assignment.save()
    (incident,) = vpn(network)
    run_tasks()
    incident.refresh_from_db()
    assert incident.assignee is None
    assert not Decision.objects.filter(kind=DecisionKind.ASSIGNMENT).exists()


def test_an_agent_who_took_it_first_keeps_it(network, run_tasks):
    (incident,) = vpn(network)
    lead = AgentFactory()
    network.team.members.add(lead)
    actions.do_accept(incident, actor=lead)
    run_tasks()
    incident.refresh_from_db()
    assert incident.assignee == lead


def test_staff_read_why_on_the_incident_page_and_in_the_api(network, run_tasks):
    away(network.agents[1])
    (incident,) = vpn(network)
    run_tasks()
    client = Client()
    client.force_login(network.agents[0])
    page = client.get(reverse("console:incident", args=[incident.number])).content.decode()
    assert "VPN — в сетевую группу" in page
    assert "Сработало правило «VPN — в сетевую группу» (организация; слова: VPN)." in page
    assert "По кругу в группе «Сеть»: назначен исполнитель Анна." in page
    assert "Борис: отсутствует" in page
    body = Api(network.agents[0]).get(f"/incidents/{incident.number}/automation").json()
    assert body["tags"] == ["vpn"]
    assert [d["kind"] for d in body["decisions"]] == ["routing", "assignment"]
    assert body["decisions"][0]["text"] == [
        "Rule «VPN — в сетевую группу» matched (organisation; words: VPN).",
        "Team: Сеть.",
        "Tags: vpn.",
    ]
    assert body["decisions"][1]["text"] == [
        "Round robin in team Сеть: assigned to Анна.",
        "Анна: available",
        "Борис: away",
        "Вера: available",
    ]
    refused = Api(network.customer).get(f"/incidents/{incident.number}/automation")
    assert refused.status_code == 403
