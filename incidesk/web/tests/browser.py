"""Playwright against Debian's chromium (never a downloaded browser), for end-to-end tests.

pytest-playwright provides `page`; these fixtures point it at /usr/bin/chromium with the flags a
closed network needs, and give the browser a Russian locale as the first users have.
"""

from __future__ import annotations

import os
import shutil

from playwright.sync_api import Page

CHROMIUM = os.environ.get("INCIDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def chromium_missing() -> bool:
    return shutil.which(CHROMIUM) is None


def next_person(page: Page) -> None:
    """Hand the browser to someone else: forget the cookies once the page's own fragments have
    come back. One still on its way would be answered after the cookies are gone, and a new CSRF
    cookie it brought could outdate the sign-in form the next person is filling in."""
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
