"""Routing in a real browser (Debian's chromium through Playwright), in Russian: a lead opens
the rules from the console menu, writes a rule that sends printer incidents to the network team,
simulates it over last week's incidents, sees what would have changed, and saves it; a lead marks
an agent away and a simulation in the worker passes over them; an agent sets their absence."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from incidesk.accounts.tests.factories import LeadFactory
from incidesk.automation import runs
from incidesk.automation.models import AgentAvailability, RoutingRule
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
    expect(simulation.get_by_test_id("simulation-sla")).to_contain_text(
        "другой приоритет получили бы 0 инцидентов"
    )
    assert not RoutingRule.objects.filter(name="Принтеры — в сеть").exists()

    page.get_by_test_id("save-rule").click()
    expect(page.locator("main")).to_contain_text("Правило «Принтеры — в сеть» сохранено.")
    expect(page.get_by_test_id("rules")).to_contain_text("Принтеры — в сеть")
    assert RoutingRule.objects.get(name="Принтеры — в сеть").conditions == {"words": ["принтер"]}


def sign_in(page: Page, url: str, user) -> None:
    user.set_password(PASSWORD)
    user.save()
    page.goto(url + "/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda address: "/login/" not in address)


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_lead_marks_an_agent_away_and_the_simulation_passes_over_them(
    page: Page, desk, monkeypatch, run_tasks
):
    """Issue 16: the lead sets an absence in the console (refused in words first), and a
    simulation run by the worker, which the page polls, gives the agent's turns to the others."""
    network = make_desk()
    now = timezone.now()
    for day in range(4):
        with time_machine.travel(now - timedelta(days=day, hours=2), tick=False):
            make_incident(reporter=network.customer, title=f"Не работает VPN, {day}")
    lead = LeadFactory(email="lida@example.com", full_name="Лидия Лидова")
    network.team.lead = lead
    network.team.save()
    monkeypatch.setattr(runs, "INLINE_LIMIT", 0)  # any window goes to the worker

    sign_in(page, desk.url, lead)
    page.get_by_test_id("nav-automation").first.click()
    page.get_by_role("link", name="Автоматическое назначение").click()
    page.get_by_test_id("agents-link").click()
    page.get_by_test_id("agents").get_by_role("link", name="Борис").click()
    page.fill("#id_away_from", local(now - timedelta(days=10)))
    page.fill("#id_away_until", local(now - timedelta(days=11)))
    page.get_by_test_id("save-agent").click()
    expect(page.get_by_test_id("agent-form")).to_contain_text(
        "Отсутствие должно заканчиваться позже, чем начинается."
    )
    page.fill("#id_away_until", "")
    page.get_by_test_id("save-agent").click()
    expect(page.locator("main")).to_contain_text("Доступность специалиста Борис сохранена.")
    row = page.get_by_test_id("agents").locator("tr", has_text="Борис")
    expect(row).to_contain_text("сейчас отсутствует")

    page.goto(desk.url + f"/console/automation/rules/{network.rule.pk}/")
    page.fill("#id_days", "7")
    page.get_by_test_id("simulate").click()
    expect(page.get_by_test_id("simulation-run")).to_contain_text("в фоне")
    run_tasks()

    agents = page.get_by_test_id("simulation-agents")
    expect(agents).to_contain_text("Анна")
    expect(agents).not_to_contain_text("Борис")
    expect(agents.locator("tr", has_text="Анна").locator("td")).to_have_text(
        ["Сеть", "Анна", "2", "2"]
    )


def test_an_agent_sets_their_own_absence_from_the_menu(page: Page, desk):
    network = make_desk()
    anna, boris = network.agents[0], network.agents[1]
    sign_in(page, desk.url, anna)
    page.get_by_test_id("nav-away").first.click()
    page.fill("#id_away_from", local(timezone.now()))
    page.select_option("#id_substitute", label=str(boris))
    page.get_by_test_id("save-away").click()
    expect(page.locator("main")).to_contain_text("Отсутствие сохранено.")
    own = AgentAvailability.objects.get(agent=anna)
    assert own.substitute == boris and own.away_until is None
