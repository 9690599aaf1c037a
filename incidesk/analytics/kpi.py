"""The desk's KPIs, aggregated in SQL over the facts of the incidents a viewer may see.

`build(user, report_filter)` returns every number of the dashboard; the definitions (formula and
clock) are in docs/kpi.md and `definitions.py`. Every KPI reads the narrow `IncidentFact` table
alone (it carries a copy of the incident's dimensions and moments), by an index range on the
moment that defines its set, and the aggregates over one set share one query (conditional
counts), so a report costs eight aggregate queries at any size.

Percentiles are exact and continuous (linear interpolation between the two nearest values, like
PostgreSQL's `percentile_cont`): PostgreSQL computes them inside the aggregate query, SQLite
reads the one or two rows at the right offset of the ordered set. Nothing loops over incidents
in Python; what Python folds is one row per group (priority, score, cause, team...).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Avg,
    BooleanField,
    Count,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Sum,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.utils import timezone

from incidesk.accounts.models import Team, User
from incidesk.analytics import facts, hourly
from incidesk.analytics.buckets import as_date, local_bucket
from incidesk.analytics.bycustom import FieldGroups, by_field
from incidesk.analytics.filters import ReportFilter
from incidesk.analytics.models import OPEN, IncidentFact
from incidesk.analytics.timespent import time_spent
from incidesk.catalog.models import Cause
from incidesk.incidents.access import visible_to
from incidesk.incidents.models import Incident, Kind
from incidesk.incidents.status import Status

METRICS = ("response", "resolution")
# The moment each metric's set is defined by, and its hourly part.
MOMENTS = {"response": "first_response_at", "resolution": "resolved_at"}
PARTS = {"response": "responded", "resolution": "resolved"}
PRIORITIES = range(1, 6)
SCORES = range(1, 6)
MEDIAN_P90 = (0.5, 0.9)
SORT_MEMORY = "64MB"
# Counts of a response or resolution set count this never-null column, which the set's index
# carries, so that PostgreSQL reads the index alone (see `IncidentFact.Meta.indexes`).
ROWS = "priority"


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


def summarise(
    rows: QuerySet, values: dict[str, Any], fractions: tuple[float, ...], **aggregates: Any
) -> tuple[dict[str, tuple[int, float | None, list[float | None]]], dict[str, Any]]:
    """One aggregate query over `rows`: for each named value expression its (count, mean,
    percentile per fraction), nulls ignored, and the extra `aggregates`. SQLite reads each
    percentile from the ordered set afterwards (one or two rows at an offset)."""
    rows = rows.annotate(**{f"_{name}": expression for name, expression in values.items()})
    postgres = connection.vendor == "postgresql"
    wanted = dict(aggregates)
    for name in values:
        wanted[f"_n_{name}"] = Count(f"_{name}")
        wanted[f"_mean_{name}"] = Avg(f"_{name}")
        if postgres:
            for i, fraction in enumerate(fractions):
                wanted[f"_p{i}_{name}"] = PercentileCont(f"_{name}", fraction=fraction)
    result = rows.aggregate(**wanted)
    found = {}
    for name in values:
        count = result.pop(f"_n_{name}")
        mean = result.pop(f"_mean_{name}")
        if postgres:
            points = [result.pop(f"_p{i}_{name}") for i in range(len(fractions))]
        else:
            points = _offset_percentiles(rows, f"_{name}", count, fractions)
        found[name] = (count, mean, points)
    return found, result


def _offset_percentiles(
    rows: QuerySet, column: str, count: int, fractions: tuple[float, ...]
) -> list[float | None]:
    """Every fraction's percentile of `column` from one ordered pass: the values at the needed
    positions, numbered by `ROW_NUMBER()` over the set sorted once (a query per fraction
    sorted the whole set each time)."""
    if not count:
        return [None] * len(fractions)
    positions = [fraction * (count - 1) for fraction in fractions]
    wanted = {i + 1 for p in positions for i in (math.floor(p), math.floor(p) + 1) if i < count}
    numbered = (
        rows.filter(**{f"{column}__isnull": False})
        .annotate(_row=Window(RowNumber(), order_by=F(column).asc()))
        .filter(_row__in=sorted(wanted))
        .values_list("_row", column)
    )
    found = dict(numbered.order_by())
    return [
        _interpolate(
            [found[i + 1] for i in (math.floor(p), math.floor(p) + 1) if i + 1 in found], p
        )
        for p in positions
    ]


def _stats(found: tuple[int, float | None, list[float | None]]) -> Stats:
    count, mean, (median, p90) = found
    return Stats(count, mean, median, p90)


def percent(part: int, whole: int) -> float | None:
    return None if not whole else 100.0 * part / whole


def _ranked(counts: dict[Any, int]) -> list[tuple[Any, int]]:
    """Largest first, ties by key, nothing last (the keys are all numbers or all non-empty
    text, so `or 0` only stands in for the one None)."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0] is None, item[0] or 0))


# --- the sets each KPI is measured over -------------------------------------------------------


def created(rows: QuerySet, f: ReportFilter) -> QuerySet:
    """Registered in the period (facts, or incidents for the exports: same field names)."""
    return rows.filter(created_at__gte=f.since, created_at__lt=f.until)


def responded(rows: QuerySet[IncidentFact], f: ReportFilter) -> QuerySet[IncidentFact]:
    return rows.filter(first_response_at__gte=f.since, first_response_at__lt=f.until)


def resolved(rows: QuerySet[IncidentFact], f: ReportFilter) -> QuerySet[IncidentFact]:
    """Resolved in the period and still resolved or closed (a fact's `resolved_at` is only
    set then)."""
    return rows.filter(resolved_at__gte=f.since, resolved_at__lt=f.until)


def rated(rows: QuerySet[IncidentFact], f: ReportFilter) -> QuerySet[IncidentFact]:
    return rows.filter(satisfaction__isnull=False, rated_at__gte=f.since, rated_at__lt=f.until)


# --- KPIs ---------------------------------------------------------------------------------------


def open_now(rows: QuerySet[IncidentFact]) -> QuerySet[IncidentFact]:
    """The open incidents' facts. On SQLite the statuses are written into the SQL: it uses the
    partial index of open facts only for a condition it can see (bound parameters hide it),
    and without it reads every fact of the desk (0.7 s at a million incidents)."""
    if connection.vendor != "sqlite":
        return rows.filter(status__in=OPEN)
    listed = ", ".join(f"'{status}'" for status in OPEN)  # the code's own constants
    condition = f'"{IncidentFact._meta.db_table}"."status" IN ({listed})'
    return rows.filter(RawSQL(condition, [], output_field=BooleanField()))  # noqa: S611


def backlog(rows: QuerySet[IncidentFact], now: datetime) -> dict[str, Any]:
    """Open now, whatever the period; age = now - registration."""
    # Ages mirror registration times: the 90th percentile age is `now` minus the 10th
    # percentile registration time (same interpolation, reversed order). Everything it reads
    # is in the partial index of open incidents (created_at, priority).
    found, by_priority = summarise(
        open_now(rows),
        {"created": Epoch("created_at")},
        (0.5, 0.1),
        **{f"p{p}": Count("created_at", filter=Q(priority=p)) for p in PRIORITIES},
    )
    count, mean, (median, p10) = found["created"]
    stamp = now.timestamp()
    age = Stats(
        count,
        None if mean is None else stamp - mean,
        None if median is None else stamp - median,
        None if p10 is None else stamp - p10,
    )
    return {
        "count": count,
        "by_priority": {p: by_priority[f"p{p}"] for p in PRIORITIES},
        "age": age,
    }


def _metric(
    rows: QuerySet[IncidentFact], metric: str, teams: dict[int, str], **aggregates: Any
) -> tuple[dict[str, Stats], dict[str, Any], dict[str, Any]]:
    """One metric's set (first answered or resolved in the period) in two queries: durations
    with SLA compliance per priority (and `aggregates`), then the breaches by what the incident
    was waiting for and by team. Returns (durations, SLA, extra aggregates)."""
    flag = f"{metric}_breached"
    completed = Q(**{f"{flag}__isnull": False})
    breached = Q(**{flag: True})
    per_priority = {}
    for p in PRIORITIES:
        per_priority[f"_done{p}"] = Count(ROWS, filter=completed & Q(priority=p))
        per_priority[f"_breached{p}"] = Count(ROWS, filter=breached & Q(priority=p))
    found, counts = summarise(
        rows,
        {"wall": F(f"{metric}_seconds"), "business": F(f"{metric}_business_seconds")},
        MEDIAN_P90,
        **per_priority,
        **aggregates,
    )
    groups = (
        rows.filter(breached)
        .order_by()
        .values_list(f"{metric}_waiting", "team_id")
        .annotate(n=Count("pk"))
    )
    priorities = [(p, counts.pop(f"_done{p}"), counts.pop(f"_breached{p}")) for p in PRIORITIES]
    durations = {clock: _stats(found[clock]) for clock in ("wall", "business")}
    return durations, _sla(priorities, groups, teams), counts


def _sla(
    priorities: list[tuple[int, int, int]],
    groups: Iterable[tuple[str, int | None, int]],
    teams: dict[int, str],
) -> dict[str, Any]:
    """SLA compliance from (priority, completed, breached) and the breaches' (what the incident
    was waiting for, team, count)."""
    by_waiting: dict[str, int] = defaultdict(int)
    by_team: dict[int | None, int] = defaultdict(int)
    for waiting, team, n in groups:
        by_waiting[waiting] += n
        by_team[team] += n
    total = sum(n for _p, n, _b in priorities)
    breached_total = sum(b for _p, _n, b in priorities)
    return {
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
            for p, n, b in priorities
            if n
        ],
        "breaches_by_waiting": _ranked(by_waiting),
        "breaches_by_team": [(teams.get(team), n) for team, n in _ranked(by_team)],
    }


def _metric_hours(
    rows: QuerySet[IncidentFact],
    f: ReportFilter,
    metric: str,
    teams: dict[int, str],
    clock: tuple[dict[int, dict[str, Any]], dict[str, int]],
    points: dict[str, list[float | None] | None],
) -> tuple[dict[str, Stats], dict[str, Any], dict[str, Any]]:
    """`_metric` of a whole-desk report from the hourly sums of its set (`clock`) and the
    percentiles walked (`points`); those not walked sort the period's values."""
    moment = MOMENTS[metric]
    per_priority, _whole = clock

    def total(name: str) -> int:
        return sum(row[name] for row in per_priority.values())

    durations = {}
    for name, value, count, sums in (
        ("wall", f"{metric}_seconds", total("n"), total("wall_sum")),
        ("business", f"{metric}_business_seconds", total("business_n"), total("business_sum")),
    ):
        found = points[value]
        if found is None:
            period = rows.filter(**{f"{moment}__gte": f.since, f"{moment}__lt": f.until})
            found = _sorted_percentiles(period, value, count, MEDIAN_P90)
        durations[name] = _stats((count, sums / count if count else None, found))
    priorities = [
        (p, per_priority[p]["done"], per_priority[p]["breached"])
        if p in per_priority
        else (p, 0, 0)
        for p in PRIORITIES
    ]
    sla = _sla(priorities, hourly.breaches(f"{metric}_breach", f), teams)
    counts = {}
    if metric == "resolution":
        counts = {
            "resolved": total("n"),
            "reopened": total("reopened"),
            "first_contact": total("first_contact"),
            "first_reply": total("first_reply"),
        }
    return durations, sla, counts


def _walked(
    f: ReportFilter, clocks: dict[str, tuple[dict[int, dict[str, Any]], dict[str, int]]]
) -> dict[str, list[float | None] | None]:
    """The median and 90th percentile of both clocks of both metrics, walked in one query."""
    wanted = []
    for metric, (per_priority, whole) in clocks.items():
        for value, counted_as in (
            (f"{metric}_seconds", "n"),
            (f"{metric}_business_seconds", "business_n"),
        ):
            count = sum(row[counted_as] for row in per_priority.values())
            wanted.append((value, MOMENTS[metric], count, whole[counted_as]))
    return hourly.walk(wanted, f, MEDIAN_P90)


def _sorted_percentiles(
    rows: QuerySet[IncidentFact], column: str, count: int, fractions: tuple[float, ...]
) -> list[float | None]:
    """The exact percentiles of `column` over `rows` by sorting them (as `summarise` does)."""
    if connection.vendor != "postgresql":
        return _offset_percentiles(rows, column, count, fractions)
    found = rows.aggregate(
        **{
            f"p{i}": PercentileCont(column, fraction=fraction)
            for i, fraction in enumerate(fractions)
        }
    )
    return [found[f"p{i}"] for i in range(len(fractions))]


def resolution_quality(counts: dict[str, int]) -> dict[str, Any]:
    """Reopen rate and first-contact resolution over the MTTR set, from its counts."""
    whole = counts["resolved"]
    return {
        **counts,
        "reopen_rate": percent(counts["reopened"], whole),
        "first_contact_rate": percent(counts["first_contact"], whole),
        "first_reply_rate": percent(counts["first_reply"], whole),
    }


QUALITY = {
    "resolved": Count(ROWS),
    "reopened": Count(ROWS, filter=Q(reopen_count__gt=0)),
    "first_contact": Count(ROWS, filter=Q(first_contact=True)),
    "first_reply": Count(ROWS, filter=Q(first_reply_resolved=True)),
}


def csat(
    rows: QuerySet[IncidentFact],
    f: ReportFilter,
    groups: Iterable[tuple[int, str, int]] | None = None,
) -> dict[str, Any]:
    """Ratings given in the period: average, how many of each score, and the same split by
    whether the incident's SLA clocks were met (one query grouped by score and outcome, or
    the given `groups` of (score, outcome, count))."""
    if groups is None:
        groups = (
            rated(rows, f)
            .annotate(outcome=hourly.outcome())
            .order_by()
            .values_list("satisfaction", "outcome")
            .annotate(n=Count("pk"))
        )
    scores: dict[int, int] = defaultdict(int)
    split: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # count, sum of scores
    for score, key, n in groups:
        scores[score] += n
        split[key][0] += n
        split[key][1] += score * n
    count = sum(scores.values())
    total = sum(score * n for score, n in scores.items())
    return {
        "count": count,
        "average": total / count if count else None,
        "distribution": {score: scores.get(score, 0) for score in SCORES},
        "by_sla": [
            {"sla": key, "count": split[key][0], "average": split[key][1] / split[key][0]}
            for key in ("met", "breached", "none")
            if key in split
        ],
    }


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


def _per_bucket(
    rows: QuerySet, moment: str, f: ReportFilter, *by: str, **aggregates: Any
) -> list[dict[str, Any]]:
    """Aggregates per bucket of `moment` (and the `by` fields), each row with its `start`."""
    bucket = local_bucket(moment, f.bucket, f.zone, f.since, f.until)
    found = rows.annotate(bucket=bucket).order_by().values("bucket", *by).annotate(**aggregates)
    return [{"start": as_date(row.pop("bucket")), **row} for row in found]


COUNTS = ("total", "incidents", "service_requests", "cancelled")


def registrations(rows: QuerySet[IncidentFact], f: ReportFilter) -> list[dict[str, Any]]:
    """Registrations of the period per bucket and cause (one query for the volume, the trend
    and the causes): all, incidents, service requests, cancelled."""
    return _per_bucket(
        created(rows, f),
        "created_at",
        f,
        "cause_id",
        total=Count("*"),
        incidents=Count("created_at", filter=Q(kind=Kind.INCIDENT)),
        service_requests=Count("created_at", filter=Q(kind=Kind.SERVICE_REQUEST)),
        cancelled=Count("created_at", filter=Q(status=Status.CANCELLED)),
    )


def volume(registered: list[dict[str, Any]]) -> dict[str, int]:
    """The period's registrations: the sum of its buckets and causes."""
    return {key: sum(row[key] for row in registered) for key in COUNTS}


def causes(
    rows: QuerySet[IncidentFact], f: ReportFilter, registered: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Incidents registered in the period with a recorded cause, by top-level cause (counted
    per cause in SQL, folded into the parents of the small catalogue here)."""
    if registered is None:
        registered = registrations(rows, f)
    parents = dict(Cause.objects.values_list("pk", "parent_id"))
    counted: dict[int, int] = defaultdict(int)
    for row in registered:
        cause = row["cause_id"]
        if cause is not None:
            counted[parents.get(cause) or cause] += row["total"]
    ranked = _ranked(counted)
    names = Cause.objects.in_bulk([root for root, _ in ranked])
    return [{"cause": names[root], "count": n} for root, n in ranked]


def trend(
    rows: QuerySet[IncidentFact],
    f: ReportFilter,
    registered: list[dict[str, Any]] | None = None,
    done: dict[date, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Per day, week or month (local, Monday weeks): registered (incidents, service requests),
    resolved, and the mean time to resolve of those resolved in it."""
    if registered is None:
        registered = registrations(rows, f)
    per_bucket: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for row in registered:
        for key in COUNTS:
            per_bucket[row["start"]][key] += row[key]
    if done is None:
        done = {
            row.pop("start"): row
            for row in _per_bucket(
                resolved(rows, f),
                "resolved_at",
                f,
                resolved=Count("*"),
                mttr=Avg("resolution_seconds"),
            )
        }
    empty_out = {"resolved": 0, "mttr": None}
    return [
        {
            "start": day,
            "incidents": per_bucket[day]["incidents"],
            "service_requests": per_bucket[day]["service_requests"],
            **done.get(day, empty_out),
        }
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
    time_spent: dict[str, list[dict[str, Any]]]
    by_field: FieldGroups | None = None


def incidents(user: User, f: ReportFilter) -> QuerySet[Incident]:
    """The incidents `user` may see, narrowed by the filter (what the exports list)."""
    return visible_to(user).filter(f.q())


def counted(user: User, f: ReportFilter) -> QuerySet[IncidentFact]:
    """What the report counts: the facts of the incidents `user` may see, narrowed by the
    filter (the facts carry the same dimension fields). Access is `visible_to`'s decision:
    only when it narrows the incidents (a customer) do the facts go through it as a subquery."""
    rows = IncidentFact.objects.filter(f.q())
    if _narrowed(user):
        rows = rows.filter(incident_id__in=visible_to(user).values("pk"))
    return rows


def _narrowed(user: User) -> bool:
    return bool(visible_to(user).query.has_filters())


def build(user: User, f: ReportFilter) -> Report:
    """Every KPI for the viewer and filter, after bringing the per-incident facts up to date:
    from the hourly sums when they answer it (a whole-desk report, `hourly.usable`), else from
    the facts. Both give the same numbers."""
    facts.sync()
    with transaction.atomic():
        _roomy_sorts()
        return _report(counted(user, f), f, hours=hourly.usable(f, _narrowed(user)))


def _roomy_sorts() -> None:
    """Let PostgreSQL sort a period's values for its percentiles in memory (a million values
    take some 40 MB; the default 4 MB spills them to disk), for this transaction only."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'")


def _report(rows: QuerySet[IncidentFact], f: ReportFilter, hours: bool = False) -> Report:
    now = timezone.now()
    teams = dict(Team.objects.values_list("pk", "name"))
    if hours:
        clocks = {metric: hourly.clock(PARTS[metric], f) for metric in METRICS}
        points = _walked(f, clocks)
        response, response_sla, _none = _metric_hours(
            rows, f, "response", teams, clocks["response"], points
        )
        resolution, resolution_sla, quality = _metric_hours(
            rows, f, "resolution", teams, clocks["resolution"], points
        )
        registered = hourly.per_bucket(
            "created",
            f,
            "cause_id",
            total=Sum("n"),
            incidents=Sum("incidents"),
            service_requests=Sum("service_requests"),
            cancelled=Sum("cancelled"),
        )
        done = {
            row.pop("start"): {"resolved": row["n"], "mttr": row["wall"] / row["n"]}
            for row in hourly.per_bucket("resolved", f, n=Sum("n"), wall=Sum("wall_sum"))
        }
        ratings = hourly.rated(f)
    else:
        response, response_sla, _none = _metric(responded(rows, f), "response", teams)
        resolution, resolution_sla, quality = _metric(
            resolved(rows, f), "resolution", teams, **QUALITY
        )
        registered, done, ratings = registrations(rows, f), None, None
    return Report(
        filter=f,
        now=now,
        volume=volume(registered),
        backlog=backlog(rows, now),
        durations={"response": response, "resolution": resolution},
        quality=resolution_quality(quality),
        sla={"response": response_sla, "resolution": resolution_sla},
        csat=csat(rows, f, ratings),
        causes=causes(rows, f, registered),
        trend=trend(rows, f, registered, done),
        time_spent=time_spent(rows, f),
        by_field=by_field(rows, f),
    )
