"""Information requests with a deadline: reminder, and the no-answer policy when it passes."""

from datetime import datetime

import pytest

from incidesk.accounts.models import ApiToken
from incidesk.accounts.tests.factories import AgentFactory
from incidesk.core.errors import InvalidInput
from incidesk.incidents import actions
from incidesk.incidents.models import EventKind, Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.notifications.models import Notification
from incidesk.sla import reference
from incidesk.sla.models import SlaPolicy
from incidesk.sla.tests.moments import MSK, at

pytestmark = pytest.mark.django_db


def _asked_on_monday(when) -> tuple[Incident, object]:
    agent = AgentFactory()
    with when(at(16, 10, 0)):
        incident = make_incident(Status.IN_PROGRESS, agent=agent)
        incident = actions.do_request_info(incident, actor=agent, message="Пришлите номер ПК")
    return incident, agent


def test_default_deadline_is_three_working_days_end_of_day(when):
    incident, _ = _asked_on_monday(when)
    assert incident.answer_by == at(19, 18, 0)  # Thursday, end of the working day
    event = incident.events.filter(kind=EventKind.STATUS_CHANGED).last()
    assert event.data["answer_by"] == incident.answer_by.isoformat()


def test_a_deadline_in_the_past_is_refused():
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    with pytest.raises(InvalidInput) as refused:
        actions.do_request_info(
            incident, actor=agent, message="?", answer_by=datetime(2020, 1, 1, tzinfo=MSK)
        )
    assert "answer_by" in refused.value.fields
    incident.refresh_from_db()
    assert incident.status == Status.IN_PROGRESS


def test_customer_is_reminded_then_the_incident_returns_to_the_queue(when, run_tasks):
    incident, _agent = _asked_on_monday(when)
    with when(at(18, 9, 0)):
        run_tasks()
    assert not incident.events.filter(kind=EventKind.INFO_REMINDER).exists()
    with when(at(18, 15, 20)):  # two thirds of the 35 business hours to Thursday 18:00
        run_tasks()
    with when(at(18, 15, 21)):
        run_tasks()  # delivers the reminder; a second run reminds nobody twice
    assert incident.events.filter(kind=EventKind.INFO_REMINDER).count() == 1
    assert Notification.objects.filter(
        recipient=incident.reporter, event__kind=EventKind.INFO_REMINDER
    ).exists()
    with when(at(19, 18, 1)):
        run_tasks()
    incident.refresh_from_db()
    assert (incident.status, incident.no_answer, incident.answer_by) == (
        Status.IN_PROGRESS,
        True,
        None,
    )
    expired = incident.events.get(kind=EventKind.INFO_EXPIRED)
    assert (expired.is_public, expired.actor, expired.data["resolved"]) == (True, None, False)


def test_policy_may_resolve_unanswered_requests(when, run_tasks):
    SlaPolicy.objects.update(no_answer_resolves=True)
    reference.changed()  # written without signals
    incident, _ = _asked_on_monday(when)
    with when(at(19, 18, 1)):
        run_tasks()
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert (incident.resolution_code.code, incident.cause.code) == ("no_answer", "unknown")
    assert incident.resolution_notes


def test_an_answer_in_time_cancels_reminder_and_expiry(when, run_tasks):
    incident, _ = _asked_on_monday(when)
    with when(at(17, 11, 0)):
        actions.do_add_comment(incident, actor=incident.reporter, body="ПК-0042")
    with when(at(20, 12, 0)):
        run_tasks()
    incident.refresh_from_db()
    assert (incident.status, incident.no_answer, incident.answer_by) == (
        Status.IN_PROGRESS,
        False,
        None,
    )
    assert not incident.events.filter(
        kind__in=[EventKind.INFO_REMINDER, EventKind.INFO_EXPIRED]
    ).exists()


def test_api_takes_an_answer_by(client):
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    response = client.post(
        f"/api/v1/incidents/{incident.number}/actions/request-info",
        {"message": "Фото экрана?", "answer_by": "2099-01-15T12:00:00+03:00"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(agent)}",
    )
    assert response.status_code == 200, response.content
    assert response.json()["answer_by"] == "2099-01-15T09:00:00Z"
