"""Articles built through the real actions, in the status a test needs."""

from __future__ import annotations

from typing import Any

from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import LeadFactory
from incidesk.knowledge import actions
from incidesk.knowledge.models import Article, Audience
from incidesk.knowledge.status import ArticleStatus


def make_article(
    author: User,
    status: ArticleStatus = ArticleStatus.PUBLISHED,
    *,
    audience: str = Audience.PUBLIC,
    lead: User | None = None,
    **fields: Any,
) -> Article:
    """An article written by `author` and taken to `status` (a lead publishes it)."""
    fields.setdefault("title_ru", "Как перезапустить принтер")
    fields.setdefault("body_ru", "Выключите принтер и включите его снова.")
    article = actions.do_create_article(actor=author, audience=audience, **fields)
    if status == ArticleStatus.DRAFT:
        return article
    article = actions.do_transition(article, "submit", actor=author)
    if status == ArticleStatus.REVIEW:
        return article
    article = actions.do_transition(article, "publish", actor=lead or LeadFactory())
    if status == ArticleStatus.ARCHIVED:
        article = actions.do_transition(article, "archive", actor=author)
    return article
