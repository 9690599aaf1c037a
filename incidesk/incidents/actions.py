"""Every change to an incident, one function per verb.

Each action locks the incident row, checks the state machine and the actor's rights, writes the
change and its timeline events in one transaction, and promises its background work
(notifications, reminders, auto-close) in that same transaction (`core.promises`). The web UI,
the API, e-mail, tasks and commands all call these; nothing else writes incident fields.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import Organisation, Team, User
from incidesk.catalog.models import (
    Category,
    Cause,
    HoldReason,
    Level,
    ResolutionCode,
    Service,
    priority_for,
)
from incidesk.core.errors import InvalidInput, InvalidTransition, VersionConflict
from incidesk.core.promises import promise
from incidesk.core.text import (
    MAX_TEXT_BYTES,
    MAX_TITLE_LENGTH,
    checked_line,
    checked_text,
    clean_line,
    clean_text,
)
from incidesk.incidents import files, timeline
from incidesk.incidents.access import can, require
from incidesk.incidents.models import (
    Attachment,
    Channel,
    Comment,
    EventKind,
    Incident,
    IncidentLink,
    Kind,
    LinkKind,
    TimelineEvent,
    Visibility,
)
from incidesk.incidents.numbering import next_number
from incidesk.incidents.search import index_incident
from incidesk.incidents.status import LIFECYCLE, VERBS, Status
from incidesk.incidents.tasks import (
    auto_close_incident,
    expire_info_request,
    remind_info_request,
)
from incidesk.notifications.dispatch import notify_events
from incidesk.problems.models import Problem
from incidesk.sla import clocks
from incidesk.sla.models import SlaClock

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


def _set_status(
    incident: Incident, new: Status, actor: User | None, **details: Any
) -> TimelineEvent:
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
    notify_events([event.pk for event in events])


# --- registration ---------------------------------------------------------------------------


@transaction.atomic
def do_create_incident(
    *,
    actor: User,
    title: str,
    description: str = "",
    kind: str = Kind.INCIDENT,
    impact: str = Level.MEDIUM,
    urgency: str = Level.MEDIUM,
    category: Category | None = None,
    service: Service | None = None,
    channel: str = Channel.PORTAL,
    reporter: User | None = None,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    organisation: Organisation | None = None,
    team: Team | None = None,
    follows: Incident | None = None,
) -> Incident:
    """Register an incident: number, matrix priority, `created` event; the reporter is told.

    A customer always reports for themself, in their own organisation; staff register on behalf
    of a customer account or of a contact without one (an e-mail or phone is then required).
    `follows`: a closed or cancelled incident this complaint continues (the caller checked the
    actor may see it); the new one is linked to it as `follow_up_of`.
    """
    contact_name, contact_phone = clean_line(contact_name), clean_line(contact_phone)
    contact_email = clean_line(contact_email).lower()
    if actor.is_customer:
        reporter, organisation, team = actor, actor.organisation, None
    elif reporter is not None and not reporter.is_customer:
        raise InvalidInput.field("reporter", _("The reporter must be a customer."))
    if reporter is None and not (contact_email or contact_phone):
        raise InvalidInput.field(
            "contact_email", _("Give a reporter account, or a contact e-mail or phone.")
        )
    if reporter is not None and organisation is None:
        organisation = reporter.organisation
    if category is not None and not category.is_active:
        raise InvalidInput.field("category", _("This category is no longer in use."))
    if service is not None and not service.is_active:
        raise InvalidInput.field("service", _("This service is no longer in use."))
    now = timezone.now()
    incident = Incident(
        number=next_number(),
        kind=Kind(kind),
        title=checked_line("title", title, max_length=MAX_TITLE_LENGTH),
        description=checked_text("description", description, bounded=True),
        impact=Level(impact),
        urgency=Level(urgency),
        priority=priority_for(impact, urgency),
        category=category,
        service=service,
        channel=Channel(channel),
        reporter=reporter,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        organisation=organisation,
        team=team,
        created_at=now,
        updated_at=now,
    )
    incident.save()
    index_incident(incident)
    if _take_due(incident, clocks.start(incident)):
        incident.save(update_fields=DUE_COLUMNS)
    events = [timeline.record_created(incident=incident, actor=actor)]
    if follows is not None:
        events.append(_link(incident, follows, LinkKind.FOLLOW_UP_OF, actor))
    _commit(events)
    return incident


# --- classification -------------------------------------------------------------------------

EDITABLE_FIELDS = (
    "title",
    "description",
    "kind",
    "impact",
    "urgency",
    "category",
    "service",
    "cause",
    "is_major",
    "contact_name",
    "contact_email",
    "contact_phone",
)


def _plain(value: Any) -> Any:
    """A timeline-safe form of a field value: reference data by code."""
    return getattr(value, "code", value)


@transaction.atomic
def do_update_incident(
    incident: Incident, *, actor: User, expected_version: int | None = None, **changes: Any
) -> Incident:
    """Change classification fields (verification/triage). Impact or urgency recompute the
    priority from the matrix unless a manager has overridden it. One event per changed field."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], _("This field cannot be changed."))
    require(actor, "edit", incident)
    incident = _lock(incident, expected_version)
    if incident.is_final:
        raise _final(incident)
    if "title" in changes:
        changes["title"] = checked_line("title", changes["title"], max_length=MAX_TITLE_LENGTH)
    if "description" in changes:
        changes["description"] = checked_text("description", changes["description"], bounded=True)
    for field in ("contact_name", "contact_email", "contact_phone"):
        if field in changes:
            changes[field] = clean_line(changes[field])
    events, fields = [], []
    for field, new in changes.items():
        old = getattr(incident, field)
        if old == new:
            continue
        setattr(incident, field, new)
        fields.append(field)
        events.append(
            timeline.record_field_changed(
                incident=incident, actor=actor, field=field, old=_plain(old), new=_plain(new)
            )
        )
    if {"impact", "urgency"} & set(fields) and not incident.priority_overridden:
        old_priority = incident.priority
        incident.priority = priority_for(incident.impact, incident.urgency)
        if incident.priority != old_priority:
            fields.append("priority")
            events.append(
                timeline.record_field_changed(
                    incident=incident,
                    actor=actor,
                    field="priority",
                    old=old_priority,
                    new=incident.priority,
                )
            )
            changes = clocks.priority_changed(
                incident, at=timezone.now(), actor=actor, old=old_priority
            )
            _take_due(incident, changes)
            events += changes.events
    if fields:
        _save(incident, fields)
        if {"title", "description"} & set(fields):
            index_incident(incident)
        _commit(events + _escalation(incident, events))
    return incident


@transaction.atomic
def do_override_priority(
    incident: Incident,
    *,
    actor: User,
    priority: int,
    reason: str,
    expected_version: int | None = None,
) -> Incident:
    """Set the priority against the matrix. Leads and admins only, always with a reason."""
    require(actor, "override_priority", incident)
    reason = checked_text("priority_reason", reason, required=True)
    if priority not in range(1, 6):
        raise InvalidInput.field("priority", _("Priority is a number from 1 to 5."))
    incident = _lock(incident, expected_version)
    if incident.is_final:
        raise _final(incident)
    old = incident.priority
    incident.priority, incident.priority_overridden = priority, True
    event = timeline.record_priority_overridden(
        incident=incident, actor=actor, old=old, new=priority, reason=reason
    )
    changes = clocks.priority_changed(incident, at=timezone.now(), actor=actor, old=old)
    _take_due(incident, changes)
    events = [event, *changes.events]
    _save(incident, ["priority", "priority_overridden"])
    _commit(events + _escalation(incident, events))
    return incident


# --- triage and work ------------------------------------------------------------------------


@transaction.atomic
def do_accept(incident: Incident, *, actor: User, expected_version: int | None = None) -> Incident:
    """Take a new incident into work: it becomes the actor's, in one of the actor's teams."""
    incident = _lock(incident, expected_version)
    _authorise("accept", incident, actor)
    events = [_set_status(incident, Status.IN_PROGRESS, actor)]
    fields = ["status", *_mark_first_response(incident, actor)]
    if incident.assignee_id is None:
        team = incident.team or actor.teams.order_by("name").first()
        events.append(_assignment_event(incident, actor, team, actor))
        incident.team, incident.assignee = team, actor
        fields += ["team", "assignee"]
    _save(incident, fields)
    _commit(events)
    return incident


def _assignment_event(
    incident: Incident, actor: User, team: Team | None, assignee: User | None
) -> TimelineEvent:
    return timeline.record_assigned(
        incident=incident,
        actor=actor,
        team=team.code if team else None,
        assignee=assignee.email if assignee else None,
        old_team=incident.team.code if incident.team_id else None,
        old_assignee=incident.assignee.email if incident.assignee_id else None,
    )


@transaction.atomic
def do_assign(
    incident: Incident,
    *,
    actor: User,
    team: Team | None = None,
    assignee: User | None = None,
    expected_version: int | None = None,
) -> Incident:
    """Give the incident to a team and/or an agent. A new incident goes into work; moving it
    from one team to another is for leads and admins."""
    incident = _lock(incident, expected_version)
    _authorise("assign", incident, actor)
    if team is None and assignee is None:
        raise InvalidInput.field("assignee", _("Give a team or an assignee."))
    team = team or incident.team
    if assignee is not None:
        if not assignee.is_desk_staff or not assignee.is_active:
            raise InvalidInput.field("assignee", _("The assignee must be an active agent."))
        if team is not None and not (
            team.lead_id == assignee.pk or team.members.filter(pk=assignee.pk).exists()
        ):
            raise InvalidInput.field(
                "assignee",
                _("%(user)s is not a member of team %(team)s.")
                % {"user": assignee.display_name, "team": team.name},
            )
    if incident.team_id and team and team.pk != incident.team_id:
        require(actor, "move_team", incident)
    keeps_assignee = assignee is None and incident.team_id == (team.pk if team else None)
    assignee = incident.assignee if keeps_assignee else assignee
    events = [_assignment_event(incident, actor, team, assignee)]
    incident.team, incident.assignee = team, assignee
    fields = ["team", "assignee"]
    target = VERBS["assign"].next_status(incident.status)
    if target != incident.status:
        events.append(_set_status(incident, target, actor))
        fields.append("status")
    _save(incident, fields)
    _commit(events)
    return incident


@transaction.atomic
def do_hold(
    incident: Incident,
    *,
    actor: User,
    reason: HoldReason,
    message: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Put the incident on hold for a reason. Waiting for the customer needs a question to them,
    so it goes through `do_request_info`."""
    if reason.code == HoldReason.AWAITING_CUSTOMER:
        return do_request_info(
            incident, actor=actor, message=message, expected_version=expected_version
        )
    incident = _lock(incident, expected_version)
    _authorise("hold", incident, actor)
    events = [_set_status(incident, Status.ON_HOLD, actor, hold_reason=reason.code)]
    incident.hold_reason = reason
    fields = ["status", "hold_reason"]
    if message.strip():
        events.append(_add_comment(incident, actor, message, Visibility.INTERNAL)[1])
    _save(incident, fields)
    _commit(events)
    return incident


@transaction.atomic
def do_request_info(
    incident: Incident,
    *,
    actor: User,
    message: str,
    answer_by: datetime | None = None,
    expected_version: int | None = None,
) -> Incident:
    """Ask the customer for details by a deadline (default: the policy's working days): a public
    message, and the incident waits for the customer. Their reply (`do_add_comment`) puts it back
    in progress by itself; they are reminded before the deadline, and when it passes the policy
    decides (`do_expire_info_request`)."""
    message = checked_text("message", message, required=True)
    now = timezone.now()
    if answer_by is not None and answer_by <= now:
        raise InvalidInput.field("answer_by", _("The answer deadline must be in the future."))
    incident = _lock(incident, expected_version)
    _authorise("request-info", incident, actor)
    reply = _add_comment(incident, actor, message, Visibility.PUBLIC)[1]
    reason = HoldReason.objects.get(code=HoldReason.AWAITING_CUSTOMER)
    incident.answer_by = answer_by or clocks.answer_deadline(incident, now)
    incident.no_answer = False
    status = _set_status(
        incident,
        Status.ON_HOLD,
        actor,
        hold_reason=reason.code,
        answer_by=incident.answer_by.isoformat(),
    )
    incident.hold_reason = reason
    _save(
        incident,
        ["status", "hold_reason", "answer_by", "no_answer", *_mark_first_response(incident, actor)],
    )
    index_incident(incident)
    _commit([reply, status])
    _schedule_info_request(incident, now)
    return incident


def _schedule_info_request(incident: Incident, now: datetime) -> None:
    token = incident.answer_by.isoformat()
    remind_at = clocks.reminder_time(incident, now, incident.answer_by)
    promise(remind_info_request, incident.pk, token, run_after=remind_at)
    promise(expire_info_request, incident.pk, token, run_after=incident.answer_by)


def _open_request(incident_id: int, answer_by: str) -> Incident | None:
    """The incident still waiting for the answer requested by `answer_by`, locked; None if the
    request was answered, withdrawn or replaced since the task was scheduled."""
    incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
    if incident is None or incident.answer_by is None:
        return None
    return incident if incident.answer_by == datetime.fromisoformat(answer_by) else None


@transaction.atomic
def do_remind_info_request(incident_id: int, answer_by: str) -> None:
    """Remind the customer that an answer is awaited (a public timeline event: they are told)."""
    incident = _open_request(incident_id, answer_by)
    if incident is None:
        return
    reminders = incident.events.filter(kind=EventKind.INFO_REMINDER, data__answer_by=answer_by)
    if not reminders.exists():  # a task run again after its worker died reminds once
        _commit([timeline.record_info_reminder(incident=incident, answer_by=answer_by)])


@transaction.atomic
def do_expire_info_request(incident_id: int, answer_by: str) -> None:
    """No answer by the deadline: back to the agent's queue flagged "no answer", or, if the
    policy says so, resolved with the code "no answer from customer"."""
    incident = _open_request(incident_id, answer_by)
    if incident is None:
        return
    policy = clocks.policy_for(incident)
    resolves = policy is not None and policy.no_answer_resolves
    events = [
        timeline.record_info_expired(incident=incident, answer_by=answer_by, resolved=resolves),
        _resume(incident, None, no_answer=True),
    ]
    _commit(events)
    if resolves:
        do_resolve(
            incident,
            actor=None,
            cause=Cause.objects.get(code="unknown"),
            resolution_code=ResolutionCode.objects.get(code="no_answer"),
            notes=str(NO_ANSWER_NOTES),
        )


NO_ANSWER_NOTES = _(
    "We did not receive the information we asked for, so we closed our work on this request. "
    "If the problem remains, reply or reopen it and we will continue."
)


@transaction.atomic
def do_resume(incident: Incident, *, actor: User | None, expected_version: int | None = None):
    """Take the incident off hold and back into work."""
    incident = _lock(incident, expected_version)
    _authorise("resume", incident, actor)
    _commit([_resume(incident, actor)])
    return incident


def _resume(incident: Incident, actor: User | None, *, no_answer: bool = False) -> TimelineEvent:
    """Back in progress; an information request still open is withdrawn (or, `no_answer`,
    expired unanswered: the agent's queue shows the flag)."""
    event = _set_status(
        incident,
        Status.IN_PROGRESS,
        actor,
        hold_reason=incident.hold_reason.code if incident.hold_reason_id else None,
    )
    incident.hold_reason, incident.answer_by, incident.no_answer = None, None, no_answer
    _save(incident, ["status", "hold_reason", "answer_by", "no_answer"])
    return event


@transaction.atomic
def do_resolve(
    incident: Incident,
    *,
    actor: User | None,
    cause: Cause | None,
    resolution_code: ResolutionCode | None,
    notes: str,
    expected_version: int | None = None,
) -> Incident:
    """Resolve: record the cause, how it was resolved and the result for the customer, who
    then confirms or reopens. Auto-closure is scheduled N days from now."""
    notes = checked_text("notes", notes, required=True)
    if cause is None:
        raise InvalidInput.field("cause", _("The cause is required to resolve."))
    if resolution_code is None:
        raise InvalidInput.field("resolution_code", _("The resolution code is required."))
    incident = _lock(incident, expected_version)
    _authorise("resolve", incident, actor)
    event = _set_status(incident, Status.RESOLVED, actor, resolution_code=resolution_code.code)
    incident.cause, incident.resolution_code, incident.resolution_notes = (
        cause,
        resolution_code,
        notes,
    )
    incident.resolved_at = timezone.now()
    _save(
        incident,
        [
            "status",
            "cause",
            "resolution_code",
            "resolution_notes",
            "resolved_at",
            *_mark_first_response(incident, actor),
        ],
    )
    _commit([event])
    _schedule_auto_close(incident)
    return incident


def _schedule_auto_close(incident: Incident) -> None:
    days = settings.INCIDESK_AUTO_CLOSE_DAYS
    if days <= 0 or incident.is_major:
        return
    promise(
        auto_close_incident,
        incident.pk,
        incident.resolved_at.isoformat(),
        run_after=incident.resolved_at + timedelta(days=days),
    )


@transaction.atomic
def do_confirm(incident: Incident, *, actor: User, expected_version: int | None = None):
    """The customer confirms the fix: the incident is closed."""
    return _close(incident, "confirm", actor, expected_version, confirmed=True)


@transaction.atomic
def do_close(incident: Incident, *, actor: User | None, expected_version: int | None = None):
    """Close a resolved incident (staff, or the system after the confirmation window)."""
    return _close(incident, "close", actor, expected_version, confirmed=False)


def _close(
    incident: Incident,
    verb: str,
    actor: User | None,
    expected_version: int | None,
    *,
    confirmed: bool,
) -> Incident:
    incident = _lock(incident, expected_version)
    _authorise(verb, incident, actor)
    event = _set_status(
        incident, Status.CLOSED, actor, confirmed=confirmed, automatic=actor is None
    )
    incident.closed_at = timezone.now()
    _save(incident, ["status", "closed_at"])
    _commit([event])
    return incident


@transaction.atomic
def do_auto_close(incident_id: int, resolved_at: str) -> Incident | None:
    """Close after the confirmation window, unless the incident moved on since it was scheduled
    (reopened, re-resolved, closed by hand) or became a major incident."""
    incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
    if (
        incident is None
        or incident.status != Status.RESOLVED
        or incident.is_major
        or incident.resolved_at is None
        or incident.resolved_at != datetime.fromisoformat(resolved_at)
    ):
        return None
    return _close(incident, "close", None, None, confirmed=False)


@transaction.atomic
def do_reopen(
    incident: Incident, *, actor: User, reason: str = "", expected_version: int | None = None
) -> Incident:
    """The customer says it is not fixed: back into work, counted as a reopen."""
    incident = _lock(incident, expected_version)
    _authorise("reopen", incident, actor)
    events = [_set_status(incident, Status.IN_PROGRESS, actor, reopen=True)]
    if reason.strip():
        events.append(_add_comment(incident, actor, reason, Visibility.PUBLIC)[1])
        index_incident(incident)
    incident.reopen_count += 1
    incident.resolved_at = None
    _save(incident, ["status", "reopen_count", "resolved_at"])
    _commit(events)
    return incident


@transaction.atomic
def do_rate(incident: Incident, *, actor: User, rating: int, comment: str = "") -> Incident:
    """The customer rates a closed incident once (the verb's guard), 1 (bad) to 5 (excellent)."""
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput.field("rating", _("Give a whole number from 1 to 5."))
    comment = checked_text("comment", comment)
    incident = _lock(incident)
    _authorise("rate", incident, actor)
    incident.satisfaction = rating
    incident.satisfaction_comment = comment
    incident.rated_at = timezone.now()
    _save(incident, ["satisfaction", "satisfaction_comment", "rated_at"])
    _commit([timeline.record_rated(incident=incident, actor=actor, rating=rating)])
    return incident


@transaction.atomic
def do_cancel(
    incident: Incident,
    *,
    actor: User,
    reason: str,
    duplicate_of: Incident | None = None,
    expected_version: int | None = None,
) -> Incident:
    """Cancel an open incident with a reason; a duplicate points to its original."""
    reason = checked_text("reason", reason, required=True)
    incident = _lock(incident, expected_version)
    _authorise("cancel", incident, actor)
    if duplicate_of is not None and duplicate_of.pk == incident.pk:
        raise InvalidInput.field("duplicate_of", _("An incident cannot duplicate itself."))
    events = [
        _set_status(
            incident,
            Status.CANCELLED,
            actor,
            reason=reason,
            duplicate_of=duplicate_of.number if duplicate_of else None,
        )
    ]
    incident.cancel_reason, incident.duplicate_of = reason, duplicate_of
    incident.closed_at = timezone.now()
    incident.hold_reason, incident.answer_by = None, None
    fields = ["status", "cancel_reason", "duplicate_of", "closed_at", "hold_reason", "answer_by"]
    if duplicate_of is not None:
        events.append(_link(incident, duplicate_of, LinkKind.DUPLICATE_OF, actor))
    _save(incident, fields)
    _commit(events)
    return incident


@transaction.atomic
def do_link(
    incident: Incident,
    *,
    actor: User,
    target: Incident,
    kind: str,
    expected_version: int | None = None,
) -> Incident:
    """Link two incidents. `child_of` makes `target` the major incident grouping this one."""
    kind = LinkKind(kind)
    incident = _lock(incident, expected_version)
    _authorise("link", incident, actor)
    if target.pk == incident.pk:
        raise InvalidInput.field("target", _("An incident cannot be linked to itself."))
    if IncidentLink.objects.filter(source=incident, target=target, kind=kind).exists():
        raise InvalidInput.field("target", _("These incidents are already linked."))
    fields: list[str] = []
    if kind == LinkKind.CHILD_OF:
        if not target.is_major or target.parent_id:
            raise InvalidInput.field("target", _("Only a major incident can have children."))
        incident.parent = target
        fields.append("parent")
    event = _link(incident, target, kind, actor)
    _save(incident, fields)
    _commit([event])
    return incident


def _link(incident: Incident, target: Incident, kind: LinkKind, actor: User) -> TimelineEvent:
    IncidentLink.objects.create(source=incident, target=target, kind=kind, created_by=actor)
    return timeline.record_linked(
        incident=incident, actor=actor, target=target.number, link_kind=kind
    )


# --- problems -------------------------------------------------------------------------------


@transaction.atomic
def do_link_problem(incident: Incident, *, actor: User, problem: Problem) -> Incident:
    """Say the incident is caused by `problem` (an internal event: customers do not see problem
    records). An incident has at most one problem; moving it to another means unlinking first.
    Besides staff, the reporter may link their own incident to a published known error ("this
    is my problem too")."""
    incident = _lock(incident)
    if not (problem.is_known_error and can(actor, "link_known_error", incident)):
        _authorise("link", incident, actor)
    if incident.problem_id == problem.pk:
        raise InvalidInput.field("problem", _("The incident is already linked to this problem."))
    if incident.problem_id is not None:
        raise InvalidInput.field(
            "problem",
            _("Incident %(number)s is linked to %(problem)s: unlink it first.")
            % {"number": incident.number, "problem": incident.problem.number},
        )
    incident.problem = problem
    _save(incident, ["problem"])
    event = timeline.record_problem_linked(incident=incident, actor=actor, problem=problem.number)
    _commit([event])
    return incident


@transaction.atomic
def do_unlink_problem(incident: Incident, *, actor: User) -> Incident:
    """Take the incident off its problem (linked by mistake)."""
    incident = _lock(incident)
    _authorise("link", incident, actor)
    if incident.problem_id is None:
        raise InvalidInput.field("problem", _("The incident is not linked to a problem."))
    number = incident.problem.number
    incident.problem = None
    _save(incident, ["problem"])
    _commit([timeline.record_problem_unlinked(incident=incident, actor=actor, problem=number)])
    return incident


@transaction.atomic
def do_resolve_for_problem(
    incident: Incident,
    *,
    actor: User,
    cause: Cause | None,
    resolution_code: ResolutionCode | None,
    notes: str,
) -> Incident:
    """Resolve an open incident because its problem was fixed, whatever open status it is in:
    a new one is first taken into work (by the actor, if nobody has it), one on hold resumed,
    each step on the timeline and the SLA clocks as usual. The customer is told once, of the
    resolution: the steps before it are moments apart and would only be noise."""
    incident = _lock(incident)
    if incident.problem_id is None:
        raise InvalidInput.field("problem", _("The incident is not linked to a problem."))
    if incident.status == Status.NEW:
        _authorise("accept", incident, actor)
        _set_status(incident, Status.IN_PROGRESS, actor)
        fields = ["status"]
        if incident.assignee_id is None:
            team = incident.team or actor.teams.order_by("name").first()
            _assignment_event(incident, actor, team, actor)
            incident.team, incident.assignee = team, actor
            fields += ["team", "assignee"]
        _save(incident, fields)
    elif incident.status == Status.ON_HOLD:
        _authorise("resume", incident, actor)
        _resume(incident, actor)
    return do_resolve(
        incident, actor=actor, cause=cause, resolution_code=resolution_code, notes=notes
    )


# --- conversation ---------------------------------------------------------------------------


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


@transaction.atomic
def do_add_comment(
    incident: Incident,
    *,
    actor: User,
    body: str,
    visibility: str = Visibility.PUBLIC,
    expected_version: int | None = None,
    verified: bool = True,
) -> Comment:
    """Add a reply or an internal note. A staff reply is the first response; the customer's
    reply to an information request puts the incident back in progress. With
    `expected_version`, refuse if the incident changed since the writer last saw it.
    `verified=False` (e-mail whose author the desk could not verify) keeps the text as an
    internal entry for the desk, whoever claims to have written it, and changes nothing else:
    no first response, no resume, nothing for the customer."""
    body = checked_text("body", body, required=True, bounded=True)
    visibility = Visibility.INTERNAL if not verified else Visibility(visibility)
    if visibility == Visibility.INTERNAL and verified:
        require(actor, "write_internal", incident)
    incident = _lock(incident, expected_version)
    if incident.is_final and visibility == Visibility.PUBLIC:
        raise _final(incident)
    comment, event = _add_comment(incident, actor, body, visibility, verified)
    events = [event]
    fields: list[str] = []
    if visibility == Visibility.PUBLIC:
        fields += _mark_first_response(incident, actor)
        index_incident(incident)
    if (
        verified
        and incident.status == Status.ON_HOLD
        and incident.hold_reason_id
        and incident.hold_reason.code == HoldReason.AWAITING_CUSTOMER
        and actor.pk == incident.reporter_id
    ):
        events.append(_resume(incident, actor))
    else:
        _save(incident, fields)
    _commit(events)
    return comment


@transaction.atomic
def do_add_attachment(
    incident: Incident,
    *,
    actor: User,
    upload: UploadedFile,
    comment: Comment | None = None,
    visibility: str = Visibility.PUBLIC,
) -> Attachment:
    """Store a file under a generated name. The uploaded name is cleaned and kept for display
    only; the stored type is read from the bytes (`files.type_of`), never the uploader's word."""
    visibility = Visibility(visibility)
    if visibility == Visibility.INTERNAL:
        require(actor, "attach_internal", incident)
    if upload.size > settings.INCIDESK_MAX_ATTACHMENT_BYTES:
        raise InvalidInput.field(
            "file",
            _("The file is larger than %(mb)d MiB.")
            % {"mb": settings.INCIDESK_MAX_ATTACHMENT_BYTES // 2**20},
        )
    if upload.size == 0:
        raise InvalidInput.field("file", _("The file is empty."))
    incident = _lock(incident)
    if incident.is_final and not actor.is_desk_staff:
        raise _final(incident)
    if comment is not None and comment.visibility == Visibility.INTERNAL:
        visibility = Visibility.INTERNAL
    name = files.clean_name(upload.name or "")
    attachment = Attachment(
        incident=incident,
        comment=comment,
        original_name=name,
        content_type=files.type_of(files.read_head(upload)),
        size=upload.size,
        visibility=visibility,
        uploaded_by=actor,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    _save(incident, [])
    _commit(
        [timeline.record_attachment_added(incident=incident, actor=actor, attachment=attachment)]
    )
    return attachment


# --- service levels ------------------------------------------------------------------------


@transaction.atomic
def do_check_sla(clock_id: int, scheduled_for: str) -> None:
    """A scheduled SLA check: record the warnings or the breach now due."""
    incident = _clock_incident(clock_id)
    if incident is not None:
        _finish_clock_change(incident, clocks.check(clock_id, scheduled_for, timezone.now()))


@transaction.atomic
def do_recompute_sla(clock_id: int) -> None:
    """A business calendar changed: recompute the clock's due time (it may breach at once)."""
    incident = _clock_incident(clock_id)
    if incident is not None:
        _finish_clock_change(incident, clocks.recompute(clock_id, timezone.now()))


def _finish_clock_change(incident: Incident, changes: clocks.Changes) -> None:
    """Write what a clock change outside a user action did to the incident: a new due time, an
    escalation at a breach (which saves the due time with it)."""
    moved = _take_due(incident, changes)
    added = _escalation(incident, changes.events)
    if moved and not added:
        _save(incident, [])
    _commit(changes.events + added)


def _clock_incident(clock_id: int) -> Incident | None:
    clock = SlaClock.objects.filter(pk=clock_id).select_related("incident").first()
    return None if clock is None else _lock(clock.incident)


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
