"""Trend buckets are the viewer's local days, weeks and months, also across offset changes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from incidesk.accounts.tests.factories import CustomerFactory, LeadFactory
from incidesk.analytics import facts, kpi
from incidesk.analytics.buckets import offset_changes
from incidesk.analytics.filters import ReportFilter
from incidesk.incidents.tests.factories import make_incident

BERLIN = ZoneInfo("Europe/Berlin")
# Half an hour either side of local midnight, on both sides of both of 2026's changes
# (29 March 01:00 UTC: +1 h → +2 h; 25 October 01:00 UTC: +2 h → +1 h) and of a month's end.
MOMENTS = [
    datetime(2026, 3, 28, 22, 30, tzinfo=UTC),  # 23:30 on the 28th (CET)
    datetime(2026, 3, 28, 23, 30, tzinfo=UTC),  # 00:30 on the 29th (CET)
    datetime(2026, 3, 29, 21, 30, tzinfo=UTC),  # 23:30 on the 29th (CEST)
    datetime(2026, 3, 29, 22, 30, tzinfo=UTC),  # 00:30 on the 30th (CEST; CET would say 29th)
    datetime(2026, 3, 31, 22, 30, tzinfo=UTC),  # 00:30 on 1 April
    datetime(2026, 10, 24, 22, 30, tzinfo=UTC),  # 00:30 on the 25th (CEST)
    datetime(2026, 10, 25, 22, 30, tzinfo=UTC),  # 23:30 on the 25th (CET; CEST would say 26th)
    datetime(2026, 10, 25, 23, 30, tzinfo=UTC),  # 00:30 on the 26th (CET)
]


def test_offset_changes_are_found_to_the_second():
    since = datetime(2026, 1, 1, tzinfo=BERLIN)
    until = datetime(2027, 1, 1, tzinfo=BERLIN)
    assert offset_changes(BERLIN, since, until)[1:] == [
        (datetime(2026, 3, 29, 1, tzinfo=UTC), 7200),
        (datetime(2026, 10, 25, 1, tzinfo=UTC), 3600),
    ]
    moscow = ZoneInfo("Europe/Moscow")
    assert offset_changes(moscow, since, until) == [(since.astimezone(UTC), 3 * 3600)]


@pytest.mark.django_db
@pytest.mark.parametrize("bucket", ["day", "week", "month"])
def test_buckets_follow_the_local_calendar_across_offset_changes(bucket):
    customer = CustomerFactory()
    for moment in MOMENTS:
        with time_machine.travel(moment, tick=False):
            make_incident(reporter=customer)
    facts.sync()
    f = ReportFilter(start=date(2026, 1, 1), end=date(2026, 12, 31), zone=BERLIN, bucket=bucket)
    found = Counter()
    for row in kpi.registrations(kpi.counted(LeadFactory(), f), f):
        found[row["start"]] += row["total"]
    expected = Counter(
        _bucket_start(timezone.localtime(moment, BERLIN).date(), bucket) for moment in MOMENTS
    )
    assert found == expected
    assert set(found) <= set(kpi.buckets(f))


def _bucket_start(day: date, bucket: str) -> date:
    if bucket == "week":
        return date.fromordinal(day.toordinal() - day.weekday())
    return day.replace(day=1) if bucket == "month" else day
