"""Who may read which article: the one rule every surface uses (portal, console, search,
suggestions, the resolution card, the API, downloads of images).

Desk staff read every article in every status. Everyone else reads published articles only:
public ones (also visitors who are not signed in), and those for the customers of chosen
organisations when they belong to one of them. An internal article, or a draft, reaches nobody
outside the desk by any path: "missing" and "not yours" are the same NotFound.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import User
from incidesk.core.errors import Forbidden, NotFound
from incidesk.knowledge.models import Article, Audience
from incidesk.knowledge.status import ArticleStatus

Reader = User | AnonymousUser


def is_desk(user: Reader) -> bool:
    return isinstance(user, User) and user.is_active and user.is_desk_staff


def visible_articles(user: Reader, queryset: QuerySet[Article] | None = None) -> QuerySet[Article]:
    """Articles `user` may read: every one for desk staff; published public ones for anyone;
    published ones for the organisations of a signed-in customer."""
    qs = Article.objects.all() if queryset is None else queryset
    if is_desk(user):
        return qs
    if isinstance(user, User) and not user.is_active:
        return qs.none()
    rule = Q(audience=Audience.PUBLIC)
    if isinstance(user, User) and user.organisation_id is not None:
        # A subquery, not a join: an article for several organisations stays one row.
        chosen = Article.organisations.through.objects.filter(
            organisation_id=user.organisation_id
        ).values("article_id")
        rule |= Q(audience=Audience.CUSTOMERS, pk__in=chosen)
    return qs.filter(rule, status=ArticleStatus.PUBLISHED)


def access_article(
    user: Reader,
    article_id: int,
    need: str = "view",
    queryset: QuerySet[Article] | None = None,
) -> Article:
    """The article if `user` may read it (`need="edit"`: and write it, or read the desk's side
    of it: versions, answers); NotFound otherwise, the same for a missing one and one they may
    not see; Forbidden for a reader asking for the desk's side."""
    article = visible_articles(user, queryset).filter(pk=article_id).first()
    if article is None:
        raise NotFound(_("Article %(number)s was not found.") % {"number": f"KB-{article_id:06d}"})
    if need == "edit" and not is_desk(user):
        raise Forbidden(_("Only support staff may change articles."))
    return article


def can_edit(user: Reader, article: Article) -> bool:
    """Writing is for desk staff while the article is not archived."""
    return is_desk(user) and article.status != ArticleStatus.ARCHIVED
