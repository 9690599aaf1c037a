"""Time spent in a report: the minutes agents recorded in the period, per agent and per
organisation (what a service provider bills by). Two grouped queries over `TimeEntry`, limited
to the incidents the report counts (the viewer's, narrowed by the filter). An entry a merge moved
is counted on the incident it is on now, once, and billed to the organisation of the incident it
was spent on (`TimeEntry.moved_from`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, Exists, F, OuterRef, QuerySet, Sum, When

from incidesk.analytics.filters import ReportFilter
from incidesk.analytics.models import IncidentFact
from incidesk.incidents.models import TimeEntry


def time_spent(rows: QuerySet[IncidentFact], f: ReportFilter) -> dict[str, list[dict[str, Any]]]:
    """Minutes recorded in the period on the counted incidents, and on how many incidents, by
    the agent who recorded them and by the billed organisation; most minutes first."""
    # EXISTS per entry of the period, not IN: SQLite built the whole IN list first (every
    # fact of the period, 400 ms at a million incidents) even for no entries at all.
    counted = Exists(rows.filter(incident_id=OuterRef("incident_id")))
    entries = TimeEntry.objects.filter(counted, at__gte=f.since, at__lt=f.until).order_by()
    minutes, incidents = Sum("minutes"), Count("incident", distinct=True)
    by_agent = (
        entries.values_list("author__email", "author__full_name")
        .annotate(minutes=minutes, incidents=incidents)
        .order_by("-minutes", "author__email")
    )
    billed = Case(
        When(moved_from__isnull=False, then=F("moved_from__organisation__name")),
        default=F("incident__organisation__name"),
    )
    by_organisation = (
        entries.annotate(billed=billed)
        .values_list("billed")
        .annotate(minutes=minutes, incidents=incidents)
        .order_by("-minutes", "billed")
    )
    return {
        "by_agent": [
            {"agent": email, "name": name or email, "minutes": total, "incidents": count}
            for email, name, total, count in by_agent
        ],
        "by_organisation": [
            {"organisation": organisation, "minutes": total, "incidents": count}
            for organisation, total, count in by_organisation
        ],
    }
