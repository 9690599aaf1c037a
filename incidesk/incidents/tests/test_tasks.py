"""Background work through the real task queue (django-tasks-db) and its worker."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from incidesk.accounts.tests.factories import AgentFactory
from incidesk.catalog.models import Cause, ResolutionCode
from incidesk.incidents import actions
from incidesk.incidents.models import Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _resolved(django_capture_on_commit_callbacks, **fields) -> Incident:
    with django_capture_on_commit_callbacks(execute=True):
        return make_incident(Status.RESOLVED, **fields)


def test_resolved_incident_closes_itself_after_the_window(
    django_capture_on_commit_callbacks, run_tasks, settings
):
    settings.INCIDESK_AUTO_CLOSE_DAYS = 7
    incident = _resolved(django_capture_on_commit_callbacks)
    with time_machine.travel(incident.resolved_at + timedelta(days=6, hours=23)):
        run_tasks()
        incident.refresh_from_db()
        assert incident.status == Status.RESOLVED
    with time_machine.travel(incident.resolved_at + timedelta(days=7, minutes=1)):
        run_tasks()
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED
    closing = incident.events.order_by("-id").first()
    assert closing.actor is None
    assert closing.data["automatic"] is True


def test_a_stale_auto_close_does_nothing_after_a_reopen(
    django_capture_on_commit_callbacks, run_tasks
):
    incident = _resolved(django_capture_on_commit_callbacks)
    resolved_at = incident.resolved_at
    actions.do_reopen(incident, actor=incident.reporter, reason="Не исправлено")
    with time_machine.travel(resolved_at + timedelta(days=8)):
        run_tasks()
    incident.refresh_from_db()
    assert incident.status == Status.IN_PROGRESS
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").exists()


def test_major_incidents_never_close_by_themselves(django_capture_on_commit_callbacks, run_tasks):
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    actions.do_update_incident(incident, actor=agent, is_major=True)
    with django_capture_on_commit_callbacks(execute=True):
        incident = actions.do_resolve(
            incident,
            actor=agent,
            cause=Cause.objects.get(code="power_failure"),
            resolution_code=ResolutionCode.objects.get(code="fixed"),
            notes="Восстановили питание",
        )
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        run_tasks()
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED


def test_auto_close_can_be_switched_off(django_capture_on_commit_callbacks, settings):
    settings.INCIDESK_AUTO_CLOSE_DAYS = 0
    _resolved(django_capture_on_commit_callbacks)
    assert not DBTaskResult.objects.filter(task_path__endswith="auto_close_incident").exists()


def test_customer_is_told_of_status_changes_and_the_desk_of_replies(
    django_capture_on_commit_callbacks, run_tasks
):
    agent = AgentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(Status.ON_HOLD, agent=agent)
        actions.do_add_comment(incident, actor=agent, body="Внутреннее", visibility="internal")
    run_tasks()
    customer_heard = set(
        Notification.objects.filter(recipient=incident.reporter).values_list(
            "event__kind", flat=True
        )
    )
    assert customer_heard == {"status_changed", "public_reply"}
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_add_comment(incident, actor=incident.reporter, body="Ответ на вопрос")
    run_tasks()
    agent_heard = set(
        Notification.objects.filter(recipient=agent).values_list("event__kind", flat=True)
    )
    assert {"public_reply", "status_changed"} <= agent_heard
    assert not Notification.objects.filter(recipient=agent, event__actor=agent).exists()
