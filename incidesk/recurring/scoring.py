"""One text against a bounded list of candidates, in pure Python: what a web request needs
(similar incidents, known errors, the knowledge base's "close" search, intake suggestions)
without loading numpy, scipy and scikit-learn (about 120 MiB per web worker).

The arithmetic is scikit-learn's `TfidfVectorizer` with the options `engine.vectorise` gives
it, on sparse dicts: counts → sublinear tf `1 + ln(count)` → times the smoothed idf
`ln((1 + n) / (1 + df)) + 1` of the candidate set → L2-normalised; one vector of word stems
(`text.stems`) and one of character 3–5-grams inside words (`char_wb`) of `text.cyrillic`.
The score is `WORD_WEIGHT · cos(stems) + (1 - WORD_WEIGHT) · cos(chars)` plus `FIELD_BONUS`.
`tests/test_scoring.py` checks that it gives the engine's scores and explanations.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from incidesk.recurring import text as text_module

WORD_WEIGHT = 0.6
# A pair at or above this score is called a duplicate (intake suggestions).
DUPLICATE_THRESHOLD = 0.3
# Pairs at or above this score may share a group.
GROUP_THRESHOLD = 0.3
FIELD_BONUS = {"service": 0.05, "category": 0.05, "organisation": 0.02}
CHAR_NGRAMS = (3, 5)

Fields = dict[str, Any]
_SPACES = re.compile(r"\s\s+")


def char_ngrams(text: str) -> list[str]:
    """scikit-learn's `char_wb` analyser over `text.cyrillic(text)`: n-grams inside words,
    each word padded with a space; a word shorter than n gives itself once."""
    grams: list[str] = []
    for word in _SPACES.sub(" ", text_module.cyrillic(text)).split():
        grams.extend(_word_ngrams(word))
    return grams


@lru_cache(maxsize=2048)
def _word_ngrams(word: str) -> tuple[str, ...]:
    """One word's n-grams, cached: texts repeat the desk's words (at most about 3 MiB)."""
    low, high = CHAR_NGRAMS
    padded = f" {word} "
    length = len(padded)
    grams: list[str] = []
    for n in range(low, high + 1):
        if length <= n:
            grams.append(padded)
            break
        grams.extend(padded[offset : offset + n] for offset in range(length - n + 1))
    return tuple(grams)


class Vectors:
    """TF-IDF vectors of a bounded set of documents (lists of features): counts and norms
    are kept, a weight is computed when it is read."""

    def __init__(self, documents: Sequence[list[str]]) -> None:
        self.counts = [Counter(document) for document in documents]
        frequency: Counter[str] = Counter()
        for counts in self.counts:
            frequency.update(counts.keys())
        # Each term's rank by first appearance (scikit-learn's storage order within a row).
        self.first_seen = {term: rank for rank, term in enumerate(frequency)}
        total = len(documents) + 1
        self.idf = {term: math.log(total / (df + 1)) + 1 for term, df in frequency.items()}
        self.norms = [self._norm(counts) for counts in self.counts]

    def _norm(self, counts: Counter[str]) -> float:
        idf, log = self.idf, math.log
        total = 0.0
        for term, count in counts.items():
            weight = idf[term] if count == 1 else (1 + log(count)) * idf[term]
            total += weight * weight
        return math.sqrt(total)

    def weights(self, row: int) -> dict[str, float]:
        """The L2-normalised vector of document `row`."""
        norm, idf = self.norms[row], self.idf
        if not norm:
            return {}
        return {t: (1 + math.log(c)) * idf[t] / norm for t, c in self.counts[row].items()}

    def stored(self, row: int) -> list[str]:
        """The terms of document `row` as scikit-learn stores them: by first appearance."""
        return sorted(self.counts[row], key=self.first_seen.__getitem__)

    def dots(self, row: int) -> list[float]:
        """Cosine of document `row` with every document (itself included): the query's
        weight times the idf is taken once, a document's norm divides its sum once."""
        idf, log = self.idf, math.log
        query = [(term, weight * idf[term]) for term, weight in self.weights(row).items()]
        scores = []
        for counts, norm in zip(self.counts, self.norms, strict=True):
            total = 0.0
            if norm:
                get = counts.get
                for term, weighted in query:
                    count = get(term)
                    if count:
                        total += weighted if count == 1 else weighted * (1 + log(count))
                total /= norm
            scores.append(total)
        return scores


class Space:
    """A query text (row 0, or any row) and its candidates, comparable one against many."""

    def __init__(self, texts: list[str], fields: list[Fields] | None = None) -> None:
        self.texts = texts
        self.fields = fields or [{} for _ in texts]
        self.words = Vectors([text_module.stems(text) for text in texts])
        self.chars = Vectors([char_ngrams(text) for text in texts])

    def __len__(self) -> int:
        return len(self.texts)

    def text_scores(self, row: int) -> list[float]:
        """Text similarity of text `row` to every text (itself included)."""
        words, chars = self.words.dots(row), self.chars.dots(row)
        return [WORD_WEIGHT * w + (1 - WORD_WEIGHT) * c for w, c in zip(words, chars, strict=True)]

    def scores(self, row: int) -> list[float]:
        """Similarity of text `row` to every text: text score plus shared-field bonus."""
        mine = self.fields[row]
        return [
            score + bonus(mine, other)
            for score, other in zip(self.text_scores(row), self.fields, strict=True)
        ]

    def shared_terms(self, a: int, b: int, surface: dict[str, str], limit: int = 5) -> list[str]:
        """The words both texts use, the most telling (highest weight product) first.

        Equal products keep the engine's order (scipy's element-wise product of two rows):
        alphabetical when both rows happen to be stored in alphabetical order, otherwise the
        reverse of the first text's storage order."""
        first, second = self.words.weights(a), self.words.weights(b)
        order_a, order_b = self.words.stored(a), self.words.stored(b)
        common = [stem for stem in order_a if stem in second]
        if order_a == sorted(order_a) and order_b == sorted(order_b):
            common.sort()
        else:
            common.reverse()
        products = {stem: first[stem] * second[stem] for stem in common}
        common.sort(key=lambda stem: -products[stem])
        return distinct(common, surface, limit)


def distinct(stems: Sequence[str], surface: dict[str, str], limit: int) -> list[str]:
    """The words shown for `stems`, each once: a Latin word's two stems (English and
    transliterated) show as the same written word."""
    shown = dict.fromkeys(surface.get(stem, stem) for stem in stems)
    return list(shown)[:limit]


def bonus(a: Fields, b: Fields) -> float:
    return sum(
        value
        for name, value in FIELD_BONUS.items()
        if a.get(name) is not None and a.get(name) == b.get(name)
    )


def shared_fields(rows: Sequence[Fields]) -> list[str]:
    """The reference fields (service, category, organisation) every row has and agrees on."""
    first = rows[0]
    return [
        name
        for name in FIELD_BONUS
        if first.get(name) is not None and all(row.get(name) == first.get(name) for row in rows)
    ]
