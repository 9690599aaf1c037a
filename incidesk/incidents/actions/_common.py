"""The pieces every action shares: the row lock, the rights check, the save, the commit."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import User
from incidesk.automation import triggers
from incidesk.core.errors import InvalidTransition, VersionConflict
from incidesk.core.text import MAX_TEXT_BYTES, clean_text
from incidesk.incidents import timeline
from incidesk.incidents.models import Comment, EventKind, Incident, TimelineEvent
from incidesk.incidents.status import LIFECYCLE
from incidesk.notifications.dispatch import notify_events
from incidesk.sla import clocks

# The limit under the name the API schemas and the e-mail and portal intakes import.
MAX_DESCRIPTION_BYTES = MAX_TEXT_BYTES


def _lock(incident: Incident, expected_version: int | None = None) -> Incident:
    """Re-read the incident under a row lock; refuse if the caller saw an older version."""
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if expected_version is not None and expected_version != locked.version:
        raise VersionConflict(
            _("The incident was changed by someone else (current version %(v)d).")
            % {"v": locked.version},
            extra={"current_version": locked.version},
        )
    return locked


def _authorise(verb_name: str, incident: Incident, actor: User | None) -> None:
    """Refuse a verb the state machine does not allow now, or the actor may not use.
    `actor=None` is the system (scheduled tasks) and passes the rights check."""
    LIFECYCLE.authorise(verb_name, incident, actor)


def _final(incident: Incident) -> InvalidTransition:
    """The refusal for touching a closed or cancelled incident: a new complaint is a new one."""
    return InvalidTransition(
        _("Incident %(number)s is %(status)s: please register a new one.")
        % {"number": incident.number, "status": incident.get_status_display().lower()},
        extra={"status": incident.status, "allowed": []},
    )


# The queue columns the SLA clocks derive (`sla.clocks.Changes.due`).
DUE_COLUMNS = ("response_due_at", "resolution_due_at")


def _save(incident: Incident, fields: list[str]) -> None:
    """Write the change with `version` and `updated_at`. The due-time columns always go too: the
    clocks may have moved them in this action, and the row is locked, so what we hold is current."""
    incident.version += 1
    incident.updated_at = timezone.now()
    incident.save(
        update_fields=list(dict.fromkeys([*fields, *DUE_COLUMNS, "version", "updated_at"]))
    )


def _take_due(incident: Incident, changes: clocks.Changes) -> bool:
    """Take the clocks' due times onto the locked incident, for the action's `_save` to write;
    whether any moved."""
    moved = [name for name, value in changes.due.items() if getattr(incident, name) != value]
    for name in moved:
        setattr(incident, name, changes.due[name])
    return bool(moved)


def _set_status(incident: Incident, new: str, actor: User | None, **details: Any) -> TimelineEvent:
    """Move the incident and its SLA clocks (paused on hold, stopped at resolution...)."""
    old = incident.status
    incident.status = new
    _take_due(
        incident,
        clocks.status_changed(
            incident, old=old, new=new, at=timezone.now(), hold_reason=details.get("hold_reason")
        ),
    )
    return timeline.record_status_changed(
        incident=incident, actor=actor, old=old, new=new, **details
    )


def _mark_first_response(incident: Incident, actor: User | None) -> list[str]:
    if incident.first_response_at or actor is None or not actor.is_desk_staff:
        return []
    incident.first_response_at = timezone.now()
    _take_due(incident, clocks.responded(incident, incident.first_response_at))
    return ["first_response_at"]


def _commit(events: list[TimelineEvent]) -> None:
    """Promise the events' notifications and the triggers that listen to them."""
    notify_events([event.pk for event in events])
    triggers.promise(events)


def _add_comment(
    incident: Incident, actor: User | None, body: str, visibility: str, verified: bool = True
) -> tuple[Comment, TimelineEvent]:
    comment = Comment.objects.create(
        incident=incident,
        author=actor,
        body=clean_text(body),
        visibility=visibility,
        verified=verified,
        created_at=timezone.now(),
    )
    return comment, timeline.record_comment(incident=incident, actor=actor, comment=comment)


def _escalation(incident: Incident, events: list[TimelineEvent]) -> list[TimelineEvent]:
    """At the first breach among `events` the incident is flagged escalated (the team lead hears
    of it) and, if the policy says so, its priority goes up one step, re-targeting the clocks.
    Returns the events this adds."""
    breach = next((e for e in events if e.kind == EventKind.SLA_BREACHED), None)
    if breach is None or incident.escalated:
        return []
    old_priority = incident.priority
    policy = clocks.policy_for(incident)
    if policy is not None and policy.raise_priority_on_breach and incident.priority > 1:
        incident.priority -= 1
    incident.escalated = True
    added = [
        timeline.record_escalated(
            incident=incident,
            metric=breach.data["metric"],
            old_priority=old_priority,
            new_priority=incident.priority,
        )
    ]
    if incident.priority != old_priority:
        changes = clocks.priority_changed(incident, at=timezone.now(), actor=None, old=old_priority)
        _take_due(incident, changes)
        added += changes.events
    _save(incident, ["escalated", "priority"])
    return added
