"""Template pieces of the knowledge base that other apps' pages show: an article's title in the
reader's language, and the articles a resolution links to (only those the reader may read)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from incidesk.incidents.models import Incident
from incidesk.knowledge.access import Reader, visible_articles
from incidesk.knowledge.models import Article, ArticleLink
from incidesk.knowledge.status import ArticleStatus

register = template.Library()


@register.simple_tag
def article_title(article: Article) -> str:
    return article.title_in(get_language() or "ru")


@register.simple_tag
def groups_without_article(rows: list[dict[str, Any]]) -> set[int]:
    """The indexes of the recurring groups (`recurring.views.groups` rows) none of whose
    incidents has an article written from it or linked to it: one query for all groups."""
    ids = {incident.pk for row in rows for incident in row["group"].incidents}
    if not ids:
        return set()
    written = (
        Article.objects.filter(source_incident__in=ids).order_by().values_list("source_incident")
    )
    linked = ArticleLink.objects.filter(incident__in=ids).values_list("incident")
    covered = {incident_id for (incident_id,) in written.union(linked)}
    return {
        index
        for index, row in enumerate(rows)
        if not any(incident.pk in covered for incident in row["group"].incidents)
    }


@register.inclusion_tag("knowledge/_linked.html")
def linked_articles(incident: Incident, reader: Reader) -> dict[str, Any]:
    """The published articles linked to the incident's resolution that `reader` may read."""
    found = visible_articles(reader).filter(
        status=ArticleStatus.PUBLISHED, links__incident=incident
    )
    language = get_language() or "ru"
    return {"rows": [(article, article.title_in(language)) for article in found.distinct()]}
