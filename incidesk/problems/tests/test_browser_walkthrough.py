"""The lead's walk-through of issue 6 in a real browser: a recurring group becomes a problem,
resolving the problem resolves its incidents (each customer is told), and the problem page
shows the before/after recurrence once a preventive action is done."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, LeadFactory
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.notifications.models import Notification
from incidesk.problems import actions as problem_actions
from incidesk.problems.models import Problem

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TITLES = [
    "VPN не подключается: ошибка 809",
    "Ошибка 809 при подключении к VPN",
    "Не подключается VPN, пишет ошибка 809",
    "VPN ошибка 809 из дома",
]


def test_a_recurring_group_becomes_a_problem_and_its_fix_resolves_every_incident(
    page: Page, desk, run_tasks, time_machine
):
    agent = AgentFactory()
    incidents = [
        make_incident(Status.IN_PROGRESS, title=title, reporter=CustomerFactory(), agent=agent)
        for title in TITLES
    ]
    lead = LeadFactory(email="lead@example.com")
    lead.set_password("lead-pass-1")
    lead.save()

    page.goto(desk.url + "/login/")
    page.fill("input[name=username]", lead.email)
    page.fill("input[name=password]", "lead-pass-1")
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)

    page.goto(desk.url + "/recurring/?days=7")
    run_tasks()  # the task worker groups the incidents; the waiting page polls for its result
    group = page.get_by_test_id("recurring-group").first
    expect(group).to_contain_text("4 инцидента")
    group.locator("input[name=title][type=text]").fill("Шлюз VPN отвечает ошибкой 809")
    group.locator("form[action$='/problems/new/'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/problems/PRB-\d{6}/$"))
    problem = Problem.objects.get()
    assert problem.incidents.count() == 4

    page.get_by_role("link", name="Изменить").click()
    page.locator("[name=root_cause]").fill("Истёк сертификат VPN-шлюза")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/problems/{problem.number}/$"))

    page.get_by_role("button", name=re.compile("^Решить")).click()
    expect(page.locator("#verb-resolve")).to_have_class(re.compile(r"\bshow\b"))
    form = page.locator("#verb-resolve form")
    form.locator("input[name=resolve-resolve_incidents]").check()
    form.locator("textarea[name=resolve-notes]").fill(
        "Обновили сертификат шлюза: переподключитесь."
    )
    form.locator("select[name=resolve-cause]").select_option(index=1)
    form.locator("select[name=resolve-resolution_code]").select_option(index=1)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("Решена")

    run_tasks()
    for incident in incidents:
        incident.refresh_from_db()
        assert incident.status == Status.RESOLVED
        assert incident.resolution_notes == "Обновили сертификат шлюза: переподключитесь."
        assert Notification.objects.filter(
            recipient=incident.reporter, event__incident=incident, event__data__new="resolved"
        ).exists()

    # The preventive action is done; ten days later one more such incident arrives.
    page.goto(desk.url + f"/problems/{problem.number}/")
    page.locator("[name=action-title]").fill("Следить за сроком сертификата")
    page.locator("[name=action-owner]").select_option(label=lead.display_name)
    page.get_by_role("button", name="Добавить действие").click()
    page.get_by_role("button", name="Отметить выполненным").click()
    expect(page.get_by_test_id("preventive-action")).to_contain_text("✓")
    time_machine.move_to(timezone.now() + timedelta(days=10))
    later = make_incident(Status.IN_PROGRESS, title=TITLES[0], agent=agent)
    problem_actions.do_link_incidents(problem, actor=lead, incidents=[later])
    page.reload()
    expect(page.get_by_test_id("before")).to_have_text("4")
    expect(page.get_by_test_id("after")).to_have_text("1")
