"""Scheduled triggers: a state that has lasted a time, counted in working minutes on the
incident's SLA calendar (Moscow, Mon–Fri 09:00–18:00 for P3) or in every minute; fired once
per incident and episode by the task the minute's sweep promises."""

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from incidesk.accounts.tests.factories import AgentFactory, LeadFactory, TeamFactory
from incidesk.automation import scheduled
from incidesk.automation.models import Decision, DecisionKind, Trigger, TriggerEvent, TriggerRun
from incidesk.automation.tasks import run_scheduled_triggers
from incidesk.incidents import actions
from incidesk.incidents.models import EventKind, Incident, Visibility
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.sla.tests.moments import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    team = TeamFactory(name="Сеть", lead=LeadFactory(full_name="Лидия Руководитель"))
    team.members.add(AgentFactory(full_name="Антон Агент"))
    return team


def sweep_at(moment) -> int:
    with time_machine.travel(moment, tick=False):
        return scheduled.run()


def notices(incident: Incident) -> int:
    return incident.events.filter(kind=EventKind.NOTIFIED).count()


def test_unassigned_for_30_working_minutes_fires_once_per_episode(team):
    """Registered on Friday at 17:50: ten working minutes that day, twenty on Monday."""
    Trigger.objects.create(
        name="Без исполнителя 30 минут",
        event=TriggerEvent.UNASSIGNED_FOR,
        wait_minutes=30,
        tags=["без исполнителя"],
        notify_team=team,
        notice="{{ incident.number }} полчаса без исполнителя",
    )
    with time_machine.travel(at(20, 17, 50), tick=False):
        incident = make_incident()
    assert sweep_at(at(20, 18, 30)) == 0  # 40 minutes, 10 of them working
    assert sweep_at(at(23, 9, 19)) == 0  # 29 working minutes
    assert sweep_at(at(23, 9, 21)) == 1
    incident.refresh_from_db()
    assert incident.tags == ["без исполнителя"]
    assert notices(incident) == 1
    assert sweep_at(at(23, 9, 40)) == 0  # the same episode: never again
    created = incident.events.get(kind=EventKind.CREATED)
    assert TriggerRun.objects.filter(event=created).count() == 1
    decision = Decision.objects.get(incident=incident, kind=DecisionKind.TRIGGER)
    assert decision.data["event"] == TriggerEvent.UNASSIGNED_FOR
    assert decision.data["event_id"] == created.pk

    # Assigned, then passed to another team, nobody assigned: a new episode, fired again.
    agent = team.members.get()
    with time_machine.travel(at(23, 10, 0), tick=False):
        actions.do_assign(incident, actor=team.lead, team=team, assignee=agent)
    assert sweep_at(at(23, 10, 40)) == 0  # assigned: not in the state
    with time_machine.travel(at(23, 11, 0), tick=False):
        actions.do_assign(incident, actor=team.lead, team=TeamFactory(name="Первая линия"))
    assert sweep_at(at(23, 11, 29)) == 0
    assert sweep_at(at(23, 11, 31)) == 1
    assert notices(incident) == 2


def test_every_minute_counts_when_the_trigger_says_so_and_a_change_in_time_stops_it():
    """Waiting for the customer for three hours, by the wall clock: an answer before then
    ends the episode."""
    Trigger.objects.create(
        name="Ждём клиента 3 часа",
        event=TriggerEvent.WAITING_FOR,
        wait_minutes=180,
        business_time=False,
        customer_message="Напоминаем: ждём ответа по {{ incident.number }}.",
    )
    with time_machine.travel(at(21, 10, 0), tick=False):  # a Saturday
        waiting = make_incident(Status.ON_HOLD)
        answered = make_incident(Status.ON_HOLD)
    with time_machine.travel(at(21, 11, 0), tick=False):
        assert answered.reporter is not None
        actions.do_add_comment(
            answered, actor=answered.reporter, body="Модель HP 1020", visibility=Visibility.PUBLIC
        )
    answered.refresh_from_db()
    assert answered.status == Status.IN_PROGRESS
    assert sweep_at(at(21, 12, 59)) == 0
    assert sweep_at(at(21, 13, 1)) == 1
    reply = waiting.comments.filter(author=None).get()
    assert reply.body == f"Напоминаем: ждём ответа по {waiting.number}."
    assert not answered.comments.filter(author=None).exists()


def test_no_update_counts_from_the_last_thing_a_person_did_and_conditions_still_hold():
    Trigger.objects.create(
        name="VPN без движения",
        event=TriggerEvent.NO_UPDATE_FOR,
        wait_minutes=60,
        conditions={"words": ["VPN"]},
        priority=2,
    )
    agent = AgentFactory()
    with time_machine.travel(at(16, 10, 0), tick=False):
        vpn = make_incident(Status.IN_PROGRESS, agent=agent, title="Не работает VPN")
        printer = make_incident(Status.IN_PROGRESS, agent=agent, title="Не печатает принтер")
    with time_machine.travel(at(16, 10, 30), tick=False):
        actions.do_add_comment(vpn, actor=agent, body="Смотрю", visibility=Visibility.INTERNAL)
    assert sweep_at(at(16, 11, 15)) == 0  # 45 minutes since the note
    assert sweep_at(at(16, 11, 31)) == 1
    vpn.refresh_from_db()
    printer.refresh_from_db()
    assert vpn.priority == 2
    assert printer.priority == 3
    # The printer's episode was looked at once (the conditions did not hold): not again.
    assert sweep_at(at(16, 12, 0)) == 0


def test_the_sweep_promises_one_run_while_a_scheduled_trigger_is_active(team, run_tasks):
    waiting = DBTaskResult.objects.filter(task_path=run_scheduled_triggers.module_path)
    assert scheduled.promise_run(at(16, 9, 0)) == 0
    assert not waiting.exists()  # no scheduled trigger: no task
    Trigger.objects.create(
        name="Без исполнителя час",
        event=TriggerEvent.UNASSIGNED_FOR,
        wait_minutes=60,
        team=team,
        assign_to_lead=True,
    )
    with time_machine.travel(at(16, 9, 0), tick=False):
        incident = make_incident()
        run_tasks()
    with time_machine.travel(at(16, 10, 1), tick=False):
        scheduled.promise_run(at(16, 10, 1))
        scheduled.promise_run(at(16, 10, 1))
        assert waiting.filter(status="READY").count() == 1
        run_tasks()
    incident.refresh_from_db()
    assert (incident.team, incident.assignee) == (team, team.lead)
    assigned = incident.events.filter(kind=EventKind.ASSIGNED).get()
    assert assigned.triggered.rule == "Без исполнителя час"
    assert assigned.triggered.depth == 1
