"""mozilla-django-oidc's authorisation-code flow, for whichever provider the sign-in started
with, and the switch that keeps staff off local passwords.

The library reads one provider from settings; `OidcBackend` takes the provider the callback
found for the `state` (`request.sso_provider`) and sets the few per-provider values the library
reads from `self`. Verification is the library's (state, nonce, PKCE, RS256 signature from the
provider's JWKS) plus what it leaves out: the ID token's issuer, audience and expiry."""

from __future__ import annotations

import logging
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from incidesk.accounts.models import STAFF_ROLES, User
from incidesk.sso.config import Provider, endpoints
from incidesk.sso.people import Refused, claims_from, sign_in

log = logging.getLogger(__name__)

# The ID token's clock may run a little ahead of or behind ours.
LEEWAY = 60
ALGORITHM = "RS256"


class OidcBackend(OIDCAuthenticationBackend):
    """Signs in the person an OpenID provider vouches for; does nothing for any other
    credentials (passwords go on to the other backends)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The library's __init__ reads one provider's settings; ours are set per sign-in.
        self.UserModel = User
        self.provider: Provider | None = None
        # A fixed public key instead of the provider's JWKS (the tests' way; never configured).
        self.OIDC_RP_IDP_SIGN_KEY: str | None = None

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        provider: Provider | None = getattr(request, "sso_provider", None)
        if request is None or provider is None:
            return None
        try:
            return self._authenticate(request, provider, **kwargs)
        except requests.RequestException as error:
            # Down, slow, or refusing the code: the person is told, the admin finds why here.
            log.warning("OpenID provider %s: %s", provider.slug, error)
            request.sso_refusal = _(  # type: ignore[attr-defined]
                "The provider could not complete the sign-in. Try again later."
            )
            return None

    def _authenticate(self, request: HttpRequest, provider: Provider, **kwargs: Any) -> User | None:
        found = endpoints(provider)
        self.provider = provider
        self.OIDC_OP_TOKEN_ENDPOINT = found.token
        self.OIDC_OP_USER_ENDPOINT = found.userinfo
        self.OIDC_OP_JWKS_ENDPOINT = found.jwks
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_RP_CLIENT_SECRET = provider.client_secret
        self.OIDC_RP_SIGN_ALGO = ALGORITHM
        user: User | None = super().authenticate(request, **kwargs)
        return user

    def _current(self) -> Provider:
        """The provider of the sign-in under way (set by `authenticate`)."""
        if self.provider is None:
            raise SuspiciousOperation("No provider for this sign-in.")
        return self.provider

    def _verify_jws(self, payload: bytes | str, key: Any) -> dict[str, Any]:
        """The signature (RS256 only: never `none`, never the client secret as an HMAC key),
        and the claims the library does not check: issued by this provider, for this client,
        not expired."""
        provider = self._current()
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != ALGORITHM:
            raise SuspiciousOperation(f"ID token signed with {header.get('alg')!r}.")
        try:
            claims: dict[str, Any] = jwt.decode(
                payload,
                key,
                algorithms=[ALGORITHM],
                audience=provider.client_id,
                issuer=provider.issuer,
                leeway=LEEWAY,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.InvalidTokenError as error:
            raise SuspiciousOperation(f"ID token refused: {error}") from error
        return claims

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> User | None:
        """The ID token's claims, with the userinfo endpoint's where the provider has one
        (many put groups and names only there) for the same subject."""
        provider = self._current()
        self.request.sso_claims = payload  # `sub` and `sid`, for the provider's sign-out
        raw = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            info = self.get_userinfo(access_token, id_token, payload)
            if str(info.get("sub")) != str(payload.get("sub")):
                raise SuspiciousOperation("userinfo is about another subject.")
            raw.update(info)
        try:
            return sign_in(provider, claims_from(raw, provider))
        except Refused as refusal:
            self.request.sso_refusal = str(refusal)
            return None

    def get_token(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The token response, kept whole for the callback: its refresh token and granted
        scopes are what the session is checked with later (`sso.middleware.start`)."""
        token: dict[str, Any] = super().get_token(payload)
        self.request.sso_token = token
        return token

    def store_tokens(self, access_token: str, id_token: str) -> None:
        """Keeps only the ID token, for the provider's sign-out (`id_token_hint`); the callback
        puts it in the session once the person is signed in."""
        self.request.sso_id_token = id_token

    def get_user(self, user_id: int) -> User | None:
        """As for password sessions: a deactivated account's session ends."""
        user: User | None = ModelBackend.get_user(self, user_id)
        return user


class StaffPasswordGate:
    """With INCIDESK_OIDC_STAFF_PASSWORD off, agents, leads and admins may not sign in with a
    local password (they use their provider); customers keep theirs. Placed just before the
    local accounts' backend: refusing here ends the attempt (`PermissionDenied`), whatever the
    password, with the form's usual error, so it tells nobody which addresses are staff.

    Only `authenticate`: with no `get_user` it never holds a session (and the test client's
    `force_login` does not take it for the backend to log in with)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if settings.INCIDESK_OIDC_STAFF_PASSWORD or username is None or password is None:
            return
        if User.objects.filter(email__iexact=username, role__in=STAFF_ROLES).exists():
            raise PermissionDenied
