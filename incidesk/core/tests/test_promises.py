"""A promise made while Redis is away: the change commits, and its outbox row waits for the
sweep instead of failing the request after the commit."""

import logging

import pytest
from django.db import transaction

from incidesk.core.models import Promise
from incidesk.core.promises import promise
from incidesk.mail.tasks import sweep_pending_mail


@pytest.mark.django_db(transaction=True)
def test_a_promise_made_while_redis_is_away_waits_for_the_sweep(settings, caplog):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0"}}  # nothing listens

    with caplog.at_level(logging.ERROR), transaction.atomic():
        promise(sweep_pending_mail)

    assert Promise.objects.get().task_path == sweep_pending_mail.module_path
    assert "ConnectionError" in caplog.text  # the failed relay is logged, not raised
