"""Which timeline events wake triggers, and the promise that runs them after the commit.

Every action's events pass through `promised` in the action's own transaction (as their
notifications do): when an active trigger listens to one of their kinds, one
`tasks.run_triggers` row is promised with them, so the triggers run if and only if the events
commit, in the worker, never inside the request. Which kinds are listened to is kept per
process (`rules.current`: one single-row read while nothing changed; none at registration,
which has just read it for the routing).
"""

from __future__ import annotations

from incidesk.automation.models import Trigger, TriggerEvent
from incidesk.automation.rules import KINDS, current
from incidesk.automation.tasks import run_triggers
from incidesk.core.promises import Promised, promise_all
from incidesk.incidents.models import TimelineEvent

# Changes made by a trigger fired by a change made by a trigger... stop at this depth.
MAX_DEPTH = 3

# A rating at or below this wakes "low satisfaction rating" (ratings are 1–5).
LOW_RATING = 2


def listens(trigger: Trigger, event: TimelineEvent) -> bool:
    """Whether `trigger` wakes for `event` (its actor loaded)."""
    if KINDS.get(trigger.event) != event.kind:
        return False
    if trigger.event == TriggerEvent.CUSTOMER_REPLIED:
        return event.actor is not None and not event.actor.is_desk_staff
    if trigger.event == TriggerEvent.LOW_RATING:
        return int(event.data.get("rating", LOW_RATING + 1)) <= LOW_RATING
    return True


def promised(events: list[TimelineEvent], listened: frozenset[str] | None = None) -> list[Promised]:
    """The trigger run for the events, if an active trigger listens to one of their kinds
    (`listened`: the kinds, when the caller has just read the rules, as registration has)."""
    kinds = current().listened if listened is None else listened
    woken = [event.pk for event in events if event.kind in kinds]
    if not woken:
        return []
    return [Promised(run_triggers, (woken,))]


def promise(events: list[TimelineEvent]) -> None:
    """`promised`, promised now (for an action that promises nothing else at once)."""
    work = promised(events)
    if work:
        promise_all(work)
