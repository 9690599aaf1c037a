"""Suggestions that survive typos and transliteration: when full-text search finds too few
articles for what someone is typing, the desk's similarity scoring (`recurring.scoring`: TF-IDF
over stems and character n-grams, the glossary's transliteration, in pure Python) ranks the
newest readable articles' titles and tags against the text. The candidates come from the
caller, already narrowed by `visible_articles`."""

from __future__ import annotations

from django.db.models import QuerySet

from incidesk.knowledge.models import Article
from incidesk.recurring import scoring, text

POOL = 200
"""How many of the newest readable articles are compared: bounded, like the engine's other
candidate sets, so a suggestion costs the same on a large base."""
THRESHOLD = 0.1
"""Lower than the engine's duplicate threshold (0.3, for two incidents' texts): a few typed
words against a short title score lower. Unrelated texts score 0 to 0.04 on the examples in
`tests/test_search.py`; one typo or a transliterated phrase 0.1 to 0.5."""


def similar_articles(query: str, candidates: QuerySet[Article], limit: int) -> list[Article]:
    """Up to `limit` candidates whose title (either language) or tags look like `query`."""
    if limit <= 0 or not text.terms(query):
        return []
    pool = list(candidates.order_by("-published_at", "-id")[:POOL])
    if not pool:
        return []
    texts = [query, *(f"{a.title_ru}\n{a.title_en}\n{a.tags.replace(',', ' ')}" for a in pool)]
    scores = scoring.Space(texts).text_scores(0)[1:]
    best = sorted(range(len(pool)), key=lambda i: (-scores[i], i))[:limit]
    return [pool[i] for i in best if scores[i] >= THRESHOLD]
