"""Per-incident figures that SQL cannot compute (durations in business time on the SLA
calendar, what the timeline says about the conversation), next to a copy of the incident's
report dimensions and moments, so that every KPI reads this one narrow table without a join.

A fact is derived data, rebuilt from the incident, its SLA clocks and its timeline by
`analytics.facts`; `version` is the incident version it was computed from, so a stale fact is
recognisable and `incidesk analytics rebuild` can recreate the whole table at any time.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from incidesk.incidents.status import Status

# What the backlog counts, in the order its query and partial index both spell it.
OPEN = (Status.NEW, Status.IN_PROGRESS, Status.ON_HOLD)
# What the KPIs read of each set, besides its moment (see the indexes).
CREATED_READS = ["kind", "status", "cause_id"]
RESPONDED_READS = ["response_seconds", "response_business_seconds", "response_breached", "priority"]
RESOLVED_READS = [
    "resolution_seconds",
    "resolution_business_seconds",
    "resolution_breached",
    "priority",
    "reopen_count",
    "first_contact",
    "first_reply_resolved",
]


class IncidentFact(models.Model):
    """Durations (seconds, wall clock and business time) and outcome flags of one incident,
    with the incident's dimensions and moments as of `version`.

    Null means "does not apply yet": no first response, not resolved, no SLA clock on that
    metric, or the clock has not finished. `*_waiting` says what the incident was waiting for
    when that clock breached (a status, or `on_hold:<hold reason>`), empty when it did not.
    `resolved_at` is the last resolution of an incident that is still resolved or closed (the
    MTTR set), null otherwise. The dimension ids are plain numbers: the facts never join."""

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
    # The incident's dimensions and moments, copied so that no report joins the incident.
    created_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True)
    resolved_at = models.DateTimeField(null=True)
    rated_at = models.DateTimeField(null=True)
    satisfaction = models.PositiveSmallIntegerField(null=True)
    status = models.CharField(max_length=16)
    kind = models.CharField(max_length=16)
    priority = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=8)
    reopen_count = models.PositiveIntegerField(default=0)
    team_id = models.BigIntegerField(null=True)
    assignee_id = models.BigIntegerField(null=True)
    organisation_id = models.BigIntegerField(null=True)
    category_id = models.BigIntegerField(null=True)
    service_id = models.BigIntegerField(null=True)
    cause_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("incident fact")
        verbose_name_plural = _("incident facts")
        # One per moment a KPI set is defined by (the period is always a range of one of them),
        # followed by what the unfiltered report reads of that set, so that the database answers
        # from the index alone (key columns, not INCLUDE: SQLite has no INCLUDE);
        # the breaches of each set apart, as the breach tables read only those; the open
        # incidents for the backlog (its age and priorities straight from the index).
        indexes = [
            models.Index(fields=["created_at", *CREATED_READS], name="fact_created"),
            models.Index(fields=["first_response_at", *RESPONDED_READS], name="fact_responded"),
            models.Index(fields=["resolved_at", *RESOLVED_READS], name="fact_resolved"),
            models.Index(fields=["rated_at"], name="fact_rated"),
            models.Index(
                fields=["first_response_at"],
                condition=Q(response_breached=True),
                name="fact_response_breaches",
            ),
            models.Index(
                fields=["resolved_at"],
                condition=Q(resolution_breached=True),
                name="fact_resolution_breaches",
            ),
            models.Index(
                fields=["created_at", "priority"],
                condition=Q(status__in=OPEN),
                name="fact_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} v{self.version}"


class FactsWatermark(models.Model):
    """How far `facts.sync` has read: the newest incident change and id it has seen. One row."""

    updated_at = models.DateTimeField(null=True)
    incident_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("facts watermark")
        verbose_name_plural = _("facts watermarks")

    def __str__(self) -> str:
        return f"{self.updated_at} #{self.incident_id}"
