"""Groups come from the worker's last run: a fresh one is shown as it is, a stale or missing
one makes the page promise exactly one new run, a lost or failed run is not waited for."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from incidesk.recurring import runs
from incidesk.recurring.models import GroupRun, GroupRunStatus
from incidesk.recurring.tests.helpers import make_vpn_wave

pytestmark = pytest.mark.django_db


def _promised() -> int:
    return DBTaskResult.objects.filter(task_path="incidesk.recurring.tasks.compute_groups").count()


def test_the_first_request_promises_one_run_and_asking_again_waits_for_it():
    done, waiting = runs.requested(14, 3)
    assert done is None and waiting is not None
    assert waiting.status == GroupRunStatus.QUEUED
    assert runs.requested(14, 3) == (None, waiting)
    assert _promised() == 1


def test_the_worker_stores_the_groups_and_drops_older_results(run_tasks):
    wave = make_vpn_wave()
    with time_machine.travel(timezone.now() - timedelta(hours=1)):
        old = GroupRun.objects.create(days=7, min_size=3, status=GroupRunStatus.DONE, result=[])
    done, waiting = runs.requested(7, 3)
    assert done == old and waiting is not None  # stale: shown while a new one is computed
    run_tasks()
    done, waiting = runs.requested(7, 3)
    assert waiting is None and done is not None and done.result is not None
    assert done.pk != old.pk and done.status == GroupRunStatus.DONE
    (group,) = done.result
    assert set(group["incidents"]) == {incident.pk for incident in wave}
    assert (group["recent"], group["earlier"]) == (5, 0)
    assert not GroupRun.objects.filter(pk=old.pk).exists()
    assert _promised() == 1


def test_a_failed_run_is_not_retried_at_once_and_a_lost_one_is_replaced():
    failed = GroupRun.objects.create(days=7, min_size=3, status=GroupRunStatus.FAILED)
    assert runs.requested(7, 3) == (None, None)
    with time_machine.travel(timezone.now() + runs.FRESH + timedelta(seconds=1)):
        _, retried = runs.requested(7, 3)
    assert retried is not None and retried.pk != failed.pk
    with time_machine.travel(timezone.now() + runs.FRESH + runs.LOST + timedelta(minutes=1)):
        _, replaced = runs.requested(7, 3)
    assert replaced is not None and replaced.pk not in (failed.pk, retried.pk)
    assert _promised() == 2
