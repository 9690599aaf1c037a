"""The whole lifecycle in a real browser, customer and agent side by side (two sessions of
Debian's chromium): registration -> verification -> resolution -> testing -> closure, with the
status each side sees at each step, in Russian and in English."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, TeamFactory
from incidesk.incidents.models import Incident

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "lifecycle-pass-1"
NewContext = Callable[..., BrowserContext]


@dataclass
class Side:
    """One person's browser session and the words their language uses."""

    page: Page
    url: str
    words: dict[str, str]

    def open(self, path: str) -> None:
        # Panels load after the page (htmx) and move what is below them: act once they are in.
        self.page.goto(self.url + path)
        self.page.wait_for_load_state("networkidle")

    def status(self) -> str:
        return self.page.get_by_test_id("status").inner_text()


CUSTOMER_WORDS = {
    "ru": {
        "title": "Коротко: что случилось?",
        "details": "Подробности",
        "files": "Вложения",
        "send": "Отправить",
        "open": "Открыть обращение",
        "new": "зарегистрировано, ожидает проверки",
        "in_progress": "проверено, решаем",
        "on_hold": "проверено, ждём вашего ответа",
        "resolved": "тестирование: подтвердите, что всё исправлено",
        "closed": "закрыто",
        "message": "Ваше сообщение",
        "confirm": "Подтвердить, что исправлено",
        "not_fixed": "Всё ещё не исправлено",
        "reason": "Что всё ещё не так?",
        "send_back": "Вернуть в работу",
        "rate": "Отправить оценку",
        "rated": "Спасибо за оценку.",
        "promise": "Ответим в течение",
    },
    "en": {
        "title": "In a few words, what happened?",
        "details": "Details",
        "files": "Attachments",
        "send": "Send",
        "open": "Open the incident",
        "new": "registered, awaiting verification",
        "in_progress": "verified, being resolved",
        "on_hold": "verified, waiting for your answer",
        "resolved": "testing: please confirm the fix",
        "closed": "closed",
        "message": "Your message",
        "confirm": "Confirm it is fixed",
        "not_fixed": "Still not fixed",
        "reason": "What is still wrong?",
        "send_back": "Send back to work",
        "rate": "Send the rating",
        "rated": "Thank you for your rating.",
        "promise": "We will answer within",
    },
}
AGENT_STATUS = {
    "ru": {"new": "Новый", "in_progress": "В работе", "on_hold": "Отложен", "resolved": "Решён"},
    "en": {
        "new": "New",
        "in_progress": "In progress",
        "on_hold": "On hold",
        "resolved": "Resolved",
    },
}


def _session(new_context: NewContext, url: str, user, language: str) -> Page:
    context = new_context(locale="ru-RU" if language == "ru" else "en-US")
    page = context.new_page()
    page.goto(url + "/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda current: "/login/" not in current)
    return page


def _people(customer_language: str, agent_language: str):
    team = TeamFactory(code="first-line")
    agent = AgentFactory(email="agent@example.com", language=agent_language)
    customer = CustomerFactory(email="client@example.com", language=customer_language)
    for person in (agent, customer):
        person.set_password(PASSWORD)
        person.save()
    team.members.add(agent)
    return customer, agent


def _report(customer: Side, tmp_path) -> Incident:
    words = customer.words
    log = tmp_path / "vpn-log.txt"
    log.write_text("error 809")
    customer.open("/incidents/new/")
    customer.page.get_by_label(words["title"]).fill("VPN error 809 / ошибка 809")
    customer.page.get_by_label(words["details"]).fill("Since this morning.")
    customer.page.get_by_label(words["files"]).set_input_files(str(log))
    customer.page.get_by_role("button", name=words["send"], exact=True).click()
    expect(customer.page.get_by_test_id("promise")).to_contain_text(words["promise"])
    incident = Incident.objects.get()
    expect(customer.page.get_by_test_id("number")).to_have_text(incident.number)
    customer.page.get_by_role("link", name=words["open"]).click()
    expect(customer.page.get_by_test_id("status")).to_have_text(words["new"])
    expect(customer.page.get_by_role("link", name="vpn-log.txt")).to_be_visible()
    return incident


def _agent_does(agent: Side, incident: Incident, action: str, **fields: str) -> None:
    agent.open(f"/console/incidents/{incident.number}/")
    section = agent.page.locator(f"details[data-action={action}]")
    section.locator("summary").click()
    expect(section).to_have_js_property("open", True)
    for name, value in fields.items():
        field = section.locator(f"[name={action}-{name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    section.locator("button[type=submit]").click()
    agent.page.wait_for_url(re.compile(rf"/console/incidents/{incident.number}/$"))


def _expect_both(customer: Side, agent: Side, incident: Incident, state: str) -> None:
    customer.open(f"/incidents/{incident.number}/")
    expect(customer.page.get_by_test_id("status")).to_have_text(customer.words[state])
    if state in agent.words:
        agent.open(f"/console/incidents/{incident.number}/")
        expect(agent.page.get_by_test_id("status")).to_have_text(agent.words[state])


def _sides(new_context: NewContext, desk, customer_language: str, agent_language: str):
    customer_user, agent_user = _people(customer_language, agent_language)
    customer = Side(
        _session(new_context, desk.url, customer_user, customer_language),
        desk.url,
        CUSTOMER_WORDS[customer_language],
    )
    agent = Side(
        _session(new_context, desk.url, agent_user, agent_language),
        desk.url,
        AGENT_STATUS[agent_language],
    )
    return customer, agent


@pytest.mark.parametrize(("customer_language", "agent_language"), [("ru", "en"), ("en", "ru")])
def test_registration_to_closure(
    new_context: NewContext, desk, tmp_path, customer_language, agent_language
):
    customer, agent = _sides(new_context, desk, customer_language, agent_language)
    incident = _report(customer, tmp_path)
    _expect_both(customer, agent, incident, "new")

    _agent_does(agent, incident, "accept")
    _expect_both(customer, agent, incident, "in_progress")

    _agent_does(agent, incident, "request-info", message="Which VPN client version?")
    _expect_both(customer, agent, incident, "on_hold")
    expect(customer.page.get_by_test_id("info-request")).to_be_visible()
    expect(customer.page.get_by_test_id("timeline")).to_contain_text("Which VPN client version?")

    customer.page.get_by_label(customer.words["message"]).fill("Cisco AnyConnect 4.10")
    customer.page.get_by_role("button", name=customer.words["send"], exact=True).click()
    expect(customer.page.get_by_test_id("status")).to_have_text(customer.words["in_progress"])
    _expect_both(customer, agent, incident, "in_progress")
    expect(agent.page.locator("ol.timeline")).to_contain_text("Cisco AnyConnect 4.10")

    _agent_does(
        agent,
        incident,
        "resolve",
        cause="software_error",
        resolution_code="fixed",
        notes="Update the client to 5.1 from the portal, then restart.",
    )
    _expect_both(customer, agent, incident, "resolved")
    expect(customer.page.get_by_test_id("resolution")).to_contain_text("Update the client to 5.1")

    customer.page.get_by_role("button", name=customer.words["confirm"]).click()
    expect(customer.page.get_by_test_id("status")).to_have_text(customer.words["closed"])
    customer.page.locator("label[for=id_rating_0]").click()
    customer.page.get_by_role("button", name=customer.words["rate"]).click()
    expect(customer.page.get_by_role("status").first).to_contain_text(customer.words["rated"])
    incident.refresh_from_db()
    assert (incident.status, incident.satisfaction) == ("closed", 5)


def test_still_not_fixed_goes_back_to_work(new_context: NewContext, desk, tmp_path):
    customer, agent = _sides(new_context, desk, "ru", "ru")
    incident = _report(customer, tmp_path)
    _agent_does(agent, incident, "accept")
    _agent_does(
        agent,
        incident,
        "resolve",
        cause="software_error",
        resolution_code="fixed",
        notes="Перезагрузите компьютер.",
    )
    _expect_both(customer, agent, incident, "resolved")
    customer.page.get_by_text(customer.words["not_fixed"]).click()
    customer.page.get_by_label(customer.words["reason"]).fill("После перезагрузки то же самое")
    customer.page.get_by_role("button", name=customer.words["send_back"]).click()
    _expect_both(customer, agent, incident, "in_progress")
    expect(agent.page.locator("ol.timeline")).to_contain_text("После перезагрузки то же самое")
    incident.refresh_from_db()
    assert incident.reopen_count == 1
