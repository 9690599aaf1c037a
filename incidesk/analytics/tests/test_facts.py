"""Facts follow every change through the actions, and the rebuild command recreates them."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from incidesk.accounts.tests.factories import AgentFactory
from incidesk.analytics import facts
from incidesk.analytics.models import IncidentFact
from incidesk.analytics.tests.dataset import HOUR, at, moment
from incidesk.catalog.models import Cause, HoldReason, ResolutionCode
from incidesk.incidents import actions
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


def test_sync_catches_up_with_changes_and_only_those(desk):
    assert facts.sync() == 8  # I1-I7 and X1
    assert facts.sync() == 0
    i6 = desk.incidents["I6"]
    with moment(at(14, 11)):  # after the last change the first pass saw
        actions.do_add_comment(i6, actor=desk.agent, body="Готово?")
    assert facts.sync() == 1
    fact = IncidentFact.objects.get(incident=i6)
    assert (fact.response_seconds, fact.response_business_seconds) == (HOUR, HOUR)
    assert fact.resolution_seconds is None and fact.resolution_breached is None


def test_a_reopened_incident_counts_its_last_resolution(desk):
    facts.sync()
    assert IncidentFact.objects.get(incident=desk.incidents["I3"]).resolution_seconds == 7 * HOUR
    i2 = desk.incidents["I2"]
    fact = IncidentFact.objects.get(incident=i2)
    assert (fact.first_contact, fact.resolution_business_seconds) == (False, 6 * HOUR)


def test_rebuild_command_recreates_everything(desk, capsys):
    facts.sync()
    IncidentFact.objects.filter(incident=desk.incidents["I1"]).update(resolution_seconds=1)
    call_command("analytics", "rebuild")
    assert "8 incidents counted" in capsys.readouterr().out
    assert IncidentFact.objects.get(incident=desk.incidents["I1"]).resolution_seconds == 4 * HOUR


def test_facts_carry_the_incidents_dimensions_as_they_change(desk):
    facts.sync()
    i6 = desk.incidents["I6"]
    fact = IncidentFact.objects.get(incident=i6)
    assert (fact.status, fact.priority, fact.team_id) == ("in_progress", 3, i6.team_id)
    assert fact.created_at == at(12, 9) and fact.resolved_at is None
    with moment(at(14, 11)):
        actions.do_override_priority(i6, actor=desk.lead, priority=1, reason="Стоит склад")
    facts.sync()
    assert IncidentFact.objects.get(incident=i6).priority == 1
    i2 = IncidentFact.objects.get(incident=desk.incidents["I2"])
    # The last resolution, and the rating, as the reports filter them.
    assert (i2.resolved_at, i2.rated_at, i2.satisfaction) == (at(12, 12), at(12, 13, 30), 2)
    assert IncidentFact.objects.get(incident=desk.incidents["I5"]).status == "cancelled"


def test_rebuild_leaves_nothing_for_the_next_sync(desk):
    assert facts.rebuild() == 8
    assert facts.sync() == 0
    assert IncidentFact.objects.count() == 8


@pytest.mark.parametrize(
    ("impact", "new_impact", "business_hours"),
    [
        # P3 (Moscow) -> P2 (24x7): Fri 16:00 to Mon 11:00 is 67 h, less the 65 h pause.
        ("medium", "high", 2),
        # P2 (24x7) -> P3 (Moscow): Fri 16-18 and Mon 9-11 is 4 h, less the 2 h pause.
        ("high", "medium", 2),
    ],
)
def test_business_durations_measure_pauses_on_the_clocks_calendar(
    impact, new_impact, business_hours
):
    """A priority change that moves the resolution clock to another calendar: the report's
    business time measures the earlier pause on the calendar the clock ended on."""
    agent = AgentFactory()
    with moment(at(13, 16)):  # Friday
        incident = make_incident(Status.IN_PROGRESS, agent=agent, impact=impact)
    with moment(at(13, 17)):
        vendor = HoldReason.objects.get(code="awaiting_vendor")
        actions.do_hold(incident, actor=agent, reason=vendor)
    with moment(at(16, 10)):  # Monday
        actions.do_resume(incident, actor=agent)
    with moment(at(16, 10, 30)):
        actions.do_update_incident(incident, actor=agent, impact=new_impact)
    with moment(at(16, 11)):
        actions.do_resolve(
            incident,
            actor=agent,
            cause=Cause.objects.get(code="software_error"),
            resolution_code=ResolutionCode.objects.get(code="fixed"),
            notes="Обновили",
        )
    facts.sync()
    fact = IncidentFact.objects.get(incident=incident)
    assert fact.resolution_business_seconds == business_hours * HOUR
    assert not fact.resolution_breached
