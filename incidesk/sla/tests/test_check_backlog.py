"""A backlog of due SLA checks (after a bulk import, or a worker that was down) is worked off
set-wise by one run of the check task: the same events, notifications and next checks as one by
one, in a fixed number of queries whatever the backlog's size."""

from datetime import datetime

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from incidesk.accounts.tests.factories import AgentFactory, LeadFactory, TeamFactory
from incidesk.incidents import actions
from incidesk.incidents.models import EventKind, Incident, TimelineEvent
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.notifications.models import Notification
from incidesk.sla import reference
from incidesk.sla.models import SlaClock, SlaPolicy
from incidesk.sla.tasks import check_clock
from incidesk.sla.tests.moments import at

pytestmark = pytest.mark.django_db

CREATED = at(16, 9, 0)  # a Monday
SLA_KINDS = (EventKind.SLA_WARNING, EventKind.SLA_BREACHED)


def due_checks(moment: datetime) -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(
            task_path=check_clock.module_path,
            status=TaskResultStatus.READY,
            run_after__lte=moment,
        ).order_by("run_after", "enqueued_at")
    )


def backlog(raises: bool) -> list[Incident]:
    """Incidents of every priority, some taken into work (their response checks go stale), some
    with an assignee and a team lead to notify, under a policy that raises the priority at a
    breach (which re-targets the clocks inside the check) or does not (the escalations are
    then set-wise, but for P1)."""
    SlaPolicy.objects.update(raise_priority_on_breach=raises)
    reference.changed()  # written without signals
    lead, agent = LeadFactory(), AgentFactory()
    team = TeamFactory(lead=lead)
    team.members.add(agent)
    incidents = []
    with time_machine.travel(CREATED, tick=False):
        for n, (impact, urgency) in enumerate(
            [("high", "high"), ("medium", "medium"), ("low", "low"), ("high", "medium")] * 3
        ):
            incident = make_incident(impact=impact, urgency=urgency, team=None)
            if n % 3 == 1:
                incident = actions.do_assign(incident, actor=lead, team=team, assignee=agent)
            elif n % 4 == 2:
                incident = actions.do_accept(incident, actor=agent)
            incidents.append(incident)
    return incidents


def observed() -> dict[str, list]:
    """Everything the checks can change, keyed by what both runs share (numbers, not ids)."""
    return {
        "events": list(
            TimelineEvent.objects.order_by("incident__number", "at", "pk").values_list(
                "incident__number", "kind", "data", "is_public", "at"
            )
        ),
        "clocks": list(
            SlaClock.objects.order_by("incident__number", "metric").values_list(
                "incident__number",
                "metric",
                "state",
                "fired",
                "breached_at",
                "updated_at",
                "due_at",
            )
        ),
        "incidents": list(
            Incident.objects.order_by("number").values_list(
                "number", "priority", "escalated", "version", "response_due_at", "resolution_due_at"
            )
        ),
        "notifications": sorted(
            Notification.objects.values_list(
                "recipient__email", "event__incident__number", "event__kind", "event__data"
            ),
            key=repr,
        ),
        "pending checks": sorted(
            (clock.incident.number, clock.metric, row.args_kwargs["args"][1], row.run_after)
            for row in DBTaskResult.objects.filter(
                task_path=check_clock.module_path, status=TaskResultStatus.READY
            )
            for clock in SlaClock.objects.filter(pk=row.args_kwargs["args"][0]).select_related(
                "incident"
            )
        ),
    }


@pytest.mark.parametrize("raises", [True, False], ids=["priority raised", "priority kept"])
def test_a_backlog_is_worked_off_in_a_batch_with_the_same_results_as_one_by_one(run_tasks, raises):
    backlog(raises)
    later = at(16, 14, 0)  # past every response target and some warnings of resolution
    with time_machine.travel(later, tick=False):
        with transaction.atomic():
            while rows := due_checks(later):
                for row in rows:
                    actions.do_check_sla(*row.args_kwargs["args"])
                    row.delete()
            run_tasks()  # the notifications
            one_by_one = observed()
            transaction.set_rollback(True)
        assert len(due_checks(later)) >= 12  # at least one per incident
        run_tasks()
        assert observed() == one_by_one
        by_the_worker = DBTaskResult.objects.exclude(worker_ids=[]).filter(
            task_path=check_clock.module_path
        )
    # One run took the backlog; the few the worker ran itself were scheduled by the breaches'
    # priority raise while it ran, or after it, or were stale.
    assert by_the_worker.count() < len(one_by_one["incidents"])
    kinds = {event[1] for event in one_by_one["events"]}
    assert {EventKind.SLA_WARNING, EventKind.SLA_BREACHED, EventKind.ESCALATED} <= kinds
    assert one_by_one["notifications"]


HALF_WAY = at(16, 11, 1)  # past half of the 4 h response target: one warning each
PAST_DUE = at(16, 13, 1)  # past the target: a breach each


def checked_in_one_run(count: int, moment: datetime = HALF_WAY) -> tuple[int, int]:
    """Queries of one check run over `count` due checks, and how many checks it did."""
    with transaction.atomic():
        with time_machine.travel(CREATED, tick=False):
            for _ in range(count):
                make_incident(Status.NEW)
        with time_machine.travel(moment, tick=False):
            first, *_ = due_checks(moment)
            first.claim("test")  # as the worker does before it runs the task
            with CaptureQueriesContext(connection) as queries:
                done = actions.do_check_due_sla(*first.args_kwargs["args"])
        assert TimelineEvent.objects.filter(kind__in=SLA_KINDS).count() == count
        transaction.set_rollback(True)
    return len(queries), done


def test_a_batch_costs_the_same_queries_for_3_and_30_checks():
    small, large = checked_in_one_run(3), checked_in_one_run(30)
    assert (small[1], large[1]) == (3, 30)
    assert small[0] == large[0]


def test_breaches_are_escalated_set_wise():
    """Past the response target: a breach and an escalation each, the same queries for 3 and
    30 (the default policy keeps the priority)."""
    small, large = checked_in_one_run(3, PAST_DUE), checked_in_one_run(30, PAST_DUE)
    assert (small[1], large[1]) == (3, 30)
    assert small[0] == large[0]
    assert not SlaPolicy.objects.get().raise_priority_on_breach
