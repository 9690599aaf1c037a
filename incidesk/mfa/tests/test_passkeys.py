"""Passkeys through the test client: the real endpoints, answered by a key pair in software
(`soft_authenticator`), so signatures, challenges and origins are checked for real. The browser
side is `test_browser_passkeys.py`."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django_otp_webauthn.models import WebAuthnCredential

from incidesk.accounts.models import ApiToken, SecondFactor, SignInEvent
from incidesk.accounts.tests.factories import AdminFactory, AgentFactory, CustomerFactory
from incidesk.mfa import devices
from incidesk.mfa.models import SecondFactorReset
from incidesk.mfa.relying_party import RelyingParty, relying_party, usable
from incidesk.mfa.tests.soft_authenticator import SoftAuthenticator
from incidesk.mfa.tests.test_two_factor import CONSOLE, enrolled, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rate_limit_window")]

ORIGIN = "http://localhost:8000"
ENDPOINTS = [
    "mfa:passkey_register_begin",
    "mfa:passkey_register_complete",
    "mfa:passkey_sign_begin",
    "mfa:passkey_sign_complete",
]


@pytest.fixture
def site(settings):
    """The desk at http://localhost:8000, where browsers offer passkeys."""
    settings.OTP_WEBAUTHN_RP_ID, origin = relying_party(ORIGIN)
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [origin]


def post_json(client: Client, name: str, body: object = None, query: str = ""):
    data = "" if body is None else json.dumps(body)
    return client.post(reverse(name) + query, data, content_type="application/json")


def register(client: Client, key: SoftAuthenticator):
    options = post_json(client, "mfa:passkey_register_begin")
    assert options.status_code == 200, options.content
    return post_json(client, "mfa:passkey_register_complete", key.create(options.json()))


def sign(client: Client, key: SoftAuthenticator, query: str = ""):
    options = post_json(client, "mfa:passkey_sign_begin")
    assert options.status_code == 200, options.content
    return post_json(client, "mfa:passkey_sign_complete", key.get(options.json()), query)


def with_passkey(user) -> SoftAuthenticator:
    """A person who added a passkey in an earlier session."""
    key = SoftAuthenticator("localhost", ORIGIN)
    client = signed_in(user, "198.51.100.77")
    assert register(client, key).status_code == 200
    return key


def test_the_relying_party_is_the_desks_address():
    assert relying_party("https://desk.example.ru/") == (
        "desk.example.ru",
        "https://desk.example.ru",
    )
    assert relying_party("https://Desk.Example.RU:443") == (
        "desk.example.ru",
        "https://desk.example.ru",
    )
    assert relying_party("https://desk.example.ru:8443").origin == "https://desk.example.ru:8443"
    assert relying_party("http://localhost:8000") == ("localhost", "http://localhost:8000")
    assert usable(relying_party("https://desk.example.ru"))
    assert usable(relying_party("http://localhost:8000"))
    # Browsers refuse passkeys outside a secure context, and an IP address as the party.
    for address in ("http://desk.example.ru", "http://127.0.0.1:8000", "https://10.0.0.5"):
        assert not usable(relying_party(address)), address
    assert not usable(RelyingParty("", "https://"))


def test_the_endpoints_refuse_without_a_session(site):
    for name in ENDPOINTS:
        refused = post_json(Client(), name)
        assert refused.status_code == 403, name
        assert refused.json()["code"] == "not_authenticated", name
    assert Client().get(reverse("mfa:passkeys"))["Location"].startswith(reverse("web:login"))
    assert not WebAuthnCredential.objects.exists()


def test_a_customer_cannot_register_a_passkey(site, settings):
    settings.INCIDESK_MFA_REQUIRED_ROLES = ["agent", "lead", "admin"]
    client = signed_in(CustomerFactory())
    for name in ENDPOINTS:
        refused = post_json(client, name)
        assert refused.status_code == 403, name
        assert refused.json()["code"] == "not_staff", name
    assert client.get(reverse("mfa:passkeys")).status_code == 403
    assert not WebAuthnCredential.objects.exists()


def test_register_then_the_password_and_the_passkey_open_the_console(site, settings):
    settings.INCIDESK_MFA_REQUIRED_ROLES = ["agent"]
    agent = AgentFactory()
    key = SoftAuthenticator("localhost", ORIGIN)
    first = signed_in(agent)
    assert first.get(CONSOLE)["Location"].startswith(reverse("mfa:enrol"))
    assert first.get(reverse("mfa:passkeys")).status_code == 200
    assert register(first, key).status_code == 200
    passkey = WebAuthnCredential.objects.get(user=agent)
    assert passkey.confirmed and passkey.discoverable
    # Adding the first second factor verified the session, and gives recovery codes once.
    assert first.get(CONSOLE).status_code == 200
    codes = first.post(reverse("mfa:passkey_added"), {"next": CONSOLE})
    assert len(codes.context["codes"]) == devices.RECOVERY_CODES
    assert first.post(reverse("mfa:passkey_added"), {"next": CONSOLE})["Location"] == CONSOLE

    client = signed_in(agent, "198.51.100.5")
    sent = client.get(CONSOLE)
    assert sent["Location"] == reverse("mfa:verify") + "?next=%2Fconsole%2F"
    step = client.get(sent["Location"])
    assert 'id="passkey-verification-placeholder"' in step.content.decode()
    assert "script-src 'self'" in step["Content-Security-Policy"]
    assert client.get("/api/v1/incidents").status_code == 401
    # A bearer token is no session: scripts keep working, passkey or not.
    api = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(agent)}")
    assert api.get("/api/v1/incidents").status_code == 200

    signed = sign(client, key, "?next=/console/")
    assert signed.status_code == 200, signed.content
    assert signed.json()["redirect_url"] == CONSOLE
    assert client.get(CONSOLE).status_code == 200
    assert client.get("/api/v1/incidents").status_code == 200
    passkey.refresh_from_db()
    assert passkey.sign_count == 1 and passkey.last_used_at is not None
    # The sign-in log names the passkey: once for adding it (the session's first factor after
    # the password), once for signing with it.
    given = SignInEvent.objects.filter(user=agent, second_factor=SecondFactor.PASSKEY)
    assert list(given.values_list("succeeded", flat=True)) == [True, True]


def test_a_passkey_that_does_not_sign_right_is_a_failed_sign_in(site, settings):
    settings.INCIDESK_MFA_REQUIRED_ROLES = ["agent"]
    settings.AXES_FAILURE_LIMIT = 3
    agent = AgentFactory()
    key = with_passkey(agent)
    client = signed_in(agent)
    impostor = SoftAuthenticator("localhost", ORIGIN)
    impostor.credential_id = key.credential_id  # the right passkey's id, another key
    for _ in range(2):
        refused = sign(client, impostor)
        assert refused.status_code == 422
        assert client.get(CONSOLE)["Location"].startswith(reverse("mfa:verify"))
    assert sign(client, impostor).status_code in (403, 429)  # the third: locked out
    # The right passkey is refused now, before it is looked at.
    locked = sign(client, key)
    assert locked.status_code in (403, 429)
    assert locked.json()["code"] == "locked"
    assert client.get(CONSOLE).status_code == 302
    tried = SignInEvent.objects.filter(user=agent, second_factor=SecondFactor.PASSKEY)
    assert tried.filter(succeeded=False).count() == 3


def test_another_persons_passkey_neither_signs_nor_is_removed(site):
    owner, other = AgentFactory(), AgentFactory()
    key = with_passkey(owner)
    own_key = with_passkey(other)
    client = signed_in(other)
    refused = sign(client, key)
    assert refused.status_code == 403
    assert refused.json()["code"] == "credential_user_mismatch"
    assert client.get(CONSOLE)["Location"].startswith(reverse("mfa:verify"))
    assert sign(client, own_key).status_code == 200
    theirs = WebAuthnCredential.objects.get(user=owner)
    assert client.post(reverse("mfa:passkey_remove", args=[theirs.pk])).status_code == 404
    assert WebAuthnCredential.objects.filter(pk=theirs.pk).exists()


def test_a_second_device_takes_the_first_one(site, settings):
    """An attacker with the password cannot add a passkey beside an app, nor an app beside a
    passkey."""
    settings.INCIDESK_MFA_REQUIRED_ROLES = []
    with_app = AgentFactory()
    enrolled(with_app)
    client = signed_in(with_app)
    refused = post_json(client, "mfa:passkey_register_begin")
    assert refused.status_code == 403 and refused.json()["code"] == "user_not_verified"
    assert client.get(reverse("mfa:passkeys"))["Location"].startswith(reverse("mfa:verify"))
    with_key = AgentFactory()
    with_passkey(with_key)
    client = signed_in(with_key)
    assert client.get(reverse("mfa:enrol"))["Location"].startswith(reverse("mfa:verify"))
    assert not WebAuthnCredential.objects.filter(user=with_app).exists()


def test_listing_and_removing_ones_passkeys(site):
    agent = AgentFactory()
    key = with_passkey(agent)
    client = signed_in(agent)
    assert sign(client, key).status_code == 200
    page = client.get(reverse("mfa:passkeys"))
    [passkey] = page.context["passkeys"]
    assert f'data-passkey="{passkey.pk}"' in page.content.decode()
    removed = client.post(reverse("mfa:passkey_remove", args=[passkey.pk]), follow=True)
    assert "Ключ доступа удалён" in removed.content.decode()
    assert not WebAuthnCredential.objects.filter(user=agent).exists()
    # Nothing left to give: a person whose role does not require one goes on without.
    assert client.get(CONSOLE).status_code == 200


def test_an_admin_reset_removes_passkeys_too(site):
    agent = AgentFactory()
    with_passkey(agent)
    admin = AdminFactory()
    devices.reset(agent, actor=admin)
    assert not WebAuthnCredential.objects.filter(user=agent).exists()
    assert SecondFactorReset.objects.filter(user=agent, reset_by=admin).exists()


def test_at_an_address_without_passkeys_none_are_offered(settings):
    settings.OTP_WEBAUTHN_RP_ID, origin = relying_party("http://127.0.0.1:8000")
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [origin]
    client = signed_in(AgentFactory())
    page = client.get(reverse("mfa:passkeys"))
    assert "passkey-register-button" not in page.content.decode()
    assert "Ключи доступа недоступны по этому адресу" in page.content.decode()
    refused = post_json(client, "mfa:passkey_register_begin")
    assert refused.status_code == 403 and refused.json()["code"] == "passkeys_unavailable"
