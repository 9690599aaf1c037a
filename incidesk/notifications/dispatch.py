"""The actions layer's door to notifications: called from `transaction.on_commit`."""

from __future__ import annotations

from incidesk.notifications.tasks import deliver_notifications


def notify_events(event_ids: list[int]) -> None:
    """Queue delivery for committed timeline events (one background task per action)."""
    if event_ids:
        deliver_notifications.enqueue(event_ids)
