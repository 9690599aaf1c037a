"""Random lives of an incident, driven through the real actions at moments spread over weeks
with a holiday, a shortened day and the New Year holidays (Moscow calendar), checked after every
step against what must always hold of its SLA clocks:

- business time used is never negative and never more than the wall time the clock ran;
- a breach is permanent;
- the due time, the pauses and the stop are those of a from-scratch replay of the incident's
  history (`sla.history`), which measures every pause on the calendar of the final priority;
- right after a priority change no open clock is past its target without being breached;
- the queue columns show each open clock's due time, and nothing once it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import AgentFactory, LeadFactory
from incidesk.catalog.models import Cause, HoldReason, ResolutionCode
from incidesk.incidents import actions
from incidesk.incidents.models import Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.sla import clocks
from incidesk.sla.models import ClockState, SlaClock
from incidesk.sla.tests.moments import MSK
from incidesk.sla.tests.replay import replay_timeline

pytestmark = pytest.mark.django_db

# Monday 26 October 2026; the incidents start within 80 days of it, so their lives cross
# 3 November (shortened), 4 November (holiday) and 31 December to 11 January.
FIRST_START = datetime(2026, 10, 26, tzinfo=MSK)
START_WINDOW_MINUTES = 80 * 24 * 60
LEVELS = ("high", "medium", "low")
# Bounded and derandomised for CI: the same examples on every run, under ~30 s per database.
PROPERTY = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# minutes to wait before a move: often within a working day, sometimes over a weekend
waits = st.one_of(st.integers(0, 3 * 60), st.integers(0, 4 * 24 * 60))
levels = st.sampled_from(LEVELS)
Step = tuple[int, tuple]  # minutes to wait, then the move and its arguments


@st.composite
def episodes(draw: st.DrawFn) -> list[Step]:
    """A few moves that belong together, so that random lives reach the states that matter: a
    hold for a pausing or a non-pausing reason, ended by a resume, the customer's reply or a
    cancellation, with perhaps a priority change in the middle; a priority change (P1-P2 run on
    24x7, P3-P5 on the Moscow calendar) by the matrix or by override; a resolution and a reopen;
    the worker's checks; a reply."""
    kind = draw(st.sampled_from(["hold", "hold", "priority", "testing", "worker", "reply"]))
    if kind == "hold":
        reason = draw(st.sampled_from(["awaiting_vendor", "awaiting_change", "awaiting_customer"]))
        steps = [
            (draw(waits), ("request_info",) if reason == "awaiting_customer" else ("hold", reason))
        ]
        if draw(st.booleans()):
            steps.append((draw(waits), ("reclassify", draw(levels), draw(levels))))
        end = draw(st.sampled_from(["resume", "customer_reply", "customer_reply", "cancel"]))
        return [*steps, (draw(waits), (end,))]
    if kind == "priority":
        if draw(st.integers(0, 3)):
            return [(draw(waits), ("reclassify", draw(levels), draw(levels)))]
        return [(draw(waits), ("override", draw(st.integers(1, 5))))]
    if kind == "testing":
        return [(draw(waits), ("resolve",)), (draw(waits), ("reopen",))]
    if kind == "worker":
        return [(draw(waits), ("worker",))]
    return [(draw(waits), (draw(st.sampled_from(["staff_reply", "customer_reply"])),))]


lives = st.fixed_dictionaries(
    {
        "start": st.integers(0, START_WINDOW_MINUTES),
        "impact": levels,
        "urgency": levels,
        "accepted": st.sampled_from([True, True, True, False]),
        "episodes": st.lists(episodes(), min_size=1, max_size=6),
        "end": st.sampled_from([(), ("worker",), ("cancel",), ("resolve",)]),
        "last_wait": waits,
    }
)


class Desk:
    """The people who move the incident, and the moves each status allows."""

    def __init__(self) -> None:
        self.agent: User = AgentFactory()
        self.lead: User = LeadFactory()

    def moves(self, incident: Incident) -> dict[str, tuple[set[Status], Callable]]:
        agent = self.agent
        editable = {Status.NEW, Status.IN_PROGRESS, Status.ON_HOLD, Status.RESOLVED}
        return {
            "hold": (
                {Status.IN_PROGRESS},
                lambda code: actions.do_hold(
                    incident, actor=agent, reason=HoldReason.objects.get(code=code)
                ),
            ),
            "request_info": (
                {Status.IN_PROGRESS},
                lambda: actions.do_request_info(incident, actor=agent, message="Какой кабинет?"),
            ),
            "resume": ({Status.ON_HOLD}, lambda: actions.do_resume(incident, actor=agent)),
            "worker": (set(Status), lambda: self.run_checks(incident)),
            "customer_reply": (
                editable,
                lambda: actions.do_add_comment(
                    incident, actor=incident.reporter, body="Кабинет 204"
                ),
            ),
            "staff_reply": (
                editable,
                lambda: actions.do_add_comment(incident, actor=agent, body="Смотрим"),
            ),
            "resolve": (
                {Status.IN_PROGRESS},
                lambda: actions.do_resolve(
                    incident,
                    actor=agent,
                    cause=Cause.objects.get(code="software_error"),
                    resolution_code=ResolutionCode.objects.get(code="fixed"),
                    notes="Обновили",
                ),
            ),
            "reopen": (
                {Status.RESOLVED},
                lambda: actions.do_reopen(incident, actor=incident.reporter, reason="Снова"),
            ),
            "cancel": (
                {Status.NEW, Status.IN_PROGRESS, Status.ON_HOLD},
                lambda: actions.do_cancel(incident, actor=agent, reason="Дубль"),
            ),
            "reclassify": (
                editable,
                lambda impact, urgency: actions.do_update_incident(
                    incident, actor=agent, impact=impact, urgency=urgency
                ),
            ),
            "override": (
                editable,
                lambda priority: actions.do_override_priority(
                    incident, actor=self.lead, priority=priority, reason="Так решил руководитель"
                ),
            ),
        }

    @staticmethod
    def run_checks(incident: Incident) -> None:
        """What the worker does when a clock's scheduled check comes due (here possibly later
        than scheduled, as after a worker outage): fire what the clock has reached."""
        for clock_id, updated_at in SlaClock.objects.filter(incident=incident).values_list(
            "pk", "updated_at"
        ):
            actions.do_check_sla(clock_id, updated_at.isoformat())


def replayed(incident: Incident, now: datetime) -> dict[str, dict]:
    """The clocks `sla.history` rebuilds from scratch from the incident's status changes."""
    return {row["metric"]: row for row in replay_timeline(incident, now)}


REPLAYED_FIELDS = (
    "calendar_id",
    "amount",
    "unit",
    "started_at",
    "pauses",
    "paused_since",
    "paused_seconds",
    "due_at",
    "stopped_at",
)


def check(incident: Incident, now: datetime, breaches: dict[str, datetime], fired: bool):
    """The invariants, after a move made at `now`; `fired` when the move re-targeted the clocks
    or ran their checks, which must leave no open clock past its target unbreached."""
    incident.refresh_from_db()
    replay = replayed(incident, now)
    live = list(SlaClock.objects.filter(incident=incident).select_related("calendar", "incident"))
    assert {clock.metric for clock in live} == set(replay)
    for clock in live:
        end = min(now, clock.stopped_at) if clock.stopped_at else now
        used = clocks.used(clock, now)
        assert timedelta(0) <= used <= end - clock.started_at, clock.metric
        if clock.metric in breaches:
            assert clock.breached_at == breaches[clock.metric], "a breach is permanent"
        elif clock.breached_at is not None:
            breaches[clock.metric] = clock.breached_at
        row = replay[clock.metric]
        assert {name: getattr(clock, name) for name in REPLAYED_FIELDS} == {
            name: row[name] for name in REPLAYED_FIELDS
        }, clock.metric
        assert (clock.state == ClockState.CANCELLED) == (row["state"] == ClockState.CANCELLED)
        open_ = clock.stopped_at is None and clock.state != ClockState.CANCELLED
        if fired and open_ and clock.breached_at is None:
            assert clocks.percent_used(clock, now) < clocks.BREACH, clock.metric
        assert getattr(incident, f"{clock.metric}_due_at") == (clock.due_at if open_ else None)
        if incident.status == Status.CANCELLED:
            assert clock.stopped_at is not None
            assert clock.paused_since is None


@PROPERTY
@given(life=lives)
def test_clocks_keep_their_invariants_through_any_life(life):
    with transaction.atomic():
        now = FIRST_START + timedelta(minutes=life["start"])
        with time_machine.travel(now, tick=False):
            desk = Desk()
            incident = make_incident(impact=life["impact"], urgency=life["urgency"])
            if life["accepted"]:
                incident = actions.do_accept(incident, actor=desk.agent)
        breaches: dict[str, datetime] = {}
        check(incident, now, breaches, fired=False)
        steps = [step for episode in life["episodes"] for step in episode]
        if life["end"]:
            steps.append((life["last_wait"], life["end"]))
        for wait, (name, *args) in steps:
            now += timedelta(minutes=wait)
            statuses, move = desk.moves(incident)[name]
            if incident.status not in statuses:
                continue
            priority = incident.priority
            with time_machine.travel(now, tick=False):
                move(*args)
            incident.refresh_from_db()
            fired = name == "worker" or incident.priority != priority
            check(incident, now, breaches, fired=fired)
        transaction.set_rollback(True)
