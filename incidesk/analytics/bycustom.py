"""A report grouped by a custom field (one choice, several choices or yes/no): per value, the
incidents registered in the period, how many are open now, resolved, with a breached SLA
target, and their mean time to resolve.

One grouped query over the report's facts joined to the incident's stored value, so a stored
value of a choice removed since still has its row (by its code): a definition change loses
nothing here either. A several-choices value is grouped by the whole list, then each list's
counts are added to each of its choices here (one row per distinct list, never per incident):
an incident counts under each of its choices, so those rows may add up to more than the
registered total.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.fields.json import KeyTransform
from django.utils.translation import gettext as _

from incidesk.analytics.filters import ReportFilter
from incidesk.analytics.models import OPEN, IncidentFact
from incidesk.fields import definitions

COUNTS = ("registered", "open", "resolved", "breached")


@dataclass
class Group:
    """One value's figures; `value` is the stored value (a choice code, a boolean, None)."""

    value: Any
    label: str
    registered: int = 0
    open: int = 0
    resolved: int = 0
    breached: int = 0
    resolution_seconds: int = 0

    @property
    def mttr(self) -> float | None:
        """Mean time to resolve (wall clock, seconds) of those resolved."""
        return self.resolution_seconds / self.resolved if self.resolved else None


@dataclass(frozen=True)
class FieldGroups:
    code: str
    label: str
    groups: list[Group] = field(default_factory=list)


def by_field(rows: QuerySet[IncidentFact], f: ReportFilter) -> FieldGroups | None:
    """The incidents registered in the period, grouped by `f.group_by`'s value; most first,
    no value last. None without a grouping (or for a field no longer defined)."""
    known = definitions.current() if f.group_by else None
    definition = known.get(f.group_by) if known is not None else None
    if known is None or definition is None:
        return None
    found = (
        rows.filter(created_at__gte=f.since, created_at__lt=f.until)
        .annotate(value=KeyTransform(definition.code, "incident__custom"))
        .order_by()
        .values_list("value")
        .annotate(
            registered=Count("*"),
            open=Count("created_at", filter=Q(status__in=OPEN)),
            resolved=Count("resolution_seconds"),
            breached=Count(
                "created_at", filter=Q(response_breached=True) | Q(resolution_breached=True)
            ),
            resolution_seconds=Sum("resolution_seconds"),
        )
    )
    groups: dict[Any, Group] = {}
    totals: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    seconds: dict[Any, int] = defaultdict(int)
    for value, *figures in found:
        counts = dict(zip(COUNTS, figures[:4], strict=True))
        for key in _keys(value):
            for name, n in counts.items():
                totals[key][name] += n
            seconds[key] += figures[4] or 0
    for key, counts in totals.items():
        label = known.display(definition.code, key) if key is not None else _("no value")
        groups[key] = Group(key, label, **counts, resolution_seconds=seconds[key])
    ordered = sorted(groups.values(), key=lambda g: (g.value is None, -g.registered, str(g.value)))
    return FieldGroups(definition.code, definition.label, ordered)


def _keys(value: Any) -> list[Any]:
    """The values a stored value counts under: each choice of a list; an empty one is None."""
    if isinstance(value, list):
        return [str(v) for v in value] or [None]
    if value is None or value == "":
        return [None]
    return [value if isinstance(value, bool) else str(value)]
