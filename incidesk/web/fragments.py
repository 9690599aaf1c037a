"""Fragments a page asks for with htmx, when the answer is another page.

htmx follows a redirect by itself and draws the page it lands on (a sign-in form, a second
factor's step) inside the fragment: a queue's live rows or the bell would turn into a sign-in
page in the middle of the console. Such an answer sends the whole page there instead, with the
page itself, not the fragment, as the place to come back to.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url


def is_fragment(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def whole_page_to(request: HttpRequest, path: str) -> HttpResponse:
    """A 204 telling htmx to load `path` as the page, coming back afterwards to the page that
    asked (its path and query only: the header is the browser's word, not a place to trust)."""
    page = urlsplit(request.headers.get("HX-Current-URL", ""))
    back = page.path + (f"?{page.query}" if page.query else "")
    response = HttpResponse(status=204)
    response["HX-Redirect"] = f"{path}?{urlencode({'next': back or '/'})}"
    return response


class SignInForFragmentsMiddleware:
    """A fragment asked for after the session ended (signed out in another tab, expired, the
    directory disabled the account) takes the whole page to the sign-in form."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.login = resolve_url(settings.LOGIN_URL)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 302
            and is_fragment(request)
            and urlsplit(response["Location"]).path == self.login
        ):
            return whole_page_to(request, self.login)
        return response
