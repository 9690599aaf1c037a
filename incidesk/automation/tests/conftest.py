"""A desk with a network team of three agents, a customer organisation, and a rule that sends
mail about VPN from that organisation to the network team, which assigns round robin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

import pytest

from incidesk.accounts.models import Organisation, Team, User
from incidesk.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    OrganisationFactory,
    TeamFactory,
)
from incidesk.automation.models import AssignmentMode, RoutingRule, TeamAssignment
from incidesk.sla.models import BusinessCalendar, WorkingInterval


@dataclass
class Desk:
    team: Team
    agents: list[User]
    organisation: Organisation
    customer: User
    rule: RoutingRule
    assignment: TeamAssignment


def office_hours(code: str = "office") -> BusinessCalendar:
    """Monday to Friday, 09:00–18:00 Moscow time."""
    calendar = BusinessCalendar.objects.create(
        code=code, name_ru=code, name_en=code, time_zone="Europe/Moscow"
    )
    WorkingInterval.objects.bulk_create(
        WorkingInterval(calendar=calendar, weekday=day, start=time(9), end=time(18))
        for day in range(5)
    )
    return calendar


def make_desk(agents: int = 3, mode: str = AssignmentMode.ROUND_ROBIN) -> Desk:
    team = TeamFactory(name="Сеть", code="network")
    names = ["Анна", "Борис", "Вера", "Галина", "Дмитрий", "Елена"]
    people = [AgentFactory(full_name=names[n % 6] + f"{'' if n < 6 else n}") for n in range(agents)]
    team.members.set(people)
    organisation = OrganisationFactory(name="ООО Вектор")
    customer = CustomerFactory(email="ivan@vector.example", organisation=organisation)
    rule = RoutingRule.objects.create(
        name="VPN — в сетевую группу",
        conditions={"organisation": [organisation.pk], "words": ["VPN", "впн"]},
        team=team,
        tags=["vpn"],
    )
    assignment = TeamAssignment.objects.create(team=team, mode=mode)
    return Desk(team, people, organisation, customer, rule, assignment)


@pytest.fixture
def network(db) -> Desk:
    return make_desk()
