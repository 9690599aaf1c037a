"""The customer's view of an incident's story: public events only, told in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.db.models import Field
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from incidesk.accounts.models import User
from incidesk.catalog.models import HoldReason
from incidesk.incidents.access import visible_attachments, visible_comments, visible_events
from incidesk.incidents.models import Attachment, EventKind, Incident, TimelineEvent
from incidesk.incidents.narration import Names, actor_name, lower_first
from incidesk.incidents.status import Status
from incidesk.incidents.wording import CUSTOMER_STATUS


@dataclass(frozen=True)
class Entry:
    at: datetime
    who: str
    mine: bool
    is_reply: bool
    text: str
    attachment: Attachment | None = None


def _who(event: TimelineEvent, viewer: User) -> str:
    if event.actor_id is not None and event.actor_id == viewer.pk:
        return _("You")
    return actor_name(event.actor)


def _status_text(event: TimelineEvent, names: Names) -> str:
    """The new status in the customer's words, with the hold reason by its name."""
    if event.data.get("reopen"):
        return _("Reopened: the problem is not fixed yet")
    if event.data.get("answered"):
        return _("Back in work after your answer")
    if event.data.get("merged_into"):
        return _("Merged into %(number)s: the work continues there") % {
            "number": event.data["merged_into"]
        }
    new = Status(event.data["new"])
    if new == Status.ON_HOLD:
        reason = event.data.get("hold_reason")
        if reason == HoldReason.AWAITING_CUSTOMER:
            return _("On hold: waiting for your answer")
        if reason:
            return _("On hold: %(reason)s") % {"reason": lower_first(names.hold_reason(reason))}
        return pgettext("customer", "On hold")
    return _("Status: %(status)s") % {"status": CUSTOMER_STATUS[new]}


def _field_label(name: str, names: Names) -> str:
    """A changed field's name: a custom field's label, or the incident field's own."""
    if name.startswith("custom."):
        return names.custom_fields().label_of(name.removeprefix("custom."))
    # A change event names one of the incident's own fields, never a reverse relation.
    return str(cast("Field[Any, Any]", Incident._meta.get_field(name)).verbose_name)


def customer_timeline(incident: Incident, viewer: User) -> list[Entry]:
    """Every event the viewer may see, oldest first, with replies' text and files resolved
    (three queries whatever the length)."""
    comments = {c.pk: c for c in visible_comments(viewer, incident)}
    files = {a.pk: a for a in visible_attachments(viewer, incident)}
    events = list(visible_events(viewer, incident).select_related("actor"))
    names = Names.of(events)
    entries = []
    for event in events:
        text, attachment = "", None
        if event.kind == EventKind.PUBLIC_REPLY:
            comment = comments.get(event.data.get("comment_id"))
            if comment is None:
                continue
            text = comment.body
        elif event.kind == EventKind.ATTACHMENT_ADDED:
            attachment = files.get(event.data.get("attachment_id"))
            if attachment is None:
                continue
            text = _("Attached a file")
        elif event.kind == EventKind.STATUS_CHANGED:
            text = _status_text(event, names)
        elif event.kind == EventKind.CREATED:
            text = _("Incident registered")
        elif event.kind == EventKind.RATED:
            text = _("Rated the help %(rating)d of 5") % {"rating": event.data["rating"]}
        elif event.kind == EventKind.FIELD_CHANGED:
            text = _("Changed: %(field)s") % {"field": _field_label(event.data["field"], names)}
        else:
            text = str(EventKind(event.kind).label)
        entries.append(
            Entry(
                at=event.at,
                who=_who(event, viewer),
                mine=event.actor_id == viewer.pk,
                is_reply=event.kind == EventKind.PUBLIC_REPLY,
                text=text,
                attachment=attachment,
            )
        )
    return entries
