"""The incident's way through the state machine, one verb each: accept to reopen and rate."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import Team, User
from incidesk.catalog.models import Cause, HoldReason, ResolutionCode
from incidesk.core.errors import InvalidInput
from incidesk.core.promises import promise
from incidesk.core.text import checked_text
from incidesk.incidents import timeline
from incidesk.incidents.access import require
from incidesk.incidents.actions._common import (
    _add_comment,
    _authorise,
    _commit,
    _lock,
    _mark_first_response,
    _save,
    _set_status,
)
from incidesk.incidents.actions.customfields import require_for_resolve
from incidesk.incidents.actions.links import _link
from incidesk.incidents.models import Incident, LinkKind, TimelineEvent, Visibility
from incidesk.incidents.search import index_incident
from incidesk.incidents.status import VERBS, Status
from incidesk.incidents.tasks import auto_close_incident, expire_info_request, remind_info_request
from incidesk.sla import clocks


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
    incident: Incident, actor: User | None, team: Team | None, assignee: User | None
) -> TimelineEvent:
    return timeline.record_assigned(
        incident=incident,
        actor=actor,
        team=team.code if team else None,
        assignee=assignee.email if assignee else None,
        old_team=incident.team.code if incident.team is not None else None,
        old_assignee=incident.assignee.email if incident.assignee is not None else None,
    )


@transaction.atomic
def do_assign(
    incident: Incident,
    *,
    actor: User | None,
    team: Team | None = None,
    assignee: User | None = None,
    expected_version: int | None = None,
) -> Incident:
    """Give the incident to a team and/or an agent. A new incident goes into work; moving it
    from one team to another is for leads and admins. `actor=None` is the system (automatic
    assignment), which passes the rights checks."""
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
    if actor is not None and incident.team_id and team and team.pk != incident.team_id:
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
    _schedule_info_request(incident, now, incident.answer_by)
    return incident


def _schedule_info_request(incident: Incident, now: datetime, answer_by: datetime) -> None:
    token = answer_by.isoformat()
    remind_at = clocks.reminder_time(incident, now, answer_by)
    promise(remind_info_request, incident.pk, token, run_after=remind_at)
    promise(expire_info_request, incident.pk, token, run_after=answer_by)


@transaction.atomic
def do_resume(
    incident: Incident, *, actor: User | None, expected_version: int | None = None
) -> Incident:
    """Take the incident off hold and back into work."""
    incident = _lock(incident, expected_version)
    _authorise("resume", incident, actor)
    _commit([_resume(incident, actor)])
    return incident


def _resume(
    incident: Incident, actor: User | None, *, no_answer: bool = False, answered: bool = False
) -> TimelineEvent:
    """Back in progress; an information request still open is withdrawn (or, `no_answer`,
    expired unanswered: the agent's queue shows the flag). `answered`: the system's move after
    the customer's answer, recorded without an actor (the customer changed no status) and
    flagged so the rules tell the desk, not the customer who just wrote."""
    event = _set_status(
        incident,
        Status.IN_PROGRESS,
        actor,
        hold_reason=incident.hold_reason.code if incident.hold_reason is not None else None,
        **({"answered": True} if answered else {}),
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
    fields_required: bool = True,
) -> Incident:
    """Resolve: record the cause, how it was resolved and the result for the customer, who
    then confirms or reopens. Auto-closure is scheduled N days from now. Custom fields required
    on resolution must have values (`fields_required=False`: the resolutions nobody types, a
    request that got no answer or a fixed problem, are not held up by a form)."""
    notes = checked_text("notes", notes, required=True)
    if cause is None:
        raise InvalidInput.field("cause", _("The cause is required to resolve."))
    if resolution_code is None:
        raise InvalidInput.field("resolution_code", _("The resolution code is required."))
    incident = _lock(incident, expected_version)
    _authorise("resolve", incident, actor)
    if fields_required:
        require_for_resolve(incident)
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
    _schedule_auto_close(incident, incident.resolved_at)
    return incident


def _schedule_auto_close(incident: Incident, resolved_at: datetime) -> None:
    days = settings.INCIDESK_AUTO_CLOSE_DAYS
    if days <= 0 or incident.is_major:
        return
    promise(
        auto_close_incident,
        incident.pk,
        resolved_at.isoformat(),
        run_after=resolved_at + timedelta(days=days),
    )


@transaction.atomic
def do_confirm(incident: Incident, *, actor: User, expected_version: int | None = None) -> Incident:
    """The customer confirms the fix: the incident is closed."""
    return _close(incident, "confirm", actor, expected_version, confirmed=True)


@transaction.atomic
def do_close(
    incident: Incident, *, actor: User | None, expected_version: int | None = None
) -> Incident:
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
