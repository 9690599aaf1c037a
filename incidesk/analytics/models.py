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
# (duration, the moment its set is defined by, the index walked for its percentiles)
WALKS = [
    ("response_seconds", "first_response_at", "fact_walk_response"),
    ("response_business_seconds", "first_response_at", "fact_walk_response_business"),
    ("resolution_seconds", "resolved_at", "fact_walk_resolution"),
    ("resolution_business_seconds", "resolved_at", "fact_walk_resolution_business"),
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
            # The exact percentiles of a whole-desk report walk a duration in value order,
            # skipping what lies outside the period (`analytics.hourly.walk`).
            *(models.Index(fields=[value, moment], name=name) for value, moment, name in WALKS),
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


class FactHour(models.Model):
    """One UTC hour of one KPI set, for one group: the facts' counts and sums, kept by
    `analytics.hourly` in the same transaction as the facts, so that a report without
    dimension filters adds up a few rows per hour instead of reading every fact.

    `part` names the set and what the row is grouped by: `created` (by cause), `responded` and
    `resolved` (by priority), `response_breach` and `resolution_breach` (by what the incident
    was waiting for and its team), `rated` (by score and SLA outcome). Columns a part does not
    group or count by stay at their defaults."""

    hour = models.DateTimeField()
    part = models.CharField(max_length=20)
    priority = models.PositiveSmallIntegerField(null=True)
    cause_id = models.BigIntegerField(null=True)
    team_id = models.BigIntegerField(null=True)
    waiting = models.CharField(max_length=64, blank=True)
    score = models.PositiveSmallIntegerField(null=True)
    outcome = models.CharField(max_length=8, blank=True)
    n = models.PositiveIntegerField(default=0)
    incidents = models.PositiveIntegerField(default=0)
    service_requests = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    breached = models.PositiveIntegerField(default=0)
    wall_sum = models.BigIntegerField(default=0)
    business_n = models.PositiveIntegerField(default=0)
    business_sum = models.BigIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    first_contact = models.PositiveIntegerField(default=0)
    first_reply = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("facts per hour")
        verbose_name_plural = _("facts per hour")
        indexes = [models.Index(fields=["part", "hour"], name="facthour_part_hour")]

    def __str__(self) -> str:
        return f"{self.part} {self.hour:%Y-%m-%d %H}h"
