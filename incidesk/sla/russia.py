"""The Russian production calendar (производственный календарь) as calendar exceptions.

Source: the `holidays` package (RU) for the non-working days and the Government's yearly transfer
decrees, plus what it lacks, the shortened pre-holiday days:

* Labour Code art. 112 (as in force since 2013): 1–8 January, 23 February, 8 March, 1 May,
  9 May, 12 June and 4 November are non-working holidays (HOLIDAY). Days off moved by decree or
  by the weekend rule are DAY_OFF. A weekend day the decree makes working is WORKING_DAY.
* Art. 95: the working day immediately before a non-working holiday is one hour shorter. A
  transferred day off does not count as a holiday, and a Friday before a weekend holiday is not
  "immediately before" it (2025: 21 February is a full day before Sunday 23 February).
* Order 588n of the Ministry of Health and Social Development: a weekend day made working lasts
  as long as the working day its day off moved to. So Saturday 2 November 2024, whose day off
  went to Tuesday 30 April (the eve of 1 May), is shortened; Saturday 27 April 2024, whose day
  off went to Monday 29 April, is not.
* A decree may take its day off "from" a weekend that is itself a holiday (2024: 10 May from
  Saturday 6 January). That weekend stays a holiday; it never becomes working.

This is a five-day-week production calendar. Seeding is non-destructive: dates that already have an
exception (an admin's edit) are left alone. Functions take model instances from either the real or
the historical apps registry, so the data migration can call them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from incidesk.sla.models import DayKind

if TYPE_CHECKING:  # or the historical model of a migration
    from django.apps.registry import Apps

    from incidesk.sla.models import BusinessCalendar

FIRST_YEAR = 2024  # the data migration seeds from here to next year
STATUTORY = frozenset(
    [(1, day) for day in range(1, 9)] + [(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)]
)
ONE_HOUR = timedelta(hours=1)
SATURDAY = 5
Date = date  # inside `ProductionDay` the field `date` hides the type


@dataclass(frozen=True)
class ProductionDay:
    """One date that differs from an ordinary five-day week. `hours_of` is the date whose
    weekday's hours apply (a working Saturday works like the weekday it replaces); `shortened`
    takes an hour off their end."""

    date: date
    kind: DayKind
    name: str
    hours_of: Date | None = None
    shortened: bool = False


def is_statutory(day: date) -> bool:
    return (day.month, day.day) in STATUTORY


def _decrees() -> dict[int, Any]:
    """The decree table of `holidays`, imported on first use: some 300 modules that only the
    seeding and the calendar commands need, not every web worker (the system check imports us)."""
    from holidays.countries.russia import RussiaStaticHolidays

    return RussiaStaticHolidays.special_public_holidays


def decree_known(year: int) -> bool:
    """Whether the installed `holidays` has the transfer decree for `year`. Without it a year
    would be seeded with bare holidays and no transfers: wrong, yet looking complete."""
    return year in _decrees()


def _transfers(year: int) -> dict[date, date]:
    """Working weekend days of `year` mapped to the date their day off moved to, from the decree
    table `holidays` builds its `weekend_workdays` from (that set does not say where each day off
    went, which order 588n needs)."""
    pairs: dict[date, date] = {}
    for decree_year in (year - 1, year, year + 1):
        # `holidays` types its decree table loosely (names and transfers alike).
        table: Any = _decrees().get(decree_year, ())
        entries: tuple[tuple[int, ...], ...] = table
        if entries and isinstance(entries[0], int):  # a single transfer is not nested
            entries = (table,)
        for to_month, to_day, from_month, from_day, *from_year in entries:
            source = date(from_year[0] if from_year else decree_year, from_month, from_day)
            if source.year == year:
                pairs[source] = date(decree_year, to_month, to_day)
    return pairs


def production_year(year: int) -> list[ProductionDay]:
    """Every date of `year` that is not an ordinary Mon–Fri working day or weekend, in order."""
    import holidays  # see `_decrees`

    if year < 2013:
        raise ValueError("the holiday list of art. 112 used here is in force since 2013")
    if not decree_known(year):
        raise ValueError(
            f"holidays {holidays.__version__} has no transfer decree for {year}; upgrade it"
        )
    off = {
        day: name
        for day, name in holidays.country_holidays("RU", years=year, language="ru").items()
        if day.year == year
    }
    days = {
        day: ProductionDay(day, DayKind.HOLIDAY if is_statutory(day) else DayKind.DAY_OFF, name)
        for day, name in off.items()
    }
    for worked, moved_to in _transfers(year).items():
        if worked.weekday() >= SATURDAY and worked not in off:  # 6 January 2024 stays a holiday
            shortened = is_statutory(moved_to + timedelta(days=1))
            name = f"Рабочий день (выходной перенесён на {moved_to:%d.%m.%Y})"
            days[worked] = ProductionDay(
                worked,
                DayKind.WORKING_DAY,
                f"{name}, на час короче" if shortened else name,
                hours_of=moved_to,
                shortened=shortened,
            )
    day = date(year, 1, 1)
    while day.year == year:
        eve = day.weekday() < SATURDAY and day not in days
        if eve and is_statutory(day + timedelta(days=1)):
            days[day] = ProductionDay(
                day, DayKind.SHORTENED, "Предпраздничный день", hours_of=day, shortened=True
            )
        day += timedelta(days=1)
    return sorted(days.values(), key=lambda d: d.date)


def _weekday_hours(calendar: BusinessCalendar) -> dict[int, tuple[time, time]]:
    """Each working weekday's hours as one interval: an exception carries a single interval, so a
    split day (with a lunch break) becomes its earliest start to its latest end."""
    hours: dict[int, tuple[time, time]] = {}
    for weekday, start, end in calendar.intervals.values_list("weekday", "start", "end"):
        first, last = hours.get(weekday, (start, end))
        hours[weekday] = (min(first, start), max(last, end))
    return hours


def seed_russian_year(calendar: BusinessCalendar, year: int) -> int:
    """Write the production calendar of `year` into `calendar`'s exceptions and return how many
    were created. Dates that already have an exception are kept; a working or shortened day on a
    weekday the calendar does not work (or one too short to lose an hour) is skipped. Saves the
    calendar afterwards, so cached schedules are rebuilt."""
    if calendar.always_open:
        raise ValueError("a 24×7 calendar ignores exceptions")
    exception_model = calendar.exceptions.model
    taken = set(calendar.exceptions.filter(date__year=year).values_list("date", flat=True))
    weekday_hours = _weekday_hours(calendar)
    rows = []
    for day in production_year(year):
        if day.date in taken:
            continue
        start = end = None
        if day.hours_of is not None:
            if day.hours_of.weekday() not in weekday_hours:
                continue
            start, end = weekday_hours[day.hours_of.weekday()]
            if day.shortened:
                end = (datetime.combine(day.date, end) - ONE_HOUR).time()
                if end <= start:
                    continue
        rows.append(
            exception_model(
                calendar=calendar, date=day.date, kind=day.kind, start=start, end=end, name=day.name
            )
        )
    exception_model.objects.bulk_create(rows)
    calendar.save(update_fields=["updated_at"])
    return len(rows)


def _has_year(calendar: BusinessCalendar, year: int) -> bool:
    return calendar.exceptions.filter(date__year=year).exists()


def missing_next_year(calendar: BusinessCalendar, today: date) -> bool:
    """From 1 October (the decree for next year is usually out by then) a calendar that keeps
    this year's exceptions but has none for next year is missing data. A 24x7 calendar, or one
    with no exceptions this year (a calendar not following a production calendar), never is."""
    if calendar.always_open or today < date(today.year, 10, 1):
        return False
    return _has_year(calendar, today.year) and not _has_year(calendar, today.year + 1)


def seed_calendars(apps: Apps, today: date) -> None:
    """Create the standard calendars unless they exist, and seed `moscow` with every year from
    FIRST_YEAR to next year that the installed `holidays` has a decree for (the system check
    sla.W001 reports a missing next year)."""
    calendar_model = apps.get_model("sla", "BusinessCalendar")
    moscow, created = calendar_model.objects.get_or_create(
        code="moscow",
        defaults={
            "name_ru": "Москва, пн–пт 09:00–18:00",
            "name_en": "Moscow, Mon–Fri 09:00–18:00",
            "time_zone": "Europe/Moscow",
            "position": 0,
        },
    )
    if created:
        interval_model = apps.get_model("sla", "WorkingInterval")
        interval_model.objects.bulk_create(
            interval_model(calendar=moscow, weekday=weekday, start=time(9), end=time(18))
            for weekday in range(5)
        )
        for year in range(FIRST_YEAR, today.year + 2):
            if decree_known(year):
                seed_russian_year(moscow, year)
    calendar_model.objects.get_or_create(
        code="24x7",
        defaults={
            "name_ru": "Круглосуточно",
            "name_en": "24×7",
            "time_zone": "Europe/Moscow",
            "always_open": True,
            "position": 1,
        },
    )
