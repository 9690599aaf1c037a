"""Triggers in a real browser (Debian's chromium through Playwright), in Russian: a lead opens
the triggers from the routing page, is told in words that a notice needs someone to tell,
writes a trigger that tags new VPN incidents and notifies the network team, and the next VPN
incident registered is tagged and the team told, the timeline naming the rule."""

import pytest
from playwright.sync_api import Page, expect

from incidesk.accounts.tests.factories import AgentFactory, LeadFactory, TeamFactory
from incidesk.automation.models import Trigger
from incidesk.incidents.models import EventKind
from incidesk.incidents.tests.factories import make_incident
from incidesk.notifications.models import Notification

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "pw-123456"
RULE = "VPN — сетевой группе"


def test_a_lead_writes_a_trigger_in_the_console_and_it_fires(page: Page, desk, run_tasks):
    team = TeamFactory(name="Сеть")
    agent = AgentFactory(full_name="Антон Сетевой")
    team.members.add(agent)
    lead = LeadFactory(email="lida@example.com", full_name="Лидия Лидова")
    lead.set_password(PASSWORD)
    lead.save()

    page.goto(desk.url + "/login/")
    page.fill("input[name=username]", lead.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.get_by_test_id("nav-automation").first.click()
    page.get_by_test_id("nav-triggers").click()
    page.get_by_test_id("new-trigger").click()

    page.fill("#id_name", RULE)
    page.select_option("#id_event", "registered")
    page.fill("#id_words", "VPN")
    page.fill("#id_tag_list", "vpn")
    page.fill("#id_notice", "Новый инцидент {{ incident.number }}: {{ incident.title }}")
    page.click("main form [data-testid=save-trigger]")  # nobody to tell: refused in words
    expect(page.get_by_test_id("trigger-form")).to_contain_text(
        "Выберите специалиста или группу для уведомления."
    )
    page.select_option("#id_notify_team", label="Сеть")
    page.click("main form [data-testid=save-trigger]")
    expect(page.locator("main")).to_contain_text(f"Триггер «{RULE}» сохранён.")
    expect(page.get_by_test_id("triggers")).to_contain_text(RULE)
    assert Trigger.objects.get(name=RULE).conditions == {"words": ["VPN"]}

    printer = make_incident(title="Не печатает принтер")
    vpn = make_incident(title="Не работает VPN")
    run_tasks()
    printer.refresh_from_db()
    vpn.refresh_from_db()
    assert (printer.tags, vpn.tags) == ([], ["vpn"])
    notice = vpn.events.get(kind=EventKind.NOTIFIED)
    assert notice.data["text"] == f"Новый инцидент {vpn.number}: Не работает VPN"
    assert Notification.objects.filter(event=notice, recipient=agent).exists()

    page.goto(f"{desk.url}/console/incidents/{vpn.number}/")
    expect(page.locator("main")).to_contain_text(f"по правилу «{RULE}»")
    expect(page.locator("main")).to_contain_text("Уведомление для Антон Сетевой")
