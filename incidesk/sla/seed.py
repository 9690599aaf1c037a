"""The default SLA policy every new desk starts with (editable in the admin)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the historical app registry of a migration
    from django.apps.registry import Apps

DEFAULT_POLICY = "Стандартный / Standard"
PAUSING_REASONS = ("awaiting_customer", "awaiting_vendor")
HOUR = 60

# priority: (response, resolution), each (amount, unit, calendar code)
TARGETS = {
    1: ((15, "business_time", "24x7"), (4 * HOUR, "business_time", "24x7")),
    2: ((1 * HOUR, "business_time", "24x7"), (8 * HOUR, "business_time", "24x7")),
    3: ((4 * HOUR, "business_time", "moscow"), (24 * HOUR, "business_time", "moscow")),
    4: ((8 * HOUR, "business_time", "moscow"), (48 * HOUR, "business_time", "moscow")),
    5: ((2, "working_days", "moscow"), (10, "working_days", "moscow")),
}


def load(apps: Apps) -> None:
    """Create the default policy unless one with its name exists."""
    policy_model = apps.get_model("sla", "SlaPolicy")
    if policy_model.objects.filter(name=DEFAULT_POLICY).exists():
        return
    calendars = {c.code: c for c in apps.get_model("sla", "BusinessCalendar").objects.all()}
    policy = policy_model.objects.create(name=DEFAULT_POLICY, warning_thresholds=[50, 75, 90])
    policy.pausing_hold_reasons.set(
        apps.get_model("catalog", "HoldReason").objects.filter(code__in=PAUSING_REASONS)
    )
    target_model = apps.get_model("sla", "SlaTarget")
    for priority, pair in TARGETS.items():
        for metric, (amount, unit, calendar) in zip(("response", "resolution"), pair, strict=True):
            target_model.objects.create(
                policy=policy,
                priority=priority,
                metric=metric,
                amount=amount,
                unit=unit,
                calendar=calendars[calendar],
            )
