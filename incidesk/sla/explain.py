"""The story of an incident's SLA clocks: when each started and against what target, when and why
it paused, how its target changed, when it warned, and whether it was met or breached.

Agents get every step; customers get plain words ("paused 1 h 15 min while we waited for your
answer") and none of the desk's internal signals (warnings, escalation, thresholds). Texts are in
the active language; times inside them in the viewer's time zone.

Nothing is stored for this: the story is replayed on every read from the clock rows (the start,
the first-response stop, the cancellation, the breach moment) and the SLA events of the timeline.
Those events are internal on the timeline (`is_public=False`), so this module reads them all and
decides itself what a customer may read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from operator import itemgetter
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from incidesk.accounts.models import User
from incidesk.catalog.models import HoldReason
from incidesk.incidents.models import EventKind, Incident, TimelineEvent
from incidesk.incidents.status import Status
from incidesk.sla.calendar import business_between, due_time
from incidesk.sla.clocks import policy_for
from incidesk.sla.models import ClockState, Metric, SlaClock, SlaTarget, TargetUnit

TESTING = "testing"  # the `sla_resumed` reason when a reopen ends the customer's testing time
_STOPPING = (Status.RESOLVED, Status.CANCELLED)


class StepKind(StrEnum):
    STARTED = "started"
    PAUSED = "paused"
    RESUMED = "resumed"
    RETARGETED = "retargeted"
    WARNED = "warned"
    BREACHED = "breached"
    ESCALATED = "escalated"
    MET = "met"
    STOPPED = "stopped"  # stopped after a breach: not "met"
    CANCELLED = "cancelled"


# The desk's own alarms: a customer is told the outcome, not how close the desk came to it.
INTERNAL = frozenset({StepKind.WARNED, StepKind.ESCALATED})

_EVENTS = (
    EventKind.CREATED,
    EventKind.STATUS_CHANGED,
    EventKind.SLA_PAUSED,
    EventKind.SLA_RESUMED,
    EventKind.SLA_RETARGETED,
    EventKind.SLA_WARNING,
    EventKind.SLA_BREACHED,
    EventKind.ESCALATED,
)


@dataclass(frozen=True)
class Step:
    """One line of the story: what happened to which clock, and when."""

    at: datetime
    metric: Metric
    kind: StepKind
    text: str


def clocks_in_order(incident: Incident) -> list[SlaClock]:
    """The incident's clocks, response first: the rows have no order of their own. Uses the
    prefetched clocks when the incident has them."""
    order: list[str] = list(Metric)
    return sorted(incident.sla_clocks.all(), key=lambda clock: order.index(clock.metric))


def explain(incident: Incident, viewer: User) -> list[Step]:
    """The clocks' story, oldest first, as `viewer` may read it."""
    clocks = clocks_in_order(incident)
    if not clocks:
        return []
    events = list(incident.events.filter(kind__in=_EVENTS).order_by("at", "id"))
    return _Narrator(incident, viewer, clocks, events).story()


# --- wording ----------------------------------------------------------------------------------


def duration(seconds: int) -> str:
    """A business duration to the nearest minute, as people say it: "2 h 10 min"."""
    hours, minutes = divmod((seconds + 30) // 60, 60)
    if hours and minutes:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    if hours:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(minutes)d min") % {"minutes": minutes}


def _target(target: SlaTarget) -> str:
    """A target as it follows "within": "24 h of business time", "2 working days"."""
    amount = target.amount
    if target.unit == TargetUnit.WORKING_DAYS:
        return ngettext("%(n)d working day", "%(n)d working days", amount) % {"n": amount}
    if target.calendar.always_open:
        return _("%(duration)s around the clock") % {"duration": duration(amount * 60)}
    return _("%(duration)s of business time") % {"duration": duration(amount * 60)}


# Customers are told why a pause happened in their own terms; any other reason a policy may
# name as pausing is simply "on hold" (the `None` entry).
_PAUSED_FOR = {
    HoldReason.AWAITING_CUSTOMER: gettext_lazy(
        "The clock was paused for %(duration)s while we waited for your answer."
    ),
    "awaiting_vendor": gettext_lazy(
        "The clock was paused for %(duration)s while we waited for a supplier."
    ),
    None: gettext_lazy("The clock was paused for %(duration)s while the work was on hold."),
}
_PAUSED_SINCE = {
    HoldReason.AWAITING_CUSTOMER: gettext_lazy(
        "The clock has been paused since %(start)s while we wait for your answer."
    ),
    "awaiting_vendor": gettext_lazy(
        "The clock has been paused since %(start)s while we wait for a supplier."
    ),
    None: gettext_lazy("The clock has been paused since %(start)s while the work is on hold."),
}


# --- the replay -------------------------------------------------------------------------------


class _Narrator:
    """Walks the clocks' history in time order, keeping what the wording depends on: which
    clocks are stopped and which have breached at each moment."""

    def __init__(
        self, incident: Incident, viewer: User, clocks: list[SlaClock], events: list[TimelineEvent]
    ) -> None:
        self.incident = incident
        self.staff = viewer.is_desk_staff
        self.zone = ZoneInfo(viewer.time_zone or settings.TIME_ZONE)
        self.clocks = {clock.metric: clock for clock in clocks}
        self.events = events
        self.stopped: set[str] = set()
        self.breached: set[str] = set()
        self.pause_ends = _pause_ends(events)
        self.reasons = self._reason_names() if self.staff else {}

    def story(self) -> list[Step]:
        """Every moment in order. At equal times (one action often does several things) the
        starts come first, then the clocks' own stops (first response, cancellation), then the
        events, in the order they were written: hence the rank."""
        moments: list[tuple[datetime, int, Callable[[], Step | None]]] = []
        for clock in self.clocks.values():
            moments.append((clock.started_at, 0, partial(self._started, clock)))
            stopped_at = clock.stopped_at  # a cancelled clock is stopped too
            if stopped_at is None:
                continue
            if clock.state == ClockState.CANCELLED:
                moments.append((stopped_at, 1, partial(self._cancelled, clock, stopped_at)))
            elif clock.metric == Metric.RESPONSE:
                moments.append((stopped_at, 1, partial(self._responded, clock, stopped_at)))
        handlers: dict[str, Callable[[TimelineEvent], Step | None]] = {
            EventKind.STATUS_CHANGED: self._status_changed,
            EventKind.SLA_PAUSED: self._paused,
            EventKind.SLA_RESUMED: self._resumed,
            EventKind.SLA_RETARGETED: self._retargeted,
            EventKind.SLA_WARNING: self._warned,
            EventKind.SLA_BREACHED: self._breached,
            EventKind.ESCALATED: self._escalated,
        }
        moments.extend(
            (event.at, 2, partial(handlers[event.kind], event))
            for event in self.events
            if event.kind in handlers
        )
        steps = [tell() for _at, _rank, tell in sorted(moments, key=itemgetter(0, 1))]
        return [
            step for step in steps if step is not None and (self.staff or step.kind not in INTERNAL)
        ]

    # --- helpers ---

    def _moment(self, value: datetime | str) -> str:
        """A time as the viewer reads it on their wall clock: "17:45, 13 November"."""
        instant = datetime.fromisoformat(value) if isinstance(value, str) else value
        return formats.date_format(timezone.localtime(instant, self.zone), "H:i, j E")

    def _reason_names(self) -> dict[str, str]:
        codes = {e.data.get("reason") for e in self.events if e.kind == EventKind.SLA_PAUSED}
        return {r.code: r.name for r in HoldReason.objects.filter(code__in=codes)}

    def _clock(self, event: TimelineEvent) -> SlaClock | None:
        return self.clocks.get(event.data.get("metric"))

    def _step(self, at: datetime, clock: SlaClock, kind: StepKind, text: str) -> Step:
        return Step(at=at, metric=Metric(clock.metric), kind=kind, text=text)

    def _label(self, clock: SlaClock) -> str:
        return str(Metric(clock.metric).label)

    def _start_target(self, clock: SlaClock) -> tuple[int, SlaTarget | None]:
        """The priority and target the clock started with. A clock keeps only its current
        target; once re-targeted, the first target is the policy's for the priority before the
        first change (None if the policy no longer has one: better unsaid than guessed)."""
        retarget = next(
            (
                e
                for e in self.events
                if e.kind == EventKind.SLA_RETARGETED and e.data["metric"] == clock.metric
            ),
            None,
        )
        if retarget is None:
            priority = next(
                (e.data["priority"] for e in self.events if e.kind == EventKind.CREATED),
                self.incident.priority,
            )
            # Unsaved: the clock's own copy of its target, in the shape of a policy's.
            return priority, SlaTarget(
                priority=priority,
                metric=clock.metric,
                amount=clock.amount,
                unit=clock.unit,
                calendar=clock.calendar,
            )
        priority = retarget.data["old_priority"]
        policy = policy_for(self.incident)
        if policy is None:
            return priority, None
        return priority, (
            policy.targets.select_related("calendar")
            .filter(priority=priority, metric=clock.metric)
            .first()
        )

    # --- the clocks' own moments ---

    def _started(self, clock: SlaClock) -> Step:
        priority, target = self._start_target(clock)
        if target is None:
            if self.staff:
                text = _("%(metric)s: clock started at P%(priority)d.") % {
                    "metric": self._label(clock),
                    "priority": priority,
                }
            elif clock.metric == Metric.RESPONSE:
                text = _("We started counting the time to reply.")
            else:
                text = _("We started counting the time to resolve it.")
            return self._step(clock.started_at, clock, StepKind.STARTED, text)
        due = due_time(clock.started_at, target.amount, target.unit, timedelta(0), target.calendar)
        values = {
            "metric": self._label(clock),
            "priority": priority,
            "target": _target(target),
            "due": self._moment(due),
        }
        if self.staff:
            text = _("%(metric)s: clock started at P%(priority)d: within %(target)s, due %(due)s.")
        elif clock.metric == Metric.RESPONSE:
            text = _("We aim to reply within %(target)s, by %(due)s.")
        else:
            text = _("We aim to resolve it within %(target)s, by %(due)s.")
        return self._step(clock.started_at, clock, StepKind.STARTED, text % values)

    def _responded(self, clock: SlaClock, at: datetime) -> Step:
        """The response clock stops once, at the first response (or at resolution without one)."""
        self.stopped.add(clock.metric)
        return self._stop(at, clock, met=clock.breached_at is None)

    def _cancelled(self, clock: SlaClock, at: datetime) -> Step:
        self.stopped.add(clock.metric)
        if self.staff:
            text = _("%(metric)s: clock cancelled with the incident.") % {
                "metric": self._label(clock)
            }
        elif clock.metric == Metric.RESPONSE:
            text = _("The expected response time no longer applies: the incident was cancelled.")
        else:
            text = _("The expected resolution time no longer applies: the incident was cancelled.")
        return self._step(at, clock, StepKind.CANCELLED, text)

    def _stop(self, at: datetime, clock: SlaClock, *, met: bool) -> Step:
        response = clock.metric == Metric.RESPONSE
        if self.staff:
            text = (
                _("%(metric)s: target met, clock stopped.")
                if met
                else _("%(metric)s: clock stopped after the breach.")
            ) % {"metric": self._label(clock)}
        elif met:
            text = (
                _("We replied within the expected time.")
                if response
                else _("We resolved it within the expected time.")
            )
        else:
            text = (
                _("We replied, later than expected.")
                if response
                else _("We resolved it, later than expected.")
            )
        return self._step(at, clock, StepKind.MET if met else StepKind.STOPPED, text)

    # --- timeline events ---

    def _status_changed(self, event: TimelineEvent) -> Step | None:
        """Resolution stops the resolution clock; a reopen resumes it (see `_resumed`)."""
        clock = self.clocks.get(Metric.RESOLUTION)
        if event.data.get("new") != Status.RESOLVED or clock is None:
            return None
        self.stopped.add(clock.metric)
        return self._stop(event.at, clock, met=clock.metric not in self.breached)

    def _paused(self, event: TimelineEvent) -> Step | None:
        """Agents read the span and the reason; customers how long it lasted, in their terms."""
        clock = self._clock(event)
        if clock is None:
            return None
        reason = event.data.get("reason")
        end = self.pause_ends.get(event.pk)
        start = self._moment(event.at)
        if self.staff:
            values = {
                "metric": self._label(clock),
                "start": start,
                "reason": self.reasons.get(reason, reason),
            }
            if end is None:
                text = _("%(metric)s: paused since %(start)s (%(reason)s).") % values
            else:
                values["end"] = self._moment(end.at)
                text = _("%(metric)s: paused from %(start)s to %(end)s (%(reason)s).") % values
        elif end is None:
            text = _PAUSED_SINCE.get(reason, _PAUSED_SINCE[None]) % {"start": start}
        else:
            if end.kind == EventKind.SLA_RESUMED:
                seconds = end.data["credited_seconds"]
            else:  # stopped while paused: the pause was credited without a resume event
                seconds = int(business_between(event.at, end.at, clock.calendar).total_seconds())
            text = _PAUSED_FOR.get(reason, _PAUSED_FOR[None]) % {"duration": duration(seconds)}
        return self._step(event.at, clock, StepKind.PAUSED, text)

    def _resumed(self, event: TimelineEvent) -> Step | None:
        clock = self._clock(event)
        if clock is None:
            return None
        credited = duration(event.data["credited_seconds"])
        values = {"metric": self._label(clock), "duration": credited}
        if event.data.get("reason") == TESTING:
            self.stopped.discard(clock.metric)
            if self.staff:
                text = _(
                    "%(metric)s: clock resumed on reopen, due time moved by %(duration)s "
                    "spent in testing."
                )
            else:
                text = _(
                    "The incident was reopened and the clock is running again; the time while "
                    "you checked the solution (%(duration)s) did not count."
                )
        elif self.staff:
            text = _("%(metric)s: clock resumed, due time moved by %(duration)s.")
        else:
            text = _("The clock is running again.")
        return self._step(event.at, clock, StepKind.RESUMED, text % values)

    def _retargeted(self, event: TimelineEvent) -> Step | None:
        clock = self._clock(event)
        if clock is None:
            return None
        data = event.data
        if self.staff:
            text = _(
                "%(metric)s: target changed with the priority, P%(old)d → P%(new)d: "
                "due %(new_due)s instead of %(old_due)s."
            ) % {
                "metric": self._label(clock),
                "old": data["old_priority"],
                "new": data["new_priority"],
                "new_due": self._moment(data["new_due"]),
                "old_due": self._moment(data["old_due"]) if data["old_due"] else "—",
            }
        elif clock.metric in self.stopped:
            return None  # a customer has no use for the new due time of a finished clock
        elif clock.metric == Metric.RESPONSE:
            text = _(
                "The expected response time changed because the priority changed: now by %(due)s."
            ) % {"due": self._moment(data["new_due"])}
        else:
            text = _(
                "The expected resolution time changed because the priority changed: now by %(due)s."
            ) % {"due": self._moment(data["new_due"])}
        return self._step(event.at, clock, StepKind.RETARGETED, text)

    def _warned(self, event: TimelineEvent) -> Step | None:
        clock = self._clock(event)
        if clock is None:
            return None
        text = _("%(metric)s: %(threshold)d%% of the time used, due %(due)s.") % {
            "metric": self._label(clock),
            "threshold": event.data["threshold"],
            "due": self._moment(event.data["due"]),
        }
        return self._step(event.at, clock, StepKind.WARNED, text)

    def _breached(self, event: TimelineEvent) -> Step | None:
        """Told when it was found (the event), naming the due time that passed (the clock's
        permanent `breached_at`): a breach found at a re-target may be hours old."""
        clock = self._clock(event)
        if clock is None or clock.breached_at is None:  # the event comes with `breached_at`
            return None
        self.breached.add(clock.metric)
        due = self._moment(clock.breached_at)
        if self.staff:
            text = _("%(metric)s: breached, the due time %(due)s has passed.") % {
                "metric": self._label(clock),
                "due": due,
            }
        elif clock.metric == Metric.RESPONSE:
            text = _("We did not reply by the expected time, %(due)s.") % {"due": due}
        else:
            text = _("We did not resolve it by the expected time, %(due)s.") % {"due": due}
        return self._step(event.at, clock, StepKind.BREACHED, text)

    def _escalated(self, event: TimelineEvent) -> Step | None:
        clock = self._clock(event)
        if clock is None:
            return None
        old, new = event.data["old_priority"], event.data["new_priority"]
        values = {"metric": self._label(clock), "old": old, "new": new}
        if old == new:
            text = _("%(metric)s: escalated to the team lead.") % values
        else:
            text = (
                _("%(metric)s: escalated to the team lead; priority raised P%(old)d → P%(new)d.")
                % values
            )
        return self._step(event.at, clock, StepKind.ESCALATED, text)


def _pause_ends(events: list[TimelineEvent]) -> dict[int, TimelineEvent]:
    """Each pause's end, by the pause's id: the next resume of the same metric, or the
    resolution or cancellation that stopped the clock while it was paused. A pause still
    running has none."""
    running: dict[str, TimelineEvent] = {}
    ends: dict[int, TimelineEvent] = {}
    for event in events:
        metric = event.data.get("metric")
        if event.kind == EventKind.SLA_PAUSED:
            running[metric] = event
        elif event.kind == EventKind.SLA_RESUMED and metric in running:
            ends[running.pop(metric).pk] = event
        elif event.kind == EventKind.STATUS_CHANGED and event.data.get("new") in _STOPPING:
            ends.update((pause.pk, event) for pause in running.values())
            running.clear()
    return ends
