"""The facts summed per UTC hour (`FactHour`), and a whole-desk report read from them.

A report without dimension filters, seen by desk staff (who see every incident), counts every
fact of its period: at a million incidents that is a million rows read per KPI. The hourly rows
hold the same counts and sums a few rows per hour, so such a report adds up some thousands of
rows instead. The viewer's days start on a whole UTC hour in most zones; a period that does not
(a zone at a half-hour offset) is read from the facts as before (`usable`).

Percentiles cannot be summed: they stay exact by walking the duration's index
(`IncidentFact.WALKS`) in value order to the wanted position, skipping values outside the
period, from whichever end is nearer; when the period is a small part of the desk that walk
would skip too much, and the caller sorts the period's values as before.

`recount` keeps the hours of the facts a batch changed, in the batch's transaction: each touched
hour of each set is deleted and summed again from the facts (idempotent, whatever was there).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Func,
    Model,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

from incidesk.analytics.buckets import as_date, local_bucket, offset_changes
from incidesk.analytics.filters import ReportFilter
from incidesk.analytics.models import WALKS, FactHour, IncidentFact
from incidesk.incidents.models import Kind
from incidesk.incidents.status import Status

HOUR = timedelta(hours=1)
CHUNK = 200  # hours per statement when recounting
# A walk may skip this many values per value it counts before sorting the period is cheaper.
WALK_SKIP = 4


class UtcHour(Func):
    """The UTC hour a timestamp falls in, computed by the database."""

    output_field = DateTimeField()

    def as_sqlite(self, compiler, connection, **extra):
        # Django keeps 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC; no strftime: its '%' would
        # collide with the parameter markers.
        template = "(substr(%(expressions)s, 1, 13) || ':00:00')"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = "(date_trunc('hour', %(expressions)s AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
        return self.as_sql(compiler, connection, template=template, **extra)


def outcome() -> Case:
    """A rated incident's SLA outcome: breached, met, or none (no clock finished)."""
    return Case(
        When(Q(response_breached=True) | Q(resolution_breached=True), then=Value("breached")),
        When(Q(response_breached=False) | Q(resolution_breached=False), then=Value("met")),
        default=Value("none"),
    )


def _clock(metric: str) -> dict[str, Any]:
    flag = f"{metric}_breached"
    return {
        "n": Count("*"),
        "done": Count("priority", filter=Q(**{f"{flag}__isnull": False})),
        "breached": Count("priority", filter=Q(**{flag: True})),
        "wall_sum": Sum(f"{metric}_seconds", default=0),
        "business_n": Count(f"{metric}_business_seconds"),
        "business_sum": Sum(f"{metric}_business_seconds", default=0),
    }


# part: (the moment that defines its set, the rows of the set, grouped by, summed)
PARTS: dict[str, tuple[str, Q, tuple[str, ...], dict[str, Any]]] = {
    "created": (
        "created_at",
        Q(),
        ("cause_id",),
        {
            "n": Count("*"),
            "incidents": Count("priority", filter=Q(kind=Kind.INCIDENT)),
            "service_requests": Count("priority", filter=Q(kind=Kind.SERVICE_REQUEST)),
            "cancelled": Count("priority", filter=Q(status=Status.CANCELLED)),
        },
    ),
    "responded": ("first_response_at", Q(), ("priority",), _clock("response")),
    "resolved": (
        "resolved_at",
        Q(),
        ("priority",),
        {
            **_clock("resolution"),
            "reopened": Count("priority", filter=Q(reopen_count__gt=0)),
            "first_contact": Count("priority", filter=Q(first_contact=True)),
            "first_reply": Count("priority", filter=Q(first_reply_resolved=True)),
        },
    ),
    "response_breach": (
        "first_response_at",
        Q(response_breached=True),
        ("response_waiting", "team_id"),
        {"n": Count("*")},
    ),
    "resolution_breach": (
        "resolved_at",
        Q(resolution_breached=True),
        ("resolution_waiting", "team_id"),
        {"n": Count("*")},
    ),
    "rated": (
        "rated_at",
        Q(satisfaction__isnull=False),
        ("satisfaction", "_outcome"),
        {"n": Count("*")},
    ),
}
# A fact's grouping field as the hourly row calls it.
RENAMED = {
    "response_waiting": "waiting",
    "resolution_waiting": "waiting",
    "satisfaction": "score",
    "_outcome": "outcome",
}
MOMENTS = ("created_at", "first_response_at", "resolved_at", "rated_at")


def hour_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def touched(facts: Iterable[dict[str, Any]]) -> dict[str, set[datetime]]:
    """The hours, per moment, that these facts (as they were, or are now) are counted in."""
    found: dict[str, set[datetime]] = {moment: set() for moment in MOMENTS}
    for fact in facts:
        for moment in MOMENTS:
            if fact[moment] is not None:
                found[moment].add(hour_of(fact[moment]))
    return found


def recount(hours: dict[str, set[datetime]]) -> None:
    """Sum again, from the facts, every part of the given hours of each moment."""
    for part, (moment, _rows, _by, _sums) in PARTS.items():
        ordered = sorted(hours.get(moment, ()))
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            FactHour.objects.filter(part=part, hour__in=chunk).delete()
            within = Q()
            for hour in chunk:
                within |= Q(**{f"{moment}__gte": hour, f"{moment}__lt": hour + HOUR})
            _insert(part, within)


def rebuild(facts: type[Model] = IncidentFact, sums: type[Model] = FactHour) -> None:
    """Sum every hour again from the facts (`incidesk analytics rebuild`, and the migration
    that adds the table, with its historical models)."""
    sums._default_manager.all().delete()
    for part, (moment, _rows, _by, _sums) in PARTS.items():
        _insert(part, Q(**{f"{moment}__isnull": False}), facts, sums)


def _insert(
    part: str, within: Q, facts: type[Model] = IncidentFact, hours: type[Model] = FactHour
) -> None:
    moment, rows, by, sums = PARTS[part]
    grouped = (
        facts._default_manager.filter(within, rows)
        .annotate(_hour=UtcHour(moment), _outcome=outcome())
        .order_by()
        .values("_hour", *by)
        .annotate(**sums)
    )
    hours._default_manager.bulk_create(
        (
            hours(
                part=part,
                hour=row.pop("_hour"),
                **{RENAMED.get(name, name): value for name, value in row.items()},
            )
            for row in grouped.iterator()
        ),
        batch_size=1000,
    )


# --- reading a report ---------------------------------------------------------------------------


def usable(f: ReportFilter, narrowed: bool) -> bool:
    """Whether the hours answer this report: no dimension filter, no narrowing by access, and
    every day of the period starts on a whole UTC hour."""
    if narrowed or f.q() != Q():
        return False
    return all(offset % 3600 == 0 for _at, offset in offset_changes(f.zone, f.since, f.until))


def hours(part: str, f: ReportFilter) -> QuerySet[FactHour]:
    return FactHour.objects.filter(part=part, hour__gte=f.since, hour__lt=f.until)


def per_bucket(part: str, f: ReportFilter, *by: str, **sums: Any) -> list[dict[str, Any]]:
    """Sums per local bucket (and `by`) of a part's hours in the period, like `kpi._per_bucket`."""
    bucket = local_bucket("hour", f.bucket, f.zone, f.since, f.until)
    found = hours(part, f).annotate(bucket=bucket).order_by().values("bucket", *by).annotate(**sums)
    return [{"start": as_date(row.pop("bucket")), **row} for row in found]


def clock(part: str, f: ReportFilter) -> tuple[dict[int, dict[str, Any]], dict[str, int]]:
    """A clock's set per priority (its sums in the period), and how many values the whole
    desk holds (all hours: what a percentile's walk may have to skip), in one query."""
    names = ("n", "done", "breached", "wall_sum", "business_n", "business_sum")
    extra = ("reopened", "first_contact", "first_reply") if part == "resolved" else ()
    inside = Q(hour__gte=f.since, hour__lt=f.until)
    rows: Iterable[dict[str, Any]] = (
        FactHour.objects.filter(part=part)  # type: ignore[assignment]  # the stubs' TypedDict
        .order_by()
        .values("priority")
        .annotate(
            _whole_n=Sum("n"),
            _whole_business_n=Sum("business_n"),
            **{f"_{name}": Sum(name, filter=inside, default=0) for name in (*names, *extra)},
        )
    )
    whole = {"n": 0, "business_n": 0}
    per_priority = {}
    for row in rows:
        whole["n"] += row["_whole_n"]
        whole["business_n"] += row["_whole_business_n"]
        if row["_n"]:
            per_priority[row["priority"]] = {name: row[f"_{name}"] for name in (*names, *extra)}
    return per_priority, whole


def breaches(part: str, f: ReportFilter) -> list[tuple[str, int | None, int]]:
    """(waiting, team, count) of a clock's breaches in the period."""
    return list(
        hours(part, f).order_by().values_list("waiting", "team_id").annotate(total=Sum("n"))
    )


def rated(f: ReportFilter) -> list[tuple[int, str, int]]:
    """(score, SLA outcome, count) of the ratings given in the period."""
    return list(
        hours("rated", f).order_by().values_list("score", "outcome").annotate(total=Sum("n"))
    )


def walk(
    wanted: list[tuple[str, str, int, int]], f: ReportFilter, fractions: tuple[float, ...]
) -> dict[str, list[float | None] | None]:
    """Each fraction's exact percentile, per (value, moment, count, whole): of `value` over the
    facts whose `moment` is in the period (`count` non-null values of the desk's `whole`), by
    walking the value's index from the nearer end, every walk in one query. None for a value
    whose walk would skip too much (the caller sorts instead)."""
    found: dict[str, list[float | None] | None] = {}
    steps: list[Step] = []
    for value, moment, count, whole in wanted:
        found[value] = [None] * len(fractions) if not count else []
        for fraction in fractions if count else ():
            position = fraction * (count - 1)
            low = int(position)
            up = low <= count - 1 - low
            if min(low, count - 1 - low) * whole > WALK_SKIP * count * count:
                found[value] = None
                break
            # From the top, the two values at `low` and `low + 1` come at `count - 2 - low`.
            offset = low if up else max(count - 2 - low, 0)
            steps.append(Step(value, moment, position, low, offset, up, low == count - 1))
    steps = [step for step in steps if found[step.value] is not None]
    for step, pair in zip(steps, _read(steps, f), strict=True):
        ordered = sorted(pair)
        points = found[step.value]
        assert points is not None  # noqa: S101  its steps were dropped above
        if step.last:  # the set's largest value (a fraction of 1, or a set of one)
            points.append(float(ordered[-1]))
        else:
            points.append(ordered[0] + (step.position - step.low) * (ordered[1] - ordered[0]))
    return found


@dataclass(frozen=True)
class Step:
    """One walk: two values of `value` at `offset` from the bottom (`up`) or the top."""

    value: str
    moment: str
    position: float
    low: int
    offset: int
    up: bool
    last: bool


def _read(steps: list[Step], f: ReportFilter) -> list[list[int]]:
    """Two values of the period at each step's offset in its value order (ascending or from
    the top), read along the value's index; one UNION ALL query for every step."""
    if not steps:
        return []
    parts: list[str] = []
    params: list[Any] = []
    table = f'FROM "{IncidentFact._meta.db_table}"'
    for i, step in enumerate(steps):
        value, moment, offset = step.value, step.moment, step.offset
        rows = (
            IncidentFact.objects.filter(
                **{f"{moment}__gte": f.since, f"{moment}__lt": f.until, f"{value}__isnull": False}
            )
            .order_by(value if step.up else f"-{value}")
            .values_list(value, flat=True)[offset : offset + 2]
        )
        sql, step_params = rows.query.sql_with_params()
        if connection.vendor == "sqlite":
            # SQLite's planner would rather read the period's range and sort it: name the index.
            index = next(name for v, m, name in WALKS if v == value and m == moment)
            sql = sql.replace(table, f'{table} INDEXED BY "{index}"', 1)
        # The ORM compiled `sql`; `i` is a number.
        parts.append(f"SELECT {i} AS step, walked.* FROM ({sql}) walked")  # noqa: S608
        params.extend(step_params)
    found: list[list[int]] = [[] for _ in steps]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for step, read in cursor.fetchall():
            found[step].append(read)
    return found
