"""The condition engine alone: a pure function of conditions and facts."""

import pytest

from incidesk.automation.conditions import Facts, Matched, matches

FACTS = Facts(
    kind="incident",
    channel="email",
    priority=3,
    category_id=12,
    category_parent_id=10,
    service_id=7,
    organisation_id=5,
    language="ru",
    vip=True,
    title="Не подключается VPN",
    description="С утра не работают подключения к серверам, пишет ошибку сертификата.",
)


def test_no_conditions_match_everything_with_nothing_to_show():
    assert matches({}, FACTS) == []


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({"kind": ["incident", "service_request"]}, [Matched("kind", ("incident",))]),
        ({"channel": ["email"]}, [Matched("channel", ("email",))]),
        ({"priority": [2, 3]}, [Matched("priority", (3,))]),
        ({"language": ["ru"]}, [Matched("language", ("ru",))]),
        ({"service": [7, 8]}, [Matched("service", (7,))]),
        ({"organisation": [5]}, [Matched("organisation", (5,))]),
        ({"category": [12]}, [Matched("category", (12,))]),
        ({"category": [10]}, [Matched("category", (10,))]),  # the parent covers its children
        ({"vip": True}, [Matched("vip", (True,))]),
    ],
)
def test_each_condition_holds_on_its_fact(conditions, expected):
    assert matches(conditions, FACTS) == expected


@pytest.mark.parametrize(
    "conditions",
    [
        {"kind": ["service_request"]},
        {"channel": ["portal", "api"]},
        {"priority": [1]},
        {"language": ["en"]},
        {"service": [8]},
        {"organisation": [6]},
        {"category": [11]},
        {"vip": False},
        {"words": ["принтер"]},
    ],
)
def test_each_condition_fails_on_another_value(conditions):
    assert matches(conditions, FACTS) is None


@pytest.mark.parametrize(
    ("word", "text"),
    [
        ("подключение", "С утра не работают подключения"),  # plural of the word asked
        ("сертификат", "ошибку сертификата"),
        ("ошибки", "пишет ошибку"),
        ("vpn", "Не подключается VPN"),  # case
        ("ёлка", "сломалась елка"),  # ё and е
        ("connections", "no connection to the server"),  # English stems
    ],
)
def test_words_are_found_in_any_form(word, text):
    facts = Facts(kind="incident", channel="portal", priority=3, title="", description=text)
    assert matches({"words": [word]}, facts) == [Matched("words", (word,))]


def test_a_phrase_needs_all_its_words_and_any_phrase_is_enough():
    assert matches({"words": ["ошибка принтера"]}, FACTS) is None
    assert matches({"words": ["ошибка сертификата", "принтер"]}, FACTS) == [
        Matched("words", ("ошибка сертификата",))
    ]


def test_every_condition_must_hold_and_all_are_shown():
    both = {"organisation": [5], "words": ["впн", "VPN"]}
    assert matches(both, FACTS) == [
        Matched("organisation", (5,)),
        Matched("words", ("VPN",)),
    ]
    assert matches({**both, "channel": ["portal"]}, FACTS) is None


def test_a_missing_fact_never_matches_an_id():
    facts = Facts(kind="incident", channel="portal", priority=3)
    assert matches({"category": [10]}, facts) is None
    assert matches({"organisation": [5]}, facts) is None
    assert matches({"vip": False}, facts) == [Matched("vip", (False,))]


@pytest.mark.parametrize(
    "text",
    [
        "Пишет: нет подключения",
        "Подключения нет с утра",
        "We keep losing connections",
        "The disks are dying",  # English may change a stem's last letters: dying → die
        "Happiness is a working printer",
    ],
)
def test_looking_at_fewer_words_finds_what_stemming_every_word_finds(text):
    """`Facts.has_stem` stems only the words that can have the stem; it must agree with
    stemming every word, as search does."""
    from incidesk.incidents.search import stem_words

    facts = Facts(kind="incident", channel="portal", priority=3, title=text)
    every = set(stem_words(text))
    for word in text.split():
        for stem in stem_words(word):
            assert facts.has_stem(stem) == (stem in every)
    for stem in ("подключ", "connect", "die", "happi", "принтер", "нет"):
        assert facts.has_stem(stem) == (stem in every), stem
