"""Is the service available: the proxy's health check, and the answer while the database is not.

A database outage (PostgreSQL refusing connections, SQLite's write lock held past the busy
timeout) is a wait, not a crash: every request that meets it is answered 503 with
`Retry-After`, as problem+json on the API and as a short page elsewhere, and the next request
opens a new connection, so the node recovers by itself when the database is back.
"""

from __future__ import annotations

import logging
import sys

import redis
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from incidesk.core.errors import StorageUnavailable
from incidesk.core.problem import problem_response

logger = logging.getLogger(__name__)

OUTAGE_ERRORS = (OperationalError, InterfaceError)
# What a page (not the API, which answers a DomainError itself) meets when shared storage is down.
PAGE_OUTAGE_ERRORS = (*OUTAGE_ERRORS, StorageUnavailable)
RETRY_AFTER_SECONDS = 30


def outage_response(request: HttpRequest) -> HttpResponse:
    """503 in the request's language; renders nothing that needs the database."""
    if request.path.startswith("/api/"):
        response = problem_response(
            status=503,
            code="unavailable",
            title=_("Service unavailable"),
            detail=_("The service is briefly unavailable. Please try again in a minute."),
        )
    else:
        response = HttpResponse(render_to_string("core/unavailable.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def database_outage(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The API's handler for database errors (registered in `incidesk.api`)."""
    logger.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
    return outage_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """`handler500`: Django calls it inside the `except` that caught the error, so the error is
    at hand; a database or file-storage outage anywhere in the middleware or a view becomes a
    503."""
    error = sys.exc_info()[1]
    if isinstance(error, PAGE_OUTAGE_ERRORS):
        return outage_response(request)
    return defaults.server_error(request)


@require_safe
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """For the load balancer: 200 when this node can reach its database and task queue, else
    503. Says nothing more: no versions, hosts or errors (they are logged)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if settings.REDIS_URL:
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    except (*OUTAGE_ERRORS, redis.RedisError) as error:
        logger.warning("health check failed: %s", error)
        return HttpResponse("unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
