"""Background delivery of notifications."""

from django_tasks import task

from incidesk.incidents.models import TimelineEvent
from incidesk.notifications.models import Notification
from incidesk.notifications.rules import recipients


@task()
def deliver_notifications(event_ids: list[int]) -> int:
    """Record a notification per recipient of each event; returns how many were new."""
    events = TimelineEvent.objects.filter(pk__in=event_ids).select_related(
        "actor", "incident__reporter", "incident__assignee", "incident__team__lead"
    )
    created = 0
    for event in events:
        for person in recipients(event):
            _, new = Notification.objects.get_or_create(recipient=person, event=event)
            created += new
    return created
