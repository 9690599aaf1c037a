"""The recurring-problems page, its actions, and the intake suggestions with theirs."""

import pytest
from django.test import Client
from django.urls import reverse

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, LeadFactory
from incidesk.incidents import actions
from incidesk.incidents.models import Incident, IncidentLink, LinkKind
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.problems.tests.factories import make_problem
from incidesk.recurring.tests.helpers import customers, make_known_error, make_vpn_wave

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=user.language)
    client.force_login(user)
    return client


def test_groups_page_is_for_leads_and_reads_in_russian(run_tasks):
    make_vpn_wave()
    assert _client(AgentFactory()).get(reverse("recurring:groups")).status_code == 403
    lead = LeadFactory(language="ru")
    waiting = _client(lead).get(reverse("recurring:groups"), {"days": 7}).content.decode()
    assert 'hx-trigger="load delay:3s"' in waiting and 'hx-select="#groups"' in waiting
    assert 'data-testid="recurring-group"' not in waiting
    run_tasks()
    page = _client(lead).get(reverse("recurring:groups"), {"days": 7}).content.decode()
    assert 'hx-select="#groups"' not in page  # the result is there: no more polling
    assert "5 инцидентов по теме «" in page
    assert "за 7 дней, 5 организаций" in page
    assert "та же услуга" in page
    assert page.count('name="incident"') == 5


def test_create_a_problem_from_a_group_links_its_incidents():
    wave = make_vpn_wave()
    lead = LeadFactory()
    response = _client(lead).post(
        reverse("recurring:create_problem"),
        {
            "incident": [incident.number for incident in wave],
            "shared": ["service"],
            "title": "VPN: ошибка 809",
        },
    )
    linked = Incident.objects.filter(pk__in=[i.pk for i in wave]).values_list("problem", flat=True)
    problem = Incident.objects.get(pk=wave[0].pk).problem
    assert problem.title == "VPN: ошибка 809" and problem.service == wave[0].service
    assert set(linked) == {problem.pk}
    assert response.url == reverse("problems:detail", args=[problem.number])


def test_link_a_group_to_an_existing_problem():
    wave = make_vpn_wave()
    problem = make_problem()
    lead = LeadFactory()
    _client(lead).post(
        reverse("recurring:link_problem"),
        {"incident": [incident.number for incident in wave], "problem": problem.number},
    )
    assert problem.incidents.count() == 5


def test_suggestions_for_a_customer_show_known_errors_never_incidents():
    theirs = customers(1)[0]
    make_vpn_wave([theirs] * 5)
    make_known_error("VPN: ошибка 809 при подключении", "Перезагрузите роутер.")
    customer = CustomerFactory()
    html = _client(customer).get(reverse("recurring:suggest"), {"title": "vpn oshibka 809"})
    page = html.content.decode()
    assert "Перезагрузите роутер." in page
    assert 'data-testid="similar-incident"' not in page
    assert "INC-" not in page
    assert Client().get(reverse("recurring:suggest"), {"title": "vpn 809"}).content == b""


def test_this_is_my_problem_too_registers_and_links_instead_of_duplicating():
    known = make_known_error("VPN: ошибка 809 при подключении", "Перезагрузите роутер.")
    customer = CustomerFactory()
    response = _client(customer).post(
        reverse("recurring:same_problem", args=[known.number]),
        {"title": "VPN опять ошибка 809", "description": "С утра"},
    )
    incident = Incident.objects.get(reporter=customer)
    assert incident.problem == known and incident.title == "VPN опять ошибка 809"
    assert response.url == reverse("portal:incident", args=[incident.number])


def test_this_is_my_problem_too_refuses_someone_elses_incident():
    known = make_known_error("VPN: ошибка 809", "Перезагрузите роутер.")
    other = make_incident(title="VPN ошибка 809")
    _client(CustomerFactory()).post(
        reverse("recurring:same_problem", args=[known.number]), {"incident": other.number}
    )
    other.refresh_from_db()
    assert other.problem is None


def test_staff_suggestions_beside_an_incident_offer_duplicate_and_major_links():
    first, *_ = make_vpn_wave()
    agent = AgentFactory()
    page = _client(agent).get(reverse("recurring:suggest"), {"incident": first.number})
    html = page.content.decode()
    assert html.count('data-testid="similar-incident"') == 4
    assert reverse("recurring:duplicate") in html
    assert first.number in html


def test_mark_duplicate_cancels_through_the_action():
    first, second, *_ = make_vpn_wave()
    agent = AgentFactory()
    _client(agent).post(
        reverse("recurring:duplicate"), {"incident": second.number, "original": first.number}
    )
    second.refresh_from_db()
    assert second.status == Status.CANCELLED and second.duplicate_of == first


def test_link_to_a_major_incident():
    agent = AgentFactory()
    major = make_incident(Status.IN_PROGRESS, title="VPN ошибка 809 у всех", agent=agent)
    actions.do_update_incident(major, actor=agent, is_major=True)
    child = make_incident(title="VPN ошибка 809")
    _client(agent).post(
        reverse("recurring:link_major"), {"incident": child.number, "original": major.number}
    )
    assert IncidentLink.objects.filter(source=child, target=major, kind=LinkKind.CHILD_OF).exists()


def test_customers_cannot_use_desk_actions():
    first, second, *_ = make_vpn_wave()
    client = _client(first.reporter)
    data = {"incident": second.number, "original": first.number}
    assert client.post(reverse("recurring:duplicate"), data).status_code == 403
    assert client.post(reverse("recurring:create_problem"), data).status_code == 403
