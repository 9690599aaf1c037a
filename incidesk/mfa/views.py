"""The two-factor pages: enrolling an authenticator app, giving a code after the password, and
new recovery codes. Only desk staff have them; the middleware sends staff here when they owe a
code. A wrong code counts as a failed sign-in (django-axes' lockout and the per-address limit)
and against the account's own limit (`MFA_USER`)."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import quote, urlencode

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.middleware import is_verified
from django_otp.plugins.otp_totp.models import default_key

from incidesk.accounts.models import SecondFactor, User
from incidesk.accounts.signin_log import second_factor_given
from incidesk.core.ratelimits import LOGIN_IP, MFA_USER, limit_requests, too_many_requests
from incidesk.mfa import devices, passkeys
from incidesk.mfa.devices import is_required
from incidesk.mfa.forms import CodeForm, EnrolForm
from incidesk.mfa.middleware import ENROLLED
from incidesk.web.access import staff_required

ENROL_KEY = "mfa_enrol_key"


def _person(request: HttpRequest) -> User:
    """The signed-in desk person (`staff_required` has let only them in)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("web:home")


def _refused(request: HttpRequest, user: User) -> HttpResponse | None:
    """Before a code is checked: the sign-in lockout and the account's code limit."""
    credentials = {settings.AXES_USERNAME_FORM_FIELD: user.email}
    if AxesProxyHandler.is_locked(request, credentials):
        response: HttpResponse = get_lockout_response(request, None, credentials)
        return response
    if wait := MFA_USER.check(request):
        return too_many_requests(request, wait)
    return None


def _count_failure(request: HttpRequest, user: User, factor: SecondFactor) -> None:
    """A wrong code: a failed sign-in for the lockout and the sign-in log (naming `factor`),
    and one more against the account's code limit."""
    MFA_USER.hit(request)
    credentials = {settings.AXES_USERNAME_FORM_FIELD: user.email, "second_factor": factor}
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)


@limit_requests(LOGIN_IP, count=False)
@staff_required
def verify(request: HttpRequest) -> HttpResponse:
    """The step after the password: a code from the app, or a recovery code (used up)."""
    user = _person(request)
    target = _next(request)
    if is_verified(user):
        return redirect(target)
    if not devices.has_second_factor(user):  # removed since this session signed in
        request.session[ENROLLED] = False
        if is_required(user):
            return redirect(f"{reverse('mfa:enrol')}?{urlencode({'next': target})}")
        return redirect(target)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if refused := _refused(request, user):
            return refused
        if form.is_valid():
            code = form.cleaned_data["code"]
            device = devices.device_for_code(user, code)
            if device is not None:
                request.session.cycle_key()
                otp_login(request, device)
                second_factor_given(request, user, devices.factor_of(device))
                return redirect(target)
            _count_failure(request, user, devices.factor_tried(code))
            form.add_error("code", _("This code is not right. Check the time on your phone."))
        status = 422
    return render(
        request,
        "mfa/verify.html",
        {
            "form": form,
            "next": target,
            "second_factor_step": True,
            "passkey": passkeys.available() and passkeys.has_passkey(user),
        },
        status=status,
    )


@limit_requests(LOGIN_IP, count=False)
@staff_required
def enrol(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: scan the QR code (drawn here, no outside service), type one
    code to prove it works, then see the recovery codes once."""
    user = _person(request)
    target = _next(request)
    if devices.has_second_factor(user) and not is_verified(user):
        # Replacing an authenticator, or adding one beside a passkey, takes the current one first.
        return redirect(f"{reverse('mfa:verify')}?{urlencode({'next': target})}")
    key = request.session.get(ENROL_KEY) or default_key()
    request.session[ENROL_KEY] = key
    form = EnrolForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if refused := _refused(request, user):
            return refused
        if form.is_valid():
            step = devices.code_matches(key, form.cleaned_data["code"])
            if step is not None:
                del request.session[ENROL_KEY]
                request.session[ENROLLED] = True
                request.session.cycle_key()
                device = devices.enrol(
                    user, key, step=step, session_key=request.session.session_key
                )
                otp_login(request, device)
                second_factor_given(request, user, SecondFactor.TOTP)
                return _show_codes(request, user, target)
            _count_failure(request, user, SecondFactor.TOTP)
            form.add_error("code", _("This code is not right. Check the time on your phone."))
        status = 422
    context = {
        "form": form,
        "next": target,
        # An <img> with a data: address: the page's CSP allows data: images, not inline markup.
        "qr": segno.make(_provisioning_url(user, key), error="m").svg_data_uri(scale=5, border=2),
        "secret": _base32(key),
        "required": is_required(user),
        "passkeys": passkeys.available(),
        # Before the code is given, the page shows no desk menu (nor its polling bell).
        "second_factor_step": not is_verified(user),
    }
    return render(request, "mfa/enrol.html", context, status=status)


@staff_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working), for a person who has given a code."""
    user = _person(request)
    if not is_verified(user):
        return redirect("mfa:enrol")
    return _show_codes(request, user, reverse("web:home"))


def _show_codes(request: HttpRequest, user: User, target: str) -> HttpResponse:
    """The recovery codes, shown this once: only their hashes are kept, so no page could show
    them again."""
    codes = devices.new_recovery_codes(user)
    # Downloaded as a file straight from the page: the codes are not sent a second time.
    download = "data:text/plain;charset=utf-8," + quote("\n".join(codes) + "\n")
    context = {"codes": codes, "download": download, "next": target}
    return render(request, "mfa/recovery_codes.html", context)


def _base32(key: str) -> str:
    """The hex secret as authenticator apps take it typed in."""
    return b32encode(bytes.fromhex(key)).decode().rstrip("=")


def _provisioning_url(user: User, key: str) -> str:
    """The otpauth:// address authenticator apps read from the QR code."""
    issuer = settings.OTP_TOTP_ISSUER
    label = quote(f"{issuer}:{user.email}")
    return f"otpauth://totp/{label}?{urlencode({'secret': _base32(key), 'issuer': issuer})}"
