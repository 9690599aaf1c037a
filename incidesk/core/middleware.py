"""Responses that show someone's data are never stored by a browser or a shared cache."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

NO_STORE = "no-store, private"
# The API (a token's data, exports) and the portal's private tracking links (whoever holds the
# link sees the incident, without signing in).
PRIVATE_PREFIXES = ("/api/", "/track/")


class PrivateCacheControlMiddleware:
    """`Cache-Control: no-store, private` on every page for a signed-in user, every API response,
    every tracking-link page and every download, unless the view chose its own caching. A shared
    proxy or the browser's back button would otherwise show an incident to the next person at the
    same computer. Static files (served by WhiteNoise before this runs) stay cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" not in response and self._private(request, response):
            response["Cache-Control"] = NO_STORE
        return response

    def _private(self, request: HttpRequest, response: HttpResponse) -> bool:
        path = request.path_info
        if path.startswith(self.static):
            return False
        user = getattr(request, "user", None)
        return (
            path.startswith(PRIVATE_PREFIXES)
            or (user is not None and user.is_authenticated)
            or response.get("Content-Disposition", "").startswith("attachment")
        )
