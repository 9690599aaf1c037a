"""Signing in and out, language and time zone, password reset."""

import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from incidesk.accounts.contacts import contact_for
from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


def test_front_door_sends_each_role_to_its_place(client):
    assert client.get("/").url == reverse("portal:home")
    client.force_login(CustomerFactory())
    assert client.get("/").url == reverse("portal:home")
    assert client.get(reverse("portal:home")).url == reverse("portal:list")
    client.force_login(AgentFactory())
    assert client.get("/").url == reverse("console:queues")


def test_sign_in_by_email_and_sign_out(client):
    customer = CustomerFactory(email="olga@example.com")
    customer.set_password("pass-word-77")
    customer.save()
    response = client.post(
        reverse("web:login"), {"username": "OLGA@example.com", "password": "pass-word-77"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(customer.pk)
    client.post(reverse("web:logout"))
    assert "_auth_user_id" not in client.session


def test_a_fragment_asked_for_after_signing_out_takes_the_whole_page_to_sign_in(client):
    """htmx would follow the redirect and draw the sign-in form inside the queue's live rows."""
    agent = AgentFactory()
    client.force_login(agent)
    fragment = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://x/console/?queue=mine"}
    assert client.get("/notifications/bell/", **fragment).status_code == 200
    client.post(reverse("web:logout"))

    for path in ("/notifications/bell/", "/console/rows/?queue=mine"):
        answer = client.get(path, **fragment)
        assert answer.status_code == 204, path
        assert answer["HX-Redirect"] == "/login/?next=%2Fconsole%2F%3Fqueue%3Dmine"
        assert "csrftoken" not in answer.cookies  # no new token to outdate an open sign-in form
    page = client.get("/console/?queue=mine")
    assert page.status_code == 302
    assert page["Location"] == "/login/?next=/console/%3Fqueue%3Dmine"


def test_russian_by_default_and_english_on_request(client):
    assert 'lang="ru"' in client.get(reverse("web:login")).content.decode()
    customer = CustomerFactory(language="ru")
    client.force_login(customer)
    client.post(reverse("web:language"), {"language": "en", "next": reverse("portal:list")})
    customer.refresh_from_db()
    assert customer.language == "en"
    text = client.get(reverse("portal:list")).content.decode()
    assert "My incidents" in text


def test_language_switch_ignores_foreign_redirects(client):
    response = client.post(
        reverse("web:language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response.url == reverse("web:home")


def test_times_are_shown_in_the_users_zone(client):
    customer = CustomerFactory(time_zone="Asia/Vladivostok")
    incident = make_incident(reporter=customer)
    client.force_login(customer)
    text = client.get(reverse("portal:list")).content.decode()
    local = incident.updated_at.astimezone(ZoneInfo("Asia/Vladivostok"))
    assert local.strftime("%H:%M") in text


def test_a_contact_chooses_a_first_password_by_reset(client, mailoutbox):
    contact_for("new.person@example.com", "Новый Человек")
    client.post(reverse("web:password_reset"), {"email": "new.person@example.com"})
    assert len(mailoutbox) == 1
    found = re.search(r"http://testserver(/password-reset/\S+/)", mailoutbox[0].body)
    assert found, mailoutbox[0].body
    link = found.group(1)
    form = client.get(link, follow=True)
    response = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": "a-long-new-pass-9", "new_password2": "a-long-new-pass-9"},
    )
    assert response.status_code == 302
    assert User.objects.get(email="new.person@example.com").check_password("a-long-new-pass-9")


def test_preferences_change_language_and_zone(client):
    customer = CustomerFactory()
    client.force_login(customer)
    client.post(
        reverse("web:preferences"),
        {"full_name": "Ирина", "phone": "", "language": "en", "time_zone": "Asia/Omsk"},
    )
    customer.refresh_from_db()
    assert (customer.language, customer.time_zone) == ("en", "Asia/Omsk")
