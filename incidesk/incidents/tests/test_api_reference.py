"""/me, /teams and the reference lists."""

import pytest

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, TeamFactory
from incidesk.catalog.models import Service
from incidesk.incidents.tests.apiclient import Api

pytestmark = pytest.mark.django_db


def test_me():
    customer = CustomerFactory(full_name="Анна")
    body = Api(customer).get("/me").json()
    assert body["email"] == customer.email
    assert body["role"] == "customer"
    assert (body["organisation"], body["organisation_name"]) == (
        customer.organisation_id,
        customer.organisation.name,
    )


def test_me_lists_the_agents_teams():
    agent = AgentFactory()
    team = TeamFactory(code="first-line")
    team.members.add(agent)
    assert Api(agent).get("/me").json()["teams"] == ["first-line"]


def test_teams():
    TeamFactory(code="network", name="Сеть")
    assert {"code": "network", "name": "Сеть"} in Api(AgentFactory()).get("/teams").json()


@pytest.mark.parametrize(
    "path",
    ["/categories", "/services", "/causes", "/hold-reasons", "/resolution-codes"],
)
def test_reference_lists_give_codes_and_both_names(path):
    items = Api(CustomerFactory()).get(path).json()
    assert items
    assert all({"code", "name", "name_ru", "name_en"} <= item.keys() for item in items)


def test_names_follow_the_request_language():
    user = CustomerFactory()
    english = {i["code"]: i for i in Api(user, "en").get("/categories").json()}
    russian = {i["code"]: i for i in Api(user, "ru").get("/categories").json()}
    assert (english["printer"]["name"], russian["printer"]["name"]) == ("Printer", "Принтер")
    assert english["printer"]["parent"] == "hardware"
    assert english["hardware"]["parent"] is None


def test_retired_entries_are_not_offered():
    Service.objects.filter(code="crm").update(is_active=False)
    codes = [i["code"] for i in Api(CustomerFactory()).get("/services").json()]
    assert "crm" not in codes and "email" in codes
