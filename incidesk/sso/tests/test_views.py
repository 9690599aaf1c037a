"""The sign-in page's buttons, and the refusals that need no provider at all."""

from __future__ import annotations

import pytest

from incidesk.sso.config import providers_from
from incidesk.sso.tests.conftest import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def unreachable(settings):
    """Two providers, the first with nothing listening at its issuer."""
    settings.INCIDESK_OIDC_PROVIDERS = providers_from(
        {
            "INCIDESK_OIDC_PROVIDERS": "down,blitz",
            "INCIDESK_OIDC_DOWN_NAME": "Keycloak",
            "INCIDESK_OIDC_DOWN_ISSUER": f"http://127.0.0.1:{free_port()}/realms/corp",
            "INCIDESK_OIDC_DOWN_CLIENT_ID": "incidesk",
            "INCIDESK_OIDC_BLITZ_ISSUER": "https://blitz.corp.example/blitz/oauth",
            "INCIDESK_OIDC_BLITZ_CLIENT_ID": "incidesk",
        }
    )


def test_each_provider_has_a_button_keeping_where_the_person_was_going(client, unreachable):
    page = client.get("/login/?next=/console/").content.decode()
    assert 'href="/sso/start/down/?next=/console/"' in page
    assert "Войти через Keycloak" in page
    assert "Войти через Blitz" in page


def test_no_buttons_when_single_sign_on_is_off(client):
    assert "/sso/start/" not in client.get("/login/").content.decode()


def test_a_provider_that_cannot_be_reached_is_said_so(client, unreachable):
    response = client.get("/sso/start/down/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/"
    assert "Keycloak недоступен" in response.content.decode()


def test_a_callback_this_browser_did_not_start_signs_nobody_in(client, unreachable):
    response = client.get("/sso/callback/?code=stolen&state=guessed", follow=True)
    assert response.redirect_chain[-1][0] == "/login/"
    assert "Вход начат не здесь" in response.content.decode()
    assert "_auth_user_id" not in client.session
