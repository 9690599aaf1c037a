"""Merging a duplicate into the incident it repeats, taking a merge back within its window, and
splitting a comment out into an incident of its own.

A merge builds on "cancel as duplicate": the duplicate is cancelled with `duplicate_of` and a
`duplicate_of` link, which stops its SLA clocks; in addition its conversation moves to the
target (with its time entries) and a `Merge` row records what moved and how the duplicate
stood, for the undo.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import STAFF_ROLES, User
from incidesk.core.errors import InvalidInput, InvalidTransition
from incidesk.core.text import checked_text
from incidesk.incidents import timeline
from incidesk.incidents.access import require
from incidesk.incidents.actions._common import (
    _authorise,
    _commit,
    _escalation,
    _lock,
    _save,
    _set_status,
    _take_due,
)
from incidesk.incidents.actions.links import _link
from incidesk.incidents.actions.registration import do_create_incident
from incidesk.incidents.models import (
    MAX_WATCHERS,
    Attachment,
    Comment,
    Incident,
    IncidentLink,
    LinkKind,
    Merge,
    TimeEntry,
    Visibility,
    Watcher,
)
from incidesk.incidents.search import index_incident
from incidesk.incidents.status import MERGE_UNDOABLE, Status
from incidesk.sla import clocks

# A moved row as `Merge.moved` keeps it: id, visibility and `moved_from` id before the move.
Moved = list[list[Any]]


def _lock_pair(
    incident: Incident, other: Incident, expected_version: int | None
) -> tuple[Incident, Incident]:
    """Lock both incidents in id order, so two merges of the same pair either way round
    cannot deadlock; `expected_version` is `incident`'s."""
    locked: dict[int, Incident] = {}
    for each in sorted((incident, other), key=lambda i: i.pk):
        locked[each.pk] = _lock(each, expected_version if each.pk == incident.pk else None)
    return locked[incident.pk], locked[other.pk]


def _keeps_public(source: Incident, target: Incident) -> bool:
    """Whether the source's public replies and files may stay public on the target: only when
    both incidents are the same customer's, in the same organisation, so nobody who sees the
    target reads what they could not read before. Otherwise (two contacts without an account
    included) they move as internal."""
    return (
        source.reporter_id is not None
        and source.reporter_id == target.reporter_id
        and source.organisation_id == target.organisation_id
    )


def _move(model: type[Comment] | type[Attachment], rows: Moved, to: Incident) -> None:
    """Put the rows on `to` with the visibility and `moved_from` each is given in `rows`."""
    model.objects.filter(pk__in=[row[0] for row in rows]).update(incident=to)
    groups: dict[tuple[str, int | None], list[int]] = {}
    for pk, visibility, moved_from in rows:
        groups.setdefault((visibility, moved_from), []).append(pk)
    for (visibility, moved_from), pks in groups.items():
        model.objects.filter(pk__in=pks).update(visibility=visibility, moved_from=moved_from)


def _by_origin(entries: Sequence[tuple[int, int | None]]) -> dict[int | None, list[int]]:
    """Ids by their `moved_from`, so each group moves in one UPDATE."""
    groups: dict[int | None, list[int]] = {}
    for pk, moved_from in entries:
        groups.setdefault(moved_from, []).append(pk)
    return groups


def _move_watchers(source: Incident, target: Incident, public: bool) -> Moved:
    """The duplicate's watchers follow it onto the target when they may read what they would
    hear there: agents who follow always, the customer's colleagues only when the conversation
    stays public (`_keeps_public`), each marked with the incident they watched. Whoever already
    watches or reported the target stays as is, and the target's watcher limit holds."""
    taken = set(target.watchers.values_list("person_id", flat=True)) | {target.reporter_id}
    movable = source.watchers.exclude(person_id__in=taken)
    if not public:
        movable = movable.filter(person__role__in=STAFF_ROLES)
    room = max(MAX_WATCHERS - len(taken) + 1, 0)
    rows = list(movable.order_by("created_at", "id").values_list("pk", "moved_from_id")[:room])
    for moved_from, pks in _by_origin(rows).items():
        Watcher.objects.filter(pk__in=pks).update(
            incident=target, moved_from=moved_from or source.pk
        )
    return [[pk, moved_from] for pk, moved_from in rows]


def _move_time(source: Incident, target: Incident) -> Moved:
    """The duplicate's time entries go with its conversation, each marked with the incident it
    was spent on: the target's total then counts every minute once, and the billed
    organisation stays the one the time was spent for (`analytics.timespent`)."""
    entries = list(source.time_entries.values_list("pk", "moved_from_id"))
    for moved_from, pks in _by_origin(entries).items():
        TimeEntry.objects.filter(pk__in=pks).update(
            incident=target, moved_from=moved_from or source.pk
        )
    return [[pk, moved_from] for pk, moved_from in entries]


def move_related(source: Incident, target: Incident) -> dict[str, Moved]:
    """Move the duplicate's conversation onto the target: its comments (internal notes and
    unverified mail included) and its files, each marked with where it came from, each shown on
    the target's timeline (events never handed to notifications). Returns what moved, as the
    undo reads it (`_move_back`). Everything else that should follow an incident into its merge is
    moved here, with its own key in the record."""
    public = _keeps_public(source, target)
    comments = list(source.comments.select_related("author"))
    attachments = list(source.attachments.select_related("uploaded_by"))
    moved: dict[str, Moved] = {
        "comments": [[c.pk, c.visibility, c.moved_from_id] for c in comments],
        "attachments": [[a.pk, a.visibility, a.moved_from_id] for a in attachments],
    }

    def landing(rows: Moved) -> Moved:
        return [
            [pk, visibility if public else Visibility.INTERNAL, moved_from or source.pk]
            for pk, visibility, moved_from in rows
        ]

    _move(Comment, landing(moved["comments"]), target)
    _move(Attachment, landing(moved["attachments"]), target)
    moved["watchers"] = _move_watchers(source, target, public)
    moved["time_entries"] = _move_time(source, target)
    for comment in comments:
        if not public:
            comment.visibility = Visibility.INTERNAL
        timeline.record_moved_comment(incident=target, comment=comment, source=source.number)
    for attachment in attachments:
        if attachment.comment_id is None:
            if not public:
                attachment.visibility = Visibility.INTERNAL
            timeline.record_moved_attachment(
                incident=target, attachment=attachment, source=source.number
            )
    return moved


def _move_back(merge: Merge, source: Incident, target: Incident) -> None:
    """Undo `move_related`: every row it moved goes back as it was. Refused when some have
    left the target since (merged further, split out): the record no longer describes it."""
    for model, key in ((Comment, "comments"), (Attachment, "attachments")):
        rows: Moved = merge.moved.get(key, [])
        still = model.objects.filter(pk__in=[row[0] for row in rows], incident=target).count()
        if still != len(rows):
            raise InvalidTransition(
                _(
                    "Part of what the merge moved has left %(number)s since (merged or split "
                    "further): the merge can no longer be undone."
                )
                % {"number": target.number},
                extra={"status": source.status, "allowed": []},
            )
        _move(model, rows, source)
    # Time entries go back as they were; one corrected since keeps its new minutes.
    for moved_from, pks in _by_origin(
        [(row[0], row[1]) for row in merge.moved.get("time_entries", [])]
    ).items():
        TimeEntry.objects.filter(pk__in=pks, incident=target).update(
            incident=source, moved_from=moved_from
        )
    # Watchers are not the record's to insist on: one who stopped watching since stays away.
    watchers = [
        (row[0], row[1] if len(row) > 1 else None) for row in merge.moved.get("watchers", [])
    ]
    for moved_from, pks in _by_origin(watchers).items():
        Watcher.objects.filter(pk__in=pks, incident=target).update(
            incident=source, moved_from=moved_from
        )


@transaction.atomic
def do_merge(
    incident: Incident,
    *,
    actor: User,
    target: Incident,
    reason: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Merge the duplicate `incident` into `target`: its comments, files, watchers and time
    entries move (marked "from INC-…"; kept public only between the same customer's incidents),
    it is cancelled as a duplicate of the target with a link (its SLA clocks stop), and its
    reporter is told the target's number, once. Mail replies to its thread land on the target
    (`mail.inbound`). `do_unmerge` takes it back within `INCIDESK_MERGE_UNDO_MINUTES`."""
    reason = checked_text("reason", reason)
    if target.pk == incident.pk:
        raise InvalidInput.field("target", _("An incident cannot be merged into itself."))
    require(actor, "edit", target)
    incident, target = _lock_pair(incident, target, expected_version)
    _authorise("merge", incident, actor)
    if target.is_final:
        raise InvalidInput.field(
            "target",
            _("Incident %(number)s is closed or cancelled: merge into an open one.")
            % {"number": target.number},
        )
    before: dict[str, Any] = {
        "status": incident.status,
        "hold_reason": incident.hold_reason.code if incident.hold_reason is not None else None,
        "answer_by": incident.answer_by.isoformat() if incident.answer_by else None,
        "clocks": clocks.counting(incident),
    }
    details = {"reason": reason} if reason else {}
    told = _set_status(
        incident,
        Status.CANCELLED,
        actor,
        duplicate_of=target.number,
        merged_into=target.number,
        **details,
    )
    now = timezone.now()
    incident.cancel_reason, incident.duplicate_of, incident.merged_at = reason, target, now
    incident.closed_at, incident.hold_reason, incident.answer_by = now, None, None
    # A link the agent made before stays after an undo; the merge's own goes with it.
    before["linked"] = not IncidentLink.objects.filter(
        source=incident, target=target, kind=LinkKind.DUPLICATE_OF
    ).exists()
    if before["linked"]:
        _link(incident, target, LinkKind.DUPLICATE_OF, actor)
    moved = move_related(incident, target)
    Merge.objects.create(
        source=incident, target=target, actor=actor, at=now, moved=moved, before=before
    )
    timeline.record_merged_in(
        incident=target,
        actor=actor,
        source=incident.number,
        comments=len(moved["comments"]),
        attachments=len(moved["attachments"]),
    )
    _save(
        incident,
        [
            "status",
            "cancel_reason",
            "duplicate_of",
            "merged_at",
            "closed_at",
            "hold_reason",
            "answer_by",
        ],
    )
    _save(target, [])
    index_incident(incident)
    index_incident(target)
    # Only the duplicate's status change is news: its customer hears the new number once.
    _commit([told])
    return incident


@transaction.atomic
def do_unmerge(incident: Incident, *, actor: User, expected_version: int | None = None) -> Incident:
    """Take back the merge of `incident` (within the window, `status.MERGE_UNDOABLE`): what
    moved goes back, the link goes, and the incident is in progress again with its SLA clocks
    running as if it had never been merged (the time merged counts)."""
    # The record is read first so both incidents are locked in id order (as a merge locks
    # them); a concurrent undo is caught by the guard, which reads the locked row.
    merge = (
        Merge.objects.filter(source=incident, undone_at__isnull=True)
        .select_related("target")
        .order_by("-at", "-id")
        .first()
    )
    if merge is None:
        incident = _lock(incident, expected_version)
        _authorise("unmerge", incident, actor)
        raise InvalidTransition(
            MERGE_UNDOABLE.message, extra={"status": incident.status, "allowed": []}
        )
    incident, target = _lock_pair(incident, merge.target, expected_version)
    _authorise("unmerge", incident, actor)
    _move_back(merge, incident, target)
    if merge.before.get("linked"):
        IncidentLink.objects.filter(
            source=incident, target=target, kind=LinkKind.DUPLICATE_OF
        ).delete()
    events = [_set_status(incident, Status.IN_PROGRESS, actor, unmerged=target.number)]
    changes = clocks.merge_undone(incident, merge.before.get("clocks", []), timezone.now())
    _take_due(incident, changes)
    events += changes.events
    incident.duplicate_of, incident.merged_at = None, None
    incident.cancel_reason, incident.closed_at = "", None
    merge.undone_at, merge.undone_by = timezone.now(), actor
    merge.save(update_fields=["undone_at", "undone_by"])
    for each in (incident, target):
        timeline.record_merge_undone(
            incident=each, actor=actor, source=incident.number, target=target.number
        )
    _save(incident, ["status", "duplicate_of", "merged_at", "cancel_reason", "closed_at"])
    events += _escalation(incident, events)
    _save(target, [])
    index_incident(incident)
    index_incident(target)
    _commit(events)
    return incident


@transaction.atomic
def do_split(
    incident: Incident,
    *,
    actor: User,
    comment: Comment,
    title: str,
    expected_version: int | None = None,
) -> Incident:
    """Split `comment` (with its files) out of `incident` into a new incident, registered
    through `do_create_incident` with the same reporter, contact, organisation, team and
    classification, its description the comment's text, linked `split_from` the old one. Both
    timelines say so; the reporter is acknowledged the new number as for any registration.
    Returns the new incident."""
    if comment.incident_id != incident.pk:
        raise InvalidInput.field("comment", _("The comment is not on this incident."))
    incident = _lock(incident, expected_version)
    _authorise("split", incident, actor)
    new = do_create_incident(
        actor=actor,
        title=title,
        description=comment.body,
        kind=incident.kind,
        impact=incident.impact,
        urgency=incident.urgency,
        category=incident.category,
        service=incident.service,
        channel=incident.channel,
        reporter=incident.reporter,
        contact_name=incident.contact_name,
        contact_email=incident.contact_email,
        contact_phone=incident.contact_phone,
        organisation=incident.organisation,
        team=incident.team,
    )
    files = list(comment.attachments.all())
    moved_from = comment.moved_from_id or incident.pk
    _move(Comment, [[comment.pk, comment.visibility, moved_from]], new)
    _move(Attachment, [[a.pk, a.visibility, a.moved_from_id or incident.pk] for a in files], new)
    timeline.record_moved_comment(incident=new, comment=comment, source=incident.number)
    _link(new, incident, LinkKind.SPLIT_FROM, actor)
    timeline.record_split(
        incident=incident,
        actor=actor,
        comment_id=comment.pk,
        into=new.number,
        attachments=len(files),
    )
    _save(incident, [])
    _save(new, [])
    index_incident(incident)
    index_incident(new)
    return new


@transaction.atomic
def do_add_merged_reply(incident: Incident, *, actor: User, body: str, merged: Incident) -> Comment:
    """A verified mail reply to `merged`, which was merged into `incident`, from its reporter
    who may not write on `incident` (another customer's): kept on `incident` for the desk as an
    internal note marked from `merged`. It changes nothing else, and no customer sees it."""
    body = checked_text("body", body, required=True, bounded=True)
    incident = _lock(incident)
    comment = Comment.objects.create(
        incident=incident,
        author=actor,
        body=body,
        visibility=Visibility.INTERNAL,
        moved_from=merged,
        created_at=timezone.now(),
    )
    event = timeline.record_moved_comment(incident=incident, comment=comment, source=merged.number)
    _save(incident, [])
    _commit([event])
    return comment
