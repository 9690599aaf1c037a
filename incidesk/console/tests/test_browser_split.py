"""Split in a real browser (Debian's chromium through Playwright): an agent splits a customer's
second problem, with its file, out of an incident into a new one, which keeps the reporter,
copies the classification and is linked "split from" the old one."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from incidesk.accounts.tests.factories import AgentFactory
from incidesk.catalog.models import Category
from incidesk.incidents import actions
from incidesk.incidents.models import Incident, IncidentLink, LinkKind
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "pw-123456"


def test_agent_splits_a_comment_into_a_new_linked_incident(page: Page, desk):
    agent = AgentFactory(email="anna@example.com", full_name="Анна Агентова")
    agent.set_password(PASSWORD)
    agent.save()
    incident = make_incident(
        Status.IN_PROGRESS,
        agent=agent,
        title="Не печатает принтер",
        category=Category.objects.get(code="printer"),
        urgency="high",
    )
    assert incident.reporter is not None
    comment = actions.do_add_comment(
        incident, actor=incident.reporter, body="И ещё: сканер не видит сеть."
    )
    actions.do_add_attachment(
        incident,
        actor=incident.reporter,
        upload=SimpleUploadedFile("scanner.txt", b"scanner log"),
        comment=comment,
    )

    page.goto(desk.url + "/login/")
    page.fill("input[name=username]", agent.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)

    page.goto(f"{desk.url}/console/incidents/{incident.number}/")
    split = page.locator("details[data-action=split]")
    page.wait_for_load_state("networkidle")  # the side panels load after the page
    split.locator("summary").click()
    split.locator("select[name=split-comment]").select_option(str(comment.pk))
    split.locator("input[name=split-title]").fill("Сканер не видит сеть")
    split.locator("button[type=submit]").click()

    new = Incident.objects.exclude(pk=incident.pk).get()
    expect(page.locator("ol.timeline")).to_contain_text(f"выделено в {new.number}")
    page.wait_for_load_state("networkidle")
    assert (new.reporter, new.category, new.urgency, new.title) == (
        incident.reporter,
        incident.category,
        "high",
        "Сканер не видит сеть",
    )
    assert IncidentLink.objects.filter(
        source=new, target=incident, kind=LinkKind.SPLIT_FROM
    ).exists()
    assert list(new.attachments.values_list("original_name", flat=True)) == ["scanner.txt"]

    page.goto(f"{desk.url}/console/incidents/{new.number}/")
    page.wait_for_load_state("networkidle")
    moved = page.locator("ol.timeline li", has_text="И ещё: сканер не видит сеть.")
    expect(moved.get_by_test_id("moved-from")).to_have_text(f"из {incident.number}")
    expect(moved).to_contain_text("scanner.txt")
    link = page.get_by_role("term").filter(has_text="Выделен из")
    expect(link).to_be_visible()
    expect(link.locator("xpath=following-sibling::dd[1]")).to_have_text(incident.number)
