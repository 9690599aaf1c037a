"""The simulator: last week's incidents routed by the saved rules and by a draft, counted per
team, per rule and per automatically assigned agent (every mode), with the SLA targets a changed
priority would have missed, without writing anything."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidesk.automation.models import (
    AgentAvailability,
    AssignmentMode,
    Decision,
    RoutingRule,
    TeamAssignment,
)
from incidesk.automation.simulator import Simulation, active_rules, simulate, with_draft
from incidesk.automation.tests.conftest import Desk, make_desk, office_hours
from incidesk.incidents import actions
from incidesk.incidents.models import Incident, TimelineEvent
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


def last_week(desk: Desk) -> None:
    """Six VPN incidents and four printer ones over the last six days, one VPN a fortnight ago."""
    now = timezone.now()
    for day in range(6):
        with time_machine.travel(now - timedelta(days=day, hours=1), tick=False):
            make_incident(reporter=desk.customer, title=f"Не работает VPN, день {day}")
            if day < 4:
                make_incident(reporter=desk.customer, title=f"Не печатает принтер, день {day}")
    with time_machine.travel(now - timedelta(days=14), tick=False):
        make_incident(reporter=desk.customer, title="VPN отключается")


def with_printers(desk: Desk) -> RoutingRule:
    """The draft: the VPN rule also takes printers (unsaved)."""
    draft = RoutingRule.objects.get(pk=desk.rule.pk)
    draft.conditions = {**draft.conditions, "words": ["VPN", "впн", "принтер"]}
    return draft


def counts(rows):
    return {row.name: (row.before, row.after) for row in rows}


def test_the_simulator_shows_last_weeks_effect_of_a_rule_change():
    desk = make_desk()
    last_week(desk)
    assert Incident.objects.filter(team=desk.team).count() == 7  # the saved rule routed them

    result = simulate(with_draft(with_printers(desk)), days=7)

    assert result.examined == 10  # the fortnight-old one is outside the window
    assert result.changed == 4
    assert counts(result.teams) == {"Сеть": (6, 10), "": (4, 0)}
    assert counts(result.rules) == {desk.rule.name: (6, 10)}
    # Round robin over three available agents, in arrival order, from the first.
    assert {row.name: (row.before, row.after) for row in result.agents} == {
        "Анна": (2, 4),
        "Борис": (2, 3),
        "Вера": (2, 3),
    }
    assert {change.after for change in result.changes} == {"Сеть"}
    assert all("принтер" in change.title for change in result.changes)


def test_an_inactive_draft_shows_what_switching_the_rule_off_would_do():
    desk = make_desk()
    last_week(desk)
    draft = RoutingRule.objects.get(pk=desk.rule.pk)
    draft.is_active = False

    result = simulate(with_draft(draft), days=7)

    assert result.changed == 6
    assert counts(result.teams) == {"Сеть": (6, 0), "": (4, 10)}
    assert counts(result.rules) == {desk.rule.name: (6, 0)}


def test_an_away_agent_is_passed_over_in_the_simulated_rotation():
    desk = make_desk()
    last_week(desk)
    AgentAvailability.objects.create(
        agent=desk.agents[1], away_from=timezone.now() - timedelta(days=30)
    )

    result = simulate(with_draft(with_printers(desk)), days=7)

    assert {row.name: row.after for row in result.agents} == {"Анна": 5, "Вера": 5}


def test_the_simulator_writes_nothing():
    desk = make_desk()
    last_week(desk)
    models = (Incident, Decision, TimelineEvent, RoutingRule, TeamAssignment)
    before = [model.objects.count() for model in models]
    cursor = TeamAssignment.objects.get(pk=desk.team.pk).last_agent_id

    with CaptureQueriesContext(connection) as queries:
        simulate(with_draft(with_printers(desk)), days=7)

    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert [model.objects.count() for model in models] == before
    assert TeamAssignment.objects.get(pk=desk.team.pk).last_agent_id == cursor
    assert RoutingRule.objects.get(pk=desk.rule.pk).conditions["words"] == ["VPN", "впн"]


def test_the_simulator_reads_the_same_number_of_times_for_any_number_of_incidents():
    desk = make_desk()
    draft = with_draft(with_printers(desk))
    make_incident(reporter=desk.customer, title="Не работает VPN")
    simulate(draft, days=7)  # the reference data and calendars are loaded once per process
    with CaptureQueriesContext(connection) as one:
        simulate(draft, days=7)
    last_week(desk)
    with CaptureQueriesContext(connection) as many:
        simulate(draft, days=7)
    assert len(many) == len(one)


def test_a_new_draft_rule_is_tried_in_its_place_among_the_saved_ones():
    desk = make_desk()
    first = RoutingRule(name="Принтеры", order=1, conditions={"words": ["принтер"]}, tags=["p"])
    assert [rule.name for rule in with_draft(first)] == ["Принтеры", desk.rule.name]
    assert [rule.name for rule in active_rules()] == [desk.rule.name]


# --- assignment modes and the SLA effect ------------------------------------------------------


def arrivals(desk: Desk, *statuses: Status) -> None:
    """One VPN incident an hour over the last hours, taken as far as the given statuses."""
    now = timezone.now()
    for n, status in enumerate(statuses):
        with time_machine.travel(now - timedelta(hours=len(statuses) - n), tick=False):
            make_incident(status, reporter=desk.customer, title=f"Не работает VPN, {n}")


def after(result) -> dict[str, int]:
    return {row.name: row.after for row in result.agents}


def test_least_loaded_counts_what_the_simulation_gave_each_agent_and_is_still_open():
    desk = make_desk(mode=AssignmentMode.LEAST_LOADED)
    # Анна keeps hers; Борис resolves his at once; Вера's is the third; the fourth goes to the
    # lightest after Вера: Борис (round robin would have given it to Анна).
    arrivals(desk, Status.NEW, Status.RESOLVED, Status.NEW, Status.NEW)

    result = simulate(active_rules(), days=1)

    assert after(result) == {"Анна": 1, "Борис": 2, "Вера": 1}


def test_by_skills_gives_the_incident_to_who_speaks_the_customers_language():
    desk = make_desk(mode=AssignmentMode.SKILLS)
    desk.customer.language = "en"
    desk.customer.save()
    AgentAvailability.objects.create(agent=desk.agents[2], languages=["en"])
    arrivals(desk, Status.NEW, Status.NEW, Status.NEW)

    result = simulate(active_rules(), days=1)

    assert after(result) == {"Вера": 3}
    assert {change.after_agent for change in result.changes} <= {"Вера"}


def test_working_hours_are_those_at_each_incidents_registration():
    desk = make_desk()
    desk.assignment.calendar = office_hours()
    desk.assignment.save()
    with time_machine.travel("2026-11-23 03:00:00+03:00", tick=False):  # a Monday night
        make_incident(reporter=desk.customer, title="Не работает VPN ночью")
    with time_machine.travel("2026-11-23 10:00:00+03:00", tick=False):
        make_incident(reporter=desk.customer, title="Не работает VPN утром")

    with time_machine.travel("2026-11-24 10:00:00+03:00", tick=False):
        result = simulate(active_rules(), days=7)

    assert after(result) == {"": 1, "Анна": 1}  # nobody on duty at night


def responded_after(desk: Desk, hours: int) -> None:
    """A VPN incident registered on a Monday morning, taken into work `hours` hours later."""
    with time_machine.travel("2026-11-23 10:00:00+03:00", tick=False):
        incident = make_incident(reporter=desk.customer, title="Не работает VPN")
    with time_machine.travel(incident.created_at + timedelta(hours=hours), tick=False):
        actions.do_accept(incident, actor=desk.agents[0])


def test_a_higher_priority_would_have_breached_the_response_it_met():
    desk = make_desk()
    responded_after(desk, 2)  # priority 3: 4 business hours to respond; met
    draft = RoutingRule.objects.get(pk=desk.rule.pk)
    draft.priority = 1  # reached as 2 (medium impact): an hour to respond

    with time_machine.travel("2026-11-27 10:00:00+03:00", tick=False):
        result = simulate(with_draft(draft), days=7)

    assert (result.reprioritised, result.breached_more, result.breached_fewer) == (1, 1, 0)
    [change] = result.sla_changes
    assert (change.before_priority, change.after_priority) == (3, 2)
    assert change.breached_before == ["resolution"]  # still open four days on: missed anyway
    assert change.breached_after == ["response", "resolution"]


def test_switching_a_priority_rule_off_shows_the_breaches_it_caused():
    desk = make_desk()
    desk.rule.priority = 1
    desk.rule.save()
    responded_after(desk, 2)
    assert Incident.objects.get().priority == 2
    draft = RoutingRule.objects.get(pk=desk.rule.pk)
    draft.is_active = False

    with time_machine.travel("2026-11-27 10:00:00+03:00", tick=False):
        result = simulate(with_draft(draft), days=7)

    # The matrix's priority for the urgency the customer reported, not the one the rule set.
    assert [(c.before_priority, c.after_priority) for c in result.sla_changes] == [(2, 3)]
    assert (result.breached_more, result.breached_fewer) == (0, 1)


def test_a_stored_result_reads_back_the_same():
    desk = make_desk()
    last_week(desk)
    result = simulate(with_draft(with_printers(desk)), days=7)
    assert Simulation.from_json(result.as_json()) == result
