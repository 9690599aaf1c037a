"""Whether articles help: "did this help?", the owner's tasks (a "no", the validity reminder),
and deflection counted per article in the report."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, LeadFactory
from incidesk.analytics.filters import ReportFilter
from incidesk.incidents import actions as incident_actions
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.knowledge import actions, report
from incidesk.knowledge.models import OwnerTask, TaskKind
from incidesk.knowledge.status import ArticleStatus
from incidesk.knowledge.tests.factories import make_article

pytestmark = pytest.mark.django_db
MOSCOW = ZoneInfo("Europe/Moscow")
MONDAY = datetime(2026, 11, 9, 10, 0, tzinfo=MOSCOW)


def test_a_no_becomes_a_task_for_the_owner_with_the_comment():
    owner = AgentFactory()
    article = make_article(owner)
    client = Client()
    client.force_login(CustomerFactory())
    response = client.post(
        reverse("kb:feedback", args=[article.pk]), {"helped": "no", "comment": "Не нашёл кнопку"}
    )
    assert response.status_code == 302
    task = OwnerTask.objects.get(kind=TaskKind.NOT_HELPED)
    assert (task.owner, task.article, task.text) == (owner, article, "Не нашёл кнопку")
    client.force_login(owner)
    assert "Не нашёл кнопку" in client.get(reverse("knowledge:list")).content.decode()
    client.post(reverse("knowledge:task_done", args=[task.pk]))
    task.refresh_from_db()
    assert task.done_at is not None


def test_a_yes_creates_no_task_and_a_later_answer_replaces_the_first():
    article = make_article(AgentFactory())
    reader = CustomerFactory()
    actions.do_give_feedback(article, reader, helped=False)
    actions.do_give_feedback(article, reader, helped=True)
    assert list(article.feedback.values_list("helped", flat=True)) == [True]


def test_the_owner_is_reminded_before_the_validity_runs_out_once(run_tasks):
    owner = AgentFactory()
    with time_machine.travel(MONDAY, tick=False):
        article = make_article(owner, valid_until=date(2026, 12, 31))
    with time_machine.travel(datetime(2026, 12, 16, 12, 0, tzinfo=MOSCOW), tick=False):
        run_tasks()
    assert not OwnerTask.objects.filter(kind=TaskKind.EXPIRING).exists()
    with time_machine.travel(datetime(2026, 12, 17, 12, 0, tzinfo=MOSCOW), tick=False):
        run_tasks()
        run_tasks()
    task = OwnerTask.objects.get(kind=TaskKind.EXPIRING)
    assert (task.owner, task.article, task.key) == (owner, article, "2026-12-31")


def test_a_moved_date_makes_the_old_reminder_stale(run_tasks):
    owner = AgentFactory()
    with time_machine.travel(MONDAY, tick=False):
        article = make_article(owner, valid_until=date(2026, 12, 31))
        actions.do_edit_article(article, actor=owner, valid_until=date(2027, 6, 30))
    with time_machine.travel(datetime(2027, 1, 5, 12, 0, tzinfo=MOSCOW), tick=False):
        run_tasks()
    assert not OwnerTask.objects.filter(kind=TaskKind.EXPIRING).exists()


def measures(row, *names):
    """The report's measures of one article row (annotations the model does not declare)."""
    return tuple(getattr(row, f"n_{name}") for name in names)


def _filter() -> ReportFilter:
    return ReportFilter(start=date(2026, 11, 9), end=date(2026, 11, 13), zone=MOSCOW)


def test_deflection_views_answers_and_incidents_after_viewing():
    agent = AgentFactory()
    with time_machine.travel(MONDAY, tick=False):
        article = make_article(agent, lead=LeadFactory())
        helped, filed, silent, stranger = (CustomerFactory() for _ in range(4))
        for reader in (helped, filed, silent):
            actions.record_view(article, reader, suggested=True)
        actions.record_view(article, stranger, suggested=False)
        actions.record_view(article, agent, suggested=True)  # the desk is not counted
        actions.do_give_feedback(article, helped, helped=True)
        actions.do_give_feedback(article, stranger, helped=False)
    with time_machine.travel(MONDAY + timedelta(hours=3), tick=False):
        make_incident(reporter=filed, title="Всё равно не печатает")
    with time_machine.travel(MONDAY + timedelta(hours=23), tick=False):
        (row,), totals = report.report(_filter())
    # within the window nothing is a deflection yet
    assert measures(row, "views", "potential", "confirmed", "filed_after") == (4, 0, 0, 1)
    with time_machine.travel(MONDAY + timedelta(hours=25), tick=False):
        (row,), totals = report.report(_filter())
    assert measures(row, "views", "helped", "not_helped") == (4, 1, 1)
    assert measures(row, "potential", "confirmed", "filed_after") == (2, 1, 1)
    assert totals.confirmed == 1 and totals.potential == 2


def test_incidents_that_used_the_article_and_were_reopened():
    agent = AgentFactory()
    with time_machine.travel(MONDAY, tick=False):
        article = make_article(agent)
        customer = CustomerFactory()
        incident = make_incident(Status.RESOLVED, reporter=customer, agent=agent)
        actions.do_link_article(incident, article, actor=agent)
        incident_actions.do_reopen(incident, actor=customer, reason="Не помогло")
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        (row,), _totals = report.report(_filter())
    assert measures(row, "reopened") == (1,)


def test_the_report_page_for_the_desk():
    agent = AgentFactory()
    article = make_article(agent, title_ru="Печать", status=ArticleStatus.PUBLISHED)
    actions.record_view(article, CustomerFactory(), suggested=False)
    client = Client()
    client.force_login(agent)
    page = client.get(reverse("knowledge:report"), {"date_from": "2020-01-01"})
    assert page.status_code == 200
    assert "Печать" in page.content.decode()
    # the reports' dashboard leads there with its filter
    dashboard = client.get(reverse("analytics:dashboard"), {"date_from": "2020-01-01"})
    assert f"{reverse('knowledge:report')}?date_from=2020-01-01" in dashboard.content.decode()
