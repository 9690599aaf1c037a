"""A small desk built through the real actions at chosen moments of 9-13 November 2026 (Moscow
calendar 09:00-18:00, Monday to Friday, no holiday that week), whose KPIs the tests work out
by hand. Every incident is P3: response target 4 business hours, resolution 24.

    I1  Mon 9  10:00 registered, accepted 11:00, resolved 14:00, confirmed, rated 5
    I2  Mon 9  17:00 registered, accepted Tue 10:00, information requested Tue 11:00, the
                     customer answers Wed 15:00, resolved Wed 16:00, reopened Thu 10:00,
                     resolved Thu 12:00, closed, rated 2
    I3  Tue 10 09:00 registered, response breached at 13:00 while nobody had taken it,
                     accepted 15:00, one public reply 15:30, resolved 16:00, closed, rated 4
    I4  Wed 11 10:00 service request by e-mail, still new
    I5  Wed 11 12:00 registered, cancelled 12:30
    I6  Thu 12 09:00 registered, accepted 10:00, in progress
    I7  Fri 13 18:00 registered (already Saturday 01:00 in Vladivostok), still new
    X1  Mon 9  12:00 another organisation's incident, resolved Mon 13:00 (the viewer customer
                     must never count it)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.test import TestCase

from incidesk.accounts.models import Organisation, Team, User
from incidesk.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    LeadFactory,
    OrganisationFactory,
    TeamFactory,
)
from incidesk.catalog.models import Cause, ResolutionCode
from incidesk.incidents import actions
from incidesk.incidents.models import Channel, Incident, Kind
from incidesk.sla.models import Metric

MSK = ZoneInfo("Europe/Moscow")
HOUR = 3600


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=MSK)


@dataclass
class Desk:
    team: Team
    agent: User
    lead: User
    customer: User
    other_customer: User
    organisation: Organisation
    incidents: dict[str, Incident]


@contextmanager
def moment(when: datetime) -> Iterator[None]:
    with (
        time_machine.travel(when, tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        yield


def _resolve(incident: Incident, agent: User, cause: str) -> Incident:
    return actions.do_resolve(
        incident,
        actor=agent,
        cause=Cause.objects.get(code=cause),
        resolution_code=ResolutionCode.objects.get(code="fixed"),
        notes="Исправлено",
    )


def build() -> Desk:
    team = TeamFactory(code="line-1", name="Первая линия")
    agent = AgentFactory(email="agent@example.com", full_name="Агент Иванов")
    team.members.add(agent)
    lead = LeadFactory(email="lead@example.com", time_zone="Asia/Vladivostok")
    organisation = OrganisationFactory(name="ООО Альфа")
    customer = CustomerFactory(email="c@alfa.example", organisation=organisation)
    other_customer = CustomerFactory(email="c@beta.example", organisation=OrganisationFactory())
    made: dict[str, Incident] = {}

    def create(name: str, when: datetime, reporter: User = customer, **fields) -> Incident:
        with moment(when):
            made[name] = actions.do_create_incident(
                actor=reporter, title=f"Инцидент {name}", reporter=reporter, **fields
            )
        return made[name]

    def do(name: str, when: datetime, action, **kwargs) -> None:
        with moment(when):
            made[name] = action(Incident.objects.get(pk=made[name].pk), **kwargs) or made[name]

    create("I1", at(9, 10))
    do("I1", at(9, 11), actions.do_accept, actor=agent)
    do("I1", at(9, 14), _resolve, agent=agent, cause="hardware_failure")
    do("I1", at(10, 9, 30), actions.do_confirm, actor=customer)
    do("I1", at(10, 9, 40), actions.do_rate, actor=customer, rating=5)

    create("X1", at(9, 12), reporter=other_customer)
    do("X1", at(9, 12, 30), actions.do_accept, actor=agent)
    do("X1", at(9, 13), _resolve, agent=agent, cause="cyberattack")

    create("I2", at(9, 17))
    do("I2", at(10, 10), actions.do_accept, actor=agent)
    do("I2", at(10, 11), actions.do_request_info, actor=agent, message="Какая модель?")
    with moment(at(11, 15)):
        actions.do_add_comment(made["I2"], actor=customer, body="HP 1020")
    do("I2", at(11, 16), _resolve, agent=agent, cause="human_error")
    do("I2", at(12, 10), actions.do_reopen, actor=customer, reason="Снова не печатает")
    do("I2", at(12, 12), _resolve, agent=agent, cause="human_error")
    do("I2", at(12, 13), actions.do_close, actor=agent)
    do("I2", at(12, 13, 30), actions.do_rate, actor=customer, rating=2)

    create("I3", at(10, 9))
    clock = made["I3"].sla_clocks.get(metric=Metric.RESPONSE)
    with moment(at(10, 13)):
        actions.do_check_sla(clock.pk, clock.updated_at.isoformat())
    do("I3", at(10, 15), actions.do_accept, actor=agent)
    with moment(at(10, 15, 30)):
        actions.do_add_comment(made["I3"], actor=agent, body="Смотрим")
    do("I3", at(10, 16), _resolve, agent=agent, cause="software_error")
    do("I3", at(10, 17), actions.do_close, actor=agent)
    do("I3", at(11, 9), actions.do_rate, actor=customer, rating=4)

    create("I4", at(11, 10), kind=Kind.SERVICE_REQUEST, channel=Channel.EMAIL)
    create("I5", at(11, 12))
    do("I5", at(11, 12, 30), actions.do_cancel, actor=agent, reason="Ошибочная заявка")
    create("I6", at(12, 9))
    do("I6", at(12, 10), actions.do_accept, actor=agent)
    create("I7", at(13, 18))
    return Desk(team, agent, lead, customer, other_customer, organisation, made)
