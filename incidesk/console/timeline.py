"""The workspace's timeline: events, replies, notes and files merged into one list of entries,
each saying in the viewer's language what happened. Replies and internal notes carry their own
class and label so they never look alike; an unverified e-mail (see `mail.trust`) is marked so,
with the address it claims to come from."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
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
    WatcherSource,
)
from incidesk.incidents.narration import REFERENCE_FIELDS, Names, lower_first
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
    macro: str = ""  # the name of the macro that made this change
    rule: str = ""  # the name of the trigger that made it (`automation.TriggeredEvent`)


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _status(event: TimelineEvent, names: Names) -> str:
    """The move and why, in words: "Статус: В работе → Отложен: ожидание ответа заявителя"."""
    data = event.data
    text = _("Status: %(old)s → %(new)s") % {
        "old": _label(Status, data.get("old")),
        "new": _label(Status, data.get("new")),
    }
    new = data.get("new")
    if new == Status.ON_HOLD and data.get("hold_reason"):
        return f"{text}: {lower_first(names.hold_reason(data['hold_reason']))}"
    if new == Status.RESOLVED and data.get("resolution_code"):
        return f"{text}: {lower_first(names.resolution_code(data['resolution_code']))}"
    if data.get("reopen"):
        return _("%(status)s (reopened: the customer says it is not fixed)") % {"status": text}
    if data.get("merged_into"):
        return _("%(status)s (merged into %(number)s)") % {
            "status": text,
            "number": data["merged_into"],
        }
    if data.get("unmerged"):
        return _("%(status)s (the merge into %(number)s was undone)") % {
            "status": text,
            "number": data["unmerged"],
        }
    if new == Status.CLOSED and data.get("automatic"):
        return _("%(status)s (automatically, after the testing time)") % {"status": text}
    if new == Status.CLOSED and data.get("confirmed"):
        return _("%(status)s (the customer confirmed the fix)") % {"status": text}
    if data.get("reason"):
        return f"{text} ({data['reason']})"
    return text


def _value(field_name: str, value: Any, names: Names) -> str:
    """A changed field's old or new value as a person reads it."""
    if value in (None, ""):
        return "—"
    if field_name in REFERENCE_FIELDS:
        return names.name(REFERENCE_FIELDS[field_name], value)
    if field_name == "priority":
        return f"P{value}"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):  # tags
        return ", ".join(map(str, value)) or "—"
    choices = getattr(_field(field_name), "choices", None)
    if choices:
        return str(dict(choices).get(value, value))
    return str(value)


def _field(name: str) -> Any:
    try:
        return Incident._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _field_changed(data: dict[str, Any], names: Names) -> str:
    name = data.get("field", "")
    if name.startswith("custom."):
        code, known = name.removeprefix("custom."), names.custom_fields()
        return _("%(field)s: %(old)s → %(new)s") % {
            "field": known.label_of(code),
            "old": known.display(code, data.get("old")),
            "new": known.display(code, data.get("new")),
        }
    model_field = _field(name)
    label = str(model_field.verbose_name) if model_field is not None else name
    return _("%(field)s: %(old)s → %(new)s") % {
        "field": label[:1].upper() + label[1:],
        "old": _value(name, data.get("old"), names),
        "new": _value(name, data.get("new"), names),
    }


def _created(data: dict[str, Any], names: Names) -> str:
    return _("Registered (channel: %(channel)s), priority P%(priority)s") % {
        "channel": str(Channel(data["channel"]).label).lower() if data.get("channel") else "—",
        "priority": data.get("priority"),
    }


def _linked(data: dict[str, Any], names: Names) -> str:
    return _("%(kind)s %(target)s") % {
        "kind": _label(LinkKind, data.get("link_kind")),
        "target": data.get("target"),
    }


def _problem(data: dict[str, Any], names: Names) -> str:
    return str(data.get("problem") or "")


def _clock(data: dict[str, Any], names: Names) -> str:
    text = _label(Metric, data.get("metric"))
    if data.get("reason") and data["reason"] != "testing":
        return f"{text} ({lower_first(names.hold_reason(data['reason']))})"
    return text


_TELLERS: dict[str, Any] = {
    EventKind.FIELD_CHANGED: _field_changed,
    EventKind.ASSIGNED: lambda data, names: names.assignment(data),
    EventKind.PRIORITY_OVERRIDDEN: lambda data, names: (
        _("Priority P%(old)s → P%(new)s: %(reason)s") % data
    ),
    EventKind.LINKED: _linked,
    EventKind.ATTACHMENT_ADDED: lambda data, names: _("File %(name)s") % {"name": data.get("name")},
    EventKind.CREATED: _created,
    EventKind.RATED: lambda data, names: _("Rated %(rating)s of 5") % data,
    EventKind.MACRO_APPLIED: lambda data, names: (
        _("Macro «%(name)s» applied") % {"name": data.get("name", "")}
    ),
    EventKind.MERGED_IN: lambda data, names: (
        _("%(source)s merged in: %(comments)s comments and %(attachments)s files moved here") % data
    ),
    EventKind.MERGE_UNDONE: lambda data, names: (
        _("Merge of %(source)s into %(target)s undone: what it moved went back") % data
    ),
    EventKind.WATCHER_ADDED: lambda data, names: (
        _("%(person)s watches the incident (%(source)s)")
        % {
            "person": data.get("person", ""),
            "source": _label(WatcherSource, data.get("source", "")).lower(),
        }
    ),
    EventKind.WATCHER_REMOVED: lambda data, names: (
        _("%(person)s no longer watches the incident") % {"person": data.get("person", "")}
    ),
    EventKind.NOTIFIED: lambda data, names: (
        _("Notice to %(people)s: %(text)s")
        % {
            "people": ", ".join(names.person(email) for email in data.get("to", [])),
            "text": data.get("text", ""),
        }
    ),
    EventKind.SPLIT: lambda data, names: (
        _("A comment (with %(attachments)s files) split out into %(into)s") % data
    ),
}
# Events told as their kind followed by one detail: "SLA clock paused: Resolution (…)".
_DETAILED: dict[str, Any] = {
    EventKind.PROBLEM_LINKED: _problem,
    EventKind.PROBLEM_UNLINKED: _problem,
    EventKind.SLA_PAUSED: _clock,
    EventKind.SLA_RESUMED: _clock,
    EventKind.SLA_WARNING: _clock,
    EventKind.SLA_BREACHED: _clock,
    EventKind.SLA_RETARGETED: _clock,
    EventKind.ESCALATED: _clock,
}


def describe(event: TimelineEvent, names: Names) -> str:
    """One line for an event that is not a comment, with names where the event keeps codes."""
    kind = event.kind
    if kind == EventKind.STATUS_CHANGED:
        return _status(event, names)
    if kind in _TELLERS:
        return _TELLERS[kind](event.data, names)
    if kind in _DETAILED:
        return f"{_label(EventKind, kind)}: {_DETAILED[kind](event.data, names)}"
    return _label(EventKind, kind)


def _comment_entry(entry: Entry, comments: dict[int, Comment], files: dict[Any, list]) -> None:
    """A reply, a note or a customer's message: labelled by who wrote it and who sees it."""
    event = entry.event
    entry.comment = comments.get(event.data.get("comment_id"))
    if entry.comment is not None:
        entry.files = files.get(entry.comment.pk, [])
    else:
        entry.text = _("(moved to another incident by a merge or a split)")
    public = event.kind == EventKind.PUBLIC_REPLY
    entry.css = "is-public-reply" if public else "is-internal"
    entry.badge = _("Reply to customer") if public else _("Internal note")
    if public and event.actor is not None and not event.actor.is_desk_staff:
        entry.css, entry.badge = "is-customer-message", _("From the customer")
    if entry.comment is not None and not entry.comment.verified:
        entry.css, entry.badge = "is-internal is-unverified", _("Unverified")


def entries(user: User, incident: Incident, after: int | None = None) -> list[Entry]:
    """The timeline as `user` may see it, oldest first; `after` keeps only newer events.
    Three queries whatever its length: events (with the trigger that made each, joined),
    comments, attachments."""
    events = queries.events(user, incident).select_related("triggered")
    if after is not None:
        events = events.filter(pk__gt=after)
    event_list = list(events)
    names = Names.of(event_list)
    comments = {c.pk: c for c in queries.comments(user, incident)}
    files: dict[int | None, list[Attachment]] = defaultdict(list)
    by_id: dict[int, Attachment] = {}
    for attachment in visible_attachments(user, incident):
        files[attachment.comment_id].append(attachment)
        by_id[attachment.pk] = attachment
    by_macro = {
        made: event.data.get("name", "")
        for event in event_list
        if event.kind == EventKind.MACRO_APPLIED
        for made in event.data.get("events", [])
    }
    result = []
    for event in event_list:
        triggered = getattr(event, "triggered", None)
        entry = Entry(
            event=event,
            macro=by_macro.get(event.pk, ""),
            rule=triggered.rule if triggered is not None else "",
        )
        if event.kind in (EventKind.PUBLIC_REPLY, EventKind.INTERNAL_NOTE):
            _comment_entry(entry, comments, files)
        elif event.kind == EventKind.ATTACHMENT_ADDED:
            added = by_id.get(event.data.get("attachment_id"))
            if added is not None and added.comment_id is not None:
                continue  # shown with its comment
            entry.files = [added] if added else []
            entry.text = describe(event, names)
        else:
            entry.text = describe(event, names)
            if not event.is_public:
                entry.css = "is-system-internal"
        result.append(entry)
    return result
