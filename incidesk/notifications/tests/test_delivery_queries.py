"""Delivering a batch of events reads the incidents' watchers once, however many events: a
backlog of SLA checks after a bulk import delivers a thousand warnings in one task."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidesk.accounts.tests.factories import CustomerFactory
from incidesk.incidents.models import EventKind, TimelineEvent, Watcher, WatcherSource
from incidesk.incidents.tests.factories import make_incident
from incidesk.notifications.tasks import deliver_notifications


def _warnings(count: int) -> list[int]:
    """SLA warnings at 50 % on unassigned incidents of no team, each watched by a customer:
    the watchers are read, and nobody is told (an internal alert, no desk owner)."""
    events = []
    for _ in range(count):
        customer = CustomerFactory()
        incident = make_incident(reporter=customer)
        Watcher.objects.create(incident=incident, person=customer, source=WatcherSource.PORTAL)
        events.append(
            TimelineEvent.objects.create(
                incident=incident,
                kind=EventKind.SLA_WARNING,
                is_public=False,
                data={"metric": "response", "threshold": 50},
            )
        )
    return [event.pk for event in events]


@pytest.mark.django_db
def test_the_watchers_of_a_batch_are_read_in_one_query(reference_data):
    one, five = _warnings(1), _warnings(5)

    with CaptureQueriesContext(connection) as single:
        deliver_notifications.call(one)
    with CaptureQueriesContext(connection) as batch:
        deliver_notifications.call(five)

    watchers = [q for q in batch.captured_queries if "incidents_watcher" in q["sql"]]
    assert len(watchers) == 1
    assert len(batch.captured_queries) == len(single.captured_queries)
