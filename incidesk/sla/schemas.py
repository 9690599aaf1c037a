"""How an SLA clock appears in the API."""

from datetime import datetime
from typing import Any

from django.utils import timezone
from ninja import Schema

from incidesk.sla import clocks
from incidesk.sla.explain import StepKind
from incidesk.sla.models import ClockState, Metric, SlaClock


class SlaClockOut(Schema):
    """One SLA metric of an incident, as of the moment of the request."""

    metric: Metric
    state: ClockState
    started_at: datetime
    due_at: datetime | None
    stopped_at: datetime | None
    breached_at: datetime | None
    paused: bool
    breached: bool
    remaining_seconds: int
    percent_used: float

    @staticmethod
    def resolve_paused(obj: SlaClock) -> bool:
        return obj.paused_since is not None

    @staticmethod
    def resolve_breached(obj: SlaClock) -> bool:
        return obj.breached_at is not None

    @staticmethod
    def resolve_remaining_seconds(obj: SlaClock) -> int:
        return int(clocks.progress(obj, timezone.now())[0].total_seconds())

    @staticmethod
    def resolve_percent_used(obj: SlaClock) -> float:
        return round(clocks.progress(obj, timezone.now())[1], 1)


def sla_clock_out(clock: SlaClock, now: datetime) -> dict[str, Any]:
    """`SlaClockOut` as the plain dict ninja would dump, without its getter and validation (the
    201 of a registration answers from it; `test_schemas_out` holds the two equal)."""
    remaining, used = clocks.progress(clock, now)
    return {
        "metric": clock.metric,
        "state": clock.state,
        "started_at": clock.started_at,
        "due_at": clock.due_at,
        "stopped_at": clock.stopped_at,
        "breached_at": clock.breached_at,
        "paused": clock.paused_since is not None,
        "breached": clock.breached_at is not None,
        "remaining_seconds": int(remaining.total_seconds()),
        "percent_used": round(used, 1),
    }


class SlaStepOut(Schema):
    """One line of the story of an incident's clocks, worded for the viewer in the request's
    language; times inside `text` are on the viewer's wall clock."""

    at: datetime
    metric: Metric
    kind: StepKind
    text: str


class SlaStoryOut(Schema):
    """An incident's clocks as of now, and how they got there, oldest first."""

    clocks: list[SlaClockOut]
    story: list[SlaStepOut]
