"""One function per timeline event kind. Called only from the actions layer, inside its
transaction, so an event exists exactly when its change does."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from incidesk.accounts.models import User
from incidesk.core.compiled import insert_new
from incidesk.incidents.access import event_is_public
from incidesk.incidents.models import (
    Attachment,
    Comment,
    EventKind,
    Incident,
    TimelineEvent,
    Visibility,
)


def _record(
    incident: Incident,
    kind: EventKind,
    actor: User | None,
    *,
    visibility: str | None = None,
    **data: Any,
) -> TimelineEvent:
    event = _unsaved(incident, kind, actor, visibility=visibility, **data)
    insert_new([event])  # an INSERT compiled once: every action records events
    return event


def _unsaved(
    incident: Incident,
    kind: EventKind,
    actor: User | None,
    *,
    visibility: str | None = None,
    **data: Any,
) -> TimelineEvent:
    """Whether customers see the event is the access table's answer, never the caller's."""
    public = event_is_public(kind, field=data.get("field"), visibility=visibility)
    return TimelineEvent(
        incident=incident, kind=kind, actor=actor, at=timezone.now(), is_public=public, data=data
    )


def created(*, incident: Incident, actor: User | None) -> TimelineEvent:
    """The `created` event, unsaved: registration builds it before its transaction and
    inserts it inside, after the incident."""
    return _unsaved(
        incident,
        EventKind.CREATED,
        actor,
        channel=incident.channel,
        priority=incident.priority,
    )


def record_field_changed(
    *, incident: Incident, actor: User | None, field: str, old: Any, new: Any
) -> TimelineEvent:
    return _record(
        incident,
        EventKind.FIELD_CHANGED,
        actor,
        field=field,
        old=old,
        new=new,
    )


def record_status_changed(
    *, incident: Incident, actor: User | None, old: str, new: str, **details: Any
) -> TimelineEvent:
    return _record(incident, EventKind.STATUS_CHANGED, actor, old=old, new=new, **details)


def record_comment(*, incident: Incident, actor: User | None, comment: Comment) -> TimelineEvent:
    public = comment.visibility == Visibility.PUBLIC
    kind = EventKind.PUBLIC_REPLY if public else EventKind.INTERNAL_NOTE
    return _record(incident, kind, actor, comment_id=comment.pk)


def record_attachment_added(
    *, incident: Incident, actor: User | None, attachment: Attachment
) -> TimelineEvent:
    return _record(
        incident,
        EventKind.ATTACHMENT_ADDED,
        actor,
        visibility=attachment.visibility,
        attachment_id=attachment.pk,
        name=attachment.original_name,
        size=attachment.size,
    )


def record_assigned(
    *,
    incident: Incident,
    actor: User | None,
    team: str | None,
    assignee: str | None,
    old_team: str | None,
    old_assignee: str | None,
) -> TimelineEvent:
    return _record(
        incident,
        EventKind.ASSIGNED,
        actor,
        team=team,
        assignee=assignee,
        old_team=old_team,
        old_assignee=old_assignee,
    )


def record_notified(*, incident: Incident, people: list[str], text: str) -> TimelineEvent:
    """A notice the system sent to desk staff (`people`: their e-mails); staff only."""
    return _record(incident, EventKind.NOTIFIED, None, to=people, text=text)


def record_priority_overridden(
    *, incident: Incident, actor: User | None, old: int, new: int, reason: str
) -> TimelineEvent:
    return _record(
        incident,
        EventKind.PRIORITY_OVERRIDDEN,
        actor,
        old=old,
        new=new,
        reason=reason,
    )


def record_linked(
    *, incident: Incident, actor: User | None, target: str, link_kind: str
) -> TimelineEvent:
    return _record(incident, EventKind.LINKED, actor, target=target, link_kind=link_kind)


def record_problem_linked(*, incident: Incident, actor: User | None, problem: str) -> TimelineEvent:
    return _record(incident, EventKind.PROBLEM_LINKED, actor, problem=problem)


def record_problem_unlinked(
    *, incident: Incident, actor: User | None, problem: str
) -> TimelineEvent:
    return _record(incident, EventKind.PROBLEM_UNLINKED, actor, problem=problem)


def record_rated(*, incident: Incident, actor: User, rating: int) -> TimelineEvent:
    return _record(incident, EventKind.RATED, actor, rating=rating)


def sla_warning(*, incident: Incident, metric: str, threshold: int, due: str) -> TimelineEvent:
    """Unsaved, like `sla_breached`: the batch SLA check writes its events in one INSERT
    (`TimelineEvent.objects.bulk_create`); save it at once otherwise."""
    return _unsaved(
        incident, EventKind.SLA_WARNING, None, metric=metric, threshold=threshold, due=due
    )


def sla_breached(*, incident: Incident, metric: str) -> TimelineEvent:
    return _unsaved(incident, EventKind.SLA_BREACHED, None, metric=metric)


def record_sla_retargeted(
    *,
    incident: Incident,
    actor: User | None,
    metric: str,
    old_priority: int,
    new_priority: int,
    old_due: str | None,
    new_due: str,
) -> TimelineEvent:
    return _record(
        incident,
        EventKind.SLA_RETARGETED,
        actor,
        metric=metric,
        old_priority=old_priority,
        new_priority=new_priority,
        old_due=old_due,
        new_due=new_due,
    )


def record_escalated(
    *, incident: Incident, metric: str, old_priority: int, new_priority: int
) -> TimelineEvent:
    event = escalated(
        incident=incident, metric=metric, old_priority=old_priority, new_priority=new_priority
    )
    event.save(force_insert=True)
    return event


def escalated(
    *, incident: Incident, metric: str, old_priority: int, new_priority: int
) -> TimelineEvent:
    """`record_escalated` unsaved, for a batch of SLA checks to insert with the others."""
    return _unsaved(
        incident,
        EventKind.ESCALATED,
        None,
        metric=metric,
        old_priority=old_priority,
        new_priority=new_priority,
    )


def record_sla_paused(*, incident: Incident, metric: str, reason: str | None) -> TimelineEvent:
    return _record(incident, EventKind.SLA_PAUSED, None, metric=metric, reason=reason)


def record_sla_resumed(
    *, incident: Incident, metric: str, reason: str | None, credited_seconds: int
) -> TimelineEvent:
    """`credited_seconds`: the business time the pause added to the deadline."""
    return _record(
        incident,
        EventKind.SLA_RESUMED,
        None,
        metric=metric,
        reason=reason,
        credited_seconds=credited_seconds,
    )


def record_info_reminder(*, incident: Incident, answer_by: str) -> TimelineEvent:
    return _record(incident, EventKind.INFO_REMINDER, None, answer_by=answer_by)


def record_info_expired(*, incident: Incident, answer_by: str, resolved: bool) -> TimelineEvent:
    return _record(incident, EventKind.INFO_EXPIRED, None, answer_by=answer_by, resolved=resolved)


def record_macro_applied(
    *, incident: Incident, actor: User, macro_id: int, name: str, events: list[int]
) -> TimelineEvent:
    """Which macro made the `events` just recorded (internal: the macro's name is the desk's)."""
    return _record(
        incident, EventKind.MACRO_APPLIED, actor, macro_id=macro_id, name=name, events=events
    )


def record_watcher_added(
    *, incident: Incident, actor: User | None, person: User, source: str
) -> TimelineEvent:
    """Internal: customers never learn one another's addresses from the timeline."""
    return _record(incident, EventKind.WATCHER_ADDED, actor, person=person.email, source=source)


def record_watcher_removed(
    *, incident: Incident, actor: User | None, person: User
) -> TimelineEvent:
    return _record(incident, EventKind.WATCHER_REMOVED, actor, person=person.email)


def record_merged_in(
    *, incident: Incident, actor: User, source: str, comments: int, attachments: int
) -> TimelineEvent:
    """On the target of a merge: which incident came in and how much of it moved."""
    return _record(
        incident,
        EventKind.MERGED_IN,
        actor,
        source=source,
        comments=comments,
        attachments=attachments,
    )


def record_merge_undone(
    *, incident: Incident, actor: User, source: str, target: str
) -> TimelineEvent:
    """On both incidents of a merge taken back."""
    return _record(incident, EventKind.MERGE_UNDONE, actor, source=source, target=target)


def record_split(
    *, incident: Incident, actor: User, comment_id: int, into: str, attachments: int
) -> TimelineEvent:
    """On the incident a comment was split out of: which comment, into which new incident."""
    return _record(
        incident,
        EventKind.SPLIT,
        actor,
        comment_id=comment_id,
        into=into,
        attachments=attachments,
    )


def record_moved_comment(*, incident: Incident, comment: Comment, source: str) -> TimelineEvent:
    """A comment a merge or split brought in, shown where it now is, as its author's
    (`source`: the incident it was written on). The move itself is the merge's or split's own
    event; these are never handed to notifications."""
    public = comment.visibility == Visibility.PUBLIC
    kind = EventKind.PUBLIC_REPLY if public else EventKind.INTERNAL_NOTE
    return _record(incident, kind, comment.author, comment_id=comment.pk, moved_from=source)


def record_moved_attachment(
    *, incident: Incident, attachment: Attachment, source: str
) -> TimelineEvent:
    """A file of the incident itself (not of a comment) a merge brought in, as its uploader's."""
    return _record(
        incident,
        EventKind.ATTACHMENT_ADDED,
        attachment.uploaded_by,
        visibility=attachment.visibility,
        attachment_id=attachment.pk,
        name=attachment.original_name,
        size=attachment.size,
        moved_from=source,
    )
