"""The per-process copy of the reference data registration reads: one query while unchanged,
and every committed change seen by the next read, in this process or any other."""

import multiprocessing

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from incidesk.catalog.models import Level, PriorityRule
from incidesk.core.generations import bump_all, token
from incidesk.core.models import Generation
from incidesk.incidents.tests.factories import make_incident
from incidesk.sla import reference
from incidesk.sla.models import Metric, SlaPolicy, SlaTarget

pytestmark = pytest.mark.django_db


def test_an_unchanged_copy_costs_one_small_query():
    reference.current()
    with CaptureQueriesContext(connection) as captured:
        ref = reference.current()
    assert [q["sql"].split()[0] for q in captured] == ["SELECT"]
    assert "core_generation" in captured[0]["sql"]
    assert ref.priority(Level.MEDIUM, Level.MEDIUM) == 3


def test_an_edit_in_this_process_is_seen_by_the_next_registration():
    reference.current()
    cell = PriorityRule.objects.get(impact=Level.LOW, urgency=Level.LOW)
    cell.priority = 4
    cell.save()
    assert make_incident(impact=Level.LOW, urgency=Level.LOW).priority == 4
    target = SlaTarget.objects.get(priority=3, metric=Metric.RESPONSE)
    target.amount *= 2
    target.save()
    clock = make_incident().sla_clocks.get(metric=Metric.RESPONSE)
    assert clock.amount == target.amount
    SlaPolicy.objects.get().delete()
    assert not make_incident().sla_clocks.exists()


def test_a_new_token_alone_makes_the_copy_reload():
    """What another process's change leaves in the database: the rows and a new token. This
    process's copy carries no signal of it, only the token it compares."""
    old = reference.current().priority(Level.LOW, Level.LOW)
    PriorityRule.objects.filter(impact=Level.LOW, urgency=Level.LOW).update(priority=old - 1)
    Generation.objects.filter(name=reference.GENERATION).update(token="another-process")
    assert reference.current().priority(Level.LOW, Level.LOW) == old - 1


def _edit_the_matrix() -> None:
    connections.close_all()  # the parent's connection is not this process's
    cell = PriorityRule.objects.get(impact=Level.LOW, urgency=Level.LOW)
    cell.priority = 4
    cell.save()
    connections.close_all()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_edit_committed_by_another_process_is_seen_by_the_next_read(reference_data):
    if connection.settings_dict["NAME"].startswith(("file:memorydb", ":memory:")):
        pytest.skip("an in-memory SQLite database cannot be shared between processes")
    assert reference.current().priority(Level.LOW, Level.LOW) == 5
    connections.close_all()
    editor = multiprocessing.get_context("fork").Process(target=_edit_the_matrix)
    editor.start()
    editor.join(60)
    assert editor.exitcode == 0
    assert reference.current().priority(Level.LOW, Level.LOW) == 4


def test_a_rolled_back_change_leaves_no_copy_behind():
    """The copy read inside the failed transaction is under a token that never commits, and
    never comes back: tokens are random, not counted."""
    before = token(reference.GENERATION)
    with pytest.raises(RuntimeError), transaction.atomic():
        SlaPolicy.objects.update(is_active=False)
        reference.changed()
        assert reference.current().policies == ()
        raise RuntimeError
    assert token(reference.GENERATION) == before
    assert len(reference.current().policies) == 1
    reference.changed()  # a later change of something else
    assert len(reference.current().policies) == 1


def test_migrate_makes_every_process_reload():
    """Data migrations write reference data without signals."""
    before = token(reference.GENERATION)
    bump_all(using="default")
    assert token(reference.GENERATION) not in ("", before)


def test_without_a_token_nothing_is_kept():
    """A flushed table (transactional tests) has no token to compare: every read loads."""
    Generation.objects.all().delete()
    reference.current()
    with CaptureQueriesContext(connection) as captured:
        reference.current()
    assert len(captured) > 1
