"""The workspace's timeline: events, replies, notes and files merged into one list of entries,
each saying in the viewer's language what happened. Replies and internal notes carry their own
class and label so they never look alike; an unverified e-mail (see `mail.trust`) is marked so,
with the address it claims to come from."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from incidesk.accounts.models import User
from incidesk.incidents import queries
from incidesk.incidents.access import visible_attachments
from incidesk.incidents.models import (
    Attachment,
    Channel,
    Comment,
    EventKind,
    Incident,
    LinkKind,
    TimelineEvent,
)
from incidesk.incidents.status import Status
from incidesk.sla.models import Metric


@dataclass
class Entry:
    event: TimelineEvent
    text: str = ""
    comment: Comment | None = None
    files: list[Attachment] = field(default_factory=list)
    css: str = ""
    badge: str = ""


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def describe(event: TimelineEvent) -> str:
    """One line for an event that is not a comment."""
    data, kind = event.data, event.kind
    if kind == EventKind.STATUS_CHANGED:
        text = _("Status: %(old)s → %(new)s") % {
            "old": _label(Status, data.get("old")),
            "new": _label(Status, data.get("new")),
        }
        extra = data.get("reason") or data.get("hold_reason") or data.get("resolution_code")
        return f"{text} ({extra})" if extra else text
    if kind == EventKind.FIELD_CHANGED:
        return _("%(field)s: %(old)s → %(new)s") % {
            "field": data.get("field"),
            "old": data.get("old") if data.get("old") not in (None, "") else "—",
            "new": data.get("new") if data.get("new") not in (None, "") else "—",
        }
    if kind == EventKind.ASSIGNED:
        return _("Assigned to %(assignee)s, team %(team)s") % {
            "assignee": data.get("assignee") or "—",
            "team": data.get("team") or "—",
        }
    if kind == EventKind.PRIORITY_OVERRIDDEN:
        return _("Priority P%(old)s → P%(new)s: %(reason)s") % data
    if kind == EventKind.LINKED:
        return _("%(kind)s %(target)s") % {
            "kind": _label(LinkKind, data.get("link_kind")),
            "target": data.get("target"),
        }
    if kind == EventKind.ATTACHMENT_ADDED:
        return _("File %(name)s") % {"name": data.get("name")}
    if kind == EventKind.CREATED:
        return _("Registered (channel: %(channel)s), priority P%(priority)s") % {
            "channel": str(Channel(data["channel"]).label).lower() if data.get("channel") else "—",
            "priority": data.get("priority"),
        }
    if "metric" in data:
        return f"{EventKind(kind).label}: {_label(Metric, data['metric'])}"
    if kind == EventKind.RATED:
        return _("Rated %(rating)s of 5") % data
    return str(_label(EventKind, kind))


def entries(user: User, incident: Incident, after: int | None = None) -> list[Entry]:
    """The timeline as `user` may see it, oldest first; `after` keeps only newer events.
    Three queries whatever its length: events, comments, attachments."""
    events = queries.events(user, incident)
    if after is not None:
        events = events.filter(pk__gt=after)
    events = list(events)
    comments = {c.pk: c for c in queries.comments(user, incident)}
    files: dict[int | None, list[Attachment]] = defaultdict(list)
    by_id: dict[int, Attachment] = {}
    for attachment in visible_attachments(user, incident):
        files[attachment.comment_id].append(attachment)
        by_id[attachment.pk] = attachment
    result = []
    for event in events:
        entry = Entry(event=event)
        if event.kind in (EventKind.PUBLIC_REPLY, EventKind.INTERNAL_NOTE):
            entry.comment = comments.get(event.data.get("comment_id"))
            if entry.comment is not None:
                entry.files = files.get(entry.comment.pk, [])
            public = event.kind == EventKind.PUBLIC_REPLY
            entry.css = "is-public-reply" if public else "is-internal"
            entry.badge = _("Reply to customer") if public else _("Internal note")
            if entry.comment is not None and not entry.comment.verified:
                entry.css, entry.badge = "is-internal is-unverified", _("Unverified")
        elif event.kind == EventKind.ATTACHMENT_ADDED:
            attachment = by_id.get(event.data.get("attachment_id"))
            if attachment is not None and attachment.comment_id is not None:
                continue  # shown with its comment
            entry.files = [attachment] if attachment else []
            entry.text = describe(event)
        else:
            entry.text = describe(event)
            if not event.is_public:
                entry.css = "is-system-internal"
        result.append(entry)
    return result
