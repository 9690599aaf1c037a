"""Round robin is fair over any arrivals (hypothesis, derandomised, bounded): incidents come
in batches whose assignment tasks run in any order, some agents are away, and every available
agent's count stays within one of every other's, each incident assigned exactly once."""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidesk.automation.assignment import assign
from incidesk.automation.models import AgentAvailability, RoutingRule
from incidesk.automation.tests.conftest import make_desk
from incidesk.incidents import actions
from incidesk.incidents.models import EventKind, TimelineEvent

pytestmark = pytest.mark.django_db

# Bounded and derandomised for CI: the same examples on every run, ~15 s per database.
PROPERTY = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@st.composite
def arrivals(draw: st.DrawFn) -> dict:
    agents = draw(st.integers(2, 5))
    away = draw(st.sets(st.integers(0, agents - 1), max_size=agents - 1))
    batches = draw(st.lists(st.integers(1, 4), min_size=1, max_size=5))
    # the order the batch's assignment tasks happen to run in
    orders = [draw(st.permutations(range(size))) for size in batches]
    return {"agents": agents, "away": away, "batches": orders}


@PROPERTY
@given(plan=arrivals())
def test_round_robin_keeps_every_available_agent_within_one_of_the_others(plan):
    with transaction.atomic():
        RoutingRule.objects.all().delete()
        desk = make_desk(agents=plan["agents"])
        for index in plan["away"]:
            AgentAvailability.objects.create(
                agent=desk.agents[index], away_from=timezone.now() - timedelta(hours=1)
            )
        available = [a for i, a in enumerate(desk.agents) if i not in plan["away"]]
        given_to: Counter = Counter()
        for order in plan["batches"]:
            batch = [
                actions.do_create_incident(actor=desk.customer, title="Нет VPN") for _ in order
            ]
            for position in order:
                given_to[assign(batch[position].pk)] += 1
            counts = [given_to[agent] for agent in available]
            assert max(counts) - min(counts) <= 1, (counts, plan)
            assert set(given_to) <= set(available)
        assigned = TimelineEvent.objects.filter(
            incident__team=desk.team, kind=EventKind.ASSIGNED
        ).values_list("incident_id", flat=True)
        assert len(assigned) == len(set(assigned)) == sum(len(o) for o in plan["batches"])
        transaction.set_rollback(True)
