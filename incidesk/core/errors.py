"""Domain errors raised by actions and access checks.

Each carries a stable machine `code`, a human message (lazily translated, so it renders in the
request's language) and, for bad input, the failing fields. The API turns them into
RFC 9457 problem+json; the web UI into form errors.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "bad_request"
    title = _("Bad request")

    def __init__(
        self,
        message: str | Promise,
        *,
        fields: dict[str, str | Promise] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.fields = fields or {}
        self.extra = extra or {}


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"
    title = _("Invalid input")

    @classmethod
    def field(cls, name: str, reason: str | Promise) -> InvalidInput:
        return cls(reason, fields={name: reason})


class NotFound(DomainError):
    """Missing and not-yours look the same, so nobody learns that a number exists."""

    status = 404
    code = "not_found"
    title = _("Not found")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    title = _("Forbidden")


class InvalidTransition(DomainError):
    status = 409
    code = "invalid_transition"
    title = _("Transition not allowed")


class VersionConflict(DomainError):
    status = 409
    code = "version_conflict"
    title = _("Edit conflict")


class StorageUnavailable(DomainError):
    """The shared file storage (S3) did not answer: a wait, like a database outage."""

    status = 503
    code = "storage_unavailable"
    title = _("File storage unavailable")

    def __init__(self) -> None:
        message = _("The file storage is unavailable right now. Please try again in a minute.")
        super().__init__(message, fields={"file": message})
