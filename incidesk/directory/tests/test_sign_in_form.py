"""The sign-in form asks for what directory people type, and still takes local e-mails."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidesk.directory.tests.people import CONF

pytestmark = pytest.mark.django_db


def test_with_a_network_login_the_field_takes_it(client, settings):
    settings.INCIDESK_LDAP = CONF

    page = client.get(reverse("web:login")).content.decode()
    response = client.post(reverse("web:login"), {"username": "ivanova", "password": "x"})

    assert "E-mail или сетевой логин" in page
    assert 'type="text" name="username"' in page
    assert "Введите правильный адрес" not in response.content.decode()


def test_without_a_directory_or_with_mail_logins_the_field_is_an_e_mail(client, settings):
    settings.INCIDESK_LDAP = None
    assert 'type="email" name="username"' in client.get(reverse("web:login")).content.decode()
    response = client.post(reverse("web:login"), {"username": "ivanova", "password": "x"})
    assert "Введите правильный адрес" in response.content.decode()

    settings.INCIDESK_LDAP = CONF | {"login_attr": "mail"}
    assert 'type="email" name="username"' in client.get(reverse("web:login")).content.decode()
