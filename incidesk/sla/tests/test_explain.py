"""The story of an incident's SLA clocks, as the agent and the customer read it: built through the
real actions, the real task worker and controlled time (Moscow, November 2026: no holidays)."""

import pytest
import time_machine
from django.utils import translation

from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, LeadFactory
from incidesk.catalog.models import Cause, HoldReason, ResolutionCode
from incidesk.incidents import actions
from incidesk.incidents.models import Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.apiclient import Api, assert_problem
from incidesk.incidents.tests.factories import make_incident
from incidesk.sla import reference
from incidesk.sla.explain import Step, StepKind, duration, explain
from incidesk.sla.models import SlaPolicy, SlaTarget
from incidesk.sla.tests.moments import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer() -> User:
    return CustomerFactory(language="ru")


@pytest.fixture
def agent() -> User:
    return AgentFactory()


@pytest.fixture
def breached(customer, agent, when, run_tasks) -> Incident:
    """A P3 registered Friday 17:30; at 17:45 the agent asks a question (the first response), the
    customer answers Monday 10:00. The worker warns at 50, 75 and 90 % and breaches Wednesday
    15:45; the policy then raises the priority to P2, which re-targets both clocks onto the 24×7
    calendar, where the weekend pause counts in full: resolution due Monday 17:45."""
    SlaPolicy.objects.update(raise_priority_on_breach=True)
    reference.changed()  # written without signals
    with when(at(13, 17, 30)):
        incident = make_incident(reporter=customer)
    with when(at(13, 17, 45)):
        actions.do_accept(incident, actor=agent)
        actions.do_request_info(incident, actor=agent, message="Какой кабинет?")
    with when(at(16, 10, 0)):
        actions.do_add_comment(incident, actor=customer, body="Кабинет 204")
    # 50 % is Tue 12:45, 75 % Wed 09:45, 90 % Wed 13:21, the due time Wed 15:45.
    for moment in (at(17, 12, 46), at(18, 9, 46), at(18, 13, 22), at(18, 15, 46)):
        with when(moment):
            run_tasks()
    incident.refresh_from_db()
    assert incident.priority == 2
    return incident


def texts(steps: list[Step]) -> list[tuple[str, str, str]]:
    return [(step.metric, step.kind, step.text) for step in steps]


def test_the_agent_reads_every_step_in_order(breached, agent):
    with translation.override("en"):
        story = texts(explain(breached, agent))
    # The two re-targets share a moment; the clocks' order among them is the database's.
    story[-2:] = sorted(story[-2:])
    assert story == [
        (
            "response",
            "started",
            "First response: clock started at P3: within 4 h of business time, "
            "due 12:30, 16 November.",
        ),
        (
            "resolution",
            "started",
            "Resolution: clock started at P3: within 24 h of business time, "
            "due 14:30, 18 November.",
        ),
        ("response", "met", "First response: target met, clock stopped."),
        (
            "resolution",
            "paused",
            "Resolution: paused from 17:45, 13 November to 10:00, 16 November (Awaiting customer).",
        ),
        ("resolution", "resumed", "Resolution: clock resumed, due time moved by 1 h 15 min."),
        ("resolution", "warned", "Resolution: 50% of the time used, due 15:45, 18 November."),
        ("resolution", "warned", "Resolution: 75% of the time used, due 15:45, 18 November."),
        ("resolution", "warned", "Resolution: 90% of the time used, due 15:45, 18 November."),
        (
            "resolution",
            "breached",
            "Resolution: breached, the due time 15:45, 18 November has passed.",
        ),
        (
            "resolution",
            "escalated",
            "Resolution: escalated to the team lead; priority raised P3 → P2.",
        ),
        (
            "resolution",
            "retargeted",
            "Resolution: target changed with the priority, P3 → P2: "
            "due 17:45, 16 November instead of 15:45, 18 November.",
        ),
        (
            "response",
            "retargeted",
            "First response: target changed with the priority, P3 → P2: "
            "due 18:30, 13 November instead of 12:30, 16 November.",
        ),
    ]


def test_the_customer_reads_plain_russian_without_the_desks_alarms(breached, customer):
    with translation.override("ru"):
        story = explain(breached, customer)
    assert not {StepKind.WARNED, StepKind.ESCALATED} & {step.kind for step in story}
    assert [step.text for step in story] == [
        "Мы стремимся ответить в течение 4 ч рабочего времени, до 12:30, 16 ноября.",
        "Мы стремимся решить вопрос в течение 24 ч рабочего времени, до 14:30, 18 ноября.",
        "Мы ответили в ожидаемый срок.",
        "Отсчёт времени был приостановлен на 1 ч 15 мин, пока мы ждали вашего ответа.",
        "Отсчёт времени возобновлён.",
        "Мы не успели решить вопрос к ожидаемому времени, 15:45, 18 ноября.",
        # The response was given long before: its new due time means nothing to the customer.
        "Ожидаемое время решения изменилось, потому что изменился приоритет: "
        "теперь до 17:45, 16 ноября.",
    ]
    assert story[3].at == at(13, 17, 45)


def test_times_are_on_the_viewers_wall_clock(breached):
    traveller = CustomerFactory(time_zone="Asia/Novosibirsk")  # Moscow + 4 h
    with translation.override("en"):
        first = explain(breached, traveller)[0]
    assert first.text == "We aim to reply within 4 h of business time, by 16:30, 16 November."


def test_a_running_pause_says_since_when(customer, agent):
    with time_machine.travel(at(16, 9, 0), tick=False):
        incident = make_incident(Status.IN_PROGRESS, reporter=customer, agent=agent)
    with time_machine.travel(at(16, 11, 0), tick=False):
        actions.do_hold(
            incident, actor=agent, reason=HoldReason.objects.get(code="awaiting_vendor")
        )
    with translation.override("en"):
        mine, theirs = explain(incident, agent)[-1], explain(incident, customer)[-1]
    assert (
        mine.text == "Resolution: paused since 11:00, 16 November (Awaiting third party / vendor)."
    )
    assert theirs.text == (
        "The clock has been paused since 11:00, 16 November while we wait for a supplier."
    )


def test_resolution_stops_and_a_reopen_resumes_it(customer, agent):
    with time_machine.travel(at(16, 9, 0), tick=False):
        incident = make_incident(Status.IN_PROGRESS, reporter=customer, agent=agent)
    with time_machine.travel(at(16, 11, 0), tick=False):
        actions.do_resolve(
            incident,
            actor=agent,
            cause=Cause.objects.get(code="human_error"),
            resolution_code=ResolutionCode.objects.get(code="fixed"),
            notes="Готово",
        )
    with time_machine.travel(at(17, 9, 0), tick=False):
        actions.do_reopen(incident, actor=customer, reason="Снова")
    with translation.override("en"):
        mine, theirs = explain(incident, agent), explain(incident, customer)
    assert texts(mine)[-2:] == [
        ("resolution", "met", "Resolution: target met, clock stopped."),
        (
            "resolution",
            "resumed",
            "Resolution: clock resumed on reopen, due time moved by 7 h spent in testing.",
        ),
    ]
    assert theirs[-1].text == (
        "The incident was reopened and the clock is running again; the time while you checked "
        "the solution (7 h) did not count."
    )


def test_a_manual_priority_change_is_explained_to_the_customer(customer, agent):
    with time_machine.travel(at(16, 9, 0), tick=False):
        incident = make_incident(Status.IN_PROGRESS, reporter=customer, agent=agent)
    with time_machine.travel(at(16, 10, 0), tick=False):
        actions.do_update_incident(incident, actor=agent, impact="low", urgency="low")
    with translation.override("en"):
        story = explain(incident, customer)
    assert story[-1].kind == StepKind.RETARGETED
    assert story[-1].text == (
        "The expected resolution time changed because the priority changed: "
        "now by 18:00, 30 November."
    )


def test_a_start_target_the_policy_no_longer_has_is_not_guessed(customer, agent):
    with time_machine.travel(at(16, 9, 0), tick=False):
        incident = make_incident(Status.IN_PROGRESS, reporter=customer, agent=agent)
    with time_machine.travel(at(16, 10, 0), tick=False):
        actions.do_update_incident(incident, actor=agent, impact="low", urgency="low")
    SlaTarget.objects.filter(priority=3).delete()
    with translation.override("en"):
        started = [s.text for s in explain(incident, agent) if s.kind == StepKind.STARTED]
    assert started == [
        "First response: clock started at P3.",
        "Resolution: clock started at P3.",
    ]


def test_a_cancelled_incident_cancels_the_story_too(customer, agent):
    incident = make_incident(Status.CANCELLED, reporter=customer, agent=agent)
    with translation.override("en"):
        story = explain(incident, customer)
    assert [(s.metric, s.kind) for s in story][-2:] == [
        ("response", "cancelled"),
        ("resolution", "cancelled"),
    ]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 min"), (29, "0 min"), (30, "1 min"), (3600, "1 h"), (7800, "2 h 10 min")],
)
def test_durations_read_as_people_say_them(seconds, text):
    with translation.override("en"):
        assert duration(seconds) == text
    with translation.override("ru"):
        assert duration(seconds) == text.replace("h", "ч").replace("min", "мин")


# --- the endpoint ---------------------------------------------------------------------------


def test_the_endpoint_answers_in_the_requested_language(breached, customer):
    english = Api(customer, language="en").get(f"/incidents/{breached.number}/sla")
    assert english.status_code == 200, english.content
    body = english.json()
    assert [clock["metric"] for clock in body["clocks"]] == ["response", "resolution"]
    assert body["clocks"][1]["breached"] is True
    assert body["story"][3] == {
        "at": "2026-11-13T14:45:00Z",
        "metric": "resolution",
        "kind": "paused",
        "text": "The clock was paused for 1 h 15 min while we waited for your answer.",
    }
    russian = Api(customer, language="ru").get(f"/incidents/{breached.number}/sla").json()
    assert russian["story"][3]["text"] == (
        "Отсчёт времени был приостановлен на 1 ч 15 мин, пока мы ждали вашего ответа."
    )


def test_the_agent_gets_the_whole_story_through_the_endpoint(breached):
    lead = LeadFactory()
    story = Api(lead).get(f"/incidents/{breached.number}/sla").json()["story"]
    assert [step["kind"] for step in story].count("warned") == 3
    assert "escalated" in [step["kind"] for step in story]


def test_someone_elses_incident_is_not_found(breached):
    stranger = Api(CustomerFactory())
    hidden = assert_problem(stranger.get(f"/incidents/{breached.number}/sla"), 404, "not_found")
    missing = assert_problem(stranger.get("/incidents/INC-999999/sla"), 404, "not_found")
    assert hidden == {**missing, "detail": missing["detail"].replace("INC-999999", breached.number)}
