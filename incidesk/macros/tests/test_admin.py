"""Macros in the Django admin: listed, and validated like the console's form."""

import pytest

from incidesk.accounts.tests.factories import AdminFactory
from incidesk.macros.models import Macro, Scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory(language="en"))
    return client


def test_the_admin_lists_every_macro(admin_client, agent, team):
    Macro.objects.create(name="Личный Анны", scope=Scope.PERSONAL, owner=agent, reply_ru="Да")
    Macro.objects.create(name="Сетевой", scope=Scope.TEAM, for_team=team, reply_ru="Да")
    page = admin_client.get("/admin/macros/macro/").content.decode()
    assert "Личный Анны" in page and "Сетевой" in page
    assert admin_client.get("/admin/macros/macro/add/").status_code == 200


def test_the_admin_refuses_unknown_placeholders_and_an_ownerless_personal_macro(admin_client):
    response = admin_client.post(
        "/admin/macros/macro/add/",
        {
            "name": "Плохой",
            "scope": "personal",
            "reply_ru": "{{ settings.SECRET_KEY }}",
            "reply_visibility": "public",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Unknown placeholder: {{ settings.SECRET_KEY }}" in page
    assert "Choose whose personal macro it is." in page
    assert not Macro.objects.exists()
