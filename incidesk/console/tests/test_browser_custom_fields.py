"""In a real browser (Debian's chromium through Playwright): an agent tries to resolve an
incident while a field required to resolve is empty, reads the reason at that field, fills
it in and resolves; the queue's filter finds the incident by the value."""

import pytest
from playwright.sync_api import Page, expect

from incidesk.accounts.tests.factories import AgentFactory
from incidesk.fields.models import FieldType
from incidesk.fields.tests.factories import SEVERITY, make_field
from incidesk.incidents.models import Incident
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "pw-123456"


def test_resolve_waits_for_the_required_field_then_the_queue_filters_by_it(page: Page, desk):
    make_field(
        "severity",
        FieldType.CHOICE,
        choices=SEVERITY,
        label_ru="Серьёзность",
        label_en="Severity",
        required_on_resolve=True,
    )
    agent = AgentFactory(email="anna@example.com", full_name="Анна Агентова")
    agent.set_password(PASSWORD)
    agent.save()
    incident = make_incident(Status.IN_PROGRESS, agent=agent, title="Сканер не сканирует")

    page.goto(desk.url + "/login/")
    page.fill("input[name=username]", agent.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(f"{desk.url}/console/incidents/{incident.number}/")
    page.wait_for_load_state("networkidle")  # the side panels load after the page

    resolve = page.locator("details[data-action=resolve]")
    resolve.locator("summary").click()
    resolve.locator("select[name='resolve-cause']").select_option("software_error")
    resolve.locator("select[name='resolve-resolution_code']").select_option("workaround")
    resolve.locator("textarea[name='resolve-notes']").fill("Обновили драйвер сканера.")
    expect(resolve.locator("select[name='resolve-custom.severity']")).to_have_value("")
    resolve.locator("button[type=submit]").click()

    page.wait_for_load_state("networkidle")
    resolve = page.locator("details[data-action=resolve]")
    error = resolve.locator(".invalid-feedback[data-field='resolve-custom.severity']")
    expect(error).to_have_text("Заполните, чтобы решить инцидент.")
    expect(page.get_by_test_id("status")).to_have_text("В работе")
    assert Incident.objects.get(pk=incident.pk).status == Status.IN_PROGRESS
    # What the agent typed is still there: only the missing field is left to fill.
    expect(resolve.locator("textarea[name='resolve-notes']")).to_have_value(
        "Обновили драйвер сканера."
    )

    resolve.locator("select[name='resolve-custom.severity']").select_option("high")
    resolve.locator("button[type=submit]").click()
    expect(page.get_by_test_id("status")).to_have_text("Решён")
    stored = Incident.objects.get(pk=incident.pk)
    assert (stored.status, stored.custom) == (Status.RESOLVED, {"severity": "high"})

    page.goto(f"{desk.url}/console/?queue=all")
    filters = page.get_by_test_id("filters")
    page.locator("details.filters summary").click()
    filters.get_by_label("Серьёзность").select_option("low")
    filters.locator("button[type=submit]").click()
    expect(page.get_by_role("link", name=incident.number)).to_have_count(0)
    filters.get_by_label("Серьёзность").select_option("high")
    filters.locator("button[type=submit]").click()
    expect(page.get_by_role("link", name=incident.number)).to_be_visible()
