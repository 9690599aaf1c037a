"""Text normalisation: transliteration, stems, stop words, the desk glossary."""

from incidesk.recurring import text


def test_transliteration_reads_latin_typed_russian():
    assert text.transliterate("podklyuchaetsya") == "подключается"
    assert text.transliterate("oshibka") == "ошибка"
    assert text.transliterate("zhurnal") == "журнал"


def test_latin_typed_russian_shares_stems_with_cyrillic():
    latin = set(text.stems("vpn ne podklyuchaetsya, oshibka 809"))
    cyrillic = set(text.stems("VPN не подключается, ошибка 809"))
    assert cyrillic <= latin


def test_stop_words_are_dropped_in_both_spellings():
    assert text.stems("не работает и не печатает") == text.stems("печатает")
    assert text.cyrillic("printer ne pechataet").split() == ["принтер", "печатает"]


def test_glossary_joins_english_and_russian_names():
    assert set(text.stems("printer")) == set(text.stems("принтер"))
    assert set(text.stems("paper jam")) == set(text.stems("замятие бумаги"))


def test_surface_words_show_what_people_wrote():
    surface = text.surface_words(["VPN не подключается", "vpn ne podklyuchaetsya", "Ошибка VPN"])
    assert surface[text.stems("подключается")[0]] == "подключается"
    assert surface["vpn"] == "VPN"


def test_query_words_prefer_long_words_and_add_cyrillic_spelling():
    words = text.query_words("vpn ne podklyuchaetsya")
    assert words[0] == "podklyuchaetsya"
    assert {"подключается", "vpn", "впн"} <= set(words)
    assert "ne" not in words
