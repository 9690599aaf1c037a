"""The reference data every registration and SLA check reads: the priority matrix, the active
SLA policies and their targets with calendars. Kept per process and current across processes
and nodes by the `reference` generation (`core.generations`): reading it costs one small query
instead of three to six, and no SQL compilation, while a change an admin commits is seen by the
next read in every process.

Every save or delete of these models, of a calendar's hours and of its exceptions bumps the
generation (the signal handlers below, in the changing transaction). Code that writes them
without signals (`QuerySet.update`, `bulk_create`) calls `changed()` afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from incidesk.catalog.models import Level, PriorityRule
from incidesk.core.generations import GenerationCache, bump
from incidesk.sla.models import (
    BusinessCalendar,
    CalendarException,
    Metric,
    SlaPolicy,
    SlaTarget,
    WorkingInterval,
)

if TYPE_CHECKING:
    from incidesk.incidents.models import Incident

GENERATION = "reference"
_RANK: dict[str, int] = {Level.HIGH: 1, Level.MEDIUM: 2, Level.LOW: 3}
_METRIC_ORDER = {metric.value: position for position, metric in enumerate(Metric)}


@dataclass(frozen=True)
class Reference:
    """One consistent copy of the reference data. Shared by the whole process: read-only."""

    matrix: Mapping[tuple[str, str], int]
    policies: tuple[SlaPolicy, ...]  # the active ones
    # (policy id, priority) → its targets with their calendars, response first.
    targets: Mapping[tuple[int, int], tuple[SlaTarget, ...]]

    def priority(self, impact: str, urgency: str) -> int:
        """The matrix value for a cell; the ITIL formula if the cell was deleted."""
        found = self.matrix.get((impact, urgency))
        return found if found is not None else _RANK[impact] + _RANK[urgency] - 1

    def policy(self, incident: Incident) -> SlaPolicy | None:
        """The most specific active policy: one naming the incident's organisation, service or
        kind beats one naming fewer of them; the policy naming none is the default."""
        return max(
            (
                p
                for p in self.policies
                if p.organisation_id in (None, incident.organisation_id)
                and p.service_id in (None, incident.service_id)
                and p.kind in ("", incident.kind)
            ),
            key=_specificity,
            default=None,
        )

    def targets_for(self, policy: SlaPolicy, priority: int) -> tuple[SlaTarget, ...]:
        return self.targets.get((policy.pk, priority), ())

    def target(self, policy: SlaPolicy, priority: int, metric: str) -> SlaTarget | None:
        return next((t for t in self.targets_for(policy, priority) if t.metric == metric), None)


def _specificity(policy: SlaPolicy) -> tuple[int, int]:
    named = sum(bool(v) for v in (policy.organisation_id, policy.service_id, policy.kind))
    return named, -policy.pk


def _load() -> Reference:
    matrix = {
        (impact, urgency): priority
        for impact, urgency, priority in PriorityRule.objects.values_list(
            "impact", "urgency", "priority"
        )
    }
    targets: dict[tuple[int, int], list[SlaTarget]] = {}
    for target in SlaTarget.objects.filter(policy__is_active=True).select_related("calendar"):
        targets.setdefault((target.policy_id, target.priority), []).append(target)
    return Reference(
        matrix=matrix,
        policies=tuple(SlaPolicy.objects.filter(is_active=True)),
        targets={
            key: tuple(sorted(found, key=lambda t: _METRIC_ORDER[t.metric]))
            for key, found in targets.items()
        },
    )


_CACHE = GenerationCache(GENERATION, _load)


def current() -> Reference:
    """The reference data as committed (one query while unchanged)."""
    return _CACHE.get()


def changed() -> None:
    """Reference data was written without model signals: make every process reload it."""
    bump(GENERATION)


@receiver([post_save, post_delete], sender=PriorityRule)
@receiver([post_save, post_delete], sender=SlaPolicy)
@receiver([post_save, post_delete], sender=SlaTarget)
@receiver([post_save, post_delete], sender=BusinessCalendar)
@receiver([post_save, post_delete], sender=WorkingInterval)
@receiver([post_save, post_delete], sender=CalendarException)
def _reference_changed(sender: type[Any], **kwargs: Any) -> None:
    """A calendar's hours count too: the cached calendars' `updated_at` keys their schedules
    (`calendar.schedule_for`), and an edit of the hours moves it without a signal."""
    changed()
