"""Who reads which article, on every path: the rule, the portal pages, search, suggestions, the
resolution card, pictures and replies. An internal article (or a draft) reaches no customer."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from incidesk.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    LeadFactory,
    OrganisationFactory,
)
from incidesk.core.errors import InvalidInput
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.knowledge import actions
from incidesk.knowledge.access import visible_articles
from incidesk.knowledge.models import Audience
from incidesk.knowledge.status import ArticleStatus
from incidesk.knowledge.tests.factories import make_article

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
WORD = "принтер"


@pytest.fixture
def shelf():
    """A public, an organisation's, an internal article and a public draft, all about printers."""
    agent, lead = AgentFactory(), LeadFactory()
    chosen = OrganisationFactory(name="Выбранная")
    articles = {
        "public": make_article(agent, lead=lead, title_ru="Публичная: принтер"),
        "org": make_article(
            agent,
            lead=lead,
            audience=Audience.CUSTOMERS,
            organisations=[chosen],
            title_ru="Для своих: принтер",
        ),
        "internal": make_article(
            agent, lead=lead, audience=Audience.INTERNAL, title_ru="Служебная: принтер пароль"
        ),
        "draft": make_article(agent, ArticleStatus.DRAFT, title_ru="Черновик: принтер"),
    }
    for article in articles.values():
        actions.do_add_image(
            article, actor=agent, upload=SimpleUploadedFile("схема.png", PNG, "image/png")
        )
    people = {
        "visitor": None,
        "insider": CustomerFactory(organisation=chosen),
        "outsider": CustomerFactory(),
        "agent": agent,
    }
    return articles, people


SEES = {
    "visitor": {"public"},
    "insider": {"public", "org"},
    "outsider": {"public"},
    "agent": {"public", "org", "internal", "draft"},
}


def _client(person):
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


def _names(articles, found):
    ids = {a.pk for a in found}
    return {name for name, article in articles.items() if article.pk in ids}


@pytest.mark.parametrize("who", SEES)
def test_the_rule(shelf, who):
    from django.contrib.auth.models import AnonymousUser

    articles, people = shelf
    user = people[who] or AnonymousUser()
    assert _names(articles, visible_articles(user)) == SEES[who]


@pytest.mark.parametrize("who", SEES)
def test_article_page_and_pictures(shelf, who):
    articles, people = shelf
    client = _client(people[who])
    for name, article in articles.items():
        page = client.get(reverse("kb:article", args=[article.pk]))
        image = article.images.get()
        picture = client.get(reverse("kb:image", args=[article.pk, image.pk]))
        if name in SEES[who]:
            assert page.status_code in (200, 302), name
            assert picture.status_code == 200 and picture["X-Content-Type-Options"] == "nosniff"
        else:
            assert (page.status_code, picture.status_code) == (404, 404), name


@pytest.mark.parametrize("who", ["visitor", "insider", "outsider"])
def test_list_search_and_suggestions_show_only_whats_readable(shelf, who):
    articles, people = shelf
    client = _client(people[who])
    hidden = [a.title_ru for name, a in articles.items() if name not in SEES[who]]
    shown = [a.title_ru for name, a in articles.items() if name in SEES[who]]
    for response in (
        client.get(reverse("kb:list")),
        client.get(reverse("kb:list"), {"q": "принтеры"}),
        client.get(reverse("kb:suggest"), {"title": "Не работает принтер", "description": ""}),
    ):
        text = response.content.decode()
        assert all(title in text for title in shown), text
        assert not any(title in text for title in hidden), text


@pytest.mark.parametrize("who", ["visitor", "insider", "outsider"])
def test_desk_pages_are_closed_to_readers(shelf, who):
    articles, people = shelf
    client = _client(people[who])
    for route, args in (
        ("knowledge:list", []),
        ("knowledge:detail", [articles["internal"].pk]),
        ("knowledge:diff", [articles["internal"].pk, 1]),
        ("knowledge:report", []),
    ):
        response = client.get(reverse(route, args=args))
        assert response.status_code in (302, 403)
        assert "Служебная" not in response.content.decode()


def test_the_resolution_card_lists_only_readable_links(shelf):
    articles, people = shelf
    agent = people["agent"]
    incident = make_incident(Status.RESOLVED, reporter=people["outsider"], agent=agent)
    for article in articles.values():
        actions.do_link_article(incident, article, actor=agent)
    page = _client(people["outsider"]).get(reverse("portal:incident", args=[incident.number]))
    text = page.content.decode()
    assert "Публичная: принтер" in text
    assert "Служебная" not in text and "Для своих" not in text and "Черновик" not in text


def test_an_internal_article_cannot_be_sent_to_a_customer(shelf):
    articles, people = shelf
    agent = people["agent"]
    incident = make_incident(Status.IN_PROGRESS, reporter=people["outsider"], agent=agent)
    for name in ("internal", "draft", "org"):
        with pytest.raises(InvalidInput):
            actions.do_send_as_reply(incident, articles[name], actor=agent, link="/kb/")
    comment = actions.do_send_as_reply(
        incident, articles["public"], actor=agent, link="http://desk/kb/1/"
    )
    assert comment.visibility == "public" and "Публичная: принтер" in comment.body
    assert incident.article_links.filter(article=articles["public"]).exists()


def test_feedback_on_an_unreadable_article_is_404(shelf):
    articles, people = shelf
    client = _client(people["outsider"])
    response = client.post(
        reverse("kb:feedback", args=[articles["internal"].pk]), {"helped": "yes"}
    )
    assert response.status_code == 404
    assert not articles["internal"].feedback.exists()
