"""Recurrence before and after a fix, against hand-counted incidents at fixed times."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.catalog.models import Category, Service
from incidesk.core.errors import InvalidInput
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.problems import actions
from incidesk.problems.recurrence import grouped_recurrence, problem_recurrence
from incidesk.problems.tests.factories import make_problem

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
FIX = datetime(2026, 3, 1, 12, 0, tzinfo=MSK)
DAY = timedelta(days=1)


@pytest.fixture
def clock(time_machine):
    def at(moment: datetime) -> None:
        time_machine.move_to(moment, tick=False)

    return at


def _incident(clock, moment, status=Status.NEW, category="vpn", service="vpn", **fields):
    clock(moment)
    return make_incident(
        status,
        category=Category.objects.get(code=category),
        service=Service.objects.get(code=service),
        **fields,
    )


def test_problem_recurrence_before_and_after_the_last_preventive_action(clock):
    agent = AgentFactory()
    clock(FIX - 30 * DAY)
    problem = make_problem(
        actor=agent,
        category=Category.objects.get(code="network"),  # its child "vpn" matches too
        service=Service.objects.get(code="vpn"),
    )
    early = actions.do_add_preventive_action(problem, actor=agent, title="Мониторинг", owner=agent)
    last = actions.do_add_preventive_action(problem, actor=agent, title="Новый шлюз", owner=agent)
    assert problem_recurrence(problem, agent).fixed_at is None

    _incident(clock, FIX - 13 * DAY)  # counted before
    linked = _incident(clock, FIX - 1 * DAY, category="printer", service="printing")
    _incident(clock, FIX - 3 * DAY, service="email")  # another service
    _incident(clock, FIX - 20 * DAY)  # before the window
    _incident(clock, FIX - 5 * DAY, status=Status.CANCELLED)  # cancelled never counts
    _incident(clock, FIX - 6 * DAY, kind="service_request")  # not a fault
    _incident(clock, FIX - 4 * DAY, category="printer", service="printing")  # unrelated
    actions.do_link_incidents(problem, actor=agent, incidents=[linked])

    clock(FIX - 10 * DAY)
    actions.do_set_action_done(early, actor=agent, done=True)
    clock(FIX)
    actions.do_set_action_done(last, actor=agent, done=True)
    _incident(clock, FIX + timedelta(hours=1))  # counted after

    clock(FIX + 14 * DAY + timedelta(hours=1))
    result = problem_recurrence(problem, agent, weeks=12)
    assert result.fixed_at == FIX
    assert (result.actions_done, result.actions_total) == (2, 2)
    rates = result.rates
    # The fix was 14 days and 1 hour ago: two windows of that length, not 12 weeks.
    assert rates.weeks == pytest.approx((14 * 24 + 1) / (7 * 24))
    assert (rates.before, rates.after) == (2, 1)
    assert rates.change_percent == -50.0
    assert rates.before_rate == round(2 / rates.weeks, 2)

    # A window of one week: only the linked incident (1 day before) and the one an hour after.
    one_week = problem_recurrence(problem, agent, weeks=1).rates
    assert (one_week.weeks, one_week.before, one_week.after) == (1.0, 1, 1)
    assert (one_week.before_rate, one_week.after_rate, one_week.change_percent) == (1.0, 1.0, 0.0)


def test_too_early_after_the_fix_gives_no_rates(clock):
    agent = AgentFactory()
    clock(FIX)
    problem = make_problem(actor=agent)
    action = actions.do_add_preventive_action(problem, actor=agent, title="Патч", owner=agent)
    actions.do_set_action_done(action, actor=agent, done=True)
    rates = problem_recurrence(problem, agent).rates
    assert (rates.weeks, rates.before_rate, rates.after_rate, rates.change_percent) == (
        0,
        None,
        None,
        None,
    )


def test_weeks_out_of_range_are_refused(clock):
    agent = AgentFactory()
    clock(FIX)
    problem = make_problem(actor=agent)
    action = actions.do_add_preventive_action(problem, actor=agent, title="Патч", owner=agent)
    actions.do_set_action_done(action, actor=agent, done=True)
    with pytest.raises(InvalidInput):
        problem_recurrence(problem, agent, weeks=0)


SPLIT = datetime(2026, 3, 1, tzinfo=MSK)


@pytest.fixture
def report_desk(clock):
    """Around SPLIT (windows of 2 weeks):
    vpn:     before V1 (−1 d, hardware failure), V2 (−5 d, hardware failure), V3 (−13 d, no cause);
             after V4 (+2 d, hardware failure); outside: −15 d, +15 d; cancelled −2 d (left out)
    printer: after P1 (+3 d), P2 (+4 d), no cause."""
    _incident(clock, SPLIT - 1 * DAY, status=Status.RESOLVED)
    _incident(clock, SPLIT - 5 * DAY, status=Status.RESOLVED)
    _incident(clock, SPLIT - 13 * DAY)
    _incident(clock, SPLIT + 2 * DAY, status=Status.RESOLVED)
    _incident(clock, SPLIT - 15 * DAY)
    _incident(clock, SPLIT + 15 * DAY)
    _incident(clock, SPLIT - 2 * DAY, status=Status.CANCELLED)
    _incident(clock, SPLIT + 3 * DAY, category="printer", service="printing")
    _incident(clock, SPLIT + 4 * DAY, category="printer", service="printing")
    clock(SPLIT + 21 * DAY)
    return AgentFactory()


def _table(rows):
    return [(row.code, row.rates.before, row.rates.after, row.rates.change_percent) for row in rows]


def test_per_category_and_cause_before_and_after_a_date(report_desk):
    by_category = grouped_recurrence(report_desk, by="category", split=SPLIT, weeks=2)
    assert _table(by_category) == [("vpn", 3, 1, -66.7), ("printer", 0, 2, None)]
    assert by_category[0].rates.before_rate == 1.5
    assert by_category[0].name == "VPN"
    by_cause = grouped_recurrence(report_desk, by="cause", split=SPLIT, weeks=2)
    assert _table(by_cause) == [("hardware_failure", 2, 1, -50.0), (None, 1, 2, 100.0)]


def test_the_report_narrows_by_cause_and_category(report_desk):
    rows = grouped_recurrence(
        report_desk, by="category", split=SPLIT, weeks=2, cause="hardware_failure"
    )
    assert _table(rows) == [("vpn", 2, 1, -50.0)]
    rows = grouped_recurrence(report_desk, by="cause", split=SPLIT, weeks=2, category="network")
    assert _table(rows) == [("hardware_failure", 2, 1, -50.0), (None, 1, 0, -100.0)]


def test_the_report_counts_only_what_the_viewer_sees(report_desk):
    customer = CustomerFactory()
    assert grouped_recurrence(customer, by="category", split=SPLIT, weeks=2) == []


def test_a_future_date_is_refused(report_desk):
    with pytest.raises(InvalidInput):
        grouped_recurrence(report_desk, by="cause", split=SPLIT + 30 * DAY)
