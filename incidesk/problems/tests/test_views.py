"""The problem pages: staff only, each form through the actions, errors beside their fields."""

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, LeadFactory
from incidesk.catalog.models import Cause, ResolutionCode
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.problems import actions
from incidesk.problems.models import Problem
from incidesk.problems.status import ProblemStatus
from incidesk.problems.tests.factories import make_problem

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def problem():
    return make_problem(actor=AgentFactory(), root_cause="Истёк сертификат")


def _pages(problem):
    return [
        reverse("problems:list"),
        reverse("problems:new"),
        reverse("problems:recurrence"),
        reverse("problems:detail", args=[problem.number]),
        reverse("problems:edit", args=[problem.number]),
    ]


def test_customers_get_403_and_strangers_the_login_page(problem):
    customer = _client(CustomerFactory())
    for url in _pages(problem):
        assert customer.get(url).status_code == 403, url
        assert Client().get(url).status_code == 302, url
    url = reverse("problems:link", args=[problem.number])
    assert customer.post(url, {"link-incidents": "INC-000001"}).status_code == 403


def test_staff_see_every_page_in_russian_by_default(problem):
    client = _client(AgentFactory())
    for url in _pages(problem):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "Проблемы" in client.get(reverse("problems:list")).content.decode()
    assert client.get(reverse("problems:detail", args=["PRB-000404"])).status_code == 404


def test_list_filters_by_status_owner_and_words():
    agent, other = AgentFactory(), AgentFactory()
    vpn = make_problem(actor=agent, title="VPN рвётся")
    make_problem(actor=other, title="Принтер не печатает")
    client = _client(agent)
    page = client.get(reverse("problems:list"), {"q": "впн"}).content.decode()
    assert "PRB-" not in page
    page = client.get(reverse("problems:list"), {"q": "vpn"}).content.decode()
    assert vpn.number in page and "PRB-000002" not in page
    page = client.get(reverse("problems:list"), {"owner": other.pk}).content.decode()
    assert "PRB-000002" in page and vpn.number not in page
    page = client.get(reverse("problems:list"), {"status": "closed"}).content.decode()
    assert "PRB-" not in page


def test_create_and_edit(problem):
    agent = AgentFactory()
    client = _client(agent)
    response = client.post(reverse("problems:new"), {"title": "", "owner": agent.pk})
    assert response.status_code == 422
    response = client.post(reverse("problems:new"), {"title": "Сбой почты", "owner": agent.pk})
    created = Problem.objects.get(title="Сбой почты")
    assert response["Location"] == reverse("problems:detail", args=[created.number])
    client.post(
        reverse("problems:edit", args=[created.number]),
        {"title": "Сбой почты", "owner": agent.pk, "root_cause": "Переполнен диск"},
    )
    created.refresh_from_db()
    assert created.root_cause == "Переполнен диск"
    assert created.events.filter(kind="field_changed").count() == 1


def test_link_and_resolve_with_the_incidents_from_the_page(problem):
    lead = LeadFactory()
    incident = make_incident(Status.IN_PROGRESS)
    client = _client(lead)
    detail = reverse("problems:detail", args=[problem.number])
    bad = client.post(reverse("problems:link", args=[problem.number]), {"link-incidents": "INC-9"})
    assert bad.status_code == 422
    assert "INC-9" in bad.content.decode()
    client.post(
        reverse("problems:link", args=[problem.number]), {"link-incidents": incident.number}
    )
    page = client.get(detail).content.decode()
    assert incident.number in page
    assert "Также решить 1 открытый связанный инцидент" in page
    missing = client.post(
        reverse("problems:verb", args=[problem.number, "resolve"]),
        {"resolve-resolve_incidents": "on", "resolve-notes": "Починили"},
    )
    assert missing.status_code == 422
    response = client.post(
        reverse("problems:verb", args=[problem.number, "resolve"]),
        {
            "resolve-resolve_incidents": "on",
            "resolve-notes": "Починили",
            "resolve-cause": Cause.objects.get(code="misconfiguration").pk,
            "resolve-resolution_code": ResolutionCode.objects.get(code="fixed").pk,
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    problem.refresh_from_db()
    assert (problem.status, incident.status) == (ProblemStatus.RESOLVED, Status.RESOLVED)


def test_preventive_action_from_the_page(problem):
    agent = AgentFactory()
    client = _client(agent)
    client.post(
        reverse("problems:add_action", args=[problem.number]),
        {"action-title": "Мониторинг сертификатов", "action-owner": agent.pk},
    )
    action = problem.actions.get()
    client.post(reverse("problems:action_done", args=[problem.number, action.pk]), {"done": "1"})
    action.refresh_from_db()
    assert action.done
    page = client.get(reverse("problems:detail", args=[problem.number])).content.decode()
    assert "Мониторинг сертификатов" in page
    assert 'data-testid="before"' in page


def test_known_error_panel_for_the_incident_workspace(problem, client):
    agent = AgentFactory()
    incident = make_incident()
    actions.do_link_incidents(problem, actor=agent, incidents=[incident])
    actions.do_mark_known_error(problem, actor=agent, workaround="Войти в VPN заново")
    slot = Template("{% load problems %}{% known_error_panel incident %}").render(
        Context({"incident": incident})
    )
    url = reverse("problems:known_errors", args=[incident.number])
    assert f'hx-get="{url}"' in slot
    client.force_login(agent)
    html = client.get(url).content.decode()
    assert "Войти в VPN заново" in html and problem.number in html
    assert "known-error" in html
    other = make_incident(title="Сломалась кофемашина на кухне")
    blank = client.get(reverse("problems:known_errors", args=[other.number]))
    assert blank.content.decode().strip() == ""
    client.force_login(other.reporter)
    assert client.get(url).status_code == 403


def test_a_problem_has_a_name_and_its_incidents_a_subject(problem):
    """ "Title" is a problem's «Название» and an incident's «Тема», on the same pages."""
    agent = AgentFactory()
    actions.do_link_incidents(problem, actor=agent, incidents=[make_incident(Status.NEW)])
    client = _client(agent)
    listing = client.get(reverse("problems:list")).content.decode()
    assert '<th scope="col">Название</th>' in listing
    detail = client.get(reverse("problems:detail", args=[problem.number])).content.decode()
    assert '<th scope="col">Тема</th>' in detail
    assert '<th scope="col">Зарегистрирован</th>' in detail
    form = client.get(reverse("problems:edit", args=[problem.number])).content.decode()
    assert ">Название <span" in form and ">Отмена</a>" in form
