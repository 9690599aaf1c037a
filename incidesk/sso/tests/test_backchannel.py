"""The provider's back-channel sign-out: a logout token that passes every check ends the desk
sessions it names, at once; one that fails any check ends nothing and counts against the
address's limit. Tokens are signed here with the small provider's key (`conftest.py`)."""

from __future__ import annotations

import time

import jwt
import pytest
from django.test import Client
from django.urls import reverse

from incidesk.accounts.tests.factories import AgentFactory
from incidesk.sso.backchannel import EVENT
from incidesk.sso.models import ProviderGrant
from incidesk.sso.tests.test_recheck import CONSOLE, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rate_limit_window")]


def claims(small_provider, **changes) -> dict:
    token = {
        "iss": small_provider.issuer,
        "aud": "incidesk",
        "iat": int(time.time()),
        "jti": "j-1",
        "events": {EVENT: {}},
    }
    token.update(changes)
    return {name: value for name, value in token.items() if value is not None}


def send(small_provider, token: str, slug: str = "corp"):
    url = reverse("sso:backchannel_logout", args=[slug])
    return Client(REMOTE_ADDR="192.0.2.10").post(url, {"logout_token": token})


def test_a_logout_token_for_a_session_ends_only_that_session(small_provider):
    agent = AgentFactory()
    ended, kept = signed_in(agent, due=False), signed_in(agent, due=False)
    sid = ProviderGrant.objects.order_by("pk")[0].sid
    token = small_provider.sign(claims(small_provider, sub=f"sub-{agent.pk}", sid=sid))
    response = send(small_provider, token)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert ended.get(CONSOLE)["Location"].startswith("/login/")
    assert kept.get(CONSOLE).status_code == 200
    assert ProviderGrant.objects.count() == 1


def test_a_logout_token_for_a_person_ends_all_their_sessions(small_provider):
    agent, other = AgentFactory(), AgentFactory()
    first, second = signed_in(agent, due=False), signed_in(agent, due=False)
    theirs = signed_in(other, due=False)
    assert send(small_provider, small_provider.sign(claims(small_provider, sub=f"sub-{agent.pk}")))
    assert first.get(CONSOLE)["Location"].startswith("/login/")
    assert second.get(CONSOLE)["Location"].startswith("/login/")
    assert theirs.get(CONSOLE).status_code == 200
    agent.refresh_from_db()
    assert agent.is_active  # signed out, not deactivated


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"aud": "someone-else"}, id="another audience"),
        pytest.param({"iss": "https://evil.example"}, id="another issuer"),
        pytest.param({"events": None}, id="no event"),
        pytest.param({"events": {"http://example.com/other": {}}}, id="another event"),
        pytest.param({"nonce": "n-1"}, id="an ID token"),
        pytest.param({"sub": None}, id="no subject nor session"),
        pytest.param({"jti": None}, id="no jti"),
        pytest.param({"iat": None}, id="no iat"),
        pytest.param({"iat": int(time.time()) - 3600}, id="an hour old"),
        pytest.param({"kid": "k2"}, id="a key the provider does not have"),
        pytest.param({"unsigned": True}, id="unsigned"),
    ],
)
def test_a_bad_logout_token_ends_nothing(small_provider, bad):
    agent = AgentFactory()
    session = signed_in(agent, due=False)
    kid = bad.pop("kid", "k1")
    unsigned = bad.pop("unsigned", False)
    token_claims = claims(small_provider, **{"sub": f"sub-{agent.pk}", **bad})
    if unsigned:
        token = jwt.encode(token_claims, key="", algorithm="none")
    else:
        token = small_provider.sign(token_claims, kid=kid)
    assert send(small_provider, token).status_code == 400
    assert session.get(CONSOLE).status_code == 200
    assert ProviderGrant.objects.count() == 1


def test_refusals_are_rate_limited(small_provider, settings):
    settings.INCIDESK_RATE_LOGIN_IP = "2/h"
    for _ in range(2):
        assert send(small_provider, "not-a-token").status_code == 400
    assert send(small_provider, "not-a-token").status_code == 429


def test_an_unknown_provider_is_404(small_provider):
    assert send(small_provider, "x", slug="elsewhere").status_code == 404
    assert Client().get(reverse("sso:backchannel_logout", args=["corp"])).status_code == 405


def test_keys_that_cannot_be_read_end_nothing_and_ask_for_a_retry(small_provider):
    agent = AgentFactory()
    session = signed_in(agent, due=False)
    token = small_provider.sign(claims(small_provider, sub=f"sub-{agent.pk}"))
    small_provider.shutdown()
    small_provider.server_close()
    assert send(small_provider, token).status_code == 503
    assert session.get(CONSOLE).status_code == 200
