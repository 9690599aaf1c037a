"""Every sign-in attempt is recorded for the admin (`SignInEvent`): success or failure, and the
method (password, directory, single sign-on), whichever form or backend it came through. Django
sends `user_logged_in` and `user_login_failed` for all of them, so one pair of receivers covers
the local form, LDAP and any later backend.

A second factor (`mfa`) is an entry of its own, naming the factor: `second_factor_given` when
a code or key was accepted, and a failed attempt through `user_login_failed` (sent for the
lockout anyway) with `second_factor` among its credentials. Either carries the method of the
session's first factor."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from incidesk.accounts.models import SecondFactor, SignInEvent, SignInMethod, User
from incidesk.core.ratelimits import client_ip

# The authentication backend that let the person in, by the start of its dotted path.
METHODS = (
    ("incidesk.directory.", SignInMethod.DIRECTORY),
    ("incidesk.sso.backend.OidcBackend", SignInMethod.SINGLE_SIGN_ON),
    ("django.contrib.auth.backends.", SignInMethod.PASSWORD),
)


def method_of(backend: str) -> SignInMethod:
    return next(
        (method for prefix, method in METHODS if backend.startswith(prefix)), SignInMethod.OTHER
    )


def _ip(request: HttpRequest | None) -> str | None:
    return (client_ip(request) or None) if request is not None else None


def _session_method(request: HttpRequest | None) -> SignInMethod:
    """How the session now asked for a second factor was signed in."""
    session = getattr(request, "session", None)
    return method_of(str(session.get(BACKEND_SESSION_KEY, ""))) if session else SignInMethod.OTHER


def second_factor_given(request: HttpRequest, user: User, factor: SecondFactor) -> None:
    """`mfa` accepted the person's second factor in this session."""
    SignInEvent.objects.create(
        user=user,
        login=user.email,
        method=_session_method(request),
        second_factor=factor,
        succeeded=True,
        ip=_ip(request),
    )


@receiver(user_logged_in)
def _signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    SignInEvent.objects.create(
        user=user,
        login=user.email,
        method=method_of(getattr(user, "backend", "") or ""),
        succeeded=True,
        ip=_ip(request),
    )


@receiver(user_login_failed)
def _refused(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """A wrong password, an unknown login or a locked-out address: Django has already replaced
    the password in `credentials` with stars. A wrong second factor names the factor tried."""
    login = str(credentials.get("username") or credentials.get("email") or "")[:254]
    factor = credentials.get("second_factor", "")
    SignInEvent.objects.create(
        user=User.objects.filter(email__iexact=login).first() if login else None,
        login=login,
        method=_session_method(request) if factor else SignInMethod.PASSWORD,
        second_factor=SecondFactor(factor) if factor else "",
        succeeded=False,
        ip=_ip(request),
    )
