"""A session signed in through a provider is checked with it again (its refresh token), and
the provider's answer decides: on, signed out, or deactivated. The provider here is the small
one of `conftest.py`, which answers what each test tells it to; the whole flow against a real
provider is in `test_browser_sso.py`."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from incidesk.accounts.models import ApiToken, User
from incidesk.accounts.tests.factories import AgentFactory
from incidesk.sso.config import providers_from
from incidesk.sso.middleware import CHECK_AFTER, GRANT, KNOWN_AS
from incidesk.sso.models import ProviderGrant

pytestmark = pytest.mark.django_db

BACKEND = "incidesk.sso.backend.OidcBackend"
CONSOLE = "/console/"


def signed_in(user: User, *, offline: bool = False, due: bool = True) -> Client:
    """A session as the callback leaves it: the grant, and (if `due`) its check due now."""
    client = Client()
    client.force_login(user, backend=BACKEND)
    session = client.session
    grant = ProviderGrant.objects.create(
        user=user,
        provider="corp",
        subject=f"sub-{user.pk}",
        sid=f"sid-{user.pk}-{ProviderGrant.objects.count()}",
        session_key=session.session_key or "",
        refresh_token="r-1",
        offline=offline,
        checked_at="2000-01-01T00:00:00Z" if due else "2100-01-01T00:00:00Z",
    )
    session[GRANT] = grant.pk
    session[KNOWN_AS] = session.session_key
    session[CHECK_AFTER] = 0 if due else 4102444800
    session.save()
    return client


def test_a_renewed_grant_goes_on_and_keeps_the_rotated_token(small_provider):
    agent = AgentFactory()
    client = signed_in(agent)
    assert client.get(CONSOLE).status_code == 200
    [sent] = small_provider.refreshes
    assert sent["grant_type"] == ["refresh_token"]
    assert (sent["refresh_token"], sent["client_id"]) == (["r-1"], ["incidesk"])
    assert ProviderGrant.objects.get().refresh_token == "r-2"
    # Not asked again before the interval is over.
    assert client.get(CONSOLE).status_code == 200
    assert len(small_provider.refreshes) == 1


def test_between_checks_nothing_is_asked_or_queried(small_provider):
    agent = AgentFactory()
    client = signed_in(agent, due=False)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CONSOLE).status_code == 200
    assert not [q for q in queries.captured_queries if "sso_providergrant" in q["sql"]]
    assert small_provider.refreshes == []


def test_an_ordinary_grant_refused_signs_the_session_out_only(small_provider):
    agent = AgentFactory()
    ApiToken.issue(agent)
    client = signed_in(agent)
    small_provider.answer = (400, {"error": "invalid_grant"})
    assert client.get(CONSOLE)["Location"].startswith("/login/")
    agent.refresh_from_db()
    assert agent.is_active
    assert ApiToken.objects.filter(user=agent).exists()
    assert not ProviderGrant.objects.exists()


def test_an_offline_grant_refused_deactivates_the_person(small_provider):
    agent = AgentFactory()
    ApiToken.issue(agent)
    client = signed_in(agent, offline=True)
    elsewhere = signed_in(agent, offline=True, due=False)
    small_provider.answer = (400, {"error": "invalid_grant", "error_description": "User disabled"})
    assert client.get(CONSOLE)["Location"].startswith("/login/")
    agent.refresh_from_db()
    assert not agent.is_active
    assert not ApiToken.objects.filter(user=agent).exists()
    assert not ProviderGrant.objects.exists()
    assert elsewhere.get(CONSOLE)["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param((500, {}), id="server error"),
        pytest.param((401, {"error": "invalid_client"}), id="our client refused"),
        pytest.param((503, {"error": "temporarily_unavailable"}), id="unavailable"),
    ],
)
def test_no_clear_answer_keeps_the_session(small_provider, answer):
    agent = AgentFactory()
    client = signed_in(agent, offline=True)
    small_provider.answer = answer
    assert client.get(CONSOLE).status_code == 200
    agent.refresh_from_db()
    assert agent.is_active


def test_a_provider_that_does_not_answer_keeps_the_session(small_provider):
    agent = AgentFactory()
    client = signed_in(agent, offline=True)
    small_provider.shutdown()
    small_provider.server_close()
    assert client.get(CONSOLE).status_code == 200


def test_signing_out_forgets_the_grant(small_provider):
    client = signed_in(AgentFactory(), due=False)
    client.post("/logout/")
    assert not ProviderGrant.objects.exists()


def test_an_offline_scope_asks_for_consent(settings, small_provider):
    settings.INCIDESK_OIDC_PROVIDERS = providers_from(
        {
            "INCIDESK_OIDC_PROVIDERS": "corp",
            "INCIDESK_OIDC_CORP_ISSUER": small_provider.issuer,
            "INCIDESK_OIDC_CORP_CLIENT_ID": "incidesk",
            "INCIDESK_OIDC_CORP_SCOPES": "openid offline_access email",
        }
    )
    assert "prompt=consent" in Client().get("/sso/start/corp/")["Location"]
