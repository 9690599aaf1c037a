"""The active routing rules and triggers, one per-process copy of both (`core.generations`):
registration reads it once for the routing and for whether its events wake a trigger, so
triggers add no query to an intake. Any change to a rule or a trigger bumps the generation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from incidesk.automation.models import RoutingRule, Trigger, TriggerEvent
from incidesk.core.generations import GenerationCache, bump
from incidesk.incidents.models import EventKind

GENERATION = "automation-rules"

# The timeline event kind each trigger event is (the scheduled ones are none: a state lasting a
# time wakes them, `automation.scheduled`).
KINDS: dict[str, str] = {
    TriggerEvent.REGISTERED: EventKind.CREATED,
    TriggerEvent.STATUS_CHANGED: EventKind.STATUS_CHANGED,
    TriggerEvent.CUSTOMER_REPLIED: EventKind.PUBLIC_REPLY,
    TriggerEvent.ASSIGNED: EventKind.ASSIGNED,
    TriggerEvent.SLA_WARNING: EventKind.SLA_WARNING,
    TriggerEvent.SLA_BREACHED: EventKind.SLA_BREACHED,
    TriggerEvent.NO_ANSWER: EventKind.INFO_EXPIRED,
    TriggerEvent.LOW_RATING: EventKind.RATED,
}


@dataclass(frozen=True)
class Rules:
    """Read-only: shared by every thread of the process."""

    routing: list[RoutingRule]
    triggers: list[Trigger]
    listened: frozenset[str]  # the timeline event kinds an active trigger listens to


def _load() -> Rules:
    routing = list(RoutingRule.objects.filter(is_active=True).select_related("team"))
    triggers = list(
        Trigger.objects.filter(is_active=True).select_related(
            "team__lead", "assignee", "watcher", "notify_agent", "notify_team__lead"
        )
    )
    return Rules(routing, triggers, frozenset(KINDS[t.event] for t in triggers if t.event in KINDS))


_CACHE = GenerationCache(GENERATION, _load)


def current() -> Rules:
    """The active rules and triggers in order (one single-row read while unchanged)."""
    return _CACHE.get()


@receiver([post_save, post_delete], sender=RoutingRule)
@receiver([post_save, post_delete], sender=Trigger)
def _changed(**_kwargs: Any) -> None:
    bump(GENERATION)
