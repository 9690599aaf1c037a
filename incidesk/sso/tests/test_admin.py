"""A person's page in the admin shows the providers they sign in through; deleting one unlinks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidesk.accounts.tests.factories import AdminFactory, CustomerFactory
from incidesk.sso.models import Identity

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory())
    return client


def test_the_persons_page_shows_their_identities_and_only_where_they_have_some(admin_client):
    linked, local = CustomerFactory(), CustomerFactory()
    Identity.objects.create(user=linked, provider="keycloak", subject="f1c9", groups=["/desk"])
    page = admin_client.get(reverse("admin:accounts_user_change", args=[linked.pk]))
    assert page.status_code == 200
    assert "sso_identities" in page.content.decode()
    assert "f1c9" in page.content.decode()
    page = admin_client.get(reverse("admin:accounts_user_change", args=[local.pk]))
    assert "sso_identities" not in page.content.decode()


def test_the_list_finds_people_by_e_mail(admin_client):
    linked = CustomerFactory(email="anna@corp.example")
    Identity.objects.create(user=linked, provider="keycloak", subject="f1c9")
    page = admin_client.get(reverse("admin:sso_identity_changelist") + "?q=anna@corp")
    assert "f1c9" in page.content.decode()
    assert admin_client.get(reverse("admin:sso_identity_add")).status_code == 403
