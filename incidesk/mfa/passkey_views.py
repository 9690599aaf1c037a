"""Passkeys in the two-factor pages: the person's list (add, remove) and the four JSON endpoints
the library's scripts call to make a passkey and to sign with one after the password.

The endpoints are django-otp-webauthn's views with the desk's rules in front: desk staff only
(customers have no second factor), only where browsers offer passkeys (`passkeys.available`),
never without the password (passwordless sign-in is off: `OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN`),
and adding one beside another device takes that device first (the library's own check). A passkey
that fails to sign counts as a failed sign-in, as a wrong code does; a locked-out account or
address is refused before the passkey is looked at.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import JavaScriptCatalog
from django_otp import login as otp_login
from django_otp.middleware import is_verified
from django_otp_webauthn import exceptions
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from incidesk.accounts.models import SecondFactor, User
from incidesk.accounts.signals import end_sessions
from incidesk.accounts.signin_log import second_factor_given
from incidesk.mfa import devices, passkeys
from incidesk.mfa.middleware import ENROLLED
from incidesk.mfa.views import _count_failure, _next, _person, _refused, _show_codes
from incidesk.web.access import staff_required


class NotForCustomers(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_detail = gettext_lazy("Only desk staff sign in with a second factor.")
    default_code = "not_staff"


class Unavailable(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_detail = gettext_lazy("Passkeys are not available at this address.")
    default_code = "passkeys_unavailable"


# A passkey that answered but did not prove anything: a failed sign-in.
FAILED = (
    exceptions.UnprocessableEntity,
    exceptions.CredentialNotFound,
    exceptions.CredentialUserMismatch,
)


class DeskCeremony:
    """The desk's rules in front of a library view (mixed in before it)."""

    request: HttpRequest

    def initial(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        if not isinstance(request.user, User):
            raise exceptions.NotAuthenticated()
        if not request.user.is_desk_staff:
            raise NotForCustomers()
        if not passkeys.available():
            raise Unavailable()
        super().initial(request, *args, **kwargs)  # type: ignore[misc]

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, exceptions.InvalidState):
            # Completing a ceremony this session never began (or already finished): a conflict
            # with the session's state, not a malformed request.
            return JsonResponse({"detail": str(exc), "code": exc.code}, status=409)
        response: HttpResponse = super().handle_exception(exc)  # type: ignore[misc]
        return response


class RegisterBegin(DeskCeremony, BeginCredentialRegistrationView):
    pass


class RegisterComplete(DeskCeremony, CompleteCredentialRegistrationView):
    """The library saves the passkey and verifies the session with it when it was not yet; as
    with an authenticator app, the session gets a new key and the person's other sessions end
    (signed in without this factor, they would go on without it)."""

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        request = self.request
        first_factor = not is_verified(_person(request))
        response: HttpResponse = super().post(*args, **kwargs)
        if first_factor:
            second_factor_given(request, _person(request), SecondFactor.PASSKEY)
        request.session[ENROLLED] = True
        request.session.cycle_key()
        end_sessions(_person(request), keep=request.session.session_key)
        return response


class AuthenticateBegin(DeskCeremony, BeginCredentialAuthenticationView):
    pass


class AuthenticateComplete(DeskCeremony, CompleteCredentialAuthenticationView):
    """The second step with a passkey: the session is verified by it, as by a code."""

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = _refused(self.request, _person(self.request))
        if refused is not None:
            detail = _("Too many failed attempts. Try again later.")
            return JsonResponse({"detail": detail, "code": "locked"}, status=refused.status_code)
        response: HttpResponse = super().post(*args, **kwargs)
        return response

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, FAILED):
            _count_failure(self.request, _person(self.request), SecondFactor.PASSKEY)
        return super().handle_exception(exc)

    def complete_auth(self, device: Any) -> None:
        self.request.session.cycle_key()
        otp_login(self.request, device)
        second_factor_given(self.request, _person(self.request), SecondFactor.PASSKEY)


# The library's scripts take their messages from this catalogue: its own, and the Russian in
# the djangojs catalogue of incidesk/overrides (LOCALE_PATHS; the package ships none).
translations = JavaScriptCatalog.as_view(packages=["django_otp_webauthn"])


@staff_required
@require_GET
def passkey_list(request: HttpRequest) -> HttpResponse:
    """The person's passkeys, and the button that adds one (the library's script). Reached from
    the settings, or from enrolment instead of an authenticator app."""
    user = _person(request)
    target = _next(request)
    if devices.has_second_factor(user) and not is_verified(user):
        return redirect(f"{reverse('mfa:verify')}?{urlencode({'next': request.get_full_path()})}")
    context = {
        "passkeys": list(passkeys.passkeys_of(user)),
        "available": passkeys.available(),
        "required": devices.is_required(user),
        "next": target,
        "second_factor_step": not is_verified(user),
    }
    return render(request, "mfa/passkeys.html", context)


@staff_required
@require_POST
def passkey_added(request: HttpRequest) -> HttpResponse:
    """Where the page goes once the script has added a passkey: a person whose first second
    factor it is gets recovery codes (shown once), as after setting up an app."""
    user = _person(request)
    if not is_verified(user):
        return redirect("mfa:passkeys")
    target = _next(request)
    if not devices.has_recovery_codes(user):
        return _show_codes(request, user, target)
    messages.success(request, _("Passkey added."))
    return redirect(target)


@staff_required
@require_POST
def passkey_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove one of the person's own passkeys (someone else's is missing: 404)."""
    user = _person(request)
    if devices.has_second_factor(user) and not is_verified(user):
        raise PermissionDenied
    passkeys.remove(user, pk)
    request.session[ENROLLED] = devices.has_second_factor(user)
    messages.success(request, _("Passkey removed."))
    return redirect("mfa:passkeys")


def script_config(request: HttpRequest) -> dict[str, Any]:
    """What the library's scripts read from the page (a JSON data block, not a script: the
    Content-Security-Policy runs no inline script): our endpoints and the CSRF token."""
    return {
        "autocompleteLoginFieldSelector": None,
        "nextFieldSelector": "main input[name='next']",
        "csrfToken": get_token(request),
        "beginRegistrationUrl": reverse("mfa:passkey_register_begin"),
        "completeRegistrationUrl": reverse("mfa:passkey_register_complete"),
        "beginAuthenticationUrl": reverse("mfa:passkey_sign_begin"),
        "completeAuthenticationUrl": reverse("mfa:passkey_sign_complete"),
    }
