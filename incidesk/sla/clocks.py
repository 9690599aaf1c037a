"""The SLA clocks of an incident: started at registration, paused on hold, stopped at the first
response or at resolution, resumed on reopen, recomputed when the priority changes.

Each finished pause is kept as an interval (`SlaClock.pauses`) and its business time added to
`paused_seconds`; whenever the clock's calendar changes (a priority change, an edit of the hours)
the total is measured again from the intervals on the calendar now in force.

Called only from `incidents.actions`, inside the action's transaction. Every hook returns its
`Changes`: the timeline events for the action to hand to notifications and the incident's
due-time columns for the action to write with the rest of its change (the clocks never write the
incident: its `version` and `updated_at` move with every change). Threshold checks are
scheduled background tasks (`sla.tasks`), re-scheduled whenever a clock changes; a task whose clock
has changed since it was scheduled does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import cast

from django.db.models import F

from incidesk.accounts.models import User
from incidesk.core.compiled import Prepared
from incidesk.core.promises import Promised, promise
from incidesk.incidents import timeline
from incidesk.incidents.models import EventKind, Incident, TimelineEvent
from incidesk.incidents.status import Status
from incidesk.sla import reference
from incidesk.sla.calendar import (
    add_business,
    business_between,
    business_seconds,
    due_time,
    end_of_working_days,
)
from incidesk.sla.models import (
    ClockState,
    Metric,
    SlaClock,
    SlaPolicy,
    SlaTarget,
    pause_entry,
    read_pauses,
)
from incidesk.sla.tasks import check_clock

DEFAULT_THRESHOLDS = (50, 75, 90)
BREACH = 100
OPEN = (ClockState.RUNNING, ClockState.PAUSED)


@dataclass
class Changes:
    """What a clock hook did, for the action to finish: `events` to notify about, and `due`, the
    incident's queue columns (`response_due_at`, `resolution_due_at`) the changed clocks now give
    (null once a clock stops)."""

    events: list[TimelineEvent] = field(default_factory=list)
    due: dict[str, datetime | None] = field(default_factory=dict)

    def saved(self, clock: SlaClock, at: datetime) -> None:
        """Store `clock` and note its open due time for the incident's queue column."""
        _save(clock, at)
        self.note(clock)

    def note(self, clock: SlaClock) -> None:
        """Note the clock's open due time for the incident's queue column."""
        running = clock.stopped_at is None and clock.state != ClockState.CANCELLED
        self.due[f"{clock.metric}_due_at"] = clock.due_at if running else None


def policy_for(incident: Incident) -> SlaPolicy | None:
    """The most specific active policy (`Reference.policy`), from the process's copy."""
    return reference.current().policy(incident)


def policies_for(incidents: list[Incident]) -> dict[int, SlaPolicy | None]:
    """`policy_for` of many incidents, with one look at the reference data."""
    ref = reference.current()
    return {incident.pk: ref.policy(incident) for incident in incidents}


def _target(incident: Incident, metric: Metric) -> SlaTarget | None:
    ref = reference.current()
    policy = ref.policy(incident)
    return None if policy is None else ref.target(policy, incident.priority, metric)


def _paused(clock: SlaClock, at: datetime) -> timedelta:
    """Business time paused so far, the running pause included."""
    paused = timedelta(seconds=clock.paused_seconds)
    if clock.paused_since is not None:
        paused += business_between(clock.paused_since, at, clock.calendar)
    return paused


def _refresh_due(clock: SlaClock) -> None:
    clock.due_at = due_time(
        clock.started_at,
        clock.amount,
        clock.unit,
        timedelta(seconds=clock.paused_seconds),
        clock.calendar,
    )


def _due(clock: SlaClock) -> datetime:
    """`due_at`: set when the clock starts (`start` calls `_refresh_due`) and never cleared, so
    only the column is nullable."""
    return cast(datetime, clock.due_at)


def _remeasure(clock: SlaClock) -> None:
    """Measure the finished pauses again on the clock's calendar (it may have just changed)."""
    clock.paused_seconds = business_seconds(read_pauses(clock.pauses), clock.calendar)


def budget(clock: SlaClock) -> timedelta:
    """The business time the target allows (for day-based targets, up to the due day's end)."""
    paused = timedelta(seconds=clock.paused_seconds)
    return business_between(clock.started_at, _due(clock), clock.calendar) - paused


def used(clock: SlaClock, at: datetime) -> timedelta:
    """Business time the clock has run until `at` (or until it stopped)."""
    end = min(at, clock.stopped_at) if clock.stopped_at else at
    return business_between(clock.started_at, end, clock.calendar) - _paused(clock, end)


def percent_used(clock: SlaClock, at: datetime) -> float:
    return _percent(budget(clock), used(clock, at))


def _percent(total: timedelta, spent: timedelta) -> float:
    seconds = total.total_seconds()
    return 100.0 if seconds <= 0 else 100.0 * spent.total_seconds() / seconds


def progress(clock: SlaClock, at: datetime) -> tuple[timedelta, float]:
    """Remaining business time and per cent used, computed once per clock object: a list page
    shows both for every clock, and each is a walk over the calendar."""
    if "_progress" not in clock.__dict__:
        total, spent = budget(clock), used(clock, at)
        clock.__dict__["_progress"] = (total - spent, _percent(total, spent))
    cached: tuple[timedelta, float] = clock.__dict__["_progress"]
    return cached


def _save(clock: SlaClock, at: datetime) -> None:
    """Store the clock and schedule the next threshold check (which makes any earlier one
    stale)."""
    clock.updated_at = at
    clock.save()
    _schedule_check(clock)


def _schedule_check(clock: SlaClock) -> None:
    """Queue a check for the moment the next threshold is reached (none while paused)."""
    if (check := _next_check(clock)) is not None:
        promise(check.task, *check.args, run_after=check.run_after)


def _next_check(clock: SlaClock) -> Promised | None:
    return _check(clock, _next_check_at(clock))


def _check(clock: SlaClock, at: datetime | None) -> Promised | None:
    """The threshold check of the stored `clock` at `at` (none if None)."""
    if at is None:
        return None
    return Promised(check_clock, (clock.pk, clock.updated_at.isoformat()), at)


def _next_check_at(clock: SlaClock) -> datetime | None:
    """When the next threshold is reached; None while paused or with every one passed."""
    if clock.state != ClockState.RUNNING:
        return None
    pending = [p for p in (*_thresholds(clock), BREACH) if p not in clock.fired]
    if not pending:
        return None
    share = budget(clock) * (min(pending) / 100)
    moment = add_business(
        clock.started_at, share + _paused(clock, clock.updated_at), clock.calendar
    )
    return max(moment, clock.updated_at)


def _thresholds(clock: SlaClock) -> list[int]:
    """The policy's warning thresholds, looked up once per clock object (a check and the
    scheduling of the next one both need them)."""
    if "_thresholds" not in clock.__dict__:
        clock.__dict__["_thresholds"] = _thresholds_of(policy_for(clock.incident))
    thresholds: list[int] = clock.__dict__["_thresholds"]
    return thresholds


def _thresholds_of(policy: SlaPolicy | None) -> list[int]:
    return sorted((policy.warning_thresholds if policy else None) or DEFAULT_THRESHOLDS)


# --- lifecycle hooks ---------------------------------------------------------------------


def plan(incident: Incident, ref: reference.Reference) -> list[SlaClock]:
    """The clocks registration will start, unsaved, with their due times, from the reference
    data the action read. Only reads, so the action runs it before its transaction."""
    policy = ref.policy(incident)
    if policy is None:
        return []
    thresholds = _thresholds_of(policy)
    planned = []
    # Response first, the order the clocks have always started in (their ids follow it).
    for target in ref.targets_for(policy, incident.priority):
        clock = SlaClock(
            incident=incident,
            metric=target.metric,
            calendar=target.calendar,
            amount=target.amount,
            unit=target.unit,
            started_at=incident.created_at,
            updated_at=incident.created_at,
        )
        clock.__dict__["_thresholds"] = thresholds
        _refresh_due(clock)
        clock.due_at = _due(clock).astimezone(UTC)  # as the database gives it back
        # Its first check's moment too: a walk over the calendar that needs no id, so it is
        # not done inside the transaction, where SQLite's other writers wait.
        clock.__dict__["_first_check_at"] = _next_check_at(clock)
        planned.append(clock)
    return planned


def due_columns(planned: list[SlaClock]) -> dict[str, datetime | None]:
    """The incident's queue columns the planned clocks give, to insert with the incident."""
    return {f"{clock.metric}_due_at": clock.due_at for clock in planned}


def start(planned: Prepared) -> list[Promised]:
    """Start the planned clocks, laid out for their INSERT before the transaction with their
    incident's key `later`; returns their first threshold checks, for the action to promise
    with the rest of its work."""
    planned.insert()
    return [
        check
        for clock in cast(list[SlaClock], planned.objs)
        if (check := _check(clock, clock.__dict__["_first_check_at"])) is not None
    ]


def _clocks(incident: Incident, *metrics: Metric) -> list[SlaClock]:
    return list(
        SlaClock.objects.select_for_update()
        .select_related("calendar", "incident")
        .filter(incident=incident, metric__in=metrics or list(Metric))
    )


def responded(incident: Incident, at: datetime) -> Changes:
    """The first public reply or information request from staff meets the response target."""
    changes = Changes()
    for clock in _clocks(incident, Metric.RESPONSE):
        if clock.stopped_at is None and clock.state != ClockState.CANCELLED:
            _stop(clock, at, changes)
    return changes


def _stop(clock: SlaClock, at: datetime, changes: Changes) -> None:
    _resume_accounting(clock, at)
    clock.stopped_at = at
    if clock.state != ClockState.BREACHED:
        clock.state = ClockState.MET
    changes.saved(clock, at)


def _resume_accounting(clock: SlaClock, at: datetime) -> None:
    """End the running pause at `at`: keep its interval and credit its business time."""
    if clock.paused_since is not None:
        clock.pauses = [*clock.pauses, pause_entry(clock.paused_since, at)]
        clock.paused_seconds += business_seconds([(clock.paused_since, at)], clock.calendar)
        clock.paused_since = None
        _refresh_due(clock)


def status_changed(  # noqa: C901  one branch per status move, read as a table
    incident: Incident, *, old: str, new: str, at: datetime, hold_reason: str | None
) -> Changes:
    """Pause, resume, stop or cancel the clocks as the incident moves."""
    changes = Changes()
    if new == Status.ON_HOLD:
        policy = policy_for(incident)
        if policy is None or not policy.pausing_hold_reasons.filter(code=hold_reason).exists():
            return changes
        for clock in _clocks(incident, Metric.RESOLUTION):
            if clock.stopped_at is None and clock.paused_since is None:
                clock.paused_since = at
                if clock.state == ClockState.RUNNING:
                    clock.state = ClockState.PAUSED
                changes.saved(clock, at)
                timeline.record_sla_paused(
                    incident=incident, metric=clock.metric, reason=hold_reason
                )
    elif new == Status.IN_PROGRESS and old in (Status.ON_HOLD, Status.RESOLVED):
        for clock in _clocks(incident, Metric.RESOLUTION):
            if clock.state == ClockState.CANCELLED:
                continue
            if old == Status.RESOLVED and clock.stopped_at is not None:
                # Time in "resolved" is the customer's testing time: it counts as a pause.
                clock.paused_since, clock.stopped_at = clock.stopped_at, None
            if clock.paused_since is None:
                continue
            before = clock.paused_seconds
            _resume_accounting(clock, at)
            if clock.state in (ClockState.PAUSED, ClockState.MET):
                clock.state = ClockState.RUNNING
            changes.saved(clock, at)
            timeline.record_sla_resumed(
                incident=incident,
                metric=clock.metric,
                reason="testing" if old == Status.RESOLVED else hold_reason,
                credited_seconds=clock.paused_seconds - before,
            )
    elif new == Status.RESOLVED:
        for clock in _clocks(incident, *Metric):
            if clock.stopped_at is None and clock.state != ClockState.CANCELLED:
                _stop(clock, at, changes)
    elif new == Status.CANCELLED:
        # Every clock still counting stops, a breached one too (its breach stays on record).
        for clock in _clocks(incident):
            if clock.stopped_at is None and clock.state != ClockState.CANCELLED:
                _resume_accounting(clock, at)
                clock.state, clock.stopped_at = ClockState.CANCELLED, at
                changes.saved(clock, at)
    return changes


def counting(incident: Incident) -> list[int]:
    """The ids of the clocks still counting (running, paused, or breached and not stopped):
    those a merge cancels, and its undo gives back."""
    return [
        clock.pk
        for clock in _clocks(incident)
        if clock.stopped_at is None and clock.state != ClockState.CANCELLED
    ]


def merge_undone(incident: Incident, clock_ids: list[int], at: datetime) -> Changes:
    """Give back the clocks a merge cancelled (`clock_ids`, from `counting`): the incident is
    in progress again, so they run (a pause the merge ended stays ended), and the time the
    incident spent merged counts, as if the merge had not happened. Thresholds passed
    meanwhile are reported now."""
    changes = Changes()
    for clock in _clocks(incident):
        if clock.pk not in clock_ids or clock.state != ClockState.CANCELLED:
            continue
        clock.stopped_at = None
        clock.state = ClockState.BREACHED if clock.breached_at else ClockState.RUNNING
        changes.events += _fire(clock, at)
        changes.saved(clock, at)
    return changes


def priority_changed(incident: Incident, *, at: datetime, actor: User | None, old: int) -> Changes:
    """Re-target the clocks for the new priority from the original start, keeping past pauses
    (measured again on the new target's calendar). A clock already past its new target is
    breached at once, with one event, paused or not."""
    changes = Changes()
    events = changes.events
    for clock in _clocks(incident):
        target = _target(incident, Metric(clock.metric))
        if target is None or clock.state == ClockState.CANCELLED:
            continue
        old_due = clock.due_at
        clock.amount, clock.unit, clock.calendar = target.amount, target.unit, target.calendar
        _remeasure(clock)
        _refresh_due(clock)
        events.append(
            timeline.record_sla_retargeted(
                incident=incident,
                actor=actor,
                metric=clock.metric,
                old_priority=old,
                new_priority=incident.priority,
                old_due=old_due.isoformat() if old_due else None,
                new_due=_due(clock).isoformat(),
            )
        )
        if clock.stopped_at is None:
            events += _fire(clock, at)
        changes.saved(clock, at)
    return changes


def _fire(clock: SlaClock, at: datetime) -> list[TimelineEvent]:
    """Record the thresholds the clock has passed and not yet reported."""
    events = _crossed(clock, at)
    for event in events:
        event.save(force_insert=True)
    return events


def _crossed(clock: SlaClock, at: datetime) -> list[TimelineEvent]:
    """The thresholds the clock has passed and not yet reported, as unsaved events, noted on the
    clock. Past 100 % it is one breach, not a warning per threshold. A paused clock counts too:
    a new target or new hours can put the time it ran before the pause past its target."""
    if clock.state not in OPEN or clock.breached_at is not None:
        return []
    # A check runs at the moment a threshold is reached; allow for sub-second rounding.
    reached = percent_used(clock, at) + 1e-6
    if reached >= BREACH:
        # A paused clock crossed its due time before the pause: `due_at` counts only the
        # finished pauses, so it is that moment either way.
        clock.state, clock.breached_at = ClockState.BREACHED, clock.due_at
        clock.fired = sorted({*clock.fired, *_thresholds(clock), BREACH})
        return [timeline.sla_breached(incident=clock.incident, metric=clock.metric)]
    new = [p for p in _thresholds(clock) if p <= reached and p not in clock.fired]
    if not new:
        return []
    clock.fired = sorted({*clock.fired, *new})
    return [
        timeline.sla_warning(
            incident=clock.incident,
            metric=clock.metric,
            threshold=max(new),
            due=_due(clock).isoformat(),
        )
    ]


def _locked(clock_id: int) -> SlaClock | None:
    return (
        SlaClock.objects.select_for_update()
        .select_related("calendar", "incident")
        .filter(pk=clock_id)
        .first()
    )


def recompute(clock_id: int, at: datetime) -> Changes:
    """Recompute an open clock's pauses and due time after its calendar changed; past it,
    breach now."""
    clock = _locked(clock_id)
    if clock is None or clock.stopped_at is not None or clock.state == ClockState.CANCELLED:
        return Changes()
    old = clock.due_at, clock.paused_seconds
    _remeasure(clock)
    _refresh_due(clock)
    if (clock.due_at, clock.paused_seconds) == old:
        return Changes()
    changes = Changes(events=_fire(clock, at))
    changes.saved(clock, at)
    return changes


def check(clock_id: int, scheduled_for: str, at: datetime) -> Changes:
    """Run a scheduled check: fire what is due, schedule the next one. Stale checks (the clock
    changed since) do nothing; the change scheduled its own."""
    clock = _locked(clock_id)
    if clock is None or clock.updated_at.isoformat() != scheduled_for:
        return Changes()
    changes = Changes(events=_fire(clock, at))
    changes.saved(clock, at)
    return changes


def check_all(
    checks: list[tuple[int, str]], incidents: dict[int, Incident], at: datetime
) -> tuple[dict[int, Changes], list[Promised], set[int]]:
    """`check` for many clocks of the locked `incidents` at once: two queries (the clocks, the
    policies) and one UPDATE whatever their number. A clock is checked once, by the first of
    `checks` it is still scheduled for; the rest are stale. Returns each checked incident's
    changes, with the events unsaved and in the order of `checks` for the action to insert
    together; the clocks' next checks, for it to promise; and the positions in `checks` left
    for a later run: those after an incident's first breach, which the action escalates (and
    may re-target) before the incident's other checks run, as one by one."""
    found = (
        SlaClock.objects.select_for_update(of=("self",))
        .select_related("calendar")
        .filter(pk__in={pk for pk, _ in checks}, incident_id__in=list(incidents))
    )
    clocks = {clock.pk: clock for clock in found}
    scheduled = {pk: clock.updated_at.isoformat() for pk, clock in clocks.items()}
    policies = policies_for(list(incidents.values()))
    changes: dict[int, Changes] = {}
    checked: dict[int, SlaClock] = {}
    breached: set[int] = set()
    left = set()
    for position, (pk, scheduled_for) in enumerate(checks):
        if pk in clocks and clocks[pk].incident_id in breached:
            left.add(position)
            continue
        if pk in checked or pk not in clocks or scheduled[pk] != scheduled_for:
            continue
        clock = checked[pk] = clocks[pk]
        clock.incident = incidents[clock.incident_id]
        clock.__dict__["_thresholds"] = _thresholds_of(policies[clock.incident_id])
        change = changes.setdefault(clock.incident_id, Changes())
        events = _crossed(clock, at)
        if not clock.incident.escalated and any(e.kind == EventKind.SLA_BREACHED for e in events):
            breached.add(clock.incident_id)
        change.events += events
        clock.updated_at = at
        change.note(clock)
    done = list(checked.values())
    _store_checked(done, at)
    return changes, [c for clock in done if (c := _next_check(clock)) is not None], left


def _store_checked(checked: list[SlaClock], at: datetime) -> None:
    """Store what checks changed: one UPDATE per outcome (state and thresholds fired, a handful
    whatever the number of clocks), not `bulk_update`'s CASE per clock, which costs more to
    build than the checks themselves. A breach dates itself at the due time, as `_crossed`."""
    outcomes: dict[tuple[str, tuple[int, ...], bool], list[int]] = {}
    for clock in checked:
        breached = clock.state == ClockState.BREACHED and clock.breached_at == clock.due_at
        outcomes.setdefault((clock.state, tuple(clock.fired), breached), []).append(clock.pk)
    for (state, fired, breached), pks in outcomes.items():
        values: dict[str, object] = {"state": state, "fired": list(fired), "updated_at": at}
        if breached:
            values["breached_at"] = F("due_at")
        SlaClock.objects.filter(pk__in=pks).update(**values)


# --- information requests ----------------------------------------------------------------

DEFAULT_ANSWER_DAYS = 3
REMIND_AT_SHARE = 2 / 3


def answer_deadline(incident: Incident, at: datetime) -> datetime:
    """By when the customer should answer an information request made at `at`: the policy's
    working days on the resolution clock's calendar (calendar days without a clock)."""
    policy = policy_for(incident)
    days = policy.info_request_days if policy else DEFAULT_ANSWER_DAYS
    clock = incident.sla_clocks.filter(metric=Metric.RESOLUTION).select_related("calendar").first()
    if clock is None:
        return at + timedelta(days=days)
    return end_of_working_days(at, days, clock.calendar)


def reminder_time(incident: Incident, at: datetime, answer_by: datetime) -> datetime:
    """When to remind the customer: two thirds of the way to the deadline, in business time."""
    clock = incident.sla_clocks.filter(metric=Metric.RESOLUTION).select_related("calendar").first()
    if clock is None:
        return at + (answer_by - at) * REMIND_AT_SHARE
    span = business_between(at, answer_by, clock.calendar)
    return add_business(at, span * REMIND_AT_SHARE, clock.calendar)
