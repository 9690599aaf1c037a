"""Business-time arithmetic on a `BusinessCalendar`: the only primitives SLA code uses.

A calendar is read once into an immutable `Schedule` (weekly hours plus dated exceptions, in the
calendar's local wall time) and cached per process, keyed by the calendar's `updated_at`. Every
save or delete of an interval or an exception bumps that timestamp (the signal handlers below),
so other processes rebuild on their next read and this one rebuilds at once. Bulk writes bypass
signals: code that bulk-writes hours or exceptions must save the calendar afterwards
(`russia.seed_russian_year` does).

Each local day's hours become real instants through zoneinfo, and durations are those instants'
differences: a 09:00–18:00 day is 9 h even on a DST-change day, an interval that contains the
change is an hour longer or shorter, and a 24x7 calendar counts real elapsed time (the day of a
spring-forward change has 23 h). A bound that falls in a spring-forward gap is read with the
offset before the change (PEP 495 `fold=0`). Results are aware datetimes in the calendar's zone;
convert to UTC before comparing or subtracting two of them, as Python compares datetimes that
share a tzinfo by their wall clock (wrong in the repeated hour of an autumn change).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from incidesk.core.promises import promise
from incidesk.sla.models import (
    BusinessCalendar,
    CalendarException,
    DayKind,
    TargetUnit,
    WorkingInterval,
)
from incidesk.sla.tasks import recompute_calendar

ONE_DAY = timedelta(days=1)
# A calendar with no working time in ten years has no working time at all: stop instead of
# walking towards the end of time.
MAX_IDLE_DAYS = 3660
MAX_CACHED_DAYS = 40_000

Hours = tuple[tuple[time, time], ...]
Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Schedule:
    """A calendar's hours read once from the database: the intervals of each weekday (index 0 is
    Monday) and the hours of each exceptional date (none for a holiday or a day off)."""

    zone: ZoneInfo
    always_open: bool
    weekly: tuple[Hours, ...]
    exceptions: Mapping[date, Hours]
    # Days already converted to instants: list pages measure many clocks over the same weeks.
    _days: dict[date, tuple[Span, ...]] = field(default_factory=dict, compare=False, repr=False)

    def spans(self, day: date) -> tuple[Span, ...]:
        """The working time of a local date as sorted, disjoint UTC intervals."""
        spans = self._days.get(day)
        if spans is None:
            if len(self._days) > MAX_CACHED_DAYS:
                self._days.clear()
            spans = self._days[day] = self._convert(day)
        return spans

    def _convert(self, day: date) -> tuple[Span, ...]:
        """Merging happens after the conversion because overlapping or gap-straddling local
        intervals only show their real extent as instants."""
        if self.always_open:
            return ((self._instant(day, time.min), self._instant(day + ONE_DAY, time.min)),)
        hours = self.exceptions.get(day, self.weekly[day.weekday()])
        merged: list[Span] = []
        for start, end in sorted((self._instant(day, s), self._instant(day, e)) for s, e in hours):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            elif start < end:
                merged.append((start, end))
        return tuple(merged)

    def _instant(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.zone).astimezone(UTC)

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)


_schedules: dict[int, tuple[tuple[datetime, str, bool], Schedule]] = {}


def schedule_for(calendar: BusinessCalendar) -> Schedule:
    """The calendar's schedule: two queries the first time, none while the calendar is
    unchanged. The key includes the zone and the 24x7 flag, so an unsaved edit of either on the
    instance in hand is not answered from a stale entry."""
    key = (calendar.updated_at, calendar.time_zone, calendar.always_open)
    cached = _schedules.get(calendar.pk)
    if cached is not None and cached[0] == key:
        return cached[1]
    schedule = _load(calendar)
    if calendar.pk is not None:
        _schedules[calendar.pk] = (key, schedule)
    return schedule


def _load(calendar: BusinessCalendar) -> Schedule:
    zone = ZoneInfo(calendar.time_zone)
    if calendar.always_open:  # 24x7 ignores weekly hours and exceptions alike
        return Schedule(zone, True, ((),) * 7, MappingProxyType({}))
    weekly: list[list[tuple[time, time]]] = [[] for _ in range(7)]
    for weekday, start, end in WorkingInterval.objects.filter(calendar_id=calendar.pk).values_list(
        "weekday", "start", "end"
    ):
        weekly[weekday].append((start, end))
    exceptions: dict[date, Hours] = {}
    for day, kind, opens, closes in CalendarException.objects.filter(
        calendar_id=calendar.pk
    ).values_list("date", "kind", "start", "end"):
        working = kind in (DayKind.WORKING_DAY, DayKind.SHORTENED)
        # The `exception_hours` constraint gives a working day both times.
        exceptions[day] = (
            ((opens, closes),) if working and opens is not None and closes is not None else ()
        )
    return Schedule(zone, False, tuple(tuple(day) for day in weekly), MappingProxyType(exceptions))


@receiver([post_save, post_delete], sender=WorkingInterval)
@receiver([post_save, post_delete], sender=CalendarException)
def _hours_changed(
    sender: type[WorkingInterval | CalendarException],
    instance: WorkingInterval | CalendarException,
    **kwargs: Any,
) -> None:
    """Hours changed: bump the calendar's `updated_at` so every process rebuilds, and drop this
    process's entry now (a frozen clock in tests, or two edits in one microsecond, would
    otherwise leave the timestamp unchanged)."""
    now = timezone.now()
    BusinessCalendar.objects.filter(pk=instance.calendar_id).update(updated_at=now)
    if sender.calendar.is_cached(instance):
        instance.calendar.updated_at = now
    _schedules.pop(instance.calendar_id, None)
    _recompute_clocks_on_commit(instance.calendar_id)


@receiver(post_save, sender=BusinessCalendar)
def _calendar_saved(
    sender: type[BusinessCalendar], instance: BusinessCalendar, **kwargs: Any
) -> None:
    """A saved calendar may have a new zone or 24x7 flag; SQLite also reuses the primary keys of
    rolled-back rows, so a new calendar must not inherit an old entry."""
    _schedules.pop(instance.pk, None)
    if not kwargs.get("created"):
        _recompute_clocks_on_commit(instance.pk)


def _recompute_clocks_on_commit(calendar_id: int) -> None:
    """Open clocks on an edited calendar get new due times, in the background."""
    promise(recompute_calendar, calendar_id)


def _utc(moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        raise ValueError(f"business time needs an aware datetime, got {moment!r}")
    return moment.astimezone(UTC)


def _working(schedule: Schedule, since: datetime, until: datetime | None = None) -> Iterator[Span]:
    """Working time after `since` (UTC) as disjoint spans in order, clipped to start no earlier
    than `since`. Without `until` the walk is endless, and raises ValueError after
    MAX_IDLE_DAYS days in a row without any working time."""
    # From the day before: where clocks go back at midnight, the repeated hour has that date.
    day = schedule.local(since).date() - ONE_DAY
    last = schedule.local(until).date() + ONE_DAY if until is not None else None
    cursor, idle = since, 0
    while last is None or day <= last:
        spans = schedule.spans(day)
        for start, end in spans:
            if end > cursor:
                yield max(start, cursor), end
                cursor = end
        idle = 0 if spans else idle + 1
        if last is None and idle > MAX_IDLE_DAYS:
            raise ValueError(f"the calendar has no working time in {MAX_IDLE_DAYS} days")
        day += ONE_DAY


def add_business(start: datetime, duration: timedelta, calendar: BusinessCalendar) -> datetime:
    """The moment `duration` of business time after `start`. A zero duration returns `start`
    itself; otherwise the result closes the last business second, so a deadline that uses up a
    day's hours falls at that day's closing time, not at the next opening."""
    if duration < timedelta(0):
        raise ValueError("a business duration cannot be negative")
    schedule = schedule_for(calendar)
    moment = _utc(start)
    if not duration:
        return schedule.local(moment)
    spans, left = _working(schedule, moment), duration
    while True:
        span_start, span_end = next(spans)
        if span_end - span_start >= left:
            return schedule.local(span_start + left)
        left -= span_end - span_start


def business_between(a: datetime, b: datetime, calendar: BusinessCalendar) -> timedelta:
    """Business time from `a` to `b`; zero when `b` is not after `a`. This is how a pause is
    credited: only the working time inside it counts."""
    since, until = _utc(a), _utc(b)
    if since >= until:
        return timedelta(0)
    total = timedelta(0)
    for start, end in _working(schedule_for(calendar), since, until):
        if start < until:
            total += min(end, until) - start
    return total


def business_seconds(spans: Iterable[tuple[datetime, datetime]], calendar: BusinessCalendar) -> int:
    """The business time inside each span, in whole seconds, summed: how pauses are credited
    (each one to the second when it ends), hence how a clock's pause total is measured again."""
    return sum(int(business_between(a, b, calendar).total_seconds()) for a, b in spans)


def is_working_time(moment: datetime, calendar: BusinessCalendar) -> bool:
    """Whether `moment` falls inside working hours (an interval's start counts, its end not)."""
    schedule = schedule_for(calendar)
    instant = _utc(moment)
    day = schedule.local(instant).date()
    return any(
        start <= instant < end for d in (day - ONE_DAY, day) for start, end in schedule.spans(d)
    )


def end_of_working_days(start: datetime, days: int, calendar: BusinessCalendar) -> datetime:
    """The closing time of the `days`-th working day after the local date of `start` (a working
    day is a date with any working time; the start's own date never counts, whatever the hour).
    `days=0` means "by the end of today": the closing time of the start's date if it is a
    working day not yet over, else of the next working day. On a 24x7 calendar a day closes at
    the next local midnight."""
    if days < 0:
        raise ValueError("a number of working days cannot be negative")
    schedule = schedule_for(calendar)
    instant = _utc(start)
    day = schedule.local(instant).date()
    if days == 0:
        today = schedule.spans(day)
        if today and today[-1][1] > instant:
            return schedule.local(today[-1][1])
        days = 1
    idle = 0
    while True:
        day += ONE_DAY
        spans = schedule.spans(day)
        if spans:
            idle, days = 0, days - 1
            if days == 0:
                return schedule.local(spans[-1][1])
        else:
            idle += 1
            if idle > MAX_IDLE_DAYS:
                raise ValueError(f"the calendar has no working time in {MAX_IDLE_DAYS} days")


def due_time(
    start: datetime, amount: int, unit: str, paused: timedelta, calendar: BusinessCalendar
) -> datetime:
    """When a target of `amount` `unit`s started at `start` falls due, after `paused` business
    time on hold. Business time: `amount` minutes plus the pause, added in business time.
    Working days: the pause first moves the start forward in business time, then the due time is
    the end of the `amount`-th working day after the (moved) start's date, so a pause of a whole
    working day moves the due date by one working day."""
    if unit == TargetUnit.BUSINESS_TIME:
        return add_business(start, timedelta(minutes=amount) + paused, calendar)
    if unit == TargetUnit.WORKING_DAYS:
        return end_of_working_days(add_business(start, paused, calendar), amount, calendar)
    raise ValueError(f"unknown target unit {unit!r}")
