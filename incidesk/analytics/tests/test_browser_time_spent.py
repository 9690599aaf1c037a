"""Time spent in a real browser (Debian's chromium through Playwright): an agent records minutes
with a reply and with an action in the workspace, then finds them in the report's per-agent and
per-organisation tables and in the files the report's links download (the per-agent CSV and the
incident export)."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.incidents.tests.factories import make_incident

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "pw-123456"


def _download(page: Page, link) -> list[list[str]]:
    with page.expect_download() as download:
        link.click()
    path = download.value.path()
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_minutes_recorded_in_the_workspace_show_in_the_report_and_the_exports(
    page: Page, live_server, reference_data
):
    agent = AgentFactory(email="anna@example.com", full_name="Анна Агентова")
    agent.set_password(PASSWORD)
    agent.save()
    incident = make_incident(
        reporter=CustomerFactory(organisation__name="ООО Альфа"), title="Не печатает принтер"
    )

    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", agent.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)

    page.goto(f"{live_server.url}/console/incidents/{incident.number}/")
    page.wait_for_load_state("networkidle")  # the side panels load after the page
    accept = page.locator("details[data-action=accept]")
    accept.locator("summary").click()
    accept.locator("input[name=accept-minutes]").fill("10")
    accept.locator("button[type=submit]").click()
    expect(page.get_by_test_id("time-spent")).to_contain_text("10")
    page.wait_for_load_state("networkidle")
    page.locator("textarea[name=comment-body]").fill("Заменили картридж, проверяем.")
    page.locator("input[name=comment-minutes]").fill("25")
    page.get_by_test_id("editor-submit").click()
    expect(page.get_by_test_id("time-spent")).to_contain_text("35")
    page.wait_for_load_state("networkidle")

    today = timezone.localdate()
    period = f"date_from={today - timedelta(days=1):%Y-%m-%d}&date_to={today:%Y-%m-%d}"
    page.goto(f"{live_server.url}/reports/?{period}")
    by_agent = page.get_by_test_id("table-time_agents")
    row = by_agent.locator("tbody tr", has_text="Анна Агентова")
    expect(row.locator("td")).to_have_text(["Анна Агентова", "35", "0,58", "1"])  # Russian decimals
    organisations = page.get_by_test_id("table-time_organisations")
    expect(organisations.locator("tbody tr", has_text="ООО Альфа")).to_contain_text("35")

    exported = _download(page, by_agent.get_by_role("link", name="CSV"))
    assert exported[1:] == [["Анна Агентова", "35", "0.58", "1"]]
    incidents = _download(page, page.get_by_role("link", name="Инциденты, CSV"))
    column = incidents[0].index("Затрачено, мин")
    assert {row[0]: row[column] for row in incidents[1:]} == {incident.number: "35"}
