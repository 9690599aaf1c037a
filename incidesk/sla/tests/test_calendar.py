"""Business-time arithmetic: weekly hours, exceptions, the seeded Russian calendar, DST, 24x7,
working days, cache invalidation, and the round-trip properties the clocks rely on."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from incidesk.sla.calendar import (
    add_business,
    business_between,
    due_time,
    end_of_working_days,
    is_working_time,
)
from incidesk.sla.models import (
    BusinessCalendar,
    CalendarException,
    DayKind,
    TargetUnit,
    WorkingInterval,
)

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
ZONES = ["Europe/Moscow", "Europe/Berlin", "Asia/Novosibirsk"]
H = timedelta(hours=1)
SECOND = timedelta(seconds=1)
OFFICE_HOURS = tuple((day, (time(9), time(18))) for day in range(5))
_codes = itertools.count()

Interval = tuple[time, time]


def make_calendar(
    zone: str = "Europe/Moscow",
    hours: Iterable[tuple[int, Interval]] = OFFICE_HOURS,
    exceptions: Iterable[tuple[date, DayKind, Interval | None]] = (),
    always_open: bool = False,
) -> BusinessCalendar:
    """A calendar written with bulk inserts (no signals): it is new, so nothing is cached."""
    code = f"test-{next(_codes)}"
    calendar = BusinessCalendar.objects.create(
        code=code, name_ru=code, name_en=code, time_zone=zone, always_open=always_open
    )
    WorkingInterval.objects.bulk_create(
        WorkingInterval(calendar=calendar, weekday=day, start=start, end=end)
        for day, (start, end) in hours
    )
    CalendarException.objects.bulk_create(
        CalendarException(
            calendar=calendar,
            date=day,
            kind=kind,
            start=interval[0] if interval else None,
            end=interval[1] if interval else None,
        )
        for day, kind, interval in exceptions
    )
    return calendar


@pytest.fixture
def office() -> BusinessCalendar:
    """Moscow, Mon–Fri 09:00–18:00, no exceptions."""
    return make_calendar()


@pytest.fixture
def moscow() -> BusinessCalendar:
    """The seeded calendar with the Russian production calendar (data migration 0002)."""
    return BusinessCalendar.objects.get(code="moscow")


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


# --- weekly hours ---------------------------------------------------------------------------


def test_start_late_on_friday_finishes_on_monday(office):
    # 30 minutes are left on Friday, 30 more on Monday. (The brief said 10:30; that would be
    # 1.5 business hours.)
    due = add_business(msk(2025, 3, 14, 17, 30), H, office)
    assert due == msk(2025, 3, 17, 9, 30)
    assert due.tzinfo == MSK


def test_a_deadline_that_uses_up_the_day_falls_at_closing_time(office):
    assert add_business(msk(2025, 3, 14, 17), H, office) == msk(2025, 3, 14, 18)


def test_zero_duration_is_the_start_itself(office):
    saturday = msk(2025, 3, 15, 12)
    assert add_business(saturday, timedelta(0), office) == saturday


def test_a_start_outside_hours_waits_for_the_opening(office):
    saturday_utc = datetime(2025, 3, 15, 9, tzinfo=UTC)
    assert add_business(saturday_utc, H, office) == msk(2025, 3, 17, 10)


def test_overlapping_intervals_count_once():
    calendar = make_calendar(hours=[(0, (time(9), time(13))), (0, (time(12), time(18)))])
    assert business_between(msk(2025, 3, 17), msk(2025, 3, 18), calendar) == 9 * H


def test_a_split_day_skips_the_lunch_break():
    calendar = make_calendar(hours=[(0, (time(9), time(13))), (0, (time(14), time(18)))])
    assert add_business(msk(2025, 3, 17, 12, 30), H, calendar) == msk(2025, 3, 17, 14, 30)
    assert not is_working_time(msk(2025, 3, 17, 13, 30), calendar)


def test_the_calendar_zone_decides_not_the_inputs_zone():
    novosibirsk = make_calendar(zone="Asia/Novosibirsk")  # UTC+7, four hours ahead of Moscow
    start = msk(2025, 3, 17, 9)  # 13:00 in Novosibirsk
    due = add_business(start, 6 * H, novosibirsk)
    assert due == datetime(2025, 3, 18, 10, tzinfo=ZoneInfo("Asia/Novosibirsk"))
    assert str(due.tzinfo) == "Asia/Novosibirsk"


def test_business_between_is_zero_when_b_is_not_after_a(office):
    assert business_between(msk(2025, 3, 17, 12), msk(2025, 3, 17, 10), office) == timedelta(0)


def test_interval_bounds_are_half_open(office):
    assert is_working_time(msk(2025, 3, 17, 9), office)
    assert not is_working_time(msk(2025, 3, 17, 18), office)
    assert is_working_time(msk(2025, 3, 17, 17, 59, 59), office)


# --- the seeded Russian calendar ------------------------------------------------------------


def test_a_pause_over_a_weekend_and_holidays_credits_only_business_time(moscow):
    # Wed 11 June 2025 is shortened (ends 17:00); 12 June holiday, 13 June day off, weekend.
    paused_from, paused_to = msk(2025, 6, 11, 16), msk(2025, 6, 16, 10)
    assert business_between(paused_from, paused_to, moscow) == 2 * H
    assert paused_to - paused_from == timedelta(days=4, hours=18)


def test_new_year_holidays(moscow):
    # 30 Dec 2025 is a full day (31 Dec is a transferred day off, not a holiday); 2026 opens on
    # Monday 12 January: 1–8 January holidays, 9 January moved from Saturday 3 January.
    assert add_business(msk(2025, 12, 30, 17), 2 * H, moscow) == msk(2026, 1, 12, 10)
    assert business_between(msk(2025, 12, 30, 18), msk(2026, 1, 12, 9), moscow) == timedelta(0)


def test_transferred_days(moscow):
    assert not is_working_time(msk(2024, 1, 6, 12), moscow)  # the holiday 10 May was moved from
    assert not is_working_time(msk(2024, 5, 10, 12), moscow)  # ... a transferred day off
    assert is_working_time(msk(2024, 4, 27, 17, 30), moscow)  # a working Saturday, full length
    assert not is_working_time(msk(2024, 11, 2, 17, 30), moscow)  # a shortened working Saturday
    assert is_working_time(msk(2024, 11, 2, 16, 30), moscow)


def test_a_shortened_pre_holiday_day_ends_at_17(moscow):
    assert not is_working_time(msk(2025, 3, 7, 17, 30), moscow)
    # One hour on Friday 7 March ends at 17:00; 8 March (Saturday) is the holiday.
    assert add_business(msk(2025, 3, 7, 16, 30), H, moscow) == msk(2025, 3, 10, 9, 30)


def test_a_year_of_business_hours(moscow):
    # 2025: 247 working days, four of them shortened, at 9 h a day.
    assert business_between(msk(2025, 1, 1), msk(2026, 1, 1), moscow) == (247 * 9 - 4) * H


# --- DST (Berlin: 30 March and 26 October 2025) --------------------------------------------


def test_an_ordinary_day_stays_nine_hours_on_dst_days():
    daily = make_calendar(zone="Europe/Berlin", hours=[(d, (time(9), time(18))) for d in range(7)])
    for sunday in (date(2025, 3, 30), date(2025, 10, 26)):
        day_start = datetime.combine(sunday, time(0), tzinfo=BERLIN)
        assert business_between(day_start, day_start + timedelta(days=1), daily) == 9 * H
    # Saturday 17:00 CET + 2 h = Sunday 10:00 CEST.
    assert add_business(berlin(2025, 3, 29, 17), 2 * H, daily) == berlin(2025, 3, 30, 10)


def test_an_interval_containing_the_change_is_measured_in_real_time():
    night = make_calendar(zone="Europe/Berlin", hours=[(6, (time(1), time(5)))])
    spring, autumn = berlin(2025, 3, 30, 1), berlin(2025, 10, 26, 1)
    assert business_between(spring, berlin(2025, 3, 30, 5), night) == 3 * H
    assert business_between(autumn, berlin(2025, 10, 26, 5), night) == 5 * H
    assert add_business(spring, 2 * H, night) == berlin(2025, 3, 30, 4)  # 01:00 CET + 2 h
    # 01:00 CEST + 2 h is 02:00 CET, the second 02:00 of the night. (Datetimes sharing a tzinfo
    # compare by wall time and ignore fold: compare in UTC.)
    due = add_business(autumn, 2 * H, night)
    assert due.astimezone(UTC) == datetime(2025, 10, 26, 1, tzinfo=UTC)
    assert due.fold == 1


def test_24x7_counts_real_elapsed_time_across_dst():
    always = make_calendar(zone="Europe/Berlin", always_open=True)
    assert business_between(berlin(2025, 3, 29, 12), berlin(2025, 3, 30, 12), always) == 23 * H
    assert business_between(berlin(2025, 10, 25, 12), berlin(2025, 10, 26, 12), always) == 25 * H
    assert add_business(berlin(2025, 3, 29, 12), 24 * H, always) == berlin(2025, 3, 30, 13)
    assert add_business(berlin(2025, 10, 25, 12), 24 * H, always) == berlin(2025, 10, 26, 11)


# --- 24x7 -----------------------------------------------------------------------------------


def test_24x7_ignores_hours_and_exceptions(office):
    always = make_calendar(
        always_open=True, exceptions=[(date(2025, 3, 17), DayKind.HOLIDAY, None)]
    )
    saturday = msk(2025, 3, 15, 12)
    assert add_business(saturday, 8 * H, always) == msk(2025, 3, 15, 20)
    assert add_business(saturday, 8 * H, office) == msk(2025, 3, 17, 17)
    assert is_working_time(msk(2025, 3, 17, 3), always)
    seeded = BusinessCalendar.objects.get(code="24x7")
    assert business_between(msk(2025, 1, 1), msk(2026, 1, 1), seeded) == timedelta(days=365)


# --- working days ---------------------------------------------------------------------------


def test_working_days_do_not_count_the_start_day(office):
    friday = msk(2025, 3, 14, 10)
    assert end_of_working_days(friday, 1, office) == msk(2025, 3, 17, 18)
    assert end_of_working_days(friday.replace(hour=7), 1, office) == msk(2025, 3, 17, 18)
    assert end_of_working_days(msk(2025, 3, 15, 12), 1, office) == msk(2025, 3, 17, 18)
    assert end_of_working_days(msk(2025, 3, 12, 10), 3, office) == msk(2025, 3, 17, 18)


def test_zero_working_days_means_by_the_end_of_today(office):
    assert end_of_working_days(msk(2025, 3, 14, 10), 0, office) == msk(2025, 3, 14, 18)
    assert end_of_working_days(msk(2025, 3, 14, 19), 0, office) == msk(2025, 3, 17, 18)
    assert end_of_working_days(msk(2025, 3, 15, 12), 0, office) == msk(2025, 3, 17, 18)


def test_working_days_on_the_russian_calendar(moscow):
    assert end_of_working_days(msk(2025, 3, 6, 10), 1, moscow) == msk(2025, 3, 7, 17)
    # 1 May holiday, 2 May moved from 4 January, then the weekend.
    assert end_of_working_days(msk(2025, 4, 30, 10), 1, moscow) == msk(2025, 5, 5, 18)


def test_working_days_on_24x7_end_at_midnight():
    always = make_calendar(zone="Europe/Berlin", always_open=True)
    assert end_of_working_days(berlin(2025, 3, 29, 10), 1, always) == berlin(2025, 3, 31)


def test_due_time(office):
    start = msk(2025, 3, 14, 10)  # Friday
    business = TargetUnit.BUSINESS_TIME
    assert due_time(start, 60, business, timedelta(0), office) == msk(2025, 3, 14, 11)
    assert due_time(start, 60, business, 30 * timedelta(minutes=1), office) == msk(
        2025, 3, 14, 11, 30
    )
    days = TargetUnit.WORKING_DAYS
    assert due_time(start, 2, days, timedelta(0), office) == msk(2025, 3, 18, 18)
    # A pause of one working day's hours moves the reference to Monday 10:00: one day later.
    assert due_time(start, 2, days, 9 * H, office) == msk(2025, 3, 19, 18)
    with pytest.raises(ValueError, match="unknown target unit"):
        due_time(start, 2, "fortnights", timedelta(0), office)


# --- errors ---------------------------------------------------------------------------------


def test_a_calendar_without_working_time_raises_instead_of_looping():
    empty = make_calendar(hours=[])
    start = msk(2025, 3, 14, 10)
    with pytest.raises(ValueError, match="no working time"):
        add_business(start, H, empty)
    with pytest.raises(ValueError, match="no working time"):
        end_of_working_days(start, 1, empty)
    assert business_between(start, start + timedelta(days=7300), empty) == timedelta(0)


def test_bad_inputs(office):
    with pytest.raises(ValueError, match="aware"):
        add_business(datetime(2025, 3, 14, 10), H, office)
    with pytest.raises(ValueError, match="negative"):
        add_business(msk(2025, 3, 14, 10), -H, office)
    with pytest.raises(ValueError, match="negative"):
        end_of_working_days(msk(2025, 3, 14, 10), -1, office)


# --- the cached schedule --------------------------------------------------------------------


def test_a_schedule_is_read_once(office, django_assert_num_queries):
    start = msk(2024, 1, 1, 10)
    with django_assert_num_queries(2):  # intervals and exceptions
        due = add_business(start, 10 * 250 * 9 * H, office)  # ten years of business hours
    with django_assert_num_queries(0):
        assert business_between(start, due, office) == 10 * 250 * 9 * H
    assert due.year == 2033


def test_a_new_holiday_changes_results_at_once(office):
    friday = msk(2025, 3, 14, 17)
    assert add_business(friday, 2 * H, office) == msk(2025, 3, 17, 10)
    with time_machine.travel(msk(2025, 3, 1), tick=False):  # updated_at cannot move: eviction
        holiday = CalendarException.objects.create(
            calendar=office, date=date(2025, 3, 17), kind=DayKind.HOLIDAY
        )
        assert add_business(friday, 2 * H, office) == msk(2025, 3, 18, 10)
        holiday.delete()
        assert add_business(friday, 2 * H, office) == msk(2025, 3, 17, 10)


def test_an_edit_bumps_updated_at_for_other_processes(office):
    before = office.updated_at
    CalendarException.objects.create(
        calendar_id=office.pk, date=date(2025, 3, 17), kind=DayKind.DAY_OFF
    )
    fresh = BusinessCalendar.objects.get(pk=office.pk)  # what another process would read
    assert fresh.updated_at > before
    assert add_business(msk(2025, 3, 14, 17), 2 * H, fresh) == msk(2025, 3, 18, 10)
    WorkingInterval.objects.filter(calendar=office, weekday=1).get().delete()  # no Tuesdays
    fresh = BusinessCalendar.objects.get(pk=office.pk)
    assert add_business(msk(2025, 3, 14, 17), 2 * H, fresh) == msk(2025, 3, 19, 10)


def test_exception_hours_must_fit_the_kind(office):
    holiday_with_hours = CalendarException(
        calendar=office, date=date(2025, 3, 17), kind=DayKind.HOLIDAY, start=time(9), end=time(18)
    )
    with translation.override("en"), pytest.raises(ValidationError, match="no hours"):
        holiday_with_hours.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarException.objects.create(
            calendar=office, date=date(2025, 3, 15), kind=DayKind.WORKING_DAY, start=time(9)
        )


# --- properties -----------------------------------------------------------------------------


def _minute(m: int) -> time:
    return time(m // 60, m % 60)


# Intervals of 30 min to 8 h starting anywhere in the day (a night interval may straddle a DST
# change); weekly totals of at least 8 h keep 500 business hours within about a year of walking.
intervals = st.tuples(st.integers(0, 23 * 60 - 30), st.integers(30, 8 * 60)).map(
    lambda p: (_minute(p[0]), _minute(min(p[0] + p[1], 24 * 60 - 1)))
)
weekly_hours = st.lists(st.tuples(st.integers(0, 6), intervals), min_size=1, max_size=10).filter(
    lambda rows: (
        sum((e.hour * 60 + e.minute) - (s.hour * 60 + s.minute) for _, (s, e) in rows) >= 8 * 60
    )
)
kinds = st.sampled_from(list(DayKind))
ZONE_INFOS = st.sampled_from([ZoneInfo(zone) for zone in ZONES])
# Any moment, or one in a weekend of a Berlin DST change (gaps and repeated hours included).
moments = st.one_of(
    st.datetimes(datetime(2020, 1, 1), datetime(2030, 12, 31), timezones=ZONE_INFOS),
    *(
        st.datetimes(
            datetime(*day) - timedelta(days=1),
            datetime(*day) + timedelta(days=1),
            timezones=ZONE_INFOS,
        )
        for day in [(2024, 3, 31), (2024, 10, 27), (2025, 3, 30), (2025, 10, 26)]
    ),
).map(lambda moment: moment.replace(microsecond=0))
durations = st.integers(0, 500 * 3600).map(lambda s: timedelta(seconds=s))


@st.composite
def cases(draw) -> tuple[BusinessCalendar, datetime]:
    """A random calendar (zone, weekly hours with split days, exceptions within a year of the
    start) and a start in one of the test zones."""
    start = draw(moments)
    exceptions = {}
    for offset, kind, interval in draw(
        st.lists(st.tuples(st.integers(-3, 400), kinds, intervals), max_size=30)
    ):
        working = kind in (DayKind.WORKING_DAY, DayKind.SHORTENED)
        exceptions[start.date() + timedelta(days=offset)] = (kind, interval if working else None)
    calendar = make_calendar(
        zone=draw(st.sampled_from(ZONES)),
        hours=draw(weekly_hours),
        exceptions=[(day, kind, interval) for day, (kind, interval) in exceptions.items()],
    )
    return calendar, start


def utc(moment: datetime) -> datetime:
    """Compare and add in UTC: datetimes sharing a zone compare by wall clock (wrong in a
    repeated hour), a moment in a DST gap is never equal to one in another zone (PEP 495), and
    adding to a zoned datetime moves its wall clock."""
    return moment.astimezone(UTC)


PROPERTY = settings(max_examples=200, deadline=None, database=None)


@PROPERTY
@given(case=cases(), duration=durations)
def test_business_between_inverts_add_business(case, duration):
    calendar, start = case
    assert business_between(start, add_business(start, duration, calendar), calendar) == duration


@PROPERTY
@given(case=cases(), durations=st.tuples(durations, durations))
def test_add_business_is_monotonic(case, durations):
    calendar, start = case
    shorter, longer = sorted(durations)
    assert utc(add_business(start, shorter, calendar)) <= utc(add_business(start, longer, calendar))
    later = utc(start) + shorter  # a later start never finishes earlier
    assert utc(add_business(start, longer, calendar)) <= utc(add_business(later, longer, calendar))


@PROPERTY
@given(case=cases(), wall=st.integers(0, 60 * 24 * 3600).map(lambda s: timedelta(seconds=s)))
def test_adding_back_business_between_lands_on_the_last_business_second(case, wall):
    """Adding back the business time from a to b lands on b when b is in working time, else on
    the close of the last working interval before b: the earliest moment with that much
    business time behind it."""
    calendar, start = case
    end = utc(start) + wall
    worked = business_between(start, end, calendar)
    back = utc(add_business(start, worked, calendar))
    assert back <= end
    assert business_between(back, end, calendar) == timedelta(0)
    if worked:
        assert business_between(back - SECOND, back, calendar) == SECOND
        assert back == end or not is_working_time(back, calendar)
    else:
        assert back == utc(start)
    one_second = business_between(start, utc(start) + SECOND, calendar)
    assert is_working_time(start, calendar) == (one_second == SECOND)
