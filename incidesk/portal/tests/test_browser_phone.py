"""The customer's day in a real browser (Debian's chromium): the bell, the portal on a 390 px
phone, the quoted question and the promise that names the day, in Russian and English."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Page, expect

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.incidents import actions
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.notifications.inbox import unread_count
from incidesk.portal.tests.test_browser_portal import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
WORDS = {
    "ru": {
        "attach": "Прикрепить файлы",
        "files": "Вложения",
        "notifications": "Уведомления",
        "read_one": "Прочитано",
        "read_all": "Отметить все прочитанными",
        "all_read": "Всё прочитано.",
        "details": "Нужны подробности от вас",
        "title": "Коротко: что случилось?",
        "send": "Отправить",
        "promise": "Ответим в течение 2 рабочих дней — во вторник, 19 января, до 18:00",
        "status": "проверено, решаем",
    },
    "en": {
        "attach": "Attach files",
        "files": "Attachments",
        "notifications": "Notifications",
        "read_one": "Mark as read",
        "read_all": "Mark all as read",
        "all_read": "Everything is read.",
        "details": "We need more details from you",
        "title": "In a few words, what happened?",
        "send": "Send",
        "promise": "We will answer within 2 working days — on Tuesday, 19 January, by 18:00",
        "status": "verified, being resolved",
    },
}
LONG_TITLE = "Не открывается вложение в почте: ошибка " + "0x800CCC0E" * 6
# A Friday evening after the working day: a report with the form's defaults (low priority, two
# working days to the first response) is due on Tuesday, said «во вторник».
FRIDAY_EVENING = datetime(2027, 1, 15, 17, 30, tzinfo=ZoneInfo("Europe/Moscow"))


def _customer(language: str):
    customer = CustomerFactory(language=language, full_name="Анна Смирнова")
    customer.set_password("customer-pass-1")
    customer.save()
    return customer


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width


@pytest.mark.parametrize("language", ["ru", "en"])
def test_my_incidents_are_cards_and_the_form_takes_one_thumb_on_a_phone(
    page: Page, desk, tmp_path, language
):
    words = WORDS[language]
    customer = _customer(language)
    for title in ("Не печатает принтер", LONG_TITLE):
        make_incident(Status.IN_PROGRESS, reporter=customer, title=title)
    page.set_viewport_size(PHONE)
    sign_in(page, desk.url, customer.email, "customer-pass-1")
    page.goto(desk.url + "/incidents/")
    cards = page.get_by_test_id("incident-card")
    expect(cards).to_have_count(2)
    expect(cards.first.get_by_test_id("status")).to_have_text(words["status"])
    expect(cards.filter(has_text="0x800CCC0E")).to_be_visible()
    _no_sideways_scroll(page)

    page.goto(desk.url + "/incidents/new/")
    attach = page.get_by_test_id("attach-files")
    expect(attach).to_have_text(words["attach"])
    box = attach.bounding_box()
    assert box is not None and box["width"] >= PHONE["width"] * 0.75, box
    assert box["height"] >= 44, box  # a thumb's target
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n")
    page.get_by_label(words["files"]).set_input_files(str(photo))
    expect(page.locator("[data-file-list]")).to_contain_text("photo.png")
    _no_sideways_scroll(page)


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_bell_counts_lists_and_marks_read_on_a_phone(page: Page, desk, run_tasks, language):
    words = WORDS[language]
    customer = _customer(language)
    agent = AgentFactory(full_name="Дмитрий Козлов")
    incident = make_incident(Status.ON_HOLD, reporter=customer, agent=agent)
    run_tasks()
    unread = unread_count(customer)
    assert unread == 3  # taken into work, the question, waiting for the answer
    page.set_viewport_size(PHONE)
    sign_in(page, desk.url, customer.email, "customer-pass-1")
    bell = page.get_by_test_id("bell")
    expect(bell.get_by_test_id("bell-count")).to_have_text(str(unread))
    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["notifications"])
    items = page.get_by_test_id("notification")
    expect(items).to_have_count(unread)
    expect(items.first).to_contain_text(words["details"])
    _no_sideways_scroll(page)

    items.first.get_by_role("button", name=words["read_one"]).click()
    expect(page.get_by_test_id("bell-count")).to_have_text(str(unread - 1))
    expect(page.locator("[data-testid=notification][data-unread]")).to_have_count(unread - 1)
    page.get_by_role("button", name=words["read_all"]).click()
    expect(page.get_by_test_id("unread-summary")).to_have_text(words["all_read"])
    expect(page.get_by_test_id("bell-count")).to_have_count(0)
    assert unread_count(customer) == 0

    page.get_by_test_id("notification").first.get_by_role("link", name=incident.number).click()
    expect(page.get_by_test_id("number")).to_have_text(incident.number)


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_details_box_quotes_the_question_and_the_promise_names_the_day(
    page: Page, desk, language
):
    words = WORDS[language]
    customer = _customer(language)
    agent = AgentFactory(full_name="Дмитрий Козлов")
    question = "Какая модель принтера? Пришлите, пожалуйста, фото наклейки."
    with time_machine.travel(FRIDAY_EVENING, tick=True):
        asked = actions.do_request_info(
            make_incident(Status.IN_PROGRESS, reporter=customer, agent=agent),
            actor=agent,
            message=question,
        )
        page.set_viewport_size(PHONE)
        sign_in(page, desk.url, customer.email, "customer-pass-1")
        page.goto(desk.url + f"/incidents/{asked.number}/")
        box = page.get_by_test_id("info-request")
        expect(box.get_by_test_id("info-question")).to_contain_text(question)
        expect(box.get_by_test_id("info-question")).to_contain_text("Дмитрий Козлов")
        _no_sideways_scroll(page)

        page.goto(desk.url + "/incidents/new/")
        page.get_by_label(words["title"]).fill("Не работает VPN")
        page.get_by_role("button", name=words["send"]).click()
        page.wait_for_url(re.compile(r"/submitted/$"))
        expect(page.get_by_test_id("promise")).to_have_text(words["promise"])
