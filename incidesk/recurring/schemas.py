"""Response and query shapes of the recurring-incidents API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from incidesk.incidents.schemas import Strict

Text = Annotated[str, Field(min_length=1, max_length=2000)]


class SimilarQuery(Strict):
    text: Text = Field(description="The title (and description) being written.")
    limit: int = Field(5, ge=1, le=20)


class SimilarIncidentOut(Schema):
    number: str
    title: str
    status: str
    created_at: dt.datetime
    score: float
    shared_terms: list[str]
    shared_fields: list[str]


class KnownErrorOut(Schema):
    number: str
    title: str
    workaround: str
    score: float
    shared_terms: list[str]


class SimilarOut(Schema):
    incidents: list[SimilarIncidentOut] = Field(
        description="Similar open incidents (desk staff only; always empty for customers)."
    )
    known_errors: list[KnownErrorOut]


class GroupQuery(Strict):
    days: int = Field(14, ge=1, le=90, description="The window: the last N days.")
    min_size: int = Field(3, ge=2, le=50)
    limit: int = Field(20, ge=1, le=100)


class GroupOut(Schema):
    size: int
    trend: int = Field(description="Later half of the window minus the earlier half.")
    organisations: int
    top_terms: list[str]
    shared_fields: list[str]
    incidents: list[str] = Field(description="Incident numbers, newest first.")
    problems: list[str] = Field(description="Problems some of them are already linked to.")


class GroupsOut(Schema):
    since: dt.datetime
    until: dt.datetime
    computed_at: dt.datetime = Field(description="When the worker finished this grouping.")
    refreshing: bool = Field(description="A newer grouping is on its way: ask again later.")
    groups: list[GroupOut]


class GroupsPending(Schema):
    status: str = Field(description="`computing`: no grouping of this window yet.")
    retry_after: int = Field(description="Seconds to wait before asking again.")
