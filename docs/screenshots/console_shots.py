"""Screenshots of the agent console for the docs, taken from a running demo desk.

    INCIDESK_DATA_DIR=/tmp/demo incidesk migrate && incidesk demo --seed 7
    INCIDESK_DATA_DIR=/tmp/demo incidesk runserver 127.0.0.1:8011 &
    .venv/bin/python docs/screenshots/console_shots.py http://127.0.0.1:8011

Signs in as the first demo agent (password demo-agent) in Debian's chromium, 1280 px wide, and
writes console-queue.png and console-workspace.png next to this file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from incidesk.web.tests.browser import CHROMIUM, CHROMIUM_ARGS

HERE = Path(__file__).parent
AGENT = ("a.fedorov@example.com", "demo-agent")


def main(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(
            viewport={"width": 1280, "height": 860}, locale="ru-RU", timezone_id="Europe/Moscow"
        )
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", AGENT[0])
        page.fill("input[name=password]", AGENT[1])
        page.click("main form button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)
        page.goto(f"{base}/console/?queue=team")
        page.screenshot(path=HERE / "console-queue.png")
        page.locator("table.queue-table tbody tr a").first.click()
        page.wait_for_selector("[data-testid=editor]")
        page.screenshot(path=HERE / "console-workspace.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
