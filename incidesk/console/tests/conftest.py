import pytest

from incidesk.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    LeadFactory,
    TeamFactory,
)


@pytest.fixture
def team(db):
    return TeamFactory(code="first-line", name="Первая линия")


@pytest.fixture
def agent(team):
    user = AgentFactory(email="agent@example.com", full_name="Анна Агентова")
    team.members.add(user)
    return user


@pytest.fixture
def colleague(team):
    user = AgentFactory(email="colleague@example.com", full_name="Борис Коллегов")
    team.members.add(user)
    return user


@pytest.fixture
def lead(team):
    user = LeadFactory(email="lead@example.com", full_name="Лидия Лидова")
    team.lead = user
    team.save()
    return user


@pytest.fixture
def customer(db):
    return CustomerFactory(email="customer@example.com")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client
