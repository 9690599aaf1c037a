"""Which timeline events wake triggers, and the promise that runs them after the commit.

Every action's events pass through `promised` in the action's own transaction (as their
notifications do): when an active trigger listens to one of their kinds, one
`tasks.run_triggers` row is added to the same INSERT, so the triggers run if and only if the
events commit, in the worker, never inside the request. Which kinds are listened to is kept
per process (`core.generations`: one single-row read while the triggers are unchanged).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from incidesk.automation.models import Trigger, TriggerEvent
from incidesk.core.generations import GenerationCache, bump
from incidesk.core.promises import Promised, promise_all
from incidesk.incidents.models import EventKind, TimelineEvent

GENERATION = "triggers"

# Changes made by a trigger fired by a change made by a trigger... stop at this depth.
MAX_DEPTH = 3

# A rating at or below this wakes "low satisfaction rating" (ratings are 1–5).
LOW_RATING = 2

KINDS: dict[str, str] = {
    TriggerEvent.REGISTERED: EventKind.CREATED,
    TriggerEvent.STATUS_CHANGED: EventKind.STATUS_CHANGED,
    TriggerEvent.CUSTOMER_REPLIED: EventKind.PUBLIC_REPLY,
    TriggerEvent.ASSIGNED: EventKind.ASSIGNED,
    TriggerEvent.SLA_WARNING: EventKind.SLA_WARNING,
    TriggerEvent.SLA_BREACHED: EventKind.SLA_BREACHED,
    TriggerEvent.NO_ANSWER: EventKind.INFO_EXPIRED,
    TriggerEvent.LOW_RATING: EventKind.RATED,
}


def _load() -> list[Trigger]:
    return list(Trigger.objects.filter(is_active=True).select_related("team", "assignee"))


_TRIGGERS = GenerationCache(GENERATION, _load)


def active() -> list[Trigger]:
    """The active triggers in order (the process's copy: read-only)."""
    return _TRIGGERS.get()


@receiver([post_save, post_delete], sender=Trigger)
def _triggers_changed(**_kwargs: Any) -> None:
    bump(GENERATION)


def listens(trigger: Trigger, event: TimelineEvent) -> bool:
    """Whether `trigger` wakes for `event` (its actor loaded)."""
    if KINDS[trigger.event] != event.kind:
        return False
    if trigger.event == TriggerEvent.CUSTOMER_REPLIED:
        return event.actor is not None and not event.actor.is_desk_staff
    if trigger.event == TriggerEvent.LOW_RATING:
        return int(event.data.get("rating", LOW_RATING + 1)) <= LOW_RATING
    return True


def promised(events: list[TimelineEvent]) -> list[Promised]:
    """The trigger run for the events, if an active trigger listens to one of their kinds."""
    kinds = {KINDS[trigger.event] for trigger in active()}
    woken = [event.pk for event in events if event.kind in kinds]
    if not woken:
        return []
    from incidesk.automation.tasks import run_triggers  # the task module imports the actions

    return [Promised(run_triggers, (woken,))]


def promise(events: list[TimelineEvent]) -> None:
    """`promised`, promised now (for an action that promises nothing else at once)."""
    work = promised(events)
    if work:
        promise_all(work)
