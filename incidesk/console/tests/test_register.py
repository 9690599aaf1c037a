"""Registering an incident for a caller: the customer chosen or created, the phone channel,
the one registration action, errors next to their fields."""

import pytest
from django.urls import reverse

from incidesk.accounts.models import Role, User
from incidesk.accounts.tests.factories import CustomerFactory, OrganisationFactory
from incidesk.incidents.models import Channel, EventKind, Incident

pytestmark = pytest.mark.django_db

URL = reverse("console:register")
BASE = {
    "title": "Не печатает принтер",
    "kind": "incident",
    "impact": "medium",
    "urgency": "medium",
    "channel": "phone",
}


def test_for_a_known_customer(agent_client, agent, customer):
    response = agent_client.post(URL, {**BASE, "customer": customer.email.upper()})
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("console:incident", args=[incident.number])
    assert incident.reporter == customer and incident.channel == Channel.PHONE
    assert incident.organisation == customer.organisation
    created = incident.events.get(kind=EventKind.CREATED)
    assert created.actor == agent and created.data["channel"] == "phone"


def test_a_new_address_creates_the_customers_account(agent_client, team):
    organisation = OrganisationFactory(name="ООО Лютик")
    response = agent_client.post(
        URL,
        {
            **BASE,
            "customer": "new.caller@example.com",
            "contact_name": "Ольга Новикова",
            "contact_phone": "+7 900 111-22-33",
            "organisation": organisation.pk,
            "team": team.code,
            "channel": "email",
        },
    )
    assert response.status_code == 302
    caller = User.objects.get(email="new.caller@example.com")
    assert caller.role == Role.CUSTOMER and not caller.has_usable_password()
    assert (caller.full_name, caller.phone, caller.organisation) == (
        "Ольга Новикова",
        "+7 900 111-22-33",
        organisation,
    )
    incident = Incident.objects.get()
    assert (incident.reporter, incident.team, incident.channel) == (caller, team, Channel.EMAIL)


def test_a_caller_with_a_phone_only(agent_client):
    response = agent_client.post(
        URL, {**BASE, "contact_name": "Пётр", "contact_phone": "+7 900 000-00-00"}
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.reporter is None and incident.contact_phone == "+7 900 000-00-00"


def test_nobody_to_answer_is_refused_next_to_the_customer_field(agent_client):
    response = agent_client.post(URL, {**BASE, "contact_name": "Пётр"})
    assert response.status_code == 422
    assert response.context["form"].errors["customer"]
    assert not Incident.objects.exists()


def test_a_desk_address_is_not_a_customer_and_nothing_is_created(agent_client, colleague):
    response = agent_client.post(URL, {**BASE, "customer": colleague.email})
    assert response.status_code == 422
    assert "customer" in response.context["form"].errors
    assert not Incident.objects.exists()


def test_a_refused_incident_leaves_no_new_account(agent_client):
    response = agent_client.post(URL, {**BASE, "title": "   ", "customer": "x@example.com"})
    assert response.status_code == 422
    assert not User.objects.filter(email="x@example.com").exists()


def test_customer_suggestions_find_by_email_name_or_phone(agent_client, agent):
    CustomerFactory(email="irina@example.com", full_name="Ирина Смирнова", phone="+7 912 345")
    for typed in ("irina@", "Смирнова", "912 3"):
        response = agent_client.get(reverse("console:customers"), {"customer": typed})
        assert 'value="irina@example.com"' in response.content.decode(), typed
    assert (
        agent.email
        not in agent_client.get(
            reverse("console:customers"), {"customer": "agent"}
        ).content.decode()
    )
