"""SLA clocks for an incident whose history is imported rather than lived (the demo loader).

`sla.clocks` moves a clock as things happen, inside the actions, and a worker fires each threshold
when it is reached. An import knows an incident's whole history at once and writes rows in bulk,
so this module replays that history through the same rules instead: a clock starts at
registration, the resolution clock pauses on hold for a pausing reason and resumes after it, the
response clock stops at the first response, both stop at resolution, a reopen resumes resolution
(the time spent in "resolved" counting as a pause), cancelling cancels every clock not yet stopped
(a breached one too). Where a
clock ran past its due time it is breached there, as the worker's check at 100 % would have
breached it (`breached_at` is that due time; a pause credited later moves `due_at`, never the
breach), and `fired` lists every threshold the worker would have fired by the clock's last
running moment, so a worker started afterwards repeats none of them.

The incident's final priority applies from the start, which is what a priority change does to the
due time (`clocks.priority_changed` re-targets from the original start and measures the pauses
again on the new target's calendar); a breach under an earlier, different target is not
replayed.

Pure: the rows come from the arguments and the calendars' cached schedules; no queries, timeline
events or tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from operator import itemgetter
from typing import Any

from incidesk.incidents.status import Status
from incidesk.sla.calendar import business_between, business_seconds, due_time
from incidesk.sla.models import ClockState, Metric, SlaTarget, TargetUnit, pause_entry

BREACH = 100
# `clocks._fire` allows for sub-second rounding when a check runs at a threshold's moment.
ROUNDING = 1e-6


@dataclass(frozen=True)
class StatusChange:
    """One `status_changed` timeline event: what `clocks.status_changed` was called with."""

    at: datetime
    old: str
    new: str
    hold_reason: str | None = None


@dataclass
class _Clock:
    """One clock during the replay, with the fields `sla.clocks` keeps on `SlaClock`. Each method
    mirrors the `sla.clocks` hook of the same meaning, minus the queries and events."""

    metric: Metric
    target: SlaTarget
    started_at: datetime
    paused_seconds: int = 0
    paused_since: datetime | None = None
    pauses: list[list[str]] = field(default_factory=list)
    state: ClockState = ClockState.RUNNING
    stopped_at: datetime | None = None
    breached_at: datetime | None = None
    due_at: datetime = field(init=False)
    updated_at: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.updated_at = self.started_at
        self._refresh_due()

    def _refresh_due(self) -> None:
        paused = timedelta(seconds=self.paused_seconds)
        target = self.target
        self.due_at = due_time(self.started_at, target.amount, target.unit, paused, target.calendar)

    def run_until(self, at: datetime) -> None:
        """The worker's check at 100 %: a clock still running after its due time breached at it.
        While a clock runs, its pause total, hence its due time, cannot change, so checking before
        each change and at the end finds every breach."""
        if self.state == ClockState.RUNNING and self.due_at < at:
            self.state = ClockState.BREACHED
            self.breached_at = self.updated_at = self.due_at

    def pause(self, at: datetime) -> None:
        if self.stopped_at is None and self.paused_since is None:
            self.paused_since, self.updated_at = at, at
            if self.state == ClockState.RUNNING:
                self.state = ClockState.PAUSED

    def resume(self, at: datetime, *, reopened: bool) -> None:
        if self.state == ClockState.CANCELLED:
            return
        if reopened and self.stopped_at is not None:
            self.paused_since, self.stopped_at = self.stopped_at, None
        if self.paused_since is None:
            return
        self._account_pause(at)
        if self.state in (ClockState.PAUSED, ClockState.MET):
            self.state = ClockState.RUNNING
        self.updated_at = at

    def stop(self, at: datetime) -> None:
        if self.stopped_at is not None or self.state == ClockState.CANCELLED:
            return
        self._account_pause(at)
        self.stopped_at, self.updated_at = at, at
        if self.state != ClockState.BREACHED:
            self.state = ClockState.MET

    def cancel(self, at: datetime) -> None:
        if self.stopped_at is None and self.state != ClockState.CANCELLED:
            self._account_pause(at)
            self.state, self.stopped_at, self.updated_at = ClockState.CANCELLED, at, at

    def _account_pause(self, at: datetime) -> None:
        if self.paused_since is not None:
            self.pauses.append(pause_entry(self.paused_since, at))
            self.paused_seconds += business_seconds([(self.paused_since, at)], self.target.calendar)
            self.paused_since = None
            self._refresh_due()

    def fired(self, thresholds: Sequence[int], now: datetime) -> list[int]:
        """The thresholds passed by the clock's last running moment (all, and the breach, once
        breached), as `clocks._fire` would have recorded them."""
        if self.breached_at is not None:
            return sorted({*thresholds, BREACH})
        end = self.stopped_at or self.paused_since or now
        paused = timedelta(seconds=self.paused_seconds)
        budget = self._budget()
        if budget <= timedelta(0):
            return list(thresholds)  # `clocks.percent_used` counts it as 100 % used at once
        # Business time never exceeds real time, and most clocks stop well before their first
        # threshold: the elapsed time proves it without a walk over the calendar.
        if BREACH * ((end - self.started_at - paused) / budget) + ROUNDING < min(
            thresholds, default=BREACH
        ):
            return []
        used = business_between(self.started_at, end, self.target.calendar) - paused
        reached = BREACH * (used / budget) + ROUNDING
        return [threshold for threshold in thresholds if threshold <= reached]

    def _budget(self) -> timedelta:
        """`clocks.budget`. A business-time target's budget is its amount by the definition of
        `due_time`, which saves a walk over the calendar per clock in a million-incident load."""
        if self.target.unit == TargetUnit.BUSINESS_TIME:
            return timedelta(minutes=self.target.amount)
        paused = timedelta(seconds=self.paused_seconds)
        return business_between(self.started_at, self.due_at, self.target.calendar) - paused

    def row(self, thresholds: Sequence[int], now: datetime) -> dict[str, Any]:
        """The `SlaClock` row by attribute name, without the incident."""
        return {
            "metric": self.metric,
            "calendar_id": self.target.calendar_id,
            "amount": self.target.amount,
            "unit": self.target.unit,
            "started_at": self.started_at,
            "paused_seconds": self.paused_seconds,
            "paused_since": self.paused_since,
            "pauses": self.pauses,
            "state": self.state,
            "due_at": self.due_at,
            "stopped_at": self.stopped_at,
            "breached_at": self.breached_at,
            "fired": self.fired(thresholds, now),
            "updated_at": self.updated_at,
        }


def replay(
    *,
    targets: Mapping[Metric, SlaTarget],
    started_at: datetime,
    first_response_at: datetime | None,
    changes: Iterable[StatusChange],
    pausing: Collection[str],
    thresholds: Sequence[int],
    now: datetime,
) -> list[dict[str, Any]]:
    """The `SlaClock` rows `sla.clocks` would have left by `now` for an incident registered at
    `started_at` that went through `changes` (in order) and was first answered at
    `first_response_at`: one per metric in `targets` (its policy's targets for its priority),
    response first, the order the clocks start in. `pausing` are the policy's hold reasons that
    pause resolution, `thresholds` its warning thresholds."""
    clocks = {
        metric: _Clock(metric, target, started_at)
        for metric in Metric
        if (target := targets.get(metric)) is not None
    }
    moments: list[tuple[datetime, Callable[[], None]]] = [
        (change.at, partial(_status_changed, clocks, change, pausing)) for change in changes
    ]
    response = clocks.get(Metric.RESPONSE)
    if response is not None and first_response_at is not None:
        moments.append((first_response_at, partial(response.stop, first_response_at)))
    for at, apply in sorted(moments, key=itemgetter(0)):
        for clock in clocks.values():
            clock.run_until(at)
        apply()
    for clock in clocks.values():
        clock.run_until(now)
    return [clock.row(thresholds, now) for clock in clocks.values()]


def _status_changed(
    clocks: dict[Metric, _Clock], change: StatusChange, pausing: Collection[str]
) -> None:
    """`clocks.status_changed`: pause, resume, stop or cancel as the incident moved."""
    resolution = clocks.get(Metric.RESOLUTION)
    if change.new == Status.ON_HOLD:
        if resolution is not None and change.hold_reason in pausing:
            resolution.pause(change.at)
    elif change.new == Status.IN_PROGRESS and change.old in (Status.ON_HOLD, Status.RESOLVED):
        if resolution is not None:
            resolution.resume(change.at, reopened=change.old == Status.RESOLVED)
    elif change.new == Status.RESOLVED:
        for clock in clocks.values():
            clock.stop(change.at)
    elif change.new == Status.CANCELLED:
        for clock in clocks.values():
            clock.cancel(change.at)
