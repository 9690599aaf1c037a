"""Russian full-text search of articles by word forms, on both databases."""

import pytest

from incidesk.accounts.tests.factories import AgentFactory
from incidesk.knowledge import actions
from incidesk.knowledge.models import Article
from incidesk.knowledge.search import search
from incidesk.knowledge.similar import similar_articles
from incidesk.knowledge.tests.factories import make_article

pytestmark = pytest.mark.django_db


def found(q: str, *, any_word: bool = False) -> set[str]:
    return set(
        search(Article.objects.all(), q, any_word=any_word).values_list("title_ru", flat=True)
    )


@pytest.fixture
def articles():
    agent = AgentFactory()
    make_article(agent, title_ru="Принтер не печатает", body_ru="Перезапустите службу печати.")
    make_article(
        agent,
        title_ru="Нет доступа к почте",
        body_ru="Проверьте пароль.",
        title_en="No access to mail",
        tags="outlook",
    )
    return agent


@pytest.mark.parametrize("q", ["принтер", "принтера", "принтеры", "ПРИНТЕРОМ", "печать"])
def test_word_forms_find_each_other(articles, q):
    assert found(q) == {"Принтер не печатает"}


def test_english_text_and_tags_are_searched(articles):
    assert found("mail") == {"Нет доступа к почте"}
    assert found("outlook") == {"Нет доступа к почте"}


def test_every_word_or_any_word(articles):
    assert found("принтер почта") == set()
    assert found("принтеры почты", any_word=True) == {"Принтер не печатает", "Нет доступа к почте"}


def test_an_edit_is_searchable_at_once(articles):
    article = Article.objects.get(title_ru="Принтер не печатает")
    actions.do_edit_article(article, actor=articles, body_ru="Замените картридж.")
    assert found("картриджа") == {"Принтер не печатает"}
    assert found("службы") == set()


def test_operators_in_the_query_are_words(articles):
    assert found("принтер & | ! ' \" * ( ) :") == {"Принтер не печатает"}
    assert found("'") == set()


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        ("printer ne pechataet", "Принтер не печатает"),  # transliterated
        ("принтер не пичатает", "Принтер не печатает"),  # a typo
        ("впн ошибка", "VPN не подключается: ошибка 809"),  # glossary
    ],
)
def test_suggestions_survive_typos_and_transliteration(typed, title):
    agent = AgentFactory()
    for text in (
        "Принтер не печатает",
        "Нет доступа к почте Outlook",
        "VPN не подключается: ошибка 809",
    ):
        make_article(agent, title_ru=text)
    found = similar_articles(typed, Article.objects.all(), 5)
    assert [article.title_ru for article in found] == [title]


def test_no_suggestion_for_words_without_meaning():
    make_article(AgentFactory(), title_ru="Принтер не печатает")
    assert similar_articles("не работает", Article.objects.all(), 5) == []


def test_the_portal_suggests_through_typos_to_signed_in_writers():
    from django.test import Client
    from django.urls import reverse

    from incidesk.accounts.tests.factories import CustomerFactory

    make_article(AgentFactory(), title_ru="Принтер не печатает")
    typed = {"title": "printer ne pechataet"}
    visitor = Client().get(reverse("kb:suggest"), typed).content.decode()
    assert "Принтер не печатает" not in visitor  # visitors: the full-text index only
    client = Client()
    client.force_login(CustomerFactory())
    assert "Принтер не печатает" in client.get(reverse("kb:suggest"), typed).content.decode()


def test_the_knowledge_base_search_finds_through_a_typo_for_signed_in_readers():
    from django.test import Client
    from django.urls import reverse

    from incidesk.accounts.tests.factories import CustomerFactory

    make_article(AgentFactory(), title_ru="Принтер не печатает")
    typed = {"q": "принтер не пичатает"}
    visitor = Client().get(reverse("kb:list"), typed).content.decode()
    assert "Принтер не печатает" not in visitor  # visitors: the full-text index only
    client = Client()
    client.force_login(CustomerFactory())
    page = client.get(reverse("kb:list"), typed).content.decode()
    assert "Принтер не печатает" in page and 'data-testid="kb-close"' in page
    exact = client.get(reverse("kb:list"), {"q": "принтеры"}).content.decode()
    assert "Принтер не печатает" in exact and 'data-testid="kb-close"' not in exact
