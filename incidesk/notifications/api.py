"""The bell over the API: a person's notifications, newest first, and marking them read."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from incidesk.accounts.auth import api_user
from incidesk.core.pagination import paginate
from incidesk.incidents.schemas import Strict
from incidesk.notifications.inbox import inbox, items, mark_read, unread_count

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int = Field(alias="pk")
    incident: str = Field(alias="number")
    title: str
    what: str = Field(description="What happened, in the caller's language.")
    who: str
    at: datetime
    unread: bool


class NotificationPage(Schema):
    unread: int = Field(description="How many of the caller's notifications are unread.")
    items: list[NotificationOut]
    next_cursor: str | None


class NotificationFilters(Schema):
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, description="`next_cursor` of the previous page.")


class ReadIn(Strict):
    ids: list[int] | None = Field(None, description="Notifications to mark read; all if absent.")


class ReadOut(Schema):
    marked: int
    unread: int


@router.get("/notifications", response=NotificationPage, summary="List my notifications")
def list_notifications(request: HttpRequest, filters: Query[NotificationFilters]) -> dict:
    """The caller's notifications about incidents they may see, newest first."""
    user = api_user(request)
    queryset = inbox(user).select_related("event__incident", "event__actor")
    page = paginate(queryset, ordering="-created_at", cursor=filters.cursor, limit=filters.limit)
    return {
        "unread": unread_count(user),
        "items": items(user, page.items),
        "next_cursor": page.next_cursor,
    }


@router.post("/notifications/read", response=ReadOut, summary="Mark notifications read")
def read_notifications(request: HttpRequest, payload: ReadIn) -> dict:
    """Mark the given notifications (or all) read; ids that are not the caller's change nothing."""
    user = api_user(request)
    marked = mark_read(user, payload.ids)
    return {"marked": marked, "unread": unread_count(user)}
