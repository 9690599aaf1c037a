"""`incidesk demo`: a desk whose bulk-loaded history keeps the invariants the actions keep."""

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from incidesk.accounts.models import Organisation, Role, Team, User
from incidesk.accounts.tests.factories import AgentFactory
from incidesk.catalog.models import Cause, HoldReason, PriorityRule, ResolutionCode
from incidesk.incidents import actions
from incidesk.incidents.models import (
    Channel,
    Comment,
    EventKind,
    Incident,
    Kind,
    NumberCounter,
    SearchDocument,
    TimelineEvent,
)
from incidesk.incidents.search import search
from incidesk.incidents.status import Status
from incidesk.incidents.tests.apiclient import Api
from incidesk.incidents.tests.factories import make_incident
from incidesk.incidents.tests.fts import segments_left_to_merge
from incidesk.sla.calendar import due_time
from incidesk.sla.clocks import policy_for
from incidesk.sla.models import ClockState, Metric, SlaClock
from incidesk.sla.tests.moments import at
from incidesk.sla.tests.replay import replay_timeline

pytestmark = pytest.mark.django_db

COUNT = 200


def _load() -> str:
    out = io.StringIO()
    call_command("demo", "--incidents", str(COUNT), "--seed", "3", stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def demo() -> str:
    return _load()


def test_people_teams_and_logins(demo):
    assert Team.objects.count() == 3
    assert all(team.lead and team.members.count() >= 4 for team in Team.objects.all())
    assert User.objects.filter(role=Role.CUSTOMER).count() == 50
    assert Organisation.objects.count() == 5
    assert Organisation.objects.filter(shared_visibility=True).count() == 1
    admin = User.objects.get(email="admin@example.com")
    assert admin.is_superuser and admin.check_password("demo-admin")
    assert "admin@example.com" in demo and "demo-admin" in demo
    customer = User.objects.get(email="m.ivanova@sevveter.example")
    assert customer.check_password("demo-customer") and customer.organisation.members.count() == 10
    assert "m.ivanova@sevveter.example" in demo


def test_some_closed_incidents_are_rated(demo):
    ratings = set(
        Incident.objects.filter(satisfaction__isnull=False).values_list("satisfaction", flat=True)
    )
    assert ratings <= {1, 2, 3, 4, 5} and len(ratings) >= 3


def test_incidents_cover_every_status_kind_channel_and_cause(demo):
    incidents = Incident.objects.all()
    assert incidents.count() == SearchDocument.objects.count() == COUNT
    assert set(incidents.values_list("status", flat=True)) == set(Status.values)
    assert set(incidents.values_list("kind", flat=True)) == set(Kind.values)
    assert set(incidents.values_list("channel", flat=True)) == set(Channel.values)
    assert len(set(incidents.values_list("priority", flat=True))) >= 4
    used = {
        incident.cause.root_code
        for incident in incidents.filter(status__in=[Status.RESOLVED, Status.CLOSED])
    }
    assert used == set(Cause.objects.filter(parent=None).values_list("code", flat=True))
    assert len(used) == 8


def test_every_incident_keeps_the_invariants(demo):
    matrix = {(r.impact, r.urgency): r.priority for r in PriorityRule.objects.all()}
    now = timezone.now()
    for incident in Incident.objects.prefetch_related("events", "comments"):
        events = list(incident.events.all())
        assert events[0].kind == EventKind.CREATED and events[0].at == incident.created_at
        times = [event.at for event in events]
        assert times == sorted(times) and times[-1] == incident.updated_at <= now
        statuses = [e.data["new"] for e in events if e.kind == EventKind.STATUS_CHANGED]
        assert (statuses or [Status.NEW])[-1] == incident.status
        assert incident.priority == matrix[(incident.impact, incident.urgency)] or (
            incident.priority_overridden
            and any(e.kind == EventKind.PRIORITY_OVERRIDDEN for e in events)
        )
        assert (incident.hold_reason_id is not None) == (incident.status == Status.ON_HOLD)
        comment_ids = {comment.pk for comment in incident.comments.all()}
        assert {e.data["comment_id"] for e in events if "comment_id" in e.data} == comment_ids

        if incident.status == Status.NEW:
            assert incident.assignee is None and incident.first_response_at is None
        else:
            assert incident.first_response_at is None or (
                incident.created_at < incident.first_response_at
            )
        if incident.status in (Status.RESOLVED, Status.CLOSED):
            assert incident.cause and incident.resolution_code and incident.resolution_notes
            assert incident.created_at < incident.first_response_at < incident.resolved_at
            assert incident.assignee.is_desk_staff and incident.team
        if incident.status == Status.CLOSED:
            assert incident.resolved_at < incident.closed_at <= now
        rated = [e for e in events if e.kind == EventKind.RATED]
        if incident.satisfaction is not None:
            assert incident.status == Status.CLOSED and 1 <= incident.satisfaction <= 5
            assert [e.data["rating"] for e in rated] == [incident.satisfaction]
            assert rated[0].actor == incident.reporter and incident.rated_at == rated[0].at
        else:
            assert rated == []
        if incident.status == Status.CANCELLED:
            assert incident.cancel_reason and incident.created_at < incident.closed_at <= now


def test_numbers_continue_after_the_demo(demo):
    numbers = sorted(Incident.objects.values_list("number", flat=True))
    assert numbers[0] == "INC-000001" and numbers[-1] == f"INC-{COUNT:06d}"
    assert NumberCounter.objects.get(prefix="INC").last == COUNT

    customer = User.objects.filter(role=Role.CUSTOMER).first()
    incident = actions.do_create_incident(actor=customer, title="Не работает сканер")

    assert incident.number == f"INC-{COUNT + 1:06d}"


def test_search_finds_russian_word_forms_and_numbers(demo):
    found = search(Incident.objects.all(), "принтеры")
    assert found.exists()
    for incident in found:
        text = " ".join([incident.title, incident.description]).lower()
        public = Comment.objects.filter(incident=incident, visibility="public")
        assert "принтер" in text or any("принтер" in c.body.lower() for c in public)

    incident = Incident.objects.order_by("?").first()
    assert list(search(Incident.objects.all(), incident.number)) == [incident]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's full-text index")
def test_the_demo_leaves_its_search_index_in_one_segment(monkeypatch):
    monkeypatch.setattr("incidesk.demo.builder.CHUNK", COUNT // 4)  # a transaction per chunk
    _load()
    assert not segments_left_to_merge()


@pytest.mark.parametrize(
    ("language", "by_status"), [("ru", "По статусам: "), ("en", "By status: ")]
)
def test_the_summary_names_statuses_and_roles_in_words(language, by_status):
    with translation.override(language):
        out = _load()
        labels = {status: str(status.label) for status in Status}
        roles = {str(role.label) for role in Role}
    counts = dict(Incident.objects.values_list("status").annotate(n=Count("pk")))
    line = next(line.strip() for line in out.splitlines() if by_status in line)
    expected = ", ".join(f"{labels[status]}: {counts.get(status, 0)}" for status in Status)
    assert line == f"{by_status}{expected}."
    assert not any(f"{status.value}: " in out for status in Status)  # codes such as "on_hold: 3"
    assert all(role in out for role in roles)


def test_a_second_run_refuses(demo):
    with pytest.raises(CommandError, match="уже загружены"):
        call_command("demo", "--incidents", "1", stdout=io.StringIO(), stderr=io.StringIO())

    assert Incident.objects.count() == COUNT


def test_if_empty_makes_a_second_run_a_no_op(demo):
    out = io.StringIO()
    call_command("demo", "--incidents", "1", "--if-empty", stdout=out, stderr=io.StringIO())
    assert "уже загружены" in out.getvalue()
    assert Incident.objects.count() == COUNT


@pytest.fixture
def built_at() -> datetime:
    """Load the demo with time standing still, and return that moment: the builder's "now", so
    which clocks are past due is decided at one known instant."""
    moment = timezone.now().replace(microsecond=0)  # the builder's "now" has whole seconds
    with time_machine.travel(moment, tick=False):
        _load()
    return moment


def _clocks() -> Iterator[tuple[Incident, SlaClock, SlaClock]]:
    incidents = Incident.objects.select_related("hold_reason").prefetch_related(
        "sla_clocks__calendar", "events"
    )
    for incident in incidents:
        response, resolution = incident.sla_clocks.all()
        yield incident, response, resolution


def test_every_incident_has_both_clocks_on_its_policy_targets(built_at):
    policy = policy_for(Incident.objects.first())
    targets = {(t.priority, t.metric): t for t in policy.targets.select_related("calendar")}
    assert SlaClock.objects.count() == 2 * COUNT
    for incident, *clocks in _clocks():
        assert [clock.metric for clock in clocks] == [Metric.RESPONSE, Metric.RESOLUTION]
        for clock in clocks:
            target = targets[incident.priority, clock.metric]
            assert (clock.amount, clock.unit, clock.calendar) == (
                target.amount,
                target.unit,
                target.calendar,
            )
            assert clock.started_at == incident.created_at
            paused = timedelta(seconds=clock.paused_seconds)
            assert clock.due_at == due_time(
                clock.started_at, clock.amount, clock.unit, paused, clock.calendar
            )
            # Only a pause that ended (a resumed hold, a reopen) is credited.
            assert not clock.paused_seconds or (
                clock.metric == Metric.RESOLUTION
                and any(
                    e.data.get("old") in (Status.ON_HOLD, Status.RESOLVED)
                    for e in incident.events.all()
                )
            )
    assert SlaClock.objects.filter(paused_seconds__gt=0).exists()


def test_clocks_follow_the_incident_history(built_at):
    policy = policy_for(Incident.objects.first())
    pausing = set(policy.pausing_hold_reasons.values_list("code", flat=True))
    for incident, response, resolution in _clocks():
        if incident.first_response_at is not None:
            assert response.stopped_at == incident.first_response_at
        if incident.status in (Status.RESOLVED, Status.CLOSED):
            assert resolution.stopped_at == incident.resolved_at
        elif incident.status == Status.CANCELLED:
            for clock in (response, resolution):
                # Cancelled unless it had stopped (a response before the cancellation).
                assert clock.stopped_at < incident.closed_at or (
                    clock.state == ClockState.CANCELLED and clock.stopped_at == incident.closed_at
                )
        else:
            assert resolution.stopped_at is None
            held = incident.status == Status.ON_HOLD and incident.hold_reason.code in pausing
            if held:
                went_on_hold = incident.events.filter(kind=EventKind.STATUS_CHANGED).last().at
                assert resolution.paused_since == went_on_hold
            else:
                assert resolution.paused_since is None
            paused_or_running = ClockState.PAUSED if held else ClockState.RUNNING
            assert resolution.state in (paused_or_running, ClockState.BREACHED)
        if incident.status == Status.NEW:
            assert response.state in (ClockState.RUNNING, ClockState.BREACHED)
        for clock in (response, resolution):
            still_open = clock.stopped_at is None and clock.state != ClockState.CANCELLED
            queue_due = getattr(incident, f"{clock.metric}_due_at")
            assert queue_due == (clock.due_at if still_open else None)
    assert set(SlaClock.objects.values_list("state", flat=True)) == set(ClockState.values)


def test_breaches_are_where_the_clocks_ran_past_due(built_at):
    for incident, *clocks in _clocks():
        for clock in clocks:
            if clock.state == ClockState.BREACHED:
                assert clock.fired == [50, 75, 90, 100]
                assert clock.breached_at < (clock.stopped_at or built_at)
                # A breach is permanent: a pause credited after it moves only the due time.
                assert clock.breached_at == clock.due_at or (
                    clock.paused_seconds and clock.breached_at < clock.due_at
                )
                continue
            assert clock.breached_at is None
            assert set(clock.fired) <= {50, 75, 90} and clock.fired == sorted(clock.fired)
            if clock.state == ClockState.MET:
                assert clock.stopped_at <= clock.due_at
            elif clock.state == ClockState.RUNNING:
                assert clock.stopped_at is clock.paused_since is None
                assert clock.due_at >= built_at
            if clock.stopped_at is not None and not clock.paused_seconds:
                # Without credited pauses, met or breached is decided by the due time alone.
                assert (clock.state == ClockState.MET) == (clock.stopped_at <= clock.due_at) or (
                    clock.state == ClockState.CANCELLED
                )
        assert incident.escalated == any(c.state == ClockState.BREACHED for c in clocks)
    assert Incident.objects.filter(escalated=True).exists()
    assert SlaClock.objects.exclude(fired=[]).exclude(state=ClockState.BREACHED).exists()


def test_a_worker_started_after_the_demo_warns_only_from_now_on(
    built_at, run_tasks, django_capture_on_commit_callbacks
):
    running = dict(
        SlaClock.objects.filter(state=ClockState.RUNNING).values_list("pk", "updated_at")
    )
    checks = DBTaskResult.objects.filter(task_path__endswith="check_clock")
    assert sorted(c.args_kwargs["args"] for c in checks) == sorted(
        [pk, updated_at.isoformat()] for pk, updated_at in running.items()
    )
    assert all(check.run_after == built_at for check in checks)

    with (
        time_machine.travel(built_at, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run_tasks()

    assert not TimelineEvent.objects.filter(
        kind__in=[EventKind.SLA_WARNING, EventKind.SLA_BREACHED, EventKind.ESCALATED]
    ).exists()
    assert checks.filter(status="SUCCESSFUL").count() == len(running)
    # Each check scheduled its clock's next threshold, still to come.
    following = checks.filter(status="READY")
    assert sorted(task.args_kwargs["args"][0] for task in following) == sorted(running)
    assert all(task.run_after > built_at for task in following)


def test_the_api_shows_the_due_times_of_demo_incidents(demo):
    agent = User.objects.filter(role=Role.AGENT).first()
    response = Api(agent).get("/incidents", {"limit": COUNT})
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == COUNT
    due = {
        (clock.incident.number, clock.metric): clock.due_at
        for clock in SlaClock.objects.select_related("incident")
    }
    for item in items:
        for metric in Metric:
            shown = datetime.fromisoformat(item[f"{metric}_due"])
            # JSON carries milliseconds.
            assert abs(shown - due[item["number"], metric]) < timedelta(milliseconds=1)


# --- the replay against the live clocks ------------------------------------------------------


@pytest.fixture
def live(django_capture_on_commit_callbacks, run_tasks):
    """Act at a moment with the worker first running the checks due by then, as a live desk
    would have (on-commit work, the next checks included, runs at the end)."""

    @contextmanager
    def moment(when: datetime) -> Iterator[None]:
        with (
            time_machine.travel(when, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            run_tasks()
            yield

    return moment


def _replayed(incident: Incident, now: datetime) -> list[dict]:
    """The clock rows `sla.history` gives for the incident's timeline, as the demo loads them,
    less `updated_at`: a live breach is stamped when the worker ran, a replayed one at due time."""
    return [
        {name: value for name, value in row.items() if name != "updated_at"}
        for row in replay_timeline(incident, now)
    ]


def _stored(incident: Incident) -> list[dict]:
    skipped = {"id", "incident_id", "updated_at"}
    fields = [f.attname for f in SlaClock._meta.concrete_fields if f.attname not in skipped]
    return list(incident.sla_clocks.values(*fields))


def test_the_replay_gives_the_clocks_the_actions_left(live):
    agent = AgentFactory()
    resolve = {
        "actor": agent,
        "cause": Cause.objects.get(code="software_error"),
        "resolution_code": ResolutionCode.objects.get(code="fixed"),
        "notes": "Обновили",
    }
    with live(at(16, 9, 0)):  # Monday; P3: response in 4 h, resolution in 24 business hours
        incident = make_incident()
    with live(at(16, 10, 0)):
        actions.do_accept(incident, actor=agent)
    with live(at(16, 11, 0)):  # the pause is credited in business hours: 7 h, then 1 h
        actions.do_request_info(incident, actor=agent, message="Какая версия?")
    with live(at(17, 10, 0)):
        actions.do_add_comment(incident, actor=incident.reporter, body="Последняя")
    with live(at(20, 17, 0)):  # past due since Thursday: breached, then stopped
        actions.do_resolve(incident, **resolve)
    with live(at(23, 10, 0)):  # Friday 17-18 and Monday 9-10 in "resolved" count as a pause
        actions.do_reopen(incident, actor=incident.reporter, reason="Снова")
    with live(at(24, 11, 0)):
        awaiting_vendor = HoldReason.objects.get(code="awaiting_vendor")
        actions.do_hold(incident, actor=agent, reason=awaiting_vendor)
    with live(at(24, 12, 0)):
        actions.do_resume(incident, actor=agent)
    with live(at(25, 12, 0)):
        actions.do_resolve(incident, **resolve)
    incident.refresh_from_db()

    replayed = _replayed(incident, at(25, 12, 0))
    assert replayed == _stored(incident)
    response, resolution = replayed
    assert response["state"] == ClockState.MET
    assert resolution["state"] == ClockState.BREACHED
    assert resolution["breached_at"] < resolution["due_at"]  # the reopen credited a pause


def test_the_replay_of_open_and_cancelled_incidents(live):
    agent = AgentFactory()
    with live(at(16, 9, 0)):
        urgent = make_incident(impact="high", urgency="high")  # P1: response in 15 min, 24x7
        waiting = make_incident(Status.IN_PROGRESS, agent=agent)
        held = make_incident(Status.ON_HOLD, agent=agent)  # awaiting the customer
    with live(at(16, 9, 30)):  # the response was due at 09:15
        actions.do_cancel(urgent, actor=agent, reason="Дубль")
    with live(at(16, 12, 0)):
        awaiting_change = HoldReason.objects.get(code="awaiting_change")
        actions.do_hold(waiting, actor=agent, reason=awaiting_change)
    now = at(17, 15, 0)  # `waiting` has used 15 of its 24 business hours: warned at 50 %
    with live(now):
        pass

    incidents = [urgent, waiting, held]
    for incident in incidents:
        incident.refresh_from_db()
        assert _replayed(incident, now) == _stored(incident)
    # Cancelling stops the breached response clock too; its breach stays on record.
    assert [[clock["state"] for clock in _stored(i)] for i in incidents] == [
        [ClockState.CANCELLED, ClockState.CANCELLED],
        [ClockState.MET, ClockState.RUNNING],
        [ClockState.MET, ClockState.PAUSED],
    ]
    assert waiting.sla_clocks.get(metric=Metric.RESOLUTION).fired == [50]
    assert urgent.sla_clocks.get(metric=Metric.RESPONSE).breached_at == at(16, 9, 15)
