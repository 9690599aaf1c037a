"""A person's notifications as the bell and its list show them: only what they may still see
(`incidents.access`), newest first, each told in a line of words."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from incidesk.accounts.models import User
from incidesk.catalog.models import HoldReason
from incidesk.incidents.access import visible_timeline
from incidesk.incidents.models import EventKind, TimelineEvent
from incidesk.incidents.narration import actor_name
from incidesk.incidents.status import Status
from incidesk.incidents.wording import CUSTOMER_STATUS
from incidesk.notifications.models import Notification


def inbox(user: User) -> QuerySet[Notification]:
    """The user's notifications about events they may see now: an incident that left their
    sight (a colleague's, once the organisation stops sharing) leaves the bell too."""
    return Notification.objects.filter(recipient=user, event__in=visible_timeline(user))


def unread_count(user: User) -> int:
    return inbox(user).filter(read_at__isnull=True).count()


def mark_read(user: User, ids: list[int] | None = None) -> int:
    """Mark the user's unread notifications `ids` (all of them when None) read; returns how
    many changed. Someone else's id changes nothing."""
    unread = inbox(user).filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return Notification.objects.filter(pk__in=unread.values("pk")).update(read_at=timezone.now())


def incident_url(user: User, number: str) -> str:
    """Where the incident opens for this person: the console for the desk, the portal else."""
    if user.is_desk_staff:
        return reverse("console:incident", args=[number])
    return reverse("portal:incident", args=[number])


@dataclass(frozen=True)
class Item:
    """One line of the list: what happened to which incident, who did it, and where to go."""

    pk: int
    number: str
    title: str
    what: str
    who: str
    at: object
    unread: bool
    url: str


def _what(event: TimelineEvent, viewer: User) -> str:
    if event.kind == EventKind.STATUS_CHANGED:
        new = Status(event.data["new"])
        if viewer.is_desk_staff:
            return _("Status: %(status)s") % {"status": new.label}
        if new == Status.ON_HOLD:
            if event.data.get("hold_reason") == HoldReason.AWAITING_CUSTOMER:
                return _("We need more details from you")
            return pgettext("customer", "On hold")
        return _("Status: %(status)s") % {"status": CUSTOMER_STATUS[new]}
    if event.kind == EventKind.PUBLIC_REPLY:
        return _("New message from support") if not viewer.is_desk_staff else _("New message")
    if event.kind == EventKind.CREATED:
        return _("New incident")
    if event.kind == EventKind.ASSIGNED and event.data.get("assignee") == viewer.email:
        return _("Assigned to you")
    return str(EventKind(event.kind).label)


def items(user: User, notifications: list[Notification]) -> list[Item]:
    """The list's lines (the notifications come with event, actor and incident joined)."""
    return [
        Item(
            pk=n.pk,
            number=n.event.incident.number,
            title=n.event.incident.title,
            what=_what(n.event, user),
            who=actor_name(n.event.actor),
            at=n.created_at,
            unread=n.read_at is None,
            url=incident_url(user, n.event.incident.number),
        )
        for n in notifications
    ]
