"""Every Russian catalogue uses the glossary's one word per concept (docs/glossary.md)."""

from incidesk.web.glossary import PACKAGE, banned_in, banned_words, msgstrs, russian_catalogues


def test_the_glossary_names_words_we_do_not_use():
    banned = banned_words()
    assert {"агент", "сервис", "заявк"} <= set(banned)
    assert banned_in("Назначить агенту", banned) == ["агент"]
    assert banned_in("подзаявка", banned) == []  # a stem only counts at the start of a word


def test_russian_catalogues_use_only_the_glossarys_words():
    banned = banned_words()
    catalogues = russian_catalogues()
    assert len(catalogues) > 1  # the project's and the apps'
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line}: {text!r} uses {stems} ({banned[stems[0]]})"
        for path in catalogues
        for line, text in msgstrs(path)
        if (stems := banned_in(text, banned))
    ]
    assert offenders == []
