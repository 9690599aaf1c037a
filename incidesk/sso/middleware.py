"""A session signed in through an OpenID provider asks the provider again every
INCIDESK_OIDC_RECHECK_MINUTES (15), so a person the provider no longer vouches for is out at
their next request after that, not at their next sign-in.

The check redeems the session's refresh token at the provider's token endpoint (server to
server, `ProviderGrant`). The provider's answer decides:
- a new token: the session goes on (a rotated refresh token is kept);
- `invalid_grant` for an ordinary grant, which ends with the person's session at the provider:
  they signed out there, were disabled or deleted, or an admin ended their sessions. The desk's
  session ends too (signed out here);
- `invalid_grant` for an offline grant (`offline_access`), which does not end with the
  provider's session: the provider has withdrawn it, because the account was disabled or
  deleted or its access revoked. The person is deactivated, which ends every session and
  revokes their API tokens and tracking links (`accounts.signals`);
- anything else (no answer, a timeout, a server error, our own client refused): the session
  goes on and is asked again after the next interval, as the directory's recheck does during
  an outage.

Why not mozilla-django-oidc's `SessionRefresh`: it sends the browser to the provider with
`prompt=none` when the ID token expires, which cannot tell "signed out there" from "disabled",
only works for page loads (not htmx fragments, form posts or the API), knows one provider, and
never sees a person whose browser still has the provider's cookie but whose account is gone.
"""

from __future__ import annotations

import enum
import logging
import math
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from incidesk.accounts.models import User
from incidesk.sso.config import TIMEOUT, Provider, endpoints
from incidesk.sso.models import ProviderGrant

# The session keys: the grant's id, when to ask the provider next (a time.time(); absent when
# the provider gave no refresh token), and the session key the grant knows.
GRANT = "sso_grant"
CHECK_AFTER = "sso_check_after"
KNOWN_AS = "sso_session_key"
logger = logging.getLogger(__name__)


class Answer(enum.Enum):
    RENEWED = "renewed"
    REFUSED = "refused"
    UNKNOWN = "unknown"


def _interval() -> timedelta:
    return timedelta(minutes=settings.INCIDESK_OIDC_RECHECK_MINUTES)


def start(
    request: HttpRequest,
    user: User,
    provider: Provider,
    token: dict[str, Any],
    claims: dict[str, Any],
) -> None:
    """Keep what the provider granted a session that has just signed in: its token response
    (a provider that gives no refresh token cannot be asked again) and who the ID token's
    `claims` say the person and their session at the provider are."""
    refresh_token = str(token.get("refresh_token") or "")
    now = timezone.now()
    # Grants of sessions that have long expired without a sign-out go with the next sign-in.
    ProviderGrant.objects.filter(
        user=user, checked_at__lt=now - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    ).delete()
    grant = ProviderGrant.objects.create(
        user=user,
        provider=provider.slug,
        subject=str(claims.get("sub", "")),
        sid=str(claims.get("sid") or ""),
        session_key=request.session.session_key or "",
        refresh_token=refresh_token,
        offline="offline_access" in str(token.get("scope", "")).split(),
        checked_at=now,
    )
    request.session[GRANT] = grant.pk
    request.session[KNOWN_AS] = grant.session_key
    if refresh_token:
        request.session[CHECK_AFTER] = time.time() + _interval().total_seconds()


def renew(provider: Provider, grant: ProviderGrant) -> Answer:
    """Redeem the grant's refresh token; keep the new one if the provider rotates it."""
    try:
        response = requests.post(
            endpoints(provider).token,
            data={
                "grant_type": "refresh_token",
                "refresh_token": grant.refresh_token,
                "client_id": provider.client_id,
                "client_secret": provider.client_secret,
            },
            timeout=TIMEOUT,
            verify=provider.verify_tls,
        )
        body = response.json() if response.content else {}
    except (requests.RequestException, ValueError) as error:
        logger.warning("OpenID provider %s: recheck failed: %s", provider.slug, error)
        return Answer.UNKNOWN
    if response.status_code == 200 and body.get("access_token"):
        rotated = body.get("refresh_token")
        if rotated and rotated != grant.refresh_token:
            grant.refresh_token = rotated
            grant.save(update_fields=["refresh_token"])
        return Answer.RENEWED
    if response.status_code in (400, 401) and body.get("error") == "invalid_grant":
        return Answer.REFUSED
    logger.warning(
        "OpenID provider %s: recheck answered %s %s",
        provider.slug,
        response.status_code,
        body.get("error", ""),
    )
    return Answer.UNKNOWN


def recheck(request: HttpRequest, grant_id: int) -> None:
    """Ask the provider about this session, unless another request of it just did."""
    now = timezone.now()
    request.session[CHECK_AFTER] = time.time() + _interval().total_seconds()
    # Claimed by one request at a time: two redeeming the same token at once would look to a
    # rotating provider like a stolen token being replayed.
    claimed = ProviderGrant.objects.filter(pk=grant_id, checked_at__lte=now - _interval()).update(
        checked_at=now
    )
    grant = ProviderGrant.objects.select_related("user").filter(pk=grant_id).first()
    if grant is None:  # ended (signed out, deactivated): so is this session
        logout(request)
        return
    provider = settings.INCIDESK_OIDC_PROVIDERS.get(grant.provider)
    if not claimed or provider is None or not grant.refresh_token:
        return
    answer = renew(provider, grant)
    if answer is not Answer.REFUSED:
        return
    user = grant.user
    if grant.offline:
        logger.info("OpenID provider %s withdrew %s's grant: deactivated", provider.slug, user)
        user.is_active = False
        user.save(update_fields=["is_active"])
    else:
        logger.info("OpenID provider %s ended %s's session: signed out", provider.slug, user)
    logout(request)


def forget_grant(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """`user_logged_out` receiver: a session's grant goes with it."""
    session = getattr(request, "session", None)
    if session is not None and (grant_id := session.get(GRANT)) is not None:
        ProviderGrant.objects.filter(pk=grant_id).delete()


def forget_grants(sender: Any, user: User, **kwargs: Any) -> None:
    """`user_deactivated` receiver: a deactivated person's grants are of no more use."""
    ProviderGrant.objects.filter(user=user).delete()


class ProviderRecheckMiddleware:
    """Checks a provider's session when it is due, and tells its grant the session's new key
    when the session got one (the second factor's step), so that the provider's back-channel
    sign-out finds it. Does nothing, and queries nothing, for other sessions, nor between
    checks."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        grant_id = request.session.get(GRANT)
        if grant_id is not None and time.time() >= request.session.get(CHECK_AFTER, math.inf):
            recheck(request, grant_id)
        response = self.get_response(request)
        grant_id = request.session.get(GRANT)
        key = request.session.session_key
        if grant_id is not None and key and key != request.session.get(KNOWN_AS):
            ProviderGrant.objects.filter(pk=grant_id).update(session_key=key)
            request.session[KNOWN_AS] = key
        return response
