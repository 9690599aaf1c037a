"""Rate limits on what anyone can send over and over: sign-in attempts and second-factor codes,
password resets, anonymous reports, tracking-link lookups and API writes.

Each limit counts in fixed windows, a counter per limit, caller and window shared by every web
worker and node (`core.ratecounters`); a counted request costs one statement, an upsert that
returns the new count. (django-ratelimit counted through Django's cache API, `add` then `incr`:
a read, then a write of its own.) Each limit's rate is a setting (`INCIDESK_RATE_*`). Over a
limit, pages answer 429 with Retry-After and a page in the user's language (`limit_requests`);
the API answers problem+json through ninja's throttling (`ApiWriteThrottle`). Per-account
password guessing is django-axes' job, not this module's.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import threading
import time
import zlib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from functools import cache, wraps
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from ninja.throttling import BaseThrottle

from incidesk.core.ratecounters import counters_for

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or, behind `INCIDESK_TRUSTED_PROXIES` proxies, the
    address the outermost of them saw (that many entries from the right of X-Forwarded-For;
    whatever the client wrote further left is ignored)."""
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.INCIDESK_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-min(proxies, len(hops))] if hops else remote


def ip_key(request: HttpRequest) -> str:
    """Whose requests share an address counter: one IPv4 address, or one IPv6 /64 (the least
    a single site is given, so an attacker cannot rotate through it)."""
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def anonymous_ip_key(request: HttpRequest) -> str:
    return "" if request.user.is_authenticated else ip_key(request)


def user_key(request: HttpRequest) -> str:
    """One counter per signed-in account, wherever its requests come from."""
    return f"user:{request.user.pk}" if request.user.is_authenticated else ""


def posted_email_key(field: str, *, anonymous_only: bool = False) -> Callable[[HttpRequest], str]:
    """The address typed into a form's `field`, lower-cased (one counter however it is
    spelled)."""

    def key(request: HttpRequest) -> str:
        if anonymous_only and request.user.is_authenticated:
            return ""
        return request.POST.get(field, "").strip().lower()

    return key


def api_caller_key(request: HttpRequest) -> str:
    """One counter per API token (its hash), per user for the web UI's session, per address
    for anyone else. The session is recognised by its user being the caller, so a made-up
    bearer token sent beside a session cookie does not start a fresh counter."""
    caller = getattr(request, "auth", None)
    if caller is None:
        return "ip:" + ip_key(request)
    if request.user.is_authenticated and request.user.pk == caller.pk:
        return f"user:{caller.pk}"
    token = request.headers.get("Authorization", "").partition(" ")[2].strip()
    return "token:" + hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class RateLimit:
    """One limit: its counter group, the setting holding its rate, and the key telling whose
    requests share a counter ("" = this request is not counted)."""

    group: str
    setting: str
    key: Callable[[HttpRequest], str]

    def hit(self, request: HttpRequest) -> int | None:
        """Count this request; over the limit, the seconds until the window frees."""
        window = self._window(request)
        if window is None:
            return None
        counted = counters_for(connection).count(window.key, window.ends)
        return window.wait() if counted > window.limit else None

    def check(self, request: HttpRequest) -> int | None:
        """Without counting: the seconds to wait if the limit is already used up."""
        window = self._window(request)
        if window is None:
            return None
        counted = counters_for(connection).counted(window.key)
        return window.wait() if counted >= window.limit else None

    def _window(self, request: HttpRequest) -> Window | None:
        caller = self.key(request)
        if not caller:
            return None
        limit, period = parse_rate(getattr(settings, self.setting))
        now = int(time.time())
        # Each caller's windows are offset by a share of the period of its own, so that the
        # counters of a crowd do not all free at the same second.
        offset = zlib.crc32(caller.encode()) % period
        ends = now + period - (now - offset) % period
        name = f"{self.group}\0{limit}/{period}\0{caller}\0{ends}"
        return Window(hashlib.sha256(name.encode()).hexdigest(), limit, ends)


@dataclass(frozen=True)
class Window:
    """One caller's current window of one limit: its counter's key, and when it ends."""

    key: str
    limit: int
    ends: int  # seconds since the epoch

    def wait(self) -> int:
        return max(1, self.ends - int(time.time()))


_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@cache
def parse_rate(rate: str) -> tuple[int, int]:
    """A rate as `settings.env_rate` checked it, "30/10m", as (30 requests, 600 seconds)."""
    count, _, period = rate.partition("/")
    return int(count), int(period[:-1] or 1) * _UNIT_SECONDS[period[-1]]


def delete_past_windows(_expired: datetime) -> int:
    """The recovery sweep's step (`promises.SWEEPS`): delete the counters of windows that have
    ended. Hands nothing out again, so returns 0."""
    counters_for(connection).delete_ended(int(time.time()))
    return 0


# Failed sign-ins from one address, whichever accounts they try (password spraying); counted
# by `count_failed_sign_in`, checked before each attempt.
LOGIN_IP = RateLimit("login-ip", "INCIDESK_RATE_LOGIN_IP", ip_key)
# Password reset requests: each sends a mail.
RESET_IP = RateLimit("reset-ip", "INCIDESK_RATE_RESET_IP", ip_key)
RESET_EMAIL = RateLimit("reset-email", "INCIDESK_RATE_RESET_EMAIL", posted_email_key("email"))
# Reports sent from the portal without signing in.
REPORT_IP = RateLimit("report-ip", "INCIDESK_RATE_REPORT_IP", anonymous_ip_key)
REPORT_EMAIL = RateLimit(
    "report-email",
    "INCIDESK_RATE_REPORT_EMAIL",
    posted_email_key("contact_email", anonymous_only=True),
)
# Every request under /track/<token>/, right token or wrong.
TRACK_IP = RateLimit("track-ip", "INCIDESK_RATE_TRACK_IP", ip_key)
# Wrong second-factor codes for one account, from any address (incidesk/mfa): with the
# password known, the code is all that is left to guess.
MFA_USER = RateLimit("mfa-user", "INCIDESK_RATE_MFA_USER", user_key)
# API writes (POST, PUT, PATCH, DELETE); reads are not counted.
API_WRITES = RateLimit("api-writes", "INCIDESK_RATE_API_WRITES", api_caller_key)


# A view: a function, or a class-based view's `as_view()`, which may stream.
View = Callable[..., HttpResponseBase]


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """The 429 page: how long to wait, in the user's language."""
    response = render(
        request,
        "web/rate_limited.html",
        {"minutes": math.ceil(retry_after / 60)},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def limit_requests(
    *limits: RateLimit, methods: Collection[str] | None = ("POST",), count: bool = True
) -> Callable[[View], View]:
    """View decorator: a request with one of `methods` (None: any) is counted against every
    limit (with `count=False` only checked: something else counts, such as failed sign-ins)
    and answered 429 when any is exceeded."""

    def decorator(view: View) -> View:
        @wraps(view)
        def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if methods is None or request.method in methods:
                waits = [
                    wait
                    for limit in limits
                    if (wait := limit.hit(request) if count else limit.check(request))
                ]
                if waits:
                    return too_many_requests(request, max(waits))
            return view(request, *args, **kwargs)

        return limited

    return decorator


def count_failed_sign_in(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """`user_login_failed` receiver: every failed password check, on any sign-in form."""
    if request is not None:
        LOGIN_IP.hit(request)


class ApiWriteThrottle(BaseThrottle):
    """Ninja throttle for `API_WRITES`. Ninja asks `wait()` right after a refusal; the answer
    is kept per thread, as one throttle object serves every request."""

    def __init__(self) -> None:
        self._last = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        self._last.wait = None if request.method in SAFE_METHODS else API_WRITES.hit(request)
        return self._last.wait is None

    def wait(self) -> float | None:
        return getattr(self._last, "wait", None)
