"""Adding a colleague to an incident in a real browser (Debian's chromium through Playwright):
the reporter adds them, the colleague signs in, sees the incident without its verbs, replies,
and stops receiving its news."""

import pytest
from playwright.sync_api import Page, expect

from incidesk.accounts.tests.factories import OrganisationFactory
from incidesk.incidents.models import Comment, Watcher
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.portal.tests.test_browser_portal import _customer, sign_in
from incidesk.web.tests.browser import next_person

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_reporter_adds_a_colleague_who_reads_and_replies_but_cannot_confirm(desk, page: Page):
    organisation = OrganisationFactory(name="ООО Ромашка")
    reporter = _customer(email="ivan@example.com", organisation=organisation)
    colleague = _customer(
        email="olga@example.com", full_name="Ольга Смирнова", organisation=organisation
    )
    _customer(email="stranger@example.com")
    incident = make_incident(Status.RESOLVED, reporter=reporter)

    sign_in(page, desk.url, reporter.email, "customer-pass-1")
    page.goto(f"{desk.url}/incidents/{incident.number}/")
    add = page.get_by_test_id("add-watcher")
    add.get_by_label("Эл. почта коллеги").fill("stranger@example.com")
    add.get_by_role("button", name="Добавить коллегу").click()
    expect(page.locator("[data-field=email]")).to_have_text(
        "Добавить можно только коллег из вашей организации."
    )
    add = page.get_by_test_id("add-watcher")
    add.get_by_label("Эл. почта коллеги").fill("olga@example.com")
    add.get_by_role("button", name="Добавить коллегу").click()
    expect(page.get_by_test_id("watcher")).to_contain_text("Ольга Смирнова")
    assert Watcher.objects.get(incident=incident).person == colleague

    next_person(page)
    sign_in(page, desk.url, colleague.email, "customer-pass-1")
    page.goto(f"{desk.url}/incidents/{incident.number}/")
    expect(page.get_by_test_id("watching")).to_be_visible()
    expect(page.get_by_role("button", name="Подтвердить, что исправлено")).to_have_count(0)
    expect(page.get_by_test_id("add-watcher")).to_have_count(0)
    page.get_by_label("Ваше сообщение").fill("У меня тоже всё работает.")
    page.get_by_role("button", name="Отправить", exact=True).click()
    expect(page.get_by_test_id("timeline")).to_contain_text("У меня тоже всё работает.")
    assert Comment.objects.get(incident=incident, author=colleague).visibility == "public"

    page.get_by_role("button", name="Больше не получать новости").click()
    expect(page).to_have_url(f"{desk.url}/incidents/")
    expect(page.get_by_text("olga@example.com больше не будет получать новости")).to_be_visible()
    assert not Watcher.objects.exists()
