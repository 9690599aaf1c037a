"""Passkeys in a real browser: Debian's chromium with Chrome's virtual authenticator (DevTools
protocol, through Playwright), against the live server at http://localhost:<port> — a secure
context, and a host name Chromium accepts as the relying party ID (an IP address such as
127.0.0.1 it refuses)."""

from __future__ import annotations

import pytest
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import Page, expect

from incidesk.accounts.tests.factories import AgentFactory
from incidesk.mfa import devices
from incidesk.mfa.relying_party import relying_party

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "pw-123456"


@pytest.fixture
def agent(desk, settings):
    settings.INCIDESK_MFA_REQUIRED_ROLES = ["agent"]
    party = relying_party(desk.url)
    assert party.id == "localhost"
    settings.OTP_WEBAUTHN_RP_ID = party.id
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [party.origin]
    person = AgentFactory(email="anna@example.com", full_name="Анна Агентова")
    person.set_password(PASSWORD)
    person.save()
    return person


@pytest.fixture
def authenticator(page: Page) -> None:
    """A platform authenticator in this browser (like a laptop's fingerprint reader) that
    confirms the person every time."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )


def _in_the_console(url: str) -> bool:
    return "/console/" in url and "/two-factor/" not in url and "/login/" not in url


def _password(page: Page, desk, email: str) -> None:
    page.goto(desk.url + "/console/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/login/**")


def test_a_passkey_as_the_second_step_into_the_console(page: Page, desk, agent, authenticator):
    # First sign-in: the role requires a second factor; the person picks a passkey.
    _password(page, desk, agent.email)
    page.wait_for_url("**/two-factor/enrol/**")
    page.get_by_role("link", name="Использовать ключ доступа").click()
    page.wait_for_url("**/two-factor/passkeys/**")
    page.get_by_role("button", name="Добавить ключ доступа").click()
    # A first second factor comes with recovery codes, shown once.
    expect(page.locator("[data-recovery-codes] li")).to_have_count(devices.RECOVERY_CODES)
    passkey = WebAuthnCredential.objects.get(user=agent)
    assert passkey.confirmed
    page.get_by_role("link", name="Продолжить").click()
    page.wait_for_url(_in_the_console)

    # Next time: the password, then the passkey.
    _sign_out(page)
    _password(page, desk, agent.email)
    page.wait_for_url("**/two-factor/verify/**")
    expect(page.get_by_test_id("bell")).to_have_count(0)
    page.get_by_role("button", name="Подтвердить ключом доступа").click()
    page.wait_for_url(_in_the_console)
    expect(page.locator("main")).to_be_visible()
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None

    # Without it, the password alone does not open the console.
    _sign_out(page)
    _password(page, desk, agent.email)
    page.wait_for_url("**/two-factor/verify/**")
    page.goto(desk.url + "/console/")
    page.wait_for_url("**/two-factor/verify/**")
    expect(page.get_by_role("button", name="Подтвердить ключом доступа")).to_be_visible()
