"""A deactivated person loses every way in at once: sessions, API tokens, tracking links."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from incidesk.accounts.models import ApiToken, User
from incidesk.accounts.tests.factories import AdminFactory, AgentFactory, CustomerFactory
from incidesk.incidents.tests.apiclient import assert_problem
from incidesk.incidents.tests.factories import make_incident
from incidesk.portal.models import TrackingLink

pytestmark = pytest.mark.django_db


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _deactivate(user: User) -> None:
    user.is_active = False
    user.save()


def test_a_deactivated_users_sessions_are_deleted_and_others_stay():
    agent, colleague = AgentFactory(), AgentFactory()
    mine = [_signed_in(agent), _signed_in(agent)]
    theirs = _signed_in(colleague)
    assert Session.objects.count() == 3
    _deactivate(agent)
    assert list(Session.objects.values_list("session_key", flat=True)) == [
        theirs.session.session_key
    ]
    response = mine[0].get(reverse("console:queues"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
    assert theirs.get(reverse("console:queues")).status_code == 200


def test_a_deactivated_users_api_token_gets_401():
    agent = AgentFactory()
    token = ApiToken.issue(agent)
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")
    assert bearer.get("/api/v1/me").status_code == 200
    _deactivate(agent)
    assert not ApiToken.objects.filter(user=agent).exists()
    assert_problem(bearer.get("/api/v1/me"), 401, "unauthenticated")


def test_a_deactivated_contacts_tracking_link_answers_404(client):
    contact = CustomerFactory(password=None)
    other = CustomerFactory()
    incident = make_incident(reporter=contact)
    kept = TrackingLink.issue(make_incident(reporter=other))
    token = TrackingLink.issue(incident)
    assert client.get(reverse("portal:track", args=[token])).status_code == 200
    _deactivate(contact)
    assert client.get(reverse("portal:track", args=[token])).status_code == 404
    assert list(TrackingLink.objects.values_list("incident__reporter", flat=True)) == [other.pk]
    assert client.get(reverse("portal:track", args=[kept])).status_code == 200


def test_a_bulk_deactivation_still_opens_nothing(client):
    """`update()` sends no signal: the lookups themselves refuse an inactive user."""
    contact = CustomerFactory()
    token = TrackingLink.issue(make_incident(reporter=contact))
    api_token = ApiToken.issue(contact)
    User.objects.filter(pk=contact.pk).update(is_active=False)
    assert client.get(reverse("portal:track", args=[token])).status_code == 404
    response = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}").get("/api/v1/me")
    assert response.status_code == 401


def test_the_admins_checkbox_deactivates_everything(client):
    customer = CustomerFactory(language="ru", time_zone="Europe/Moscow")
    session = _signed_in(customer)
    ApiToken.issue(customer)
    token = TrackingLink.issue(make_incident(reporter=customer))
    client.force_login(AdminFactory())
    response = client.post(
        reverse("admin:accounts_user_change", args=[customer.pk]),
        {
            "email": customer.email,
            "full_name": customer.full_name,
            "phone": "",
            "organisation": customer.organisation_id,
            "time_zone": "Europe/Moscow",
            "language": "ru",
            "role": "customer",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    customer.refresh_from_db()
    assert not customer.is_active
    assert not Session.objects.filter(session_key=session.session.session_key).exists()
    assert not ApiToken.objects.filter(user=customer).exists()
    assert client.get(reverse("portal:track", args=[token])).status_code == 404


def test_saving_an_active_user_keeps_their_sessions():
    agent = AgentFactory()
    _signed_in(agent)
    agent.full_name = "Новое имя"
    agent.save()
    agent.is_active = False
    agent.save(update_fields=["full_name"])  # is_active not written: nothing changes
    assert Session.objects.count() == 1
