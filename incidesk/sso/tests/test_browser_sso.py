"""Signing in through a real OpenID provider in a real browser (Debian's chromium)."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import Page, expect

from incidesk.accounts.models import ApiToken, Role, Team, User
from incidesk.accounts.tests.factories import UserFactory
from incidesk.directory.models import GroupMapping
from incidesk.sso.models import Identity, ProviderGrant

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def sso(desk, openid_provider, settings):
    provider = openid_provider.provider()
    settings.INCIDESK_OIDC_PROVIDERS = {provider.slug: provider}
    team = Team.objects.create(name="Первая линия SSO", code="sso-first-line")
    GroupMapping.objects.create(group_dn="/incidesk/agents", role=Role.AGENT, team=team)
    return desk


def sign_in_at_provider(page: Page, base: str, login: str) -> None:
    page.goto(base + "/login/")
    page.get_by_role("link", name="Войти через Test IdP").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password: the test provider takes any")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def test_an_agent_lands_in_the_console_and_a_customer_in_the_portal_by_their_groups(
    sso, page: Page
):
    sign_in_at_provider(page, sso.url, "anna")
    expect(page).to_have_url(re.compile(r"/console/"))
    expect(page.get_by_test_id("signed-in-as")).to_have_text("Анна Сергеевна Лебедева")
    anna = User.objects.get(email="anna@corp.example")
    assert anna.role == Role.AGENT
    assert [t.code for t in anna.teams.all()] == ["sso-first-line"]
    assert Identity.objects.get(user=anna).subject == "anna"

    # Out of the desk, then (offered, not forced) out of the provider too.
    page.get_by_role("button", name="Выйти").click()
    offer = page.get_by_test_id("sso-end-session")
    expect(offer).to_contain_text("Test IdP")
    offer.get_by_role("link").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url(re.compile(r"/login/"))

    sign_in_at_provider(page, sso.url, "ivan")
    expect(page).to_have_url(re.compile(r"/incidents/|/$"))
    expect(page.get_by_test_id("signed-in-as")).to_have_text("Иван Петров")
    assert User.objects.get(email="ivan@corp.example").role == Role.CUSTOMER


def test_an_unverified_address_does_not_take_over_an_account(sso, page: Page):
    boss = UserFactory(email="boss@corp.example", role=Role.ADMIN)
    sign_in_at_provider(page, sso.url, "mallory")
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.get_by_role("status")).to_contain_text("не подтвердил")
    assert not Identity.objects.filter(user=boss).exists()
    expect(page.get_by_test_id("signed-in-as")).to_have_count(0)


def test_a_stranger_from_another_domain_gets_no_account(sso, page: Page):
    sign_in_at_provider(page, sso.url, "stranger")
    expect(page.get_by_role("status")).to_contain_text("stranger@elsewhere.example")
    assert not User.objects.filter(email="stranger@elsewhere.example").exists()


@pytest.mark.parametrize(
    ("scopes", "deactivated"),
    [
        pytest.param("openid offline_access email profile groups", True, id="offline grant"),
        pytest.param("openid email profile groups", False, id="ordinary grant"),
    ],
)
def test_a_person_disabled_at_the_provider_is_out_at_the_next_check(
    desk, openid_provider, settings, page: Page, scopes, deactivated
):
    provider = openid_provider.provider(SCOPES=scopes)
    settings.INCIDESK_OIDC_PROVIDERS = {provider.slug: provider}
    settings.INCIDESK_OIDC_RECHECK_MINUTES = 0  # every request asks the provider
    sign_in_at_provider(page, desk.url, "ivan")
    expect(page.get_by_test_id("signed-in-as")).to_have_text("Иван Петров")
    ivan = User.objects.get(email="ivan@corp.example")
    grant = ProviderGrant.objects.get(user=ivan)
    assert grant.offline is deactivated
    # Renewed at each request: still signed in. (Each page is let finish its bell fragment
    # first: two requests writing the session at once lock the tests' in-memory SQLite.)
    page.wait_for_load_state("networkidle")
    page.reload(wait_until="networkidle")
    expect(page.get_by_test_id("signed-in-as")).to_have_text("Иван Петров")
    ApiToken.issue(ivan)

    requests.post(f"{openid_provider.issuer}/test/disable/ivan", timeout=5).raise_for_status()
    page.reload()
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.get_by_test_id("signed-in-as")).to_have_count(0)
    ivan.refresh_from_db()
    assert ivan.is_active is not deactivated
    assert ApiToken.objects.filter(user=ivan).exists() is not deactivated
    assert not ProviderGrant.objects.exists()


def test_signing_out_at_the_provider_signs_out_here_at_once(sso, openid_provider, page: Page):
    """Through the provider's back-channel sign-out, long before the next recheck."""
    sign_in_at_provider(page, sso.url, "anna")
    expect(page).to_have_url(re.compile(r"/console/"))
    assert ProviderGrant.objects.get().sid
    page.goto(f"{openid_provider.issuer}/session/end")
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page.get_by_text("Sign-out Success")).to_be_visible()
    page.goto(sso.url + "/console/")
    expect(page).to_have_url(re.compile(r"/login/"))
    assert User.objects.get(email="anna@corp.example").is_active
    assert not ProviderGrant.objects.exists()
