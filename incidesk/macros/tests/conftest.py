import pytest

from incidesk.accounts.tests.factories import (
    AdminFactory,
    AgentFactory,
    CustomerFactory,
    LeadFactory,
    TeamFactory,
)


@pytest.fixture
def team(db):
    return TeamFactory(code="network", name="Сеть")


@pytest.fixture
def agent(team):
    user = AgentFactory(email="anna@example.com", full_name="Анна Агентова")
    team.members.add(user)
    return user


@pytest.fixture
def lead(team):
    user = LeadFactory(email="lida@example.com", full_name="Лидия Лидова")
    team.lead = user
    team.save()
    return user


@pytest.fixture
def admin(db):
    return AdminFactory(email="root@example.com")


@pytest.fixture
def customer(db):
    return CustomerFactory(email="ivan@example.com", full_name="Иван Петров")
