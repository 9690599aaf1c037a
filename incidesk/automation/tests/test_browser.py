"""Routing in a real browser (Debian's chromium through Playwright), in Russian: a lead opens
the rules from the console menu, writes a rule that sends printer incidents to the network team,
simulates it over last week's incidents, sees what would have changed, and saves it."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from incidesk.accounts.tests.factories import LeadFactory
from incidesk.automation.models import RoutingRule
from incidesk.automation.tests.conftest import make_desk
from incidesk.incidents.tests.factories import make_incident

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "pw-123456"


def test_a_lead_writes_a_rule_and_simulates_it(page: Page, desk):
    network = make_desk()
    now = timezone.now()
    for day in range(3):
        with time_machine.travel(now - timedelta(days=day, hours=2), tick=False):
            make_incident(reporter=network.customer, title=f"Не печатает принтер, {day}")
            make_incident(reporter=network.customer, title=f"Не работает VPN, {day}")
    lead = LeadFactory(email="lida@example.com", full_name="Лидия Лидова")
    lead.set_password(PASSWORD)
    lead.save()

    page.goto(desk.url + "/login/")
    page.fill("input[name=username]", lead.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.get_by_test_id("nav-automation").first.click()
    expect(page.get_by_test_id("rules")).to_contain_text(network.rule.name)
    page.get_by_test_id("new-rule").click()

    page.fill("#id_name", "Принтеры — в сеть")
    page.click("main form [data-testid=save-rule]")  # no action yet: refused in words
    expect(page.get_by_test_id("rule-form")).to_contain_text(
        "Правило должно что-то делать: выберите группу, приоритет или метки."
    )
    page.fill("#id_words", "принтер")
    page.select_option("#id_team", label="Сеть")
    page.fill("#id_days", "7")
    page.get_by_test_id("simulate").click()

    simulation = page.get_by_test_id("simulation")
    expect(simulation.get_by_test_id("simulation-summary")).to_contain_text(
        "Проверено 6 инцидентов"
    )
    expect(simulation.get_by_test_id("simulation-summary")).to_contain_text(
        "в другую группу попали бы: 3"
    )
    team_row = simulation.get_by_test_id("simulation-teams").locator("tr", has_text="Сеть")
    expect(team_row.locator("td")).to_have_text(["Сеть", "3", "6"])
    rule_row = simulation.get_by_test_id("simulation-rules").locator("tr", has_text="Принтеры")
    expect(rule_row.locator("td")).to_have_text(["Принтеры — в сеть", "0", "3"])
    expect(simulation.get_by_test_id("simulation-agents")).to_contain_text("Анна")
    assert not RoutingRule.objects.filter(name="Принтеры — в сеть").exists()

    page.get_by_test_id("save-rule").click()
    expect(page.locator("main")).to_contain_text("Правило «Принтеры — в сеть» сохранено.")
    expect(page.get_by_test_id("rules")).to_contain_text("Принтеры — в сеть")
    assert RoutingRule.objects.get(name="Принтеры — в сеть").conditions == {"words": ["принтер"]}
