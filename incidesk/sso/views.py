"""Signing in through an OpenID provider, and signing out of the desk (and, if the person
wishes, of the provider too)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from incidesk.core.ratelimits import LOGIN_IP, limit_requests
from incidesk.sso import backchannel, middleware
from incidesk.sso.config import Provider, endpoints

log = logging.getLogger(__name__)

# The session keys: which provider each pending `state` belongs to, and (once signed in)
# which provider and ID token the session came from, for signing out there.
PENDING = "sso_pending"
SIGNED_IN_WITH = "sso_provider"
ID_TOKEN = "sso_id_token"  # noqa: S105  a session key's name, not a secret
END_SESSION = "sso_end_session"
# Like the library's own cap on pending states: a tab left open does not grow the session.
MAX_PENDING = 10


def provider_or_404(slug: str) -> Provider:
    provider: Provider | None = settings.INCIDESK_OIDC_PROVIDERS.get(slug)
    if provider is None:
        raise Http404
    return provider


class StartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider with a fresh `state`, `nonce` and PKCE challenge
    (S256), remembering which provider that `state` is for."""

    def __init__(self, **kwargs: Any) -> None:
        # The library's __init__ reads one provider's endpoints from settings; `get` sets ours.
        self.scopes = ""

    def get_settings(self, attr: str, *args: Any) -> Any:
        if attr == "OIDC_RP_SCOPES":
            return self.scopes
        return import_from_settings(attr, *args)

    def get_extra_params(self, request: HttpRequest) -> dict[str, str]:
        """An offline grant (`offline_access`) is given only with `prompt=consent` (OpenID
        Connect Core 11); the person is asked to agree once more."""
        params = dict(super().get_extra_params(request))
        if "offline_access" in self.scopes.split():
            params["prompt"] = "consent"
        return params

    def get(self, request: HttpRequest, slug: str = "") -> HttpResponse:
        provider = provider_or_404(slug)
        try:
            self.OIDC_OP_AUTH_ENDPOINT = endpoints(provider).authorization
        except requests.RequestException as error:
            log.warning("OpenID provider %s: discovery failed: %s", provider.slug, error)
            messages.error(
                request,
                _("%(provider)s cannot be reached. Try again later.") % {"provider": provider.name},
            )
            return HttpResponseRedirect(reverse("web:login"))
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.scopes = provider.scopes
        response: HttpResponseRedirect = super().get(request)
        state = parse_qs(urlsplit(response.url).query)["state"][0]
        pending = dict(request.session.get(PENDING, {}))
        pending[state] = provider.slug
        request.session[PENDING] = dict(list(pending.items())[-MAX_PENDING:])
        return response


class CallbackView(OIDCAuthenticationCallbackView):
    """The library's checks (the `state` is one this session started, the nonce and PKCE
    verifier it stored) then our backend, told which provider to trust."""

    def get(self, request: HttpRequest) -> HttpResponse:
        state = request.GET.get("state", "")
        pending = dict(request.session.get(PENDING, {}))
        slug = pending.pop(state, "")
        request.session[PENDING] = pending
        provider = settings.INCIDESK_OIDC_PROVIDERS.get(slug)
        if provider is None:
            messages.error(
                request, _("The sign-in was not started here, or it expired. Try again.")
            )
            return HttpResponseRedirect(reverse("web:login"))
        request.sso_provider = provider  # type: ignore[attr-defined]
        response: HttpResponse = super().get(request)
        return response

    def login_success(self) -> HttpResponse:
        response: HttpResponse = super().login_success()
        provider: Provider = self.request.sso_provider
        # Django's login started a new session; the backend kept the ID token for sign-out.
        self.request.session[SIGNED_IN_WITH] = provider.slug
        self.request.session[ID_TOKEN] = getattr(self.request, "sso_id_token", "")
        middleware.start(
            self.request,
            self.user,
            provider,
            getattr(self.request, "sso_token", {}),
            getattr(self.request, "sso_claims", {}),
        )
        return response

    def login_failure(self) -> HttpResponse:
        reason = getattr(self.request, "sso_refusal", "") or _(
            "The provider's sign-in did not succeed. Try again."
        )
        messages.error(self.request, reason)
        return HttpResponseRedirect(reverse("web:login"))


def end_session_url(request: HttpRequest, provider: Provider, id_token: str) -> str:
    """The provider's end-session endpoint (RP-initiated logout), back to our sign-in page."""
    end = endpoints(provider).end_session
    if not end:
        return ""
    query = {
        "client_id": provider.client_id,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("web:login")),
    }
    if id_token:
        query["id_token_hint"] = id_token
    return f"{end}?{urlencode(query)}"


class SignOutView(auth_views.LogoutView):
    """Ends the desk's session; a person who came through a provider is then offered the
    provider's sign-out on the sign-in page (their provider session may serve other
    systems, so it is their choice)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        provider = settings.INCIDESK_OIDC_PROVIDERS.get(request.session.get(SIGNED_IN_WITH, ""))
        id_token = request.session.get(ID_TOKEN, "")
        response: HttpResponse = super().post(request, *args, **kwargs)
        if provider is not None:
            url = end_session_url(request, provider, id_token)
            if url:
                request.session[END_SESSION] = {"url": url, "name": provider.name}
        return response


@require_POST
@csrf_exempt  # the provider's server calls it; the signed logout token is what is checked
@limit_requests(LOGIN_IP, count=False)
def backchannel_logout(request: HttpRequest, slug: str) -> HttpResponse:
    """The provider's back-channel sign-out: the desk sessions it names end. A refused token
    counts against the address's sign-in limit, so the endpoint cannot be used to guess."""
    provider = provider_or_404(slug)
    try:
        claims = backchannel.logout_claims(provider, request.POST.get("logout_token", ""))
    except backchannel.Refused as refusal:
        log.warning("OpenID provider %s: logout token refused: %s", provider.slug, refusal)
        LOGIN_IP.hit(request)
        response = HttpResponse(status=400)
    except requests.RequestException as error:  # its keys could not be read: it may retry
        log.warning("OpenID provider %s: JWKS unreachable: %s", provider.slug, error)
        response = HttpResponse(status=503)
    else:
        ended = backchannel.end_sessions(provider, claims)
        log.info("OpenID provider %s: back-channel sign-out ended %d sessions", slug, ended)
        response = HttpResponse(status=200)
    response["Cache-Control"] = "no-store"
    return response
