"""A test client for the API: a real bearer token, JSON in and out, English by default."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db.models import Sum
from django.test import Client

from incidesk.accounts.models import ApiToken, User
from incidesk.incidents.models import (
    Attachment,
    Comment,
    IdempotencyKey,
    Incident,
    IncidentLink,
    TimelineEvent,
)

if TYPE_CHECKING:  # the test client's response, with `json()`; a name only the stubs have
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

PREFIX = "/api/v1"


class Api:
    """Calls /api/v1 as `user`, authenticated the way an integration would be."""

    def __init__(self, user: User, language: str = "en") -> None:
        self.user = user
        self.client = Client(
            HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)}", HTTP_ACCEPT_LANGUAGE=language
        )

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: str) -> Response:
        return self.client.get(PREFIX + path, params or {}, headers=headers)

    def post(self, path: str, body: Any = None, **headers: str) -> Response:
        data = "" if body is None else json.dumps(body)
        return self.client.post(
            PREFIX + path, data, content_type="application/json", headers=headers
        )

    def patch(self, path: str, body: Any, **headers: str) -> Response:
        return self.client.patch(
            PREFIX + path, json.dumps(body), content_type="application/json", headers=headers
        )

    def upload(self, path: str, **data: Any) -> Response:
        return self.client.post(PREFIX + path, data)


def assert_problem(response: Response, status: int, code: str) -> dict[str, Any]:
    """The response is RFC 9457 problem+json with `status` and `code`; returns its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code, body
    assert body["status"] == status
    assert body["type"].endswith(code)
    assert body["title"]
    assert body["detail"]
    assert isinstance(body["fields"], dict)
    return body


def _footprint() -> tuple:
    """Row counts of everything a request may write, plus the sum of incident versions (every
    change to an incident bumps its version)."""
    return (
        Incident.objects.count(),
        Incident.objects.aggregate(total=Sum("version"))["total"],
        TimelineEvent.objects.count(),
        Comment.objects.count(),
        Attachment.objects.count(),
        IncidentLink.objects.count(),
        IdempotencyKey.objects.count(),
    )


@contextmanager
def nothing_written() -> Iterator[None]:
    """Assert the block leaves the incident tables exactly as they were."""
    before = _footprint()
    yield
    assert _footprint() == before
