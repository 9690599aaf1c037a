"""Background work of the knowledge base: the reminder before an article's "valid until".

Promised by the action that publishes the article or moves its date, with `run_after` a
fortnight before (`actions.REMIND_DAYS`); any worker runs it once due. It re-checks the
article when it runs (a date moved since, or an article no longer published, makes it stale)
and creates the owner's task once, whatever the retries (`OwnerTask` is unique per key).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from incidesk.knowledge.models import Article, OwnerTask, TaskKind
from incidesk.knowledge.status import ArticleStatus


@task()
def remind_owner(article_id: int, valid_until: str) -> None:
    """Ask the owner to check the article before its validity runs out."""
    with transaction.atomic():
        article = Article.objects.filter(pk=article_id).select_related("owner").first()
        if (
            article is None
            or article.status != ArticleStatus.PUBLISHED
            or article.valid_until is None
            or article.valid_until.isoformat() != valid_until
        ):
            return
        OwnerTask.objects.get_or_create(
            article=article,
            kind=TaskKind.EXPIRING,
            key=valid_until,
            defaults={
                "owner": article.owner,
                "text": _("Valid until %(date)s: check it and set a new date, or archive it.")
                % {"date": valid_until},
            },
        )
