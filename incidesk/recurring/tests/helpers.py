"""Incidents and known errors for the recurring-incident tests, built through real actions."""

from __future__ import annotations

from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, OrganisationFactory
from incidesk.catalog.models import Service
from incidesk.incidents.models import Incident
from incidesk.incidents.tests.factories import make_incident
from incidesk.problems import actions as problem_actions
from incidesk.problems.models import Problem
from incidesk.problems.tests.factories import make_problem

VPN_TITLES = [
    "VPN не подключается, ошибка 809",
    "Ошибка 809 при подключении к VPN",
    "vpn ne podklyuchaetsya, oshibka 809",
    "VPN connection fails with error 809",
    "Не могу подключиться к впн, ошибка 809",
]
PRINTER_TITLES = [
    "Принтер зажевал бумагу",
    "Замятие бумаги в принтере",
    "Paper jam in the printer",
]


def vpn_service() -> Service:
    return Service.objects.get(code="vpn")


def customers(count: int) -> list[User]:
    """Customers of `count` different organisations."""
    return [CustomerFactory(organisation=OrganisationFactory()) for _ in range(count)]


def make_vpn_wave(reporters: list[User] | None = None) -> list[Incident]:
    """Five reports of VPN error 809 from five organisations, on one service."""
    reporters = reporters or customers(len(VPN_TITLES))
    service = vpn_service()
    return [
        make_incident(reporter=reporter, title=title, service=service)
        for reporter, title in zip(reporters, VPN_TITLES, strict=True)
    ]


def make_known_error(title: str, workaround: str) -> Problem:
    agent = AgentFactory()
    problem = make_problem(actor=agent, title=title)
    return problem_actions.do_mark_known_error(problem, actor=agent, workaround=workaround)
