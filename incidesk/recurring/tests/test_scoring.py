"""The pure-Python scoring a web worker uses gives the scikit-learn engine's numbers: the same
scores (to 1e-9) and the same explanations, on the labelled set and on the shapes the web
asks about (a query against incidents with fields, a few typed words against short titles)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from incidesk.recurring import scoring, text

if TYPE_CHECKING:  # imported by the tests when they run, not at collection (see _assert_same)
    from scipy import sparse

    from incidesk.recurring import engine

pytestmark = pytest.mark.django_db  # the stemmer's glossary is read through the search module


def _engine_scores(space: engine.Space, row: int) -> list[float]:
    """What the web used before: the engine's text scores plus the field bonus."""
    bonuses = [scoring.bonus(space.fields[row], other) for other in space.fields]
    return (space.text_scores(row) + np.array(bonuses)).tolist()


def _engine_shared_terms(
    space: engine.Space, rows: list[sparse.csr_matrix], a: int, b: int, surface: dict[str, str]
):
    """The engine's explanation as it was computed before: the row product, stable-sorted.
    `rows` are the word matrix's rows sliced once (slicing per pair was most of this file's
    time); the product's stored entries, in storage order, are its COO form's."""
    weights = rows[a].multiply(rows[b])
    order = np.argsort(-weights.data, kind="stable")
    return scoring.distinct(space.stems[weights.indices[order]], surface, 5)


def _assert_same(texts: list[str], fields: list[scoring.Fields] | None = None, rows=(0,)):
    # scikit-learn and scipy here, not at the module's top: about a second of every xdist
    # worker's collection otherwise, for the few tests that compare with the engine.
    from incidesk.recurring import engine

    reference = engine.vectorise(texts, fields)
    mine = scoring.Space(texts, fields)
    surface = text.surface_words(texts)
    words = [reference.words[row] for row in range(len(texts))]
    for row in rows:
        expected = _engine_scores(reference, row)
        assert mine.scores(row) == pytest.approx(expected, abs=1e-9)
        for other in range(len(texts)):
            if other != row and expected[other] > 0:
                assert mine.shared_terms(row, other, surface) == _engine_shared_terms(
                    reference, words, row, other, surface
                ), (texts[row], texts[other])


def test_every_labelled_text_against_all_others_scores_as_the_engine():
    from incidesk.recurring import quality

    texts, _ = quality.load()
    _assert_same(texts, rows=range(len(texts)))


def test_a_query_against_candidates_with_fields_scores_as_the_engine():
    from incidesk.recurring import quality

    texts, _ = quality.load()
    chosen = texts[::3][:120]  # every third text: all faults, all languages
    fields = [
        {"service": i % 3 or None, "category": i % 4, "organisation": i % 5 or None}
        for i in range(len(chosen))
    ]
    _assert_same(["VPN не подключается, ошибка 809\nС утра не могу зайти", *chosen], [{}, *fields])
    _assert_same(chosen, fields, rows=(0, 7, 42))


def test_short_typed_words_against_titles_and_texts_without_words():
    titles = [
        "Как настроить VPN\nHow to set up VPN\nvpn удалённый",
        "Принтер\nPrinter\n",
        "",
        "и не",
    ]
    for query in ["впн настроит", "prnter", "не", "vpn"]:
        _assert_same([query, *titles])


def test_char_ngrams_are_scikit_learns_char_wb():
    from sklearn.feature_extraction.text import TfidfVectorizer

    analyse = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), preprocessor=text.cyrillic
    ).build_analyzer()
    for sample in ["Принтер  не печатает, ошибка 0x1", "я ok", "vpn ne podklyuchaetsya", ""]:
        assert scoring.char_ngrams(sample) == analyse(sample)
