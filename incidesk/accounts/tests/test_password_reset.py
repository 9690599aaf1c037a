"""Password reset links work once, and for an hour at most."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from incidesk.accounts.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NEW = {"new_password1": "a-long-new-pass-9", "new_password2": "a-long-new-pass-9"}


def _reset_link(client: Client, mailoutbox, email: str) -> str:
    client.post(reverse("web:password_reset"), {"email": email})
    link = re.search(r"http://testserver(/password-reset/\S+/)", mailoutbox[-1].body)
    assert link, mailoutbox[-1].body
    return link.group(1)


def _choose(client: Client, link: str) -> bool:
    """Follow the link and set a new password; True if the link was accepted."""
    page = client.get(link, follow=True)
    if not page.context["validlink"]:
        return False
    response = client.post(page.redirect_chain[-1][0], NEW)
    return response.status_code == 302


def test_the_reset_timeout_is_an_hour(settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600


def test_a_reset_link_is_refused_after_an_hour(client, mailoutbox):
    customer = CustomerFactory()
    link = _reset_link(client, mailoutbox, customer.email)
    # The token is checked against the naive `datetime.now()`: travel relative to it.
    with time_machine.travel(timedelta(hours=1, seconds=1)):
        assert not _choose(Client(), link)
    customer.refresh_from_db()
    assert customer.check_password("secret-pass-123")


def test_a_reset_link_works_within_the_hour_and_only_once(client, mailoutbox):
    customer = CustomerFactory()
    link = _reset_link(client, mailoutbox, customer.email)
    with time_machine.travel(timedelta(minutes=59)):
        assert _choose(Client(), link)
    customer.refresh_from_db()
    assert customer.check_password(NEW["new_password1"])
    assert not _choose(Client(), link)
