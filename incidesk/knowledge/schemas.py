"""The knowledge base in the REST API: articles, their versions and feedback."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from incidesk.incidents.schemas import LongText, Strict
from incidesk.knowledge.models import Article, ArticleVersion, Audience, Feedback
from incidesk.knowledge.render import render
from incidesk.knowledge.status import ArticleStatus

ShortTitle = Annotated[str, Field(max_length=200)]


class ArticleFilters(Schema):
    q: Annotated[str, Field(max_length=200)] | None = Field(None, description="Words to find.")
    status: ArticleStatus | None = Field(None, description="Desk staff: one status.")
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, description="`next_cursor` of the previous page.")


class ArticleOut(Schema):
    """An article as its reader may see it: the Markdown source and the same text rendered to
    safe HTML (what the portal shows)."""

    id: int
    number: str
    status: ArticleStatus
    audience: Audience
    title_ru: str
    body_ru: str
    title_en: str
    body_en: str
    html_ru: str
    html_en: str
    tags: list[str]
    category: str | None
    service: str | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    published_at: dt.datetime | None
    valid_until: dt.date | None

    @staticmethod
    def resolve_html_ru(obj: Article) -> str:
        return str(render(obj.body_ru, obj.pk))

    @staticmethod
    def resolve_html_en(obj: Article) -> str:
        return str(render(obj.body_en, obj.pk))

    @staticmethod
    def resolve_tags(obj: Article) -> list[str]:
        return obj.tag_list

    @staticmethod
    def resolve_category(obj: Article) -> str | None:
        return obj.category.code if obj.category is not None else None

    @staticmethod
    def resolve_service(obj: Article) -> str | None:
        return obj.service.code if obj.service is not None else None


class ArticlePage(Schema):
    items: list[ArticleOut]
    next_cursor: str | None


class ArticleIn(Strict):
    """A new draft (desk staff); at least one title."""

    title_ru: ShortTitle = ""
    body_ru: LongText = ""
    title_en: ShortTitle = ""
    body_en: LongText = ""
    audience: Audience = Audience.INTERNAL
    tags: Annotated[str, Field(max_length=300)] = ""


class VersionOut(Schema):
    number: int
    title_ru: str
    body_ru: str
    title_en: str
    body_en: str
    author: str | None
    note: str
    at: dt.datetime

    @staticmethod
    def resolve_author(obj: ArticleVersion) -> str | None:
        return obj.author.email if obj.author is not None else None


class FeedbackIn(Strict):
    helped: bool
    comment: LongText = ""


class FeedbackOut(Schema):
    id: int
    helped: bool
    comment: str
    at: dt.datetime
    user: str | None

    @staticmethod
    def resolve_user(obj: Feedback) -> str | None:
        return obj.user.email if obj.user is not None else None
