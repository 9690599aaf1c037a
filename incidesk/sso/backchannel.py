"""OpenID Connect Back-Channel Logout 1.0: the provider tells the desk, server to server, that a
person's session there has ended, and the desk sessions that came from it end at once.

The logout token is a JWT the provider signs; it is believed only when it passes every check of
the specification (2.6): RS256 from the provider's JWKS, issued by this provider, for this
client, `iat` present and recent, a `jti`, the back-channel logout event, a `sub` or `sid`, and
no `nonce` (so an ID token cannot be passed off as one). A replayed token is not remembered: it
could only end sessions the same person has already ended."""

from __future__ import annotations

import time
from importlib import import_module
from typing import Any

import jwt
import requests
from django.conf import settings
from django.db.models import Q

from incidesk.sso.config import TIMEOUT, Provider, endpoints
from incidesk.sso.models import ProviderGrant

EVENT = "http://schemas.openid.net/event/backchannel-logout"
ALGORITHM = "RS256"
LEEWAY = 60
# How old a logout token may be: the provider sends it as the session ends.
MAX_AGE = 10 * 60


class Refused(Exception):
    """The logout token failed a check (the reason is logged, not sent back)."""


def _signing_key(provider: Provider, kid: str | None) -> Any:
    response = requests.get(endpoints(provider).jwks, timeout=TIMEOUT, verify=provider.verify_tls)
    response.raise_for_status()
    keys = [key for key in jwt.PyJWKSet.from_dict(response.json()).keys if key.key_id == kid]
    if len(keys) != 1:
        raise Refused(f"no single key {kid!r} in the provider's JWKS")
    return keys[0].key


def logout_claims(provider: Provider, token: str) -> dict[str, Any]:
    """The logout token's claims, once every check has passed."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise Refused(f"signed with {header.get('alg')!r}")
        claims: dict[str, Any] = jwt.decode(
            token,
            _signing_key(provider, header.get("kid")),
            algorithms=[ALGORITHM],
            audience=provider.client_id,
            issuer=provider.issuer,
            leeway=LEEWAY,
            options={"require": ["iss", "aud", "iat", "jti"]},
        )
    except (jwt.InvalidTokenError, jwt.PyJWKError) as error:
        raise Refused(str(error)) from error
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(EVENT), dict):
        raise Refused("not a back-channel logout event")
    if "nonce" in claims:
        raise Refused("carries a nonce: an ID token, not a logout token")
    if not claims.get("sub") and not claims.get("sid"):
        raise Refused("names neither a subject nor a session")
    if claims["iat"] < time.time() - MAX_AGE:
        raise Refused("issued too long ago")
    return claims


def end_sessions(provider: Provider, claims: dict[str, Any]) -> int:
    """End the desk sessions of the provider's session `sid`, or of every session of the
    person `sub` when the token names no session; returns how many."""
    sub, sid = str(claims.get("sub") or ""), str(claims.get("sid") or "")
    if not sid:
        match = Q(subject=sub)
    elif sub:  # a session whose ID token carried no `sid` is known by its person only
        match = Q(sid=sid) | Q(sid="", subject=sub)
    else:
        match = Q(sid=sid)
    grants = ProviderGrant.objects.filter(match, provider=provider.slug)
    keys = [key for key in grants.values_list("session_key", flat=True) if key]
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store(session_key=key).delete()
    grants.delete()
    return len(keys)
