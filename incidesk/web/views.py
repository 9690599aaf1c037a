"""Pages every role shares: the front door, signing in and out, language and settings."""

from __future__ import annotations

from typing import Literal, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from incidesk.web.forms import PreferencesForm, SignInForm

SameSite = Literal["Lax", "Strict", "None", False] | None


def home(request: HttpRequest) -> HttpResponse:
    """Staff start at their queues, customers at their incidents, visitors at the portal."""
    if request.user.is_authenticated and request.user.is_desk_staff:
        return redirect("console:queues")
    return redirect("portal:home")


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "web/login.html"
    redirect_authenticated_user = True


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; a signed-in user keeps the choice in their profile."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    if request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("web:home")
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=cast(SameSite, settings.LANGUAGE_COOKIE_SAMESITE),
        secure=settings.HTTPS,
    )
    return response


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        translation.activate(form.instance.language)
        messages.success(request, _("Settings saved."))
        return redirect("web:preferences")
    return render(request, "web/preferences.html", {"form": form})
