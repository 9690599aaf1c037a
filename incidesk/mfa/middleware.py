"""Staff who owe a second factor see nothing but the pages that collect it.

A desk person owes one when their session is not verified yet (django-otp's `is_verified`) and
either their role requires it (`INCIDESK_MFA_REQUIRED_ROLES`) or they had enrolled an
authenticator or a passkey when they signed in. Until they give it, every page (console,
reports, admin...) sends them to the second step (a code or their passkey), or to enrolment
when they have nothing to give one with; the
API does not see their session at all. Customers are never asked, and an API bearer token is
not a session: it keeps working.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp.middleware import is_verified

from incidesk.accounts.models import User
from incidesk.mfa.devices import has_second_factor, is_required
from incidesk.web.fragments import is_fragment, whole_page_to

# Routes a person owing a code may still use: giving it, and leaving.
OPEN_ROUTES = frozenset(
    {"web:login", "web:logout", "web:language", "admin_login", "admin:logout", "health"}
)


# Whether the session's person had an authenticator or a passkey when they signed in (or enrolled
# in it): asked once per session, not on every page.
ENROLLED = "mfa_enrolled"


def remember_enrolment(request: HttpRequest, user: User) -> None:
    if user.is_desk_staff:
        request.session[ENROLLED] = has_second_factor(user)


def on_sign_in(sender: object, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """`user_logged_in` receiver: note whether this desk person will owe a code."""
    if request is not None and hasattr(request, "session"):
        remember_enrolment(request, user)


def owes_second_factor(request: HttpRequest, user: User) -> bool:
    if not user.is_desk_staff or is_verified(user):
        return False
    if is_required(user):
        return True
    if ENROLLED not in request.session:  # a session from before two-factor sign-in existed
        remember_enrolment(request, user)
    return bool(request.session[ENROLLED])


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or "mfa" in match.namespaces or match.view_name in OPEN_ROUTES:
            return None
        user = request.user
        if not isinstance(user, User) or not owes_second_factor(request, user):
            return None
        if request.path.startswith("/api/"):
            # The session does not count until verified; a bearer token does not use it.
            request.user = AnonymousUser()
            return None
        step = "mfa:verify" if has_second_factor(user) else "mfa:enrol"
        if is_fragment(request):
            return whole_page_to(request, reverse(step))
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse(step)}?{query}")
