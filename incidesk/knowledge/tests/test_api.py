"""The knowledge base in the REST API: the access policy on every endpoint, and the rendered
text as safe as on the pages."""

import pytest

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, LeadFactory
from incidesk.incidents.tests.apiclient import Api, assert_problem
from incidesk.knowledge.models import Audience, OwnerTask
from incidesk.knowledge.status import ArticleStatus
from incidesk.knowledge.tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    agent, lead = AgentFactory(), LeadFactory()
    public = make_article(
        agent,
        lead=lead,
        title_ru="Публичная",
        body_ru="<script>alert(1)</script> [x](javascript:alert(1))",
    )
    internal = make_article(agent, lead=lead, audience=Audience.INTERNAL, title_ru="Служебная")
    draft = make_article(agent, ArticleStatus.DRAFT, title_ru="Черновик")
    return agent, {"public": public, "internal": internal, "draft": draft}


def test_a_customer_lists_and_reads_only_published_readable_articles(shelf):
    _agent, articles = shelf
    api = Api(CustomerFactory())
    listed = api.get("/kb/articles").json()["items"]
    assert [item["title_ru"] for item in listed] == ["Публичная"]
    for name in ("internal", "draft"):
        assert_problem(api.get(f"/kb/articles/{articles[name].pk}"), 404, "not_found")
        assert "Служебная" not in api.get("/kb/articles", {"q": "служебная"}).content.decode()
    body = api.get(f"/kb/articles/{articles['public'].pk}").json()
    assert "<script" not in body["html_ru"] and "&lt;script&gt;" in body["html_ru"]
    assert "javascript:" not in body["html_ru"].split("[x](")[0]
    assert 'href="javascript' not in body["html_ru"]


def test_versions_and_answers_are_the_desks(shelf):
    agent, articles = shelf
    customer = Api(CustomerFactory())
    assert_problem(customer.get(f"/kb/articles/{articles['public'].pk}/versions"), 403, "forbidden")
    assert_problem(
        customer.get(f"/kb/articles/{articles['internal'].pk}/versions"), 404, "not_found"
    )
    assert_problem(customer.get(f"/kb/articles/{articles['public'].pk}/feedback"), 403, "forbidden")
    versions = Api(agent).get(f"/kb/articles/{articles['draft'].pk}/versions").json()
    assert [v["number"] for v in versions] == [1]


def test_feedback_through_the_api(shelf):
    agent, articles = shelf
    customer = Api(CustomerFactory())
    created = customer.post(
        f"/kb/articles/{articles['public'].pk}/feedback", {"helped": False, "comment": "Не то"}
    )
    assert created.status_code == 201
    assert OwnerTask.objects.filter(owner=agent, text="Не то").exists()
    assert_problem(
        customer.post(f"/kb/articles/{articles['internal'].pk}/feedback", {"helped": True}),
        404,
        "not_found",
    )
    answers = Api(agent).get(f"/kb/articles/{articles['public'].pk}/feedback").json()
    assert [(a["helped"], a["comment"]) for a in answers] == [(False, "Не то")]


def test_the_desk_writes_drafts_customers_do_not():
    assert_problem(
        Api(CustomerFactory()).post("/kb/articles", {"title_ru": "Моя"}), 403, "forbidden"
    )
    created = Api(AgentFactory()).post("/kb/articles", {"title_ru": "Новая", "tags": "vpn"})
    assert created.status_code == 201
    assert (created.json()["status"], created.json()["tags"]) == ("draft", ["vpn"])
