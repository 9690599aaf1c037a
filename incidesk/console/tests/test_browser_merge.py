"""Merge in a real browser (Debian's chromium through Playwright): an agent merges a duplicate
into its original from the workspace, sees the customer's message arrive there marked where it
came from, and takes the merge back."""

import pytest
from playwright.sync_api import Page, expect

from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import AgentFactory
from incidesk.incidents import actions
from incidesk.incidents.models import Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "pw-123456"


def _reporter(incident: Incident) -> User:
    """The reporter `make_incident` always gives."""
    assert incident.reporter is not None
    return incident.reporter


def test_agent_merges_a_duplicate_and_undoes_it(page: Page, desk):
    agent = AgentFactory(email="anna@example.com", full_name="Анна Агентова")
    agent.set_password(PASSWORD)
    agent.save()
    original = make_incident(Status.IN_PROGRESS, agent=agent, title="Не печатает принтер")
    duplicate = make_incident(Status.NEW, reporter=original.reporter, title="Принтер опять")
    actions.do_add_comment(duplicate, actor=_reporter(duplicate), body="Горит оранжевая лампа")

    page.goto(desk.url + "/login/")
    page.fill("input[name=username]", agent.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)

    page.goto(f"{desk.url}/console/incidents/{duplicate.number}/")
    page.on("dialog", lambda dialog: dialog.accept())
    merge = page.locator("details[data-action=merge]")
    page.wait_for_load_state("networkidle")  # the side panels load after the page
    merge.locator("summary").click()
    merge.locator("input[name=merge-target]").fill(original.number)
    merge.locator("button[type=submit]").click()
    expect(page.get_by_test_id("status")).to_have_text("Отменён")
    expect(page.locator("ol.timeline")).to_contain_text(f"объединён с {original.number}")

    page.goto(f"{desk.url}/console/incidents/{original.number}/")
    moved = page.locator("ol.timeline li", has_text="Горит оранжевая лампа")
    expect(moved.get_by_test_id("moved-from")).to_have_text(f"из {duplicate.number}")

    page.goto(f"{desk.url}/console/incidents/{duplicate.number}/")
    undo = page.locator("details[data-action=unmerge]")
    page.wait_for_load_state("networkidle")
    undo.locator("summary").click()
    undo.locator("button[type=submit]").click()
    expect(page.get_by_test_id("status")).to_have_text("В работе")
    expect(page.locator("ol.timeline")).to_contain_text("Горит оранжевая лампа")
