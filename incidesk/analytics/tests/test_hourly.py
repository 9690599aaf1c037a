"""The hourly sums answer a whole-desk report with the same numbers as the facts, and the facts
sync keeps them equal to a recount from scratch."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidesk.accounts.tests.factories import LeadFactory, TeamFactory
from incidesk.analytics import facts, hourly, kpi
from incidesk.analytics.filters import ReportFilter
from incidesk.analytics.models import FactHour, IncidentFact
from incidesk.analytics.tests.dataset import at
from incidesk.catalog.models import Cause
from incidesk.incidents import actions
from incidesk.incidents.models import Incident, Kind
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db

ZONES = ["UTC", "Europe/Moscow", "Europe/Berlin", "America/New_York", "Asia/Vladivostok"]
BASE = datetime(2026, 3, 1, tzinfo=UTC)
SPAN = 120 * 24 * 3600  # the facts' moments lie in these seconds after BASE
FACTS = 16


def _moment(optional: bool = True) -> st.SearchStrategy:
    seconds = st.integers(0, SPAN).map(lambda s: BASE + timedelta(seconds=s))
    return st.one_of(st.none(), seconds) if optional else seconds


def _fact(causes: list[int], teams: list[int]) -> st.SearchStrategy:
    duration = st.one_of(st.none(), st.integers(0, 20 * 24 * 3600))
    flag = st.one_of(st.none(), st.booleans())
    return st.fixed_dictionaries(
        {
            "created_at": _moment(optional=False),
            "first_response_at": _moment(),
            "resolved_at": _moment(),
            "rated_at": _moment(),
            "satisfaction": st.one_of(st.none(), st.integers(1, 5)),
            "status": st.sampled_from([s.value for s in Status]),
            "kind": st.sampled_from([k.value for k in Kind]),
            "priority": st.integers(1, 5),
            "cause_id": st.sampled_from([None, *causes]),
            "team_id": st.sampled_from([None, *teams]),
            "response_seconds": st.integers(0, 5 * 24 * 3600),
            "response_business_seconds": duration,
            "resolution_seconds": st.integers(0, 20 * 24 * 3600),
            "resolution_business_seconds": duration,
            "response_breached": flag,
            "resolution_breached": flag,
            "response_waiting": st.sampled_from(["new", "on_hold:customer"]),
            "resolution_waiting": st.sampled_from(["new", "in_progress"]),
            "reopen_count": st.integers(0, 2),
            "first_contact": st.booleans(),
            "first_reply_resolved": st.booleans(),
        }
    ).map(_waiting_only_when_breached)


def _waiting_only_when_breached(fact: dict) -> dict:
    """As `facts.compute` writes them: what the incident waited for only on a breach."""
    for metric in ("response", "resolution"):
        if not fact[f"{metric}_breached"]:
            fact[f"{metric}_waiting"] = ""
    return fact


def _rounded(value):
    """Means are a sum over a count on one side and AVG on the other: equal to rounding."""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(item) for item in value]
    return value


def _figures(report: kpi.Report) -> dict:
    found = asdict(report)
    for name in ("now", "backlog", "filter"):
        found.pop(name)  # the backlog is read from the facts either way
    return _rounded(found)


@pytest.fixture
def desk_facts(db):
    """FACTS incidents whose facts the examples overwrite; a lead; the causes and teams."""
    with time_machine.travel(BASE, tick=False):
        for _ in range(FACTS):
            make_incident()
    facts.sync()
    teams = [TeamFactory().pk, TeamFactory().pk]
    return LeadFactory(), list(Cause.objects.values_list("pk", flat=True)[:4]), teams


@pytest.mark.parametrize("walk_skip", [hourly.WALK_SKIP, 0], ids=["walk", "sort"])
def test_hours_give_the_numbers_of_the_facts(desk_facts, monkeypatch, walk_skip):
    # walk_skip 0 makes every percentile sort the period's values instead of walking.
    monkeypatch.setattr(hourly, "WALK_SKIP", walk_skip)
    lead, causes, teams = desk_facts
    ids = list(IncidentFact.objects.values_list("incident_id", flat=True))

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        rows=st.lists(_fact(causes, teams), min_size=FACTS, max_size=FACTS),
        zone=st.sampled_from(ZONES),
        bucket=st.sampled_from(["day", "week", "month"]),
        start=st.integers(0, 110),
        days=st.sampled_from([1, 7, 30, 90, 365]),
    )
    def check(rows, zone, bucket, start, days):
        for pk, row in zip(ids, rows, strict=True):
            IncidentFact.objects.filter(pk=pk).update(**row)
        hourly.rebuild()
        first = BASE.date() + timedelta(days=start)
        f = ReportFilter(
            start=first, end=first + timedelta(days=days - 1), zone=ZoneInfo(zone), bucket=bucket
        )
        assert hourly.usable(f, narrowed=False)
        with transaction.atomic():
            from_facts = kpi._report(kpi.counted(lead, f), f, hours=False)
            from_hours = kpi._report(kpi.counted(lead, f), f, hours=True)
        assert _figures(from_hours) == _figures(from_facts)

    check()


def _hours() -> list[tuple]:
    return sorted(
        FactHour.objects.values_list(
            "part", "hour", "priority", "cause_id", "team_id", "waiting", "score", "outcome",
            "n", "incidents", "service_requests", "cancelled", "done", "breached", "wall_sum",
            "business_n", "business_sum", "reopened", "first_contact", "first_reply",
        ),
        key=repr,
    )  # fmt: skip


def test_the_sync_keeps_the_hours_of_a_changing_desk(desk):
    facts.sync()
    kept = _hours()
    hourly.rebuild()
    assert kept == _hours()
    assert FactHour.objects.filter(part="created").count() > 0
    # Changes move facts between hours and sets: a reopening, a cancellation, a resolution.
    with time_machine.travel(at(16, 10), tick=False):
        i6 = Incident.objects.get(pk=desk.incidents["I6"].pk)
        actions.do_request_info(i6, actor=desk.agent, message="Какой принтер?")
        i4 = Incident.objects.get(pk=desk.incidents["I4"].pk)
        actions.do_cancel(i4, actor=desk.agent, reason="Дубль")
        x1 = Incident.objects.get(pk=desk.incidents["X1"].pk)
        actions.do_reopen(x1, actor=desk.other_customer, reason="Снова")
    facts.sync()
    kept = _hours()
    hourly.rebuild()
    assert kept == _hours()


def test_only_whole_desk_reports_on_whole_hours_read_the_hours(desk):
    day = date(2026, 11, 9)
    moscow = ReportFilter(start=day, end=day, zone=ZoneInfo("Europe/Moscow"))
    assert hourly.usable(moscow, narrowed=False)
    assert not hourly.usable(moscow, narrowed=True)  # a customer's incidents
    team = ReportFilter(start=day, end=day, zone=ZoneInfo("Europe/Moscow"), team=desk.team)
    assert not hourly.usable(team, narrowed=False)
    india = ReportFilter(start=day, end=day, zone=ZoneInfo("Asia/Kolkata"))
    assert not hourly.usable(india, narrowed=False)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner and bound statuses")
def test_the_backlog_reads_the_partial_index_of_open_facts_on_sqlite():
    rows = kpi.open_now(IncidentFact.objects.all()).values_list("created_at", "priority")
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "fact_open" in plan
