"""Two-factor sign-in in a real browser (Debian's chromium through Playwright): the code step
after the password, and enrolment with the QR code drawn by the server under the page's CSP."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import default_key
from playwright.sync_api import Page, expect

from incidesk.accounts.tests.factories import AgentFactory
from incidesk.mfa import devices

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "pw-123456"


@pytest.fixture
def agent(desk, settings):
    settings.INCIDESK_MFA_REQUIRED_ROLES = ["agent"]
    person = AgentFactory(email="anna@example.com", full_name="Анна Агентова")
    person.set_password(PASSWORD)
    person.save()
    return person


def _in_the_console(url: str) -> bool:
    return "/console/" in url and "/two-factor/" not in url and "/login/" not in url


def _password(page: Page, desk, email: str) -> None:
    page.goto(desk.url + "/console/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")


def test_password_then_a_code_from_the_app_into_the_console(page: Page, desk, agent):
    device = devices.enrol(agent, default_key(), step=0)
    _password(page, desk, agent.email)
    page.wait_for_url("**/two-factor/verify/**")
    expect(page.get_by_test_id("bell")).to_have_count(0)
    page.fill("input[name=code]", "000000")
    page.click("main form button[type=submit]")
    expect(page.locator("[data-field=code]")).to_contain_text("Код неверный")
    # The app's failure delay (one second after one wrong code) passes before the right one.
    page.wait_for_timeout(1100)
    page.fill("input[name=code]", f"{totp(device.bin_key):06d}")
    page.click("main form button[type=submit]")
    page.wait_for_url(_in_the_console)
    expect(page.locator("main")).to_be_visible()


def test_enrolment_with_the_qr_code_then_the_console(page: Page, desk, agent):
    _password(page, desk, agent.email)
    page.wait_for_url("**/two-factor/enrol/**")
    qr = page.locator("img[data-qr]")
    expect(qr).to_be_visible()
    # Drawn: the CSP let the data: image through.
    assert qr.evaluate("img => img.complete && img.naturalWidth > 100")
    secret = page.locator("code[data-secret]").inner_text()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("input[name=code]", f"{totp(key):06d}")
    page.click("main form button[type=submit]")
    codes = page.locator("[data-recovery-codes] li")
    expect(codes).to_have_count(devices.RECOVERY_CODES)
    with page.expect_download() as saved:
        page.get_by_role("link", name="Скачать").click()
    assert saved.value.suggested_filename == "incidesk-recovery-codes.txt"
    with open(saved.value.path(), encoding="utf-8") as file:
        assert file.read().split() == codes.all_inner_texts()
    page.get_by_role("link", name="Продолжить").click()
    page.wait_for_url(_in_the_console)
