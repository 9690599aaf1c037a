"""Full-text search of articles in any Russian word form, the same way incidents are searched
(`incidents.search`): PostgreSQL's `russian` configuration over `Article.search_body` with a
GIN index; on SQLite an FTS5 table of Snowball stems. Searching narrows a queryset the caller
has already passed through `visible_articles`.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from incidesk.incidents.search import stem_words
from incidesk.knowledge.models import Article

FTS_TABLE = "knowledge_search_fts"
_WORD = re.compile(r"\w+", re.UNICODE)


def document_text(article: Article) -> str:
    return "\n".join(
        [article.title_ru, article.body_ru, article.title_en, article.body_en, article.tags]
    )


def index_article(article: Article) -> None:
    """Rewrite the article's search text (call inside the action's transaction, after save)."""
    body = document_text(article)
    Article.objects.filter(pk=article.pk).update(search_body=body)
    article.search_body = body
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [article.pk])  # noqa: S608  FTS_TABLE is a constant; values are parameters
            cursor.execute(
                f"INSERT INTO {FTS_TABLE}(rowid, stems) VALUES (%s, %s)",  # noqa: S608  FTS_TABLE is a constant; values are parameters
                [article.pk, " ".join(stem_words(body))],
            )


def search(queryset: QuerySet[Article], q: str, *, any_word: bool = False) -> QuerySet[Article]:
    """Narrow `queryset` to articles with every word of `q` in any form (`any_word`: at least
    one, for suggestions while someone is still typing a sentence)."""
    q = q.strip()
    if not q:
        return queryset
    if connection.vendor == "postgresql":
        # Whole words (to_tsquery stems them itself), each a prefix: the last one may be half
        # typed. Only \w characters reach the query, so none is an operator.
        found = list(dict.fromkeys(w.lower() for w in _WORD.findall(q) if len(w) > 2))
        if not found:
            return queryset.none()
        words = (" | " if any_word else " & ").join(f"{word}:*" for word in found)
        return queryset.filter(
            pk__in=RawSQL(
                "SELECT id FROM knowledge_article "
                "WHERE to_tsvector('russian', search_body) @@ to_tsquery('russian', %s)",
                [words],
            )
        )
    stems = list(dict.fromkeys(stem for stem in stem_words(q) if len(stem) > 2))
    if not stems:
        return queryset.none()
    expression = (" OR " if any_word else " AND ").join(f'"{stem}"*' for stem in stems)
    return queryset.filter(
        pk__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [expression])  # noqa: S611, S608  FTS_TABLE is a constant; the expression is a parameter
    )
