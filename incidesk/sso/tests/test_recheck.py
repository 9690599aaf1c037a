"""A session signed in through a provider is checked with it again (its refresh token), and
the provider's answer decides: on, signed out, or deactivated. The provider here is a small
token endpoint on loopback that answers what each test tells it to; the whole flow against a
real provider is in `test_browser_sso.py`."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from incidesk.accounts.models import ApiToken, User
from incidesk.accounts.tests.factories import AgentFactory
from incidesk.sso.config import providers_from
from incidesk.sso.middleware import CHECK_AFTER, GRANT
from incidesk.sso.models import ProviderGrant

pytestmark = pytest.mark.django_db

BACKEND = "incidesk.sso.backend.OidcBackend"
CONSOLE = "/console/"


class TokenEndpoint(ThreadingHTTPServer):
    """Discovery and a token endpoint; `answer` is the (status, body) the next refresh gets."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server_address[1]}"
        self.answer: tuple[int, dict] = (200, {"access_token": "a", "refresh_token": "r-2"})
        self.refreshes: list[dict[str, list[str]]] = []


class Handler(BaseHTTPRequestHandler):
    server: TokenEndpoint

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        issuer = self.server.issuer
        self._send(
            200,
            {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/auth",
                "token_endpoint": f"{issuer}/token",
                "jwks_uri": f"{issuer}/jwks",
            },
        )

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.server.refreshes.append(parse_qs(self.rfile.read(length).decode()))
        self._send(*self.server.answer)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def provider(settings) -> Iterator[TokenEndpoint]:
    server = TokenEndpoint()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.INCIDESK_OIDC_PROVIDERS = providers_from(
        {
            "INCIDESK_OIDC_PROVIDERS": "corp",
            "INCIDESK_OIDC_CORP_ISSUER": server.issuer,
            "INCIDESK_OIDC_CORP_CLIENT_ID": "incidesk",
            "INCIDESK_OIDC_CORP_CLIENT_SECRET": "s3cret",
        }
    )
    settings.INCIDESK_OIDC_RECHECK_MINUTES = 15
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def signed_in(user: User, *, offline: bool = False, due: bool = True) -> Client:
    """A session as the callback leaves it: the grant, and (if `due`) its check due now."""
    client = Client()
    client.force_login(user, backend=BACKEND)
    grant = ProviderGrant.objects.create(
        user=user,
        provider="corp",
        refresh_token="r-1",
        offline=offline,
        checked_at="2000-01-01T00:00:00Z" if due else "2100-01-01T00:00:00Z",
    )
    session = client.session
    session[GRANT] = grant.pk
    session[CHECK_AFTER] = 0 if due else 4102444800
    session.save()
    return client


def test_a_renewed_grant_goes_on_and_keeps_the_rotated_token(provider):
    agent = AgentFactory()
    client = signed_in(agent)
    assert client.get(CONSOLE).status_code == 200
    [sent] = provider.refreshes
    assert sent["grant_type"] == ["refresh_token"]
    assert (sent["refresh_token"], sent["client_id"]) == (["r-1"], ["incidesk"])
    assert ProviderGrant.objects.get().refresh_token == "r-2"
    # Not asked again before the interval is over.
    assert client.get(CONSOLE).status_code == 200
    assert len(provider.refreshes) == 1


def test_between_checks_nothing_is_asked_or_queried(provider):
    agent = AgentFactory()
    client = signed_in(agent, due=False)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CONSOLE).status_code == 200
    assert not [q for q in queries.captured_queries if "sso_providergrant" in q["sql"]]
    assert provider.refreshes == []


def test_an_ordinary_grant_refused_signs_the_session_out_only(provider):
    agent = AgentFactory()
    ApiToken.issue(agent)
    client = signed_in(agent)
    provider.answer = (400, {"error": "invalid_grant"})
    assert client.get(CONSOLE)["Location"].startswith("/login/")
    agent.refresh_from_db()
    assert agent.is_active
    assert ApiToken.objects.filter(user=agent).exists()
    assert not ProviderGrant.objects.exists()


def test_an_offline_grant_refused_deactivates_the_person(provider):
    agent = AgentFactory()
    ApiToken.issue(agent)
    client = signed_in(agent, offline=True)
    elsewhere = signed_in(agent, offline=True, due=False)
    provider.answer = (400, {"error": "invalid_grant", "error_description": "User disabled"})
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
def test_no_clear_answer_keeps_the_session(provider, answer):
    agent = AgentFactory()
    client = signed_in(agent, offline=True)
    provider.answer = answer
    assert client.get(CONSOLE).status_code == 200
    agent.refresh_from_db()
    assert agent.is_active


def test_a_provider_that_does_not_answer_keeps_the_session(provider):
    agent = AgentFactory()
    client = signed_in(agent, offline=True)
    provider.shutdown()
    provider.server_close()
    assert client.get(CONSOLE).status_code == 200


def test_signing_out_forgets_the_grant(provider):
    client = signed_in(AgentFactory(), due=False)
    client.post("/logout/")
    assert not ProviderGrant.objects.exists()


def test_an_offline_scope_asks_for_consent(settings, provider):
    settings.INCIDESK_OIDC_PROVIDERS = providers_from(
        {
            "INCIDESK_OIDC_PROVIDERS": "corp",
            "INCIDESK_OIDC_CORP_ISSUER": provider.issuer,
            "INCIDESK_OIDC_CORP_CLIENT_ID": "incidesk",
            "INCIDESK_OIDC_CORP_SCOPES": "openid offline_access email",
        }
    )
    assert "prompt=consent" in Client().get("/sso/start/corp/")["Location"]
