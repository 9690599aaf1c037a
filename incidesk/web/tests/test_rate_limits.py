"""Rate limits on the pages anyone can hammer: each lets its N requests through, then answers 429
with Retry-After and a page in the visitor's language."""

import pytest
from django.test import Client
from django.urls import reverse

from incidesk.accounts.tests.factories import AdminFactory, CustomerFactory
from incidesk.incidents.tests.factories import make_incident
from incidesk.portal.models import TrackingLink
from incidesk.portal.tests.forms import REPORT_FORM

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rate_limit_window")]

RU = "Слишком много запросов за короткое время. Попробуйте снова через"
EN = "Too many requests came from you in a short time. Please try again in"
REPORT = {
    **REPORT_FORM,
    "contact_phone": "",
    "contact_name": "Анна Смирнова",
}


def assert_limited(response, text: str, window: int = 60) -> None:
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= window
    assert text in response.content.decode()


def visitor(language: str = "ru", address: str = "203.0.113.7") -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=language, REMOTE_ADDR=address)


def test_password_spraying_from_one_address_is_stopped_across_accounts(settings):
    settings.INCIDESK_RATE_LOGIN_IP = "3/m"
    victims = [CustomerFactory() for _ in range(4)]
    client = visitor("en")
    for victim in victims[:3]:
        tried = client.post(reverse("web:login"), {"username": victim.email, "password": "x1"})
        assert tried.status_code == 200  # the form again, with its error
        assert tried.context["form"].errors
    right = client.post(
        reverse("web:login"), {"username": victims[3].email, "password": "secret-pass-123"}
    )
    assert_limited(right, EN)
    assert "_auth_user_id" not in client.session
    assert_limited(visitor("ru").post(reverse("web:login"), {}), RU)


def test_successful_sign_ins_do_not_count_and_other_addresses_are_not_blocked(settings):
    settings.INCIDESK_RATE_LOGIN_IP = "2/m"
    customer = CustomerFactory()
    for _ in range(4):
        signed_in = visitor().post(
            reverse("web:login"), {"username": customer.email, "password": "secret-pass-123"}
        )
        assert signed_in.status_code == 302
    for _ in range(2):
        visitor().post(reverse("web:login"), {"username": customer.email, "password": "bad"})
    assert visitor().post(reverse("web:login"), {"username": "a@b.c"}).status_code == 429
    elsewhere = visitor(address="198.51.100.1").post(
        reverse("web:login"), {"username": customer.email, "password": "secret-pass-123"}
    )
    assert elsewhere.status_code == 302


def test_the_admin_sign_in_shares_the_limit(settings):
    settings.INCIDESK_RATE_LOGIN_IP = "2/m"
    admin = AdminFactory(is_staff=True, is_superuser=True)
    client = visitor("en")
    for _ in range(2):
        tried = client.post("/admin/login/", {"username": admin.email, "password": "wrong"})
        assert tried.status_code == 200
    right = client.post("/admin/login/", {"username": admin.email, "password": "secret-pass-123"})
    assert_limited(right, EN)
    assert_limited(client.post(reverse("web:login"), {"username": admin.email}), EN)


def test_password_reset_requests_per_address(settings, mailoutbox):
    settings.INCIDESK_RATE_RESET_EMAIL = "2/h"
    CustomerFactory(email="ivan@example.com")
    for n, address in enumerate(["ivan@example.com", "IVAN@example.com "]):
        sent = visitor(address=f"198.51.100.{n}").post(
            reverse("web:password_reset"), {"email": address}
        )
        assert sent.status_code == 302
    assert len(mailoutbox) == 2
    refused = visitor("en", "192.0.2.1").post(
        reverse("web:password_reset"), {"email": "ivan@example.com"}
    )
    assert_limited(refused, EN, window=3600)
    assert len(mailoutbox) == 2
    other = visitor().post(reverse("web:password_reset"), {"email": "olga@example.com"})
    assert other.status_code == 302


def test_password_reset_requests_per_address_of_the_visitor(settings):
    settings.INCIDESK_RATE_RESET_IP = "3/m"
    client = visitor()
    for n in range(3):
        sent = client.post(reverse("web:password_reset"), {"email": f"u{n}@example.com"})
        assert sent.status_code == 302
    assert_limited(client.post(reverse("web:password_reset"), {"email": "z@example.com"}), RU)
    assert client.get(reverse("web:password_reset")).status_code == 200  # the form still shows


def test_anonymous_reports_per_address_of_the_visitor(settings):
    settings.INCIDESK_RATE_REPORT_IP = "2/m"
    client = visitor()
    for n in range(2):
        sent = client.post(reverse("portal:new"), {**REPORT, "contact_email": f"a{n}@example.com"})
        assert sent.status_code < 400, sent.content
    refused = client.post(reverse("portal:new"), {**REPORT, "contact_email": "b@example.com"})
    assert_limited(refused, RU)
    assert client.get(reverse("portal:new")).status_code == 200


def test_anonymous_reports_per_email_typed(settings):
    settings.INCIDESK_RATE_REPORT_EMAIL = "2/m"
    for n in range(2):
        sent = visitor(address=f"198.51.100.{n}").post(
            reverse("portal:new"), {**REPORT, "contact_email": "Anna@Example.com"}
        )
        assert sent.status_code < 400, sent.content
    refused = visitor("en", "192.0.2.9").post(
        reverse("portal:new"), {**REPORT, "contact_email": " anna@example.com"}
    )
    assert_limited(refused, EN)


def test_signed_in_customers_report_without_the_anonymous_limits(settings):
    settings.INCIDESK_RATE_REPORT_IP = settings.INCIDESK_RATE_REPORT_EMAIL = "1/m"
    client = visitor()
    client.force_login(CustomerFactory())
    for _ in range(3):
        assert client.post(reverse("portal:new"), REPORT).status_code == 302


def test_tracking_link_lookups_count_every_request_wrong_tokens_too(settings):
    settings.INCIDESK_RATE_TRACK_IP = "3/m"
    token = TrackingLink.issue(make_incident())
    client = visitor()
    assert client.get(reverse("portal:track", args=["wrong-token"])).status_code == 404
    assert client.get(reverse("portal:track", args=[token])).status_code == 200
    assert client.get(reverse("portal:track_submitted", args=[token])).status_code == 200
    assert_limited(client.get(reverse("portal:track", args=[token])), RU)
    assert_limited(client.post(reverse("portal:track_act", args=[token, "reply"])), RU)
    assert_limited(visitor("en").get(reverse("portal:track_file", args=[token, 1])), EN)
    assert (
        visitor(address="198.51.100.5").get(reverse("portal:track", args=[token])).status_code
        == 200
    )


def test_report_confirmation_links_count_as_tracking_lookups(settings):
    settings.INCIDESK_RATE_TRACK_IP = "2/m"
    client = visitor()
    assert client.get(reverse("portal:confirm", args=["guess-1"])).status_code == 404
    assert client.post(reverse("portal:confirm", args=["guess-2"])).status_code == 404
    assert_limited(client.get(reverse("portal:confirm", args=["guess-3"])), RU)
