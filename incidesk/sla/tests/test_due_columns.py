"""The incident's due-time columns are written by the action with the rest of its change: the
due time, `version` and `updated_at` move together (the analytics sync reads `updated_at`)."""

from datetime import datetime

import pytest

from incidesk.accounts.tests.factories import LeadFactory
from incidesk.catalog.models import HoldReason
from incidesk.incidents import actions
from incidesk.incidents.models import Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.sla.models import Metric
from incidesk.sla.tests.moments import at

pytestmark = pytest.mark.django_db


def row(incident: Incident) -> tuple:
    fresh = Incident.objects.get(pk=incident.pk)
    return fresh.response_due_at, fresh.resolution_due_at, fresh.version, fresh.updated_at


def test_registration_writes_the_due_columns(when):
    with when(at(16, 9, 0)):
        incident = make_incident()  # P3: 4 business hours to respond, 24 to resolve
    response, resolution, version, _ = row(incident)
    assert (response, resolution) == (at(16, 13, 0), at(18, 15, 0))
    assert version == incident.version


def test_a_priority_override_moves_due_version_and_updated_at_together(when):
    with when(at(16, 9, 0)):
        incident = make_incident()
    lead = LeadFactory()
    before = row(incident)
    with when(at(16, 9, 30)):
        returned = actions.do_override_priority(
            incident, actor=lead, priority=2, reason="Стоит склад"
        )
    response, resolution, version, updated_at = row(incident)
    # The caller (an API answer, a page) holds what was written, not a stale due time.
    assert row(returned) == (response, resolution, version, updated_at)
    assert (returned.response_due_at, returned.version) == (response, version)
    assert (response, resolution) == (at(16, 10, 0), at(16, 17, 0))  # P2, around the clock
    assert version == before[2] + 1
    assert updated_at == at(16, 9, 30) > before[3]


def test_hold_and_resume_write_the_resolution_due_time_with_the_change(when):
    with when(at(16, 9, 0)):
        incident = make_incident(Status.IN_PROGRESS)
    agent = incident.assignee
    assert agent is not None
    vendor = HoldReason.objects.get(code="awaiting_vendor")
    with when(at(16, 10, 0)):
        actions.do_hold(incident, actor=agent, reason=vendor)
    held = row(incident)
    assert held[3] == at(16, 10, 0)
    with when(at(16, 12, 0)):
        resumed = actions.do_resume(incident, actor=agent)
    _, resolution, version, updated_at = row(incident)
    assert (resumed.resolution_due_at, resumed.version) == (resolution, version)
    assert resolution == at(18, 17, 0)  # two business hours on hold move the due time
    assert resolution != held[1]
    assert (version, updated_at) == (held[2] + 1, at(16, 12, 0))
    assert incident.sla_clocks.get(metric=Metric.RESOLUTION).due_at == resolution


def test_a_calendar_edit_writes_the_due_column_through_an_action(when, run_tasks):
    with when(at(16, 9, 0)):
        incident = make_incident()
    before = row(incident)
    calendar = incident.sla_clocks.get(metric=Metric.RESPONSE).calendar
    with when(at(16, 10, 0)):
        monday = calendar.intervals.get(weekday=0)
        monday.end = datetime(2026, 1, 1, 12, 0).time()
        monday.save()
    with when(at(16, 10, 0)):
        run_tasks()
    response, _, version, updated_at = row(incident)
    assert response == at(17, 10, 0)
    assert version > before[2]
    assert updated_at == at(16, 10, 0)
