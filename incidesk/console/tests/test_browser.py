"""The workspace in a real browser (Debian's chromium through Playwright): an agent takes an
incident from the queue, writes a note and a reply that look different, assigns it with the
keyboard, and meets a colleague's change instead of overwriting it."""

import re

import pytest
from playwright.sync_api import Page, expect

from incidesk.accounts.tests.factories import AgentFactory, TeamFactory
from incidesk.catalog.models import HoldReason
from incidesk.incidents import actions
from incidesk.incidents.models import Visibility
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "pw-123456"


@pytest.fixture
def people(desk):
    team = TeamFactory(code="first-line", name="Первая линия")
    agent = AgentFactory(email="anna@example.com", full_name="Анна Агентова")
    colleague = AgentFactory(email="boris@example.com", full_name="Борис Коллегов")
    for user in (agent, colleague):
        user.set_password(PASSWORD)
        user.save()
        team.members.add(user)
    return agent, colleague


def _sign_in(page: Page, desk, user) -> None:
    page.goto(desk.url + "/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def test_agent_works_an_incident_from_the_queue(page: Page, desk, people):
    agent, colleague = people
    incident = make_incident(Status.NEW, title="Не печатает принтер в бухгалтерии")
    _sign_in(page, desk, agent)
    page.goto(desk.url + "/console/?queue=unassigned")
    page.get_by_role("link", name=incident.number).click()
    expect(page.get_by_test_id("status")).to_have_text("Новый")

    page.wait_for_load_state("networkidle")  # the side panels load after the page
    page.locator("details[data-action=accept] summary").click()
    page.locator("details[data-action=accept] button[type=submit]").click()
    expect(page.get_by_test_id("status")).to_have_text("В работе")
    expect(page.get_by_test_id("assignee")).to_have_text("Анна Агентова")
    page.wait_for_load_state("load")

    page.keyboard.press("n")
    expect(page.locator("textarea[name=comment-body]")).to_be_focused()
    page.keyboard.type("Похоже на драйвер, проверю")
    page.get_by_test_id("editor-submit").click()
    expect(page.locator("ol.timeline li.is-internal")).to_have_count(1)
    page.wait_for_load_state("load")
    page.keyboard.press("r")
    expect(page.locator("textarea[name=comment-body]")).to_be_focused()
    page.keyboard.type("Уже смотрим, ответим в течение часа")
    page.get_by_test_id("editor-submit").click()

    note = page.locator("ol.timeline li.is-internal", has_text="Похоже на драйвер")
    reply = page.locator("ol.timeline li.is-public-reply", has_text="Уже смотрим")
    expect(note).to_contain_text("Внутренний комментарий")
    expect(reply).to_contain_text("Ответ заявителю")
    assert note.evaluate("e => getComputedStyle(e).borderLeftColor") != reply.evaluate(
        "e => getComputedStyle(e).borderLeftColor"
    )

    expect(page.locator("ol.timeline li.is-public-reply")).to_have_count(1)
    page.wait_for_load_state("load")
    page.keyboard.press("a")
    assign = page.locator("details[data-action=assign]")
    expect(assign).to_have_attribute("open", "")
    expect(assign.locator("select").first).to_be_focused()
    assign.locator("select[name=assign-assignee]").select_option(colleague.email)
    assign.locator("button[type=submit]").click()
    expect(page.get_by_test_id("assignee")).to_have_text("Борис Коллегов")


def test_a_colleagues_change_is_shown_not_overwritten(page: Page, desk, people):
    agent, colleague = people
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    _sign_in(page, desk, agent)
    page.goto(desk.url + f"/console/incidents/{incident.number}/")
    page.fill("textarea[name=comment-body]", "Перезагрузите принтер, пожалуйста")

    actions.do_hold(
        incident, actor=colleague, reason=HoldReason.objects.get(code="awaiting_vendor")
    )
    page.get_by_test_id("editor-submit").click()

    conflict = page.get_by_test_id("conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Борис Коллегов")
    expect(page.get_by_test_id("status")).to_have_text("Отложен")
    expect(page.locator("textarea[name=comment-body]")).to_have_value(
        "Перезагрузите принтер, пожалуйста"
    )
    page.get_by_test_id("editor-submit").click()
    expect(page.locator("ol.timeline li.is-public-reply")).to_contain_text("Перезагрузите")
    expect(page.get_by_test_id("conflict")).to_have_count(0)


def test_queue_at_phone_width(page: Page, desk, people):
    agent, _colleague = people
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    page.set_viewport_size({"width": 390, "height": 800})
    _sign_in(page, desk, agent)
    page.goto(desk.url + "/console/")
    row = page.locator(f"tr[data-number='{incident.number}']")
    expect(row).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 420, width
    expect(page).to_have_title(re.compile("Мои инциденты"))


def test_an_unverified_e_mail_is_marked_and_answered_by_quoting_it(page: Page, desk, people):
    agent, _colleague = people
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    actions.do_add_comment(
        incident, actor=incident.reporter, body="Закройте заявку\nвсё работает", verified=False
    )
    _sign_in(page, desk, agent)
    page.goto(desk.url + f"/console/incidents/{incident.number}/")
    entry = page.locator("ol.timeline li.is-unverified")
    expect(entry.get_by_test_id("unverified")).to_have_text("Не подтверждено")
    expect(entry).to_contain_text(incident.reporter.email)
    page.locator('label[data-editor-mode="internal"]').click()
    entry.locator("[data-quote]").click()
    text = page.locator("textarea[name=comment-body]")
    expect(text).to_be_focused()
    expect(text).to_have_value("> Закройте заявку\n> всё работает\n\n")
    page.keyboard.type("Это вы написали? Ответьте, пожалуйста, на это письмо.")
    page.get_by_test_id("editor-submit").click()
    expect(page.locator("ol.timeline li.is-public-reply")).to_contain_text("Это вы написали?")
    reply = incident.comments.get(author=agent)
    assert reply.visibility == Visibility.PUBLIC
    assert reply.body.splitlines()[:2] == ["> Закройте заявку", "> всё работает"]
