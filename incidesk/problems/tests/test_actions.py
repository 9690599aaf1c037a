"""What each problem action writes, refuses and records; linking as a change of the incident."""

import pytest

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.catalog.models import Category, Service
from incidesk.core.errors import Forbidden, InvalidInput, InvalidTransition
from incidesk.incidents import actions as incident_actions
from incidesk.incidents.models import EventKind
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.notifications.models import Notification
from incidesk.problems import actions
from incidesk.problems.models import AppendOnlyError, ProblemEventKind
from incidesk.problems.queries import known_errors_for
from incidesk.problems.status import ProblemStatus
from incidesk.problems.tests.factories import make_problem

pytestmark = pytest.mark.django_db


def test_numbers_are_sequential_and_separate_from_incidents():
    make_incident()
    first, second = make_problem(), make_problem()
    assert (first.number, second.number) == ("PRB-000001", "PRB-000002")
    assert make_incident().number == "INC-000002"


def test_create_defaults_the_owner_to_the_author_and_records_it():
    agent = AgentFactory()
    problem = make_problem(
        actor=agent,
        category=Category.objects.get(code="vpn"),
        service=Service.objects.get(code="vpn"),
    )
    assert problem.owner == agent
    assert problem.status == ProblemStatus.OPEN
    assert list(problem.events.values_list("kind", flat=True)) == [ProblemEventKind.CREATED]


def test_customers_may_not_register_problems():
    with pytest.raises(Forbidden):
        make_problem(actor=CustomerFactory())


def test_owner_must_be_desk_staff():
    with pytest.raises(InvalidInput) as refused:
        make_problem(owner=CustomerFactory())
    assert "owner" in refused.value.fields


def test_update_records_one_event_per_changed_field():
    agent, other = AgentFactory(), AgentFactory()
    problem = make_problem(actor=agent, root_cause="")
    actions.do_update_problem(
        problem, actor=agent, title=problem.title, root_cause="Сертификат истёк", owner=other
    )
    problem.refresh_from_db()
    assert (problem.root_cause, problem.owner) == ("Сертификат истёк", other)
    changes = problem.events.filter(kind=ProblemEventKind.FIELD_CHANGED)
    assert {(e.data["field"], e.data["new"]) for e in changes} == {
        ("root_cause", "Сертификат истёк"),
        ("owner", other.email),
    }


def test_a_known_error_needs_a_workaround_and_keeps_it():
    agent = AgentFactory()
    problem = make_problem(actor=agent)
    with pytest.raises(InvalidInput) as refused:
        actions.do_mark_known_error(problem, actor=agent)
    assert "workaround" in refused.value.fields
    problem = actions.do_mark_known_error(problem, actor=agent, workaround="Перезапустить клиент")
    assert (problem.status, problem.workaround) == (
        ProblemStatus.KNOWN_ERROR,
        "Перезапустить клиент",
    )
    with pytest.raises(InvalidInput):
        actions.do_update_problem(problem, actor=agent, workaround="  ")


def test_resolving_needs_a_root_cause():
    agent = AgentFactory()
    problem = make_problem(actor=agent)
    with pytest.raises(InvalidInput) as refused:
        actions.do_resolve_problem(problem, actor=agent)
    assert "root_cause" in refused.value.fields


def test_a_closed_problem_is_final():
    agent = AgentFactory()
    problem = make_problem(actor=agent, root_cause="Истёк сертификат")
    problem = actions.do_close_problem(
        actions.do_resolve_problem(problem, actor=agent), actor=agent
    )
    assert problem.closed_at is not None
    with pytest.raises(InvalidTransition):
        actions.do_update_problem(problem, actor=agent, title="Другое")
    with pytest.raises(InvalidTransition):
        actions.do_link_incidents(problem, actor=agent, incidents=[make_incident()])


def test_history_is_append_only():
    event = make_problem().events.get()
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


# --- linking -----------------------------------------------------------------------------------


def test_linking_changes_the_incident_through_its_actions(django_capture_on_commit_callbacks):
    agent = AgentFactory()
    problem = make_problem(actor=agent)
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    version = incident.version
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_link_incidents(problem, actor=agent, incidents=[incident, incident])
    incident.refresh_from_db()
    assert incident.problem == problem
    assert incident.version == version + 1
    event = incident.events.get(kind=EventKind.PROBLEM_LINKED)
    assert (event.actor, event.is_public, event.data) == (agent, False, {"problem": "PRB-000001"})
    assert not Notification.objects.filter(event=event).exists()
    assert problem.events.filter(kind=ProblemEventKind.INCIDENT_LINKED).count() == 1


def test_an_incident_has_one_problem_at_a_time():
    agent = AgentFactory()
    first, second = make_problem(actor=agent), make_problem(actor=agent)
    incident = make_incident()
    actions.do_link_incidents(first, actor=agent, incidents=[incident])
    incident.refresh_from_db()
    with pytest.raises(InvalidInput) as refused:
        actions.do_link_incidents(second, actor=agent, incidents=[incident])
    assert "PRB-000001" in str(refused.value.message)
    actions.do_unlink_incident(first, actor=agent, incident=incident)
    incident.refresh_from_db()
    assert incident.problem is None
    assert incident.events.filter(kind=EventKind.PROBLEM_UNLINKED).get().data == {
        "problem": "PRB-000001"
    }
    actions.do_link_incidents(second, actor=agent, incidents=[incident])
    incident.refresh_from_db()
    assert incident.problem == second


def test_unlinking_an_incident_of_another_problem_is_refused():
    agent = AgentFactory()
    with pytest.raises(InvalidInput):
        actions.do_unlink_incident(make_problem(actor=agent), actor=agent, incident=make_incident())


def test_known_errors_show_on_linked_incidents_only_while_known():
    agent = AgentFactory()
    problem = make_problem(actor=agent, root_cause="Сертификат")
    incident, other = make_incident(), make_incident()
    actions.do_link_incidents(problem, actor=agent, incidents=[incident])
    incident.refresh_from_db()
    assert known_errors_for(incident) == []
    actions.do_mark_known_error(problem, actor=agent, workaround="Войти заново")
    assert known_errors_for(incident) == [problem]
    assert known_errors_for(other) == []
    actions.do_resolve_problem(problem, actor=agent)
    assert known_errors_for(incident) == []


def test_a_customer_links_only_their_own_incident_and_only_to_a_known_error():
    agent = AgentFactory()
    problem = make_problem(actor=agent)
    incident = make_incident()
    with pytest.raises(Forbidden):
        incident_actions.do_link_problem(incident, actor=incident.reporter, problem=problem)
    actions.do_mark_known_error(problem, actor=agent, workaround="Войти заново")
    problem.refresh_from_db()
    with pytest.raises(Forbidden):
        incident_actions.do_link_problem(incident, actor=CustomerFactory(), problem=problem)
    incident = incident_actions.do_link_problem(incident, actor=incident.reporter, problem=problem)
    event = incident.events.order_by("-id").first()
    assert (incident.problem, event.actor, event.is_public) == (problem, incident.reporter, False)


# --- preventive actions ------------------------------------------------------------------------


def test_preventive_actions_are_planned_and_done_with_their_time(time_machine):
    time_machine.move_to("2026-03-01 09:00:00+03:00", tick=False)
    agent = AgentFactory()
    problem = make_problem(actor=agent)
    action = actions.do_add_preventive_action(
        problem, actor=agent, title="Продлить сертификат", owner=agent
    )
    time_machine.move_to("2026-03-02 10:00:00+03:00", tick=False)
    action = actions.do_set_action_done(action, actor=agent, done=True)
    assert action.done and action.done_at.isoformat() == "2026-03-02T07:00:00+00:00"
    assert actions.do_set_action_done(action, actor=agent, done=True).done_at == action.done_at
    action = actions.do_set_action_done(action, actor=agent, done=False)
    assert (action.done, action.done_at) == (False, None)
    kinds = list(problem.events.values_list("kind", flat=True))
    assert kinds[-3:] == [
        ProblemEventKind.ACTION_ADDED,
        ProblemEventKind.ACTION_DONE,
        ProblemEventKind.ACTION_REOPENED,
    ]


def test_a_preventive_action_needs_a_desk_owner():
    agent = AgentFactory()
    with pytest.raises(InvalidInput):
        actions.do_add_preventive_action(
            make_problem(actor=agent), actor=agent, title="Обучить", owner=CustomerFactory()
        )


def test_known_errors_of_similar_incidents_are_shown_to_a_viewer():
    agent = AgentFactory()
    vpn = Category.objects.get(code="vpn")
    problem = make_problem(actor=agent, title="Истёк сертификат шлюза", root_cause="Сертификат")
    linked = make_incident(title="VPN не подключается: ошибка 809", category=vpn)
    actions.do_link_incidents(problem, actor=agent, incidents=[linked])
    actions.do_mark_known_error(problem, actor=agent, workaround="Переподключитесь через минуту")
    alike = make_incident(title="Не подключается VPN, ошибка 809", category=vpn)
    unrelated = make_incident(title="Не печатает принтер на третьем этаже")
    assert known_errors_for(alike) == []
    assert known_errors_for(alike, agent) == [problem]
    assert known_errors_for(unrelated, agent) == []
