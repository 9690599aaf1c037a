"""Triggers through the real task worker and the real actions: an SLA breach escalated to the
team lead with the rule on the timeline and in the "why"; once per (trigger, event); chains
stopped by the depth limit; conditions that do not hold; a reply template rendered safely."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from incidesk.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    LeadFactory,
    TeamFactory,
)
from incidesk.automation import triggers
from incidesk.automation.firing import fire
from incidesk.automation.models import (
    Decision,
    DecisionKind,
    Trigger,
    TriggeredEvent,
    TriggerEvent,
    TriggerRun,
)
from incidesk.incidents import actions
from incidesk.incidents.models import EventKind, Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.notifications.models import Notification
from incidesk.sla.tests.moments import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    lead = LeadFactory(full_name="Лидия Руководитель")
    agent = AgentFactory(full_name="Антон Агент")
    other = AgentFactory(full_name="Ольга Агент")
    team = TeamFactory(name="Сеть", lead=lead)
    team.members.add(agent, other)
    return team, agent, other, lead


def breached(agent, run_tasks) -> Incident:
    """An incident in the agent's work, left until past its resolution due time, checked."""
    with time_machine.travel(at(16, 9, 0), tick=False):
        incident = make_incident(Status.IN_PROGRESS, agent=agent)
    assert incident.resolution_due_at is not None
    with time_machine.travel(incident.resolution_due_at + timedelta(minutes=1), tick=False):
        run_tasks()
    incident.refresh_from_db()
    return incident


def test_a_trigger_escalates_an_sla_breach_to_the_lead_and_its_event_shows_the_rule(
    desk, run_tasks
):
    """Issue 16, done when: a trigger escalates an SLA breach to the lead and its event shows
    the rule."""
    team, agent, _other, lead = desk
    Trigger.objects.create(
        name="Просрочка — руководителю", event=TriggerEvent.SLA_BREACHED, assign_to_lead=True
    )
    incident = breached(agent, run_tasks)
    assert (incident.team, incident.assignee, incident.escalated) == (team, lead, True)
    assigned = incident.events.filter(kind=EventKind.ASSIGNED).last()
    assert assigned is not None and assigned.actor is None
    assert assigned.data["assignee"] == lead.email
    assert TriggeredEvent.objects.get(event=assigned).rule == "Просрочка — руководителю"
    assert Notification.objects.filter(recipient=lead, event=assigned).exists()
    decision = Decision.objects.get(incident=incident, kind=DecisionKind.TRIGGER)
    breach = incident.events.get(kind=EventKind.SLA_BREACHED)
    assert decision.data["event_id"] == breach.pk
    assert decision.data["did"] == {"team": "Сеть", "assignee": "Лидия Руководитель"}
    client = Client()
    client.force_login(lead)
    page = client.get(reverse("console:incident", args=[incident.number])).content.decode()
    assert "по правилу «Просрочка — руководителю»" in page
    assert "По правилу «Просрочка — руководителю» на событие «Нарушение SLA»" in page


def test_a_trigger_fires_once_per_event_however_often_its_task_runs(desk, run_tasks):
    _team, agent, _other, lead = desk
    Trigger.objects.create(
        name="Руководителю", event=TriggerEvent.SLA_BREACHED, assign_to_lead=True
    )
    incident = breached(agent, run_tasks)
    breach = incident.events.get(kind=EventKind.SLA_BREACHED)
    assert fire([breach.pk]) == 0
    assert fire([breach.pk]) == 0
    assert TriggerRun.objects.filter(event=breach).count() == 1
    assert Decision.objects.filter(incident=incident, kind=DecisionKind.TRIGGER).count() == 1
    assert incident.events.filter(kind=EventKind.ASSIGNED, actor=None).count() == 1
    incident.refresh_from_db()
    assert incident.assignee == lead


def test_two_triggers_that_undo_each_other_stop_at_the_depth_limit(desk, run_tasks):
    team, agent, other, lead = desk
    Trigger.objects.create(name="Антону", event=TriggerEvent.ASSIGNED, assignee=agent)
    Trigger.objects.create(name="Ольге", event=TriggerEvent.ASSIGNED, assignee=other)
    incident = make_incident()
    actions.do_assign(incident, actor=lead, team=team, assignee=agent)
    run_tasks()
    run_tasks()
    decisions = Decision.objects.filter(incident=incident, kind=DecisionKind.TRIGGER)
    fired = [(d.data["depth"], d.data["name"]) for d in decisions]
    # Each change wakes both triggers (the second sees the first's change): a chain branches,
    # but ends at the limit.
    assert fired[0] == (1, "Ольге")
    assert {depth for depth, _name in fired} == {1, 2, 3}
    assert max(TriggeredEvent.objects.values_list("depth", flat=True)) == triggers.MAX_DEPTH
    run_tasks()
    assert decisions.count() == len(fired)


def test_conditions_that_do_not_hold_change_nothing(desk, run_tasks):
    team, _agent, _other, lead = desk
    Trigger.objects.create(
        name="VPN — руководителю сети",
        event=TriggerEvent.REGISTERED,
        conditions={"words": ["VPN"]},
        team=team,
        assign_to_lead=True,
    )
    printer = make_incident(title="Не печатает принтер")
    vpn = make_incident(title="Не работает VPN")
    run_tasks()
    printer.refresh_from_db()
    vpn.refresh_from_db()
    assert (printer.team, printer.assignee) == (None, None)
    assert not Decision.objects.filter(incident=printer).exists()
    assert (vpn.team, vpn.assignee) == (team, lead)
    decision = Decision.objects.get(incident=vpn, kind=DecisionKind.TRIGGER)
    assert decision.data["matched"] == [{"condition": "words", "values": ["VPN"]}]


def test_a_reply_template_fills_placeholders_and_nothing_else(run_tasks):
    Trigger.objects.create(
        name="Подтверждение",
        event=TriggerEvent.REGISTERED,
        customer_message=(
            "Здравствуйте, {{ customer.name }}! Обращение {{ incident.number }} принято. "
            "{{ agent.name }}. {{ request.user }} {% load static %}"
        ),
    )
    reporter = CustomerFactory(full_name="{{ incident.title }}")
    incident = make_incident(reporter=reporter, title="Секрет")
    run_tasks()
    reply = incident.comments.get()
    assert reply.body == (
        f"Здравствуйте, {{{{ incident.title }}}}! Обращение {incident.number} принято. "
        "Incidesk. {{ request.user }} {% load static %}"
    )
    assert reply.author is None and reply.visibility == "public"
    event = incident.events.get(kind=EventKind.PUBLIC_REPLY)
    assert Notification.objects.filter(recipient=reporter, event=event).exists()


def test_a_low_rating_wakes_its_trigger_and_a_refused_action_is_recorded(desk, run_tasks):
    """Only a rating of 2 or less is "low"; an action the state machine refuses on a closed
    incident is recorded in words and changes nothing."""
    team, agent, _other, _lead = desk
    Trigger.objects.create(
        name="Плохая оценка — руководителю", event=TriggerEvent.LOW_RATING, assign_to_lead=True
    )
    good, bad = (make_incident(Status.CLOSED, agent=agent) for _ in range(2))
    for incident, rating in ((good, 5), (bad, 1)):
        assert incident.reporter is not None
        actions.do_rate(incident, actor=incident.reporter, rating=rating)
    run_tasks()
    assert not Decision.objects.filter(incident=good).exists()
    decision = Decision.objects.get(incident=bad, kind=DecisionKind.TRIGGER)
    assert decision.data["did"] == {}
    assert len(decision.data["refused"]) == 1
    bad.refresh_from_db()
    assert (bad.team, bad.assignee) == (team, agent)
