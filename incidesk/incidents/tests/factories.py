"""Incidents built through the real actions, so every test starts from a reachable state."""

from __future__ import annotations

from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.catalog.models import Cause, ResolutionCode
from incidesk.incidents import actions
from incidesk.incidents.models import Incident
from incidesk.incidents.status import Status


def make_incident(
    status: Status = Status.NEW,
    *,
    reporter: User | None = None,
    agent: User | None = None,
    **fields,
) -> Incident:
    """An incident taken through the lifecycle up to `status` by a customer and an agent."""
    reporter = reporter or CustomerFactory()
    fields.setdefault("title", "Не печатает принтер")
    incident = actions.do_create_incident(actor=reporter, **fields)
    if status == Status.NEW:
        return incident
    agent = agent or AgentFactory()
    if status == Status.CANCELLED:
        return actions.do_cancel(incident, actor=agent, reason="Ошибочная заявка")
    incident = actions.do_accept(incident, actor=agent)
    if status == Status.ON_HOLD:
        return actions.do_request_info(incident, actor=agent, message="Какая модель принтера?")
    if status in (Status.RESOLVED, Status.CLOSED):
        incident = actions.do_resolve(
            incident,
            actor=agent,
            cause=Cause.objects.get(code="hardware_failure"),
            resolution_code=ResolutionCode.objects.get(code="fixed"),
            notes="Заменили картридж. Если повторится, перезагрузите принтер.",
        )
    if status == Status.CLOSED:
        incident = actions.do_confirm(incident, actor=reporter)
    return incident
