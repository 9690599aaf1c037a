"""A promise made while Redis is away: the change commits, and its outbox row waits for the
sweep instead of failing the request after the commit."""

import logging
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks.exceptions import InvalidTaskError
from django_tasks_db.models import DBTaskResult

from incidesk.core import promises
from incidesk.core.models import Promise
from incidesk.core.promises import Promised, promise, promise_all
from incidesk.mail.tasks import sweep_pending_mail
from incidesk.sla.tasks import check_clock


@pytest.mark.django_db(transaction=True)
def test_a_promise_made_while_redis_is_away_waits_for_the_sweep(settings, caplog):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0"}}  # nothing listens

    with caplog.at_level(logging.ERROR), transaction.atomic():
        promise(sweep_pending_mail)

    assert Promise.objects.get().task_path == sweep_pending_mail.module_path
    assert "ConnectionError" in caplog.text  # the failed relay is logged, not raised


FIELDS = ("args_kwargs", "priority", "task_path", "queue_name", "run_after", "backend_name")


@pytest.mark.django_db
def test_promise_all_writes_the_rows_enqueue_writes_and_checks_each_task_as_it_does(monkeypatch):
    """Each row as django-tasks-db's `enqueue` writes it, deferred or not; a task is checked by
    the backend's `validate_task` once per kind of run_after, and a naive one is refused each
    time, as `enqueue` refuses it."""
    later = timezone.now() + timedelta(hours=1)
    promised = [Promised(sweep_pending_mail, ()), Promised(check_clock, (7, "x"), later)]
    expected = [
        DBTaskResult.objects.get(id=sweep_pending_mail.enqueue().id),
        DBTaskResult.objects.get(id=check_clock.using(run_after=later).enqueue(7, "x").id),
    ]
    checked = []
    backend = sweep_pending_mail.get_backend()
    monkeypatch.setattr(promises, "_VALID", set())
    monkeypatch.setattr(
        type(backend), "validate_task", lambda self, task: checked.append(task.run_after)
    )

    for attempt in range(2):
        if attempt == 1:
            assert set(checked) == {None, later}
            checked.clear()
        before = set(DBTaskResult.objects.values_list("id", flat=True))
        with transaction.atomic():
            promise_all(promised)
        rows = DBTaskResult.objects.exclude(id__in=before).order_by("run_after")
        assert [[getattr(r, f) for f in FIELDS] for r in rows] == [
            [getattr(r, f) for f in FIELDS] for r in sorted(expected, key=lambda r: r.run_after)
        ]
    assert checked == []  # the second round used what the first found

    monkeypatch.undo()
    naive = Promised(check_clock, (7, "x"), timezone.make_naive(later))
    for _ in range(2):
        with pytest.raises(InvalidTaskError), transaction.atomic():
            promise_all([naive])
