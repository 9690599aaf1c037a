"""The desk's KPIs, aggregated in SQL over the incidents a viewer may see.

`build(user, report_filter)` returns every number of the dashboard; the definitions (formula and
clock) are in docs/kpi.md and `definitions.py`. Percentiles are exact and continuous (linear
interpolation between the two nearest values, like PostgreSQL's `percentile_cont`): PostgreSQL
computes them inside the aggregate query, SQLite reads the one or two rows at the right offset
of the ordered set. Nothing loops over incidents in Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    Count,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from incidesk.accounts.models import Team, User
from incidesk.analytics import facts
from incidesk.analytics.filters import ReportFilter
from incidesk.catalog.models import Cause
from incidesk.incidents.access import visible_to
from incidesk.incidents.models import Incident, Kind
from incidesk.incidents.status import Status

OPEN = (Status.NEW, Status.IN_PROGRESS, Status.ON_HOLD)
RESOLVED = (Status.RESOLVED, Status.CLOSED)
METRICS = ("response", "resolution")


class Epoch(Func):
    """Seconds since 1970 of a timestamp, as a float, on both databases."""

    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        template = "((julianday(%(expressions)s) - 2440587.5) * 86400.0)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = "EXTRACT(EPOCH FROM %(expressions)s)"
        return self.as_sql(compiler, connection, template=template, **extra)


class PercentileCont(Aggregate):
    """PostgreSQL's exact continuous percentile."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@dataclass(frozen=True)
class Stats:
    """Count, mean, median and 90th percentile of a set of values (seconds)."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None


def _interpolate(values: list[float], position: float) -> float:
    low = math.floor(position)
    if len(values) == 1:
        return float(values[0])
    return values[0] + (position - low) * (values[1] - values[0])


def distribution(queryset: QuerySet, expression: Any, fractions: tuple[float, ...]) -> tuple:
    """(count, mean, percentile per fraction) of `expression` over the rows, nulls ignored."""
    rows = queryset.annotate(_v=expression).filter(_v__isnull=False)
    aggregates: dict[str, Any] = {"n": Count("_v"), "mean": Avg("_v")}
    if connection.vendor == "postgresql":
        for i, fraction in enumerate(fractions):
            aggregates[f"p{i}"] = PercentileCont("_v", fraction=fraction)
    result = rows.aggregate(**aggregates)
    count = result["n"]
    if connection.vendor == "postgresql":
        return count, result["mean"], [result[f"p{i}"] for i in range(len(fractions))]
    found: list[float | None] = []
    for fraction in fractions:
        if not count:
            found.append(None)
            continue
        position = fraction * (count - 1)
        low = math.floor(position)
        values = list(rows.order_by("_v").values_list("_v", flat=True)[low : low + 2])
        found.append(_interpolate(values, position))
    return count, result["mean"], found


def stats(queryset: QuerySet, expression: Any) -> Stats:
    count, mean, (median, p90) = distribution(queryset, expression, (0.5, 0.9))
    return Stats(count, mean, median, p90)


def percent(part: int, whole: int) -> float | None:
    return None if not whole else 100.0 * part / whole


# --- the sets each KPI is measured over -------------------------------------------------------


def created(base: QuerySet[Incident], f: ReportFilter) -> QuerySet[Incident]:
    return base.filter(created_at__gte=f.since, created_at__lt=f.until)


def responded(base: QuerySet[Incident], f: ReportFilter) -> QuerySet[Incident]:
    return base.filter(first_response_at__gte=f.since, first_response_at__lt=f.until)


def resolved(base: QuerySet[Incident], f: ReportFilter) -> QuerySet[Incident]:
    return base.filter(status__in=RESOLVED, resolved_at__gte=f.since, resolved_at__lt=f.until)


def rated(base: QuerySet[Incident], f: ReportFilter) -> QuerySet[Incident]:
    return base.filter(satisfaction__isnull=False, rated_at__gte=f.since, rated_at__lt=f.until)


# --- KPIs ---------------------------------------------------------------------------------------


def volume(base: QuerySet[Incident], f: ReportFilter) -> dict[str, int]:
    counts = created(base, f).aggregate(
        total=Count("id"),
        incidents=Count("id", filter=Q(kind=Kind.INCIDENT)),
        service_requests=Count("id", filter=Q(kind=Kind.SERVICE_REQUEST)),
        cancelled=Count("id", filter=Q(status=Status.CANCELLED)),
    )
    return counts


def backlog(base: QuerySet[Incident], now: datetime) -> dict[str, Any]:
    """Open now, whatever the period; age = now - registration."""
    open_ = base.filter(status__in=OPEN)
    by_priority = dict(
        open_.order_by()
        .values_list("priority")
        .annotate(n=Count("id"))
        .values_list("priority", "n")
    )
    # Ages mirror registration times: the 90th percentile age is `now` minus the 10th
    # percentile registration time (same interpolation, reversed order).
    count, mean, (median, p10) = distribution(open_, Epoch("created_at"), (0.5, 0.1))
    stamp = now.timestamp()
    age = Stats(
        count,
        None if mean is None else stamp - mean,
        None if median is None else stamp - median,
        None if p10 is None else stamp - p10,
    )
    return {
        "count": count,
        "by_priority": {p: by_priority.get(p, 0) for p in range(1, 6)},
        "age": age,
    }


def durations(base: QuerySet[Incident], f: ReportFilter) -> dict[str, dict[str, Stats]]:
    """MTTA over incidents first answered in the period, MTTR over those resolved in it."""
    sets = {"response": responded(base, f), "resolution": resolved(base, f)}
    return {
        metric: {
            "wall": stats(rows, F(f"kpi__{metric}_seconds")),
            "business": stats(rows, F(f"kpi__{metric}_business_seconds")),
        }
        for metric, rows in sets.items()
    }


def resolution_quality(base: QuerySet[Incident], f: ReportFilter) -> dict[str, Any]:
    counts = resolved(base, f).aggregate(
        resolved=Count("id"),
        reopened=Count("id", filter=Q(reopen_count__gt=0)),
        first_contact=Count("id", filter=Q(kpi__first_contact=True)),
        first_reply=Count("id", filter=Q(kpi__first_reply_resolved=True)),
    )
    whole = counts["resolved"]
    return {
        **counts,
        "reopen_rate": percent(counts["reopened"], whole),
        "first_contact_rate": percent(counts["first_contact"], whole),
        "first_reply_rate": percent(counts["first_reply"], whole),
    }


def _grouped(rows: QuerySet, key: str) -> list[tuple[Any, int]]:
    return list(
        rows.order_by()
        .values_list(key)
        .annotate(n=Count("id"))
        .values_list(key, "n")
        .order_by("-n", key)
    )


def sla(base: QuerySet[Incident], f: ReportFilter) -> dict[str, dict[str, Any]]:
    """Per metric: clocks completed in the period, met and breached, per priority; breaches by
    what the incident was waiting for, by priority and by team."""
    sets = {"response": responded(base, f), "resolution": resolved(base, f)}
    teams = dict(Team.objects.values_list("pk", "name"))
    result = {}
    for metric, rows in sets.items():
        flag = f"kpi__{metric}_breached"
        completed = rows.filter(**{f"{flag}__isnull": False})
        per_priority = {
            p: (n, b)
            for p, n, b in completed.order_by()
            .values_list("priority")
            .annotate(n=Count("id"), b=Count("id", filter=Q(**{flag: True})))
            .values_list("priority", "n", "b")
        }
        total = sum(n for n, _ in per_priority.values())
        breached_total = sum(b for _, b in per_priority.values())
        breaches = completed.filter(**{flag: True})
        result[metric] = {
            "completed": total,
            "met": total - breached_total,
            "breached": breached_total,
            "percent_met": percent(total - breached_total, total),
            "by_priority": [
                {
                    "priority": p,
                    "completed": n,
                    "met": n - b,
                    "breached": b,
                    "percent_met": percent(n - b, n),
                }
                for p, (n, b) in sorted(per_priority.items())
            ],
            "breaches_by_waiting": _grouped(breaches, f"kpi__{metric}_waiting"),
            "breaches_by_team": [(teams.get(team), n) for team, n in _grouped(breaches, "team_id")],
        }
    return result


def csat(base: QuerySet[Incident], f: ReportFilter) -> dict[str, Any]:
    """Ratings given in the period: average, how many of each score, and the same split by
    whether the incident's SLA clocks were met."""
    rows = rated(base, f)
    scores = dict(_grouped(rows, "satisfaction"))
    count = sum(scores.values())
    total = sum(score * n for score, n in scores.items())
    outcome = Case(
        When(
            Q(kpi__response_breached=True) | Q(kpi__resolution_breached=True),
            then=Value("breached"),
        ),
        When(
            Q(kpi__response_breached=False) | Q(kpi__resolution_breached=False),
            then=Value("met"),
        ),
        default=Value("none"),
    )
    split = {
        key: (n, mean)
        for key, n, mean in rows.annotate(outcome=outcome)
        .order_by()
        .values_list("outcome")
        .annotate(n=Count("id"), mean=Avg("satisfaction"))
        .values_list("outcome", "n", "mean")
    }
    return {
        "count": count,
        "average": total / count if count else None,
        "distribution": {score: scores.get(score, 0) for score in range(1, 6)},
        "by_sla": [
            {"sla": key, "count": split[key][0], "average": split[key][1]}
            for key in ("met", "breached", "none")
            if key in split
        ],
    }


def causes(base: QuerySet[Incident], f: ReportFilter) -> list[dict[str, Any]]:
    """Incidents registered in the period with a recorded cause, by top-level cause."""
    rows = (
        created(base, f)
        .filter(cause__isnull=False)
        .annotate(root=Coalesce("cause__parent_id", "cause_id"))
    )
    counted = _grouped(rows, "root")
    names = Cause.objects.in_bulk([root for root, _ in counted])
    return [{"cause": names[root], "count": n} for root, n in counted]


TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def buckets(f: ReportFilter) -> list[date]:
    """Every bucket start of the period, empty ones included."""
    first = f.start
    if f.bucket == "week":
        first -= timedelta(days=first.weekday())
    elif f.bucket == "month":
        first = first.replace(day=1)
    found, day = [], first
    while day <= f.end:
        found.append(day)
        day = bucket_end(day, f.bucket) + timedelta(days=1)
    return found


def bucket_end(start: date, bucket: str) -> date:
    """The last day of the bucket starting at `start`."""
    if bucket == "day":
        return start
    if bucket == "week":
        return start + timedelta(days=6)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _per_bucket(rows: QuerySet, moment: str, f: ReportFilter, **aggregates: Any) -> dict:
    trunc = TRUNC[f.bucket](moment, tzinfo=f.zone)
    result = {}
    for row in rows.annotate(bucket=trunc).order_by().values("bucket").annotate(**aggregates):
        result[timezone.localtime(row.pop("bucket"), f.zone).date()] = row
    return result


def trend(base: QuerySet[Incident], f: ReportFilter) -> list[dict[str, Any]]:
    """Per day, week or month (local, Monday weeks): registered (incidents, service requests),
    resolved, and the mean time to resolve of those resolved in it."""
    registered = _per_bucket(
        created(base, f),
        "created_at",
        f,
        incidents=Count("id", filter=Q(kind=Kind.INCIDENT)),
        service_requests=Count("id", filter=Q(kind=Kind.SERVICE_REQUEST)),
    )
    done = _per_bucket(
        resolved(base, f),
        "resolved_at",
        f,
        resolved=Count("id"),
        mttr=Avg("kpi__resolution_seconds"),
    )
    empty_in = {"incidents": 0, "service_requests": 0}
    empty_out = {"resolved": 0, "mttr": None}
    return [
        {"start": day, **registered.get(day, empty_in), **done.get(day, empty_out)}
        for day in buckets(f)
    ]


@dataclass(frozen=True)
class Report:
    filter: ReportFilter
    now: datetime
    volume: dict[str, int]
    backlog: dict[str, Any]
    durations: dict[str, dict[str, Stats]]
    quality: dict[str, Any]
    sla: dict[str, dict[str, Any]]
    csat: dict[str, Any]
    causes: list[dict[str, Any]]
    trend: list[dict[str, Any]]


def incidents(user: User, f: ReportFilter) -> QuerySet[Incident]:
    """What the report counts: the incidents `user` may see, narrowed by the filter."""
    return visible_to(user).filter(f.q())


def build(user: User, f: ReportFilter) -> Report:
    """Every KPI for the viewer and filter, after bringing the per-incident facts up to date."""
    facts.sync()
    base = incidents(user, f)
    now = timezone.now()
    return Report(
        filter=f,
        now=now,
        volume=volume(base, f),
        backlog=backlog(base, now),
        durations=durations(base, f),
        quality=resolution_quality(base, f),
        sla=sla(base, f),
        csat=csat(base, f),
        causes=causes(base, f),
        trend=trend(base, f),
    )
