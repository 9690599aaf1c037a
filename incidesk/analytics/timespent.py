"""Time spent in a report: the minutes agents recorded in the period, per agent and per
organisation (what a service provider bills by). Two grouped queries over `TimeEntry`, limited
to the incidents the report counts (the viewer's, narrowed by the filter)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet, Sum

from incidesk.analytics.filters import ReportFilter
from incidesk.analytics.models import IncidentFact
from incidesk.incidents.models import TimeEntry


def time_spent(rows: QuerySet[IncidentFact], f: ReportFilter) -> dict[str, list[dict[str, Any]]]:
    """Minutes recorded in the period on the counted incidents, and on how many incidents, by
    the agent who recorded them and by the incident's organisation; most minutes first."""
    entries = TimeEntry.objects.filter(
        at__gte=f.since, at__lt=f.until, incident_id__in=rows.values("incident_id")
    )
    totals = {"minutes": Sum("minutes"), "incidents": Count("incident", distinct=True)}
    by_agent = (
        entries.values("author__email", "author__full_name")
        .annotate(**totals)
        .order_by("-minutes", "author__email")
    )
    by_organisation = (
        entries.values("incident__organisation__name")
        .annotate(**totals)
        .order_by("-minutes", "incident__organisation__name")
    )
    return {
        "by_agent": [
            {
                "agent": row["author__email"],
                "name": row["author__full_name"] or row["author__email"],
                "minutes": row["minutes"],
                "incidents": row["incidents"],
            }
            for row in by_agent
        ],
        "by_organisation": [
            {
                "organisation": row["incident__organisation__name"],
                "minutes": row["minutes"],
                "incidents": row["incidents"],
            }
            for row in by_organisation
        ],
    }
