"""The viewer's local day, week or month of a timestamp, computed by the database.

PostgreSQL truncates in the zone itself (`AT TIME ZONE`). SQLite has no time zones, and
Django's `Trunc` there calls a Python function per row (seconds at a million rows), so on
SQLite the period is split where the zone's UTC offset changes (daylight saving, a change of
law) and each stretch shifts its timestamps by its own constant offset with SQLite's `date()`:
one `CASE` branch per offset change inside the period, none for a zone without changes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Case, DateField, Expression, F, Func, When
from django.db.models.functions import Trunc

STEP = timedelta(hours=6)  # offset changes are months apart; a step finds each one


class _LocalDate(Func):
    """SQLite: the date of `moment` shifted by a constant `seconds`, rounded down to the
    bucket's first day (Monday weeks)."""

    output_field = DateField()
    ROUNDING = {"day": "", "week": ", '-6 days', 'weekday 1'", "month": ", 'start of month'"}

    def __init__(self, moment: str, seconds: int, bucket: str) -> None:
        super().__init__(F(moment))
        self.template = f"date(%(expressions)s, '{seconds:+d} seconds'{self.ROUNDING[bucket]})"


def offset_changes(zone: ZoneInfo, since: datetime, until: datetime) -> list[tuple[datetime, int]]:
    """The zone's UTC offset (seconds) from `since`, then each (moment, new offset) where it
    changes before `until`; moments in UTC, exact to the second."""
    at = since.astimezone(UTC)
    end = until.astimezone(UTC)
    offset = _offset(zone, at)
    found = [(at, offset)]
    while at < end:
        step = min(at + STEP, end)
        if _offset(zone, step) != offset:
            low, high = at, step  # offset(low) is the old one, offset(high) the new
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if _offset(zone, middle) == offset else (low, middle)
            offset = _offset(zone, high)
            found.append((high.replace(microsecond=0), offset))
        at = step
    return found


def _offset(zone: ZoneInfo, moment: datetime) -> int:
    offset = moment.astimezone(zone).utcoffset()
    assert offset is not None  # noqa: S101  an aware datetime in a ZoneInfo always has one
    return int(offset.total_seconds())


def local_bucket(
    moment: str, bucket: str, zone: ZoneInfo, since: datetime, until: datetime
) -> Expression:
    """The first local day of the bucket holding `moment`, as a date, for rows whose `moment`
    lies in [since, until) (outside it, the nearest stretch's offset is used)."""
    if connection.vendor != "sqlite":
        return Trunc(moment, bucket, output_field=DateField(), tzinfo=zone)
    changes = offset_changes(zone, since, until)
    last = _LocalDate(moment, changes[-1][1], bucket)
    if len(changes) == 1:
        return last
    # Before each change, the offset in force until then.
    whens = [
        When(**{f"{moment}__lt": start}, then=_LocalDate(moment, offset, bucket))
        for (start, _new), (_at, offset) in zip(changes[1:], changes, strict=False)
    ]
    return Case(*whens, default=last, output_field=DateField())


def as_date(value: date | str) -> date:
    """A bucket value as a date (the SQLite backend may hand back the ISO text)."""
    return value if isinstance(value, date) else date.fromisoformat(value)
