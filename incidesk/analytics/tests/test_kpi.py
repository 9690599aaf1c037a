"""KPI numbers on the hand-built desk of `dataset.py`, worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from incidesk.analytics import kpi
from incidesk.analytics.filters import ReportFilter, user_zone
from incidesk.analytics.kpi import Stats
from incidesk.analytics.tests.dataset import HOUR, at

pytestmark = pytest.mark.django_db


def report(desk, **dimensions):
    zone = user_zone(desk.lead)
    f = ReportFilter(start=date(2026, 11, 9), end=date(2026, 11, 13), zone=zone, **dimensions)
    with time_machine.travel(at(14, 12), tick=False):
        return kpi.build(desk.lead, f)


def hours(stats: Stats) -> tuple:
    return (
        stats.count,
        *(None if v is None else round(v / HOUR, 6) for v in (stats.mean, stats.median, stats.p90)),
    )


def test_volume_counts_local_days_of_the_viewer(desk):
    # Vladivostok is 7 hours ahead of Moscow: I7 (Fri 18:00 MSK) is already Saturday there.
    assert report(desk).volume == {
        "total": 7,  # I1-I6 and X1
        "incidents": 6,
        "service_requests": 1,
        "cancelled": 1,
    }


def test_backlog_is_what_is_open_now_and_its_age(desk):
    backlog = report(desk).backlog
    assert backlog["count"] == 3  # I4, I6, I7
    assert backlog["by_priority"] == {1: 0, 2: 0, 3: 3, 4: 0, 5: 0}
    # Ages at Sat 12:00: I4 74 h, I6 51 h, I7 18 h.
    assert hours(backlog["age"]) == (3, round(143 / 3, 6), 51.0, 69.4)


def test_time_to_respond_and_resolve_wall_and_business(desk):
    d = report(desk).durations
    # First responses (accepts): I1 1 h, X1 0.5 h, I2 17 h wall / 2 h business (Mon 17-18,
    # Tue 9-10), I3 6 h, I6 1 h.
    assert hours(d["response"]["wall"]) == (5, 25.5 / 5, 1.0, 6 + 0.6 * 11)
    assert hours(d["response"]["business"]) == (5, 10.5 / 5, 1.0, 2 + 0.6 * 4)
    # Resolutions: I1 4 h, X1 1 h, I3 7 h, I2 67 h wall (last resolution); business time on
    # the clock for I2: Mon 1 + Tue 9 + Wed 9 + Thu 3 = 22 h less 13 h waiting for the
    # customer (Tue 11-18, Wed 9-15) and 3 h of testing after the first resolution (Wed
    # 16-18, Thu 9-10) = 6 h.
    assert hours(d["resolution"]["wall"]) == (4, 79 / 4, 5.5, 7 + 0.7 * 60)
    assert hours(d["resolution"]["business"]) == (4, 18 / 4, 5.0, 6 + 0.7 * 1)


def test_reopen_rate_and_first_contact_resolution(desk):
    q = report(desk).quality
    # Resolved in the period: I1, X1, I2 (reopened), I3 (one public reply before resolving).
    assert q["resolved"] == 4
    assert q["reopened"] == 1
    assert q["reopen_rate"] == 25.0
    assert q["first_contact"] == 3  # I1, X1, I3
    assert q["first_reply"] == 2  # I1, X1
    assert q["first_reply_rate"] == 50.0


def test_sla_compliance_and_breach_reasons(desk):
    sla = report(desk).sla
    response = sla["response"]
    assert (response["completed"], response["met"], response["breached"]) == (5, 4, 1)
    assert response["percent_met"] == 80.0
    assert response["breaches_by_waiting"] == [("new", 1)]
    assert response["breaches_by_team"] == [("Первая линия", 1)]
    assert response["by_priority"] == [
        {"priority": 3, "completed": 5, "met": 4, "breached": 1, "percent_met": 80.0}
    ]
    resolution = sla["resolution"]
    assert (resolution["completed"], resolution["breached"]) == (4, 0)
    assert resolution["percent_met"] == 100.0


def test_csat_with_sla_outcome(desk):
    csat = report(desk).csat
    assert csat["count"] == 3
    assert csat["average"] == pytest.approx(11 / 3)
    assert csat["distribution"] == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert csat["by_sla"] == [
        {"sla": "met", "count": 2, "average": 3.5},
        {"sla": "breached", "count": 1, "average": 4.0},
    ]


def test_causes_by_top_level_cause(desk):
    causes = [(row["cause"].code, row["count"]) for row in report(desk).causes]
    # Ties in catalogue order.
    assert causes == [("technical_fault", 2), ("human_error", 1), ("cyberattack", 1)]


def test_daily_trend_in_the_viewers_time_zone(desk):
    trend = report(desk).trend
    assert [(row["start"].day, row["incidents"], row["service_requests"]) for row in trend] == [
        (9, 2, 0),  # I1, X1 (I2 at 17:00 MSK is Tuesday 00:00 in Vladivostok)
        (10, 2, 0),  # I2, I3
        (11, 1, 1),  # I5, I4
        (12, 1, 0),  # I6
        (13, 0, 0),
    ]
    resolved = [(row["start"].day, row["resolved"], row["mttr"]) for row in trend]
    assert resolved == [
        (9, 2, 2.5 * HOUR),
        (10, 1, 7 * HOUR),
        (11, 0, None),
        (12, 1, 67 * HOUR),
        (13, 0, None),
    ]


def test_weekly_trend_buckets_start_on_monday(desk):
    trend = report(desk, bucket="week").trend
    assert [(row["start"], row["incidents"], row["resolved"]) for row in trend] == [
        (date(2026, 11, 9), 6, 4)
    ]


def test_dimension_filters(desk):
    assert report(desk, organisation=desk.organisation).volume["total"] == 6
    assert report(desk, kind="service_request").volume["total"] == 1
    assert report(desk, channel="email").volume["total"] == 1
    assert report(desk, team=desk.team).quality["resolved"] == 4
    assert report(desk, priority=(1, 2)).volume["total"] == 0


def test_reports_count_only_what_the_viewer_may_see(desk):
    f = ReportFilter(start=date(2026, 11, 9), end=date(2026, 11, 13), zone=user_zone(desk.lead))
    with time_machine.travel(at(14, 12), tick=False):
        kpi.build(desk.lead, f)  # facts up to date
    seen = {
        name: set(kpi.counted(user, f).values_list("incident_id", flat=True))
        for name, user in (
            ("lead", desk.lead),
            ("customer", desk.customer),
            ("other", desk.other_customer),
        )
    }
    everything = {incident.pk for incident in desk.incidents.values()}
    assert seen["lead"] == everything
    assert seen["customer"] == everything - {desk.incidents["X1"].pk}
    assert seen["other"] == {desk.incidents["X1"].pk}
