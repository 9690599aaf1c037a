"""My incidents: own only, status in plain words, filter and search."""

import pytest
from django.urls import reverse

from incidesk.accounts.tests.factories import CustomerFactory
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


def _numbers(response) -> list[str]:
    return [incident.number for incident, _words in response.context["rows"]]


def test_list_shows_only_own_incidents_with_plain_status(client):
    customer = CustomerFactory()
    mine = make_incident(Status.IN_PROGRESS, reporter=customer)
    make_incident()
    client.force_login(customer)
    response = client.get(reverse("portal:list"))
    assert _numbers(response) == [mine.number]
    assert response.context["rows"][0][1] == "проверено, решаем"


def test_filter_by_status_and_search_in_any_word_form(client):
    customer = CustomerFactory()
    printer = make_incident(Status.RESOLVED, reporter=customer, title="Не печатает принтер")
    vpn = make_incident(reporter=customer, title="Не подключается VPN")
    client.force_login(customer)
    assert _numbers(client.get(reverse("portal:list"), {"status": "resolved"})) == [printer.number]
    assert _numbers(client.get(reverse("portal:list"), {"status": "open"})) == [vpn.number]
    assert _numbers(client.get(reverse("portal:list"), {"q": "принтера"})) == [printer.number]


def test_list_pages_by_cursor(client, django_assert_max_num_queries):
    customer = CustomerFactory()
    created = [make_incident(reporter=customer, title=f"Заявка {n}") for n in range(27)]
    client.force_login(customer)
    with django_assert_max_num_queries(8):
        first = client.get(reverse("portal:list"))
    assert len(first.context["rows"]) == 25
    second = client.get(reverse("portal:list") + "?" + first.context["next_query"])
    seen = _numbers(first) + _numbers(second)
    assert sorted(seen) == sorted(i.number for i in created)
