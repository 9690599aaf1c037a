"""Background delivery of notifications: the in-app record, then e-mail as a channel."""

from django_tasks import task

from incidesk.incidents.models import TimelineEvent
from incidesk.mail.outbound import queue_mail
from incidesk.notifications.models import Notification
from incidesk.notifications.rules import WATCHERS, email_recipients, recipients


@task()
def deliver_notifications(event_ids: list[int]) -> int:
    """Record a notification per recipient of each event and queue their e-mails (both
    idempotent, so a second run adds nothing); returns how many notifications were new."""
    events = (
        TimelineEvent.objects.filter(pk__in=event_ids)
        .select_related("actor", "incident__reporter", "incident__assignee", "incident__team__lead")
        .prefetch_related(WATCHERS)
    )
    created = 0
    for event in events:
        for person in recipients(event):
            _, new = Notification.objects.get_or_create(recipient=person, event=event)
            created += new
        for person in email_recipients(event):
            queue_mail(event, person)
    return created
