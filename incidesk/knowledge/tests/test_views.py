"""The desk's pages: writing from work (a resolved incident, a problem's workaround), the panel
beside an incident with "send as reply" and "link", the version differences shown as text,
and pictures only as the article's own images."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, LeadFactory
from incidesk.incidents.models import Comment
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.knowledge import actions
from incidesk.knowledge.models import Article, ArticleImage
from incidesk.knowledge.status import ArticleStatus
from incidesk.knowledge.tests.factories import make_article
from incidesk.problems import actions as problem_actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client():
    agent = AgentFactory()
    client = Client()
    client.force_login(agent)
    return agent, client


def test_a_resolved_incident_becomes_a_linked_draft_in_one_click(agent_client):
    agent, client = agent_client
    incident = make_incident(Status.RESOLVED, agent=agent, description="Не печатает")
    response = client.post(reverse("knowledge:from_incident", args=[incident.number]))
    article = Article.objects.get(source_incident=incident)
    assert response["Location"] == reverse("knowledge:edit", args=[article.pk])
    assert (article.status, article.title_ru, article.owner) == (
        ArticleStatus.DRAFT,
        incident.title,
        agent,
    )
    assert incident.resolution_notes in article.body_ru and "Не печатает" in article.body_ru


def test_an_open_incident_does_not(agent_client):
    agent, client = agent_client
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    response = client.post(reverse("knowledge:from_incident", args=[incident.number]))
    assert response["Location"] == reverse("console:incident", args=[incident.number])
    assert not Article.objects.exists()


def test_a_problem_without_a_workaround_sends_the_agent_back_to_it(agent_client):
    agent, client = agent_client
    problem = problem_actions.do_create_problem(actor=agent, title="VPN падает")
    response = client.post(reverse("knowledge:from_problem", args=[problem.number]))
    assert response["Location"] == reverse("problems:detail", args=[problem.number])
    assert not Article.objects.exists()


def test_a_problems_workaround_becomes_a_linked_draft(agent_client):
    agent, client = agent_client
    problem = problem_actions.do_create_problem(
        actor=agent, title="VPN падает", workaround="Переподключитесь через 5 минут"
    )
    client.post(reverse("knowledge:from_problem", args=[problem.number]))
    article = Article.objects.get(source_problem=problem)
    assert "Переподключитесь через 5 минут" in article.body_ru


def test_the_panel_suggests_and_sends_an_article_as_a_reply(agent_client):
    agent, client = agent_client
    article = make_article(agent, title_ru="Принтер не печатает: что делать")
    customer = CustomerFactory()
    incident = make_incident(
        Status.IN_PROGRESS, reporter=customer, agent=agent, title="Принтер не печатает"
    )
    panel = client.get(reverse("knowledge:panel", args=[incident.number])).content.decode()
    assert "Принтер не печатает: что делать" in panel
    client.post(reverse("knowledge:send", args=[incident.number]), {"article": article.pk})
    reply = Comment.objects.get(incident=incident, body__contains="что делать")
    assert reply.visibility == "public"
    assert f"/kb/{article.pk}/" in reply.body
    # the customer's result card shows the link once the incident is resolved
    resolved = make_incident(Status.RESOLVED, reporter=customer, agent=agent)
    client.post(reverse("knowledge:link", args=[resolved.number]), {"article": article.pk})
    reader = Client()
    reader.force_login(customer)
    page = reader.get(reverse("portal:incident", args=[resolved.number])).content.decode()
    assert 'data-testid="linked-articles"' in page and "что делать" in page


def test_the_difference_between_versions_is_text(agent_client):
    agent, client = agent_client
    article = make_article(agent, ArticleStatus.DRAFT, body_ru="Было")
    actions.do_edit_article(article, actor=agent, body_ru="<script>alert(1)</script>")
    page = client.get(reverse("knowledge:diff", args=[article.pk, 2])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "Было" in page


def test_the_edit_form_saves_a_version(agent_client):
    agent, client = agent_client
    article = make_article(agent, ArticleStatus.DRAFT)
    data = {
        "title_ru": "Новый заголовок",
        "body_ru": "Новый текст",
        "audience": "public",
        "owner": agent.pk,
        "version": 1,
        "note": "переписал",
    }
    response = client.post(reverse("knowledge:edit", args=[article.pk]), data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.version, article.title_ru) == (2, "Новый заголовок")
    assert article.versions.get(number=2).note == "переписал"


def test_only_pictures_are_taken_and_shown_inline(agent_client):
    agent, client = agent_client
    article = make_article(agent, ArticleStatus.DRAFT)
    url = reverse("knowledge:image_upload", args=[article.pk])
    client.post(url, {"file": SimpleUploadedFile("a.html", b"<script>", "image/png")})
    assert not ArticleImage.objects.exists()
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
    client.post(url, {"file": SimpleUploadedFile("схема.png", png, "image/png")})
    image = ArticleImage.objects.get()
    src = reverse("kb:image", args=[article.pk, image.pk])
    actions.do_edit_article(article, actor=agent, body_ru=f"![схема]({src})")
    actions.do_transition(article, "submit", actor=agent)
    actions.do_transition(article, "publish", actor=LeadFactory())
    page = Client().get(reverse("kb:article", args=[article.pk])).content.decode()
    assert f'<img src="{src}" alt="схема">' in page
    served = Client().get(src)
    assert served["Content-Type"] == "image/png"
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_recurring_group_without_an_article_is_flagged_and_written_up(run_tasks):
    lead = LeadFactory()
    agent = AgentFactory()
    titles = ["VPN ошибка 809 из дома", "Ошибка 809 при подключении к VPN", "VPN не работает: 809"]
    incidents = [make_incident(Status.RESOLVED, agent=agent, title=title) for title in titles]
    client = Client()
    client.force_login(lead)
    client.get(reverse("recurring:groups"), {"days": 7})  # asks the worker to group
    run_tasks()
    page = client.get(reverse("recurring:groups"), {"days": 7}).content.decode()
    assert 'data-testid="write-article"' in page
    response = client.post(
        reverse("knowledge:from_group"),
        {"numbers": " ".join(i.number for i in incidents), "title": "VPN: ошибка 809"},
    )
    article = Article.objects.get()
    assert response["Location"] == reverse("knowledge:edit", args=[article.pk])
    assert article.title_ru == "VPN: ошибка 809"
    assert incidents[0].resolution_notes in article.body_ru
    page = client.get(reverse("recurring:groups"), {"days": 7}).content.decode()
    assert 'data-testid="write-article"' not in page


def test_a_visitor_is_asked_to_sign_in_in_one_sentence():
    """The invitation is one sentence with its links inside, so that Russian can word it
    («Войдите», an imperative, where the login page's button says «Войти»)."""
    article = make_article(AgentFactory())
    path = reverse("kb:article", args=[article.pk])
    page = Client().get(path).content.decode()
    login, new = reverse("web:login"), reverse("portal:new")
    assert (
        f'<a href="{login}?next={path}">Войдите</a>, чтобы ответить, или '
        f'<a href="{new}">сообщите о проблеме</a>.'
    ) in page
    assert '<button type="submit" class="btn btn-primary w-100">Войти</button>' in (
        Client().get(login).content.decode()
    )
