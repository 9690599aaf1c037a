"""Issue 14's console in a real browser (Debian's chromium), in Russian and in English, on a
desktop and on a 390 px phone where it applies: a number heard on the phone opens the incident
from a queue that does not hold it, a phone intake, a timeline without internal codes (console
and portal), the cause tree, and the forms' small things."""

import re

import pytest
from playwright.sync_api import Page, expect

from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    LeadFactory,
    TeamFactory,
)
from incidesk.catalog.models import Cause
from incidesk.console.tests.words import coded_story, internal_codes
from incidesk.incidents.models import Channel, Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.web.tests.browser import next_person

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "pw-123456"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WORDS = {
    "ru": {
        "mine": "Мои инциденты",
        "found": "Результаты поиска",
        "everywhere": "Во всех доступных вам инцидентах",
        "phone_channel": "канал: телефон",
        "resolved": "Решён",
        "general": "(в целом)",
        "empty": "— не выбрано —",
        "not_chosen": "Все причины",
    },
    "en": {
        "mine": "My incidents",
        "found": "Search results",
        "everywhere": "In every incident you may see",
        "phone_channel": "channel: phone",
        "resolved": "Resolved",
        "general": "(in general)",
        "empty": "— not selected —",
        "not_chosen": "All causes",
    },
}


@pytest.fixture
def people(desk):
    team = TeamFactory(code="first-line", name="Первая линия")
    agent = AgentFactory(email="dmitry@example.com", full_name="Дмитрий Козлов")
    colleague = AgentFactory(email="boris@example.com", full_name="Борис Коллегов")
    customer = CustomerFactory(email="irina@example.com", full_name="Ирина Смирнова")
    for user in (agent, colleague, customer):
        user.set_password(PASSWORD)
        user.save()
    team.members.add(agent, colleague)
    return team, agent, colleague, customer


def _sign_in(page: Page, desk, user: User, language: str) -> None:
    user.language = language
    user.save()
    page.goto(desk.url + "/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport + 1, (width, viewport)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_number_heard_on_the_phone_opens_the_incident_from_any_queue(
    page: Page, desk, people, language, viewport
):
    _team, agent, colleague, customer = people
    words = WORDS[language]
    theirs = make_incident(
        Status.CLOSED, agent=colleague, reporter=customer, title="Принтер зажёвывает бумагу"
    )
    page.set_viewport_size(viewport)
    _sign_in(page, desk, agent, language)
    page.goto(desk.url + "/console/?queue=mine")
    expect(page.get_by_test_id("queue-empty")).to_be_visible()

    short = str(int(theirs.number.split("-")[1]))
    page.locator("#quick-search").fill(f"инц {short}" if language == "ru" else f"inc{short}")
    page.locator("#quick-search").press("Enter")
    page.wait_for_url(re.compile(rf"/console/incidents/{theirs.number}/$"))
    expect(page.locator("h1")).to_contain_text("Принтер зажёвывает бумагу")

    page.goto(desk.url + "/console/?queue=mine")
    page.locator("#quick-search").fill("принтер")
    page.locator("#quick-search").press("Enter")
    expect(page.locator("h1")).to_have_text(words["found"])
    expect(page.get_by_test_id("search-scope")).to_contain_text(words["everywhere"])
    expect(page.locator(f"tr[data-number='{theirs.number}']")).to_be_visible()
    page.get_by_test_id("keep-queue").click()
    expect(page.get_by_test_id("queue-empty")).to_be_visible()
    page.get_by_test_id("drop-queue").click()
    expect(page.locator(f"tr[data-number='{theirs.number}']")).to_be_visible()
    _no_sideways_scroll(page)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("language", ["ru", "en"])
def test_an_agent_registers_a_callers_incident(page: Page, desk, people, language, viewport):
    team, agent, _colleague, customer = people
    page.set_viewport_size(viewport)
    _sign_in(page, desk, agent, language)
    page.goto(desk.url + "/console/")
    page.get_by_test_id("register-link").click()
    form = page.get_by_test_id("register-form")
    expect(form.locator("select[name=channel]")).to_have_value(Channel.PHONE)

    form.locator("input[name=customer]").press_sequentially("Смирн", delay=30)
    expect(page.locator("#customer-options option")).to_have_count(1)
    expect(page.locator("#customer-options option")).to_have_attribute("value", customer.email)
    form.locator("input[name=customer]").fill(customer.email)
    form.locator("input[name=contact_phone]").fill("+7 912 000-11-22")
    form.locator("input[name=title]").fill("Не открывается 1С после обновления")
    form.locator("textarea[name=description]").fill("Звонок: ошибка при входе в базу")
    form.locator("select[name=urgency]").select_option("high")
    form.locator("select[name=team]").select_option(team.code)
    _no_sideways_scroll(page)
    page.get_by_test_id("register-submit").click()
    page.wait_for_url(re.compile(r"/console/incidents/INC-\d{6}/$"))

    incident = Incident.objects.get(title="Не открывается 1С после обновления")
    assert (incident.reporter, incident.channel, incident.team) == (customer, "phone", team)
    expect(page.locator("ol.timeline")).to_contain_text(WORDS[language]["phone_channel"])
    expect(page.locator(".details")).to_contain_text("+7 912 000-11-22")
    _no_sideways_scroll(page)


def test_a_console_whose_session_ended_goes_to_sign_in_and_comes_back(page: Page, desk, people):
    _team, agent, _colleague, _customer = people
    _sign_in(page, desk, agent, "ru")
    page.goto(desk.url + "/console/?queue=mine")
    next_person(page)  # as when the session expires or ends in another tab
    page.evaluate("htmx.trigger(document.body, 'notifications-changed')")  # the bell asks again

    page.wait_for_url(re.compile(r"/login/\?next=%2Fconsole%2F%3Fqueue%3Dmine$"))
    expect(page.locator("#bell")).to_have_count(0)
    page.fill("input[name=username]", agent.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/console/\?queue=mine$"))
    expect(page.get_by_test_id("queue-empty")).to_be_visible()


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_timeline_shows_no_internal_code(page: Page, desk, people, language):
    team, agent, _colleague, customer = people
    incident = coded_story(customer, agent, team)
    _sign_in(page, desk, agent, language)
    page.goto(desk.url + f"/console/incidents/{incident.number}/")
    console = page.get_by_test_id("timeline").inner_text()
    assert internal_codes(console, language) == []
    assert agent.email not in console and customer.email not in console
    assert "Дмитрий Козлов" in console and "«Первая линия»" in console

    next_person(page)
    page.set_viewport_size(PHONE)
    _sign_in(page, desk, customer, language)
    page.goto(desk.url + f"/incidents/{incident.number}/")
    portal = page.get_by_test_id("timeline").inner_text()
    assert internal_codes(portal, language) == []
    assert agent.email not in portal
    _no_sideways_scroll(page)


def _name(cause: Cause, language: str) -> str:
    return cause.name_en if language == "en" else cause.name_ru


def _tree(page: Page, selector: str) -> list:
    """The select's children in order: an option's label, or [group label, its options]."""
    return page.locator(selector).evaluate(
        """select => Array.from(select.children).map(child => child.tagName === 'OPTGROUP'
            ? [child.label, Array.from(child.children).map(o => o.textContent.trim())]
            : child.textContent.trim())"""
    )


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_cause_picker_is_a_tree_in_the_resolve_form_filters_and_reports(
    page: Page, desk, people, language
):
    _team, agent, _colleague, _customer = people
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    _sign_in(page, desk, agent, language)
    page.goto(desk.url + f"/console/incidents/{incident.number}/")
    # The seed's causes in their fixed order; a cause with sub-causes is a group that starts
    # with the cause itself ("… in general").
    expected = []
    for top in Cause.objects.filter(parent__isnull=True).order_by("position"):
        children = [_name(c, language) for c in top.children.order_by("position")]
        general = f"{_name(top, language)} {WORDS[language]['general']}"
        expected.append(
            [_name(top, language), [general, *children]] if children else _name(top, language)
        )

    page.wait_for_load_state("networkidle")  # the side panels load after the page
    page.locator("details[data-action=resolve] summary").click()
    tree = _tree(page, "select[name=resolve-cause]")
    assert tree[1:] == expected
    assert tree[0] == WORDS[language]["empty"]

    form = page.locator("details[data-action=resolve] form")
    form.locator("select[name=resolve-cause]").select_option("misconfiguration")
    form.locator("select[name=resolve-resolution_code]").select_option("fixed")
    form.locator("textarea[name=resolve-notes]").fill("Исправили настройки драйвера.")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("status")).to_have_text(WORDS[language]["resolved"])
    incident.refresh_from_db()
    assert incident.cause.code == "misconfiguration"

    page.goto(desk.url + "/console/?queue=all")
    filters = _tree(page, "select[name=cause]")
    assert filters[0] == WORDS[language]["not_chosen"]
    assert filters[1:] == expected
    assert "---------" not in page.content()

    lead = LeadFactory(email="lead@example.com")
    lead.set_password(PASSWORD)
    lead.save()
    next_person(page)
    _sign_in(page, desk, lead, language)
    page.goto(desk.url + "/reports/")
    assert _tree(page, "select[name=cause]")[1:] == expected


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_forms_small_things_at_1280(page: Page, desk, people, language):
    team, agent, _colleague, _customer = people
    second = TeamFactory(code="second-line", name="Вторая линия")
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    page.set_viewport_size(DESKTOP)
    _sign_in(page, desk, agent, language)

    page.goto(desk.url + "/console/")
    aside = page.locator("aside").bounding_box()
    for part in ("input[name=name]", "button[type=submit]"):
        box = page.get_by_test_id("save-view").locator(part).bounding_box()
        assert box["x"] >= aside["x"] - 1, part
        assert box["x"] + box["width"] <= aside["x"] + aside["width"] + 1, part
    assert "---------" not in page.content()

    page.goto(desk.url + f"/console/incidents/{incident.number}/")
    header = page.locator("header").inner_text()
    assert not re.search(r"\b(version|версия)\b", header, re.IGNORECASE)
    page.wait_for_load_state("networkidle")
    page.locator("details[data-action=assign] summary").click()
    assign = page.locator("details[data-action=assign]")
    expect(assign.locator("select[name=assign-team]")).to_have_value(team.code)
    expect(assign.locator("select[name=assign-assignee]")).to_have_value(agent.email)
    assign.locator("select[name=assign-team]").select_option(second.code)
    expect(assign.locator("select[name=assign-assignee]")).to_have_value("")
    for row in page.locator(".details dd").all():
        assert row.inner_text().strip() not in ("", "—")
    assert "---------" not in page.content()
