"""SLA clocks of incidents under the seeded default policy, through the real actions, the real
task worker and controlled time."""

from datetime import datetime, timedelta

import pytest
import time_machine

from incidesk.accounts.models import ApiToken
from incidesk.accounts.tests.factories import AgentFactory, LeadFactory, TeamFactory
from incidesk.catalog.models import Cause, HoldReason, ResolutionCode
from incidesk.incidents import actions
from incidesk.incidents.models import EventKind, Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.notifications.models import Notification
from incidesk.sla import clocks, reference
from incidesk.sla.models import ClockState, Metric, SlaPolicy
from incidesk.sla.tests.moments import MSK, at

pytestmark = pytest.mark.django_db

# A Friday in a week without Russian holidays.
FRIDAY_1730 = datetime(2026, 11, 13, 17, 30, tzinfo=MSK)


def clock(incident: Incident, metric: Metric):
    return incident.sla_clocks.get(metric=metric)


@pytest.fixture
def desk():
    lead = LeadFactory()
    agent = AgentFactory()
    team = TeamFactory(lead=lead)
    team.members.add(agent)
    return team, agent, lead


def test_friday_evening_p3_is_due_in_business_hours():
    with time_machine.travel(FRIDAY_1730, tick=False):
        incident = make_incident()  # medium/medium: P3, 4 h response, 24 h resolution
    assert incident.priority == 3
    assert clock(incident, Metric.RESPONSE).due_at == at(16, 12, 30)
    assert clock(incident, Metric.RESOLUTION).due_at == at(18, 14, 30)


def test_p1_runs_around_the_clock():
    with time_machine.travel(FRIDAY_1730, tick=False):
        incident = make_incident(impact="high", urgency="high")
    assert clock(incident, Metric.RESPONSE).due_at == at(13, 17, 45)
    assert clock(incident, Metric.RESOLUTION).due_at == at(13, 21, 30)


def test_waiting_for_the_customer_pauses_resolution_in_business_time(desk):
    _, agent, _ = desk
    with time_machine.travel(FRIDAY_1730, tick=False):
        incident = make_incident()
    with time_machine.travel(at(13, 17, 45), tick=False):
        actions.do_accept(incident, actor=agent)
        actions.do_request_info(incident, actor=agent, message="Какой кабинет?")
    response = clock(incident, Metric.RESPONSE)
    assert (response.state, response.stopped_at) == (ClockState.MET, at(13, 17, 45))
    assert clock(incident, Metric.RESOLUTION).state == ClockState.PAUSED
    with time_machine.travel(at(16, 10, 0), tick=False):
        actions.do_add_comment(incident, actor=incident.reporter, body="Кабинет 204")
    resolution = clock(incident, Metric.RESOLUTION)
    assert resolution.state == ClockState.RUNNING
    # Paused Fri 17:45-18:00 and Mon 09:00-10:00: 1 h 15 min of business time, not 64 h.
    assert resolution.paused_seconds == 75 * 60
    assert resolution.due_at == at(18, 15, 45)


def test_awaiting_change_does_not_pause_by_default(desk):
    _, agent, _ = desk
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    actions.do_hold(incident, actor=agent, reason=HoldReason.objects.get(code="awaiting_change"))
    assert clock(incident, Metric.RESOLUTION).state == ClockState.RUNNING


def test_resolution_stops_and_reopen_resumes_without_counting_the_testing_time(desk):
    _, agent, _ = desk
    with time_machine.travel(at(16, 9, 0), tick=False):
        incident = make_incident(Status.IN_PROGRESS, agent=agent)
    with time_machine.travel(at(16, 11, 0), tick=False):
        actions.do_resolve(
            incident,
            actor=agent,
            cause=Cause.objects.get(code="human_error"),
            resolution_code=ResolutionCode.objects.get(code="fixed"),
            notes="Готово",
        )
    resolution = clock(incident, Metric.RESOLUTION)
    assert (resolution.state, resolution.stopped_at) == (ClockState.MET, at(16, 11, 0))
    with time_machine.travel(at(17, 9, 0), tick=False):
        actions.do_reopen(incident, actor=incident.reporter, reason="Снова")
    resolution = clock(incident, Metric.RESOLUTION)
    assert resolution.state == ClockState.RUNNING
    assert resolution.paused_seconds == 7 * 3600  # Mon 11:00-18:00
    assert clocks.used(resolution, at(17, 10, 0)) == timedelta(hours=3)


def test_raising_priority_retargets_from_the_original_start_and_breaches_once(desk):
    _, agent, _ = desk
    with time_machine.travel(at(16, 9, 0), tick=False):
        incident = make_incident(Status.IN_PROGRESS, agent=agent)
    with time_machine.travel(at(16, 14, 0), tick=False):
        incident = actions.do_update_incident(incident, actor=agent, impact="high", urgency="high")
    resolution = clock(incident, Metric.RESOLUTION)
    assert incident.priority == 1
    assert resolution.due_at == at(16, 13, 0)  # 4 h around the clock from 09:00
    assert resolution.state == ClockState.BREACHED
    assert incident.events.filter(kind=EventKind.SLA_BREACHED).count() == 1
    assert not incident.events.filter(kind=EventKind.SLA_WARNING).exists()
    incident.refresh_from_db()
    assert incident.escalated
    with time_machine.travel(at(16, 15, 0), tick=False):
        actions.do_update_incident(incident, actor=agent, impact="low", urgency="low")
    resolution = clock(incident, Metric.RESOLUTION)
    assert resolution.breached_at is not None  # a breach is permanent
    assert incident.events.filter(kind=EventKind.SLA_BREACHED).count() == 1


def test_warnings_and_breach_fire_once_through_the_worker(desk, when, run_tasks):
    team, agent, lead = desk
    with when(at(16, 9, 0)):
        incident = make_incident(Status.NEW, team=None)
        incident = actions.do_assign(incident, actor=lead, team=team, assignee=agent)
    response = clock(incident, Metric.RESPONSE)  # 4 business hours: due 13:00
    assert response.due_at == at(16, 13, 0)
    for moment, expected in [
        (at(16, 10, 59), []),
        (at(16, 11, 1), [50]),
        (at(16, 12, 1), [50, 75]),
        (at(16, 12, 1), [50, 75]),
        (at(16, 12, 40), [50, 75, 90]),
    ]:
        with when(moment):
            run_tasks()
        warned = incident.events.filter(kind=EventKind.SLA_WARNING, data__metric="response")
        assert sorted(e.data["threshold"] for e in warned) == expected
    with when(at(16, 13, 1)):
        run_tasks()  # the breach check; a restarted worker finds nothing more to do
        run_tasks()
    with time_machine.travel(at(16, 13, 2), tick=False):
        run_tasks()  # deliver what the breach queued on commit
    incident.refresh_from_db()
    assert incident.escalated
    assert incident.events.filter(kind=EventKind.SLA_BREACHED).count() == 1
    assert clock(incident, Metric.RESPONSE).breached_at == at(16, 13, 0)

    def heard(person) -> list:
        return sorted(
            (n.event.kind, n.event.data.get("threshold"))
            for n in Notification.objects.filter(recipient=person, event__kind__startswith="sla")
        )

    assert heard(agent) == [
        ("sla_breached", None),
        ("sla_warning", 50),
        ("sla_warning", 75),
        ("sla_warning", 90),
    ]
    assert heard(lead) == [("sla_breached", None), ("sla_warning", 75), ("sla_warning", 90)]


def test_breach_can_raise_priority(when, run_tasks):
    SlaPolicy.objects.update(raise_priority_on_breach=True)
    reference.changed()  # written without signals
    with when(at(16, 9, 0)):
        incident = make_incident()
    with when(at(16, 13, 1)):
        run_tasks()
    incident.refresh_from_db()
    assert (incident.priority, incident.escalated) == (2, True)
    assert incident.events.get(kind=EventKind.ESCALATED).data["new_priority"] == 2


def test_a_stale_check_does_nothing(desk, when, run_tasks):
    _, agent, _ = desk
    with when(at(16, 9, 0)):
        incident = make_incident()
    with when(at(16, 10, 0)):
        actions.do_add_comment(incident, actor=agent, body="Смотрим")
    with time_machine.travel(at(16, 13, 30), tick=False):
        run_tasks()
    assert clock(incident, Metric.RESPONSE).state == ClockState.MET
    assert not incident.events.filter(kind__startswith="sla").exists()


def test_cancel_cancels_the_clocks(desk):
    _, agent, _ = desk
    incident = make_incident(Status.CANCELLED, agent=agent)
    assert set(incident.sla_clocks.values_list("state", flat=True)) == {ClockState.CANCELLED}


def test_a_calendar_edit_recomputes_open_clocks(when, run_tasks):
    with when(at(16, 9, 0)):
        incident = make_incident()
        done = make_incident(Status.RESOLVED)
    assert clock(incident, Metric.RESPONSE).due_at == at(16, 13, 0)
    met_due = clock(done, Metric.RESPONSE).due_at
    moscow = clock(incident, Metric.RESPONSE).calendar
    with when(at(16, 10, 0)):
        monday = moscow.intervals.get(weekday=0)
        monday.end = datetime(2026, 1, 1, 12, 0).time()  # Mondays now end at 12:00
        monday.save()
    with when(at(16, 10, 0)):
        run_tasks()
    assert clock(incident, Metric.RESPONSE).due_at == at(17, 10, 0)
    assert clock(done, Metric.RESPONSE).due_at == met_due  # stopped clocks keep their history


def test_the_list_filters_breached_and_breaching_soon(when, run_tasks, client):
    with when(at(16, 9, 0)):
        urgent = make_incident(impact="high", urgency="high")  # P1: due 09:15 and 13:00
        calm = make_incident(impact="low", urgency="low")  # P5: due in days
        soon = make_incident()  # P3: response due 13:00
    token = ApiToken.issue(AgentFactory())

    def listed(which: str) -> set[str]:
        response = client.get(
            "/api/v1/incidents", {"sla": which}, HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        return {item["number"] for item in response.json()["items"]}

    with when(at(16, 12, 30)):
        run_tasks()  # the worker breaches the P1 response
        assert listed("breached") == {urgent.number}
        assert listed("breaching") == {urgent.number, soon.number}
        assert calm.number not in listed("breached") | listed("breaching")


def test_a_queue_orders_by_what_falls_due_next(when, client):
    agent = AgentFactory()
    with when(at(16, 9, 0)):
        later = make_incident(impact="low", urgency="low")  # P5: 2 working days
        first = make_incident(impact="high", urgency="high")  # P1: 15 minutes
        middle = make_incident()  # P3: 4 business hours
        answered = make_incident(impact="high", urgency="high")
        actions.do_add_comment(answered, actor=agent, body="Уже смотрим")
    token = ApiToken.issue(agent)

    def queue(ordering: str, limit: int) -> list[str]:
        numbers, cursor = [], None
        while True:
            params = {
                "ordering": ordering,
                "limit": limit,
                **({"cursor": cursor} if cursor else {}),
            }
            page = client.get("/api/v1/incidents", params, HTTP_AUTHORIZATION=f"Bearer {token}")
            numbers += [item["number"] for item in page.json()["items"]]
            if not (cursor := page.json()["next_cursor"]):
                return numbers

    expected = [first.number, middle.number, later.number]
    assert queue("response_due_at", 2) == expected  # the answered incident is off the queue
    assert queue("-response_due_at", 1) == expected[::-1]
    answered.refresh_from_db()
    assert (answered.response_due_at, answered.resolution_due_at) == (None, at(16, 13, 0))


def test_reopen_after_a_breach_stays_breached(when, run_tasks):
    agent = AgentFactory()
    with when(at(16, 9, 0)):
        incident = make_incident(Status.IN_PROGRESS, agent=agent)  # resolution due Wed 15:00
    with when(at(18, 15, 1)):
        run_tasks()
    assert clock(incident, Metric.RESOLUTION).breached_at == at(18, 15, 0)
    with when(at(18, 16, 0)):
        actions.do_resolve(
            incident,
            actor=agent,
            cause=Cause.objects.get(code="software_error"),
            resolution_code=ResolutionCode.objects.get(code="fixed"),
            notes="Обновили",
        )
    with when(at(19, 10, 0)):
        actions.do_reopen(incident, actor=incident.reporter, reason="Не помогло")
    resolution = clock(incident, Metric.RESOLUTION)
    assert (resolution.state, resolution.stopped_at) == (ClockState.BREACHED, None)
    assert resolution.breached_at == at(18, 15, 0)
    assert resolution.paused_seconds == 3 * 3600  # Wed 16:00-18:00 and Thu 09:00-10:00
    assert incident.events.filter(kind=EventKind.SLA_BREACHED).count() == 1


# --- pauses follow the clock to another calendar; breaches at re-target and cancel --------------


def sla_of(client, incident: Incident, viewer) -> dict[str, dict]:
    """The incident's clocks as the API shows them now, by metric."""
    token = ApiToken.issue(viewer)
    response = client.get(
        f"/api/v1/incidents/{incident.number}/sla", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200
    return {item["metric"]: item for item in response.json()["clocks"]}


def held_over_the_weekend(agent, **fields) -> Incident:
    """Registered Friday 16:00 and answered at once; on hold for a supplier (a pausing reason)
    from Friday 17:00 to Monday 10:00: 2 business hours in Moscow, 65 hours around the clock."""
    with time_machine.travel(at(13, 16, 0), tick=False):
        incident = make_incident(Status.IN_PROGRESS, agent=agent, **fields)
        actions.do_add_comment(incident, actor=agent, body="Смотрим")
    with time_machine.travel(at(13, 17, 0), tick=False):
        vendor = HoldReason.objects.get(code="awaiting_vendor")
        actions.do_hold(incident, actor=agent, reason=vendor)
    with time_machine.travel(at(16, 10, 0), tick=False):
        actions.do_resume(incident, actor=agent)
    return incident


def test_a_move_to_the_24x7_calendar_measures_past_pauses_around_the_clock(desk, client):
    _, agent, _ = desk
    incident = held_over_the_weekend(agent)  # P3: 24 business hours on the Moscow calendar
    assert clock(incident, Metric.RESOLUTION).paused_seconds == 2 * 3600
    with time_machine.travel(at(16, 10, 30), tick=False):
        incident = actions.do_update_incident(incident, actor=agent, impact="high")
        assert incident.priority == 2  # 8 h around the clock
        resolution = sla_of(client, incident, agent)["resolution"]
    # Ran Friday 16:00-17:00 and Monday 10:00-10:30 of its 8 h; the 65 h pause moves the due time.
    assert datetime.fromisoformat(resolution["due_at"]) == at(16, 17, 0)
    assert (resolution["state"], resolution["breached"]) == (ClockState.RUNNING, False)
    assert resolution["percent_used"] == 18.8
    assert resolution["remaining_seconds"] == int(6.5 * 3600)
    assert clock(incident, Metric.RESOLUTION).paused_seconds == 65 * 3600
    assert not incident.events.filter(kind=EventKind.SLA_BREACHED).exists()
    incident.refresh_from_db()
    assert incident.resolution_due_at == at(16, 17, 0)


def test_a_move_from_24x7_to_business_hours_measures_past_pauses_in_business_hours(desk, client):
    _, agent, _ = desk
    incident = held_over_the_weekend(agent, impact="high")  # P2: 8 h around the clock
    assert clock(incident, Metric.RESOLUTION).paused_seconds == 65 * 3600
    with time_machine.travel(at(16, 10, 30), tick=False):
        incident = actions.do_update_incident(incident, actor=agent, impact="medium")
        assert incident.priority == 3  # 24 business hours in Moscow
        resolution = sla_of(client, incident, agent)["resolution"]
    # Friday 16:00-18:00, then Monday to Wednesday, 2 h later for the pause.
    assert datetime.fromisoformat(resolution["due_at"]) == at(18, 15, 0)
    assert resolution["percent_used"] == 6.2  # 1 h 30 min of 24 h
    assert clock(incident, Metric.RESOLUTION).paused_seconds == 2 * 3600


def test_a_paused_clock_past_its_new_target_breaches_at_once(desk, client):
    _, agent, _ = desk
    with time_machine.travel(at(16, 9, 0), tick=False):
        incident = make_incident(Status.IN_PROGRESS, agent=agent)  # P3
    with time_machine.travel(at(16, 14, 0), tick=False):
        vendor = HoldReason.objects.get(code="awaiting_vendor")
        actions.do_hold(incident, actor=agent, reason=vendor)  # 5 h used
    with time_machine.travel(at(16, 15, 0), tick=False):
        incident = actions.do_update_incident(incident, actor=agent, impact="high", urgency="high")
    resolution = clock(incident, Metric.RESOLUTION)  # P1: 4 h around the clock
    assert (resolution.state, resolution.paused_since) == (ClockState.BREACHED, at(16, 14, 0))
    assert resolution.breached_at == at(16, 13, 0)
    breaches = incident.events.filter(kind=EventKind.SLA_BREACHED, data__metric="resolution")
    assert breaches.count() == 1
    incident.refresh_from_db()
    assert incident.escalated
    with time_machine.travel(at(16, 16, 0), tick=False):  # cancelled while still on hold
        actions.do_cancel(incident, actor=agent, reason="Поставщик закрыл вопрос сам")
    resolution = clock(incident, Metric.RESOLUTION)
    assert (resolution.state, resolution.breached_at) == (ClockState.CANCELLED, at(16, 13, 0))
    assert resolution.pauses == [["2026-11-16T11:00:00+00:00", "2026-11-16T13:00:00+00:00"]]
    assert breaches.count() == 1


def test_cancelling_stops_a_breached_clock(desk, when, run_tasks, client):
    _, agent, _ = desk
    with when(at(16, 9, 0)):
        incident = make_incident(impact="high", urgency="high")  # P1: due 09:15 and 13:00
        other = make_incident()  # P3: resolution due Wednesday 09:00
    with when(at(16, 13, 1)):
        run_tasks()  # the worker breaches both clocks
    assert set(incident.sla_clocks.values_list("state", flat=True)) == {ClockState.BREACHED}
    with when(at(16, 14, 0)):
        actions.do_cancel(incident, actor=agent, reason="Дубль")
    for metric, due in ((Metric.RESPONSE, at(16, 9, 15)), (Metric.RESOLUTION, at(16, 13, 0))):
        stopped = clock(incident, metric)
        assert (stopped.state, stopped.stopped_at) == (ClockState.CANCELLED, at(16, 14, 0))
        assert stopped.breached_at == due  # the breach stays on record
    incident.refresh_from_db()
    assert (incident.response_due_at, incident.resolution_due_at) == (None, None)
    with time_machine.travel(at(16, 15, 0), tick=False):
        first = sla_of(client, incident, agent)
    with time_machine.travel(at(17, 15, 0), tick=False):
        later = sla_of(client, incident, agent)
    assert first == later  # nothing counts down any more
    assert later["resolution"]["remaining_seconds"] == -3600
    assert later["resolution"]["breached"]
    token = ApiToken.issue(agent)
    queue = client.get(
        "/api/v1/incidents",
        {"ordering": "resolution_due_at"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert [item["number"] for item in queue.json()["items"]] == [other.number]


def test_a_calendar_edit_measures_past_pauses_with_the_new_hours(desk, when, run_tasks):
    _, agent, _ = desk
    with when(at(16, 9, 0)):
        incident = make_incident(Status.IN_PROGRESS, agent=agent)  # P3, Moscow
    with when(at(16, 10, 0)):
        vendor = HoldReason.objects.get(code="awaiting_vendor")
        actions.do_hold(incident, actor=agent, reason=vendor)
    with when(at(17, 10, 0)):
        actions.do_resume(incident, actor=agent)
    assert clock(incident, Metric.RESOLUTION).paused_seconds == 9 * 3600  # Mon 10-18, Tue 9-10
    with when(at(17, 11, 0)):
        monday = clock(incident, Metric.RESOLUTION).calendar.intervals.get(weekday=0)
        monday.end = datetime(2026, 1, 1, 12, 0).time()  # Mondays now end at 12:00
        monday.save()
    with when(at(17, 11, 0)):
        run_tasks()
    resolution = clock(incident, Metric.RESOLUTION)
    assert resolution.paused_seconds == 3 * 3600  # Mon 10-12, Tue 9-10
    assert clocks.used(resolution, at(17, 11, 0)) == timedelta(hours=2)  # Mon 9-10, Tue 10-11
    assert resolution.due_at == at(19, 15, 0)
