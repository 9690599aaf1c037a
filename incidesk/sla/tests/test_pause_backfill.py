"""The migration that gives existing clocks their pause intervals finds, in the timeline, the
pauses the clocks themselves recorded: held and resumed, stopped while held, resolved and
reopened."""

from importlib import import_module

import pytest
from django.apps import apps

from incidesk.accounts.tests.factories import AgentFactory
from incidesk.catalog.models import Cause, HoldReason, ResolutionCode
from incidesk.incidents import actions
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.sla.models import SlaClock
from incidesk.sla.tests.moments import at

pytestmark = pytest.mark.django_db

migration = import_module("incidesk.sla.migrations.0006_clock_pauses")


def test_the_backfill_rebuilds_the_intervals_the_clocks_kept(when):
    agent = AgentFactory()
    vendor = HoldReason.objects.get(code="awaiting_vendor")
    fixed = {
        "actor": agent,
        "cause": Cause.objects.get(code="software_error"),
        "resolution_code": ResolutionCode.objects.get(code="fixed"),
        "notes": "Обновили",
    }
    with when(at(16, 9, 0)):
        reopened = make_incident(Status.IN_PROGRESS, agent=agent)
        cancelled = make_incident(Status.IN_PROGRESS, agent=agent)
    with when(at(16, 10, 0)):
        actions.do_request_info(reopened, actor=agent, message="Какая версия?")
        actions.do_hold(cancelled, actor=agent, reason=vendor)
    with when(at(16, 12, 0)):
        actions.do_add_comment(reopened, actor=reopened.reporter, body="Последняя")
        actions.do_resume(cancelled, actor=agent)
    with when(at(16, 14, 0)):
        actions.do_resolve(reopened, **fixed)
        actions.do_hold(cancelled, actor=agent, reason=vendor)
    with when(at(17, 10, 0)):
        actions.do_reopen(reopened, actor=reopened.reporter, reason="Снова")
        actions.do_cancel(cancelled, actor=agent, reason="Не нужно")
    kept = dict(SlaClock.objects.values_list("pk", "pauses"))
    assert sum(map(len, kept.values())) == 4
    SlaClock.objects.update(pauses=[])
    migration.backfill(apps, None)
    assert dict(SlaClock.objects.values_list("pk", "pauses")) == kept
