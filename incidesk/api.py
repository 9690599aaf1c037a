"""The REST API v1: one NinjaAPI mounting each app's router.

Authentication for every endpoint: a bearer token, or the Django session (with CSRF) for the web
UI. Every error is RFC 9457 problem+json (see `core.problem`).
"""

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from incidesk.accounts.api import router as accounts_router
from incidesk.accounts.auth import BearerToken, SessionAuth
from incidesk.catalog.api import router as catalog_router
from incidesk.core import problem
from incidesk.core.apijson import RENDERER
from incidesk.core.availability import database_outage
from incidesk.core.errors import DomainError, NotFound
from incidesk.core.ratelimits import ApiWriteThrottle
from incidesk.incidents.api import router as incidents_router


class IncideskAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> dict[str, Any]:
        """Document the error shape once, as every operation's default response."""
        schema = super().get_openapi_schema(**kwargs)
        schema["components"].setdefault("schemas", {})["Problem"] = problem.Problem.json_schema()
        error = {
            "description": "Error, as RFC 9457 problem details.",
            "content": {problem.CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation["responses"]["default"] = error
        return schema


api = IncideskAPI(
    title="Incidesk API",
    version="1",
    description=(
        "Incidents, their lifecycle, conversation and reference data. "
        "Authenticate with `Authorization: Bearer <token>` (or the web UI's session, with its "
        "CSRF token). Errors are "
        "`application/problem+json` with a stable `code` and per-field reasons in `fields`; "
        "human text follows `Accept-Language` (ru, en). Writes are rate-limited per token: "
        "over the limit the answer is 429 `rate_limited` with `Retry-After` (seconds)."
    ),
    auth=[BearerToken(), SessionAuth()],
    throttle=ApiWriteThrottle(),
    renderer=RENDERER,
)

api.add_exception_handler(DomainError, problem.domain_error)
api.add_exception_handler(ValidationError, problem.validation_error)
api.add_exception_handler(AuthenticationError, problem.authentication_error)
api.add_exception_handler(Throttled, problem.rate_limited)
api.add_exception_handler(HttpError, problem.http_error)
api.add_exception_handler(Http404, problem.not_found)
api.add_exception_handler(RequestDataTooBig, problem.too_large)
api.add_exception_handler(OperationalError, database_outage)
api.add_exception_handler(InterfaceError, database_outage)
api.add_exception_handler(Exception, problem.server_error)

# Before the incidents router: its catch-all for unknown verbs would claim merge and unmerge.
api.add_router("", "incidesk.incidents.api_merge.router")
api.add_router("", incidents_router)
api.add_router("", "incidesk.incidents.api_watchers.router")
api.add_router("", accounts_router)
api.add_router("", catalog_router)
api.add_router("", "incidesk.fields.api.router")
api.add_router("", "incidesk.sla.api.router")
api.add_router("", "incidesk.automation.api.router")
api.add_router("", "incidesk.analytics.api.router")
api.add_router("", "incidesk.problems.api.router")
api.add_router("", "incidesk.notifications.api.router")
api.add_router("", "incidesk.recurring.api.router")
api.add_router("", "incidesk.macros.api.router")
api.add_router("", "incidesk.knowledge.api.router")

# Mounted last: only paths no router claims reach it, so a mistyped URL gets a problem+json 404
# instead of Django's HTML page.
fallback = Router()


@fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", include_in_schema=False
)
def no_such_endpoint(request: HttpRequest, rest: str) -> None:
    raise NotFound(_("There is no endpoint %(path)s.") % {"path": request.path})


api.add_router("", fallback)
