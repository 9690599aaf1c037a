"""The sign-in page's provider buttons and the offer to sign out of a provider too."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.http import HttpRequest

from incidesk.sso.views import END_SESSION

register = template.Library()


@register.inclusion_tag("sso/buttons.html", takes_context=True)
def sso_buttons(context: dict[str, Any]) -> dict[str, Any]:
    request: HttpRequest | None = context.get("request")
    offer = None
    if request is not None and END_SESSION in request.session:
        offer = request.session.pop(END_SESSION)
    return {
        "providers": list(settings.INCIDESK_OIDC_PROVIDERS.values()),
        "next": context.get("next", ""),
        "end_session": offer,
    }
