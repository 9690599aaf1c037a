"""The actions layer's door to notifications: called inside the action's transaction."""

from __future__ import annotations

from incidesk.core.promises import Promised, promise
from incidesk.notifications.tasks import deliver_notifications


def notify_events(event_ids: list[int]) -> None:
    """Promise delivery for the action's timeline events (one background task per action),
    in the action's transaction: it is delivered if and only if the events commit."""
    if event_ids:
        promise(deliver_notifications, event_ids)


def notification(event_ids: list[int]) -> Promised:
    """The same promise as `notify_events`, for an action that promises several tasks at once
    (`core.promises.promise_all`)."""
    return Promised(deliver_notifications, (event_ids,))
