"""The actions layer's door to notifications: called inside the action's transaction."""

from __future__ import annotations

from incidesk.core.promises import promise
from incidesk.notifications.tasks import deliver_notifications


def notify_events(event_ids: list[int]) -> None:
    """Promise delivery for the action's timeline events (one background task per action),
    in the action's transaction: it is delivered if and only if the events commit."""
    if event_ids:
        promise(deliver_notifications, event_ids)
