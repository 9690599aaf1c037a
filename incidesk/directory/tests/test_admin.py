"""Admins edit the group mapping and see, on a person's page, what the directory gave them; the
pin they set there holds through the next sign-in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidesk.accounts.models import Role
from incidesk.accounts.tests.factories import AdminFactory
from incidesk.directory.models import GroupMapping
from incidesk.directory.people import sign_in
from incidesk.directory.tests.people import AGENTS, LEADS, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory())
    return client


def test_the_mapping_is_edited_in_the_admin(admin_client):
    response = admin_client.post(
        reverse("admin:directory_groupmapping_add"),
        {"position": "5", "group_dn": "CN=Desk Agents, OU=Groups,DC=corp", "role": Role.AGENT},
    )

    assert response.status_code == 302
    mapping = GroupMapping.objects.get()
    assert mapping.group_dn == "cn=desk agents,ou=groups,dc=corp"
    listing = admin_client.get(reverse("admin:directory_groupmapping_changelist"))
    assert "cn=desk agents,ou=groups,dc=corp" in listing.content.decode()


def test_the_persons_page_shows_the_groups_and_the_mapping_that_gave_the_role(admin_client, teams):
    user = sign_in(person("ivanova", AGENTS, LEADS, department="Первая линия"))

    page = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()

    assert "Первая линия" in page
    assert AGENTS in page
    assert f"{LEADS} → Руководитель группы + Network" in page
    assert f"Руководитель группы ({LEADS})" in page


def test_a_pin_set_on_the_persons_page_holds_through_sign_in(admin_client, teams):
    user = sign_in(person("ivanova", AGENTS))
    account = user.directory_account
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "phone": "",
        "organisation": "",
        "time_zone": user.time_zone,
        "language": user.language,
        "role": Role.ADMIN,
        "is_active": "on",
        "directory_account-TOTAL_FORMS": "1",
        "directory_account-INITIAL_FORMS": "1",
        "directory_account-MIN_NUM_FORMS": "0",
        "directory_account-MAX_NUM_FORMS": "1",
        "directory_account-0-id": str(account.pk),
        "directory_account-0-user": str(user.pk),
        "directory_account-0-local_override": "on",
    }

    assert admin_client.post(url, data).status_code == 302

    user = sign_in(person("ivanova", AGENTS))
    assert user.role == Role.ADMIN
    assert user.directory_account.local_override
