"""RFC 9457 problem details: the one shape every API error takes.

`{"type", "title", "status", "detail", "code", "fields", ...extra}` served as
`application/problem+json`. `code` is the stable machine key clients branch on; `title`, `detail`
and the field reasons are human text in the request's language (LocaleMiddleware has activated it
from Accept-Language before the handler runs). `type` is a URN built from `code`: it names the
problem without promising a page to dereference.

The handlers here are registered on the NinjaAPI in `incidesk.api`.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from pydantic import ConfigDict

from incidesk.core.errors import DomainError, InvalidInput

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:incidesk:problem:"


class Problem(Schema):
    """How every error is answered (RFC 9457). Some problems add members: `current_version`
    (version_conflict), `allowed` (invalid_transition: statuses; unknown_verb: verbs),
    `retry_after` (rate_limited: seconds, as in the Retry-After header)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str
    fields: dict[str, str]


class _LazyEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, Promise):
            return str(o)
        return super().default(o)


def problem_response(
    *,
    status: int,
    code: str,
    title: str | Promise,
    detail: str | Promise,
    fields: Mapping[str, str | Promise] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> HttpResponse:
    """Render one problem. `extra` adds members (current_version, allowed...) but cannot
    overwrite the standard ones."""
    body = {
        **(extra or {}),
        "type": TYPE_PREFIX + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "fields": dict(fields or {}),
    }
    return HttpResponse(
        json.dumps(body, cls=_LazyEncoder, ensure_ascii=False),
        status=status,
        content_type=f"{CONTENT_TYPE}; charset=utf-8",
    )


def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return problem_response(
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.message,
        fields=exc.fields,
        extra=exc.extra,
    )


# Pydantic error types -> our own messages, so they are translated with the rest of Incidesk.
# Django's own msgids are reused where they fit: their translations already exist.
_REASONS: dict[str, Promise] = {
    "missing": _("This field is required."),
    "extra_forbidden": _("Unknown field."),
    "string_type": _("Must be a string."),
    "string_too_short": ngettext_lazy(
        "At least %(min_length)d character.", "At least %(min_length)d characters.", "min_length"
    ),
    "string_too_long": ngettext_lazy(
        "At most %(max_length)d character.", "At most %(max_length)d characters.", "max_length"
    ),
    "enum": _("Must be one of: %(expected)s."),
    "literal_error": _("Must be one of: %(expected)s."),
    "int_type": _("Enter a whole number."),
    "int_parsing": _("Enter a whole number."),
    "int_from_float": _("Enter a whole number."),
    "greater_than_equal": _("Must be at least %(ge)s."),
    "less_than_equal": _("Must be at most %(le)s."),
    "bool_type": _("Must be true or false."),
    "bool_parsing": _("Must be true or false."),
    "datetime_type": _("Enter a valid date/time."),
    "datetime_parsing": _("Enter a valid date/time."),
    "datetime_from_date_parsing": _("Enter a valid date/time."),
    "email": _("Enter a valid email address."),
    "model_type": _("Must be a JSON object."),
    "model_attributes_type": _("Must be a JSON object."),
    "dict_type": _("Must be a JSON object."),
    "list_type": _("Must be a list."),
}
_INVALID = _("Invalid value.")
_BLANK = _("This field cannot be blank.")
_QUOTED = re.compile(r"'([^']*)'")


def _reason(error: Mapping[str, Any]) -> str:
    kind, ctx = error["type"], dict(error.get("ctx") or {})
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return str(_BLANK)
    if "expected" in ctx:
        # Pydantic says "'a', 'b' or 'c'" in English; list the values without its "or".
        ctx["expected"] = ", ".join(_QUOTED.findall(str(ctx["expected"]))) or ctx["expected"]
    try:
        return str(_REASONS.get(kind, _INVALID) % ctx)
    except (KeyError, TypeError, ValueError):
        return str(_INVALID)


def _field_name(loc: tuple[Any, ...]) -> str:
    """`("body", "payload", "title")` -> "title"; `("query", "filters", "status", 1)` -> "status".

    Ninja puts the source first and then, for a JSON body or a query schema, the handler's
    parameter name; neither means anything to the client. List indexes are dropped: the field
    is what failed.
    """
    source, *rest = (part for part in loc if not isinstance(part, int))
    if source == "body" or len(rest) > 1:
        rest = rest[1:]
    return ".".join(str(part) for part in rest) or str(source)


def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for error in exc.errors:
        fields.setdefault(_field_name(tuple(error["loc"])), _reason(error))
    detail = (
        next(iter(fields.values()))
        if len(fields) == 1
        else _("Several fields are invalid: %(fields)s.") % {"fields": ", ".join(fields)}
    )
    return problem_response(
        status=InvalidInput.status,
        code=InvalidInput.code,
        title=InvalidInput.title,
        detail=detail,
        fields=fields,
    )


def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem_response(
        status=401,
        code="unauthenticated",
        title=_("Authentication required"),
        detail=_("Send a valid API token (Authorization: Bearer …) or log in."),
    )
    response["WWW-Authenticate"] = 'Bearer realm="incidesk"'
    return response


_HTTP_CODES: dict[int, tuple[str, Promise]] = {
    400: ("malformed_request", _("Malformed request")),
    403: ("forbidden", _("Forbidden")),
}


def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Errors ninja raises itself: mostly a body it could not parse (400)."""
    code, title = _HTTP_CODES.get(exc.status_code, ("http_error", _("Request failed")))
    detail = _("The request body is not valid JSON.") if exc.status_code == 400 else exc.message
    return problem_response(status=exc.status_code, code=code, title=title, detail=detail)


def rate_limited(request: HttpRequest, exc: Throttled) -> HttpResponse:
    """Over a rate limit (`core.ratelimits`); ninja adds the Retry-After header."""
    seconds = math.ceil(exc.wait or 1)
    return problem_response(
        status=429,
        code="rate_limited",
        title=_("Too many requests"),
        detail=ngettext(
            "Too many changes in a short time. Try again in %(seconds)d second.",
            "Too many changes in a short time. Try again in %(seconds)d seconds.",
            seconds,
        )
        % {"seconds": seconds},
        extra={"retry_after": seconds},
    )


def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return problem_response(
        status=413,
        code="too_large",
        title=_("Request too large"),
        detail=_("The request body is too large."),
    )


def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(
        status=404, code="not_found", title=_("Not found"), detail=_("Nothing is here.")
    )


def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Anything unexpected: logged with its traceback, answered without internals."""
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return problem_response(
        status=500,
        code="server_error",
        title=_("Server error"),
        detail=_("Something went wrong on our side. The error has been logged."),
    )
