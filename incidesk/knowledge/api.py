"""Knowledge base endpoints: parse (schemas) -> access (`visible_articles`) -> action -> schema.

Readers list and read the published articles they may read and answer "did this help?"; desk
staff read every article, write drafts, and read versions and answers.
"""

from django.db import transaction
from django.http import HttpRequest
from ninja import Query, Router, Status

from incidesk.accounts.auth import api_user
from incidesk.core.pagination import Page, paginate
from incidesk.knowledge import actions
from incidesk.knowledge.access import access_article, visible_articles
from incidesk.knowledge.models import Article, ArticleVersion, Feedback
from incidesk.knowledge.schemas import (
    ArticleFilters,
    ArticleIn,
    ArticleOut,
    ArticlePage,
    FeedbackIn,
    FeedbackOut,
    VersionOut,
)
from incidesk.knowledge.search import search

router = Router(tags=["knowledge base"])
ROWS = Article.objects.select_related("category", "service")


@router.get("/kb/articles", response=ArticlePage, summary="List articles")
def list_articles(request: HttpRequest, filters: Query[ArticleFilters]) -> Page[Article]:
    """Newest first, keyset pages. Customers get the published articles they may read."""
    user = api_user(request)
    found = search(visible_articles(user), filters.q or "")
    if filters.status:
        found = found.filter(status=filters.status)
    return paginate(
        found, ordering="-created_at", cursor=filters.cursor, limit=filters.limit, rows=ROWS
    )


@router.post("/kb/articles", response={201: ArticleOut}, summary="Write a draft")
def create_article(request: HttpRequest, payload: ArticleIn) -> Status:
    user = api_user(request)
    article = actions.do_create_article(actor=user, **payload.dict())
    return Status(201, ROWS.get(pk=article.pk))


@router.get("/kb/articles/{article_id}", response=ArticleOut, summary="Read an article")
def get_article(request: HttpRequest, article_id: int) -> Article:
    return access_article(api_user(request), article_id, queryset=ROWS)


@router.get(
    "/kb/articles/{article_id}/versions",
    response=list[VersionOut],
    summary="An article's versions (desk staff)",
)
def list_versions(request: HttpRequest, article_id: int) -> list[ArticleVersion]:
    article = access_article(api_user(request), article_id, need="edit")
    return list(article.versions.select_related("author"))


@router.get(
    "/kb/articles/{article_id}/feedback",
    response=list[FeedbackOut],
    summary="Readers' answers (desk staff)",
)
def list_feedback(request: HttpRequest, article_id: int) -> list[Feedback]:
    article = access_article(api_user(request), article_id, need="edit")
    return list(article.feedback.select_related("user")[:500])


@router.post(
    "/kb/articles/{article_id}/feedback",
    response={201: FeedbackOut},
    summary="Did this article help?",
)
@transaction.atomic
def give_feedback(request: HttpRequest, article_id: int, payload: FeedbackIn) -> Status:
    user = api_user(request)
    article = access_article(user, article_id)
    feedback = actions.do_give_feedback(
        article, user, helped=payload.helped, comment=payload.comment
    )
    return Status(201, feedback)
