"""A macro in a real browser (Debian's chromium through Playwright), in Russian: the agent opens
the picker with its shortcut, finds the macro by name, reads the preview with the customer's
name filled in, applies it with the keyboard, and the timeline shows the reply, the question and
the hold, each marked as coming from the macro."""

from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, TeamFactory
from incidesk.catalog.models import HoldReason
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.macros.models import Macro, MacroVerb, Scope

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "pw-123456"

# Enter on the search field in the first task after the list for `word` is swapped in, as a
# quick typist's key press may come (one sent by the test could come later, and miss the gap).
ENTER_AFTER_SWAP = """word => document.addEventListener("htmx:afterSwap", event => {
  const search = document.getElementById("macro-search");
  if (event.target.id !== "macro-results" || search.value !== word) return;
  setTimeout(() => search.dispatchEvent(
    new KeyboardEvent("keydown", {key: "Enter", bubbles: true, cancelable: true})));
})"""


@pytest.fixture
def desk_day(desk):
    team = TeamFactory(code="network", name="Сеть")
    agent = AgentFactory(email="anna@example.com", full_name="Анна Агентова")
    agent.set_password(PASSWORD)
    agent.save()
    team.members.add(agent)
    Macro.objects.create(
        name="Нужен журнал VPN",
        scope=Scope.TEAM,
        for_team=team,
        reply_ru=(
            "Здравствуйте, {{ customer.name }}! Разбираемся с обращением {{ incident.number }}."
        ),
        verb=MacroVerb.HOLD,
        hold_reason=HoldReason.objects.get(code=HoldReason.AWAITING_CUSTOMER),
        verb_text_ru="Пришлите, пожалуйста, журнал VPN-клиента.",
    )
    Macro.objects.create(name="Принтер: драйвер", scope=Scope.DESK, reply_ru="Обновите драйвер")
    customer = CustomerFactory(full_name="Иван Петров")
    incident = make_incident(
        Status.IN_PROGRESS, reporter=customer, agent=agent, title="Не подключается VPN"
    )
    return agent, incident


def test_agent_applies_a_macro_from_the_editor(page: Page, desk, desk_day):
    agent, incident = desk_day
    page.goto(desk.url + "/login/")
    page.fill("input[name=username]", agent.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(desk.url + f"/console/incidents/{incident.number}/")
    page.wait_for_load_state("load")

    page.keyboard.press("m")
    search = page.get_by_test_id("macro-search")
    expect(search).to_be_focused()
    expect(page.get_by_test_id("macro-results")).to_contain_text("Принтер: драйвер")
    # Enter comes as soon as the list for the whole word is shown (it is asked 200 ms after the
    # last letter) and previews its first macro. The choices must work by then: htmx wires
    # new content up when it settles, 20 ms after the swap unless told otherwise. And Enter
    # asks for no list again: Chromium's `search` event on Enter used to, and the new list
    # replaced the choice whose preview was loading, so htmx dropped the preview.
    page.evaluate(ENTER_AFTER_SWAP, "журнал")
    with page.expect_response(lambda response: f"q={quote('журнал')}" in response.url):
        search.type("журнал")
    results = page.get_by_test_id("macro-results")
    expect(results).to_contain_text("Нужен журнал VPN")
    expect(results).not_to_contain_text("Принтер: драйвер")

    preview = page.get_by_test_id("macro-plan")
    expect(preview.get_by_test_id("macro-reply")).to_have_text(
        f"Здравствуйте, Иван Петров! Разбираемся с обращением {incident.number}."
    )
    expect(preview.get_by_test_id("macro-verb-text")).to_have_text(
        "Пришлите, пожалуйста, журнал VPN-клиента."
    )
    expect(preview.get_by_test_id("macro-steps")).to_contain_text(
        "Отложить: Ожидание ответа заявителя"
    )
    apply = preview.get_by_test_id("macro-apply")
    expect(apply).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("status")).to_have_text("Отложен")
    expect(page.locator("main")).to_contain_text("Макрос «Нужен журнал VPN» применён.")
    replies = page.locator("ol.timeline li.is-public-reply")
    expect(replies).to_have_count(2)
    expect(replies.first).to_contain_text("Здравствуйте, Иван Петров!")
    expect(replies.last).to_contain_text("Пришлите, пожалуйста, журнал VPN-клиента.")
    status = page.locator("ol.timeline li[data-kind=status_changed]").last
    expect(status).to_contain_text("Отложен: ожидание ответа заявителя")
    for entry in (replies.first, replies.last, status):
        expect(entry.get_by_test_id("from-macro")).to_have_text("из макроса «Нужен журнал VPN»")
    expect(page.locator("ol.timeline li[data-kind=macro_applied]")).to_contain_text(
        "Применён макрос «Нужен журнал VPN»"
    )
