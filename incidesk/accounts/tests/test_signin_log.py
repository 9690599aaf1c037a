"""Every sign-in attempt is kept for the admin: success or failure, the method, the address."""

import pytest
from django.urls import reverse

from incidesk.accounts.models import SecondFactor, SignInEvent, SignInMethod
from incidesk.accounts.signin_log import method_of
from incidesk.accounts.tests.factories import AdminFactory, CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rate_limit_window")]


def _sign_in(client, login: str, password: str):
    return client.post(
        reverse("web:login"), {"username": login, "password": password}, REMOTE_ADDR="203.0.113.9"
    )


def test_a_password_sign_in_is_recorded_with_its_method_and_address(client):
    customer = CustomerFactory(email="olga@example.com")
    customer.set_password("pass-word-77")
    customer.save()

    _sign_in(client, "olga@example.com", "pass-word-77")

    event = SignInEvent.objects.get()
    assert (event.user, event.login, event.method, event.succeeded, event.ip) == (
        customer,
        "olga@example.com",
        SignInMethod.PASSWORD,
        True,
        "203.0.113.9",
    )


def test_a_wrong_password_and_an_unknown_login_are_recorded_as_failures(client):
    customer = CustomerFactory(email="olga@example.com")

    _sign_in(client, "OLGA@example.com", "wrong-one")
    _sign_in(client, "nobody@example.com", "wrong-one")

    failures = list(
        SignInEvent.objects.order_by("at", "pk").values_list("user", "login", "succeeded")
    )
    assert failures == [
        (customer.pk, "OLGA@example.com", False),
        (None, "nobody@example.com", False),
    ]


def test_the_backend_tells_the_method():
    assert method_of("incidesk.directory.backend.DirectoryBackend") == SignInMethod.DIRECTORY
    assert method_of("incidesk.sso.backend.OidcBackend") == SignInMethod.SINGLE_SIGN_ON
    assert method_of("django.contrib.auth.backends.ModelBackend") == SignInMethod.PASSWORD
    assert method_of("somewhere.else.Backend") == SignInMethod.OTHER


def test_the_log_is_append_only_and_read_only_in_the_admin(client):
    customer = CustomerFactory()
    event = SignInEvent.objects.create(
        user=customer, login=customer.email, method=SignInMethod.PASSWORD, succeeded=True
    )
    SignInEvent.objects.create(
        user=customer,
        login=customer.email,
        method=SignInMethod.SINGLE_SIGN_ON,
        second_factor=SecondFactor.RECOVERY_CODE,
        succeeded=False,
    )
    with pytest.raises(ValueError, match="append-only"):
        event.save()

    client.force_login(AdminFactory(language="ru"))
    page = client.get("/admin/accounts/signinevent/")
    assert page.status_code == 200
    assert customer.email in page.content.decode()
    assert "Резервный код" in page.content.decode()
    assert client.get("/admin/accounts/signinevent/?second_factor=recovery_code").status_code == 200
    assert client.get(f"/admin/accounts/signinevent/{event.pk}/delete/").status_code == 403
    assert client.get("/admin/accounts/signinevent/add/").status_code == 403
