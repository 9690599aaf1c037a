"""Issue 17's "done when" in a real browser: an agent turns a resolved incident into an
article, a lead publishes it, a customer typing a matching problem in the portal sees it,
opens it (a `<script>` in its Markdown shows as text), says it helped and files nothing, and
the report counts one confirmed deflection; an internal article reaches the customer nowhere."""

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, LeadFactory
from incidesk.incidents.models import Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.knowledge.models import Article, Audience
from incidesk.knowledge.status import ArticleStatus
from incidesk.knowledge.tests.factories import make_article

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "kb-pass-1"
SCRIPT = "<script>window.kbHacked = 1</script>"


def _person(factory, email):
    person = factory(email=email)
    person.set_password(PASSWORD)
    person.save()
    return person


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda address: "/login/" not in address)


def test_an_article_from_a_resolution_deflects_an_incident(
    desk, page: Page, new_context: Callable[..., BrowserContext], time_machine
):
    agent = _person(AgentFactory, "agent@kb.example")
    lead = _person(LeadFactory, "lead@kb.example")
    customer = _person(CustomerFactory, "customer@kb.example")
    incident = make_incident(
        Status.RESOLVED,
        agent=agent,
        title="Принтер не печатает после обновления драйвера",
        description="После обновления принтер молчит.",
    )
    make_article(
        agent, lead=lead, audience=Audience.INTERNAL, title_ru="Служебная: принтеры, пароль"
    )

    # The agent writes the article from the resolution and sends it for review.
    _sign_in(page, desk.url, agent.email)
    page.goto(f"{desk.url}/console/incidents/{incident.number}/")
    page.get_by_test_id("kb-write").click()
    page.wait_for_url(re.compile(r"/knowledge/\d+/edit/$"))
    article = Article.objects.get(source_incident=incident)
    body = page.locator("[name=body_ru]")
    body.fill(body.input_value() + "\n\n" + SCRIPT)
    page.locator("[name=audience]").select_option("public")
    page.get_by_test_id("kb-save").click()
    page.wait_for_url(re.compile(rf"/knowledge/{article.pk}/$"))
    page.get_by_test_id("kb-verb-submit").click()
    expect(page.get_by_test_id("kb-status")).to_have_text("На проверке")

    # The lead reviews and publishes it.
    lead_page = new_context().new_page()
    _sign_in(lead_page, desk.url, lead.email)
    lead_page.goto(desk.url + "/knowledge/")
    lead_page.get_by_test_id("kb-tasks").get_by_role("link", name=article.number).click()
    lead_page.get_by_test_id("kb-verb-publish").click()
    expect(lead_page.get_by_test_id("kb-status")).to_have_text("Опубликована")

    # The customer types their problem, sees the article, opens it and says it helped.
    reader = new_context().new_page()
    _sign_in(reader, desk.url, customer.email)
    reader.goto(desk.url + "/incidents/new/")
    reader.locator("#id_title").fill("не печатает принтер")
    suggestion = reader.get_by_test_id("kb-suggestion")
    expect(suggestion).to_have_count(1)
    expect(suggestion).to_contain_text("Принтер не печатает")
    with reader.context.expect_page() as opened:
        suggestion.get_by_role("link").click()
    article_page = opened.value
    article_page.wait_for_load_state()
    expect(article_page.get_by_test_id("article-body")).to_contain_text(SCRIPT)
    assert article_page.evaluate("window.kbHacked") is None
    article_page.get_by_test_id("helped-yes").click()
    expect(article_page.locator("main")).to_contain_text("Спасибо за ответ")
    # The internal article is on no customer page: search, list, suggestions.
    for path in ("/kb/?q=принтеры", "/kb/"):
        article_page.goto(desk.url + path)
        expect(article_page.locator("main")).not_to_contain_text("Служебная")
    expect(reader.get_by_test_id("kb-suggestions")).not_to_contain_text("Служебная")
    assert not Incident.objects.filter(reporter=customer).exists()

    # A day later, nothing filed: the report counts one confirmed deflection.
    time_machine.move_to(timezone.now() + timedelta(hours=25))
    lead_page.goto(desk.url + "/knowledge/report/")
    expect(lead_page.get_by_test_id("kb-confirmed-total")).to_have_text("1")
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.PUBLISHED
