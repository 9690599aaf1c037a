"""What the system does by itself: SLA checks, request expiry, auto-close, problem cascade."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from incidesk.accounts.models import User
from incidesk.automation import triggers
from incidesk.catalog.models import Cause, ResolutionCode
from incidesk.core.errors import InvalidInput
from incidesk.core.promises import claim_due, finish_claimed, promise_all
from incidesk.incidents import timeline
from incidesk.incidents.actions._common import (
    _authorise,
    _commit,
    _escalation,
    _lock,
    _save,
    _set_status,
    _take_due,
)
from incidesk.incidents.actions.lifecycle import _assignment_event, _close, _resume, do_resolve
from incidesk.incidents.models import EventKind, Incident, TimelineEvent
from incidesk.incidents.status import Status
from incidesk.notifications.dispatch import notification
from incidesk.sla import clocks, reference
from incidesk.sla.models import SlaClock
from incidesk.sla.tasks import check_clock


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
            fields_required=False,
        )


NO_ANSWER_NOTES = _(
    "We did not receive the information we asked for, so we closed our work on this request. "
    "If the problem remains, reply or reopen it and we will continue."
)


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
        incident,
        actor=actor,
        cause=cause,
        resolution_code=resolution_code,
        notes=notes,
        fields_required=False,
    )


@transaction.atomic
def do_check_sla(clock_id: int, scheduled_for: str) -> None:
    """A scheduled SLA check: record the warnings or the breach now due."""
    incident = _clock_incident(clock_id)
    if incident is not None:
        _finish_clock_change(incident, clocks.check(clock_id, scheduled_for, timezone.now()))


# How many due checks one run of a check task works off.
CHECK_BATCH = 500


@transaction.atomic
def do_check_due_sla(clock_id: int, scheduled_for: str, limit: int = CHECK_BATCH) -> int:
    """A scheduled SLA check, and with it up to `limit - 1` other checks due now still waiting
    in the database queue (a backlog after a bulk import or an outage), done set-wise in one
    transaction with the same events, notifications and next checks as one by one. Left in the
    queue: the checks of an incident another transaction holds, and those after an incident's
    first breach (escalated first, as one by one). Returns how many queued runs it took."""
    at = timezone.now()
    claimed = claim_due(check_clock, at, limit - 1)
    if not claimed:
        do_check_sla(clock_id, scheduled_for)
        return 1
    own = _clock_incident(clock_id)  # this run's own check waits for its incident
    incidents = {} if own is None else {own.pk: own}
    owners = dict(
        SlaClock.objects.filter(pk__in=[_clock_of(row) for row in claimed]).values_list(
            "pk", "incident_id"
        )
    )
    others = Incident.objects.select_for_update(skip_locked=True).filter(
        pk__in=set(owners.values()) - set(incidents)
    )
    incidents |= {incident.pk: incident for incident in others}
    # A check whose clock is gone is done (it would do nothing); one whose incident is held
    # elsewhere stays in the queue.
    kept = {*incidents, None}
    claimed = [row for row in claimed if owners.get(_clock_of(row)) in kept]
    checks = [(clock_id, scheduled_for), *(tuple(row.args_kwargs["args"]) for row in claimed)]
    changes, next_checks, left = clocks.check_all(checks, incidents, at)
    claimed = [row for position, row in enumerate(claimed, 1) if position not in left]
    finish_claimed(claimed, at)
    events = [event for change in changes.values() for event in change.events]
    TimelineEvent.objects.bulk_create(events)
    events += _escalate_or_save([(incidents[pk], change) for pk, change in changes.items()])
    if events:
        next_checks += [notification([event.pk for event in events]), *triggers.promised(events)]
    if next_checks:
        promise_all(next_checks)
    return 1 + len(claimed)


def _escalate_or_save(changed: list[tuple[Incident, clocks.Changes]]) -> list[TimelineEvent]:
    """`_take_due`, `_escalation` and `_save` for each incident a batch of checks changed, the
    common case set-wise: an incident escalated at its first breach, whose priority stays and
    whose due times did not move, is a row of one UPDATE and its event a row of one INSERT.
    The rest go one by one: a priority raised re-targets the clocks, a moved due time is the
    incident's own. Returns the events added."""
    ref = reference.current()
    added: list[TimelineEvent] = []
    flagged: list[TimelineEvent] = []
    now = timezone.now()
    for incident, change in changed:
        moved = _take_due(incident, change)
        breach = next((e for e in change.events if e.kind == EventKind.SLA_BREACHED), None)
        policy = ref.policy(incident)
        raises = policy is not None and policy.raise_priority_on_breach and incident.priority > 1
        if breach is None or incident.escalated or moved or raises:
            escalation = _escalation(incident, change.events)
            if moved and not escalation:
                _save(incident, [])
            added += escalation
            continue
        incident.escalated, incident.version, incident.updated_at = True, incident.version + 1, now
        flagged.append(
            timeline.escalated(
                incident=incident,
                metric=breach.data["metric"],
                old_priority=incident.priority,
                new_priority=incident.priority,
            )
        )
    if flagged:
        TimelineEvent.objects.bulk_create(flagged)
        Incident.objects.filter(pk__in=[event.incident_id for event in flagged]).update(
            escalated=True, version=F("version") + 1, updated_at=now
        )
    return added + flagged


def _clock_of(row: DBTaskResult[Any, Any]) -> int:
    """The clock id a queued `check_clock` run was given."""
    return int(row.args_kwargs["args"][0])


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
