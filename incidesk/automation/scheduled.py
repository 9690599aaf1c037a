"""Scheduled triggers: a state that has lasted `wait_minutes` — unassigned, no update by a
person, waiting for the customer's answer — counted in working time on the calendar of the
incident's service level (`sla.calendar`; the incident's last clock's, every minute without
one) or, if the trigger says so, in every minute.

Each state begins at a timeline event, the episode's start (`EPISODES`): registration or the
last assignment for "unassigned", the last thing a person did for "no update", the move on
hold for "waiting for the customer". The recovery sweep (`core.promises.SWEEPS`, once a minute
on one node, `core.scheduler`) promises `tasks.run_scheduled_triggers` while a scheduled
trigger is active; the task finds, per trigger, the incidents in the state whose start is at
least `wait_minutes` of wall time ago (working time is never shorter), measures the working
time — oldest first, and per calendar only until one is not due yet (the due moment grows with
the start, so a night of many waiting incidents costs one calculation per calendar) — and
fires the trigger on the start event (`firing.fire_once`). Its (trigger, event) row makes a
trigger fire once per episode; assigned and unassigned again, or updated again, the incident
has a new start event and a new episode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django_tasks_db import DatabaseBackend
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from incidesk.automation.firing import fire_once
from incidesk.automation.models import Trigger, TriggerEvent, TriggerRun
from incidesk.automation.rules import current
from incidesk.automation.tasks import run_scheduled_triggers
from incidesk.catalog.models import HoldReason
from incidesk.core.promises import promise
from incidesk.incidents.models import EventKind, Incident, TimelineEvent
from incidesk.incidents.status import OPEN_STATUSES, Status
from incidesk.sla.calendar import add_business
from incidesk.sla.models import BusinessCalendar, SlaClock


@dataclass(frozen=True)
class Episode:
    """Which incidents are in the state, and which of their events (the last one) began it."""

    incidents: Q
    starts: Q


EPISODES: dict[str, Episode] = {
    TriggerEvent.UNASSIGNED_FOR: Episode(
        Q(assignee__isnull=True, status__in=OPEN_STATUSES),
        Q(kind__in=[EventKind.CREATED, EventKind.ASSIGNED]),
    ),
    TriggerEvent.NO_UPDATE_FOR: Episode(
        Q(status__in=[Status.NEW, Status.IN_PROGRESS]),
        Q(actor__isnull=False) | Q(kind=EventKind.CREATED),
    ),
    TriggerEvent.WAITING_FOR: Episode(
        Q(status=Status.ON_HOLD, hold_reason__code=HoldReason.AWAITING_CUSTOMER),
        Q(kind=EventKind.STATUS_CHANGED),
    ),
}


def _in_state(trigger: Trigger) -> QuerySet[Any]:
    """The incidents in the trigger's state, each with the id and moment of its start event
    (`start_id`, `start_at`)."""
    episode = EPISODES[trigger.event]
    start = TimelineEvent.objects.filter(episode.starts, incident=OuterRef("pk")).order_by("-pk")
    return Incident.objects.filter(episode.incidents).annotate(
        start_id=Subquery(start.values("pk")[:1]), start_at=Subquery(start.values("at")[:1])
    )


def _calendars(incident_ids: list[int]) -> dict[int, BusinessCalendar]:
    """Each incident's service-level calendar: its last clock's (resolution after response)."""
    rows = SlaClock.objects.filter(incident_id__in=incident_ids).order_by("pk")
    chosen = dict(rows.values_list("incident_id", "calendar_id"))
    calendars = BusinessCalendar.objects.in_bulk(set(chosen.values()))
    return {incident: calendars[calendar] for incident, calendar in chosen.items()}


def due_at(trigger: Trigger, start: datetime, calendar: BusinessCalendar | None) -> datetime:
    """When the state begun at `start` has lasted the trigger's time."""
    wait = timedelta(minutes=trigger.wait_minutes or 0)
    if not trigger.business_time or calendar is None:
        return start + wait
    return add_business(start, wait, calendar)


def run(now: datetime | None = None) -> int:
    """Fire every active scheduled trigger whose state has lasted long enough; how many fired."""
    now = now or timezone.now()
    return sum(_run(trigger, now) for trigger in current().triggers if trigger.is_scheduled)


def _run(trigger: Trigger, now: datetime) -> int:
    wait = timedelta(minutes=trigger.wait_minutes or 0)
    candidates = list(
        _in_state(trigger)
        .filter(start_at__lte=now - wait)
        .exclude(Exists(TriggerRun.objects.filter(trigger=trigger, event_id=OuterRef("start_id"))))
        .order_by("start_at")
        .values_list("pk", "start_id", "start_at")
    )
    calendars = _calendars([pk for pk, _start, _at in candidates]) if trigger.business_time else {}
    due: list[int] = []
    waiting: set[BusinessCalendar | None] = set()
    for pk, start, at in candidates:  # oldest first
        calendar = calendars.get(pk)
        if calendar in waiting:
            continue  # a later start on a calendar whose earlier one is not due is not due
        if due_at(trigger, at, calendar) <= now:
            due.append(start)
        else:
            waiting.add(calendar)
    fired = 0
    for event in TimelineEvent.objects.filter(pk__in=due).order_by("pk"):
        fired += fire_once(trigger, event, 0, holds=_still(trigger, event.pk))
    return fired


def _still(trigger: Trigger, start_id: int) -> Callable[[Incident], bool]:
    """The check, under the incident's lock, that the episode begun at `start_id` lasts."""

    def holds(incident: Incident) -> bool:
        now = _in_state(trigger).filter(pk=incident.pk).values_list("start_id", flat=True)
        return list(now) == [start_id]

    return holds


def promise_run(_expired: datetime) -> int:
    """The sweep's step: promise a run while a scheduled trigger is active (not a second one
    while one waits in the database queue). Hands nothing out again, so returns 0."""
    if not any(trigger.is_scheduled for trigger in current().triggers):
        return 0
    backend = run_scheduled_triggers.get_backend()
    if isinstance(backend, DatabaseBackend):
        waiting = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=run_scheduled_triggers.module_path
        )
        if waiting.exists():
            return 0
    promise(run_scheduled_triggers)
    return 0
