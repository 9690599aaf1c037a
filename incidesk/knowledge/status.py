"""The one state machine of an article: draft → in review → published → archived.

Declared with the shared engine (`core.lifecycle`), like incidents and problems: the actions
refuse through `LIFECYCLE.authorise`, and the console offers exactly `allowed_verbs`. Writing is
the desk's; publishing (and sending back from review) is for team leads and administrators, so
what customers read has been looked at by a second person; archiving is the owner's or a
manager's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from incidesk.core.lifecycle import Lifecycle, Verb

if TYPE_CHECKING:
    from incidesk.accounts.models import User
    from incidesk.knowledge.models import Article


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("article", "Draft")
    REVIEW = "review", pgettext_lazy("article", "In review")
    PUBLISHED = "published", pgettext_lazy("article", "Published")
    ARCHIVED = "archived", pgettext_lazy("article", "Archived")


class Actor(models.TextChoices):
    STAFF = "staff"
    MANAGER = "manager"
    OWNER = "owner"


_OWNER_OR_MANAGER = frozenset({Actor.OWNER, Actor.MANAGER})


def roles(article: Article, user: User) -> set[Actor]:
    kinds: set[Actor] = set()
    if user.is_active and user.is_desk_staff:
        kinds.add(Actor.STAFF)
        if user.is_manager:
            kinds.add(Actor.MANAGER)
        if article.owner_id == user.pk:
            kinds.add(Actor.OWNER)
    return kinds


LIFECYCLE = Lifecycle(
    status=ArticleStatus,
    roles=roles,
    forbidden=_("You may not %(verb)s this article."),
    refused=_(
        "Cannot %(verb)s article %(number)s in status “%(status)s”; "
        "from here it can go to: %(allowed)s."
    ),
    verbs=[
        Verb(
            "submit",
            frozenset({ArticleStatus.DRAFT}),
            ArticleStatus.REVIEW,
            frozenset({Actor.STAFF}),
            _("Send for review"),
        ),
        Verb(
            "publish",
            frozenset({ArticleStatus.REVIEW}),
            ArticleStatus.PUBLISHED,
            frozenset({Actor.MANAGER}),
            _("Publish"),
        ),
        Verb(
            "return",
            frozenset({ArticleStatus.REVIEW}),
            ArticleStatus.DRAFT,
            frozenset({Actor.MANAGER}),
            _("Send back to draft"),
        ),
        Verb(
            "archive",
            frozenset({ArticleStatus.PUBLISHED, ArticleStatus.DRAFT}),
            ArticleStatus.ARCHIVED,
            _OWNER_OR_MANAGER,
            _("Archive"),
        ),
        Verb(
            "restore",
            frozenset({ArticleStatus.ARCHIVED}),
            ArticleStatus.DRAFT,
            _OWNER_OR_MANAGER,
            _("Restore as draft"),
        ),
    ],
)
VERBS: dict[str, Verb] = LIFECYCLE.verbs


def allowed_verbs(article: Article, user: User) -> list[Verb]:
    """The verbs `user` may apply to `article` now, in table order."""
    return LIFECYCLE.allowed(article, user)
