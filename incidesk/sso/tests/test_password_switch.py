"""INCIDESK_OIDC_STAFF_PASSWORD=0: staff sign in only through their provider; customers keep
their passwords."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY

from incidesk.accounts.tests.factories import AdminFactory, AgentFactory, CustomerFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-1"  # a test account's


def _person(factory):
    person = factory()
    person.set_password(PASSWORD)
    person.save()
    return person


@pytest.mark.parametrize("staff_password", [True, False])
def test_customers_keep_passwords_and_staff_only_while_switched_on(
    client, settings, staff_password
):
    settings.INCIDESK_OIDC_STAFF_PASSWORD = staff_password
    customer = _person(CustomerFactory)
    response = client.post("/login/", {"username": customer.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(customer.pk)
    client.logout()
    for factory in (AgentFactory, AdminFactory):
        staff = _person(factory)
        response = client.post("/login/", {"username": staff.email, "password": PASSWORD})
        assert (SESSION_KEY in client.session) is staff_password
        if not staff_password:
            # The form's usual error: nothing tells that the address is a staff member's.
            assert response.status_code == 200
            assert "Пожалуйста, введите правильные" in response.content.decode()
        client.logout()
