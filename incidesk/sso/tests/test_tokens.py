"""The ID token: signature (RS256 only), issuer, audience, expiry and nonce are all checked."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import SuspiciousOperation

from incidesk.sso.backend import OidcBackend
from incidesk.sso.config import providers_from

ISSUER = "https://id.corp.example/realms/desk"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEY, OTHER_KEY = _key(), _key()


@pytest.fixture
def backend() -> OidcBackend:
    provider = providers_from(
        {
            "INCIDESK_OIDC_PROVIDERS": "keycloak",
            "INCIDESK_OIDC_KEYCLOAK_ISSUER": ISSUER,
            "INCIDESK_OIDC_KEYCLOAK_CLIENT_ID": "incidesk",
            "INCIDESK_OIDC_KEYCLOAK_CLIENT_SECRET": "a-client-secret-of-thirty-two-bytes!",
        }
    )["keycloak"]
    backend = OidcBackend()
    backend.provider = provider
    backend.OIDC_RP_SIGN_ALGO = "RS256"
    backend.OIDC_RP_CLIENT_SECRET = provider.client_secret
    # The provider's public key as its JWKS would give it (fetching it is the library's).
    backend.OIDC_RP_IDP_SIGN_KEY = (
        KEY.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return backend


def token(key=KEY, algorithm="RS256", **changes) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": "incidesk",
        "sub": "f1c9",
        "iat": now,
        "exp": now + 300,
        "nonce": "n-1",
    }
    claims.update(changes)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, key, algorithm=algorithm)


def test_a_good_token_passes(backend):
    assert backend.verify_token(token(), nonce="n-1")["sub"] == "f1c9"


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"aud": "someone-else"}, id="another audience"),
        pytest.param({"aud": None}, id="no audience"),
        pytest.param({"iss": "https://evil.example"}, id="another issuer"),
        pytest.param({"exp": int(time.time()) - 3600}, id="expired"),
        pytest.param({"exp": None}, id="no expiry"),
        pytest.param({"key": OTHER_KEY}, id="signed by another key"),
        pytest.param(
            {"key": "a-client-secret-of-thirty-two-bytes!", "algorithm": "HS256"},
            id="HMAC with the secret",
        ),
        pytest.param({"nonce": "n-2"}, id="another nonce"),
    ],
)
def test_a_bad_token_is_refused(backend, bad):
    with pytest.raises(SuspiciousOperation):
        backend.verify_token(token(**bad), nonce="n-1")


def test_an_unsigned_token_is_refused(backend):
    unsigned = jwt.encode({"iss": ISSUER, "aud": "incidesk", "sub": "x"}, "", algorithm="none")
    with pytest.raises(SuspiciousOperation):
        backend.verify_token(unsigned, nonce=None)


def test_password_credentials_are_not_this_backends(rf):
    assert OidcBackend().authenticate(rf.get("/"), username="a@b.c", password="x") is None
