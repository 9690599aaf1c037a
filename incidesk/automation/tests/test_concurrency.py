"""200 intakes at once on PostgreSQL, each followed by its assignment and by a second attempt
at someone else's: every incident is assigned exactly once and the agents get equal shares."""

import random
import threading
from collections import Counter

import pytest
from django.db import connection, connections

from incidesk.automation.assignment import assign
from incidesk.automation.models import Decision, DecisionKind
from incidesk.automation.tests.conftest import make_desk
from incidesk.incidents.actions import do_create_incident
from incidesk.incidents.models import EventKind, Incident, TimelineEvent

THREADS = 8
PER_THREAD = 25
AGENTS = 4


def _intake(customer_id: int, made: list[int], lock: threading.Lock, barrier, errors) -> None:
    from incidesk.accounts.models import User

    try:
        customer = User.objects.get(pk=customer_id)
        chance = random.Random(customer_id + threading.get_ident())  # noqa: S311  not security
        barrier.wait()
        for i in range(PER_THREAD):
            incident = do_create_incident(actor=customer, title=f"Не работает VPN {i}")
            with lock:
                made.append(incident.pk)
                other = chance.choice(made)
            assign(incident.pk)
            assign(other)  # races the other's own worker: never a second assignment
    except Exception as error:
        errors.append(error)
    finally:
        connections.close_all()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_intakes_assign_each_incident_once_and_evenly(reference_data):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL (SQLite serialises every write anyway)")
    desk = make_desk(agents=AGENTS)
    made: list[int] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(THREADS)
    lock = threading.Lock()
    threads = [
        threading.Thread(target=_intake, args=(desk.customer.pk, made, lock, barrier, errors))
        for _ in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not errors, errors
    total = THREADS * PER_THREAD
    assert Incident.objects.filter(team=desk.team).count() == len(made) == total
    assigned = Counter(
        TimelineEvent.objects.filter(kind=EventKind.ASSIGNED).values_list("incident_id", flat=True)
    )
    assert set(assigned.values()) == {1} and len(assigned) == total
    shares = Counter(Incident.objects.values_list("assignee_id", flat=True))
    assert shares == {agent.pk: total // AGENTS for agent in desk.agents}
    assert Decision.objects.filter(kind=DecisionKind.ASSIGNMENT).count() == total
