"""Screenshots of the portal and the console for the README, taken from a running demo desk.

    export INCIDESK_DATA_DIR=/tmp/demo
    incidesk migrate && incidesk demo --seed 7
    DEBUG=1 incidesk runserver 127.0.0.1:8011 &
    .venv/bin/python docs/screenshots/take.py http://127.0.0.1:8011

Drives Debian's chromium at 1280 px: the demo customer fills in and sends the portal form
(portal-form.png, portal-confirmation.png), then a demo agent opens the team queue and that
incident (console-queue.png, console-workspace.png). Each run registers one more incident.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from incidesk.web.tests.browser import CHROMIUM, CHROMIUM_ARGS

HERE = Path(__file__).parent
CUSTOMER = ("m.ivanova@sevveter.example", "demo-customer")
AGENT = ("d.kozlov@example.com", "demo-agent")


def _signed_in(browser: Browser, base: str, login: tuple[str, str]) -> Page:
    page = browser.new_page(
        viewport={"width": 1280, "height": 860}, locale="ru-RU", timezone_id="Europe/Moscow"
    )
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", login[0])
    page.fill("input[name=password]", login[1])
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    return page


def _portal(browser: Browser, base: str) -> str:
    page = _signed_in(browser, base, CUSTOMER)
    page.goto(f"{base}/incidents/new/")
    page.get_by_label("Коротко: что случилось?").fill("Не подключается VPN: ошибка 809")
    page.get_by_label("Подробности").fill(
        "С утра из дома не подключается VPN, клиент пишет «ошибка 809». Интернет работает."
    )
    page.get_by_label("Мой отдел").check()
    page.get_by_label("Нет, работа остановилась").check()
    page.get_by_label("Контактный телефон").fill("+7 912 345-67-89")
    page.screenshot(path=HERE / "portal-form.png", full_page=True)
    page.get_by_role("button", name="Отправить", exact=True).click()
    page.wait_for_selector("[data-testid=promise]")
    page.screenshot(path=HERE / "portal-confirmation.png")
    return page.get_by_test_id("number").inner_text()


def _console(browser: Browser, base: str, number: str) -> None:
    page = _signed_in(browser, base, AGENT)
    page.goto(f"{base}/console/?queue=team")
    page.screenshot(path=HERE / "console-queue.png")
    page.goto(f"{base}/console/incidents/{number}/")
    page.wait_for_selector("[data-testid=editor]")
    page.screenshot(path=HERE / "console-workspace.png")


def main(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        _console(browser, base, _portal(browser, base))
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
