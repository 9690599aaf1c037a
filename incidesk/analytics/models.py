"""Per-incident figures that SQL cannot compute: durations in business time on the SLA
calendar and what the timeline says about the conversation.

A fact is derived data, rebuilt from the incident, its SLA clocks and its timeline by
`analytics.facts`; `version` is the incident version it was computed from, so a stale fact is
recognisable and `incidesk analytics rebuild` can recreate the whole table at any time.
"""

from __future__ import annotations

from django.db import models


class IncidentFact(models.Model):
    """Durations (seconds, wall clock and business time) and outcome flags of one incident.

    Null means "does not apply yet": no first response, not resolved, no SLA clock on that
    metric, or the clock has not finished. `*_waiting` says what the incident was waiting for
    when that clock breached (a status, or `on_hold:<hold reason>`), empty when it did not."""

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, primary_key=True, related_name="kpi"
    )
    version = models.PositiveIntegerField()
    response_seconds = models.BigIntegerField(null=True)
    response_business_seconds = models.BigIntegerField(null=True)
    resolution_seconds = models.BigIntegerField(null=True)
    resolution_business_seconds = models.BigIntegerField(null=True)
    response_breached = models.BooleanField(null=True)
    resolution_breached = models.BooleanField(null=True)
    response_waiting = models.CharField(max_length=64, blank=True)
    resolution_waiting = models.CharField(max_length=64, blank=True)
    first_contact = models.BooleanField(default=False)
    first_reply_resolved = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.incident_id} v{self.version}"


class FactsWatermark(models.Model):
    """How far `facts.sync` has read: the newest incident change and id it has seen. One row."""

    updated_at = models.DateTimeField(null=True)
    incident_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.updated_at} #{self.incident_id}"
