"""The portal in a real browser (Debian's chromium through Playwright)."""

import re

import pytest
from playwright.sync_api import Page, expect

from incidesk.accounts.tests.factories import CustomerFactory
from incidesk.incidents.models import Incident

pytestmark = [pytest.mark.browser, pytest.mark.slow]

XSS = "<img src=x onerror=alert(1)>"


def _customer(**fields):
    customer = CustomerFactory(**fields)
    customer.set_password("customer-pass-1")
    customer.save()
    return customer


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(base + "/login/")
    page.get_by_label(re.compile("Электронная почта|E-mail")).fill(email)
    page.get_by_label(re.compile("Пароль|Password")).fill(password)
    page.get_by_role("button", name=re.compile("^(Войти|Sign in)$")).last.click()


def test_visitor_reports_with_a_file_confirms_by_mail_and_follows_the_private_link(
    desk, page: Page, tmp_path, run_tasks, mailoutbox, settings
):
    settings.INCIDESK_BASE_URL = desk.url
    screenshot = tmp_path / "scan.png"
    screenshot.write_bytes(b"\x89PNG\r\n\x1a\n")
    page.goto(desk.url + "/incidents/new/")
    page.get_by_label("Ваше имя").fill("Анна Смирнова")
    page.get_by_label("Ваша электронная почта").fill("anna@example.com")
    page.get_by_label("Коротко: что случилось?").fill("Не работает VPN")
    page.get_by_label("Подробности").fill("Ошибка 809")
    page.get_by_label("Нет, работа остановилась").check()
    page.get_by_label("Вложения").set_input_files(str(screenshot))
    page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_test_id("check-mail")).to_have_text(
        "Проверьте почту: мы отправили ссылку для подтверждения на anna@example.com"
    )
    assert not Incident.objects.exists()
    run_tasks()
    link = re.search(r"http://\S+/confirm/\S+/", mailoutbox[0].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Подтвердить").click()
    incident = Incident.objects.get()
    expect(page.get_by_test_id("number")).to_have_text(incident.number)
    expect(page.get_by_test_id("promise")).to_contain_text("Ответим в течение")
    page.get_by_test_id("tracking-link").click()
    expect(page.get_by_test_id("status")).to_have_text("зарегистрировано, ожидает проверки")
    expect(page.get_by_role("link", name="scan.png")).to_be_visible()


def test_hostile_text_stays_inert_and_english_renders(desk, page: Page):
    customer = _customer(email="ivan@example.com")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, desk.url, customer.email, "customer-pass-1")
    page.goto(desk.url + "/incidents/new/")
    page.get_by_label("Коротко: что случилось?").fill(XSS)
    page.get_by_role("button", name="Отправить").click()
    page.get_by_role("link", name="Открыть обращение").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(XSS)
    page.get_by_role("button", name="EN").click()
    expect(page.get_by_test_id("status")).to_have_text("registered, awaiting verification")
    expect(page.get_by_role("link", name="My incidents")).to_be_visible()
    assert dialogs == []
    customer.refresh_from_db()
    assert customer.language == "en"
