"""The similarity arithmetic with scikit-learn, with no database: texts in, groups out. It runs
in the task worker (`tasks.compute_groups`) and in the quality measurement, never in a web
worker: one text against its candidates is `scoring` (pure Python, the same numbers).

A text is two TF-IDF vectors (scikit-learn): word stems (`text.stems`, Russian and English,
Latin words also transliterated) and character 3–5-grams of its Cyrillic spelling (typos).
Both are L2-normalised and weighted into one vector, so a dot product is
`WORD_WEIGHT * cos(stems) + (1 - WORD_WEIGHT) * cos(chars)`. Shared reference fields add a small
bonus (`FIELD_BONUS`). Groups are connected components of the pairs above `GROUP_THRESHOLD`,
split by average linkage so one chain of look-alikes does not glue two faults together.

The thresholds are chosen on the labelled set (`tests/data/labelled.jsonl`); the numbers they give
are in docs/recurring.md. Everything here is bounded by the caller: vectorise a few thousand
texts, never a whole table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

from incidesk.recurring import text as text_module
from incidesk.recurring.scoring import (
    DUPLICATE_THRESHOLD,
    FIELD_BONUS,
    GROUP_THRESHOLD,
    WORD_WEIGHT,
    Fields,
    bonus,
    distinct,
    shared_fields,
)

__all__ = ["DUPLICATE_THRESHOLD", "GROUP_THRESHOLD", "Space", "cluster", "shared_fields"]
_CHUNK = 512


@dataclass
class Space:
    """Vectors of a bounded set of texts, and what explains their similarity."""

    texts: list[str]
    combined: sparse.csr_matrix
    words: sparse.csr_matrix
    stems: np.ndarray
    fields: list[Fields]

    def __len__(self) -> int:
        return len(self.texts)

    def text_scores(self, row: int) -> np.ndarray:
        """Text similarity of text `row` to every text (itself included)."""
        return (self.combined @ self.combined[row].T).toarray().ravel()

    def top_terms(self, rows: Sequence[int], surface: dict[str, str], limit: int = 5) -> list[str]:
        """The words most of `rows` use (at least half of them), heaviest first."""
        block = self.words[list(rows)]
        present = np.asarray((block > 0).sum(axis=0)).ravel()
        weight = np.asarray(block.sum(axis=0)).ravel()
        weight[present * 2 < len(rows)] = 0
        order = [i for i in np.argsort(-weight, kind="stable")[: limit * 2] if weight[i] > 0]
        return distinct(self.stems[order].tolist(), surface, limit)


def vectorise(texts: list[str], fields: list[Fields] | None = None) -> Space:
    """Fit both vectorisers on `texts` (the candidate set is its own IDF corpus)."""
    word_vectoriser = TfidfVectorizer(analyzer=text_module.stems, sublinear_tf=True)
    char_vectoriser = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        preprocessor=text_module.cyrillic,
        sublinear_tf=True,
    )
    words = _fit(word_vectoriser, texts)
    chars = _fit(char_vectoriser, texts)
    combined = sparse.hstack(
        [words * np.sqrt(WORD_WEIGHT), chars * np.sqrt(1 - WORD_WEIGHT)], format="csr"
    )
    stems = (
        word_vectoriser.get_feature_names_out() if words.shape[1] else np.array([], dtype=object)
    )
    return Space(
        texts=texts,
        combined=combined,
        words=words,
        stems=stems,
        fields=fields or [{} for _ in texts],
    )


def _fit(vectoriser: TfidfVectorizer, texts: list[str]) -> sparse.csr_matrix:
    """The TF-IDF matrix, or an empty one when no text has a usable word."""
    try:
        return vectoriser.fit_transform(texts).tocsr()
    except ValueError:
        return sparse.csr_matrix((len(texts), 0))


def pairs(space: Space, threshold: float) -> sparse.csr_matrix:
    """Upper-triangle pairs scoring at least `threshold` (fields included), computed a chunk of
    rows at a time so memory stays proportional to the pairs found, not to n²."""
    n = len(space)
    reach = threshold - sum(FIELD_BONUS.values())
    rows, cols, values = [], [], []
    for start in range(0, n, _CHUNK):
        block = (space.combined[start : start + _CHUNK] @ space.combined.T).tocoo()
        keep = (block.col > block.row + start) & (block.data >= reach)
        for r, c, v in zip(block.row[keep] + start, block.col[keep], block.data[keep], strict=True):
            score = v + bonus(space.fields[r], space.fields[c])
            if score >= threshold:
                rows.append(r)
                cols.append(c)
                values.append(min(score, 1.0))
    return sparse.csr_matrix((values, (rows, cols)), shape=(n, n))


def cluster(space: Space, threshold: float = GROUP_THRESHOLD, min_size: int = 2) -> list[list[int]]:
    """Groups of similar texts (row indices), largest first; singletons are not groups."""
    found = pairs(space, threshold)
    count, labels = connected_components(found, directed=False)
    groups: list[list[int]] = []
    for label in range(count):
        members = np.flatnonzero(labels == label)
        if len(members) < min_size:
            continue
        groups += _split(members, found, threshold)
    groups = [group for group in groups if len(group) >= min_size]
    return sorted(groups, key=lambda group: (-len(group), group[0]))


def _split(members: np.ndarray, found: sparse.csr_matrix, threshold: float) -> list[list[int]]:
    """Average-linkage clustering inside one connected component: every member must be similar
    on average to its group, not merely to one neighbour."""
    if len(members) <= 2:
        return [members.tolist()]
    block = found[members][:, members].toarray()
    similarity = np.maximum(block, block.T)
    np.fill_diagonal(similarity, 1.0)
    labels = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=1 - threshold,
    ).fit_predict(1 - similarity)
    return [members[labels == label].tolist() for label in np.unique(labels)]
